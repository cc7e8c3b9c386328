// conversation.js - the message list of each room and direct-message tab:
// events in id order, each once; pending sends below them; grouping of
// consecutive lines; history pages (rooms and direct messages alike);
// scrolling; removing a message.

import { handleHistory } from './events.js';
import { buildMessage, renderEvent, setPendingState } from './render.js';
import * as ui from './ui.js';

const isMessage = (ev) => ev.type === 'message' || ev.type === 'direct';

const HISTORY_PAGE = 50;
const GROUP_MS = 5 * 60 * 1000; // one person's lines this close share one header

export class Conversations {
  constructor(chat) {
    this.chat = chat;
  }

  /** The conversation part of a new room or DM tab record `t`. */
  build(t) {
    Object.assign(t, { nodes: new Map(), oldest: null, more: null, loadingOlder: false, stick: true });
    const c = t.conv = ui.buildConversation(t.kind, t.name);
    c.start = ui.el('p', { class: 'start', text: t.kind === 'room' ? 'This is the start of ' + t.name + '.' : '' });
    t.panel.append(c.toolbar, c.body);
    c.older.addEventListener('click', () => this.loadOlder(t));
    c.scroller.addEventListener('scroll', () => {
      if (t.panel.hidden) return;
      if (c.scroller.scrollTop < 40 && t.more) this.loadOlder(t);
      t.stick = this.atBottom(t);
      if (t.stick) c.jump.hidden = true;
    }, { passive: true });
    c.jump.addEventListener('click', () => this.scrollToBottom(t));
    if (c.action) c.action.addEventListener('click', () => this.chat.tabs.close(t));
    if (c.whoBtn) c.whoBtn.addEventListener('click', () => this.chat.who.toggle(t));
    this.chat.unanswered.attach(t);
  }

  /** What the lines of tab `t` are drawn with (render.js's ctx). */
  ctx(t, ev) {
    const { state } = this.chat;
    return { isMe: state.isMe(ev.user), admin: state.admin, me: state.me.username, actions: this.chat.actions, t };
  }

  /**
   * The line of event `ev` in tab `t` (a message: drawn from its model,
   * made or brought up to date from `ev`; `full` for a read that says all of
   * it), not yet placed anywhere; null for an event that is no line.
   */
  line(t, ev, { full = false } = {}) {
    const m = isMessage(ev) ? this.chat.msgs.remember(ev, { full }) : ev;
    const li = renderEvent(m, this.ctx(t, ev));
    if (li) li.dataset.id = String(ev.id);
    return li;
  }

  /** Put an event into a tab's list, in id order, once.  Returns true if it was new there. */
  show(t, ev, { full = false } = {}) {
    const { chat } = this;
    const { state } = chat;
    if (ev.deleted === true) state.deleted.add(ev.id); // removed: the server sends no text
    if (t.nodes.has(ev.id) && full && isMessage(ev)) {
      // Shown live already: this read says what the live event did not (reactions, replies, solved).
      chat.msgs.remember(ev, { full });
      chat.msgs.change(ev.id, () => {});
    }
    if (t.nodes.has(ev.id) || state.deleted.has(ev.id)) return false;
    const li = this.line(t, ev, { full });
    if (!li) return false;
    if (state.isMe(ev.user)) this.shadowPending(t, ev);
    this.insert(t, li, ev.id);
    t.nodes.set(ev.id, li);
    this.card(t, li, ev.text);
    if (t.oldest == null || ev.id < t.oldest) t.oldest = ev.id;
    if (isMessage(ev)) {
      const m = chat.msgs.get(ev.id);
      chat.msgs.replied(m);
      chat.thread.arrived(t, m);
      chat.unanswered.arrived(m);
    }
    return true;
  }

  card(t, li, text) {
    this.chat.cards.attach(li, text, () => { if (t.stick) this.scrollToBottom(t); });
  }

  /** An edited message: the cards of its links now, in its tab's list. */
  recard(m) {
    for (const t of this.chat.tabs.values()) {
      const li = t.nodes && t.nodes.get(m.id);
      if (!li) continue;
      const old = li.querySelector('.cards');
      if (old) old.remove();
      this.chat.cards.forget(li);
      this.card(t, li, m.text);
    }
  }

  /** Insert a confirmed node in id order, above the pending ones. */
  insert(t, li, id) {
    const list = t.conv.list;
    let after = list.lastElementChild;
    while (after && (after.dataset.id === undefined || Number(after.dataset.id) > id)) after = after.previousElementSibling;
    list.insertBefore(li, after ? after.nextElementSibling : list.firstElementChild);
    this.regroup(li);
    if (li.nextElementSibling) this.regroup(li.nextElementSibling);
    t.conv.empty.hidden = true;
    if (t.stick) this.scrollToBottom(t);
    else if (!t.loadingOlder) t.conv.jump.hidden = false;
  }

  /** Consecutive messages by one person within five minutes share one header. */
  regroup(li) {
    if (!li.classList.contains('msg')) return;
    const prev = li.previousElementSibling;
    const cont = prev && prev.classList.contains('msg') && prev.dataset.user === li.dataset.user &&
      Math.abs(Number(li.dataset.time) - Number(prev.dataset.time)) < GROUP_MS;
    li.classList.toggle('cont', !!cont);
  }

  /** A removed message goes from every tab, thread panel and open view. */
  hide(id) {
    this.chat.state.deleted.add(id);
    for (const t of this.chat.tabs.values()) if (t.nodes) t.nodes.delete(id);
    for (const li of document.querySelectorAll(`li.msg[data-id="${id}"]`)) {
      const next = li.nextElementSibling;
      li.remove();
      if (next) this.regroup(next);
    }
    this.chat.msgs.removed(id);
  }

  /** The Delete button: after a confirmation, the server removes it for everyone. */
  async remove(id) {
    if (!window.confirm('Delete this message for everyone?')) return;
    try {
      await this.chat.api.deleteMessage(id);
      this.hide(id); // the delete event will follow; hiding twice is harmless
    } catch (e) {
      if (e.status === 401) return this.chat.showGate('login');
      if (e.status === 404) this.hide(id);
      else this.chat.shell.flash(`Could not delete the message: ${e.message}`);
    }
  }

  /** The next history page of a tab (room or direct messages); while one is on its way, that one. */
  loadOlder(t) {
    if (!t.conv || t.more === false) return Promise.resolve();
    if (!t.olderLoad) t.olderLoad = this.fetchOlder(t).finally(() => { t.olderLoad = null; });
    return t.olderLoad;
  }

  async fetchOlder(t) {
    t.loadingOlder = true;
    t.conv.older.disabled = true;
    t.conv.older.textContent = 'Loading…';
    const sc = t.conv.scroller;
    const fromBottom = sc.scrollHeight - sc.scrollTop;
    const first = t.oldest == null;
    try {
      const page = { before: t.oldest ?? undefined, limit: HISTORY_PAGE };
      const r = await (t.kind === 'dm' ? this.chat.api.directHistory(t.name, page) : this.chat.api.history(t.name, page));
      if (!this.chat.tabs.has(t.key)) return;
      const evs = (r && Array.isArray(r.events) ? r.events : []).slice().sort((a, b) => a.id - b.id);
      for (const ev of evs) {
        if (!Number.isInteger(ev.id)) continue;
        handleHistory(this.chat, t, ev);
        if (t.oldest == null || ev.id < t.oldest) t.oldest = ev.id;
      }
      t.more = !!(r && r.more) && evs.length > 0;
      if (first) this.scrollToBottom(t);
      else sc.scrollTop = sc.scrollHeight - fromBottom;
    } catch (e) {
      if (e.status === 401) return this.chat.showGate('login');
      if (e.status === 404) t.more = false; // a room gone, a peer who never used the chat
      else this.chat.shell.flash(`Could not load the history ${t.kind === 'dm' ? 'with' : 'of'} ${t.name}: ${e.message}`);
    } finally {
      t.loadingOlder = false;
      t.conv.older.disabled = false;
      t.conv.older.textContent = 'Load older messages';
      t.conv.older.hidden = t.more === false;
      if (t.more === false && t.nodes.size) t.conv.older.after(t.conv.start);
    }
  }

  /**
   * Message `id` of tab `t` (a deep link's #msg=ID), paging back through the
   * history for it as far as `pages` pages; scrolled to and marked.  Returns
   * false when it is not there.
   */
  async reveal(t, id, pages = 40) {
    for (let n = 0; !t.nodes.has(id) && t.more !== false && n < pages; n++) await this.loadOlder(t);
    const li = t.nodes.get(id);
    if (!li) return false;
    for (const old of t.conv.list.querySelectorAll('.linked')) old.classList.remove('linked');
    li.classList.add('linked');
    li.tabIndex = -1;
    // Only the message list scrolls (scrollIntoView could scroll Galaxy's page around the panel).
    const sc = t.conv.scroller;
    sc.scrollTop += li.getBoundingClientRect().top - sc.getBoundingClientRect().top - sc.clientHeight / 3;
    t.stick = this.atBottom(t);
    li.focus({ preventScroll: true });
    return true;
  }

  /** Ctrl+L: empty the active tab's view; the history stays on the server. */
  clear() {
    const t = this.chat.tabs.current();
    if (!t || !t.conv) return;
    for (const li of [...t.conv.list.children]) if (li.dataset.id !== undefined) li.remove();
    t.nodes.clear();
    t.oldest = null;
    t.more = true;
    t.conv.older.hidden = false;
    t.conv.start.remove();
    t.conv.empty.hidden = t.conv.list.children.length > 0;
    t.conv.empty.textContent = 'View cleared. Load older messages to see the history again.';
    this.chat.shell.announce('View cleared');
  }

  atBottom(t) {
    const sc = t.conv.scroller;
    return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 48;
  }

  scrollToBottom(t) {
    const sc = t.conv.scroller;
    sc.scrollTop = sc.scrollHeight;
    t.stick = true;
    t.conv.jump.hidden = true;
  }

  // ---------------------------------------------------------------- sends

  /** An outbox item as a line of mine under the confirmed ones, with its sending state. */
  showPending(item) {
    const { tabs, outbox, state } = this.chat;
    let t = tabs.get(item.key);
    if (!t && item.target.to) t = tabs.add('dm', item.target.to);
    if (!t) {
      // The room was left meanwhile: the message can no longer be sent.
      outbox.remove(item);
      return;
    }
    item.li = buildMessage({ user: state.me, ts: item.ts, text: item.text, reply_to: item.replyTo }, { isMe: true, me: state.me.username, actions: null });
    item.li.dataset.clientId = item.clientId;
    t.conv.list.append(item.li);
    t.conv.empty.hidden = true;
    this.pendingState(item);
  }

  pendingState(item, message) {
    if (!item.li) return;
    if (item.state === 'failed') item.li.hidden = false;
    setPendingState(item.li, item.state || 'pending', message, {
      onRetry: () => this.chat.outbox.retry(item),
      onDiscard: () => {
        item.li.remove();
        this.chat.outbox.remove(item);
      },
    });
  }

  /** The poll brought my own message before the POST answered: hide the pending copy meanwhile. */
  shadowPending(t, ev) {
    if (typeof ev.text !== 'string') return;
    const key = ev.type === 'direct' ? 'dm:' + this.chat.state.dmPeer(ev) : 'room:' + ev.room;
    const item = this.chat.outbox.find(key, ev.text);
    if (item && item.li) {
      item.shadowed = ev.id;
      item.li.hidden = true;
    }
  }

  /** The server stored an outbox item: the pending line becomes the message itself. */
  confirmed(item, r) {
    const { tabs, state } = this.chat;
    const t = tabs.get(item.key);
    const li = item.li;
    if (!t || !li) return;
    if (t.nodes.has(r.id) || state.seen.has(r.id)) {
      li.remove(); // the long poll was quicker and shows it already
      return;
    }
    // The transport will skip the id.
    state.seen.add(r.id);
    const ev = { id: r.id, type: item.target.to ? 'direct' : 'message', ts: r.ts || item.ts, user: state.me, text: item.text, ...item.target };
    if (item.replyTo) Object.assign(ev, { reply_to: item.replyTo, thread: item.thread });
    li.remove();
    this.show(t, ev);
  }
}
