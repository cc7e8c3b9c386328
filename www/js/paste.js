// paste.js - pasting a log or command output into the message box: when
// the pasted text looks machine-made (looksLikeLog), a line over the box
// offers to send it as a code block (markup.js's fence), and does so only
// when asked.  The offer goes when the text it is about leaves the box,
// when the message is sent, or on "Keep as text".
//
// "Looks like a log": at least LOG_MIN_LINES lines that are not blank, no
// fence among them already, and at least half of them machine-made by one
// of the marks in MARKS (a time stamp, a log level, a [tag], a prompt, a
// stack frame, an indented line, a path, key=value, file:line, or a line
// that is mostly not letters).  Prose is not: a question over five lines
// has none of these.

import { el } from './ui.js';

export const LOG_MIN_LINES = 5;

const MARKS = [
  /^\W{0,2}\d{4}-\d\d-\d\d[T ]\d\d:\d\d/, // 2024-05-01 12:00 or [2024-05-01T12:00
  /^\W{0,2}\d\d:\d\d:\d\d/, // 12:00:01
  /\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\b/, // a log level, in capitals
  /^\[[^\]\s][^\]]*\]/, // [M::bwa_idx_load_from_disk], [INFO]
  /^\s*(\$|>>>|\S+@\S+:\S*[$#]) \S/, // $ cmd, >>> expr, user@host:~$ cmd
  /^\s*(Traceback \(most recent call last\):|File "[^"]*", line \d+|at [\w$.<>]+\(.*\)\s*$)/, // a stack
  /^\s*[\w.]*(Error|Exception)(:|$)/, // KeyError: 'sample'
  /^(\t| {2,})\S/, // indented
  /(^|\s)(~|\.{1,2})?\/[\w.+-]+\/\S*/, // a path: /usr/lib/..., ./out/x
  /(^|\s)[\w.-]+=\S/, // key=value
  /\S\.\w+:\d+/, // run.py:3
];

/** Mostly not letters: numbers, counts, tables, symbols. */
function unworded(line) {
  const chars = line.replace(/\s+/g, '');
  const letters = chars.match(/\p{L}/gu);
  return (letters ? letters.length : 0) * 2 < chars.length;
}

function machineMade(line) {
  return unworded(line) || MARKS.some((re) => re.test(line));
}

/** Whether pasted `text` looks like a log or command output (see the top of this file). */
export function looksLikeLog(text) {
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n').filter((l) => l.trim());
  if (lines.length < LOG_MIN_LINES) return false;
  if (lines.some((l) => /^```/.test(l))) return false;
  return lines.filter(machineMade).length * 2 >= lines.length;
}

/** `value` with `text` (at `start`) between fence lines, each on a line of its own. */
export function fenceIn(value, start, text) {
  const before = value.slice(0, start);
  const after = value.slice(start + text.length);
  const body = text.replace(/\n+$/, '');
  const open = (before && !before.endsWith('\n') ? '\n' : '') + '```\n';
  const close = '\n```' + (after && !after.startsWith('\n') ? '\n' : '');
  return { value: before + open + body + close + after, end: (before + open + body + close).length };
}

export class PasteOffer {
  /** `form` and `input`: the composer's; the offer's line goes at the top of the form. */
  constructor(form, input) {
    this.form = form;
    this.input = input;
    this.offer = null; // {box, text}
  }

  bind() {
    this.input.addEventListener('paste', (e) => {
      const text = e.clipboardData && e.clipboardData.getData('text/plain');
      if (!text || !looksLikeLog(text)) return;
      // The browser puts it in as it is (a text area writes "\n" for line breaks).
      this.show(text.replace(/\r\n?/g, '\n'));
    });
    this.input.addEventListener('input', () => {
      if (this.offer && !this.input.value.includes(this.offer.text)) this.close();
    });
  }

  show(text) {
    this.close();
    const yes = el('button', { type: 'button', class: 'primary small', text: 'Send as a code block' });
    const no = el('button', { type: 'button', class: 'quiet small', text: 'Keep as text' });
    const box = el('div', { class: 'composer-note paste-offer', role: 'group', 'aria-label': 'Pasted text' },
      el('span', { text: 'That looks like a log or command output.' }), ' ', yes, ' ', no);
    yes.addEventListener('click', () => this.accept());
    no.addEventListener('click', () => {
      this.close();
      this.input.focus();
    });
    this.offer = { box, text };
    this.form.prepend(box);
  }

  /** The pasted text, where it is in the box, between fences. */
  accept() {
    const { offer, input } = this;
    if (!offer) return;
    const at = input.value.indexOf(offer.text);
    this.close();
    if (at >= 0) {
      const r = fenceIn(input.value, at, offer.text);
      input.value = r.value;
      input.dispatchEvent(new Event('input'));
      input.focus();
      input.setSelectionRange(r.end, r.end);
    }
  }

  close() {
    if (this.offer) this.offer.box.remove();
    this.offer = null;
  }
}
