// topics.js - what a room shows at its top: its topic, under the room's
// name, and its pinned messages in a small list that opens and closes, where
// a click goes to the message (as a #msg=ID link does).  Admins edit the
// topic there and unpin there; they pin with a message's Pin button
// (render.js).  What is known comes from GET /v1/me (GET /v1/rooms for a
// room joined later), then from the topic, pin and delete events
// (events.js).  Topics and messages reach the DOM as text only.

import { appendMessageText } from './msgtext.js';
import { el } from './ui.js';

const SNIPPET = 140; // characters of a pinned message shown in the list
const TOPIC_MAX = 500; // bytes, the server's limit

export class Topics {
  constructor(chat) {
    this.chat = chat;
    // room -> {topic, pins: message events with pinned_by and pinned_at,
    // newest pin first, or null while unknown, last: target -> latest pin event id}
    this.rooms = new Map();
    this.fresh = new Set(); // rooms whose first tab may trust the list just loaded
    this.fetching = null;
  }

  room(name) {
    if (!this.rooms.has(name)) this.rooms.set(name, { topic: '', pins: null, last: new Map() });
    return this.rooms.get(name);
  }

  /** GET /v1/me's rooms, before the first tabs are made. */
  start(list) {
    this.load(list);
    for (const [name, r] of this.rooms) if (r.pins) this.fresh.add(name);
  }

  /** Rooms as GET /v1/me or GET /v1/rooms list them: topics, and pins where I may look. */
  load(list) {
    for (const r of Array.isArray(list) ? list : []) {
      if (!r || typeof r.name !== 'string') continue;
      const known = this.room(r.name);
      if (typeof r.topic === 'string') known.topic = r.topic;
      if (Array.isArray(r.pins)) known.pins = r.pins.filter((p) => p && Number.isInteger(p.id));
      this.render(r.name);
    }
  }

  /** The rooms list again (a room joined since the page loaded). */
  refresh() {
    if (!this.fetching) {
      this.fetching = this.chat.api.rooms()
        .then((r) => this.load(r && r.rooms))
        .catch(() => { /* the topic and pins stay as they were */ })
        .finally(() => { this.fetching = null; });
    }
    return this.fetching;
  }

  /** The top of a new room tab `t`: its topic line and its pins, under the toolbar. */
  build(t) {
    const text = el('span', { class: 'topic-text', dir: 'auto' });
    const edit = this.chat.state.admin
      ? el('button', { type: 'button', class: 'link topic-edit', onclick: () => this.editTopic(t) }) : null;
    const topic = el('p', { class: 'room-topic' }, text, edit);
    const count = el('span', { class: 'pins-count' });
    const list = el('ol', { class: 'pin-list' });
    const pins = el('details', { class: 'pins' }, el('summary', {}, count), list);
    const box = el('div', { class: 'room-head' }, topic, pins);
    t.head = { box, topic, text, edit, pins, count, list, form: null };
    t.conv.toolbar.after(box);
    // a room joined (again) later: what changed while I was not in it
    // reached me as no event
    if (!this.fresh.delete(t.name)) this.refresh();
    this.draw(t);
  }

  /** Shows what is known of room `name` in its tab, if it has one. */
  render(name) {
    const t = this.chat.tabs.get('room:' + name);
    if (t && t.head) this.draw(t);
  }

  draw(t) {
    const name = t.name;
    const { topic, pins } = this.room(name);
    const h = t.head;
    const admin = this.chat.state.admin;
    h.text.replaceChildren();
    appendMessageText(h.text, topic);
    if (h.edit) {
      h.edit.textContent = topic ? 'Edit' : 'Set a topic';
      h.edit.setAttribute('aria-label', topic ? `Edit the topic of ${name}` : `Set a topic for ${name}`);
    }
    h.topic.hidden = (!topic && !h.edit) || !!h.form;
    const n = pins ? pins.length : 0;
    h.pins.hidden = n === 0;
    h.count.textContent = n === 1 ? '1 pinned message' : `${n} pinned messages`;
    h.list.replaceChildren(...(pins || []).map((p) => this.item(t, p, admin)));
    h.box.hidden = h.topic.hidden && h.pins.hidden && !h.form;
  }

  /** One pinned message in the list: who wrote what; a click goes to it. */
  item(t, p, admin) {
    const who = (p.user && p.user.username) || 'unknown';
    const text = typeof p.text === 'string' ? p.text : '';
    const open = el('button', {
      type: 'button', class: 'pin-open', title: 'Go to the message', onclick: () => this.chat.links.reveal(p.id, t),
    }, el('span', { class: 'pin-user', text: who }), ' ',
    el('span', { class: 'pin-text', dir: 'auto', text: text.length > SNIPPET ? text.slice(0, SNIPPET) + '…' : text }));
    const li = el('li', {}, open);
    li.dataset.id = String(p.id);
    if (admin) {
      li.append(el('button', {
        type: 'button', class: 'link unpin', text: 'Unpin', onclick: () => this.setPin(t, p.id, false),
        'aria-label': `Unpin the message by ${who}`,
      }));
    }
    return li;
  }

  /** A topic or pin event, live. */
  changed(ev) {
    if (typeof ev.room !== 'string') return;
    const r = this.room(ev.room);
    if (ev.type === 'topic' && typeof ev.topic === 'string') {
      r.topic = ev.topic;
      this.render(ev.room);
    } else if (ev.type === 'pin' && Number.isInteger(ev.target)) {
      r.last.set(ev.target, ev.id);
      if (ev.pinned === true) this.pinned(ev, r);
      else this.unpinned(ev.room, ev.target);
    }
  }

  /** A message was pinned: the event names it, the room's history has it. */
  async pinned(ev, r) {
    if (r.pins && r.pins.some((p) => p.id === ev.target)) return;
    let msg = null;
    try {
      const h = await this.chat.api.history(ev.room, { before: ev.target + 1, limit: 1 });
      msg = (h && Array.isArray(h.events) ? h.events : []).find((e) => e.id === ev.target && e.deleted !== true);
    } catch {
      /* not readable now: the list shows it after the next load */
    }
    // an unpin, or a removal, that came meanwhile wins
    if (!msg || r.last.get(ev.target) !== ev.id || this.chat.state.deleted.has(ev.target)) return;
    if (r.pins && r.pins.some((p) => p.id === ev.target)) return;
    r.pins = [{ ...msg, pinned_by: ev.user && ev.user.username, pinned_at: ev.ts }, ...(r.pins || [])];
    this.render(ev.room);
  }

  unpinned(room, id) {
    const r = this.room(room);
    if (!r.pins || !r.pins.some((p) => p.id === id)) return;
    r.pins = r.pins.filter((p) => p.id !== id);
    this.render(room);
  }

  /** A removed message is pinned nowhere any more (the server unpinned it). */
  removed(id) {
    for (const [room, r] of this.rooms) {
      r.last.set(id, Infinity);
      this.unpinned(room, id);
    }
  }

  /** An admin's Pin button on a message, or Unpin in the list. */
  async setPin(t, id, pin) {
    const { chat } = this;
    try {
      await (pin ? chat.api.pin(t.name, id) : chat.api.unpin(t.name, id));
    } catch (e) {
      if (e.status === 401) return chat.showGate('login');
      chat.shell.flash(`Could not ${pin ? 'pin' : 'unpin'} the message: ${e.message}`);
    }
  }

  /** An admin's form in place of the topic line. */
  editTopic(t) {
    const h = t.head;
    if (h.form) return h.form.input.focus();
    const input = el('input', {
      type: 'text', class: 'topic-input', value: this.room(t.name).topic, dir: 'auto',
      'aria-label': `Topic of ${t.name}`, placeholder: 'What this room is for (empty: no topic)',
    });
    const error = el('p', { class: 'form-error', role: 'alert' });
    const close = () => {
      form.remove();
      h.form = null;
      this.render(t.name);
      h.edit.focus();
    };
    const form = el('form', { class: 'topic-form' },
      el('div', { class: 'row' }, input,
        el('button', { type: 'submit', class: 'primary small', text: 'Save' }),
        el('button', { type: 'button', class: 'quiet small', text: 'Cancel', onclick: close })),
      error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const topic = input.value.trim();
      if (new TextEncoder().encode(topic).length > TOPIC_MAX) {
        error.textContent = `A topic is at most ${TOPIC_MAX} bytes.`;
        return;
      }
      try {
        const r = await this.chat.api.setTopic(t.name, topic);
        this.room(t.name).topic = r && typeof r.topic === 'string' ? r.topic : topic;
        close();
      } catch (err) {
        if (err.status === 401) return this.chat.showGate('login');
        error.textContent = `Could not set the topic: ${err.message}`;
      }
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close();
      }
    });
    h.form = { form, input };
    h.topic.hidden = true;
    h.box.hidden = false;
    h.topic.after(form);
    input.focus();
  }
}
