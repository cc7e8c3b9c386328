// longpoll.js - the transport of today: GET /v1/events?since=cursor, asked
// again with the cursor each answer gives back.
//
// A transport brings the events after the client's cursor and says how the
// connection is.  chat.js holds one and uses nothing but this interface, so
// another transport (Server-Sent Events) can take its place:
//
//   new LongPoll(api, hooks), hooks being
//     cursor()             the cursor to follow, or null for "from now"
//     setCursor(n)         a new cursor (null: the server did not know ours)
//     events(list)         events in id order; repeats are the caller's to drop
//     status(s, text, err) s: 'connecting' | 'reconnecting' | 'ok'
//     recovered()          the server answers again after a failure
//     unauthorized()       401: the Galaxy login is gone; the transport stops
//   start()     deliver until stop(); a second start() replaces the first
//   stop()      stop, aborting the request on its way
//   kick()      the network may be back: try now instead of after the backoff
//   state       the last status given (null before the first)

import { ApiError } from './api.js';
import { Waker, backoff } from './retry.js';

const POLL_TIMEOUT = 25; // seconds; the server clamps it below the proxy timeouts

export class LongPoll {
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.gen = 0;
    this.ctl = null;
    this.waker = new Waker();
    this.state = null;
  }

  start() {
    this.state = null;
    this.loop();
  }

  stop() {
    this.gen++;
    if (this.ctl) this.ctl.abort();
    this.ctl = null;
    this.waker.wake();
  }

  kick() { this.waker.wake(); }

  status(s, text, err) {
    this.state = s;
    this.hooks.status(s, text, err);
  }

  async loop() {
    const gen = ++this.gen;
    const h = this.hooks;
    let attempt = 0;
    while (gen === this.gen) {
      const ctl = new AbortController();
      this.ctl = ctl;
      const started = Date.now();
      try {
        if (h.cursor() == null) {
          const r = await this.api.events(null, { signal: ctl.signal });
          if (gen !== this.gen) return;
          h.setCursor(r.cursor);
          continue;
        }
        if (attempt > 0 || this.state !== 'ok') this.status(attempt ? 'reconnecting' : 'connecting', attempt ? 'Reconnecting…' : '');
        // After a failure, first a poll that answers at once, so "reconnecting"
        // goes away as soon as the server is back, not when something is said.
        const timeout = attempt > 0 ? 0 : POLL_TIMEOUT;
        const r = await this.api.events(h.cursor(), { timeout, signal: ctl.signal });
        if (gen !== this.gen) return;
        if (!r || !Array.isArray(r.events) || !Number.isInteger(r.cursor)) throw new ApiError(200, 'bad_response', 'unexpected answer from /v1/events');
        this.status('ok');
        if (attempt > 0) h.recovered();
        attempt = 0;
        h.events(r.events);
        if (r.cursor !== h.cursor()) h.setCursor(r.cursor);
        // An empty answer that came back at once is not a long poll (a proxy
        // or a misconfigured server); do not spin.
        if (timeout && !r.events.length && Date.now() - started < 1000) await this.waker.sleep(2000);
      } catch (e) {
        if (gen !== this.gen || e.code === 'aborted') return;
        if (e.status === 401) {
          this.stop();
          h.unauthorized();
          return;
        }
        if (e.status === 400) {
          // The server does not know our cursor (a new message store?): start from now.
          h.setCursor(null);
          await this.waker.sleep(backoff(attempt++));
          continue;
        }
        // Retry-After is the least we wait; repeated failures back off further.
        const wait = Math.max(e.retryAfterMs ?? 0, backoff(attempt));
        attempt++;
        const msg = e.status === 429 ? 'The server asks us to slow down. Reconnecting…' : 'Lost the connection to the chat server. Reconnecting…';
        this.status('reconnecting', `${msg} next try in ${Math.ceil(wait / 1000)} s`, e);
        await this.waker.sleep(wait);
      }
    }
  }
}
