// reactions.js - reactions (doc/api.md, "Reactions"): the bar under a
// message, one button per emoji with its count (pressed when one of them
// is mine; pressing gives or takes back mine), and the small picker the
// message's "☺+" button and the bar's "+" open.  ✅ is not among the
// picker's emoji: on a question it is the "Mark solved" button
// (render.js), which the open-questions list follows.

import { el } from './ui.js';

/** The picker's emoji and what a screen reader calls them. */
export const PICKS = [
  ['👍', 'thumbs up'], ['❤️', 'heart'], ['😄', 'smile'], ['🎉', 'hooray'],
  ['🙏', 'thank you'], ['👀', 'looking'], ['🤔', 'thinking'], ['🚀', 'rocket'],
];

/** The reaction bar of message `m`; ctx as render.js's. */
export function buildReactions(m, ctx) {
  const a = ctx.actions;
  const bar = el('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' });
  for (const r of m.reactions) {
    const mine = r.users.includes(ctx.me);
    const label = `${r.emoji} ${r.users.length}: ${r.users.join(', ')}${mine ? ' (press to take yours back)' : ''}`;
    const b = el('button', { type: 'button', class: 'reaction' + (mine ? ' mine' : ''), 'data-key': 'reaction ' + r.emoji, title: r.users.join(', '), 'aria-label': label, disabled: !a },
      el('span', { class: 'reaction-emoji', text: r.emoji }), ' ', el('span', { class: 'reaction-count', text: String(r.users.length) }));
    b.setAttribute('aria-pressed', String(mine));
    if (a) b.addEventListener('click', () => a.react(m, r.emoji, !mine));
    bar.append(b);
  }
  if (a) bar.append(el('button', { type: 'button', class: 'reaction add', 'data-key': 'reaction +', 'aria-label': 'Add a reaction', title: 'Add a reaction', text: '+', onclick: (e) => a.picker(m, e.currentTarget) }));
  return bar;
}

let open = null; // the picker shown, one at a time

/**
 * The picker under `anchor` (a button in a message): pick(emoji) on a
 * choice.  Arrows move between the emoji, Escape or a click elsewhere
 * closes it, focus goes back to the anchor.
 */
export function openPicker(anchor, pick) {
  closePicker();
  const li = anchor.closest('li') || anchor.parentElement;
  const buttons = PICKS.map(([emoji, name]) => el('button', {
    type: 'button', class: 'pick', text: emoji, title: name, 'aria-label': name,
    onclick: () => {
      closePicker();
      pick(emoji);
    },
  }));
  const box = el('div', { class: 'picker', role: 'group', 'aria-label': 'Pick a reaction' }, ...buttons);
  const lr = li.getBoundingClientRect();
  const ar = anchor.getBoundingClientRect();
  box.style.top = Math.round(ar.bottom - lr.top + 2) + 'px';
  box.style.right = Math.max(4, Math.round(lr.right - ar.right)) + 'px';
  box.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (e.key === 'Escape') {
      e.stopPropagation();
      closePicker();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      buttons[(i + (e.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length].focus();
    }
  });
  const outside = (e) => { if (!box.contains(e.target) && e.target !== anchor) closePicker(false); };
  open = { box, anchor, outside };
  li.append(box);
  document.addEventListener('pointerdown', outside, true);
  buttons[0].focus();
}

/** Close the picker there is; focus back on its button unless the click went elsewhere. */
export function closePicker(refocus = true) {
  if (!open) return;
  const { box, anchor, outside } = open;
  open = null;
  document.removeEventListener('pointerdown', outside, true);
  box.remove();
  if (refocus && anchor.isConnected) anchor.focus();
}
