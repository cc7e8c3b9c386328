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
