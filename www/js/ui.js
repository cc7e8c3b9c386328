// ui.js - DOM builders for tabs, panels, the who list, search results and
// the mute form (one event's line is render.js's).  No state lives here:
// the other modules decide what to show, these functions only build nodes.
// User data (usernames, room names, message text) only ever reaches the DOM
// through textContent and createTextNode.

import { avatar } from './avatar.js';
import { formatTime } from './text.js';

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k in n && typeof v !== 'string') n[k] = v;
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) n.append(c);
  return n;
}

/** What a tab shows in the tab bar: "all", "NGS", "@bob". */
export function tabLabel(kind, name) {
  return kind === 'dm' ? '@' + name : kind === 'join' ? 'Rooms' : name;
}

/**
 * A tab and its panel.  kind: 'room' | 'dm' | 'join'.  Returns the parts
 * tabs.js keeps in its tab record.
 */
export function buildTab(kind, name) {
  const tabId = nextId('tab');
  const panelId = nextId('panel');
  const label = tabLabel(kind, name);
  const badge = el('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  const atBadge = el('span', { class: 'at-badge', hidden: true, 'aria-hidden': 'true', title: 'Mentions of you' });
  const unreadText = el('span', { class: 'sr-only' });
  const tab = el('button', {
    type: 'button', role: 'tab', id: tabId, class: 'tab tab-' + kind,
    'aria-selected': 'false', 'aria-controls': panelId, tabindex: '-1',
  });
  if (kind === 'join') tab.append(el('span', { class: 'plus', 'aria-hidden': 'true', text: '+' }));
  tab.append(el('span', { class: 'tab-label', text: label }), atBadge, badge, unreadText);
  let close = null;
  if (kind !== 'join' && !(kind === 'room' && name === 'all')) {
    close = el('span', { class: 'tab-close', 'aria-hidden': 'true', title: kind === 'dm' ? 'Close' : 'Leave ' + name, text: '×' });
    tab.append(close);
  }
  const panel = el('section', { role: 'tabpanel', id: panelId, class: 'panel panel-' + kind, 'aria-labelledby': tabId, hidden: true });
  return { tab, panel, badge, atBadge, unreadText, close };
}

/** The inside of a room or DM panel: toolbar, scrollable log, who list. */
export function buildConversation(kind, name) {
  const title = kind === 'dm' ? 'Direct messages with ' + name : kind === 'room' && name === 'all' ? 'all — everyone on this Galaxy' : name;
  const whoId = nextId('who');
  const whoCount = el('span', { class: 'who-count', text: '' });
  const whoBtn = kind === 'room'
    ? el('button', { type: 'button', class: 'who-toggle quiet', 'aria-expanded': 'false', 'aria-controls': whoId, title: 'Who is online in this room' },
      el('span', { class: 'dot online', 'aria-hidden': 'true' }), whoCount)
    : null;
  const action = kind === 'dm'
    ? el('button', { type: 'button', class: 'quiet leave', text: 'Close' })
    : name === 'all' ? null : el('button', { type: 'button', class: 'quiet leave', text: 'Leave' });
  if (action && kind === 'room') action.setAttribute('aria-label', 'Leave room ' + name);
  if (action && kind === 'dm') action.setAttribute('aria-label', 'Close direct messages with ' + name);
  const toolbar = el('div', { class: 'toolbar' },
    el('h2', { class: 'title', text: title }), whoBtn, action);
  const older = el('button', { type: 'button', class: 'older quiet', hidden: true, text: 'Load older messages' });
  const list = el('ol', { class: 'messages' });
  const empty = el('p', {
    class: 'empty',
    text: kind === 'dm' ? `No messages with ${name} yet. Say hello!`
      : name === 'all' ? 'Nothing said yet. Everyone on this Galaxy reads this room; topic rooms are under + Rooms.'
        : 'No messages yet.',
  });
  const scroller = el('div', {
    class: 'scroller', tabindex: '0', role: 'log', 'aria-live': 'off',
    'aria-label': kind === 'dm' ? 'Messages with ' + name : 'Messages in ' + name,
  }, older, empty, list);
  const jump = el('button', { type: 'button', class: 'jump', hidden: true, text: 'New messages ↓' });
  const who = kind === 'room'
    ? el('aside', { class: 'who', id: whoId, 'aria-label': 'Online in ' + name },
      el('h3', { text: 'Online' }), el('ul', { class: 'who-list' }))
    : null;
  const body = el('div', { class: 'conv-body' }, el('div', { class: 'conv-main' }, scroller, jump), who);
  return { toolbar, whoBtn, whoCount, action, older, list, empty, scroller, jump, who, body };
}

/** The "+ Rooms" panel: join by name, persistent rooms, other rooms. */
export function buildJoinPanel() {
  const input = el('input', {
    id: nextId('room-name'), type: 'text', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Type a room name to join…', 'aria-describedby': '',
  });
  const error = el('p', { class: 'form-error', id: nextId('join-error'), role: 'alert' });
  input.setAttribute('aria-describedby', error.id);
  const form = el('form', { class: 'join-form' },
    el('label', { for: input.id, text: 'Join or create a room' }),
    el('div', { class: 'row' }, input, el('button', { type: 'submit', class: 'primary', text: 'Join' })),
    error);
  const persistent = el('div', { class: 'room-buttons' });
  const others = el('div', { class: 'room-buttons' });
  const persistentSection = el('section', { class: 'room-section', hidden: true },
    el('h3', { text: 'Rooms of this Galaxy' }), persistent);
  const othersSection = el('section', { class: 'room-section', hidden: true },
    el('h3', { text: 'Other open rooms' }), others);
  const body = el('div', { class: 'join-body' }, form, persistentSection, othersSection);
  return { body, form, input, error, persistent, persistentSection, others, othersSection };
}

export function roomButton(name, detail, onclick) {
  const b = el('button', { type: 'button', class: 'room-button', onclick },
    el('span', { class: 'room-name', text: name }));
  if (detail) b.append(el('span', { class: 'room-detail', text: detail }));
  b.setAttribute('aria-label', 'Join ' + name + (detail ? ', ' + detail : ''));
  return b;
}

/** A user's name: a button that opens a direct message, or plain text for me. */
export function userButton(user, isMe, onUser) {
  const name = (user && user.username) || 'unknown';
  if (isMe) return el('span', { class: 'user me', text: name });
  return el('button', {
    type: 'button', class: 'user', text: name, title: `Send ${name} a direct message`,
    onclick: () => onUser(name),
  });
}

export function timeNode(iso) {
  const t = formatTime(iso);
  return el('time', { datetime: t.iso, title: t.full, text: t.short });
}

/** onMute (admins only) adds a "Mute…" button beside other people's names. */
export function whoItem(user, isMe, onUser, onMute) {
  const li = el('li', {}, avatar(user, 22), userButton(user, isMe, onUser));
  if (onMute && !isMe) {
    li.append(el('button', {
      type: 'button', class: 'link mute', text: 'Mute…', 'aria-label': `Mute ${user.username}…`,
      onclick: () => onMute(li, user.username),
    }));
  }
  return li;
}

/**
 * One search result: where (room or DM), who, when, and the text with the
 * matched words in <mark>, built from the server's fragments as text nodes.
 * onOpen, when given, makes the whole result a button that opens its tab.
 */
export function buildSearchHit(ev, where, onOpen) {
  const user = ev.user || {};
  const text = el('div', { class: 'text', dir: 'auto' });
  const frags = Array.isArray(ev.fragments) ? ev.fragments : null;
  if (ev.deleted === true) text.append(el('em', { class: 'removed', text: 'message removed' }));
  else if (frags) {
    for (const f of frags) {
      if (!f || typeof f.text !== 'string') continue;
      text.append(f.match === true ? el('mark', { text: f.text }) : document.createTextNode(f.text));
    }
  } else text.textContent = typeof ev.text === 'string' ? ev.text : '';
  const meta = el('div', { class: 'meta' },
    el('span', { class: 'hit-where', text: where }), ' ',
    el('span', { class: 'hit-user', text: user.username || 'unknown' }), ' ', timeNode(ev.ts));
  const inner = [avatar(user, 22), el('div', { class: 'msg-body' }, meta, text)];
  const body = onOpen
    ? el('button', { type: 'button', class: 'hit-open', onclick: onOpen, title: 'Go to ' + where }, ...inner)
    : el('div', { class: 'hit-open' }, ...inner);
  const li = el('li', { class: 'hit' }, body);
  li.dataset.id = String(ev.id);
  return li;
}

/** The admin's inline "mute for N minutes" form, under a name in the who list. */
export function buildMuteForm(name, { onMute, onUnmute, onCancel }) {
  const minutes = el('input', { id: nextId('mute-min'), type: 'number', min: '1', max: '527040', step: '1', value: '60', required: true, inputmode: 'numeric' });
  const result = el('p', { class: 'mute-result', role: 'status' });
  const form = el('form', { class: 'mute-form', 'aria-label': 'Mute ' + name },
    el('label', { for: minutes.id, text: `Mute ${name} for (minutes)` }),
    el('div', { class: 'row' }, minutes,
      el('button', { type: 'submit', class: 'primary small', text: 'Mute' }),
      el('button', { type: 'button', class: 'quiet small', text: 'Unmute', onclick: () => onUnmute(result) }),
      el('button', { type: 'button', class: 'quiet small', text: 'Cancel', onclick: onCancel })),
    result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onMute(Number(minutes.value), result);
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    }
  });
  return { form, minutes, result };
}
