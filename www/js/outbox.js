// outbox.js - messages typed but not yet stored.  Kept in sessionStorage
// (a reload sends them still), sent one at a time in the order typed, and
// after a transient failure (network, 429, 5xx) sent again with the same
// client_id, which the server uses to store each message once.  A refusal
// (too long, muted...) leaves the item failed until it is retried or
// discarded.  No DOM here: the hooks show what happens.
//
//   new Outbox(api, state, hooks), hooks being
//     canSend()           online and logged in
//     changed(item, why)  item.state is now 'pending' | 'retrying' | 'failed'
//     confirmed(item, r)  stored: r is the server's {id, ts}; the item is gone
//     muted(until)        the server says I am muted until that time
//     unauthorized()      401: the Galaxy login is gone
//     serverBack()        a send went through: the server is there again

import { ApiError } from './api.js';
import { randomId } from './text.js';
import { Waker, backoff } from './retry.js';

export class Outbox {
  constructor(api, state, hooks) {
    this.api = api;
    this.state = state;
    this.hooks = hooks;
    this.items = [];
    this.waker = new Waker();
    this.pumping = false;
  }

  /** The items a previous page left; call once the user is known. */
  load() {
    this.items = this.state.get('outbox', []);
    return this.items;
  }

  save() {
    this.state.set('outbox', this.items.map(({ clientId, target, key, text, ts, state, replyTo, thread }) => ({ clientId, target, key, text, ts, state, replyTo, thread })));
  }

  /**
   * A new message to `target` ({room} or {to}), shown in the tab `key`;
   * a reply with `replyTo` (the parent's reply_to: {id, user, text}) in `thread`.
   */
  add(target, key, text, { replyTo = null, thread = null } = {}) {
    const item = { clientId: randomId(), target, key, text, ts: new Date().toISOString(), state: 'pending', attempts: 0, replyTo, thread };
    this.items.push(item);
    this.save();
    return item;
  }

  remove(item) {
    this.items = this.items.filter((x) => x !== item);
    this.save();
  }

  /** "Retry now": at once, whatever the backoff said. */
  retry(item) {
    item.state = 'pending';
    item.notBefore = 0;
    this.hooks.changed(item);
    this.waker.wake();
    this.pump();
  }

  /** The first unsent item for tab `key` with this text, not yet matched to an event. */
  find(key, text) {
    return this.items.find((x) => x.key === key && x.text === text && !x.shadowed && x.state !== 'failed');
  }

  wake() { this.waker.wake(); }

  /** Send in order, one at a time, while canSend(). */
  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.hooks.canSend()) {
        const item = this.items.find((x) => x.state !== 'failed');
        if (!item) break;
        const wait = (item.notBefore || 0) - Date.now();
        if (wait > 0) {
          await this.waker.sleep(wait);
          item.notBefore = 0;
          continue;
        }
        try {
          const r = await this.api.send(item.target, item.text, item.clientId, item.replyTo ? item.replyTo.id : null);
          if (!r || !Number.isInteger(r.id)) throw new ApiError(201, 'bad_response', 'the server did not return the message id');
          this.remove(item);
          this.hooks.confirmed(item, r);
          this.hooks.serverBack();
        } catch (e) {
          if (e.status === 401) {
            this.hooks.unauthorized();
            break;
          }
          this.failed(item, e);
          this.save();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  failed(item, e) {
    if (e.transient) {
      item.attempts++;
      item.state = 'retrying';
      const ms = Math.max(e.retryAfterMs ?? 0, backoff(item.attempts - 1));
      item.notBefore = Date.now() + ms;
      this.hooks.changed(item, e.status === 429 ? 'sending too fast' : e.status ? `server answered ${e.status}` : 'no connection');
      return;
    }
    // "you are muted until <time>" (doc/api.md): say so in the composer too
    const muted = e.status === 403 && /muted until (\S+)/.exec(e.message);
    if (muted) this.hooks.muted(muted[1]);
    item.state = 'failed';
    item.shadowed = null; // shown again, whatever event seemed to be it
    this.hooks.changed(item, e.message);
  }
}
