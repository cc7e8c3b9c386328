// attention.js - what the reader has not read yet (doc/api.md, "Mentions,
// read markers and unread counts"): the counts of every tab and of the
// page title, from GET /v1/unread at load and kept by the events after it
// (unread.js holds the figures); the "new messages" divider where a
// conversation's unread part starts when it is opened; and the read marker
// sent as the reader reads.
//
// Reading is: the page is looked at (visible, and focused or inside
// Galaxy's chat panel), the conversation is the active tab and it is
// scrolled to its end.  Then its newest event is read: the marker moves
// here at once and goes to the server (POST /v1/read) in a batch a moment
// later, one request per conversation whatever arrived meanwhile, never
// backwards.  The `read` event that follows reaches the reader's other
// tabs, which clear their counts.

import { backoff } from './retry.js';
import { mentionsUser } from './mention.js';
import { UnreadCounts } from './unread.js';
import { el } from './ui.js';

const BASE_TITLE = 'galaxy-chat';
const SEND_AFTER_MS = 400; // a batch of read markers waits this long for more
const REFETCH_MS = 300;

const isMessage = (ev) => ev.type === 'message' || ev.type === 'direct';

export class Attention {
  constructor(chat) {
    this.chat = chat;
    this.counts = new UnreadCounts();
    this.queue = new Map(); // tab key -> the marker to send
    this.timer = null;
    this.sending = false;
    this.failures = 0;
    this.refetchTimer = null;
    this.loaded = false; // the first GET /v1/unread was asked
    this.loadFailures = 0;
  }

  /** Whether the reader is looking at the page. */
  looking() {
    return !document.hidden && (document.hasFocus() || this.chat.embed.inPanel);
  }

  /** GET /v1/unread: every tab's figures; the direct conversations with unread messages get their tabs. */
  async load() {
    const { chat } = this;
    const cursor = chat.state.cursor;
    this.loaded = true;
    let r;
    try {
      r = await chat.api.unread();
    } catch (e) {
      if (e.status === 401) chat.showGate('login');
      // The server is busy or away: again later.  (A server without the
      // route, older than this page: no counts.)
      else if (e.transient) this.refetch(Math.max(e.retryAfterMs ?? 0, backoff(this.loadFailures++)));
      return;
    }
    this.loadFailures = 0;
    if (!r || !Array.isArray(r.rooms)) return;
    for (const room of r.rooms) {
      const t = room && typeof room.name === 'string' && chat.tabs.room(room.name);
      if (t) this.counts.snapshot(t.key, room);
    }
    const listed = new Set();
    for (const d of Array.isArray(r.direct) ? r.direct : []) {
      if (!d || typeof d.with !== 'string' || !(d.unread > 0)) continue;
      const t = chat.tabs.get('dm:' + d.with) || chat.tabs.add('dm', d.with);
      listed.add(t.key);
      this.counts.snapshot(t.key, { unread: d.unread, mentions: 0, read: d.read });
    }
    // A direct conversation with nothing unread was read up to where the page started.
    for (const t of chat.tabs.values()) {
      if (t.kind === 'dm' && !listed.has(t.key) && cursor != null) this.counts.snapshot(t.key, { read: cursor });
    }
    for (const t of chat.tabs.values()) if (t.conv) this.ready(t);
    this.render();
  }

  /** Asks the server again (a room joined, a marker that may cover messages the page never saw). */
  refetch(ms = REFETCH_MS) {
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(() => this.load(), ms);
  }

  // -------------------------------------------------------- what arrives

  /** A message shown in tab `t` (history or live), once per tab. */
  shown(t, ev) {
    const { state } = this.chat;
    if (!isMessage(ev) || state.isMe(ev.user) || ev.deleted === true) return;
    if (this.counts.message(t.key, ev.id, mentionsUser(ev, state.me.username))) {
      this.check();
      this.render();
    }
  }

  /** A removed message. */
  removed(id) {
    this.counts.removed(id);
    this.render();
  }

  /** A `read` event: mine, from this tab or another one, or another device. */
  readEvent(ev) {
    const { chat } = this;
    if (!chat.state.isMe(ev.user) || !Number.isInteger(ev.read)) return;
    let key = null;
    if (typeof ev.room === 'string') key = (chat.tabs.room(ev.room) || { key: 'room:' + ev.room }).key;
    else if (typeof ev.with === 'string') key = 'dm:' + ev.with;
    if (!key || !this.counts.known(key)) return;
    if (this.counts.markRead(key, ev.read).ask) this.refetch();
    this.render();
  }

  /** A tab that appeared after the load (a room joined, a new peer): its marker is the server's. */
  added(t) {
    // (A tab that load() itself adds has its figures by the time this runs.)
    if (this.loaded) queueMicrotask(() => { if (t.conv && !this.counts.known(t.key)) this.refetch(0); });
  }

  /** A tab gone (a room left, a DM closed): a room's marker goes with it on the server. */
  forget(t) {
    if (t.kind === 'room') this.counts.forget(t.key);
    this.queue.delete(t.key);
    this.render();
  }

  /** Tab `t`'s first history page is in. */
  settled(t) {
    this.counts.settle(t.key);
    this.ready(t);
    this.render();
  }

  // ------------------------------------------------ opening and reading

  /** Tab `t` is opened: its divider once its figures are in, then reading. */
  opened(t) {
    if (!t.conv) return;
    t.dividerDue = true;
    this.ready(t);
  }

  /** Tab `t` is left: its divider goes. */
  left(t) {
    if (!t.conv) return;
    t.dividerDue = false;
    this.removeDivider(t);
  }

  /** The page is looked at again: where the unread part of the open tab starts, then reading. */
  looked() {
    const t = this.chat.tabs.current();
    if (t && t.conv && this.looking() && this.counts.count(t.key).unread > 0) {
      t.dividerDue = true;
      this.ready(t);
    }
    this.check();
  }

  /** Places tab `t`'s divider when it is due and its figures are in, then reads. */
  ready(t) {
    const c = this.counts.convs.get(t.key);
    if (!t.dividerDue || t.key !== this.chat.tabs.active || !c || !c.known || !c.settled) return;
    t.dividerDue = false;
    this.placeDivider(t);
    this.check();
  }

  /** The "new messages" line over the first unread message the tab shows. */
  placeDivider(t) {
    this.removeDivider(t);
    const { unread } = this.counts.count(t.key);
    let first = this.counts.firstUnread(t.key);
    const c = this.counts.convs.get(t.key);
    if (c.hidden > 0) first = Math.min(first ?? Infinity, ...[...t.nodes.keys()].filter((id) => this.chat.msgs.get(id)));
    const li = Number.isFinite(first) && t.nodes.get(first);
    if (!unread || !li) return;
    const label = unread === 1 ? '1 new message' : `${unread} new messages`;
    const line = el('li', { class: 'unread-divider', role: 'separator', 'aria-label': label }, el('span', { text: label }));
    li.before(line);
    t.divider = line;
    this.chat.convs.regroup(li);
    const sc = t.conv.scroller;
    const top = line.getBoundingClientRect().top - sc.getBoundingClientRect().top;
    if (top < 0) {
      // More is unread than fits: the reader starts at the divider.
      sc.scrollTop += top - 8;
      t.stick = this.chat.convs.atBottom(t);
    }
  }

  removeDivider(t) {
    if (!t.divider) return;
    const next = t.divider.nextElementSibling;
    t.divider.remove();
    t.divider = null;
    if (next) this.chat.convs.regroup(next);
  }

  /** If the reader is reading the active tab: its newest event is read. */
  check() {
    const t = this.chat.tabs.current();
    if (!t || !t.conv || t.dividerDue || !this.looking() || !this.counts.known(t.key)) return;
    if (!this.chat.convs.atBottom(t)) return;
    let newest = 0;
    for (const id of t.nodes.keys()) if (id > newest) newest = id;
    if (!this.counts.markRead(t.key, newest).moved) return;
    this.queue.set(t.key, newest);
    this.render();
    this.schedule(SEND_AFTER_MS);
  }

  schedule(ms) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  /** The markers waiting, one POST /v1/read per conversation; a failure waits and tries again. */
  async flush() {
    const { chat } = this;
    if (this.sending || !chat.state.online || chat.shell.gate) return;
    this.sending = true;
    try {
      while (this.queue.size) {
        const [key, id] = this.queue.entries().next().value;
        this.queue.delete(key);
        const t = chat.tabs.get(key);
        if (!t) continue;
        try {
          const r = await chat.api.markRead(t.kind === 'dm' ? { with: t.name } : { room: t.name }, id);
          this.failures = 0;
          if (r && Number.isInteger(r.read)) this.counts.markRead(key, r.read);
        } catch (e) {
          if (e.status === 401) return chat.showGate('login');
          if (!e.transient) continue; // a room left meanwhile, an event the server does not know: nothing to keep
          if (!this.queue.has(key)) this.queue.set(key, id);
          this.schedule(Math.max(e.retryAfterMs ?? 0, backoff(this.failures++)));
          return;
        }
      }
    } finally {
      this.sending = false;
    }
    this.render();
  }

  // ------------------------------------------------------------ showing

  /** Every tab's badges and the page title. */
  render() {
    const { tabs } = this.chat;
    const keys = [];
    for (const t of tabs.values()) {
      if (!t.conv) continue;
      keys.push(t.key);
      tabs.setCount(t, this.counts.count(t.key));
    }
    const { unread } = this.counts.total(keys);
    document.title = unread ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
  }
}
