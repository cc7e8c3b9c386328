// Browser tests of what the client does with unread state (issue 18):
// counts on every tab and in the title from GET /v1/unread, kept by the
// events; the "new messages" divider; read markers sent as the reader reads
// (batched, and clearing the counts of the reader's other tabs through the
// read event); mentions marked; @-completion with the keyboard; browser
// notifications, one per message across tabs, none for one's own, a click
// opening the message; the settings menu.  tests/browser_attention.py
// starts a ChatEnv of its own for this file and runs it with:
//
//   GC_BASE_URL         the page, e.g. http://127.0.0.1:PORT/chat/
//   GC_API_URL          the API root (default: GC_BASE_URL + "api/")
//   GC_COOKIES          user=cookie,... (galaxysession values)
//   GC_PLAYWRIGHT_CORE, GC_CHROMIUM   as for chat.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, chromiumForTests, uniq, until } from './common.mjs';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through tests/browser_attention.py`);
  return v;
}

const BASE = need('GC_BASE_URL');
const API = process.env.GC_API_URL || new URL('api/', BASE).href;
const COOKIES = Object.fromEntries(need('GC_COOKIES').split(',').map((kv) => kv.split('=')));
const chrome = chromiumForTests();
const api = apiAs(API, COOKIES);

const say = (user, room, text) => api(user, 'POST', 'v1/messages', { room, text, client_id: 't-' + uniq() + uniq() });
const dm = (user, to, text) => api(user, 'POST', 'v1/messages', { to, text, client_id: 't-' + uniq() + uniq() });
const join = (user, room) => api(user, 'POST', `v1/rooms/${encodeURIComponent(room)}/join`, {});

// Everyone has used the chat once: a name mentions only someone the chat has seen.
for (const u of Object.keys(COOKIES)) await api(u, 'GET', 'v1/me');

/** Records every Notification the page makes (the real ones, shown by the browser as well). */
function spyNotifications() {
  const Real = window.Notification;
  if (!Real) return;
  window.__notes = [];
  class Spy extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options && options.body, tag: options && options.tag, n: this });
    }
  }
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  Spy.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Spy;
}

/** A page of `user`'s in `context` (new when not given), ready and following the events. */
async function openAs(user, { context, permissions } = {}) {
  if (!context) {
    context = await chrome.newContext({ viewport: { width: 1000, height: 640 }, permissions });
    await context.route((url) => !url.href.startsWith(new URL(BASE).origin) && !url.href.startsWith(API), (route) => route.abort());
    await context.addCookies([{ name: 'galaxysession', value: COOKIES[user], url: BASE }]);
    await context.addInitScript(spyNotifications);
  }
  const page = await context.newPage();
  const errors = [];
  const reads = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/v1/read')) reads.push(JSON.parse(r.postData()));
  });
  await page.goto(BASE);
  await until('the chat to be ready', () => page.evaluate(() => document.getElementById('app').dataset.state === 'ready'), 30000);
  await until('the events followed', () => page.evaluate(() => window.galaxyChat.transport.state === 'ok'));
  return { context, page, errors, reads };
}

const tab = (page, label) => page.locator('[role=tab]').filter({ has: page.locator('.tab-label', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
const panel = (page) => page.locator('[role=tabpanel]:not([hidden])');
const badge = (page, label) => tab(page, label).locator('.badge');
const atBadge = (page, label) => tab(page, label).locator('.at-badge');
const badgeText = async (loc) => ((await loc.isVisible()) ? loc.textContent() : '');

/** The page as if another browser tab were in front (or back again). */
async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    if (h) {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    } else {
      delete document.hidden;
      delete document.visibilityState;
    }
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

async function unreadOf(user, room) {
  const r = await api(user, 'GET', 'v1/unread');
  return r.rooms.find((x) => x.name === room);
}

// ------------------------------------------------------------------ tests

test('at load: counts on the tabs and in the title from the server; opening the room shows the divider, marks the mention, and reads it all in one request', { timeout: 90000 }, async () => {
  const room = 'divider-' + uniq();
  await join('alice', room);
  await join('bob', room);
  const before = await say('bob', room, 'said before I looked away');
  await api('alice', 'POST', 'v1/read', { room, id: before.id });
  const first = await say('bob', room, 'first unread ' + uniq());
  await say('bob', room, '@alice can you look at this history?');
  await say('bob', room, 'third unread');
  const alice = await openAs('alice');
  const { page } = alice;
  await until('the room\'s count', async () => (await badgeText(badge(page, room))) === '3');
  assert.equal(await badgeText(atBadge(page, room)), '@1', 'one mentions me');
  assert.equal(await page.title(), '(3) galaxy-chat');
  assert.match(await tab(page, room).textContent(), /3 unread, 1 mentioning you/, 'said to screen readers too');
  assert.deepEqual(alice.reads.filter((r) => r.room === room), [], 'nothing read before the room is opened');

  await tab(page, room).click();
  const divider = panel(page).locator('li.unread-divider');
  await until('the divider', () => divider.count());
  assert.equal(await divider.textContent(), '3 new messages');
  const after = await divider.evaluate((d) => d.nextElementSibling.dataset.id);
  assert.equal(Number(after), first.id, 'over the first unread message');
  const mention = panel(page).locator('li.msg.mentions-me');
  assert.equal(await mention.count(), 1, 'the message that mentions me is marked');
  assert.equal(await mention.locator('.mention-me').textContent(), '@alice');

  await until('the count gone', async () => !(await badge(page, room).isVisible()));
  assert.equal(await page.title(), 'galaxy-chat');
  await until('the marker on the server', async () => (await unreadOf('alice', room)).unread === 0);
  await page.waitForTimeout(800);
  const mine = alice.reads.filter((r) => r.room === room);
  assert.equal(mine.length, 1, 'one POST /v1/read for the three: ' + JSON.stringify(mine));
  assert.ok(mine[0].id > first.id);
  assert.equal(await divider.count(), 1, 'the divider stays while the room is open');
  await tab(page, 'all').click();
  await tab(page, room).click();
  assert.equal(await panel(page).locator('li.unread-divider').count(), 0, 'and is gone once it is read and opened again');
  assert.deepEqual(alice.errors, []);
});

test('live counts, and reading in one tab clears them in the other', { timeout: 90000 }, async () => {
  const room = 'twotabs-' + uniq();
  await join('alice', room);
  await join('bob', room);
  const one = await openAs('alice');
  const two = await openAs('alice', { context: one.context });
  await say('bob', room, 'hello twice ' + uniq());
  await say('bob', room, 'and @alice again');
  for (const p of [one.page, two.page]) {
    await until('the count in both tabs', async () => (await badgeText(badge(p, room))) === '2');
    assert.equal(await badgeText(atBadge(p, room)), '@1');
  }
  const title = await two.page.title();
  assert.match(title, /^\(\d+\) galaxy-chat$/);
  await tab(one.page, room).click();
  await until('read in the first tab', async () => !(await badge(one.page, room).isVisible()));
  await until('cleared in the second by the read event', async () => !(await badge(two.page, room).isVisible()) && !(await atBadge(two.page, room).isVisible()), 20000);
  assert.equal(await two.page.title(), 'galaxy-chat');
  assert.deepEqual(two.reads, [], 'the second tab sent nothing');
  assert.deepEqual([...one.errors, ...two.errors], []);
});

test('the active room is read only while the page is looked at and scrolled to its end', { timeout: 90000 }, async () => {
  const room = 'looking-' + uniq();
  await join('alice', room);
  await join('bob', room);
  const alice = await openAs('alice');
  const { page } = alice;
  await tab(page, room).click();
  await setHidden(page, true);
  await say('bob', room, 'while you were away ' + uniq());
  await until('the title to count it', async () => (await page.title()) === '(1) galaxy-chat');
  assert.equal(await badgeText(badge(page, room)), '1', 'the active tab counts it too');
  assert.equal((await unreadOf('alice', room)).unread, 1, 'not read on the server');
  await setHidden(page, false);
  await until('read once looked at', async () => (await page.title()) === 'galaxy-chat');
  assert.equal(await panel(page).locator('li.unread-divider').count(), 1, 'the divider shows where I was');
  await until('the marker on the server', async () => (await unreadOf('alice', room)).unread === 0);

  // Scrolled up: what arrives is not read until the end is in view.
  // (bob may post 20 messages in 10 s)
  for (let i = 0; i < 12; i++) await say('bob', room, `lines ${i}\n` + 'more\n'.repeat(5));
  await until('the lines', async () => (await panel(page).locator('li.msg').count()) >= 13);
  await panel(page).locator('.scroller').evaluate((s) => { s.scrollTop = 0; });
  await page.waitForTimeout(500);
  await say('bob', room, 'below the fold');
  await until('counted while scrolled up', async () => (await badgeText(badge(page, room))) === '1');
  await panel(page).locator('.scroller').evaluate((s) => { s.scrollTop = s.scrollHeight; });
  await until('read at the end', async () => !(await badge(page, room).isVisible()));
  assert.deepEqual(alice.errors, []);
});

test('@-completion: the room\'s people, with the keys; Enter takes a name and sends nothing', { timeout: 90000 }, async () => {
  const room = 'complete-' + uniq();
  for (const u of ['alice', 'carol', 'carla', 'bob']) await join(u, room);
  await say('carol', room, 'carol was here');
  await say('carla', room, 'carla too');
  const alice = await openAs('alice');
  const { page } = alice;
  await tab(page, room).click();
  await until('the history', async () => (await panel(page).locator('li.msg').count()) >= 2);
  const box = page.locator('#input');
  await box.click();
  await box.pressSequentially('thanks @car');
  const list = page.locator('#mention-list');
  await until('the list', () => list.isVisible());
  assert.deepEqual(await list.locator('[role=option]').allTextContents(), ['@carla', '@carol']);
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  assert.equal(await list.locator('[aria-selected=true]').textContent(), '@carla');
  await box.press('ArrowDown');
  assert.equal(await list.locator('[aria-selected=true]').textContent(), '@carol');
  assert.equal(await box.getAttribute('aria-activedescendant'), await list.locator('[aria-selected=true]').getAttribute('id'));
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'thanks @carol ', 'the name taken, nothing sent');
  assert.equal(await list.isVisible(), false);
  await box.pressSequentially('and @x');
  assert.equal(await list.isVisible(), false, 'no one by that name');
  await box.press('Backspace');
  await until('the list again', () => list.isVisible());
  await box.press('Escape');
  assert.equal(await list.isVisible(), false, 'Escape closes it');
  assert.equal(await box.inputValue(), 'thanks @carol and @', 'and keeps the text');
  await box.pressSequentially('nyone');
  await box.press('Enter');
  const text = 'thanks @carol and @nyone';
  const history = () => api('carol', 'GET', `v1/rooms/${encodeURIComponent(room)}/messages`);
  await until('sent', async () => (await history()).events.some((e) => e.text === text));
  const sent = (await history()).events.find((e) => e.text === text);
  assert.deepEqual(sent.mentions, ['carol']);
  assert.deepEqual(alice.errors, []);
});

test('notifications: opt-in from the settings menu; one per mention or direct message across two hidden tabs, none for my own, a click opens it', { timeout: 120000 }, async () => {
  const room = 'notify-' + uniq();
  await join('alice', room);
  await join('bob', room);
  const one = await openAs('alice', { permissions: ['notifications'] });
  const two = await openAs('alice', { context: one.context });
  const { page } = one;

  // The menu, with the keyboard.
  await page.locator('#settings-toggle').click();
  const notifyBox = page.getByLabel('Notify me in this browser of mentions and direct messages');
  await until('the menu', () => notifyBox.isVisible());
  assert.equal(await notifyBox.isChecked(), false, 'off until asked for');
  await notifyBox.press('Space');
  await until('on', () => notifyBox.isChecked());
  const emailBox = page.getByLabel('Email me mentions and direct messages I have not read');
  await until('the email setting read', async () => !(await emailBox.isDisabled()));
  assert.equal(await emailBox.isChecked(), true, 'emails by default');
  await emailBox.click();
  await until('the email setting saved', async () => (await api('alice', 'GET', 'v1/me/settings')).email === 'off');
  await emailBox.click();
  await until('and back', async () => (await api('alice', 'GET', 'v1/me/settings')).email === 'mentions');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#settings').isVisible(), false, 'Escape closes the menu');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'settings-toggle', 'and the focus goes back');
  assert.equal(await two.page.evaluate(() => window.galaxyChat.notifier.enabled), true, 'the other tab of this browser follows the choice');

  const notes = async () => (await one.page.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag }))))
    .concat(await two.page.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag }))));
  await say('bob', room, 'shown while I look: no notification @alice');
  await page.waitForTimeout(1500);
  assert.deepEqual(await notes(), [], 'none while the page is seen');

  await setHidden(one.page, true);
  await setHidden(two.page, true);
  const d = await dm('bob', 'alice', 'a direct question');
  const m = await say('bob', room, '@alice the job failed');
  await say('bob', room, 'a plain message');
  await say('alice', room, 'my own @alice note');
  await dm('alice', 'bob', 'my own direct message');
  await until('two notifications', async () => (await notes()).length >= 2);
  await one.page.waitForTimeout(2000);
  const got = await notes();
  assert.deepEqual(got.map((n) => n.tag).sort(), ['galaxy-chat-' + d.id, 'galaxy-chat-' + m.id].sort(), 'one per message, from one tab: ' + JSON.stringify(got));
  assert.deepEqual(got.find((n) => n.tag === 'galaxy-chat-' + d.id), { title: 'bob (direct message)', body: 'a direct question', tag: 'galaxy-chat-' + d.id });
  assert.deepEqual(got.find((n) => n.tag === 'galaxy-chat-' + m.id), { title: 'bob in ' + room, body: '@alice the job failed', tag: 'galaxy-chat-' + m.id });

  // A click opens the message, in the tab that showed it.
  const holder = (await one.page.evaluate((tag) => window.__notes.some((n) => n.tag === tag), 'galaxy-chat-' + m.id)) ? one.page : two.page;
  await setHidden(holder, false);
  await holder.evaluate((tag) => window.__notes.find((n) => n.tag === tag).n.dispatchEvent(new Event('click')), 'galaxy-chat-' + m.id);
  await until('the room opened', async () => (await tab(holder, room).getAttribute('aria-selected')) === 'true');
  await until('the message marked', () => panel(holder).locator(`li.msg.linked[data-id="${m.id}"]`).count());
  assert.deepEqual([...one.errors, ...two.errors], []);
});
