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
