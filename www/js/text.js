// text.js - pure helpers: room names, Galaxy's iframe parameters, deep
// links, timestamps (the message text grammar is markup.js's).  Everything
// that turns user data into DOM builds nodes with textContent; nothing in
// the client ever assigns user data to innerHTML.

/** API.md: 1 to 64 characters of printable UTF-8, no control characters. */
export function roomNameProblem(name) {
  const chars = [...name];
  if (chars.length === 0) return 'Type a room name.';
  if (chars.length > 64) return 'A room name has at most 64 characters.';
  if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(name)) return 'A room name cannot contain control characters.';
  return null; // anything else is the server's call
}

/** Room names are one room whatever the case of their ASCII letters A-Z, and only those (doc/api.md). */
export function sameRoom(a, b) {
  const fold = (s) => String(s).replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(a) === fold(b);
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#x27': "'", '#39': "'", '#96': '`', '#x60': '`', '#x2F': '/', '#x2f': '/' };

/** Undo underscore's _.escape (what Galaxy applied to the iframe parameters). */
export function htmlUnescape(s) {
  return s.replace(/&(amp|lt|gt|quot|apos|#x27|#39|#96|#x60|#x2[fF]);/g, (_, e) => ENTITIES[e]);
}

function decodeParam(v) {
  v = v.replace(/\+/g, ' ');
  try {
    v = decodeURIComponent(v);
  } catch {
    /* a lone % is not an encoding: keep it as it is */
  }
  return htmlUnescape(v);
}

/**
 * Galaxy 16.07-20.09 opened the chat at
 * ?username=<_.escape(u)>&persistent_communication_rooms=<_.escape(a,b)>
 * and its client read the parameters by position.  The values are HTML-escaped,
 * not URL-encoded, so an "&amp;" inside a value is not a separator.
 * Returns {username, rooms}; the username is a hint only (GET /v1/me decides).
 */
export function galaxyParams(search) {
  const q = search.replace(/^\?/, '');
  if (!q) return { username: null, rooms: [] };
  const params = q.split(/&(?!(?:amp|lt|gt|quot|apos|#x27|#39|#96|#x60|#x2[fF]);)/).map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
  });
  const named = (n) => params.find(([k]) => k === n);
  const u = named('username') || params[0];
  const r = named('persistent_communication_rooms') || params[1];
  const rooms = r
    ? decodeParam(r[1]).split(',').map((s) => s.trim()).filter((s) => s && !roomNameProblem(s))
    : [];
  return { username: u ? decodeParam(u[1]) : null, rooms: [...new Set(rooms)] };
}

const MAX_DRAFT = 10000; // characters of a link's draft: a question, not a file

/**
 * A deep link's fragment: #room=NAME, #dm=USERNAME, #msg=ID (alone, or with
 * room or dm to say where), each with &draft=TEXT for the composer; the
 * values percent-encoded (URLSearchParams rules).  Returns {room, dm, msg,
 * draft} with only the parts that are well formed, or null when none is.
 */
export function parseLink(hash) {
  const q = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const link = {};
  const room = q.get('room');
  const dm = q.get('dm');
  const msg = q.get('msg');
  const draft = q.get('draft');
  if (dm && [...dm].length <= 255 && !/[\p{Cc}\p{Cs}]/u.test(dm)) link.dm = dm;
  else if (room !== null && !roomNameProblem(room)) link.room = room;
  if (msg && /^[1-9][0-9]{0,14}$/.test(msg)) link.msg = Number(msg);
  if (draft && draft.trim()) link.draft = [...draft].slice(0, MAX_DRAFT).join('');
  return Object.keys(link).length ? link : null;
}

/** The fragment that parseLink reads back as `link` ({room} or {dm}, msg, draft). */
export function linkHash(link) {
  const parts = [];
  for (const k of ['room', 'dm', 'msg', 'draft']) {
    if (link[k] != null && link[k] !== '') parts.push(k + '=' + encodeURIComponent(String(link[k])));
  }
  return parts.length ? '#' + parts.join('&') : '';
}

const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** Short local time for the list ("14:05", or "Mon 3 Nov, 14:05" when not today) and a full one for the tooltip. */
export function formatTime(iso, now = new Date()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { short: '', full: '', iso: '' };
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const short = sameDay(d, now)
    ? time
    : d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short', ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) }) + ', ' + time;
  return { short, full: d.toLocaleString([], { dateStyle: 'full', timeStyle: 'medium' }), iso: d.toISOString() };
}

/** A random id for client_id: crypto.randomUUID where the page is a secure context, else random hex. */
export function randomId() {
  if (globalThis.crypto && crypto.randomUUID) {
    try {
      return crypto.randomUUID();
    } catch {
      /* not a secure context */
    }
  }
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
