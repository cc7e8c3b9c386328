// cardloader.js - the page's answers of GET /v1/objects (issue 20): one
// request per link for the page's life (kept by the link as written), only
// for links someone wants (cards.js wants a link when its message is in
// view), at most `concurrency` requests at once, and after a 429, a 5xx or
// a network failure one pause for every link (Retry-After, else the shared
// backoff), so a page full of links never storms the server.  A link still
// unanswered after `attempts` tries is given up: it stays a plain link.
// No DOM.
//
//   new CardLoader(fetchCard, {concurrency, attempts, fresh, backoff})
//     fetchCard(url) -> Promise<card>, rejecting with an ApiError
//   want(url)   -> Promise<answer>, never rejects; an answer is
//                  {card} (200), {plain: true} (404, 400: no card for it),
//                  {unknown: true} (given up, 401, an answer that is no card)
//   unwant(url) no longer wanted (scrolled away): out of the queue if not asked yet
//   check(url)  -> Promise<answer>: first in the queue, and asked again when
//                  the answer kept is older than `fresh` ms (the sender's warning)

import { backoff as sharedBackoff } from './retry.js';

export class CardLoader {
  constructor(fetchCard, { concurrency = 3, attempts = 3, fresh = 10000, backoff = sharedBackoff } = {}) {
    Object.assign(this, { fetchCard, concurrency, attempts, fresh, backoff });
    this.entries = new Map(); // url -> {url, answer, at, tries, wanted, urgent, loading, promise, resolve}
    this.queue = []; // entries waiting for their request, in order
    this.active = 0;
    this.pausedUntil = 0;
    this.pauses = 0; // pauses in a row: the backoff's attempt
    this.timer = null;
  }

  want(url) {
    const e = this.entry(url);
    e.wanted++;
    if (!e.answer && !e.loading && !this.queue.includes(e)) this.queue.push(e);
    this.pump();
    return e.promise;
  }

  unwant(url) {
    const e = this.entries.get(url);
    if (!e || e.wanted === 0) return;
    e.wanted--;
    if (!e.wanted && !e.urgent) this.unqueue(e);
  }

  check(url) {
    const e = this.entry(url);
    if (e.answer && Date.now() - e.at > this.fresh) this.reset(e);
    if (!e.answer) {
      e.urgent = true;
      if (!e.loading) {
        this.unqueue(e);
        this.queue.unshift(e);
      }
      this.pump();
    }
    return e.promise;
  }

  entry(url) {
    let e = this.entries.get(url);
    if (!e) {
      e = { url, answer: null, at: 0, tries: 0, wanted: 0, urgent: false, loading: false };
      this.reset(e);
      this.entries.set(url, e);
    }
    return e;
  }

  reset(e) {
    e.answer = null;
    e.tries = 0;
    e.promise = new Promise((resolve) => { e.resolve = resolve; });
  }

  unqueue(e) {
    const i = this.queue.indexOf(e);
    if (i >= 0) this.queue.splice(i, 1);
  }

  pump() {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
      }
      return;
    }
    while (this.active < this.concurrency && this.queue.length) this.ask(this.queue.shift());
  }

  async ask(e) {
    this.active++;
    e.loading = true;
    e.tries++;
    let answer;
    try {
      const card = await this.fetchCard(e.url);
      answer = card && typeof card === 'object' && typeof card.kind === 'string' ? { card } : { unknown: true };
      this.pauses = 0;
    } catch (err) {
      answer = this.failed(e, err);
    }
    this.active--;
    e.loading = false;
    if (answer) {
      Object.assign(e, { answer, at: Date.now(), urgent: false });
      e.resolve(answer);
    } else if (e.wanted || e.urgent) {
      this.queue.unshift(e); // again, after the pause
    }
    this.pump();
  }

  /** The answer a failure gives, or null to ask again after the pause it starts. */
  failed(e, err) {
    if (err && err.transient) {
      // The first failure of a pause counts for the backoff; the server's
      // Retry-After always holds.
      const now = Date.now();
      const more = now >= this.pausedUntil ? this.backoff(this.pauses++) : 0;
      this.pausedUntil = Math.max(this.pausedUntil, now + Math.max(err.retryAfterMs ?? 0, more));
      return e.tries >= this.attempts ? { unknown: true } : null;
    }
    if (err && (err.status === 404 || err.status === 400)) return { plain: true };
    return { unknown: true };
  }
}
