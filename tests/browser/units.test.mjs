// Node-side tests of the web client: its modules straight from www/, no
// browser, no server.  tests/client.py runs this file from the source tree
// and from a copy of it under a folder whose package.json says CommonJS.
//
//   node --test tests/browser/units.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const www = new URL('../../www/js/', import.meta.url);
const text = await import(new URL('text.js', www));
const apiMod = await import(new URL('api.js', www));
const retry = await import(new URL('retry.js', www));

test('every module of www/js loads as an ES module, wherever the tree sits', async () => {
  const files = readdirSync(fileURLToPath(www)).filter((f) => f.endsWith('.js')).sort();
  assert.ok(files.length >= 10, `the modules: ${files}`);
  for (const f of files) {
    const m = await import(new URL(f, www));
    assert.ok(Object.keys(m).length > 0, `${f} exports something`);
  }
});


test("Galaxy's iframe parameters: by position, HTML-escaped, not URL-encoded", () => {
  const p = text.galaxyParams;
  assert.deepEqual(p('?username=alice&persistent_communication_rooms=NGS,RNA-Seq'), { username: 'alice', rooms: ['NGS', 'RNA-Seq'] });
  assert.deepEqual(p('?username=a&amp;b&persistent_communication_rooms=R&amp;D,Genome%20Annotation,&lt;x&gt;'),
    { username: 'a&b', rooms: ['R&D', 'Genome Annotation', '<x>'] });
  assert.deepEqual(p('?u=bob&r=NGS,%20NGS%20,,'), { username: 'bob', rooms: ['NGS'] }, 'by position, trimmed, once each');
  assert.deepEqual(p('?username=bob&persistent_communication_rooms=ok,bad%01room,' + 'x'.repeat(65)), { username: 'bob', rooms: ['ok'] });
  assert.deepEqual(p(''), { username: null, rooms: [] });
  assert.deepEqual(p('?username=%E0%A4%A'), { username: '%E0%A4%A', rooms: [] }, 'a broken escape is kept as it is');
});

test('deep links: #room=, #dm=, #msg=, &draft=, percent-encoded; what is malformed is left out', () => {
  const p = text.parseLink;
  assert.deepEqual(p('#room=NGS'), { room: 'NGS' });
  assert.deepEqual(p('#room=Tool%20help&draft=How%20do%20I%20run%20HISAT2%3F%20%23%26'), { room: 'Tool help', draft: 'How do I run HISAT2? #&' });
  assert.deepEqual(p('#dm=bob'), { dm: 'bob' });
  assert.deepEqual(p('#dm=user%2342&draft=hi'), { dm: 'user#42', draft: 'hi' }, "a Galaxy user without a username, by handle");
  assert.deepEqual(p('#msg=1234'), { msg: 1234 });
  assert.deepEqual(p('#room=NGS&msg=17'), { room: 'NGS', msg: 17 });
  assert.deepEqual(p('#dm=bob&room=NGS'), { dm: 'bob' }, 'one place: dm before room');
  assert.deepEqual(p('#room=' + 'x'.repeat(65) + '&msg=0&dm=a%01b'), null);
  assert.deepEqual(p('#msg=1e3'), null);
  assert.deepEqual(p('#msg=-4'), null);
  assert.deepEqual(p('#draft=%20%20'), null, 'an empty draft is none');
  assert.deepEqual(p('#draft=just%20this'), { draft: 'just this' }, 'a draft for wherever the chat is');
  assert.equal(p('#draft=' + 'y'.repeat(20000)).draft.length, 10000);
  assert.deepEqual(p('#%E0%A4%A=1&room=%'), { room: '%' }, 'a lone % is itself, a broken key nothing');
  assert.deepEqual(p(''), null);
  assert.deepEqual(p('#'), null);
  for (const link of [{ room: 'R&D <lab> #1' }, { dm: '__proto__', draft: 'a+b=c & 100%' }, { room: 'NGS', msg: 99, draft: '🧬\nline two' }]) {
    assert.deepEqual(p(text.linkHash(link)), link, 'linkHash is read back as it was: ' + JSON.stringify(link));
  }
  assert.equal(text.linkHash({}), '');
});

test('room names: 1 to 64 printable characters', () => {
  assert.equal(text.roomNameProblem('NGS'), null);
  assert.equal(text.roomNameProblem('🧬'.repeat(64)), null, 'characters, not bytes');
  assert.ok(text.roomNameProblem(''));
  assert.ok(text.roomNameProblem('x'.repeat(65)));
  assert.ok(text.roomNameProblem('a\tb'));
  assert.ok(text.roomNameProblem('a\u0085b'));
});

test('Retry-After in seconds or as a date', () => {
  assert.equal(apiMod.parseRetryAfter('3'), 3000);
  assert.equal(apiMod.parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10000);
  assert.equal(apiMod.parseRetryAfter('soon'), null);
  assert.equal(apiMod.parseRetryAfter(null), null);
});

test('backoff: 1 s doubling to at most 15 s, up to a quarter shorter at random', () => {
  for (let i = 0; i < 50; i++) {
    const first = retry.backoff(0);
    assert.ok(first >= 750 && first <= 1000, `first: ${first}`);
    const late = retry.backoff(30);
    assert.ok(late >= 11250 && late <= 15000, `late: ${late}`);
  }
});

const cards = await import(new URL('cards.js', www));
const { CardLoader } = await import(new URL('cardloader.js', www));

test('links in text: as written, the sentence\'s punctuation left out, only http(s)', () => {
  const links = text.findLinks('see https://a.example/x?id=1, (https://b.example/y_(z)) and ftp://c.example/ javascript:alert(1)');
  assert.deepEqual(links.map((l) => l.text), ['https://a.example/x?id=1', 'https://b.example/y_(z)']);
  assert.equal(links[0].index, 4);
  assert.equal(text.findLinks('HTTPS://A.EXAMPLE/P')[0].href, 'https://a.example/P');
});

test('Galaxy links: only those under galaxy_url (origin and path prefix), each once', () => {
  const site = cards.siteOf('https://galaxy.example.org/galaxy/');
  assert.deepEqual(site, { origin: 'https://galaxy.example.org', path: '/galaxy' });
  const t = [
    'https://galaxy.example.org/galaxy/histories/view?id=1', 'https://GALAXY.example.org:443/galaxy/u/a/h/s',
    'https://galaxy.example.org/histories/view?id=1', 'https://galaxy.example.org/galaxyx/histories/view?id=1',
    'http://galaxy.example.org/galaxy/histories/view?id=1', 'https://galaxy.example.org.evil.example/galaxy/x',
    'https://galaxy.example.org@evil.example/galaxy/x', 'https://evil.example@galaxy.example.org/galaxy/x',
    'https://galaxy.example.org:8443/galaxy/x', 'https://galaxy.example.org/galaxy/histories/view?id=1.',
  ].join(' ');
  assert.deepEqual(cards.galaxyLinks(t, site), ['https://galaxy.example.org/galaxy/histories/view?id=1', 'https://GALAXY.example.org:443/galaxy/u/a/h/s']);
  assert.deepEqual(cards.galaxyLinks('https://usegalaxy.example/x', cards.siteOf('https://usegalaxy.example')), ['https://usegalaxy.example/x']);
  assert.deepEqual(cards.galaxyLinks(t, null), [], 'no galaxy_url: no Galaxy links');
  assert.equal(cards.siteOf(null), null);
  assert.equal(cards.siteOf('javascript:alert(1)'), null);
});

test('sizes as Galaxy writes them; states in Galaxy\'s statuses', () => {
  assert.deepEqual([0, 340, 1023, 1024, 1536, 1048576 * 2.25, 1024 ** 4 * 3].map(cards.humanSize),
    ['0 B', '340 B', '1023 B', '1 KB', '1.5 KB', '2.3 MB', '3 TB']);
  assert.equal(cards.humanSize(null), null);
  assert.equal(cards.humanSize(-1), null);
  assert.deepEqual(['ok', 'empty', 'error', 'failed_metadata', 'running', 'queued', 'new', 'paused', 'deleted', 'whatever', '__proto__', 'constructor'].map(cards.stateStatus),
    ['success', 'success', 'danger', 'danger', 'warning', 'warning', 'warning', 'info', 'secondary', 'secondary', 'secondary', 'secondary']);
});

test('the sender\'s warning names the object and who may not see it', () => {
  const h = { kind: 'history', name: 'Mine', id: 'x' };
  assert.equal(cards.unseenText(h, { mine: true }), 'Only you can see this history “Mine”: share it in Galaxy first.');
  assert.match(cards.unseenText(h, { mine: true, peer: 'carol' }), /unless you shared it with carol/);
  assert.equal(cards.unseenText(h, { mine: false }), 'Others in this room may not be able to see this history “Mine”.');
  assert.match(cards.unseenText({ ...h, deleted: true }, { mine: true }), /^This history “Mine” is deleted/);
  assert.match(cards.unseenText({ kind: 'job', name: 'cat1' }, { mine: true }), /share its outputs/);
});

/** A server stand-in for the loader: answers(url) gives each answer; the calls are counted. */
function fakeServer(answers, delayMs = 20) {
  const s = { calls: [], active: 0, maxActive: 0 };
  s.fetch = async (url) => {
    s.calls.push(url);
    s.active++;
    s.maxActive = Math.max(s.maxActive, s.active);
    await new Promise((r) => setTimeout(r, delayMs));
    s.active--;
    const a = answers(url, s.calls.filter((u) => u === url).length);
    if (a instanceof Error) throw a;
    return a;
  };
  return s;
}
const httpError = (status, retryAfterMs = null) => new apiMod.ApiError(status, 'x', 'x', retryAfterMs);

test('card loader: one request per link, a few at a time, 404 a plain link', async () => {
  const s = fakeServer((url) => (url.endsWith('404') ? httpError(404) : { kind: 'history', name: url }));
  const l = new CardLoader(s.fetch, { concurrency: 3 });
  const urls = Array.from({ length: 10 }, (_, i) => 'u' + i).concat(['u404']);
  const answers = await Promise.all(urls.concat(urls).map((u) => l.want(u)));
  assert.equal(s.calls.length, 11, 'each link asked once');
  assert.equal(s.maxActive, 3, 'never more than 3 at once');
  assert.equal(answers[0].card.name, 'u0');
  assert.deepEqual(answers[10], { plain: true });
  await l.want('u0');
  assert.equal(s.calls.length, 11, 'kept for the page');
});

test('card loader: links no longer wanted are not asked; check() goes first and asks again when old', async () => {
  const s = fakeServer((url) => ({ kind: 'tool', name: url }), 30);
  const l = new CardLoader(s.fetch, { concurrency: 1, fresh: 50 });
  l.want('a');
  l.want('b');
  l.want('c');
  l.unwant('b');
  const first = await l.check('d');
  assert.equal(first.card.name, 'd');
  await l.want('c');
  assert.deepEqual(s.calls, ['a', 'd', 'c'], 'b was scrolled away before its turn; d was checked before c');
  await l.check('d');
  assert.equal(s.calls.length, 3, 'a fresh answer is used as it is');
  await new Promise((r) => setTimeout(r, 80));
  await l.check('d');
  assert.equal(s.calls.length, 4, 'an older one is asked again');
});

test('card loader: a 429 pauses every link for its Retry-After; given up after the attempts', async () => {
  let limited = true;
  const s = fakeServer((url) => (limited ? httpError(429, 200) : { kind: 'tool', name: url }), 5);
  const l = new CardLoader(s.fetch, { concurrency: 2, attempts: 3, backoff: () => 10 });
  const t0 = Date.now();
  const all = Promise.all(['a', 'b', 'c', 'd'].map((u) => l.want(u)));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(s.calls.length, 2, 'two asked at once, both 429: nothing more during the pause');
  limited = false;
  const answers = await all;
  assert.ok(Date.now() - t0 >= 200, 'the Retry-After was waited out');
  assert.deepEqual(answers.map((a) => a.card.name), ['a', 'b', 'c', 'd']);
  assert.equal(s.calls.length, 6, 'a and b again, then c and d');

  const down = fakeServer(() => httpError(503), 1);
  const d = new CardLoader(down.fetch, { attempts: 3, backoff: () => 20 });
  assert.deepEqual(await d.want('x'), { unknown: true }, 'still 503 after three tries: no card');
  assert.equal(down.calls.length, 3);
  const gone = fakeServer(() => httpError(401), 1);
  assert.deepEqual(await new CardLoader(gone.fetch).want('x'), { unknown: true }, '401: no card, not retried');
  assert.equal(gone.calls.length, 1);
});
