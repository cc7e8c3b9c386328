// markup.js - the message text grammar (doc/api.md, "Message text"), as a
// pure function from a message's text to tokens.  A message is plain text;
// the grammar only says which parts are code and which are links, so that
// the client shows code in monospace and the server finds mentions outside
// code by the same rules.  Nothing here touches the DOM (code.js builds the
// nodes); nothing in the text is ever markup.
//
//   parse(text) -> [{type: 'text', text}
//                   {type: 'link', text (as written), href (what opens)}
//                   {type: 'code', text}            inline code
//                   {type: 'block', text, lang}     a fenced block; lang or null]
//   findLinks(text) -> [{text, href}]   the links, outside code, in order
//
// The rules, in the order they apply:
//   1. Lines are separated by "\n" ("\r\n" counts as "\n").
//   2. A line of three or more backticks, optionally followed by a
//      language word [A-Za-z0-9_+.#-]{1,32} and spaces, opens a block that
//      ends at the next line of at least as many backticks (and spaces), or
//      at the end of the text.  The lines between are code, verbatim.
//   3. Elsewhere, a run of N backticks opens inline code that ends at the
//      next run of exactly N backticks on the same line; with none, the run
//      is text.
//   4. (Mentions are the server's: doc/api.md.)
//   5. Outside code, http:// or https:// and the non-space characters after
//      it are a link, less trailing .,;:!?)]}'" (a ")" stays when a "("
//      opened inside the link).

const FENCE = /^(`{3,})([A-Za-z0-9_+.#-]{1,32})? *$/;
const LINK = /https?:\/\/\S+/g;
const TRAILING = /[.,;:!?)\]}'"]$/;

/** The tokens of `text`; text tokens next to each other are merged. */
export function parse(text) {
  const lines = String(text ?? '').replace(/\r\n/g, '\n').split('\n');
  const out = [];
  let prose = []; // the lines of text since the last block
  const flush = () => {
    if (prose.length) inline(prose.join('\n'), out);
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) {
      prose.push(lines[i]);
      continue;
    }
    flush();
    const n = open[1].length;
    let j = i + 1;
    while (j < lines.length && !closes(lines[j], n)) j++;
    out.push({ type: 'block', lang: open[2] || null, text: lines.slice(i + 1, j).join('\n') });
    i = j; // the closing line (or past the end)
  }
  flush();
  return out;
}

/** A line of at least n backticks and optional trailing spaces. */
function closes(line, n) {
  let k = 0;
  while (line[k] === '`') k++;
  return k >= n && /^ *$/.test(line.slice(k));
}

/** Inline code spans of each line of `s` (rule 3); links in the text between. */
function inline(s, out) {
  let text = '';
  const lines = s.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (k) text += '\n';
    const line = lines[k];
    let i = 0;
    while (i < line.length) {
      const b = line.indexOf('`', i);
      if (b < 0) {
        text += line.slice(i);
        break;
      }
      const e = runEnd(line, b);
      // A run with no closer means no later run of its length on the line:
      // each length is looked for in vain at most once (no quadratic line).
      const close = closer(line, e, e - b);
      if (close < 0) {
        text += line.slice(i, e); // the run is text
        i = e;
        continue;
      }
      text += line.slice(i, b);
      linkify(text, out);
      text = '';
      out.push({ type: 'code', text: line.slice(e, close) });
      i = close + (e - b);
    }
  }
  linkify(text, out);
}

function runEnd(line, i) {
  while (line[i] === '`') i++;
  return i;
}

/** Where the next run of exactly n backticks from `from` starts, or -1. */
function closer(line, from, n) {
  for (let c = line.indexOf('`', from); c >= 0; c = line.indexOf('`', c)) {
    const d = runEnd(line, c);
    if (d - c === n) return c;
    c = d;
  }
  return -1;
}

/** Text and link tokens of a stretch outside code (rule 5). */
function linkify(s, out) {
  let last = 0;
  for (const m of s.matchAll(LINK)) {
    const link = trimLink(m[0]);
    const href = linkHref(link);
    if (!href) continue;
    if (m.index > last) pushText(out, s.slice(last, m.index));
    out.push({ type: 'link', text: link, href });
    last = m.index + link.length;
  }
  if (last < s.length) pushText(out, s.slice(last));
}

function pushText(out, text) {
  const prev = out[out.length - 1];
  if (prev && prev.type === 'text') prev.text += text;
  else out.push({ type: 'text', text });
}

/** Trailing punctuation belongs to the sentence; a ")" stays when a "(" opened inside the link. */
function trimLink(url) {
  while (TRAILING.test(url)) {
    if (url.endsWith(')') && count(url, '(') >= count(url, ')')) break;
    url = url.slice(0, -1);
  }
  return url;
}

const count = (s, c) => s.split(c).length - 1;

/** The URL a link opens, or null when it is none (nothing after the scheme, not a URL). */
function linkHref(link) {
  if (/^https?:\/\/$/.test(link)) return null;
  try {
    const u = new URL(link);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The links of `text` outside code, in order: what cards and the text renderer both use. */
export function findLinks(text) {
  return parse(text).filter((t) => t.type === 'link').map(({ text: t, href }) => ({ text: t, href }));
}
