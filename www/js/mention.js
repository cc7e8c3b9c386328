// mention.js - mentions, pure (no DOM): rule 4 of doc/api.md's "Message
// text" for the client's side of it.  Who a message mentions is the
// server's word (an event's `mentions`); here the client finds the @names
// in a stretch of text outside code to show them, tells whether a message
// names the reader, and works out the composer's @-completion.
//
//   splitMentions(s, names)     a text stretch (outside code) as
//                               [{type: 'text', text} | {type: 'mention', text, name}],
//                               a mention being an @name in `names`
//   mentionsUser(ev, username)  whether the event's `mentions` name the user
//   mentionQuery(value, caret)  the @word being typed at the caret: {start, query} or null
//   complete(value, caret, q, name)  the box's text with that word made @name: {value, caret}
//   rankNames(names, query, max)     candidates for the query, best first

// A mention is '@' at the start or after a character outside NAME_CHAR,
// then a run of NAME_CHARs less trailing '.', '-' and '_'.
const NAME_CHAR = /[A-Za-z0-9._-]/;
const AT_NAME = /@([A-Za-z0-9._-]+)/g;

/** Galaxy usernames are compared without case (doc/api.md). */
export const sameName = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();

/** Whether `name` may be mentioned at all: Galaxy's username characters (no user#<id> handles). */
export const mentionable = (name) => typeof name === 'string' && /^[A-Za-z0-9._-]+$/.test(name);

/** The name an @run stands for: the run less trailing '.', '-' and '_'. */
const trimName = (run) => run.replace(/[._-]+$/, '');

/** The @names of text stretch `s` that are in `names`, as tokens; the rest is text. */
export function splitMentions(s, names) {
  const want = (names || []).filter((n) => typeof n === 'string');
  if (!want.length || !s.includes('@')) return [{ type: 'text', text: s }];
  const out = [];
  let last = 0;
  for (const m of s.matchAll(AT_NAME)) {
    if (m.index > 0 && NAME_CHAR.test(s[m.index - 1])) continue;
    const name = trimName(m[1]);
    if (!name || !want.some((n) => sameName(n, name))) continue;
    if (m.index > last) out.push({ type: 'text', text: s.slice(last, m.index) });
    out.push({ type: 'mention', text: '@' + name, name });
    last = m.index + 1 + name.length;
  }
  if (last < s.length) out.push({ type: 'text', text: s.slice(last) });
  return out;
}

/** Whether event `ev` (a message) mentions `username`, by the server's `mentions`. */
export function mentionsUser(ev, username) {
  return !!(ev && Array.isArray(ev.mentions) && username && ev.mentions.some((n) => sameName(n, username)));
}

/**
 * The @word the caret is in or just after, when it can become a mention:
 * {start (the index of '@'), query (what follows it, up to the caret)}, or null.
 */
export function mentionQuery(value, caret) {
  let i = caret;
  while (i > 0 && NAME_CHAR.test(value[i - 1])) i--;
  if (i === 0 || value[i - 1] !== '@') return null;
  const at = i - 1;
  if (at > 0 && NAME_CHAR.test(value[at - 1])) return null; // an address: me@example.org
  return { start: at, query: value.slice(i, caret) };
}

/**
 * The box's text with the @word of `q` (mentionQuery's) and the rest of
 * that word after the caret replaced by "@name ", the caret after it.
 */
export function complete(value, caret, q, name) {
  let end = caret;
  while (end < value.length && NAME_CHAR.test(value[end])) end++;
  const rest = value.slice(end);
  const insert = '@' + name + (rest.startsWith(' ') ? '' : ' ');
  return { value: value.slice(0, q.start) + insert + rest, caret: q.start + insert.length + (rest.startsWith(' ') ? 1 : 0) };
}

/**
 * The names that complete `query`: mentionable ones, each once (without
 * case), those starting with it first, then those containing it, each
 * group in alphabetical order; at most `max`.
 */
export function rankNames(names, query, max = 8) {
  const q = query.toLowerCase();
  const seen = new Set();
  const starts = [];
  const inside = [];
  for (const n of names) {
    if (!mentionable(n) || seen.has(n.toLowerCase())) continue;
    seen.add(n.toLowerCase());
    const l = n.toLowerCase();
    if (l.startsWith(q)) starts.push(n);
    else if (q && l.includes(q)) inside.push(n);
  }
  const byName = (a, b) => a.toLowerCase().localeCompare(b.toLowerCase());
  return [...starts.sort(byName), ...inside.sort(byName)].slice(0, max);
}
