// conversation.js - the message list of each room and direct-message tab:
// events in id order, each once; pending sends below them; grouping of
// consecutive lines; history pages; scrolling; removing a message.

import { handleHistory } from './events.js';
import { buildMessage, renderEvent, setPendingState } from './render.js';
import * as ui from './ui.js';

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
  }

  /** Put an event into a tab's list, in id order, once.  Returns true if it was new there. */
  show(t, ev) {
    const { state } = this.chat;
    if (ev.deleted === true) state.deleted.add(ev.id); // removed: the server sends no text
    if (t.nodes.has(ev.id) || state.deleted.has(ev.id)) return false;
    const mine = state.isMe(ev.user);
    const li = renderEvent(ev, {
      mine,
      admin: state.admin,
      onUser: (name) => this.chat.tabs.openDm(name),
      onDelete: () => this.remove(ev.id),
    });
    if (!li) return false;
    if (mine) this.shadowPending(t, ev);
    li.dataset.id = String(ev.id);
    this.insert(t, li, ev.id);
    t.nodes.set(ev.id, li);
    this.chat.cards.attach(li, ev.text, () => { if (t.stick) this.scrollToBottom(t); });
    if (t.oldest == null || ev.id < t.oldest) t.oldest = ev.id;
    return true;
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

  /** A removed message goes from every tab (and from the kept direct messages). */
  hide(id) {
    this.chat.state.forget(id);
    for (const t of this.chat.tabs.values()) {
      const li = t.nodes && t.nodes.get(id);
      if (li) {
        const next = li.nextElementSibling;
        li.remove();
        t.nodes.delete(id);
        if (next) this.regroup(next);
      }
    }
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

  /** The next history page of a room's tab; while one is on its way, that one. */
  loadOlder(t) {
    if (t.kind !== 'room' || t.more === false) return Promise.resolve();
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
      const r = await this.chat.api.history(t.name, { before: t.oldest ?? undefined, limit: HISTORY_PAGE });
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
      if (e.status === 404) t.more = false;
      else this.chat.shell.flash(`Could not load the history of ${t.name}: ${e.message}`);
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
    for (let n = 0; !t.nodes.has(id) && t.kind === 'room' && t.more !== false && n < pages; n++) await this.loadOlder(t);
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
    if (t.kind === 'room') {
      t.more = true;
      t.conv.older.hidden = false;
    }
    t.conv.start.remove();
    t.conv.empty.hidden = t.conv.list.children.length > 0;
    t.conv.empty.textContent = 'View cleared. ' + (t.kind === 'room' ? 'Load older messages to see the history again.' : '');
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
    item.li = buildMessage({ user: state.me, ts: item.ts, text: item.text }, { isMe: true, onUser: () => {} });
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
    li.remove();
    this.show(t, ev);
    if (ev.type === 'direct') state.keepDm(item.target.to, ev);
  }
}
