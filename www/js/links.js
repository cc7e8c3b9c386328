// links.js - deep links: the page's fragment names a place in the chat,
//
//   #room=NAME        that room (joined first if I am not in it)
//   #dm=USERNAME      direct messages with that user
//   #msg=ID           that message, in the room or DM it is in (with room=
//                     or dm=, looked for there only)
//   &draft=TEXT       with any of them: TEXT in the message box, never sent
//
// so that an admin can put "Ask in chat" links on Galaxy's welcome page, in
// tool help or beside a job error, and Galaxy's chat panel (the masthead
// webhook) can point its iframe somewhere.  The fragment is read once the
// chat is ready and whenever it changes, then cleared, so a reload does not
// follow it again.

import { parseLink } from './text.js';

export class Links {
  constructor(chat) {
    this.chat = chat;
    this.queue = Promise.resolve(); // links followed one after the other
  }

  /** The chat is ready: follow the fragment now and whenever it changes. */
  start() {
    window.addEventListener('hashchange', () => this.follow());
    return this.follow();
  }

  follow() {
    if (!location.hash) return this.queue;
    const link = parseLink(location.hash);
    history.replaceState(history.state, '', location.pathname + location.search);
    if (link) this.queue = this.queue.then(() => this.open(link));
    return this.queue;
  }

  async open(link) {
    const { chat } = this;
    const { tabs, shell } = chat;
    if (shell.gate) return;
    let t = null;
    if (link.dm) {
      tabs.openDm(link.dm);
      t = tabs.get('dm:' + link.dm) || null;
    } else if (link.room) {
      t = await chat.rooms.open(link.room);
      if (!t) return; // the "+ Rooms" panel says why
    }
    if (link.msg) await this.reveal(link.msg, t);
    if (link.draft) chat.composer.setDraft(link.draft);
  }

  /** Message `id`, in tab `t`, else in whichever of my rooms and direct messages holds it. */
  async reveal(id, t) {
    const { chat } = this;
    const { tabs, state } = chat;
    const where = t || await this.find(id);
    if (!where) {
      chat.shell.flash(state.deleted.has(id) ? 'That message was removed.' : 'That message is not in a room or conversation of yours.');
      return;
    }
    tabs.activate(where.key, { focus: false });
    if (!(await chat.convs.reveal(where, id))) chat.shell.flash('That message is not in ' + (where.kind === 'dm' ? 'this conversation.' : where.name + ' (or too far back).'));
  }

  /**
   * The tab holding message `id`: one that shows it, or the room or direct
   * conversation whose newest message up to `id` is `id` (one small history
   * request per tab).
   */
  async find(id) {
    const { tabs, api } = this.chat;
    const convs = [...tabs.values()].filter((t) => t.conv);
    const shown = convs.find((t) => t.nodes.has(id));
    if (shown) return shown;
    const page = { before: id + 1, limit: 1 };
    const found = await Promise.all(convs.map((t) => (t.kind === 'dm' ? api.directHistory(t.name, page) : api.history(t.name, page))
      .then((r) => Array.isArray(r && r.events) && r.events.some((ev) => ev.id === id && ev.deleted !== true))
      .catch(() => false)));
    return convs[found.indexOf(true)] || null;
  }
}
