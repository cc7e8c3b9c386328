// unread.js - what the reader has not read, per conversation, pure (no DOM,
// no requests): the server's read markers and counts (GET /v1/unread)
// joined with the messages the page knows, so that the counts stay exact as
// messages arrive, are removed and are read, here or in another tab.
//
// A conversation is a tab key ('room:NGS', 'dm:bob').  For each:
//   read     the read marker: everything up to it is read; it only moves forward
//   ids      messages by others after the marker that the page knows: id -> mentions me
//   hidden   unread messages the server counted that the page does not know
//            (older than its first history page), and hiddenMentions of them;
//            `fence` is the oldest id the page knew then: a marker at or past
//            it has read them all
//
// The count is ids + hidden.  Until a conversation is settled (its first
// history page is in), the server's figure stands where it is larger; until
// the server has spoken of it at all (a room joined, a new peer), it is 0.

export class UnreadCounts {
  constructor() {
    this.convs = new Map();
  }

  conv(key) {
    let c = this.convs.get(key);
    if (!c) {
      c = { known: false, read: 0, ids: new Map(), srv: null, settled: false, hidden: 0, hiddenMentions: 0, fence: Infinity };
      this.convs.set(key, c);
    }
    return c;
  }

  /** Whether the server has given the conversation's marker. */
  known(key) { return this.convs.has(key) && this.convs.get(key).known; }
  read(key) { return this.convs.has(key) ? this.convs.get(key).read : 0; }

  /**
   * The server's figures for a conversation ({unread, mentions, read} of
   * GET /v1/unread).  On a settled conversation they are taken at once:
   * what the page does not know of them is hidden.
   */
  snapshot(key, { unread = 0, mentions = 0, read = 0 } = {}) {
    const c = this.conv(key);
    c.known = true;
    this.moveRead(c, Number.isInteger(read) ? read : 0);
    c.srv = { unread: Number.isInteger(unread) ? unread : 0, mentions: Number.isInteger(mentions) ? mentions : 0 };
    if (c.settled) this.settleConv(c);
  }

  /** The conversation's first history page is in: from now on the page counts it itself. */
  settle(key) {
    const c = this.conv(key);
    c.settled = true;
    this.settleConv(c);
  }

  settleConv(c) {
    if (!c.srv) return;
    const m = [...c.ids.values()].filter(Boolean).length;
    c.hidden = Math.max(0, c.srv.unread - c.ids.size);
    c.hiddenMentions = Math.max(0, c.srv.mentions - m);
    c.fence = c.ids.size ? Math.min(...c.ids.keys()) : Infinity;
    c.srv = null;
  }

  /** A message by someone else, known to the page (history or live).  True when it is unread and new here. */
  message(key, id, mention) {
    const c = this.conv(key);
    if (id <= c.read || c.ids.has(id)) return false;
    c.ids.set(id, !!mention);
    return true;
  }

  /** A removed message counts no more, wherever it was. */
  removed(id) {
    for (const c of this.convs.values()) c.ids.delete(id);
  }

  /**
   * The marker of `key` is at least `id` now.  Returns whether it moved,
   * and whether the server's figures must be asked again (hidden messages
   * that this marker may or may not have covered).
   */
  markRead(key, id) {
    const c = this.conv(key);
    const moved = this.moveRead(c, id);
    const ask = moved && c.hidden > 0 && id < c.fence;
    return { moved, ask };
  }

  moveRead(c, id) {
    if (!(id > c.read)) return false;
    c.read = id;
    for (const k of c.ids.keys()) if (k <= id) c.ids.delete(k);
    if (id >= c.fence) {
      c.hidden = 0;
      c.hiddenMentions = 0;
    }
    return true;
  }

  /** The first unread message the page knows of in `key`, or null. */
  firstUnread(key) {
    const c = this.convs.get(key);
    return c && c.ids.size ? Math.min(...c.ids.keys()) : null;
  }

  /** {unread, mentions} of a conversation. */
  count(key) {
    const c = this.convs.get(key);
    if (!c || !c.known) return { unread: 0, mentions: 0 };
    let unread = c.ids.size + c.hidden;
    let mentions = [...c.ids.values()].filter(Boolean).length + c.hiddenMentions;
    if (c.srv) {
      unread = Math.max(unread, c.srv.unread);
      mentions = Math.max(mentions, c.srv.mentions);
    }
    return { unread, mentions };
  }

  /** The sum over `keys` (the conversations that have tabs). */
  total(keys) {
    let unread = 0;
    let mentions = 0;
    for (const k of keys) {
      const n = this.count(k);
      unread += n.unread;
      mentions += n.mentions;
    }
    return { unread, mentions };
  }

  /** A conversation left or closed: forgotten (a rejoin starts afresh from the server). */
  forget(key) { this.convs.delete(key); }
}
