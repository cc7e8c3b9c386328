// shell.js - the page around the tabs: the connection line, the login gate,
// the flash line, the online switch and what it tells the server, the
// screen-reader announcer, and the page-wide keys and window events (the
// page title's count is attention.js's).
//
// Presence: switching offline and closing the page (pagehide) say goodbye
// (POST /v1/me/presence {"online": false}), which takes me out of the
// others' who lists at once; my other pages of the chat in this browser
// that are still online hear of it (a BroadcastChannel) and say at once
// that I am still here.

import * as ui from './ui.js';

const STILL_HERE_MS = 1000; // after a sibling page's goodbye, so that it reaches the server first
const $ = (id) => document.getElementById(id);

export class Shell {
  constructor(chat) {
    this.chat = chat;
    this.statusEl = $('status');
    this.announcer = $('announcer');
    this.gate = null; // null, 'login' or 'error'
    this.probing = false;
    this.flashTimer = null;
    this.siblings = null; // my other pages of the chat (BroadcastChannel)
  }

  bind() {
    const { chat } = this;
    $('online-toggle').addEventListener('click', () => chat.setOnline(!chat.state.online));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (chat.settings.isOpen) chat.settings.close();
        else if (chat.search.isOpen) chat.search.close();
        else if (!chat.who.closePopup()) chat.embed.escape(e);
      }
      if (e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey && (e.key === 'l' || e.key === 'L')) {
        e.preventDefault();
        chat.convs.clear();
      }
    });
    document.addEventListener('visibilitychange', () => {
      chat.attention.looked();
      if (!document.hidden) chat.who.refresh();
    });
    window.addEventListener('focus', () => {
      chat.attention.looked();
      if (this.gate === 'login') this.retryAfterLogin();
      else chat.who.refresh();
    });
    window.addEventListener('pagehide', () => {
      if (chat.state.online) this.goodbye();
    });
    window.addEventListener('online', () => chat.kick());
    this.statusEl.addEventListener('click', (e) => {
      if (e.target.closest('[data-action=retry]')) chat.kick();
      if (e.target.closest('[data-action=online]')) chat.setOnline(true);
    });
    $('gate-retry').addEventListener('click', () => this.retryAfterLogin());
  }

  /** The tabs are in place, the one to show active: the page can be used
   * (data-state="ready", what an embedding page or a test waits for). */
  usable() {
    $('app').dataset.state = 'ready';
  }

  /** /v1/me answered: the page is the chat's. */
  ready() {
    const { state } = this.chat;
    this.hideGate();
    $('loading').remove();
    $('me-name').textContent = state.me.username || '';
    $('search-toggle').hidden = false;
    if (typeof BroadcastChannel === 'function') {
      this.siblings = new BroadcastChannel(state.prefix + 'presence');
      this.siblings.onmessage = () => {
        setTimeout(() => {
          if (this.chat.state.online && !this.gate) this.chat.api.presence(true).catch(() => {});
        }, STILL_HERE_MS);
      };
    }
    if (state.mutedUntil) this.flash(`An admin muted you until ${new Date(state.mutedUntil).toLocaleString()}: you can read but not post.`);
  }

  announce(text) { this.announcer.textContent = text; }

  showGate(kind, message) {
    this.gate = kind;
    $('app').dataset.state = kind === 'login' ? 'unauthorized' : 'error';
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
      await this.chat.api.me();
      location.reload();
    } catch (e) {
      if (this.gate === 'login' && e.status !== 401) this.chat.showGate('error', e.message);
    } finally {
      this.probing = false;
    }
  }

  /** The connection line under the tabs; silent when all is well. */
  setStatus(state, text, err) {
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

  /** Offline, or the page goes away: the others' who lists drop me now, not a minute later. */
  goodbye() {
    const { chat } = this;
    if (!chat.state.me || this.gate) return;
    chat.api.presence(false, { keepalive: true }).catch(() => {});
    if (this.siblings) this.siblings.postMessage('goodbye');
  }

  renderOnline() {
    const b = $('online-toggle');
    const on = this.chat.state.online;
    // A switch named "Online", on or off: the name stays, the state changes.
    b.setAttribute('aria-checked', String(on));
    b.classList.toggle('is-online', on);
    b.title = on ? 'You are online. Press to go offline.' : 'You are offline. Press to go online.';
    this.chat.composer.render();
  }

  flash(text) {
    this.announce(text);
    const f = $('flash');
    f.textContent = text;
    f.hidden = false;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => { f.hidden = true; }, 6000);
  }
}
