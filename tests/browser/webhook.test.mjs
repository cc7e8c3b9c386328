// Browser tests of galaxy-chat's masthead webhook (etc/galaxy/webhooks/
// galaxy-chat/) in Galaxy's page, run by tests/webhook.py.
//
// Not a real Galaxy (none can run on our machines): a faithful stand-in,
// tests/browser/galaxy.html, which does what Galaxy 23.0 to 26.x does with
// a webhook, read in Galaxy's own source:
//
//   lib/galaxy/webhooks/__init__.py        GET /api/webhooks, built from the
//                                          directory by tests/lib/galaxy_webhooks.py
//   client/src/utils/webhooks.js           the list fetched once, kept by type
//   client/src/components/Masthead/_webhooks.js
//                                          the items; appendScriptStyle at once
//   client/src/utils/utils.js              script.js inline in <head>, before
//                                          the item exists
//   client/src/components/Masthead/Masthead.vue, MastheadItem.vue
//                                          the item rendered later, <li id><a href>
//   the click: ?click=function (23.0-24.1, 24.2.1 and later: function, else
//   url), ?click=none (24.2.0, Galaxy issue #19572: nothing), ?click=link
//   (no handler: the browser follows the link).
//
// The page is served by the chat's own nginx, on the chat's origin (as the
// chat lives under Galaxy's host); "localhost" is the same nginx from another
// origin.  Environment (tests/webhook.py):
//
//   GC_GALAXY_URL     the stand-in Galaxy's root, http://127.0.0.1:PORT/
//   GC_BASE_URL       the chat, GC_GALAXY_URL + "chat/"
//   GC_OTHER_ORIGIN   http://localhost:PORT
//   GC_COOKIE_ALICE, GC_COOKIE_BOB, GC_CONTROL_URL, GC_PLAYWRIGHT_CORE, GC_CHROMIUM

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, chromiumForTests, uniq, until } from './common.mjs';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through tests/webhook.py`);
  return v;
}

const GALAXY = need('GC_GALAXY_URL');
const CHAT = need('GC_BASE_URL');
const API = new URL('api/', CHAT).href;
const OTHER = need('GC_OTHER_ORIGIN');
const COOKIES = { alice: need('GC_COOKIE_ALICE'), bob: need('GC_COOKIE_BOB') };
const CONTROL = need('GC_CONTROL_URL');
const chrome = chromiumForTests();
const api = apiAs(API, COOKIES);

async function control(what) {
  const res = await fetch(`${CONTROL}/${what}`, { method: 'POST' });
  assert.equal(res.status, 200, `${what}: ${await res.text()}`);
}

/** Whether this chat has GET /v1/unread (issue 18): the badge's count needs it. */
async function hasUnread() {
  const res = await fetch(API + 'v1/unread', { headers: { Cookie: 'galaxysession=' + COOKIES.alice } });
  return res.status !== 404;
}

// Chromium itself writes a console line for every answer that is not 2xx
// ("Failed to load resource: the server responded with a status of 503"),
// whoever made the request: a page cannot prevent it, and it is not an
// error of the page's.  Everything else in the console is counted.
const NETWORK_LINE = /^Failed to load resource: (the server responded with a status of \d+|net::ERR_)/;

/**
 * Galaxy's page (the stand-in) as `user` (null: not logged in), `query` its
 * knobs (?click=, ?galaxy=none, ?inject=...).  Returns {page, context,
 * errors, network, chatLoads, unread}: script errors and console output
 * (not Chromium's network lines, which go to `network`), the chat pages the
 * panel loaded, and the badge's requests.
 */
async function openGalaxy(user, { query = '', path = '', viewport = { width: 1200, height: 800 }, ready = true, clock = false } = {}) {
  const context = await chrome.newContext({ viewport });
  if (clock) await context.clock.install();
  const origin = new URL(GALAXY).origin;
  await context.route((url) => url.origin !== origin && url.origin !== OTHER, (route) => route.abort());
  if (user) await context.addCookies([{ name: 'galaxysession', value: COOKIES[user], url: GALAXY }]);
  const page = await context.newPage();
  const g = { page, context, errors: [], network: [], chatLoads: [], unread: [] };
  page.on('pageerror', (e) => g.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    (NETWORK_LINE.test(m.text()) ? g.network : g.errors).push(m.text());
  });
  page.on('dialog', (d) => {
    g.errors.push('dialog: ' + d.message());
    d.dismiss();
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (r.resourceType() === 'document' && u.pathname.endsWith('/chat/')) g.chatLoads.push(r.url());
    // The badge's, from Galaxy's page (the chat in the panel asks too, for its tabs).
    if (u.pathname.endsWith('/api/v1/unread') && r.frame() === page.mainFrame()) g.unread.push(r.url());
  });
  await page.goto(GALAXY + path + query);
  if (ready) await itemShown(page);
  return g;
}

const item = (page) => page.locator('#galaxy-chat > a');
const panelEl = (page) => page.locator('#galaxy-chat-panel');
const frame = (page) => page.frameLocator('#galaxy-chat-panel iframe');
const chatFrame = (page) => page.frame({ name: 'galaxy-chat-panel' });

async function itemShown(page) {
  await until('Galaxy to render its masthead item', () => page.evaluate(() => window.harness && window.harness.ready));
  await until('the item', () => item(page).count());
}

async function panelOpen(page) {
  return (await panelEl(page).count()) > 0 && panelEl(page).isVisible();
}

/** The chat inside the panel has started. */
async function chatReady(page) {
  await until('the chat in the panel', async () => {
    const f = chatFrame(page);
    return f && f.evaluate(() => ['ready', 'unauthorized'].includes(document.getElementById('app').dataset.state));
  }, 20000);
}

const iframes = (page) => page.locator('#galaxy-chat-panel iframe').count();
const badgeState = (page) => page.locator('#galaxy-chat').getAttribute('data-galaxy-chat');
const activeTab = (f) => f.evaluate(() => window.galaxyChat.tabs.active);

/** The badge's state once it has asked: "old" for a chat without GET /v1/unread, else "ok". */
async function settled(page) {
  return until('the badge to ask the chat', async () => {
    const s = await badgeState(page);
    return s && s !== 'unknown' ? s : null;
  });
}

// ------------------------------------------------------------------ tests

test("Galaxy's registry takes the webhook: a masthead item, active, comments icon, tooltip Chat, no click function, nothing secret", async () => {
  const res = await fetch(GALAXY + 'api/webhooks');
  assert.equal(res.status, 200);
  const hooks = await res.json();
  assert.equal(hooks.length, 1, JSON.stringify(hooks.map((h) => h.id)));
  const [h] = hooks;
  assert.equal(h.id, 'galaxy-chat');
  assert.deepEqual(h.type, ['masthead'], 'masthead only: "onload" would inject the script twice');
  assert.equal(h.activate, true);
  assert.equal(h.weight, 1);
  assert.equal(h.config.icon, 'fa-comments');
  assert.equal(h.config.tooltip, 'Chat');
  assert.equal(h.config.url, 'chat/');
  assert.equal('function' in h.config, false, 'no function: Galaxy 24.2.0 never calls it, later ones do');
  assert.ok(h.script.length > 1000 && !h.styles.includes('\n'), 'script.js as it is, styles.css on one line');
  assert.doesNotMatch(JSON.stringify(h), /galaxysession=|id_secret\s*[:=]|x-api-key|[0-9a-f]{32}/i, 'Galaxy serves it to anonymous visitors');
});

for (const click of ['function', 'none', 'link']) {
  test(`click=${click}: the item opens the chat once and closes it, Galaxy's own handler never runs, the page stays`, { timeout: 60000 }, async () => {
    const g = await openGalaxy('alice', { query: '?click=' + click });
    const { page } = g;
    const here = page.url();
    assert.equal(await panelOpen(page), false, 'closed at first');
    await item(page).click();
    await until('the panel', () => panelOpen(page));
    await chatReady(page);
    assert.equal(await iframes(page), 1);
    assert.equal(g.chatLoads.length, 1, 'the chat loaded once: ' + g.chatLoads);
    assert.equal(await page.evaluate(() => window.harness.galaxyClicks), 0, "Galaxy's handler did not run");
    assert.equal(page.url(), here, 'Galaxy did not follow the url');
    assert.equal(await item(page).getAttribute('aria-expanded'), 'true');
    // In the panel, the chat offers its own tab and a close button.
    assert.ok(await frame(page).locator('#popout').isVisible());
    assert.ok(await frame(page).locator('#panel-close').isVisible());

    await item(page).click();
    await until('the panel to close', async () => !(await panelOpen(page)));
    assert.equal(await iframes(page), 0, 'closed, the panel holds no chat (no long poll)');
    assert.equal(await item(page).getAttribute('aria-expanded'), 'false');
    await item(page).click();
    await until('the panel again', () => panelOpen(page));
    assert.equal(await iframes(page), 1);
    assert.equal(await page.evaluate(() => window.harness.galaxyClicks), 0);
    assert.equal(page.url(), here);
    assert.deepEqual(g.errors, []);
  });
}

test('the script injected twice (a re-mounted masthead) still opens the chat once; a re-rendered item keeps its badge', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice', { query: '?click=function&inject=2' });
  const { page } = g;
  assert.equal(await page.evaluate(() => [...document.head.querySelectorAll('script')].filter((x) => x.text.includes('galaxyChatPanel')).length), 2, 'Galaxy injected it twice');
  await settled(page);
  assert.equal(g.unread.length, 1, 'one badge, asking once');
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await page.waitForTimeout(300);
  assert.equal(await panelOpen(page), true, 'toggled once, not twice');
  assert.equal(await page.locator('iframe[name="galaxy-chat-panel"]').count(), 1);
  await item(page).click();
  await until('closed', async () => !(await panelOpen(page)));
  await page.evaluate(() => window.postMessage({ type: 'galaxy-chat:open', room: 'NGS' }, location.origin));
  await until('the panel', () => panelOpen(page));
  await page.waitForTimeout(300);
  assert.equal(await page.locator('iframe[name="galaxy-chat-panel"]').count(), 1, 'one panel took the message');
  await item(page).click();
  await until('closed', async () => !(await panelOpen(page)));

  await page.evaluate(() => window.harness.rerender());
  await until('the badge back in the new item', () => page.locator('#galaxy-chat > a > .galaxy-chat-badge').count());
  assert.ok(await badgeState(page));
  await item(page).click();
  await until('the new item opens it', () => panelOpen(page));
  assert.equal(await page.evaluate(() => window.harness.galaxyClicks), 0);
  assert.deepEqual(g.errors, []);
});

test('a middle click or Ctrl+click opens the chat in a new tab instead, and Galaxy still does nothing', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice', { query: '?click=function' });
  const { page, context } = g;
  const popup = context.waitForEvent('page');
  await item(page).click({ modifiers: ['Control'] });
  const tab = await popup;
  await tab.waitForLoadState('domcontentloaded');
  assert.equal(new URL(tab.url()).pathname, new URL(CHAT).pathname);
  assert.equal(await panelOpen(page), false);
  assert.equal(await page.evaluate(() => window.harness.galaxyClicks), 0);
  assert.deepEqual(g.errors, []);
});

test('the panel: below the masthead, Galaxy usable beside it, resizable by mouse and keys, kept across reloads, Escape closes', { timeout: 90000 }, async () => {
  const g = await openGalaxy('alice');
  const { page } = g;
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  let box = await panelEl(page).boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [1200 - 420, 42, 420, 800 - 42], 'at the right, below the masthead');
  // Galaxy beside it: a button on the left, the masthead's other items.
  await page.locator('#run-tool').click();
  assert.equal(await page.locator('#run-tool').getAttribute('data-clicks'), '1');
  assert.ok(await page.locator('#help a').isVisible());

  // The left edge, by mouse.
  const grip = page.locator('.galaxy-chat-grip');
  const gb = await grip.boundingBox();
  await page.mouse.move(gb.x + gb.width / 2, gb.y + 200);
  await page.mouse.down();
  await page.mouse.move(600, gb.y + 220, { steps: 5 });
  await page.mouse.up();
  box = await panelEl(page).boundingBox();
  assert.equal(box.width, 600, 'dragged to x=600');
  // ... and by keys, within bounds (Galaxy keeps 160 px).
  await grip.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal((await panelEl(page).boundingBox()).width, 576);
  await page.keyboard.press('End');
  assert.equal((await panelEl(page).boundingBox()).width, 1200 - 160);
  await page.keyboard.press('Home');
  assert.equal((await panelEl(page).boundingBox()).width, 320);
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowLeft');
  assert.equal(await grip.getAttribute('aria-valuenow'), String(320 + 6 * 24));

  // A reload: open again, same width, the chat loaded (without taking the focus).
  await page.reload();
  await itemShown(page);
  await until('the panel after the reload', () => panelOpen(page));
  box = await panelEl(page).boundingBox();
  assert.deepEqual([box.y, box.width], [42, 320 + 6 * 24], 'below the masthead, as wide as it was');
  await chatReady(page);
  assert.equal(await item(page).getAttribute('aria-expanded'), 'true');

  // Escape in the chat (its composer, empty) closes the panel, and the focus goes back to the item.
  await frame(page).locator('#input').focus();
  await page.keyboard.press('Escape');
  await until('Escape to close it', async () => !(await panelOpen(page)));
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.closest('#galaxy-chat') !== null), true, 'focus back on the item');
  // Escape in Galaxy's page closes it too; text typed in the chat is not thrown away by it.
  await item(page).click();
  await until('open', () => panelOpen(page));
  await chatReady(page);
  await frame(page).locator('#input').fill('half a question');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  assert.equal(await panelOpen(page), true, 'Escape with text in the box keeps the panel');
  await page.locator('#run-tool').focus();
  await page.keyboard.press('Escape');
  await until('Escape in Galaxy to close it', async () => !(await panelOpen(page)));
  // The chat's own close button.
  await item(page).click();
  await until('open', () => panelOpen(page));
  await chatReady(page);
  await frame(page).locator('#panel-close').click();
  await until('its close button to close it', async () => !(await panelOpen(page)));

  await page.reload();
  await itemShown(page);
  await page.waitForTimeout(500);
  assert.equal(await panelOpen(page), false, 'closed stays closed');
  assert.deepEqual(g.errors, []);
});

test('a narrow window: the panel takes the whole width, and the chat fits', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice', { viewport: { width: 400, height: 700 } });
  const { page } = g;
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  const box = await panelEl(page).boundingBox();
  assert.deepEqual([box.x, box.width], [0, 400]);
  assert.equal(await page.locator('.galaxy-chat-grip').isVisible(), false, 'nothing to resize');
  const f = chatFrame(page);
  assert.equal(await f.evaluate(() => document.documentElement.scrollWidth), 400, 'no sideways scrolling in the chat');
  for (const sel of ['#online-toggle', '#popout', '#panel-close', '#input', '.composer .send']) {
    const b = await f.locator(sel).boundingBox();
    assert.ok(b && b.x >= 0 && b.x + b.width <= 400, `${sel} inside: ${JSON.stringify(b)}`);
  }
  assert.deepEqual(g.errors, []);
});

test('the panel at its narrowest, 320 px: the chat fits, its panel buttons too', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice');
  const { page } = g;
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  await page.locator('.galaxy-chat-grip').focus();
  await page.keyboard.press('Home');
  assert.equal((await panelEl(page).boundingBox()).width, 320);
  const f = chatFrame(page);
  const w = await f.evaluate(() => window.innerWidth);
  assert.ok(w >= 318 && w <= 320, 'the chat is ' + w + ' px wide');
  assert.equal(await f.evaluate(() => document.documentElement.scrollWidth), w, 'no sideways scrolling');
  const p = await panelEl(page).boundingBox();
  for (const sel of ['.tabs-scroll', '#search-toggle', '#online-toggle', '#popout', '#panel-close', '#input', '.composer .send']) {
    const b = await f.locator(sel).boundingBox();
    assert.ok(b && b.x >= p.x && b.x + b.width <= p.x + p.width, `${sel} inside the panel: ${JSON.stringify(b)}`);
  }
  assert.ok((await f.locator('.tabs-scroll').boundingBox()).width >= 100, 'room for the tabs');
  assert.deepEqual(g.errors, []);
});

test("\"open in its own tab\": the chat where I was, and the panel closes", { timeout: 60000 }, async () => {
  const room = 'popout-' + uniq();
  await api('alice', 'POST', `v1/rooms/${encodeURIComponent(room)}/join`, {});
  const g = await openGalaxy('alice');
  const { page, context } = g;
  await page.evaluate((r) => window.postMessage({ type: 'galaxy-chat:open', room: r }, location.origin), room);
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  await until('the room', async () => (await activeTab(chatFrame(page))) === 'room:' + room);
  const popup = context.waitForEvent('page');
  await frame(page).locator('#popout').click();
  const tab = await popup;
  await until('the chat in its tab, in the room', () => tab.evaluate(() => window.galaxyChat && window.galaxyChat.tabs.active).then((a) => a === 'room:' + room));
  assert.equal(await tab.locator('#popout').isVisible(), false, 'in its own tab: no panel buttons');
  await until('the panel to close', async () => !(await panelOpen(page)));
  assert.deepEqual(g.errors, []);
});

test('deep links from Galaxy: a link in its page, a postMessage of its origin (not of another), a draft never sent', { timeout: 90000 }, async () => {
  const g = await openGalaxy('alice');
  const { page } = g;
  // The "Ask in chat" link in the tool help: chat/#room=Tool%20help&draft=...
  await page.locator('#ask').click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  const f = chatFrame(page);
  await until('the room of the link', async () => (await activeTab(f)) === 'room:Tool help');
  assert.equal(await f.locator('#input').inputValue(), 'How do I set the k-mer size?');
  assert.equal(page.url(), GALAXY, 'Galaxy did not navigate');
  assert.ok((await api('alice', 'GET', 'v1/me')).rooms.some((r) => r.name === 'Tool help' && r.joined), 'joined');

  // Galaxy's own page asks (its welcome page would do the same from its frame).
  await page.evaluate(() => window.postMessage({ type: 'galaxy-chat:open', dm: 'bob', draft: 'Hi bob, about job 42' }, location.origin));
  await until('the DM', async () => (await activeTab(f)) === 'dm:bob');
  assert.equal(await f.locator('#input').inputValue(), 'Hi bob, about job 42');
  assert.equal(g.chatLoads.length, 1, 'the open chat followed the link in place');

  // Another origin's page cannot open, steer or close it.
  await page.evaluate((src) => new Promise((resolve) => {
    const x = document.createElement('iframe');
    x.src = src;
    x.onload = resolve;
    document.body.appendChild(x);
  }), OTHER + '/evil.html');
  await page.waitForTimeout(500);
  assert.equal(await panelOpen(page), true, 'not closed from elsewhere');
  assert.equal(await activeTab(f), 'dm:bob', 'not steered from elsewhere');
  assert.ok(!(await api('alice', 'GET', 'v1/me')).rooms.some((r) => r.name === 'evil' && r.joined));

  // A closed panel opens at the link: the welcome page's link of doc/deploying.md.
  await item(page).click();
  await until('closed', async () => !(await panelOpen(page)));
  await page.frameLocator('#welcome').getByRole('link', { name: 'Ask in the NGS room' }).click();
  await until('the panel at NGS', async () => {
    const fr = chatFrame(page);
    return fr && (await panelOpen(page)) && (await fr.evaluate(() => window.galaxyChat && window.galaxyChat.tabs.active).catch(() => null)) === 'room:NGS';
  }, 20000);
  assert.equal(await chatFrame(page).locator('#input').inputValue(), 'A question about my RNA-seq run:');
  assert.equal(g.context.pages().length, 1, 'no new tab either');

  // Nothing was sent by any of it.
  await page.waitForTimeout(1000);
  const drafts = ['How do I set the k-mer size?', 'Hi bob, about job 42', 'A question about my RNA-seq run:'];
  for (const room of ['Tool help', 'NGS']) {
    const h = await api('alice', 'GET', `v1/rooms/${encodeURIComponent(room)}/messages?limit=50`);
    assert.equal(h.events.filter((e) => drafts.includes(e.text)).length, 0, 'no draft sent in ' + room);
  }
  assert.deepEqual(g.errors, []);
});

test('the badge: asks the chat once at load, not while the panel is open, at once when it closes, and on focus', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice');
  const { page } = g;
  const state = await settled(page);
  const unread = await hasUnread();
  assert.equal(state, unread ? 'ok' : 'old', 'a chat without GET /v1/unread: no count, no error');
  assert.equal(g.unread.length, 1, 'one request at load');
  assert.equal(await page.locator('.galaxy-chat-badge').isVisible(), false, 'nothing unread');
  assert.equal(await item(page).getAttribute('aria-label'), 'Chat');
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.waitForTimeout(500);
  assert.equal(g.unread.length, 1, 'none while the panel is open (the chat in it is polling)');
  await item(page).click();
  await until('a request as the panel closes', () => g.unread.length === 2);
  await page.waitForTimeout(2100); // focus refreshes are at least 2 s apart
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await until('a request when the window regains focus', () => g.unread.length === 3);
  assert.deepEqual(g.errors, []);
});

test('the chat down: the icon says it is not available (no error), asks again every 30 s, and is back when the chat is', { timeout: 90000 }, async () => {
  await control('stop_chat');
  let g;
  try {
    g = await openGalaxy('alice', { clock: true });
    const { page } = g;
    assert.equal(await settled(page), 'unavailable');
    assert.equal(await page.locator('.galaxy-chat-badge').textContent(), '!');
    assert.equal(await item(page).getAttribute('aria-label'), 'Chat: not available right now');
    const n = g.unread.length;
    await page.clock.fastForward(31000);
    await until('another request after 30 s', () => g.unread.length === n + 1);
  } finally {
    await control('start_chat');
  }
  const { page } = g;
  await page.clock.fastForward(31000);
  await until('the chat back', async () => ['old', 'ok'].includes(await badgeState(page)), 20000);
  assert.equal(await page.locator('.galaxy-chat-badge').isVisible(), false);
  assert.equal(await item(page).getAttribute('aria-label'), 'Chat');
  assert.deepEqual(g.errors, []);
  // 503s while the chat was down; a chat without GET /v1/unread answers 404 there.
  assert.ok(g.network.every((l) => /status of (503|404)/.test(l)), 'Chromium\'s network lines: ' + g.network);
});

test('not logged in to Galaxy: the icon asks to log in, and so does the chat in the panel', { timeout: 60000 }, async () => {
  const g = await openGalaxy(null);
  const { page } = g;
  assert.equal(await settled(page), 'login');
  assert.equal(await item(page).getAttribute('aria-label'), 'Chat: log in to Galaxy to chat');
  assert.equal(await page.locator('.galaxy-chat-badge').isVisible(), false);
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await until('the login notice', () => frame(page).getByRole('heading', { name: 'Please log in to Galaxy' }).isVisible());
  assert.deepEqual(g.errors, []);
});

test('no chat under this Galaxy (a Galaxy at /elsewhere/ without one): not available, no error', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice', { path: 'elsewhere/' });
  const { page } = g;
  assert.equal(await settled(page), 'unavailable');
  assert.ok(g.unread.every((u) => new URL(u).pathname === '/elsewhere/chat/api/v1/unread'), 'the chat beside Galaxy.root: ' + g.unread);
  assert.deepEqual(g.errors, []);
});

test('without a Galaxy global the chat is at /chat/', { timeout: 60000 }, async () => {
  const g = await openGalaxy('alice', { query: '?galaxy=none' });
  const { page } = g;
  assert.equal(await page.evaluate(() => typeof window.Galaxy), 'undefined');
  assert.ok(['old', 'ok'].includes(await settled(page)));
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  assert.equal(new URL(chatFrame(page).url()).pathname, '/chat/');
  assert.deepEqual(g.errors, []);
});

test('the badge counts a mention and a direct message, and clears once they are read', { timeout: 90000 }, async () => {
  const room = 'badge-' + uniq();
  await api('alice', 'POST', `v1/rooms/${encodeURIComponent(room)}/join`, {});
  await api('bob', 'POST', `v1/rooms/${encodeURIComponent(room)}/join`, {});
  const g = await openGalaxy('alice');
  const { page } = g;
  assert.equal(await settled(page), 'ok');
  assert.equal(await page.locator('.galaxy-chat-badge').isVisible(), false);
  const mention = await api('bob', 'POST', 'v1/messages', { room, text: '@alice could you look at my history?', client_id: 'b-' + uniq() });
  const plain = await api('bob', 'POST', 'v1/messages', { room, text: 'no mention in this one', client_id: 'b-' + uniq() });
  const dm = await api('bob', 'POST', 'v1/messages', { to: 'alice', text: 'and a direct message', client_id: 'b-' + uniq() });
  await page.waitForTimeout(2100);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await until('the count', async () => (await page.locator('.galaxy-chat-badge').textContent()) === '2');
  assert.equal(await item(page).getAttribute('aria-label'), 'Chat: 2 unread (mentions and direct messages)');
  // Reading them in the panel: the badge hides while open, and is gone when it closes.
  await item(page).click();
  await until('the panel', () => panelOpen(page));
  await chatReady(page);
  assert.equal(await page.locator('.galaxy-chat-badge').isVisible(), false, 'hidden while the panel is open');
  const f = chatFrame(page);
  await f.evaluate((r) => window.galaxyChat.tabs.activate('room:' + r), room);
  await until('the mention shown', () => f.locator('li.msg', { hasText: 'could you look' }).count());
  // The chat reads them as they are shown (POST /v1/read), the room's before
  // its tab is left; the direct message, sent before the chat opened, has
  // its tab from GET /v1/unread.
  const unread = () => api('alice', 'GET', 'v1/unread');
  // The reader looks at the panel (a click in it focuses the chat's window),
  // again while the marker has not gone: the first look may come before the
  // room's messages are laid out at its end on a loaded machine.
  const look = () => f.evaluate(() => window.dispatchEvent(new Event('focus')));
  try {
    await until('the room read on the server', async () => {
      await look();
      return (await unread()).rooms.find((r) => r.name === room).read >= plain.id;
    }, 30000);
  } catch (e) {
    // what the chat's reading rules saw, for the log
    const state = await f.evaluate((r) => {
      const c = window.galaxyChat; const t = c.tabs.get('room:' + r); const a = c.attention;
      const conv = a.counts.convs.get('room:' + r);
      const sc = t.conv.scroller;
      return JSON.stringify({ active: c.tabs.active, dividerDue: t.dividerDue, looking: a.looking(), hidden: document.hidden,
        known: a.counts.known(t.key), settled: conv && conv.settled, read: conv && conv.read, ids: conv && [...conv.ids.keys()],
        atBottom: c.convs.atBottom(t), stick: t.stick, sh: sc.scrollHeight, st: sc.scrollTop, ch: sc.clientHeight,
        nodes: [...t.nodes.keys()], queue: [...a.queue.entries()], sending: a.sending, online: c.state.online, gate: !!c.shell.gate });
    }, room);
    throw new Error(e.message + ' ' + state);
  }
  await until('the direct message\'s tab', () => f.evaluate(() => window.galaxyChat.tabs.has('dm:bob')));
  await f.evaluate(() => window.galaxyChat.tabs.activate('dm:bob'));
  await until('the direct message shown', () => f.locator('li.msg', { hasText: 'and a direct message' }).count());
  await until('the direct message read on the server', async () => {
    await look();
    return !(await unread()).direct.some((d) => d.with === 'bob');
  }, 30000);
  assert.ok(mention.id < plain.id && dm.id > plain.id);
  await item(page).click();
  await until('closed', async () => !(await panelOpen(page)));
  await until('the badge cleared', async () => !(await page.locator('.galaxy-chat-badge').isVisible()) && (await badgeState(page)) === 'ok');
  assert.deepEqual(g.errors, []);
});
