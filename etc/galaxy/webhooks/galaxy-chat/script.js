/*
 * galaxy-chat's masthead webhook: the chat inside today's Galaxy (23.0 and
 * later). Galaxy puts this file, as it is, into an inline <script> in its
 * page's <head>, possibly before the masthead item exists, and renders the
 * item (<li id="galaxy-chat"><a ...><span class="fa fa-comments">) itself.
 *
 *   * A click on the item opens or closes a panel on the right of Galaxy's
 *     page holding the chat (an iframe on CHAT_PATH), exactly once on every
 *     version: Galaxy 24.2.0 never runs a webhook's click function, other
 *     versions do or follow its url, so config.yml gives none and this
 *     script takes the click first (window, capture phase) and keeps it
 *     from Galaxy's handlers. A Ctrl+click or middle click opens the chat
 *     in a new tab instead.
 *   * The panel can be resized (its left edge, by mouse or arrow keys),
 *     leaves Galaxy usable beside it, is full width on narrow screens,
 *     closes with Escape, and its width and whether it is open are kept in
 *     localStorage across page loads. A closed panel holds no iframe, so
 *     it costs the chat no long poll.
 *   * While the panel is closed the icon shows the user's unread mentions
 *     and direct messages (GET CHAT_PATH/api/v1/unread: one small request
 *     every 30 s while the page is visible, when the window regains focus,
 *     and at once when the panel closes), or that the chat is not available
 *     or needs a Galaxy login.
 *   * Deep links: a click on a link to the chat with a fragment
 *     (chat/#room=NGS&draft=...) in Galaxy's page, or a message
 *     postMessage({type: "galaxy-chat:open", room, dm, msg, draft}) from a
 *     page of Galaxy's own origin (its welcome page, say), opens the panel
 *     there; {type: "galaxy-chat:close"} closes it. The chat itself reads
 *     the fragment (www/js/links.js) and, in the panel, asks to be closed
 *     the same way (www/js/embed.js).
 *
 * Only the DOM and fetch: of Galaxy's globals only Galaxy.root (default
 * "/"), since Galaxy.modal, Backbone and the router come and go between
 * releases. Galaxy serves this file to anonymous visitors too: nothing
 * secret belongs here. It writes nothing to the console and throws
 * nothing: a chat that is down, missing or refusing an anonymous visitor
 * is a state of the icon, not an error (the browser itself still notes
 * each answer that is not a 2xx in its console).
 *
 * linkHash() below writes what www/js/text.js's parseLink() reads: this
 * script runs in Galaxy's page as a classic script and imports nothing.
 */
(() => {
  'use strict';

  // Where the chat is: relative to Galaxy's root ("chat/" is /chat/, or
  // /galaxy/chat/ for a Galaxy under /galaxy/), or an absolute path. Keep
  // config.yml's url the same.
  const CHAT_PATH = 'chat/';

  const ID = 'galaxy-chat'; // config.yml's id: the masthead <li id>
  const FRAME_NAME = 'galaxy-chat-panel'; // how the chat knows it is in the panel (www/js/embed.js)
  const STORE_KEY = 'galaxy-chat:panel'; // localStorage: {open, width}
  const REFRESH_MS = 30000;
  const TIMEOUT_MS = 10000;
  const MIN_WIDTH = 320;
  const DEFAULT_WIDTH = 420;
  const KEEP_FOR_GALAXY = 160; // px of Galaxy always left beside the panel
  const NARROW = 640; // below this window width the panel takes it all
  const STEP = 24; // px per arrow key on the panel's edge

  // Galaxy may inject the script again (its masthead mounted anew): one is enough.
  if (window.galaxyChatPanel) return;

  // The panel: its element, the edge that resizes it, the iframe (only while open).
  const panel = { el: null, grip: null, frame: null, open: false, width: DEFAULT_WIDTH };
  // The badge's status: unknown (not asked yet), ok (count is known), old (a
  // chat without GET /v1/unread: no count), login (the chat wants a Galaxy
  // login), unavailable (down, not installed, or a server error).
  const badge = { status: 'unknown', count: 0, busy: false, last: 0, due: false, timer: null };

  // ------------------------------------------------------------ where

  function galaxyRoot() {
    const g = window.Galaxy;
    const root = g && typeof g.root === 'string' && g.root ? g.root : '/';
    return root.endsWith('/') ? root : root + '/';
  }

  /** The chat's address, with a fragment (a deep link) or none. */
  function chatUrl(hash = '') {
    const u = new URL(CHAT_PATH, new URL(galaxyRoot(), location.href));
    u.hash = hash;
    return u.href;
  }

  /** The fragment of a link to the chat (chat/#room=...), else ''. */
  function deepLink(href) {
    let u;
    try {
      u = new URL(href, location.href);
    } catch (e) {
      return '';
    }
    const c = new URL(chatUrl());
    const page = u.pathname === c.pathname || u.pathname === c.pathname + 'index.html';
    return u.origin === c.origin && page && !u.search && u.hash.length > 1 ? u.hash : '';
  }

  /** {room | dm, msg, draft} of a message as the chat's fragment (www/js/text.js reads it). */
  function linkHash(d) {
    const parts = [];
    for (const k of ['room', 'dm', 'msg', 'draft']) {
      const v = d[k];
      if ((typeof v === 'string' && v) || (k === 'msg' && Number.isInteger(v))) parts.push(k + '=' + encodeURIComponent(String(v)));
    }
    return parts.length ? '#' + parts.join('&') : '';
  }

  // ------------------------------------------------------------ kept across page loads

  function loadSaved() {
    try {
      const v = JSON.parse(localStorage.getItem(STORE_KEY));
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify({ open: panel.open, width: panel.width }));
    } catch (e) {
      /* storage off or full: the panel just forgets */
    }
  }

  // ------------------------------------------------------------ the masthead item

  const LABELS = {
    unknown: 'Chat',
    ok: 'Chat',
    old: 'Chat',
    login: 'Chat: log in to Galaxy to chat',
    unavailable: 'Chat: not available right now',
  };

  /** Galaxy's item and its link (the element a click lands on), or nulls. */
  function item() {
    const li = document.getElementById(ID);
    return { li, a: li && (li.querySelector('a') || li) };
  }

  /** Our badge inside Galaxy's item; put back whenever Galaxy renders the item anew. */
  function decorate() {
    const { li, a } = item();
    if (!li) return;
    let b = a.querySelector('.galaxy-chat-badge');
    if (!b) {
      b = document.createElement('span');
      b.className = 'galaxy-chat-badge';
      b.setAttribute('aria-hidden', 'true');
      a.appendChild(b);
    }
    if (a.tagName === 'A' && a.getAttribute('href') !== chatUrl()) a.setAttribute('href', chatUrl());
    renderItem();
    place(); // an open panel sits below the masthead, which may only now be there
  }

  function renderItem() {
    const { li, a } = item();
    if (!li) return;
    const b = a.querySelector('.galaxy-chat-badge');
    const count = !panel.open && badge.status === 'ok' ? badge.count : 0;
    let text = '';
    if (count > 0) text = count > 99 ? '99+' : String(count);
    else if (badge.status === 'unavailable') text = '!';
    // Only what changed: the observer below sees our own writes too.
    if (b && b.textContent !== text) b.textContent = text;
    if (b) b.hidden = !text;
    if (li.dataset.galaxyChat !== badge.status) li.dataset.galaxyChat = badge.status;
    const label = count > 0 ? `Chat: ${count} unread (mentions and direct messages)` : LABELS[badge.status];
    if (a.getAttribute('aria-label') !== label) a.setAttribute('aria-label', label);
    a.setAttribute('aria-expanded', String(panel.open));
    a.setAttribute('aria-controls', 'galaxy-chat-panel');
  }

  // Galaxy renders the item after this script runs, and may render it again.
  new MutationObserver(() => {
    const { li, a } = item();
    if (li && !a.querySelector('.galaxy-chat-badge')) decorate();
  }).observe(document.documentElement, { childList: true, subtree: true });

  // ------------------------------------------------------------ clicks

  window.addEventListener('click', (e) => {
    const el = e.target instanceof Element ? e.target : null;
    if (!el) return;
    const plain = e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey;
    if (el.closest('#' + ID)) {
      // Ours alone: Galaxy's own handler would call a function, follow the url, or nothing.
      e.stopPropagation();
      e.stopImmediatePropagation();
      if (!plain) return; // a new tab or window: the browser opens the item's link, the chat
      e.preventDefault();
      toggle();
      return;
    }
    const link = el.closest('a[href]');
    const hash = plain && link && !link.hasAttribute('download') ? deepLink(link.href) : '';
    if (hash) {
      e.preventDefault();
      e.stopPropagation();
      open(hash);
    }
  }, true);

  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !panel.open || e.defaultPrevented) return;
    // Galaxy's own dialogs take their Escape.
    const dialog = [...document.querySelectorAll('.modal.show, [aria-modal="true"]')].some((d) => d.offsetParent !== null);
    if (!dialog) close();
  });

  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || typeof d !== 'object' || typeof d.type !== 'string') return;
    const fromChat = panel.frame && e.source === panel.frame.contentWindow;
    if (e.origin !== (fromChat ? new URL(chatUrl()).origin : location.origin)) return;
    if (d.type === 'galaxy-chat:open') open(linkHash(d));
    else if (d.type === 'galaxy-chat:close') close();
  });

  // ------------------------------------------------------------ the panel

  function maxWidth() {
    return Math.max(MIN_WIDTH, window.innerWidth - KEEP_FOR_GALAXY);
  }

  function setWidth(w) {
    panel.width = Math.round(Math.min(Math.max(w, MIN_WIDTH), maxWidth()));
    place();
  }

  /** Below Galaxy's masthead, at the right; all the width on narrow screens. */
  function place() {
    const { el, grip } = panel;
    if (!el) return;
    const bar = document.getElementById('masthead') || (item().li && item().li.closest('nav, header'));
    el.style.top = Math.max(0, bar ? bar.getBoundingClientRect().bottom : 0) + 'px';
    const full = window.innerWidth < NARROW;
    el.classList.toggle('galaxy-chat-full', full);
    el.style.width = full ? '' : Math.min(panel.width, maxWidth()) + 'px';
    grip.setAttribute('aria-valuemin', String(MIN_WIDTH));
    grip.setAttribute('aria-valuemax', String(maxWidth()));
    grip.setAttribute('aria-valuenow', String(Math.min(panel.width, maxWidth())));
  }

  function build() {
    const el = document.createElement('aside');
    el.id = 'galaxy-chat-panel';
    el.className = 'galaxy-chat-panel';
    el.setAttribute('aria-label', 'Chat');
    el.hidden = true;
    const grip = document.createElement('div');
    grip.className = 'galaxy-chat-grip';
    grip.tabIndex = 0;
    grip.setAttribute('role', 'separator');
    grip.setAttribute('aria-orientation', 'vertical');
    grip.setAttribute('aria-label', 'Width of the chat (arrow keys)');
    grip.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      grip.setPointerCapture(e.pointerId);
      el.classList.add('galaxy-chat-resizing');
    });
    grip.addEventListener('pointermove', (e) => {
      if (grip.hasPointerCapture(e.pointerId)) setWidth(window.innerWidth - e.clientX);
    });
    grip.addEventListener('lostpointercapture', () => {
      el.classList.remove('galaxy-chat-resizing');
      save();
    });
    grip.addEventListener('keydown', (e) => {
      const to = { ArrowLeft: panel.width + STEP, ArrowRight: panel.width - STEP, Home: MIN_WIDTH, End: maxWidth() }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      setWidth(to);
      save();
    });
    el.appendChild(grip);
    document.body.appendChild(el);
    panel.el = el;
    panel.grip = grip;
  }

  /** Opens the panel (at a deep link's fragment, if given); `focus` moves the keyboard into it. */
  function open(hash = '', { focus = true } = {}) {
    if (!panel.el) build();
    place();
    if (!panel.frame) {
      const f = document.createElement('iframe');
      f.name = FRAME_NAME;
      f.title = 'Chat';
      f.src = chatUrl(hash);
      if (focus) f.addEventListener('load', () => { if (panel.frame === f) f.focus(); }, { once: true });
      panel.el.appendChild(f);
      panel.frame = f;
    } else if (hash) {
      panel.frame.src = chatUrl(hash); // only the fragment changes: the chat follows it in place
    }
    panel.el.hidden = false;
    panel.open = true;
    save();
    renderItem();
    if (focus) panel.frame.focus();
  }

  function close() {
    if (!panel.open) return;
    const inside = panel.el.contains(document.activeElement);
    panel.open = false;
    panel.el.hidden = true;
    panel.frame.remove(); // and with it the chat's long poll
    panel.frame = null;
    save();
    renderItem();
    if (inside) {
      const { a } = item();
      if (a) a.focus();
    }
    refresh();
  }

  function toggle() {
    if (panel.open) close();
    else open();
  }

  window.addEventListener('resize', place);

  // ------------------------------------------------------------ the badge

  /** One GET of the chat's API: {status, data}; status 0 when there was no answer. Never throws. */
  async function get(path) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(chatUrl() + path, {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }, signal: ctl.signal,
      });
      let data = null;
      try {
        data = await res.json();
      } catch (e) {
        data = null; // not JSON: not the chat (Galaxy's or the web server's own page)
      }
      return { status: res.status, data };
    } catch (e) {
      return { status: 0, data: null };
    } finally {
      clearTimeout(timer);
    }
  }

  const count = (n) => (Number.isInteger(n) && n > 0 ? n : 0);

  /** What GET /v1/unread says, as the badge's state: mentions in rooms plus unread direct messages. */
  async function ask() {
    const r = await get('api/v1/unread');
    if (r.status === 200 && r.data && typeof r.data === 'object') {
      const direct = Array.isArray(r.data.direct) ? r.data.direct : [];
      return { status: 'ok', count: count(r.data.mentions) + direct.reduce((s, d) => s + count(d && d.unread), 0) };
    }
    if (r.status === 401) return { status: 'login', count: 0 };
    if (r.status === 429) return { status: badge.status, count: badge.count }; // asked too often: as it was
    if (r.status === 404) {
      // An older chat (no such route: it says so before it looks at the
      // login), or no chat here at all (no JSON of the chat's).
      const me = await get('api/v1/me');
      if (me.status === 401) return { status: 'login', count: 0 };
      return { status: me.status === 200 && me.data && me.data.user ? 'old' : 'unavailable', count: 0 };
    }
    return { status: 'unavailable', count: 0 };
  }

  async function refresh() {
    if (panel.open || badge.busy) return;
    if (document.hidden) {
      badge.due = true;
      return;
    }
    badge.busy = true;
    badge.due = false;
    badge.last = Date.now();
    try {
      Object.assign(badge, await ask());
    } finally {
      badge.busy = false;
    }
    renderItem();
    schedule();
  }

  /** Every 30 s; not while the answer cannot change by itself (a login, a chat upgrade reload the page). */
  function schedule() {
    clearTimeout(badge.timer);
    if (badge.status !== 'login' && badge.status !== 'old') badge.timer = setTimeout(refresh, REFRESH_MS);
  }

  window.addEventListener('focus', () => {
    if (Date.now() - badge.last > 2000) refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && badge.due) refresh();
  });

  // ------------------------------------------------------------ start

  window.galaxyChatPanel = { open: (hash) => open(hash || ''), close, toggle, refresh };

  function start() {
    const saved = loadSaved();
    if (Number.isFinite(saved.width)) panel.width = Math.max(MIN_WIDTH, Math.round(saved.width));
    decorate();
    if (saved.open === true) open('', { focus: false });
    else refresh();
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
})();
