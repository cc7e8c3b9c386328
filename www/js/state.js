// state.js - what the client knows and keeps across reloads: who I am and
// what the site allows (from GET /v1/me alone), the cursor, the events
// already handled, the online switch.  Direct messages are not kept: they
// have a history route, as rooms do.
//
// Kept in sessionStorage, per API and user, so a reload continues where the
// page was.  Sandboxed iframes may forbid sessionStorage: then the page still
// works and only forgets on reload.

import { ApiError } from './api.js';

/** sessionStorage that never throws. */
export const storage = {
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

export class State {
  constructor(apiBase) {
    this.apiBase = apiBase;
    this.me = null;
    this.admin = false;
    this.mutedUntil = null;
    this.rooms = []; // from /v1/me
    this.meCursor = null; // /v1/me's cursor, taken before anything else
    this.avatars = 'initials'; // [chat] avatars, from /v1/me: 'initials' | 'gravatar'
    this.galaxyUrl = null; // the Galaxy whose links get cards, from /v1/me (null: none)
    this.prefix = null; // storage key prefix, per API and user
    this.cursor = null;
    this.seen = new Set(); // event ids handled (side effects done once)
    this.deleted = new Set();
    this.online = storage.get('galaxy-chat:online', true) !== false;
  }

  /** GET /v1/me's answer; an answer that names no user is an ApiError. */
  setMe(me) {
    if (!me || !me.user) throw new ApiError(200, 'bad_response', 'GET /v1/me did not name a user');
    this.me = me.user;
    this.admin = me.admin === true;
    this.mutedUntil = typeof me.muted_until === 'string' ? me.muted_until : null;
    this.rooms = Array.isArray(me.rooms) ? me.rooms : [];
    this.meCursor = Number.isInteger(me.cursor) ? me.cursor : null;
    // The site opts in to gravatar; anything else (an older server too) is initials.
    this.avatars = me.avatars === 'gravatar' ? 'gravatar' : 'initials';
    this.galaxyUrl = typeof me.galaxy_url === 'string' ? me.galaxy_url : null;
    this.prefix = `galaxy-chat:${this.apiBase}:${this.me.id ?? this.me.username}:`;
  }

  get(name, dflt) { return storage.get(this.prefix + name, dflt); }
  set(name, v) { storage.set(this.prefix + name, v); }

  setOnline(on) {
    this.online = on;
    storage.set('galaxy-chat:online', on);
  }

  /** The cursor of the last visit, or null when there is none to trust. */
  restoreCursor() {
    const c = this.get('cursor', null);
    this.cursor = Number.isInteger(c) ? c : null;
    if (this.cursor != null && this.meCursor != null && this.cursor > this.meCursor) {
      // Ahead of the server: a new message store.  Start afresh.
      this.cursor = null;
    }
    return this.cursor;
  }

  setCursor(c) {
    this.cursor = c;
    this.set('cursor', c);
  }

  isMe(user) {
    if (!user || !this.me) return false;
    if (user.id != null && this.me.id != null) return user.id === this.me.id;
    return user.username === this.me.username;
  }

  /** The other user of a direct message. */
  dmPeer(ev) {
    const to = typeof ev.to === 'string' ? ev.to : ev.to && ev.to.username;
    return this.isMe(ev.user) ? to : ev.user && ev.user.username;
  }
}
