// tabs.js - the tab bar: "all", a tab per room joined and per direct-message
// peer, then "+ Rooms"; which one is active, unread badges, the keyboard's
// moves (arrows, Home, End, Delete), and which tabs a reload brings back.
//
// A tab record: {key ('room:NGS' | 'dm:bob' | 'join'), kind, name, tab,
// panel, badge, unreadText, close, unread} from here, plus the parts of
// conversation.js (conv, nodes, oldest, more, stick...) or rooms.js (join).

import { sameRoom } from './text.js';
import * as ui from './ui.js';

// all, rooms, direct messages, then "+ Rooms"
const rank = (k) => (k === 'room:all' ? 0 : k.startsWith('room:') ? 1 : k.startsWith('dm:') ? 2 : 3);

export class Tabs {
  constructor(chat) {
    this.chat = chat;
    this.map = new Map(); // key -> tab record
    this.order = []; // keys in tab-bar order
    this.active = null;
    this.tablist = document.getElementById('tablist');
    this.panels = document.getElementById('panels');
    this.tablist.addEventListener('keydown', (e) => this.keys(e));
  }

  get(key) { return this.map.get(key); }
  has(key) { return this.map.has(key); }
  values() { return this.map.values(); }
  current() { return this.map.get(this.active); }

  /** The tab of room `name`, however its ASCII letters are cased (doc/api.md); or undefined. */
  room(name) {
    return this.map.get('room:' + name) || [...this.map.values()].find((t) => t.kind === 'room' && sameRoom(t.name, name));
  }

  add(kind, name) {
    const key = kind === 'join' ? 'join' : kind + ':' + name;
    if (this.map.has(key)) return this.map.get(key);
    const t = { key, kind, name, ...ui.buildTab(kind, name), unread: 0 };
    if (kind === 'join') this.chat.rooms.buildPanel(t);
    else this.chat.convs.build(t);
    if (kind === 'room') this.chat.topics.build(t);
    t.tab.addEventListener('click', (e) => {
      if (t.close && e.target === t.close) {
        e.stopPropagation();
        this.close(t);
        return;
      }
      this.activate(key);
    });
    let i = this.order.findIndex((k) => rank(k) > rank(key));
    if (i < 0) i = this.order.length;
    this.order.splice(i, 0, key);
    const before = this.order[i + 1] ? this.map.get(this.order[i + 1]) : null;
    this.tablist.insertBefore(t.tab, before ? before.tab : null);
    this.panels.append(t.panel);
    this.map.set(key, t);
    if (kind === 'dm') {
      this.save();
      this.chat.convs.loadOlder(t); // its history, as a room's tab has (rooms.addTab)
    }
    return t;
  }

  remove(key) {
    const t = this.map.get(key);
    if (!t || key === 'room:all' || key === 'join') return;
    const i = this.order.indexOf(key);
    const wasActive = this.active === key;
    this.order.splice(i, 1);
    this.map.delete(key);
    t.tab.remove();
    t.panel.remove();
    if (wasActive) this.activate(this.order[Math.max(0, i - 1)] || 'room:all', { focus: document.activeElement === document.body });
    this.save();
    this.chat.rooms.renderPanel();
  }

  /** The × of a tab, its Leave/Close button, the Delete key: leave the room or close the DM. */
  close(t) {
    if (t.kind === 'dm') this.closeDm(t.name);
    else if (t.kind === 'room') this.chat.rooms.leave(t.name);
  }

  activate(key, { focus = true } = {}) {
    const t = this.map.get(key);
    if (!t) return;
    const { chat } = this;
    chat.search.close({ focus: false }); // a tab was chosen: leave the search view
    for (const o of this.map.values()) {
      const on = o === t;
      o.tab.setAttribute('aria-selected', String(on));
      o.tab.tabIndex = on ? 0 : -1;
      o.panel.hidden = !on;
    }
    this.active = key;
    this.setUnread(t, 0);
    this.save();
    chat.composer.render();
    this.reveal(t);
    if (focus) t.tab.focus({ preventScroll: true });
    if (t.conv && t.stick) chat.convs.scrollToBottom(t);
    if (t.kind === 'join') chat.rooms.refresh();
    chat.who.sync(t);
    chat.who.refresh();
  }

  /** Which tabs a reload brings back: the direct messages, and the active one. */
  save() {
    const { state } = this.chat;
    state.set('tabs', this.order.filter((k) => k.startsWith('dm:')));
    if (this.active) state.set('active', this.active);
  }

  setUnread(t, n) {
    t.unread = n;
    t.badge.hidden = n === 0;
    t.badge.textContent = n > 99 ? '99+' : String(n);
    t.unreadText.textContent = n ? `, ${n} unread` : '';
  }

  /** Scroll the tab bar (only it: scrollIntoView could scroll Galaxy's page around our iframe). */
  reveal(t) {
    const bar = this.tablist.parentElement;
    const l = t.tab.offsetLeft; // .tabs-scroll is the offsetParent
    const r = l + t.tab.offsetWidth;
    if (l < bar.scrollLeft) bar.scrollLeft = l - 8;
    else if (r > bar.scrollLeft + bar.clientWidth) bar.scrollLeft = r - bar.clientWidth + 8;
  }

  keys(e) {
    const i = this.order.indexOf(this.active);
    let j = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % this.order.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + this.order.length) % this.order.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = this.order.length - 1;
    else if (e.key === 'Delete') {
      const t = this.current();
      if (t) this.close(t);
      return;
    }
    if (j === null) return;
    e.preventDefault();
    this.activate(this.order[j]);
  }

  openDm(name) {
    if (!name || name === this.chat.state.me.username) return;
    this.add('dm', name);
    this.activate('dm:' + name, { focus: false });
    this.chat.composer.focus();
  }

  closeDm(name) {
    this.remove('dm:' + name);
  }
}
