// messages.js - what the page knows of each message it shows (doc/api.md,
// "Conversations"): its text now and when it was edited, what it replies
// to, its thread, replies, reactions and solved mark.  A read of the
// message (history, a thread, the open questions) says all of it; the long
// poll's events change it afterwards: edit, reaction, solved, a new reply,
// a removal.  Every change redraws each place the message is shown (its
// tab's list, the thread panel, the unanswered view: any li.msg with its
// id), and the replies quoting it.
//
// Applying events is idempotent and order-safe, as the contract promises
// for a client applying them in order from any cursor: an edit carries the
// text now, a reaction is a user in or out of a set, solved is on or off,
// and a reply counts once (its id above the root's last_reply).

import { refreshMessage } from './render.js';
import { quoteOf } from './reply.js';

/** Reactions as [{emoji, users}] in the order given, from history's [{emoji, count, users}]. */
export function readReactions(list) {
  if (!Array.isArray(list)) return [];
  return list.filter((r) => r && typeof r.emoji === 'string' && Array.isArray(r.users))
    .map((r) => ({ emoji: r.emoji, users: r.users.filter((u) => typeof u === 'string') }));
}

/** `reactions` with `user`'s `emoji` given (on) or taken back: a new array, in the order first given. */
export function applyReaction(reactions, emoji, user, on) {
  const out = reactions.map((r) => ({ emoji: r.emoji, users: [...r.users] }));
  let r = out.find((x) => x.emoji === emoji);
  if (on) {
    if (!r) out.push(r = { emoji, users: [] });
    if (!r.users.includes(user)) r.users.push(user);
  } else if (r) {
    r.users = r.users.filter((u) => u !== user);
  }
  return out.filter((x) => x.users.length);
}

const FULL = ['replies', 'last_reply', 'reactions', 'solved'];

export class Messages {
  constructor(chat) {
    this.chat = chat;
    this.map = new Map(); // id -> model
  }

  get(id) { return this.map.get(id); }

  /**
   * A message as read: its model, made or brought up to date.  `full`: a
   * read that says everything (history, threads, open questions); the long
   * poll's messages carry no replies, reactions or solved mark, which the
   * events after them bring.
   */
  remember(ev, { full = false } = {}) {
    const old = this.map.get(ev.id);
    const m = { ...(old || {}), ...ev };
    if (full || !old) {
      m.replies = Number.isInteger(ev.replies) ? ev.replies : 0;
      m.last_reply = Number.isInteger(ev.last_reply) ? ev.last_reply : 0;
      m.reactions = readReactions(ev.reactions);
      m.solved = ev.solved && typeof ev.solved.by === 'string' ? ev.solved : null;
    } else {
      for (const k of FULL) m[k] = old[k];
    }
    if (old && old.replies > m.replies && old.last_reply > m.last_reply) {
      // A reply arrived live before this older read came back.
      m.replies = old.replies;
      m.last_reply = old.last_reply;
    }
    this.map.set(ev.id, m);
    return m;
  }

  /** Changes a known message and redraws it; nothing when it is not known (a later read has it). */
  change(id, fn) {
    const m = this.map.get(id);
    if (!m || m.deleted === true) return null;
    fn(m);
    for (const li of document.querySelectorAll(`li.msg[data-id="${id}"]`)) refreshMessage(li, m);
    return m;
  }

  /** An `edit` event (or my own PATCH's answer): the text now. */
  edited(ev) {
    if (ev.deleted === true) return;
    const m = this.change(ev.target, (x) => {
      x.text = ev.text;
      x.edited = ev.edited || ev.ts;
    });
    if (m) {
      this.quoted(m);
      this.chat.convs.recard(m);
    }
  }

  /** A `reaction` event. */
  reacted(ev) {
    const user = ev.user && ev.user.username;
    if (!user || typeof ev.emoji !== 'string') return;
    this.change(ev.target, (m) => { m.reactions = applyReaction(m.reactions, ev.emoji, user, ev.on === true); });
  }

  /** A `solved` event. */
  solved(ev) {
    this.change(ev.target, (m) => {
      m.solved = ev.on === true ? (m.solved || { by: ev.user && ev.user.username, ts: ev.ts }) : null;
    });
  }

  /** A new message that replies in a thread: its root counts one more reply, once. */
  replied(ev) {
    if (!Number.isInteger(ev.thread)) return;
    const root = this.map.get(ev.thread);
    if (!root || ev.id <= root.last_reply) return;
    this.change(ev.thread, (m) => {
      m.replies += 1;
      m.last_reply = ev.id;
    });
  }

  /** A removed message: the replies quoting it say so; its root counts one reply fewer. */
  removed(id) {
    const m = this.map.get(id);
    if (!m) return;
    const thread = m.thread;
    m.deleted = true;
    this.quoted(m);
    if (Number.isInteger(thread)) this.change(thread, (r) => { r.replies = Math.max(0, r.replies - 1); });
  }

  /** The replies to `m` that are shown quote it as it is now (edited, or removed). */
  quoted(m) {
    for (const r of this.map.values()) {
      if (!r.reply_to || r.reply_to.id !== m.id || r.reply_to.deleted === true) continue;
      this.change(r.id, (x) => {
        x.reply_to = m.deleted === true ? { id: m.id, user: m.user, deleted: true } : quoteOf(m);
      });
    }
  }
}
