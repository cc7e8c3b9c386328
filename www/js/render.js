// render.js - one event as one list item: a table from event type to its
// renderer, so each type (and each new one: read, topic, pin) has a small
// home of its own.  A message is drawn from its model (messages.js) and
// redrawn in place when an edit, a reaction, a solved mark or a reply
// changes it.  Renderers build nodes and text nodes only; user data never
// reaches innerHTML.
//
// A renderer is (ev, ctx) -> <li> or null, ctx being
//   isMe      the event is by the reader
//   admin     the reader is a Galaxy admin
//   me        the reader's username (whose reactions are "mine")
//   actions   what the message's buttons do (actions.js); none for a
//             line still being sent

import { avatar } from './avatar.js';
import { appendMessageText } from './msgtext.js';
import { buildReactions } from './reactions.js';
import { buildQuote } from './reply.js';
import { formatTime } from './text.js';
import { buildThreadSummary } from './thread.js';
import { el, timeNode, userButton } from './ui.js';

/** Names in the message list are mouse shortcuts; keyboard users reach people through the who list. */
function quietUserButton(user, isMe, onUser) {
  const b = userButton(user, isMe, onUser);
  if (!isMe) b.tabIndex = -1;
  return b;
}

/**
 * One chat line: avatar, name (a DM button unless it is me), time, what it
 * replies to, its text, its solved mark, reactions and thread, and the
 * buttons of ctx.actions.
 */
export function buildMessage(m, ctx) {
  const user = m.user || {};
  const meta = el('div', { class: 'meta' }, quietUserButton(user, ctx.isMe, (n) => ctx.actions && ctx.actions.user(n)), ' ', timeNode(m.ts));
  const gutter = timeNode(m.ts);
  gutter.classList.add('gutter-time');
  gutter.setAttribute('aria-hidden', 'true');
  const li = el('li', { class: 'msg' + (ctx.isMe ? ' mine' : '') }, avatar(user, 30), gutter,
    el('div', { class: 'msg-body' }, meta, el('div', { class: 'msg-content' })));
  li.ctx = ctx;
  li.dataset.user = String(user.id ?? user.username ?? '');
  li.dataset.time = String(Date.parse(m.ts) || 0);
  refreshMessage(li, m);
  return li;
}

/** Draw the parts of message `li` that change (text, edited, quote, solved, reactions, thread, buttons) from `m`. */
export function refreshMessage(li, m) {
  const { ctx } = li;
  // A button pressed in the message keeps the focus through its redrawing.
  const had = li.contains(document.activeElement) && document.activeElement.dataset.key;
  const a = ctx.actions;
  const text = el('div', { class: 'text', dir: 'auto' });
  appendMessageText(text, typeof m.text === 'string' ? m.text : '');
  if (m.edited) text.append(el('span', { class: 'edited', title: 'Edited ' + formatTime(m.edited).full, text: ' (edited)' }));
  li.querySelector('.msg-content').replaceChildren(...[
    m.reply_to ? buildQuote(m.reply_to, a ? () => a.jump(m.reply_to.id, li) : null) : null,
    text,
    m.solved ? el('div', { class: 'solved-badge' }, '✅ Solved', m.solved.by ? ' by ' + m.solved.by : '') : null,
    m.reactions && m.reactions.length ? buildReactions(m, ctx) : null,
    a && m.replies > 0 ? buildThreadSummary(m, () => a.thread(m, li)) : null,
  ].filter(Boolean));
  li.classList.toggle('solved', !!m.solved);
  const old = li.querySelector(':scope > .msg-actions');
  const bar = a ? buildActions(m, ctx, li) : null;
  if (old && bar) old.replaceWith(bar);
  else if (old) old.remove();
  else if (bar) li.append(bar);
  if (had && !li.contains(document.activeElement)) {
    const again = [...li.querySelectorAll('[data-key]')].find((n) => n.dataset.key === had);
    if (again) again.focus();
  }
}

/** The buttons over a message: reply, react, solved (a question's author, admins), edit (mine), pin (admins, in rooms), delete (mine; admins: all). */
function buildActions(m, ctx, li) {
  const a = ctx.actions;
  const who = (m.user && m.user.username) || 'unknown';
  const button = (cls, label, text, onclick) => el('button', { type: 'button', class: 'act ' + cls, 'data-key': 'act ' + cls, 'aria-label': label, title: label, text, onclick });
  const bar = el('div', { class: 'msg-actions' },
    button('reply', `Reply to ${who}`, '↩ Reply', () => a.reply(m, li)),
    button('react', 'Add a reaction', '☺+', (e) => a.picker(m, e.currentTarget)));
  if (!m.reply_to && (ctx.isMe || ctx.admin)) {
    const b = button('solve', m.solved ? 'Mark not solved' : 'Mark solved', '✅', () => a.solve(m, !m.solved));
    b.setAttribute('aria-pressed', String(!!m.solved));
    bar.append(b);
  }
  if (ctx.isMe) bar.append(button('edit', 'Edit this message', 'Edit', () => a.edit(m)));
  if (ctx.admin && ctx.t && ctx.t.kind === 'room') bar.append(button('pin', `Pin this message by ${who}`, 'Pin', () => a.pin(m, li)));
  if (ctx.isMe || ctx.admin) {
    const del = button('delete', `Delete this message by ${who}`, 'Delete', () => a.remove(m.id));
    del.classList.add('link');
    bar.append(del);
  }
  return bar;
}

// What a quiet line says after who did it.
const NOTICES = {
  join: (ev) => ' joined' + (ev.room && ev.room !== 'all' ? ' ' + ev.room : ''),
  leave: (ev) => ' left' + (ev.room && ev.room !== 'all' ? ' ' + ev.room : ''),
  topic: (ev) => (ev.topic ? ' set the topic: ' + ev.topic : ' cleared the topic'),
  pin: (ev) => (ev.pinned ? ' pinned a message' : ' unpinned a message'),
};

/** A quiet line for joins and leaves, topics and pins. */
export function buildNotice(ev, isMe) {
  const who = (ev.user && ev.user.username) || 'someone';
  return el('li', { class: 'notice' },
    el('span', { text: (isMe ? 'You' : who) + NOTICES[ev.type](ev) }),
    ' ', timeNode(ev.ts));
}

const notice = (ev, ctx) => buildNotice(ev, ctx.isMe);

// Types not here (delete, edit, reaction, solved, and a newer server's)
// have no line of their own: events.js applies them to the lines there are.
const RENDERERS = new Map([
  ['message', buildMessage],
  ['direct', buildMessage],
  ['join', notice],
  ['leave', notice],
  ['topic', notice],
  ['pin', notice],
]);

/** The list item for `ev` (a message: its model), or null when its type is not shown as a line. */
export function renderEvent(ev, ctx) {
  const r = RENDERERS.get(ev.type);
  return r ? r(ev, ctx) : null;
}

/** Sending state under a message of mine that the server has not confirmed. */
export function setPendingState(li, state, message, { onRetry, onDiscard } = {}) {
  li.classList.remove('pending', 'retrying', 'failed');
  let st = li.querySelector('.send-state');
  if (state === 'sent') {
    if (st) st.remove();
    return;
  }
  li.classList.add(state);
  if (!st) {
    st = el('div', { class: 'send-state' });
    li.querySelector('.msg-body').append(st);
  }
  st.replaceChildren();
  const label = { pending: 'Sending…', retrying: 'Not sent yet — retrying', failed: 'Not sent' }[state];
  st.append(el('span', { text: message ? `${label}: ${message}` : label }));
  if (state !== 'pending' && onRetry) st.append(' ', el('button', { type: 'button', class: 'link', text: 'Retry now', onclick: onRetry }));
  if (state === 'failed' && onDiscard) st.append(' ', el('button', { type: 'button', class: 'link', text: 'Discard', onclick: onDiscard }));
}
