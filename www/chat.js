// chat.js - the galaxy-chat browser client: state, the long poll, the
// outbox, tabs.  It speaks only the HTTP API of API.md (through js/api.js).
//
// Who the user is comes from GET /v1/me alone; Galaxy's iframe parameters
// (?username=...&persistent_communication_rooms=...) only add one-click joins.
//
// Delivery: the first cursor is taken before any history is fetched, then
// GET /v1/events?since=cursor is repeated with the cursor each answer gives
// back.  The cursor is kept in sessionStorage, so a reload continues where
// the page was; every event is shown once, keyed by its id.  Sends go through
// an outbox (also in sessionStorage) and are retried with the same client_id,
// which the server uses to store each message once.

import { Api, ApiError, apiBase } from './js/api.js';
import { galaxyParams, randomId, roomNameProblem } from './js/text.js';
import * as ui from './js/ui.js';

const BASE_TITLE = 'galaxy-chat';
const POLL_TIMEOUT = 25; // seconds; the server clamps it below the proxy timeouts
const WHO_EVERY = 20000;
const HISTORY_PAGE = 50;
const DM_KEEP = 200; // direct messages kept per peer for reloads (there is no DM history route)

/** Exponential backoff with jitter: 1 s, 2 s, 4 s ... capped at 15 s. */
export function backoff(attempt) {
  const ms = Math.min(15000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(ms * (0.75 + Math.random() * 0.25));
}

/** A sleep that wake() cuts short (used to retry at once when the network returns). */
class Waker {
  constructor() { this.waiters = new Set(); }
  sleep(ms) {
    return new Promise((resolve) => {
      const w = () => { clearTimeout(t); this.waiters.delete(w); resolve(); };
      const t = setTimeout(w, ms);
      this.waiters.add(w);
    });
  }
  wake() { for (const w of [...this.waiters]) w(); }
}

/** sessionStorage that never throws (sandboxed iframes may forbid it). */
const store = {
  get(k, dflt = null) {
    try {
      const v = sessionStorage.getItem(k);
      return v === null ? dflt : JSON.parse(v);
    } catch {
      return dflt;
    }
  },
  set(k, v) {
    try {
      sessionStorage.setItem(k, JSON.stringify(v));
    } catch {
      /* full or forbidden: the page still works, it just forgets on reload */
    }
  },
};

const $ = (id) => document.getElementById(id);

class Chat {
  constructor() {
    this.api = new Api(apiBase());
    this.galaxy = galaxyParams(location.search);
    this.me = null;
    this.prefix = null; // storage key prefix, per API and user
    this.cursor = null;
    this.seen = new Set(); // event ids handled (side effects done once)
    this.deleted = new Set();
    this.tabs = new Map(); // key -> tab record
    this.order = []; // tab keys in tab-bar order
    this.active = null;
    this.online = store.get('galaxy-chat:online', true) !== false;
    this.pollGen = 0;
    this.pollCtl = null;
    this.pollWaker = new Waker();
    this.outbox = [];
    this.outWaker = new Waker();
    this.pumping = false;
    this.dms = Object.create(null); // peer -> direct message events, kept for reloads
    this.rooms = []; // from /v1/me
    this.titleCount = 0;
    this.whoTimer = null;
    this.gate = null;
  }

  // ---------------------------------------------------------------- start

  async start() {
    this.bindShell();
    this.renderOnline();
    let attempt = 0;
    for (;;) {
      try {
        this.setStatus('connecting', 'Connecting…');
        const me = await this.api.me();
        if (!me || !me.user) throw new ApiError(200, 'bad_response', 'GET /v1/me did not name a user');
        this.me = me.user;
        this.admin = me.admin === true;
        this.mutedUntil = typeof me.muted_until === 'string' ? me.muted_until : null;
        this.rooms = Array.isArray(me.rooms) ? me.rooms : [];
        this.meCursor = Number.isInteger(me.cursor) ? me.cursor : null;
        break;
      } catch (e) {
        if (e.status === 401) return this.showGate('login');
        if (!e.transient) return this.showGate('error', e.message);
        this.setStatus('reconnecting', 'Cannot reach the chat server. Retrying…', e);
        await this.pollWaker.sleep(Math.max(e.retryAfterMs ?? 0, backoff(attempt++)));
      }
    }
    this.hideGate();
    $('loading').remove();
    $('app').dataset.state = 'ready';
    this.prefix = `galaxy-chat:${this.api.base}:${this.me.id ?? this.me.username}:`;
    $('me-name').textContent = this.me.username || '';
    $('search-toggle').hidden = false;
    if (this.mutedUntil) this.flash(`An admin muted you until ${new Date(this.mutedUntil).toLocaleString()}: you can read but not post.`);

    this.cursor = this.loadCursor();
    if (this.cursor != null && this.meCursor != null && this.cursor > this.meCursor) {
      // Ahead of the server: a new message store.  Start afresh.
      this.cursor = null;
      this.setPrefixed('dms', {});
    }
    if (this.cursor == null) {
      // Take the cursor before fetching any history, so nothing falls between.
      if (this.online) {
        try {
          const r = await this.api.events(null);
          if (Number.isInteger(r.cursor)) this.cursor = r.cursor;
        } catch {
          /* fall back on /v1/me's cursor, taken earlier still */
        }
      }
      if (this.cursor == null) this.cursor = this.meCursor;
      this.saveCursor();
    }

    const want = this.prefixed('active', 'room:all');
    this.addTab('room', 'all');
    for (const r of this.rooms) if (r.joined && r.name !== 'all') this.addTab('room', r.name);
    // Keyed by username, and "__proto__" is a valid Galaxy username: no prototype.
    this.dms = Object.assign(Object.create(null), this.prefixed('dms', {}));
    for (const key of this.prefixed('tabs', [])) {
      if (key.startsWith('dm:')) this.addTab('dm', key.slice(3));
    }
    this.addTab('join', 'Rooms');
    this.renderJoinPanel();
    for (const peer of Object.keys(this.dms)) {
      if (this.dms[peer].length) {
        const t = this.addTab('dm', peer);
        for (const ev of this.dms[peer]) this.showEvent(t, ev);
      }
    }
    this.activate(this.tabs.has(want) ? want : 'room:all', { focus: false });

    this.outbox = this.prefixed('outbox', []);
    for (const item of this.outbox) this.renderPending(item);

    await Promise.all([...this.tabs.values()].filter((t) => t.kind === 'room').map((t) => this.loadOlder(t)));

    this.setStatus(this.online ? 'connecting' : 'offline');
    if (this.online) this.goOnline();
    else this.renderOnline();
  }

  prefixed(name, dflt) { return store.get(this.prefix + name, dflt); }
  setPrefixed(name, v) { store.set(this.prefix + name, v); }
  loadCursor() {
    const c = this.prefixed('cursor', null);
    return Number.isInteger(c) ? c : null;
  }
  saveCursor() { this.setPrefixed('cursor', this.cursor); }
  saveTabs() {
    this.setPrefixed('tabs', this.order.filter((k) => k.startsWith('dm:')));
    if (this.active) this.setPrefixed('active', this.active);
  }

  // ---------------------------------------------------------------- shell

  bindShell() {
    this.tablist = $('tablist');
    this.panels = $('panels');
    this.input = $('input');
    this.composer = $('composer');
    this.statusEl = $('status');
    this.announcer = $('announcer');

    $('online-toggle').addEventListener('click', () => this.setOnline(!this.online));
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.autosize());
    this.tablist.addEventListener('keydown', (e) => this.tabKeys(e));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (this.searchOpen) this.closeSearch();
        else this.closeWhoPopup();
      }
      if (e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey && (e.key === 'l' || e.key === 'L')) {
        e.preventDefault();
        this.clearView();
      }
    });
    const seen = () => {
      if (!document.hidden && document.hasFocus()) {
        this.titleCount = 0;
        document.title = BASE_TITLE;
        const t = this.tabs.get(this.active);
        if (t) this.setUnread(t, 0);
      }
    };
    document.addEventListener('visibilitychange', () => {
      seen();
      if (!document.hidden) this.refreshWho();
    });
    window.addEventListener('focus', () => {
      seen();
      if (this.gate === 'login') this.retryAfterLogin();
    });
    window.addEventListener('online', () => this.kick());
    this.statusEl.addEventListener('click', (e) => {
      if (e.target.closest('[data-action=retry]')) this.kick();
      if (e.target.closest('[data-action=online]')) this.setOnline(true);
    });
    $('gate-retry').addEventListener('click', () => this.retryAfterLogin());
    this.bindSearch();
  }

  /** The network may be back: retry polls and sends now instead of after the backoff. */
  kick() {
    this.pollWaker.wake();
    this.outWaker.wake();
  }

  showGate(kind, message) {
    this.gate = kind;
    this.stopPolling();
    const app = $('app');
    app.dataset.state = kind === 'login' ? 'unauthorized' : 'error';
    $('gate-title').textContent = kind === 'login' ? 'Please log in to Galaxy' : 'The chat is not available';
    $('gate-text').textContent = kind === 'login'
      ? 'The chat uses your Galaxy login. Log in to Galaxy in this browser, then try again.'
      : 'The chat server answered: ' + (message || 'an error') + '. Try again later.';
    $('gate').hidden = false;
    this.setStatus('ok');
  }

  hideGate() {
    this.gate = null;
    $('gate').hidden = true;
  }

  /** After a login elsewhere: start afresh once /v1/me answers (the user may have changed). */
  async retryAfterLogin() {
    if (!this.gate || this.probing) return;
    this.probing = true;
    try {
      await this.api.me();
      location.reload();
    } catch (e) {
      if (this.gate === 'login' && e.status !== 401) this.showGate('error', e.message);
    } finally {
      this.probing = false;
    }
  }

  /** The connection line under the tabs; silent when all is well. */
  setStatus(state, text, err) {
    this.connState = state;
    const s = this.statusEl;
    $('app').dataset.conn = state;
    s.replaceChildren();
    if (state === 'ok' || state === 'connecting' && !text) {
      s.hidden = true;
      return;
    }
    s.hidden = false;
    s.className = 'status status-' + state;
    if (state === 'offline') {
      s.append('You are offline: new messages are not fetched. ',
        ui.el('button', { type: 'button', class: 'link', 'data-action': 'online', text: 'Go online' }));
      return;
    }
    s.append(text || '');
    if (state === 'reconnecting') {
      if (err && err.status) s.append(` (${err.status === 429 ? 'too many requests' : 'server answered ' + err.status})`);
      s.append(' ', ui.el('button', { type: 'button', class: 'link', 'data-action': 'retry', text: 'Retry now' }));
    }
  }

  // ---------------------------------------------------------------- search

  bindSearch() {
    $('search-toggle').addEventListener('click', () => (this.searchOpen ? this.closeSearch() : this.openSearch()));
    $('search-close').addEventListener('click', () => this.closeSearch());
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.runSearch(false);
    });
    $('search-more').addEventListener('click', () => this.runSearch(true));
  }

  /** The search view takes the place of the conversation until Escape or Close. */
  openSearch() {
    if (!this.me) return;
    this.searchOpen = true;
    const t = this.tabs.get(this.active);
    this.searchRoom = t && t.kind === 'room' ? t.name : null;
    $('search-scope').hidden = !this.searchRoom;
    $('search-here-label').textContent = this.searchRoom ? 'Only in ' + this.searchRoom : '';
    if (!this.searchRoom) $('search-here').checked = false;
    $('search').hidden = false;
    this.panels.hidden = true;
    this.composer.hidden = true;
    $('search-toggle').setAttribute('aria-expanded', 'true');
    $('search-q').focus();
    $('search-q').select();
  }

  closeSearch({ focus = true } = {}) {
    if (!this.searchOpen) return;
    this.searchOpen = false;
    this.searchGen = (this.searchGen || 0) + 1; // answers still on their way are dropped
    $('search').hidden = true;
    this.panels.hidden = false;
    $('search-toggle').setAttribute('aria-expanded', 'false');
    this.renderComposer();
    const t = this.tabs.get(this.active);
    if (t && t.conv && t.stick) this.scrollToBottom(t);
    if (focus) $('search-toggle').focus();
  }

  /** A new search (more=false) or the next page of the last one. */
  async runSearch(more) {
    const status = $('search-status');
    const list = $('search-results');
    const moreBtn = $('search-more');
    if (!more) {
      const q = $('search-q').value.trim();
      if (!q) {
        status.textContent = 'Type one or more words to search for.';
        return;
      }
      this.search = { q, room: $('search-here').checked ? this.searchRoom : null, oldest: null };
      list.replaceChildren();
    }
    const s = this.search;
    if (!s) return;
    const gen = this.searchGen = (this.searchGen || 0) + 1;
    moreBtn.disabled = true;
    status.textContent = 'Searching…';
    try {
      const r = await this.api.search(s.q, { room: s.room, before: s.oldest ?? undefined });
      if (gen !== this.searchGen) return;
      const evs = (r && Array.isArray(r.events) ? r.events : []).filter((ev) => ev && Number.isInteger(ev.id));
      evs.sort((a, b) => b.id - a.id);
      for (const ev of evs) {
        if (s.oldest == null || ev.id < s.oldest) s.oldest = ev.id;
        list.append(this.searchHit(ev));
      }
      s.more = !!(r && r.more) && evs.length > 0;
      moreBtn.hidden = !s.more;
      const n = list.children.length;
      const where = s.room ? ' in ' + s.room : '';
      status.textContent = n === 0 ? `No results for “${s.q}”${where}.`
        : `${n} result${n === 1 ? '' : 's'} for “${s.q}”${where}${s.more ? ', newest first; more below' : ', newest first'}.`;
    } catch (e) {
      if (gen !== this.searchGen) return;
      if (e.status === 401) return this.showGate('login');
      status.textContent = `Search failed: ${e.message}`;
    } finally {
      if (gen === this.searchGen) moreBtn.disabled = false;
    }
  }

  searchHit(ev) {
    let where;
    let key = null;
    if (ev.type === 'direct') {
      const peer = this.dmPeer(ev) || '?';
      where = '@' + peer;
      key = 'dm:' + peer;
    } else {
      where = '#' + (ev.room || '?');
      if (this.tabs.has('room:' + ev.room)) key = 'room:' + ev.room;
    }
    const open = key ? () => {
      this.closeSearch({ focus: false });
      if (key.startsWith('dm:')) this.openDm(key.slice(3));
      else this.activate(key);
    } : null;
    return ui.buildSearchHit(ev, where, open);
  }

  // ---------------------------------------------------------------- mutes

  /** Admins: the inline mute form under a name in the who list, one at a time. */
  openMute(li, name) {
    if (!this.admin) return;
    if (this.muteForm) this.muteForm.form.remove();
    const close = () => {
      f.form.remove();
      if (this.muteForm === f) this.muteForm = null;
      const b = li.querySelector('.mute');
      if (b && b.isConnected) b.focus();
    };
    const f = ui.buildMuteForm(name, {
      onMute: async (minutes, result) => {
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 527040) {
          result.textContent = 'Minutes: a whole number from 1 to 527040.';
          return;
        }
        try {
          const r = await this.api.mute(name, minutes);
          const until = r && r.muted_until ? new Date(r.muted_until).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) : '?';
          result.textContent = `${name} is muted until ${until}.`;
        } catch (e) {
          if (e.status === 401) return this.showGate('login');
          result.textContent = `Could not mute ${name}: ${e.message}`;
        }
      },
      onUnmute: async (result) => {
        try {
          await this.api.unmute(name);
          result.textContent = `${name} may post again.`;
        } catch (e) {
          if (e.status === 401) return this.showGate('login');
          result.textContent = `Could not unmute ${name}: ${e.message}`;
        }
      },
      onCancel: close,
    });
    f.name = name;
    this.muteForm = f;
    li.append(f.form);
    f.minutes.focus();
    f.minutes.select();
  }

  // ---------------------------------------------------------------- online

  setOnline(on) {
    this.online = on;
    store.set('galaxy-chat:online', on);
    this.renderOnline();
    if (!this.me) return;
    if (on) this.goOnline();
    else {
      this.stopPolling();
      this.setStatus('offline');
    }
  }

  renderOnline() {
    const b = $('online-toggle');
    // A switch named "Online", on or off: the name stays, the state changes.
    b.setAttribute('aria-checked', String(this.online));
    b.classList.toggle('is-online', this.online);
    b.title = this.online ? 'You are online. Press to go offline.' : 'You are offline. Press to go online.';
    this.renderComposer();
  }

  goOnline() {
    this.pollLoop();
    this.pumpOutbox();
    this.refreshWho();
    clearInterval(this.whoTimer);
    this.whoTimer = setInterval(() => this.refreshWho(), WHO_EVERY);
  }

  stopPolling() {
    this.pollGen++;
    if (this.pollCtl) this.pollCtl.abort();
    this.pollCtl = null;
    this.pollWaker.wake();
    this.outWaker.wake();
    clearInterval(this.whoTimer);
    this.whoTimer = null;
  }

  // ---------------------------------------------------------------- long poll

  async pollLoop() {
    const gen = ++this.pollGen;
    let attempt = 0;
    while (this.online && gen === this.pollGen && !this.gate) {
      const ctl = new AbortController();
      this.pollCtl = ctl;
      const started = Date.now();
      try {
        if (this.cursor == null) {
          const r = await this.api.events(null, { signal: ctl.signal });
          if (gen !== this.pollGen) return;
          this.cursor = r.cursor;
          this.saveCursor();
          continue;
        }
        if (attempt > 0 || this.connState !== 'ok') this.setStatus(attempt ? 'reconnecting' : 'connecting', attempt ? 'Reconnecting…' : '');
        // After a failure, first a poll that answers at once, so "reconnecting"
        // goes away as soon as the server is back, not when something is said.
        const timeout = attempt > 0 ? 0 : POLL_TIMEOUT;
        const r = await this.api.events(this.cursor, { timeout, signal: ctl.signal });
        if (gen !== this.pollGen) return;
        if (!r || !Array.isArray(r.events) || !Number.isInteger(r.cursor)) throw new ApiError(200, 'bad_response', 'unexpected answer from /v1/events');
        this.setStatus('ok');
        if (attempt > 0) this.outWaker.wake();
        attempt = 0;
        for (const ev of r.events) this.handleEvent(ev);
        if (r.cursor !== this.cursor) {
          this.cursor = r.cursor;
          this.saveCursor();
        }
        // An empty answer that came back at once is not a long poll (a proxy
        // or a misconfigured server); do not spin.
        if (timeout && !r.events.length && Date.now() - started < 1000) await this.pollWaker.sleep(2000);
      } catch (e) {
        if (gen !== this.pollGen || e.code === 'aborted') return;
        if (e.status === 401) return this.showGate('login');
        if (e.status === 400) {
          // The server does not know our cursor (a new message store?): start from now.
          this.cursor = null;
          await this.pollWaker.sleep(backoff(attempt++));
          continue;
        }
        // Retry-After is the least we wait; repeated failures back off further.
        const wait = Math.max(e.retryAfterMs ?? 0, backoff(attempt));
        attempt++;
        const msg = e.status === 429 ? 'The server asks us to slow down. Reconnecting…' : 'Lost the connection to the chat server. Reconnecting…';
        this.setStatus('reconnecting', `${msg} next try in ${Math.ceil(wait / 1000)} s`, e);
        await this.pollWaker.sleep(wait);
      }
    }
  }

  // ---------------------------------------------------------------- events

  isMe(user) {
    if (!user || !this.me) return false;
    if (user.id != null && this.me.id != null) return user.id === this.me.id;
    return user.username === this.me.username;
  }

  dmPeer(ev) {
    const to = typeof ev.to === 'string' ? ev.to : ev.to && ev.to.username;
    return this.isMe(ev.user) ? to : ev.user && ev.user.username;
  }

  /** An event from the long poll: side effects once, then show it. */
  handleEvent(ev) {
    if (!ev || !Number.isInteger(ev.id) || this.seen.has(ev.id)) return;
    this.seen.add(ev.id);
    switch (ev.type) {
      case 'message': {
        const t = this.tabs.get('room:' + ev.room) || this.addRoomTab(ev.room);
        if (this.showEvent(t, ev)) this.notify(t, ev);
        break;
      }
      case 'direct': {
        const peer = this.dmPeer(ev);
        if (!peer) break;
        const t = this.tabs.get('dm:' + peer) || this.addTab('dm', peer);
        const list = (this.dms[peer] ||= []);
        if (!list.some((x) => x.id === ev.id)) {
          list.push(ev);
          if (list.length > DM_KEEP) list.splice(0, list.length - DM_KEEP);
          this.setPrefixed('dms', this.dms);
        }
        if (this.showEvent(t, ev)) this.notify(t, ev);
        break;
      }
      case 'join':
      case 'leave': {
        if (this.isMe(ev.user)) {
          // Mine, perhaps from another tab of this browser: follow it.
          if (ev.type === 'join' && !this.tabs.has('room:' + ev.room)) this.addRoomTab(ev.room);
          if (ev.type === 'leave' && ev.room !== 'all') {
            this.removeTab('room:' + ev.room);
            break;
          }
        }
        const t = this.tabs.get('room:' + ev.room);
        if (t) {
          this.showEvent(t, ev);
          if (t.key === this.active) this.refreshWho();
        }
        break;
      }
      case 'delete':
        this.hideMessage(ev.target);
        break;
      default:
        break; // a newer server's event type: ignore it
    }
  }

  addRoomTab(room) {
    if (this.tabs.has('room:' + room)) return this.tabs.get('room:' + room);
    const t = this.addTab('room', room);
    this.loadOlder(t);
    this.renderJoinPanel();
    return t;
  }

  /** Put an event into a tab's list, in id order, once.  Returns true if it was new there. */
  showEvent(t, ev) {
    if (ev.deleted === true) this.deleted.add(ev.id); // removed: the server sends no text
    if (t.nodes.has(ev.id) || this.deleted.has(ev.id)) return false;
    let li;
    if (ev.type === 'message' || ev.type === 'direct') {
      const mine = this.isMe(ev.user);
      li = ui.buildMessage(ev, {
        isMe: mine,
        onUser: (name) => this.openDm(name),
        onDelete: mine || this.admin ? () => this.deleteMessage(ev.id) : null,
      });
      if (mine) this.shadowPending(t, ev);
    } else if (ev.type === 'join' || ev.type === 'leave') {
      li = ui.buildNotice(ev, this.isMe(ev.user));
    } else return false;
    li.dataset.id = String(ev.id);
    this.insertNode(t, li, ev.id);
    t.nodes.set(ev.id, li);
    if (t.oldest == null || ev.id < t.oldest) t.oldest = ev.id;
    return true;
  }

  /** Insert a confirmed node in id order, above the pending ones. */
  insertNode(t, li, id) {
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
      Math.abs(Number(li.dataset.time) - Number(prev.dataset.time)) < 5 * 60 * 1000;
    li.classList.toggle('cont', !!cont);
  }

  /** The Delete button: after a confirmation, the server removes it for everyone. */
  async deleteMessage(id) {
    if (!window.confirm('Delete this message for everyone?')) return;
    try {
      await this.api.deleteMessage(id);
      this.hideMessage(id); // the delete event will follow; hiding twice is harmless
    } catch (e) {
      if (e.status === 401) return this.showGate('login');
      if (e.status === 404) this.hideMessage(id);
      else this.flash(`Could not delete the message: ${e.message}`);
    }
  }

  hideMessage(id) {
    this.deleted.add(id);
    for (const t of this.tabs.values()) {
      const li = t.nodes && t.nodes.get(id);
      if (li) {
        const next = li.nextElementSibling;
        li.remove();
        t.nodes.delete(id);
        if (next) this.regroup(next);
      }
    }
    for (const peer of Object.keys(this.dms)) {
      const n = this.dms[peer].length;
      this.dms[peer] = this.dms[peer].filter((e) => e.id !== id);
      if (n !== this.dms[peer].length) this.setPrefixed('dms', this.dms);
    }
  }

  /** A live message from someone else: unread badge, page title, screen reader. */
  notify(t, ev) {
    if (this.isMe(ev.user)) return;
    const away = document.hidden || !document.hasFocus();
    if (t.key !== this.active) this.setUnread(t, t.unread + 1);
    if (away) {
      this.titleCount++;
      document.title = `(${this.titleCount}) ${BASE_TITLE}`;
    }
    const where = ev.type === 'direct' ? 'direct message' : 'in ' + ev.room;
    const text = String(ev.text || '');
    this.announcer.textContent = `${ev.user && ev.user.username} ${where}: ${text.length > 200 ? text.slice(0, 200) + '…' : text}`;
  }

  setUnread(t, n) {
    t.unread = n;
    t.badge.hidden = n === 0;
    t.badge.textContent = n > 99 ? '99+' : String(n);
    t.unreadText.textContent = n ? `, ${n} unread` : '';
  }

  // ---------------------------------------------------------------- history

  async loadOlder(t) {
    if (t.kind !== 'room' || t.loadingOlder || t.more === false) return;
    t.loadingOlder = true;
    t.conv.older.disabled = true;
    t.conv.older.textContent = 'Loading…';
    const sc = t.conv.scroller;
    const fromBottom = sc.scrollHeight - sc.scrollTop;
    const first = t.oldest == null;
    try {
      const r = await this.api.history(t.name, { before: t.oldest ?? undefined, limit: HISTORY_PAGE });
      if (!this.tabs.has(t.key)) return;
      const evs = (r && Array.isArray(r.events) ? r.events : []).slice().sort((a, b) => a.id - b.id);
      for (const ev of evs) {
        if (!Number.isInteger(ev.id)) continue;
        if (ev.type === 'delete') this.hideMessage(ev.target);
        else this.showEvent(t, ev);
        if (t.oldest == null || ev.id < t.oldest) t.oldest = ev.id;
      }
      t.more = !!(r && r.more) && evs.length > 0;
      if (first) this.scrollToBottom(t);
      else sc.scrollTop = sc.scrollHeight - fromBottom;
    } catch (e) {
      if (e.status === 401) return this.showGate('login');
      if (e.status === 404) t.more = false;
      else this.flash(`Could not load the history of ${t.name}: ${e.message}`);
    } finally {
      t.loadingOlder = false;
      t.conv.older.disabled = false;
      t.conv.older.textContent = 'Load older messages';
      t.conv.older.hidden = t.more === false;
      if (t.more === false && t.nodes.size) t.conv.older.after(t.conv.start);
    }
  }

  /** Ctrl+L: empty the active tab's view; the history stays on the server. */
  clearView() {
    const t = this.tabs.get(this.active);
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
    this.announcer.textContent = 'View cleared';
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

  // ---------------------------------------------------------------- tabs

  addTab(kind, name) {
    const key = kind === 'join' ? 'join' : kind + ':' + name;
    if (this.tabs.has(key)) return this.tabs.get(key);
    const parts = ui.buildTab(kind, name);
    const t = { key, kind, name, ...parts, unread: 0, nodes: new Map(), oldest: null, more: null, loadingOlder: false, stick: true };
    if (kind === 'join') {
      t.join = ui.buildJoinPanel();
      t.panel.append(t.join.body);
      t.join.form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.joinRoom(t.join.input.value);
      });
    } else {
      t.conv = ui.buildConversation(kind, name);
      t.conv.start = ui.el('p', { class: 'start', text: kind === 'room' ? 'This is the start of ' + name + '.' : '' });
      t.panel.append(t.conv.toolbar, t.conv.body);
      t.conv.older.addEventListener('click', () => this.loadOlder(t));
      t.conv.scroller.addEventListener('scroll', () => {
        if (t.panel.hidden) return;
        if (t.conv.scroller.scrollTop < 40 && t.more) this.loadOlder(t);
        t.stick = this.atBottom(t);
        if (t.stick) t.conv.jump.hidden = true;
      }, { passive: true });
      t.conv.jump.addEventListener('click', () => this.scrollToBottom(t));
      if (t.conv.action) t.conv.action.addEventListener('click', () => (kind === 'dm' ? this.closeDm(name) : this.leaveRoom(name)));
      if (t.conv.whoBtn) {
        t.conv.whoBtn.addEventListener('click', () => {
          const open = getComputedStyle(t.conv.who).display === 'none';
          t.panel.classList.toggle('who-open', open);
          t.panel.classList.toggle('who-closed', !open);
          this.syncWho(t);
        });
      }
    }
    t.tab.addEventListener('click', (e) => {
      if (t.close && e.target === t.close) {
        e.stopPropagation();
        if (kind === 'dm') this.closeDm(name);
        else this.leaveRoom(name);
        return;
      }
      this.activate(key);
    });
    // Keep tab order: all, rooms, direct messages, then "+ Rooms".
    const rank = (k) => (k === 'room:all' ? 0 : k.startsWith('room:') ? 1 : k.startsWith('dm:') ? 2 : 3);
    let i = this.order.findIndex((k) => rank(k) > rank(key));
    if (i < 0) i = this.order.length;
    this.order.splice(i, 0, key);
    const before = this.order[i + 1] ? this.tabs.get(this.order[i + 1]) : null;
    this.tablist.insertBefore(t.tab, before ? before.tab : null);
    this.panels.append(t.panel);
    this.tabs.set(key, t);
    if (kind === 'dm') this.saveTabs();
    return t;
  }

  removeTab(key) {
    const t = this.tabs.get(key);
    if (!t || key === 'room:all' || key === 'join') return;
    const i = this.order.indexOf(key);
    const wasActive = this.active === key;
    this.order.splice(i, 1);
    this.tabs.delete(key);
    t.tab.remove();
    t.panel.remove();
    if (wasActive) this.activate(this.order[Math.max(0, i - 1)] || 'room:all', { focus: document.activeElement === document.body });
    this.saveTabs();
    this.renderJoinPanel();
  }

  activate(key, { focus = true } = {}) {
    const t = this.tabs.get(key);
    if (!t) return;
    if (this.searchOpen) this.closeSearch({ focus: false }); // a tab was chosen: leave the search view
    for (const o of this.tabs.values()) {
      const on = o === t;
      o.tab.setAttribute('aria-selected', String(on));
      o.tab.tabIndex = on ? 0 : -1;
      o.panel.hidden = !on;
    }
    this.active = key;
    this.setUnread(t, 0);
    this.saveTabs();
    this.renderComposer();
    this.revealTab(t);
    if (focus) t.tab.focus({ preventScroll: true });
    if (t.conv && t.stick) this.scrollToBottom(t);
    if (t.kind === 'join') this.refreshRooms();
    this.syncWho(t);
    this.refreshWho();
  }

  /** Escape closes the who drop-down of narrow screens. */
  closeWhoPopup() {
    const t = this.tabs.get(this.active);
    if (!t || !t.conv || !t.conv.whoBtn || !window.matchMedia('(max-width: 719px)').matches) return;
    if (!t.panel.classList.contains('who-open')) return;
    t.panel.classList.remove('who-open');
    this.syncWho(t);
    t.conv.whoBtn.focus();
  }

  /** The who list is a sidebar on wide screens and a drop-down on narrow ones. */
  syncWho(t) {
    if (t.conv && t.conv.whoBtn) t.conv.whoBtn.setAttribute('aria-expanded', String(getComputedStyle(t.conv.who).display !== 'none'));
  }

  /** Scroll the tab bar (only it: scrollIntoView could scroll Galaxy's page around our iframe). */
  revealTab(t) {
    const bar = this.tablist.parentElement;
    const l = t.tab.offsetLeft; // .tabs-scroll is the offsetParent
    const r = l + t.tab.offsetWidth;
    if (l < bar.scrollLeft) bar.scrollLeft = l - 8;
    else if (r > bar.scrollLeft + bar.clientWidth) bar.scrollLeft = r - bar.clientWidth + 8;
  }

  tabKeys(e) {
    const i = this.order.indexOf(this.active);
    let j = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % this.order.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + this.order.length) % this.order.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = this.order.length - 1;
    else if (e.key === 'Delete') {
      const t = this.tabs.get(this.active);
      if (t && t.kind === 'dm') this.closeDm(t.name);
      else if (t && t.kind === 'room' && t.name !== 'all') this.leaveRoom(t.name);
      return;
    }
    if (j === null) return;
    e.preventDefault();
    this.activate(this.order[j]);
  }

  openDm(name) {
    if (!name || name === this.me.username) return;
    this.addTab('dm', name);
    this.activate('dm:' + name, { focus: false });
    this.input.focus();
  }

  closeDm(name) {
    delete this.dms[name];
    this.setPrefixed('dms', this.dms);
    this.removeTab('dm:' + name);
  }

  // ---------------------------------------------------------------- rooms

  async joinRoom(raw) {
    const j = this.tabs.get('join').join;
    const name = raw.trim();
    const problem = roomNameProblem(name);
    j.error.textContent = problem || '';
    if (problem) return j.input.focus();
    if (this.tabs.has('room:' + name)) {
      j.input.value = '';
      return this.activate('room:' + name);
    }
    try {
      await this.api.join(name);
    } catch (e) {
      if (e.status === 401) return this.showGate('login');
      j.error.textContent = `Could not join ${name}: ${e.message}`;
      return;
    }
    j.input.value = '';
    j.error.textContent = '';
    const r = this.rooms.find((x) => x.name === name);
    if (r) r.joined = true;
    this.addRoomTab(name);
    this.activate('room:' + name);
  }

  async leaveRoom(name) {
    if (name === 'all') return;
    try {
      await this.api.leave(name);
    } catch (e) {
      if (e.status === 401) return this.showGate('login');
      this.flash(`Could not leave ${name}: ${e.message}`);
      return;
    }
    const r = this.rooms.find((x) => x.name === name);
    if (r) r.joined = false;
    this.removeTab('room:' + name);
  }

  /** One-click joins: the persistent rooms (from /v1/me), then Galaxy's URL list. */
  renderJoinPanel() {
    const t = this.tabs.get('join');
    if (!t) return;
    const j = t.join;
    const joined = (n) => this.tabs.has('room:' + n);
    const names = [];
    for (const r of this.rooms) if (r.persistent && r.name !== 'all') names.push(r.name);
    for (const n of this.galaxy.rooms) if (n !== 'all' && !names.includes(n)) names.push(n);
    j.persistent.replaceChildren(...names.map((n) => this.roomButton(n, joined(n) ? 'joined' : '')));
    j.persistentSection.hidden = names.length === 0;
    this.persistentNames = names;
  }

  roomButton(name, detail) {
    return ui.roomButton(name, detail, () => (this.tabs.has('room:' + name) ? this.activate('room:' + name) : this.joinRoom(name)));
  }

  async refreshRooms() {
    const j = this.tabs.get('join').join;
    this.renderJoinPanel();
    try {
      const r = await this.api.rooms();
      const list = Array.isArray(r) ? r : r && Array.isArray(r.rooms) ? r.rooms : [];
      const extra = list.filter((x) => x && typeof x.name === 'string' && x.name !== 'all' && !(this.persistentNames || []).includes(x.name));
      j.others.replaceChildren(...extra.map((x) => {
        const bits = [];
        if (this.tabs.has('room:' + x.name)) bits.push('joined');
        if (Number.isInteger(x.members)) bits.push(`${x.members} member${x.members === 1 ? '' : 's'}`);
        return this.roomButton(x.name, bits.join(', '));
      }));
      j.othersSection.hidden = extra.length === 0;
    } catch {
      j.othersSection.hidden = true;
    }
  }

  async refreshWho() {
    const t = this.tabs.get(this.active);
    if (!t || t.kind !== 'room' || !this.online || document.hidden || this.gate) return;
    try {
      const r = await this.api.who(t.name);
      const raw = Array.isArray(r) ? r : (r && (r.users || r.who || r.online || r.members)) || [];
      const users = raw.map((u) => (typeof u === 'string' ? { username: u } : u)).filter((u) => u && u.username);
      users.sort((a, b) => a.username.localeCompare(b.username));
      t.conv.whoCount.textContent = `${users.length} online`;
      const list = t.conv.who.querySelector('.who-list');
      // An admin's open mute form stays while the list refreshes around it.
      if (this.muteForm && list.contains(this.muteForm.form)) return;
      list.replaceChildren(...users.map((u) => ui.whoItem(u, this.isMe(u), (n) => this.openDm(n),
        this.admin ? (li, n) => this.openMute(li, n) : null)));
    } catch (e) {
      if (e.status === 401) this.showGate('login');
    }
  }

  // ---------------------------------------------------------------- sending

  renderComposer() {
    const t = this.tabs.get(this.active);
    const isConv = t && t.kind !== 'join';
    this.composer.hidden = !isConv || !!this.searchOpen;
    this.input.disabled = !this.online;
    this.composer.querySelector('button').disabled = !this.online;
    if (!t) return;
    const muted = this.mutedUntil && Date.parse(this.mutedUntil) > Date.now();
    this.input.placeholder = !this.online
      ? 'You are offline. Go online to send messages.'
      : muted ? `An admin muted you until ${new Date(this.mutedUntil).toLocaleString()}.`
        : t.kind === 'dm' ? `Message @${t.name}` : `Message ${t.name}`;
    $('input-label').textContent = t.kind === 'dm' ? `Message to ${t.name}` : `Message to room ${t.name}`;
  }

  autosize() {
    const i = this.input;
    i.style.height = 'auto';
    i.style.height = Math.min(i.scrollHeight, 120) + 'px';
  }

  submit() {
    const t = this.tabs.get(this.active);
    const text = this.input.value;
    if (!t || t.kind === 'join' || !this.online || !text.trim()) return;
    const item = {
      clientId: randomId(),
      target: t.kind === 'dm' ? { to: t.name } : { room: t.name },
      key: t.key,
      text,
      ts: new Date().toISOString(),
      state: 'pending',
      attempts: 0,
    };
    this.input.value = '';
    this.autosize();
    this.outbox.push(item);
    this.saveOutbox();
    this.renderPending(item);
    this.scrollToBottom(t);
    this.pumpOutbox();
  }

  saveOutbox() {
    this.setPrefixed('outbox', this.outbox.map(({ clientId, target, key, text, ts, state }) => ({ clientId, target, key, text, ts, state })));
  }

  renderPending(item) {
    let t = this.tabs.get(item.key);
    if (!t && item.target.to) t = this.addTab('dm', item.target.to);
    if (!t) {
      // The room was left meanwhile: the message can no longer be sent.
      this.outbox = this.outbox.filter((x) => x !== item);
      this.saveOutbox();
      return;
    }
    item.li = ui.buildMessage({ user: this.me, ts: item.ts, text: item.text }, { isMe: true, onUser: () => {} });
    item.li.dataset.clientId = item.clientId;
    t.conv.list.append(item.li);
    t.conv.empty.hidden = true;
    this.renderItemState(item);
  }

  renderItemState(item, message) {
    ui.setPendingState(item.li, item.state || 'pending', message, {
      onRetry: () => {
        item.state = 'pending';
        item.notBefore = 0;
        this.renderItemState(item);
        this.outWaker.wake();
        this.pumpOutbox();
      },
      onDiscard: () => {
        item.li.remove();
        this.outbox = this.outbox.filter((x) => x !== item);
        this.saveOutbox();
      },
    });
  }

  /** The poll brought my own message before the POST answered: hide the pending copy meanwhile. */
  shadowPending(t, ev) {
    const target = ev.type === 'direct' ? 'dm:' + this.dmPeer(ev) : 'room:' + ev.room;
    const item = this.outbox.find((x) => x.key === target && x.text === ev.text && !x.shadowed && x.state !== 'failed');
    if (item && item.li) {
      item.shadowed = ev.id;
      item.li.hidden = true;
    }
  }

  /** Send the outbox in order, one at a time; transient failures wait and retry with the same client_id. */
  async pumpOutbox() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.online && !this.gate) {
        const item = this.outbox.find((x) => x.state !== 'failed');
        if (!item) break;
        const wait = (item.notBefore || 0) - Date.now();
        if (wait > 0) {
          await this.outWaker.sleep(wait);
          item.notBefore = 0;
          continue;
        }
        try {
          const r = await this.api.send(item.target, item.text, item.clientId);
          if (!r || !Number.isInteger(r.id)) throw new ApiError(201, 'bad_response', 'the server did not return the message id');
          this.confirm(item, r);
          // The server is back: no need for the long poll to sit out its backoff.
          if (this.connState === 'reconnecting') this.pollWaker.wake();
        } catch (e) {
          if (e.status === 401) {
            this.showGate('login');
            break;
          }
          if (e.transient) {
            item.attempts++;
            item.state = 'retrying';
            const ms = Math.max(e.retryAfterMs ?? 0, backoff(item.attempts - 1));
            item.notBefore = Date.now() + ms;
            this.renderItemState(item, e.status === 429 ? 'sending too fast' : e.status ? `server answered ${e.status}` : 'no connection');
          } else {
            // "you are muted until <time>" (doc/api.md): say so in the composer too
            const muted = e.status === 403 && /muted until (\S+)/.exec(e.message);
            if (muted) {
              this.mutedUntil = muted[1];
              this.renderComposer();
            }
            item.state = 'failed';
            if (item.li) item.li.hidden = false;
            item.shadowed = null;
            this.renderItemState(item, e.message);
          }
          this.saveOutbox();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  confirm(item, r) {
    if (this.mutedUntil) {
      // It went through: whatever mute there was has been lifted.
      this.mutedUntil = null;
      this.renderComposer();
    }
    this.outbox = this.outbox.filter((x) => x !== item);
    this.saveOutbox();
    const t = this.tabs.get(item.key);
    const li = item.li;
    if (!t || !li) return;
    if (t.nodes.has(r.id) || this.seen.has(r.id)) {
      li.remove(); // the long poll was quicker and shows it already
      return;
    }
    // Turn the pending copy into the message itself; the poll will skip the id.
    this.seen.add(r.id);
    const ev = { id: r.id, type: item.target.to ? 'direct' : 'message', ts: r.ts || item.ts, user: this.me, text: item.text, ...item.target };
    li.remove();
    this.showEvent(t, ev);
    if (ev.type === 'direct') {
      const list = (this.dms[item.target.to] ||= []);
      list.push(ev);
      list.sort((a, b) => a.id - b.id);
      this.setPrefixed('dms', this.dms);
    }
  }

  flash(text) {
    this.announcer.textContent = text;
    const f = $('flash');
    f.textContent = text;
    f.hidden = false;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => { f.hidden = true; }, 6000);
  }
}

const chat = new Chat();
window.galaxyChat = chat; // for debugging from the console, and for the browser tests
chat.start().catch((e) => {
  console.error(e);
  chat.showGate('error', e && e.message);
});
