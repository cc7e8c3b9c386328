// render.js - one event as one list item: a table from event type to its
// renderer, so each type (and each new one: reply, edit, reaction, solved,
// read, topic, pin) has a small home of its own.  Renderers build nodes and
// text nodes only; user data never reaches innerHTML.
//
// A renderer is (ev, ctx) -> <li> or null, ctx being
//   mine      the event is by the reader
//   admin     the reader is a Galaxy admin
//   onUser    (username) -> open a direct message with that user
//   onDelete  () -> ask to remove this message
//   onPin     () -> pin it (admins, in rooms), or null

import { avatar } from './avatar.js';
import { appendLinkified } from './text.js';
import { el, timeNode, userButton } from './ui.js';

/** Names in the message list are mouse shortcuts; keyboard users reach people through the who list. */
function quietUserButton(user, isMe, onUser) {
  const b = userButton(user, isMe, onUser);
  if (!isMe) b.tabIndex = -1;
  return b;
}

/**
 * One chat line: avatar, name (a DM button unless it is me), time, text, a
 * Delete button when onDelete is given (my messages; everyone's for admins),
 * and a Pin button when onPin is.
 */
export function buildMessage(ev, { isMe, onUser, onDelete, onPin }) {
  const user = ev.user || {};
  const text = el('div', { class: 'text', dir: 'auto' });
  appendLinkified(text, typeof ev.text === 'string' ? ev.text : '');
  const meta = el('div', { class: 'meta' }, quietUserButton(user, isMe, onUser), ' ', timeNode(ev.ts));
  const gutter = timeNode(ev.ts);
  gutter.classList.add('gutter-time');
  gutter.setAttribute('aria-hidden', 'true');
  const del = onDelete ? el('button', {
    type: 'button', class: 'link delete', text: 'Delete', onclick: onDelete,
    'aria-label': `Delete this message by ${user.username || 'unknown'}`,
  }) : null;
  const pin = onPin ? el('button', {
    type: 'button', class: 'link pin', text: 'Pin', onclick: onPin,
    'aria-label': `Pin this message by ${user.username || 'unknown'}`,
  }) : null;
  const li = el('li', { class: 'msg' + (isMe ? ' mine' : '') }, avatar(user, 30), gutter, el('div', { class: 'msg-body' }, meta, text), del, pin);
  li.dataset.user = String(user.id ?? user.username ?? '');
  li.dataset.time = String(Date.parse(ev.ts) || 0);
  return li;
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

const message = (ev, ctx) => buildMessage(ev, {
  isMe: ctx.mine,
  onUser: ctx.onUser,
  onDelete: ctx.mine || ctx.admin ? ctx.onDelete : null,
  onPin: ctx.onPin,
});
const notice = (ev, ctx) => buildNotice(ev, ctx.mine);

// Types not here (delete, and a newer server's) have no line of their own.
const RENDERERS = new Map([
  ['message', message],
  ['direct', message],
  ['join', notice],
  ['leave', notice],
  ['topic', notice],
  ['pin', notice],
]);

/** The list item for `ev`, or null when its type is not shown as a line. */
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
