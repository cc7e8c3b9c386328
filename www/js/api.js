// api.js - the only code that speaks HTTP to the galaxy-chat responder.
//
// Every call goes through request(), which turns any failure into an
// ApiError carrying what the caller needs to decide what to do next: the
// HTTP status (0 for a network failure), the API's error code, and the
// server's Retry-After in milliseconds.  Nothing here retries; the poller
// and the outbox own their retry policies.

/** Where the API lives: <meta name="galaxy-chat-api">, else api/ beside the page. */
export function apiBase(doc = document) {
  const meta = doc.querySelector('meta[name="galaxy-chat-api"]');
  const given = meta && meta.content.trim();
  const url = new URL(given || 'api/', doc.baseURI);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url.href;
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfterMs = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;        // 0: no HTTP answer at all
    this.code = code;            // API error code, or 'network' / 'bad_response' / 'aborted'
    this.retryAfterMs = retryAfterMs;
  }
  /** Worth trying again later: network trouble, 429, 5xx (502/504 from a proxy). */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const when = Date.parse(v);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

export function roomPath(room) {
  return 'v1/rooms/' + encodeURIComponent(room);
}

const messagePath = (id) => 'v1/messages/' + encodeURIComponent(id);

/** The query of a page: the parameters given, in order ({before, limit}, {after, limit}, {days, ...}). */
function page(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null) q.set(k, String(v));
  return q;
}

export class Api {
  constructor(base) {
    this.base = base;
  }

  /**
   * One request.  Resolves with the parsed JSON body of a 2xx answer, rejects
   * with ApiError otherwise.  `signal` aborts it; `timeoutMs` bounds it so a
   * connection that silently died does not hang the caller for ever.
   */
  async request(method, path, { body, signal, timeoutMs = 30000 } = {}) {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    if (signal) {
      if (signal.aborted) throw new ApiError(0, 'aborted', 'aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    const init = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: ctl.signal,
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(this.base + path, init);
    } catch (e) {
      if (signal && signal.aborted) throw new ApiError(0, 'aborted', 'aborted');
      throw new ApiError(0, 'network', ctl.signal.aborted ? 'the server did not answer in time' : 'cannot reach the chat server');
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', onAbort);
    }
    let data = null;
    const text = await res.text().catch(() => '');
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (res.ok) {
      if (data === null && text) throw new ApiError(res.status, 'bad_response', 'the chat server sent something that is not JSON');
      return data;
    }
    const err = (data && data.error) || {};
    throw new ApiError(
      res.status,
      err.code || (res.status >= 500 ? 'unavailable' : 'http_' + res.status),
      err.message || `${res.status} ${res.statusText || 'error'}`,
      parseRetryAfter(res.headers.get('Retry-After')),
    );
  }

  me() { return this.request('GET', 'v1/me'); }
  rooms() { return this.request('GET', 'v1/rooms'); }
  join(room) { return this.request('POST', roomPath(room) + '/join', { body: {} }); }
  leave(room) { return this.request('POST', roomPath(room) + '/leave', { body: {} }); }
  who(room) { return this.request('GET', roomPath(room) + '/who'); }

  history(room, { before, limit = 50 } = {}) {
    return this.request('GET', roomPath(room) + '/messages?' + page({ before, limit }));
  }

  /** The direct messages between me and `peer`, in the shape of room history. */
  directHistory(peer, { before, limit = 50 } = {}) {
    return this.request('GET', 'v1/direct/' + encodeURIComponent(peer) + '/messages?' + page({ before, limit }));
  }

  /** A thread ({id}: its root or any reply): {root, events (replies after `after`, oldest first), more}. */
  thread(id, { after, limit = 50 } = {}) {
    return this.request('GET', messagePath(id) + '/thread?' + page({ after, limit }));
  }

  /** The room's unanswered questions of the last `days` days, newest first. */
  open(room, { days = 7, before, limit = 50 } = {}) {
    return this.request('GET', roomPath(room) + '/open?' + page({ days, before, limit }));
  }

  /** The long poll; without `since` it answers at once with the current cursor. */
  events(since, { timeout = 25, signal } = {}) {
    const q = since == null ? '' : `?since=${encodeURIComponent(since)}&timeout=${timeout}`;
    return this.request('GET', 'v1/events' + q, { signal, timeoutMs: (timeout + 20) * 1000 });
  }

  /** Removes a message (mine, or anyone's for an admin); repeating it is harmless. */
  deleteMessage(id) {
    return this.request('DELETE', messagePath(id), { body: {} });
  }

  /** My message `id` now reads `text`: {id, edited, event}. */
  edit(id, text) {
    return this.request('PATCH', messagePath(id), { body: { text } });
  }

  /** My reaction `emoji` on message `id`, given (on) or taken back; repeating it is harmless. */
  react(id, emoji, on) {
    return this.request(on ? 'PUT' : 'DELETE', messagePath(id) + '/reactions/' + encodeURIComponent(emoji), { body: {} });
  }

  /** Message `id` marked solved (on) or not (its author or an admin). */
  solve(id, on) {
    return this.request(on ? 'PUT' : 'DELETE', messagePath(id) + '/solved', { body: {} });
  }

  /** Full-text search, newest first; room limits it to one room, before pages on. */
  search(q, { room, before, limit = 20 } = {}) {
    const p = new URLSearchParams({ q });
    if (room) p.set('room', room);
    if (before != null) p.set('before', String(before));
    p.set('limit', String(limit));
    return this.request('GET', 'v1/search?' + p);
  }

  /** The card of the Galaxy object a link names, as Galaxy would show it to me; 404: a plain link. */
  object(url) {
    return this.request('GET', 'v1/objects?url=' + encodeURIComponent(url), { timeoutMs: 15000 });
  }

  /** Admins only: a room's topic ("" for none), and its pinned messages. */
  setTopic(room, topic) {
    return this.request('PUT', roomPath(room) + '/topic', { body: { topic } });
  }
  pin(room, id) {
    return this.request('PUT', roomPath(room) + '/pins/' + encodeURIComponent(id), { body: {} });
  }
  unpin(room, id) {
    return this.request('DELETE', roomPath(room) + '/pins/' + encodeURIComponent(id), { body: {} });
  }

  /** Admins only: the user cannot post for `minutes`; unmute lifts it. */
  mute(username, minutes) {
    return this.request('POST', 'v1/users/' + encodeURIComponent(username) + '/mute', { body: { minutes } });
  }
  unmute(username) {
    return this.request('DELETE', 'v1/users/' + encodeURIComponent(username) + '/mute', { body: {} });
  }

  /** target is {room} or {to}; client_id makes retries safe; replyTo, a message id, makes it a reply. */
  send(target, text, clientId, replyTo = null) {
    const body = { ...target, text, client_id: clientId };
    if (replyTo != null) body.reply_to = replyTo;
    return this.request('POST', 'v1/messages', { body });
  }
}
