// stream.js - the Server-Sent Events transport, GET /v1/stream through
// EventSource, and the choice between it and the long poll.
//
// EventStream has LongPoll's interface (longpoll.js) and one hook more:
//   fallback(why)   the stream cannot be held here; the long poll takes over
// The server starts each stream with a "ready" event; a stream that does
// not bring it within READY_MS is held back by a buffering proxy, and one
// that fails before it ever was ready, or fails ERRORS_MAX times in a row,
// cannot be held either.  EventSource reconnects by itself after the server
// ends a stream (stream_max_seconds) with Last-Event-ID, the last id it saw,
// so nothing is lost or repeated.
//
// Transport picks one: the stream where EventSource exists and this
// browser session has not fallen back already (sessionStorage), else the
// long poll; a fallback is remembered for the session.

import { LongPoll } from './longpoll.js';

const READY_MS = 5000;   // a stream's "ready" event comes at once, or it is held back
const ERRORS_MAX = 3;    // failures in a row, without a "ready" between, before giving up
const FALLBACK_KEY = 'galaxy-chat:transport';

export class EventStream {
  constructor(api, hooks, EventSourceImpl = globalThis.EventSource) {
    this.api = api;
    this.hooks = hooks;
    this.ES = EventSourceImpl;
    this.es = null;
    this.timer = null;
    this.state = null;
    this.ready = false;     // a stream of this page has been held once
    this.errors = 0;
  }

  status(s, text, err) {
    this.state = s;
    this.hooks.status(s, text, err);
  }

  async start() {
    this.stop();
    const h = this.hooks;
    if (h.cursor() == null) {
      try {
        const r = await this.api.events(null);
        h.setCursor(r.cursor);
      } catch (e) {
        return this.giveUp('no cursor: ' + e.message);
      }
    }
    this.open();
  }

  open() {
    const h = this.hooks;
    const url = this.api.base + 'v1/stream?since=' + encodeURIComponent(h.cursor());
    const es = new this.ES(url, { withCredentials: true });
    this.es = es;
    if (this.state !== 'ok') this.status(this.errors ? 'reconnecting' : 'connecting', this.errors ? 'Reconnecting…' : '');
    this.arm();
    es.addEventListener('ready', () => {
      if (es !== this.es) return;
      clearTimeout(this.timer);
      const back = this.errors > 0;
      this.ready = true;
      this.errors = 0;
      this.status('ok');
      if (back) h.recovered();
    });
    es.addEventListener('message', (m) => {
      if (es !== this.es) return;
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch {
        return;
      }
      h.events([ev]);
      if (Number.isInteger(ev.id) && ev.id > (h.cursor() ?? -1)) h.setCursor(ev.id);
    });
    es.onerror = () => {
      if (es !== this.es) return;
      this.errors++;
      // CLOSED: an answer that is not a stream (401, 503, a proxy's page);
      // the long poll reads it and knows what to do
      if (es.readyState === 2 || !this.ready || this.errors >= ERRORS_MAX) {
        this.giveUp(es.readyState === 2 ? 'the stream was refused' : 'the stream keeps failing');
        return;
      }
      this.status('reconnecting', 'Lost the connection to the chat server. Reconnecting…');
      this.arm();   // EventSource retries by itself; its "ready" must come again
    };
  }

  // A "ready" event must come within READY_MS, or the stream is held back.
  arm() {
    clearTimeout(this.timer);
    const es = this.es;
    this.timer = setTimeout(() => {
      if (es === this.es) this.giveUp('no event came through: a buffering proxy?');
    }, READY_MS);
  }

  giveUp(why) {
    this.stop();
    this.hooks.fallback(why);
  }

  stop() {
    clearTimeout(this.timer);
    if (this.es) this.es.close();
    this.es = null;
  }

  kick() {
    if (this.state === 'reconnecting' && this.es) {
      this.stop();
      this.open();
    }
  }
}

/** The stream, or the long poll when it cannot be held (remembered for the session). */
export class Transport {
  constructor(api, hooks, { storage = globalThis.sessionStorage, EventSourceImpl = globalThis.EventSource } = {}) {
    this.api = api;
    this.hooks = hooks;
    this.storage = storage;
    let fellBack = !EventSourceImpl;
    try {
      fellBack = fellBack || storage.getItem(FALLBACK_KEY) === 'longpoll';
    } catch {
      /* no storage: try the stream */
    }
    this.inner = fellBack ? new LongPoll(api, hooks)
      : new EventStream(api, { ...hooks, fallback: (why) => this.fallBack(why) }, EventSourceImpl);
  }

  get kind() { return this.inner instanceof LongPoll ? 'longpoll' : 'stream'; }
  get state() { return this.inner.state; }
  start() { this.inner.start(); }
  stop() { this.inner.stop(); }
  kick() { this.inner.kick(); }

  fallBack(why) {
    console.info('galaxy-chat: falling back to the long poll:', why);
    try {
      this.storage.setItem(FALLBACK_KEY, 'longpoll');
    } catch {
      /* not remembered: the next page tries the stream again */
    }
    this.inner = new LongPoll(this.api, this.hooks);
    this.inner.start();
  }
}
