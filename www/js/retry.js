// retry.js - the client's one retry policy, shared by the start-up, the
// transport and the outbox: exponential backoff with jitter, and a sleep
// that the network coming back cuts short.

/** 1 s, 2 s, 4 s ... capped at 15 s, each up to a quarter shorter at random. */
export function backoff(attempt) {
  const ms = Math.min(15000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(ms * (0.75 + Math.random() * 0.25));
}

/** A sleep that wake() cuts short (used to retry at once when the network returns). */
export class Waker {
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
