// msgtext.js - a message's text as DOM nodes, by the grammar of markup.js:
// text nodes, links (a new tab, no referrer), inline <code>, and code
// blocks in monospace that scroll sideways, with their language word as a
// label, a Copy button, and, over COLLAPSE_LINES lines, only the first
// lines shown until "Show N more lines".  Every piece of the text is a
// text node (textContent); no user data is ever parsed as markup.

import { parse } from './markup.js';
import { el } from './ui.js';

export const COLLAPSE_LINES = 12;
const COPIED_MS = 1500;

/** Append message `text` to `parent` as nodes. */
export function appendMessageText(parent, text) {
  for (const t of parse(text)) {
    if (t.type === 'text') parent.append(document.createTextNode(t.text));
    else if (t.type === 'link') parent.append(linkNode(t));
    else if (t.type === 'code') parent.append(el('code', { class: 'code-span', text: t.text }));
    else parent.append(codeBlock(t));
  }
}

function linkNode(t) {
  const a = el('a', { href: t.href, target: '_blank', rel: 'noopener noreferrer nofollow' });
  a.textContent = t.text;
  return a;
}

/** The lines of a block as shown: the first COLLAPSE_LINES, and the rest when there are more. */
export function splitLines(text) {
  const lines = text.split('\n');
  if (lines.length <= COLLAPSE_LINES) return { shown: text, rest: null, more: 0 };
  return {
    shown: lines.slice(0, COLLAPSE_LINES).join('\n'),
    rest: '\n' + lines.slice(COLLAPSE_LINES).join('\n'),
    more: lines.length - COLLAPSE_LINES,
  };
}

/**
 * A fenced block.  Code reads left to right whatever the message's
 * direction, so the block has dir="ltr" (and the message's own dir="auto"
 * is decided by its prose).  The <pre> scrolls sideways and can be focused
 * to scroll with the keyboard.
 */
function codeBlock(t) {
  const { shown, rest, more } = splitLines(t.text);
  const code = el('code', {}, document.createTextNode(shown));
  const hidden = rest === null ? null : el('span', { class: 'code-rest', hidden: true, text: rest });
  if (hidden) code.append(hidden);
  const pre = el('pre', { tabindex: '0', 'aria-label': t.lang ? `Code, ${t.lang}` : 'Code' }, code);
  const copy = el('button', { type: 'button', class: 'code-copy', text: 'Copy', title: 'Copy the code' });
  copy.addEventListener('click', () => copyBlock(copy, code, t.text, hidden));
  const head = el('div', { class: 'code-head' },
    t.lang ? el('span', { class: 'code-lang', text: t.lang }) : null, copy);
  const box = el('div', { class: 'code-block', dir: 'ltr' }, head, pre);
  if (hidden) {
    const toggle = el('button', { type: 'button', class: 'link code-toggle', 'aria-expanded': 'false' });
    const label = () => {
      const open = !hidden.hidden;
      toggle.textContent = open ? 'Show fewer lines' : `Show ${more} more line${more === 1 ? '' : 's'}`;
      toggle.setAttribute('aria-expanded', String(open));
      box.classList.toggle('collapsed', !open);
    };
    toggle.addEventListener('click', () => {
      hidden.hidden = !hidden.hidden;
      label();
    });
    label();
    box.append(toggle);
  }
  return box;
}

/** The Copy button: the whole block, shown or not; says what happened for a moment. */
async function copyBlock(button, code, text, hidden) {
  const done = await copyText(text);
  if (!done) {
    // No clipboard at all (an iframe without clipboard-write, an old
    // browser): the code is selected for the reader's own Ctrl+C.
    if (hidden) hidden.hidden = false;
    window.getSelection().selectAllChildren(code);
  }
  button.textContent = done ? 'Copied' : 'Selected: press Ctrl+C';
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => { button.textContent = 'Copy'; }, COPIED_MS);
}

/**
 * Put `text` on the clipboard: navigator.clipboard where the page may use
 * it (a secure context, and in an iframe only with clipboard-write), else
 * the older copy command on a hidden text area.  Resolves true if either
 * worked.
 */
export async function copyText(text) {
  if (navigator.clipboard && navigator.clipboard.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* refused: try the copy command */
    }
  }
  const before = document.activeElement;
  const area = el('textarea', { class: 'copy-buffer', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  if (before && before.focus) before.focus({ preventScroll: true });
  return ok;
}
