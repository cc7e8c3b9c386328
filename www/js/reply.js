// reply.js - replies (doc/api.md, "Replies and threads"): the quote of the
// parent above a reply, which jumps to the parent when pressed, and the
// "Replying to" line over the message box while a reply is being written.
// A reply is sent with reply_to (outbox.js); the server answers where the
// thread is.

import { el } from './ui.js';

export const QUOTE_CHARS = 140; // what the server quotes of the parent (code points)

/** The reply_to a reply to `m` carries, as the server will write it. */
export function quoteOf(m) {
  return { id: m.id, user: m.user, text: [...(m.text || '')].slice(0, QUOTE_CHARS).join('') };
}

/** The quote's text on one line: the parent's first characters, "…" when it was cut. */
export function quoteLine(r) {
  const one = String(r.text || '').replace(/\s+/g, ' ').trim();
  return [...String(r.text || '')].length >= QUOTE_CHARS ? one + '…' : one;
}

/**
 * The quote of reply_to `r` over a reply: who and what, as text; a button
 * that goes to the parent when onJump is given and the parent is there.
 */
export function buildQuote(r, onJump) {
  if (!r || r.deleted === true) {
    return el('div', { class: 'quote removed', 'data-parent': r && String(r.id) }, '↩ ', el('em', { text: 'a removed message' }));
  }
  const name = (r.user && r.user.username) || 'unknown';
  const parts = [el('span', { class: 'quote-mark', 'aria-hidden': 'true', text: '↩ ' }),
    el('span', { class: 'quote-user', text: name }), ' ',
    el('span', { class: 'quote-text', dir: 'auto', text: quoteLine(r) })];
  if (!onJump) return el('div', { class: 'quote', 'data-parent': String(r.id) }, ...parts);
  return el('button', {
    type: 'button', class: 'quote', 'data-parent': String(r.id), onclick: onJump,
    'aria-label': `In reply to ${name}: ${quoteLine(r)}. Go to that message.`, title: 'Go to the message replied to',
  }, ...parts);
}

/** The line over the message box while replying to `m`. */
export function replyNote(m) {
  const name = (m.user && m.user.username) || 'unknown';
  return [el('span', { text: 'Replying to ' }), el('strong', { text: name }), ': ',
    el('span', { class: 'note-quote', dir: 'auto', text: quoteLine(quoteOf(m)) })];
}
