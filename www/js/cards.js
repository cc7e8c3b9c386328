// cards.js - Galaxy object cards (issue 20, doc/api.md "Object cards"):
// which links of a message point into the site's Galaxy (galaxy_url from
// GET /v1/me; null: no cards, and no requests), a compact card under the
// message for each one the reader may open (name, kind icon, state in
// Galaxy's colours, owner), built once the message has scrolled into view
// (an IntersectionObserver: a message is never held up by its cards), and
// the sender's warning about links the others cannot open.  The answers
// come through cardloader.js (kept per page, a few requests at a time).
// Everything here is built from DOM nodes and text nodes: a card's name is
// user data like a message.

import { CardLoader } from './cardloader.js';
import { findLinks } from './markup.js';
import { el } from './ui.js';

/** galaxy_url as {origin, path} (the path without its trailing /), or null. */
export function siteOf(galaxyUrl) {
  if (typeof galaxyUrl !== 'string') return null;
  try {
    const u = new URL(galaxyUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return { origin: u.origin, path: u.pathname.replace(/\/+$/, '') };
  } catch {
    return null;
  }
}

/**
 * Whether the browser would open `href` under the site.  Only these are
 * asked about; the server reads each one more strictly and may still say
 * "not a link to an object" (a plain link).
 */
export function onSite(href, site) {
  if (!site) return false;
  let u;
  try {
    u = new URL(href);
  } catch {
    return false;
  }
  if (u.origin !== site.origin || u.username || u.password) return false;
  return !site.path || u.pathname === site.path || u.pathname.startsWith(site.path + '/');
}

/** The links of `text` under the site, as written, each once, in order. */
export function galaxyLinks(text, site) {
  if (!site || typeof text !== 'string') return [];
  return [...new Set(findLinks(text).filter((l) => onSite(l.href, site)).map((l) => l.text))];
}

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes as Galaxy's history panel writes them: powers of 1024, one decimal ("1.5 MB", "340 B"). */
export function humanSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return null;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let n = bytes;
  let i = -1;
  do {
    n /= 1024;
    i++;
  } while (n >= 1024 && i < UNITS.length - 1);
  return `${Math.round(n * 10) / 10} ${UNITS[i]}`;
}

// Dataset and job states as Galaxy colours them.  After Galaxy's client
// (client/src/components/History/Content/model/states.ts, which gives each
// dataset state a Bootstrap status, and utils/datasetStates.ts for the
// job-only states): ok and empty are "success" (green), error, failed,
// failed_metadata and discarded "danger" (red), the waiting and working
// states "warning", paused and deferred "info"; the rest (deleted, stopped,
// skipped, a state this client does not know) "secondary", grey.  The
// colours themselves are in chat.css.
const STATUS = {
  ok: 'success', empty: 'success',
  error: 'danger', failed: 'danger', failed_metadata: 'danger', discarded: 'danger',
  new: 'warning', queued: 'warning', running: 'warning', setting_metadata: 'warning',
  upload: 'warning', waiting: 'warning', resubmitted: 'warning',
  paused: 'info', deferred: 'info',
};

/** Galaxy's status of a state: success, danger, warning, info or secondary. */
export function stateStatus(state) {
  return Object.hasOwn(STATUS, state) ? STATUS[state] : 'secondary';
}

// Kind icons, 16x16 line drawings of our own (the client loads no icon
// font): a stack of layers, a page, a run, linked steps, a wrench.
const ICONS = {
  history: [['rect', { x: 2, y: 2, width: 12, height: 3, rx: 1 }], ['rect', { x: 2, y: 6.5, width: 12, height: 3, rx: 1 }],
    ['rect', { x: 2, y: 11, width: 12, height: 3, rx: 1 }]],
  dataset: [['path', { d: 'M4 1.5h5l3.5 3.5v9.5h-8.5z' }], ['path', { d: 'M9 1.5V5h3.5M6 8.5h4M6 11h4' }]],
  job: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M6.5 5.2v5.6L11 8z', fill: 'currentColor' }]],
  workflow: [['rect', { x: 1.5, y: 1.5, width: 4, height: 4, rx: 0.5 }], ['rect', { x: 10.5, y: 6, width: 4, height: 4, rx: 0.5 }],
    ['rect', { x: 1.5, y: 10.5, width: 4, height: 4, rx: 0.5 }], ['path', { d: 'M5.5 3.5H8v9H5.5M8 8h2.5' }]],
  tool: [['path', { d: 'M11 1.5a3.5 3.5 0 0 0-3.3 4.7L1.8 12.1l2.1 2.1 5.9-5.9A3.5 3.5 0 0 0 14.5 5l-2.1 2.1-1.9-.6-.6-1.9z' }]],
};
const SVG = 'http://www.w3.org/2000/svg';

function icon(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 16 16', width: 16, height: 16, fill: 'none', stroke: 'currentColor',
    'stroke-width': 1.3, 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' })) svg.setAttribute(k, v);
  for (const [tag, attrs] of ICONS[kind]) {
    const part = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) part.setAttribute(k, v);
    svg.append(part);
  }
  return el('span', { class: 'card-icon' }, svg);
}

/** An http(s) URL as it is, else null: what a card may link to. */
function safeUrl(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

const text = (v) => (typeof v === 'string' && v ? v : null);
const count = (n, one, many) => (Number.isInteger(n) ? `${n} ${n === 1 ? one : many}` : null);

/** What a card says after its kind: a list of short strings, empty ones left out. */
function details(c) {
  switch (c.kind) {
  case 'history': return [count(c.datasets, 'dataset', 'datasets'), humanSize(c.size)];
  case 'dataset': return [text(c.extension), humanSize(c.size), c.history && text(c.history.name) ? 'in ' + c.history.name : null];
  case 'job': return [text(c.tool_version) && 'version ' + c.tool_version, Number.isInteger(c.exit_code) ? 'exit code ' + c.exit_code : null];
  case 'workflow': return [count(c.steps, 'step', 'steps')];
  default: return [text(c.version) && 'version ' + c.version];
  }
}

/**
 * The card of a GET /v1/objects answer, as a link to Galaxy's page for it
 * (`link`, the link as written, when the card names none), or null for a
 * kind this client does not know.
 */
export function buildCard(c, link) {
  if (!c || !Object.hasOwn(ICONS, c.kind)) return null;
  const name = (c.kind === 'dataset' && Number.isInteger(c.hid) ? c.hid + ': ' : '') + (text(c.name) || c.id || '');
  const state = text(c.state);
  const status = state ? stateStatus(state) : null;
  const meta = el('span', { class: 'card-meta' }, el('span', { class: 'card-kind', text: c.kind }));
  if (state) meta.append(' ', el('span', { class: 'card-state gx-' + status, text: state.replace(/_/g, ' ') }));
  const rest = [...details(c), text(c.owner) && 'by ' + c.owner].filter(Boolean);
  if (rest.length) meta.append(' · ' + rest.join(' · '));
  const title = el('span', { class: 'card-title' }, el('span', { class: 'card-name', text: name }));
  if (c.deleted === true) title.append(el('span', { class: 'card-deleted', text: 'deleted' }));
  const a = el('a', {
    class: 'card card-' + c.kind + (status ? ' gx-' + status : '') + (c.deleted === true ? ' is-deleted' : ''),
    href: safeUrl(c.url) || safeUrl(link), target: '_blank', rel: 'noopener noreferrer',
    title: `${c.kind}: ${name}`,
  }, icon(c.kind), el('span', { class: 'card-body' }, title, meta));
  a.dataset.kind = c.kind;
  if (state) a.dataset.state = state;
  return a;
}

/**
 * The sender's warning about one card the others may not open.  `mine`:
 * the sender owns it; `peer`: the other user of a direct message (the
 * server answers for "a logged-in user who is not the owner", not for one
 * user: someone it is shared with may see it after all).
 */
export function unseenText(c, { mine, peer }) {
  const what = `this ${c.kind} “${text(c.name) || c.id}”`;
  if (c.deleted === true) return `T${what.slice(1)} is deleted: others cannot see it.`;
  const share = c.kind === 'job' ? 'share its outputs in Galaxy first' : 'share it in Galaxy first';
  if (mine) return peer ? `Only you can see ${what}, unless you shared it with ${peer}: ${share}.` : `Only you can see ${what}: ${share}.`;
  return peer ? `${peer} may not be able to see ${what}.` : `Others in this room may not be able to see ${what}.`;
}

/**
 * The box over the message box before a message with such links is sent:
 * a line for each, a link to Galaxy's sharing page when there is one,
 * "Send anyway" and "Cancel" (Escape).
 */
export function buildWarning(unseen, { me, peer, onSend, onCancel }) {
  const box = el('div', { class: 'send-warning', role: 'alertdialog', tabindex: '-1', 'aria-label': 'Before sending' });
  for (const { card } of unseen) {
    const p = el('p', { text: unseenText(card, { mine: card.owner === me, peer }) + ' ' });
    const sharing = card.deleted === true ? null : safeUrl(card.sharing_url);
    if (sharing) p.append(el('a', { href: sharing, target: '_blank', rel: 'noopener noreferrer', class: 'share', text: 'Share it in Galaxy' }));
    box.append(p);
  }
  box.append(el('div', { class: 'row' },
    el('button', { type: 'button', class: 'primary small', text: 'Send anyway', onclick: onSend }),
    el('button', { type: 'button', class: 'quiet small', text: 'Cancel', onclick: onCancel })));
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    }
  });
  return box;
}

/**
 * The page's cards: new Cards(api), then setSite(galaxy_url).  attach()
 * each message as it is shown; unseen() before a message is sent.
 */
export class Cards {
  constructor(api) {
    this.site = null;
    this.loader = new CardLoader((url) => api.object(url));
    this.observer = null;
    this.watched = new WeakMap(); // li -> {links, box, cards, wanting, done, placed}
  }

  setSite(galaxyUrl) { this.site = siteOf(galaxyUrl); }

  links(text) { return galaxyLinks(text, this.site); }

  /**
   * Cards under the message `li` for the Galaxy links of its `text`, once
   * it is in view; placed() after each one is put in (the list may have
   * grown under a reader who follows the newest line).
   */
  attach(li, text, placed) {
    const links = this.links(text);
    const body = li.querySelector('.msg-body');
    if (!links.length || !body) return;
    const box = el('div', { class: 'cards', hidden: true });
    body.append(box);
    this.watched.set(li, { links, box, cards: new Map(), wanting: new Set(), done: new Set(), placed });
    if (typeof IntersectionObserver === 'undefined') {
      this.seen(li, true);
      return;
    }
    this.observer ||= new IntersectionObserver((entries) => {
      for (const e of entries) this.seen(e.target, e.isIntersecting);
    });
    this.observer.observe(li);
  }

  /** The message came into view (ask for its cards) or went out of it, or away (ask no more). */
  seen(li, visible) {
    const w = this.watched.get(li);
    if (!w) return;
    if (!li.isConnected) visible = false;
    for (const url of w.links) {
      if (w.done.has(url)) continue;
      if (visible && !w.wanting.has(url)) {
        w.wanting.add(url);
        this.loader.want(url).then((answer) => this.place(li, w, url, answer));
      } else if (!visible && w.wanting.has(url)) {
        w.wanting.delete(url);
        this.loader.unwant(url);
      }
    }
    if (!li.isConnected) this.forget(li);
  }

  place(li, w, url, answer) {
    if (w.done.has(url)) return;
    w.done.add(url);
    w.wanting.delete(url);
    const card = answer.card && li.isConnected ? buildCard(answer.card, url) : null;
    if (card) {
      w.cards.set(url, card);
      w.box.replaceChildren(...w.links.filter((u) => w.cards.has(u)).map((u) => w.cards.get(u)));
      w.box.hidden = false;
      w.placed();
    }
    if (w.done.size === w.links.length) this.forget(li);
  }

  forget(li) {
    if (this.observer) this.observer.unobserve(li);
    this.watched.delete(li);
  }

  /**
   * The cards of the Galaxy links in `text` that the others may not open
   * ({card, url} each); none when there are none, or when the server cannot
   * say within `timeoutMs` (the message is then sent as it is).
   */
  async unseen(text, { timeoutMs = 5000 } = {}) {
    const links = this.links(text);
    if (!links.length) return [];
    let timer;
    const answers = await Promise.race([
      Promise.all(links.map((u) => this.loader.check(u))),
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (!answers) return [];
    return answers.map((a, i) => ({ card: a.card, url: links[i] }))
      .filter((x) => x.card && x.card.visible_to_others === false && Object.hasOwn(ICONS, x.card.kind));
  }
}
