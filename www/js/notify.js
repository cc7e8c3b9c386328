// notify.js - browser notifications (the Notification API) of the messages
// that are for me, mentions and direct messages, while the page is hidden:
// opt-in (the settings menu), never for my own messages, one per message
// however many tabs of the chat are open, and a click on one brings its
// tab forward with the message shown.
//
// One per message: each tab that would notify first claims the message's
// id in localStorage, which all tabs of this browser share, inside a Web
// Lock (navigator.locks) so that two tabs never claim it at once; only the
// one whose claim is new shows it.  The notification's tag is the message's
// too, so that the browser itself never shows one twice.

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
      return true;
    } catch {
      return false;
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
    const take = () => {
      const ids = local.get(this.key('notified'), []);
      const list = Array.isArray(ids) ? ids : [];
      if (list.includes(id)) return false;
      list.push(id);
      return local.set(this.key('notified'), list.slice(-CLAIMS_KEPT));
    };
    if (navigator.locks && navigator.locks.request) {
      try {
        return await navigator.locks.request('galaxy-chat:notify', take);
      } catch {
        /* no locks here (an opaque origin): claim without */
      }
    }
    return take();
  }
}
