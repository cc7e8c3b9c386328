// notify.js - browser notifications (the Notification API) of the messages
// that are for me, mentions and direct messages, while the page is hidden:
// opt-in (the settings menu), never for my own messages, one per message
// however many tabs of the chat are open, and a click on one brings its
// tab forward with the message shown.
//
// One per message: each tab that would notify first claims the message's
// id in IndexedDB, which all tabs of this browser share: the claim is an
// add() of the key [user's prefix, id] in a readwrite transaction, which
// the browser runs one at a time across tabs and refuses for a key that is
// there, so exactly one tab's claim succeeds and only it shows the message.
// (localStorage under a Web Lock was not enough: Chromium gives each tab's
// renderer its own copy of localStorage, brought up to date some time after
// another tab writes.)  The notification's tag is the message's too, so
// that the browser itself never shows one twice, also where IndexedDB is
// forbidden (an opaque origin) and every tab claims.

import { mentionsUser } from './mention.js';

const CLAIMS_KEPT = 200; // the ids remembered as notified
const BODY_CHARS = 200;

/** localStorage that never throws (sandboxed iframes may forbid it). */
const local = {
  get(k, dflt) {
    try {
      const v = localStorage.getItem(k);
      return v === null ? dflt : JSON.parse(v);
    } catch {
      return dflt;
    }
  },
  set(k, v) {
    try {
      localStorage.setItem(k, JSON.stringify(v));
    } catch {
      /* full or forbidden: the choice is not kept */
    }
  },
};

/** What a notification of `ev` says: {title, body} (plain text: notifications show no markup). */
export function notificationText(ev, where) {
  const who = (ev.user && ev.user.username) || 'someone';
  const chars = [...String(ev.text ?? '')];
  const body = chars.length > BODY_CHARS ? chars.slice(0, BODY_CHARS).join('') + '…' : chars.join('');
  return { title: ev.type === 'direct' ? `${who} (direct message)` : `${who} in ${where}`, body };
}

export class Notifier {
  constructor(chat) {
    this.chat = chat;
    this.shown = new Map(); // id -> Notification, while it is up
  }

  /** Where this browser's choice is kept: per API and user, as the rest of the state. */
  key(what) { return this.chat.state.prefix + what; }

  /** Whether the browser can notify at all. */
  get supported() { return typeof Notification === 'function'; }

  /** 'granted' | 'denied' | 'default', or 'unsupported'. */
  get permission() { return this.supported ? Notification.permission : 'unsupported'; }

  /** The user asked for notifications (and the browser lets us). */
  get enabled() { return this.permission === 'granted' && local.get(this.key('notify'), false) === true; }

  /** Turns them on (asking the browser's permission) or off; resolves whether they are on. */
  async enable(on) {
    if (!on) {
      local.set(this.key('notify'), false);
      return false;
    }
    if (!this.supported) return false;
    let p = Notification.permission;
    if (p === 'default') p = await Notification.requestPermission();
    local.set(this.key('notify'), p === 'granted');
    return p === 'granted';
  }

  /** A live message shown in tab `t`: a notification when it is for me and the page is hidden. */
  async message(t, ev) {
    const { state } = this.chat;
    if (!this.enabled || !document.hidden || state.isMe(ev.user)) return;
    if (ev.type !== 'direct' && !mentionsUser(ev, state.me.username)) return;
    if (!(await this.claim(ev.id))) return;
    const { title, body } = notificationText(ev, t.name);
    let n;
    try {
      n = new Notification(title, { body, tag: 'galaxy-chat-' + ev.id });
    } catch {
      return; // a browser that notifies only from a service worker (Chrome on Android)
    }
    this.shown.set(ev.id, n);
    n.addEventListener('close', () => this.shown.delete(ev.id));
    n.addEventListener('click', () => {
      window.focus();
      n.close();
      this.chat.links.reveal(ev.id, this.chat.tabs.get(t.key) || null);
    });
  }

  /** True for the one tab of this browser that claims message `id` first. */
  async claim(id) {
    let db;
    try {
      db = await (this.claims ||= openClaims());
    } catch {
      return true; // no IndexedDB here: the tag keeps it to one on screen
    }
    const prefix = this.chat.state.prefix;
    return new Promise((resolve) => {
      let mine = false;
      const tx = db.transaction(CLAIMS, 'readwrite');
      const store = tx.objectStore(CLAIMS);
      const add = store.add(Date.now(), [prefix, id]);
      add.onsuccess = () => {
        mine = true;
        forgetOldest(store, prefix);
      };
      add.onerror = (e) => e.preventDefault(); // another tab has it: the transaction goes on
      tx.oncomplete = () => resolve(mine);
      tx.onabort = () => resolve(false);
    });
  }
}

const CLAIMS = 'claims';

/** The database of claims, made at its first use. */
function openClaims() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('galaxy-chat-notify', 1);
    r.onupgradeneeded = () => r.result.createObjectStore(CLAIMS);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Keeps the newest CLAIMS_KEPT claims of `prefix` in `store` (a readwrite transaction's). */
function forgetOldest(store, prefix) {
  const range = IDBKeyRange.bound([prefix, -Infinity], [prefix, Infinity]);
  store.count(range).onsuccess = (e) => {
    let extra = e.target.result - CLAIMS_KEPT;
    if (extra <= 0) return;
    store.openKeyCursor(range).onsuccess = (c) => {
      const cursor = c.target.result;
      if (!cursor || extra-- <= 0) return;
      store.delete(cursor.primaryKey);
      cursor.continue();
    };
  };
}
