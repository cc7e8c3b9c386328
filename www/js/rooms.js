// rooms.js - joining and leaving rooms, and the "+ Rooms" panel: join by
// name, one-click joins of the persistent rooms (from GET /v1/me, then
// Galaxy's iframe URL list), the other open rooms.

import { galaxyParams, roomNameProblem, sameRoom } from './text.js';
import * as ui from './ui.js';

export class Rooms {
  constructor(chat) {
    this.chat = chat;
    // Galaxy's iframe parameters only add one-click joins; who I am is /v1/me's.
    this.galaxyRooms = galaxyParams(location.search).rooms;
    this.persistentNames = [];
  }

  /** The "+ Rooms" part of the join tab record `t`. */
  buildPanel(t) {
    t.join = ui.buildJoinPanel();
    t.panel.append(t.join.body);
    t.join.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.join(t.join.input.value);
    });
  }

  /** A tab for a room I am in, with its history. */
  addTab(room) {
    const { tabs } = this.chat;
    if (tabs.has('room:' + room)) return tabs.get('room:' + room);
    const t = tabs.add('room', room);
    this.chat.convs.loadOlder(t);
    this.renderPanel();
    return t;
  }

  /**
   * Joins the room (the "+ Rooms" form, a one-click join) and opens its
   * tab.  Returns the room's name as the server writes it (joining "ngs"
   * joins "NGS"), or null when it could not.
   */
  async join(raw) {
    const { chat } = this;
    const j = chat.tabs.get('join').join;
    const name = raw.trim();
    const problem = roomNameProblem(name);
    j.error.textContent = problem || '';
    if (problem) {
      j.input.focus();
      return null;
    }
    const open = chat.tabs.room(name);
    if (open) {
      j.input.value = '';
      chat.tabs.activate(open.key);
      return open.name;
    }
    let r;
    try {
      r = await chat.api.join(name);
    } catch (e) {
      if (e.status === 401) chat.showGate('login');
      else j.error.textContent = `Could not join ${name}: ${e.message}`;
      return null;
    }
    const room = r && typeof r.room === 'string' && sameRoom(r.room, name) ? r.room : name;
    j.input.value = '';
    j.error.textContent = '';
    this.mark(room, true);
    this.addTab(room);
    chat.tabs.activate('room:' + room);
    return room;
  }

  /**
   * A link's room (#room=NAME): its tab, joined first if I
   * am not in it; the "+ Rooms" panel, saying why, when it cannot be joined.
   * Returns the tab or null.
   */
  async open(name) {
    const { tabs } = this.chat;
    let t = tabs.room(name);
    if (!t) {
      const j = tabs.get('join').join;
      j.input.value = name;
      const room = await this.join(name);
      if (!room) {
        if (!this.chat.shell.gate) tabs.activate('join');
        return null;
      }
      t = tabs.get('room:' + room);
    }
    tabs.activate(t.key, { focus: false });
    return t;
  }

  async leave(name) {
    if (name === 'all') return;
    const { chat } = this;
    try {
      await chat.api.leave(name);
    } catch (e) {
      if (e.status === 401) return chat.showGate('login');
      chat.shell.flash(`Could not leave ${name}: ${e.message}`);
      return;
    }
    this.mark(name, false);
    chat.tabs.remove('room:' + name);
  }

  mark(name, joined) {
    const r = this.chat.state.rooms.find((x) => sameRoom(x.name, name));
    if (r) r.joined = joined;
  }

  /** One-click joins: the persistent rooms (from /v1/me), then Galaxy's URL list. */
  renderPanel() {
    const t = this.chat.tabs.get('join');
    if (!t) return;
    const j = t.join;
    const joined = (n) => !!this.chat.tabs.room(n);
    const names = [];
    for (const r of this.chat.state.rooms) if (r.persistent && r.name !== 'all') names.push(r.name);
    for (const n of this.galaxyRooms) if (!sameRoom(n, 'all') && !names.some((x) => sameRoom(x, n))) names.push(n);
    j.persistent.replaceChildren(...names.map((n) => this.button(n, joined(n) ? 'joined' : '')));
    j.persistentSection.hidden = names.length === 0;
    this.persistentNames = names;
  }

  button(name, detail) {
    const { tabs } = this.chat;
    return ui.roomButton(name, detail, () => (tabs.room(name) ? tabs.activate(tabs.room(name).key) : this.join(name)));
  }

  /** The other open rooms, asked for each time the panel is shown. */
  async refresh() {
    const { chat } = this;
    const j = chat.tabs.get('join').join;
    this.renderPanel();
    try {
      const r = await chat.api.rooms();
      const list = Array.isArray(r) ? r : r && Array.isArray(r.rooms) ? r.rooms : [];
      const extra = list.filter((x) => x && typeof x.name === 'string' && x.name !== 'all' && !this.persistentNames.includes(x.name));
      j.others.replaceChildren(...extra.map((x) => {
        const bits = [];
        if (chat.tabs.has('room:' + x.name)) bits.push('joined');
        if (Number.isInteger(x.members)) bits.push(`${x.members} member${x.members === 1 ? '' : 's'}`);
        return this.button(x.name, bits.join(', '));
      }));
      j.othersSection.hidden = extra.length === 0;
    } catch {
      j.othersSection.hidden = true;
    }
  }
}
