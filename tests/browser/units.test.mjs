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
const mention = await import(new URL('mention.js', www));
const unread = await import(new URL('unread.js', www));
const notify = await import(new URL('notify.js', www));

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
  // fresh is far above the fake server's 30 ms, so that a loaded machine's
  // pauses between the checks do not age an answer
  const l = new CardLoader(s.fetch, { concurrency: 1, fresh: 1500 });
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
  await new Promise((r) => setTimeout(r, 1600));
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

// ------------------------------------------------------------------ the message text grammar (doc/api.md, "Message text")

const markup = await import(new URL('markup.js', www));
const msgtext = await import(new URL('msgtext.js', www));
const paste = await import(new URL('paste.js', www));
const P = markup.parse;
const T = (text) => ({ type: 'text', text });
const C = (text) => ({ type: 'code', text });
const B = (text, lang = null) => ({ type: 'block', lang, text });
const L = (text, href = text) => ({ type: 'link', text, href });

test('grammar: anything but backticks and links is text, markdown and markup too', () => {
  for (const s of ['**bold** _it_ # heading\n> quote\n- item', '<script>alert(1)</script> <b>x</b> &lt;', 'שלום עולם، مرحبا', '👩🏽‍🔬 🇩🇪 ❤️ 👨‍👩‍👧‍👦', '@bob thanks.', '']) {
    assert.deepEqual(P(s), s ? [T(s)] : [], JSON.stringify(s));
  }
  assert.deepEqual(P('a\r\nb'), [T('a\nb')], '"\\r\\n" is "\\n"');
});

test('grammar: inline code is a run of N backticks to the next run of exactly N on the line', () => {
  assert.deepEqual(P('run `bwa mem` now'), [T('run '), C('bwa mem'), T(' now')]);
  assert.deepEqual(P('``a `tick` b``'), [C('a `tick` b')], 'a longer run holds shorter ones');
  assert.deepEqual(P('` padded `'), [C(' padded ')], 'verbatim, not trimmed');
  assert.deepEqual(P('x``y```z``w'), [T('x'), C('y```z'), T('w')], 'exactly N: a run of 3 does not close 2');
  assert.deepEqual(P('it`s `fine'), [T('it'), C('s '), T('fine')]);
  assert.deepEqual(P('one ` alone'), [T('one ` alone')], 'no closer on its line: text');
  assert.deepEqual(P('a `b\nc` d'), [T('a `b\nc` d')], 'never across lines');
  assert.deepEqual(P('an empty `` pair'), [T('an empty `` pair')], '`` is one run of two');
  assert.deepEqual(P('`<img src=x onerror=alert(1)>`'), [C('<img src=x onerror=alert(1)>')]);
});

test('grammar: fenced blocks, their language word, and what is not a fence', () => {
  assert.deepEqual(P('look:\n```python\nx = 1\n  y = 2\n```\nthanks'), [T('look:'), B('x = 1\n  y = 2', 'python'), T('thanks')]);
  assert.deepEqual(P('```\nno language\n```'), [B('no language')]);
  assert.deepEqual(P('```c++  \nint x;\n```   '), [B('int x;', 'c++')], 'spaces after the opener and the closer');
  assert.deepEqual(P('````\n```\ninside\n````'), [B('```\ninside')], 'closed by at least as many backticks');
  assert.deepEqual(P('```\nopen to the end\n`x` https://a.example/'), [B('open to the end\n`x` https://a.example/')], 'unclosed: to the end, verbatim');
  assert.deepEqual(P('```\n```'), [B('')]);
  assert.deepEqual(P('```sh\n$ ls\n``` after\n```'), [B('$ ls\n``` after', 'sh')], '"``` after" does not close');
  for (const s of ['```foo bar\nx\n```', ' ```\nx', '```' + 'a'.repeat(33) + '\nx', '```py!\nx']) {
    assert.notEqual(P(s)[0].type, 'block', `not an opener: ${JSON.stringify(s)}`);
  }
  assert.deepEqual(P('```foo bar\nx'), [T('```foo bar\nx')], 'a line that does not open is ordinary text');
  assert.deepEqual(P('```' + 'a'.repeat(32) + '\nx')[0].lang, 'a'.repeat(32));
  assert.deepEqual(P('a\r\n```js\r\nf()\r\n```\r\nb'), [T('a'), B('f()', 'js'), T('b')]);
  assert.deepEqual(P('```\nx\n```\n'), [B('x')], 'nothing after the closer: no empty text');
});

test('grammar: links outside code, without the sentence\'s punctuation', () => {
  assert.deepEqual(P('see https://a.example/x?id=1, then'), [T('see '), L('https://a.example/x?id=1'), T(', then')]);
  assert.deepEqual(P('(https://b.example/y_(z))'), [T('('), L('https://b.example/y_(z)'), T(')')], 'a ")" stays when "(" opened inside');
  assert.deepEqual(P('https://c.example/a.)]}\'"!?;:'), [L('https://c.example/a'), T('.)]}\'"!?;:')]);
  assert.deepEqual(P('"https://d.example/q"'), [T('"'), L('https://d.example/q'), T('"')]);
  assert.deepEqual(P('http://e.example/<b>'), [L('http://e.example/<b>', 'http://e.example/%3Cb%3E')], 'non-space characters, as written');
  assert.deepEqual(P('x https://f.example/1\nhttps://f.example/2'), [T('x '), L('https://f.example/1'), T('\n'), L('https://f.example/2')]);
  assert.deepEqual(P('`https://g.example/` ```\nhttps://h.example/\n```'), [C('https://g.example/'), T(' ```\n'), L('https://h.example/'), B('')],
    'in code, not a link; a fence is a line of its own (the last line opens an empty block)');
  for (const s of ['https://', 'https://.', 'ftp://i.example/', 'javascript:alert(1)', 'HTTPS://J.EXAMPLE/', 'https://[bad/']) {
    assert.ok(P(s).every((t) => t.type === 'text'), `no link: ${s}`);
  }
  assert.deepEqual(markup.findLinks('a https://k.example/ `https://l.example/`\n```\nhttps://m.example/\n```\nhttps://n.example/.'),
    [{ text: 'https://k.example/', href: 'https://k.example/' }, { text: 'https://n.example/', href: 'https://n.example/' }],
    'findLinks: the links outside code, which cards.js asks about');
});

// Ten times the longest message, so that a parse that is not linear takes
// seconds (a quadratic one of 40,000 bytes, billions of steps) while a
// linear one takes milliseconds even on a loaded machine: the bound is far
// from both, so the test says "not quadratic", not "fast".
test('grammar: a 40,000-byte line of backticks and links is parsed in linear time', () => {
  const lines = ['`'.repeat(1) + ' ``'.repeat(13333), Array.from({ length: 900 }, (_, i) => '`'.repeat(i % 60 + 1)).join('x'),
    'https://a.example/' + '('.repeat(39982), '`'.repeat(40000)];
  for (const s of lines) {
    const t0 = performance.now();
    const toks = P(s);
    assert.ok(performance.now() - t0 < 3000, `not quadratic: ${s.slice(0, 20)}…`);
    assert.equal(toks.map((t) => t.text).join('').length <= s.length, true);
  }
  assert.deepEqual(P('x' + '`'.repeat(3999)), [T('x' + '`'.repeat(3999))], 'one run, no closer: text');
  assert.deepEqual(P('`'.repeat(4000)), [B('')], 'alone on its line, a run of backticks opens a block');
});

test('code blocks: up to 12 lines shown whole, longer ones collapsed to 12 and the rest', () => {
  const lines = (n) => Array.from({ length: n }, (_, i) => 'line ' + (i + 1)).join('\n');
  assert.equal(msgtext.COLLAPSE_LINES, 12);
  assert.deepEqual(msgtext.splitLines(lines(12)), { shown: lines(12), rest: null, more: 0 });
  const s = msgtext.splitLines(lines(20));
  assert.equal(s.more, 8);
  assert.equal(s.shown, lines(12));
  assert.equal(s.shown + s.rest, lines(20), 'nothing lost');
});

const TRACEBACK = `Traceback (most recent call last):
  File "/galaxy/tools/run.py", line 3, in <module>
    main()
  File "/galaxy/tools/run.py", line 2, in main
    d['sample']
KeyError: 'sample'`;
const JOB_LOG = `2024-05-01 12:00:01 INFO  galaxy.jobs.runners Job 42 queued
2024-05-01 12:00:02 INFO  galaxy.jobs.runners Job 42 running
2024-05-01 12:00:09 ERROR galaxy.jobs.runners Job 42 failed
2024-05-01 12:00:09 DEBUG cleanup
2024-05-01 12:00:10 INFO  done`;
const SHELL = `$ samtools view -c in.bam
1234567
$ samtools flagstat in.bam
1234567 + 0 in total (QC-passed reads + QC-failed reads)
0 + 0 secondary`;
const BWA = `[M::bwa_idx_load_from_disk] read 0 ALT contigs
[M::process] read 100000 sequences (10000000 bp)...
[M::mem_pestat] # candidate unique pairs for (FF, FR, RF, RR): (0, 4107, 0, 0)
[main] Version: 0.7.17-r1188
[main] Real time: 12.345 sec; CPU: 40.100 sec`;
const PROSE = `Hi all,
I ran HISAT2 on my paired-end data yesterday.
It failed with an error I do not understand.
Has anyone seen this before?
Thanks a lot, Alice`;

test('a paste looks like a log: five or more lines, at least half of them machine-made', () => {
  for (const [name, s] of Object.entries({ TRACEBACK, JOB_LOG, SHELL, BWA })) assert.equal(paste.looksLikeLog(s), true, name);
  assert.equal(paste.looksLikeLog(JOB_LOG.replace(/\n/g, '\r\n')), true, 'CRLF lines');
  assert.equal(paste.looksLikeLog(PROSE), false, 'prose is not');
  assert.equal(paste.looksLikeLog(JOB_LOG.split('\n').slice(0, 4).join('\n')), false, 'four lines are not enough');
  assert.equal(paste.looksLikeLog(JOB_LOG.split('\n').slice(0, 4).join('\n\n\n')), false, 'blank lines do not count');
  assert.equal(paste.looksLikeLog('```\n' + JOB_LOG + '\n```'), false, 'already fenced');
  assert.equal(paste.looksLikeLog(PROSE + '\n' + JOB_LOG.split('\n').slice(0, 4).join('\n')), false, '4 of 9 lines');
  assert.equal(paste.looksLikeLog(PROSE + '\n' + JOB_LOG), true, '5 of 10 lines');
  assert.equal(paste.looksLikeLog('- one\n- two\n- three\n- four\n- five'), false, 'a list of words');
});

test('a paste goes between fences, each on a line of its own, the rest of the box kept', () => {
  assert.deepEqual(paste.fenceIn('X', 0, 'X'), { value: '```\nX\n```', end: 9 });
  assert.equal(paste.fenceIn('see: LOG\nthanks', 5, 'LOG\n').value, 'see: \n```\nLOG\n```\nthanks');
  assert.equal(paste.fenceIn('a\nLOGb', 2, 'LOG').value, 'a\n```\nLOG\n```\nb');
  const r = paste.fenceIn('q? ' + TRACEBACK, 3, TRACEBACK);
  assert.deepEqual(P(r.value), [T('q? '), B(TRACEBACK)], 'and the grammar reads it back as the block');
});

// ------------------------------------------------------------------ conversations (issue 17): the pure parts

const msgs = await import(new URL('messages.js', www));
const reply = await import(new URL('reply.js', www));

test('reactions: history\'s list read, a user in or out of an emoji, in the order first given', () => {
  const r0 = msgs.readReactions([{ emoji: '👍', count: 2, users: ['alice', 'bob'] }, { emoji: '🎉', count: 1, users: ['bob'] }, null, { emoji: 1 }]);
  assert.deepEqual(r0, [{ emoji: '👍', users: ['alice', 'bob'] }, { emoji: '🎉', users: ['bob'] }]);
  assert.deepEqual(msgs.readReactions(undefined), []);
  const r1 = msgs.applyReaction(r0, '👍', 'carol', true);
  assert.deepEqual(r1[0], { emoji: '👍', users: ['alice', 'bob', 'carol'] });
  assert.deepEqual(r0[0].users, ['alice', 'bob'], 'a new list; the old one untouched');
  assert.deepEqual(msgs.applyReaction(r1, '👍', 'carol', true), r1, 'the same reaction twice is one');
  assert.deepEqual(msgs.applyReaction(r0, '🎉', 'bob', false), [{ emoji: '👍', users: ['alice', 'bob'] }], 'the last user gone: the emoji goes');
  assert.deepEqual(msgs.applyReaction(r0, '🚀', 'bob', false), r0, 'taking back what was not there changes nothing');
  assert.deepEqual(msgs.applyReaction(msgs.applyReaction(r0, '👍', 'alice', false), '🚀', 'alice', true).map((x) => x.emoji), ['👍', '🎉', '🚀']);
  // Replayed from any cursor, in order, the events end where history is.
  let r = [];
  for (const [e, u, on] of [['👍', 'a', true], ['👍', 'b', true], ['👍', 'a', false], ['❤️', 'a', true], ['👍', 'b', true]]) r = msgs.applyReaction(r, e, u, on);
  assert.deepEqual(r, [{ emoji: '👍', users: ['b'] }, { emoji: '❤️', users: ['a'] }]);
});

test('a message read in full, then live: what the long poll does not carry is kept', () => {
  const m = new msgs.Messages({});
  const full = { id: 7, type: 'message', text: 'q?', replies: 2, last_reply: 9, reactions: [{ emoji: '👍', count: 1, users: ['bob'] }], solved: { by: 'bob', ts: 'x' } };
  m.remember(full, { full: true });
  const live = m.remember({ id: 7, type: 'message', text: 'q? (edited)', edited: 'y' });
  assert.equal(live.text, 'q? (edited)');
  assert.equal(live.replies, 2);
  assert.deepEqual(live.reactions, [{ emoji: '👍', users: ['bob'] }]);
  assert.deepEqual(live.solved, { by: 'bob', ts: 'x' });
  const bare = m.remember({ id: 8, type: 'message', text: 'new' });
  assert.deepEqual([bare.replies, bare.last_reply, bare.reactions, bare.solved], [0, 0, [], null], 'a live message knows nothing yet');
  m.map.get(7).replies = 3;
  m.map.get(7).last_reply = 12; // a reply came live meanwhile
  assert.equal(m.remember(full, { full: true }).replies, 3, 'an older read does not undo a reply that came live');
});

test('quotes: the first 140 characters of the parent, on one line, "…" when cut', () => {
  const long = '🧬'.repeat(150);
  const q = reply.quoteOf({ id: 3, user: { username: 'bob' }, text: long });
  assert.equal([...q.text].length, 140, 'code points, as the server counts');
  assert.deepEqual(q.user, { username: 'bob' });
  assert.equal(reply.quoteLine(q), '🧬'.repeat(140) + '…');
  assert.equal(reply.quoteLine({ text: 'line one\n  line two ' }), 'line one line two');
  assert.equal(reply.quoteLine({ text: '' }), '');
});

test('room names: one room whatever the case of A-Z, and only of those', () => {
  assert.ok(text.sameRoom('RNA-Seq', 'rna-seq'));
  assert.ok(text.sameRoom('ALL', 'all'));
  assert.ok(!text.sameRoom('Émile', 'émile'), 'other letters are compared exactly');
  assert.ok(!text.sameRoom('İ', 'i'));
  assert.ok(!text.sameRoom('NGS', 'NGS '));
});

test('mentions: the @names of a stretch of text by rule 4, only those the server named; never inside a word', () => {
  const s = mention.splitMentions;
  assert.deepEqual(s('thanks @bob. and @Carol: look', ['bob', 'carol']), [
    { type: 'text', text: 'thanks ' }, { type: 'mention', text: '@bob', name: 'bob' },
    { type: 'text', text: '. and ' }, { type: 'mention', text: '@Carol', name: 'Carol' }, { type: 'text', text: ': look' },
  ]);
  assert.deepEqual(s('mail me@bob.org or @nobody', ['bob']), [{ type: 'text', text: 'mail me@bob.org or @nobody' }], 'an address is no mention; a name the server did not give is text');
  assert.deepEqual(s('@bob_-', ['bob']), [{ type: 'mention', text: '@bob', name: 'bob' }, { type: 'text', text: '_-' }], 'trailing . - _ are not the name');
  assert.deepEqual(s('@bobby', ['bob']), [{ type: 'text', text: '@bobby' }], 'a longer name is another name');
  assert.deepEqual(s('(@user.dot)', ['user.dot']).map((t) => t.type), ['text', 'mention', 'text']);
  assert.deepEqual(s('hi @bob', null), [{ type: 'text', text: 'hi @bob' }]);
  assert.ok(mention.mentionsUser({ mentions: ['Bob'] }, 'bob'), 'without case');
  assert.ok(!mention.mentionsUser({ mentions: ['bobby'] }, 'bob'));
  assert.ok(!mention.mentionsUser({}, 'bob'));
  assert.ok(!mention.mentionable('user#12'), 'handles cannot be mentioned');
});

test('@-completion: the word at the caret, the names that complete it, and the text after taking one', () => {
  const q = mention.mentionQuery;
  assert.deepEqual(q('hi @ca', 6), { start: 3, query: 'ca' });
  assert.deepEqual(q('@', 1), { start: 0, query: '' });
  assert.deepEqual(q('hi @carol and', 6), { start: 3, query: 'ca' }, 'up to the caret');
  assert.equal(q('me@ca', 5), null, 'not inside a word (an address)');
  assert.equal(q('hi @ca x', 8), null);
  assert.equal(q('no at', 5), null);
  assert.deepEqual(mention.complete('hi @ca', 6, q('hi @ca', 6), 'carol'), { value: 'hi @carol ', caret: 10 });
  assert.deepEqual(mention.complete('hi @caXY there', 6, q('hi @caXY there', 6), 'carol'), { value: 'hi @carol there', caret: 10 }, 'the rest of the word goes, the space is kept');
  const names = ['carol', 'Oscar', 'carla', 'bob', 'user#3', 'CAROL', 'mcarthy'];
  assert.deepEqual(mention.rankNames(names, 'car'), ['carla', 'carol', 'mcarthy', 'Oscar'], 'starts first, then contains; once each; no handles');
  assert.deepEqual(mention.rankNames(names, ''), ['bob', 'carla', 'carol', 'mcarthy', 'Oscar']);
  assert.equal(mention.rankNames(names, '', 2).length, 2);
});

test('unread counts: the server\'s figures joined with the messages the page knows; markers only move forward', () => {
  const u = new unread.UnreadCounts();
  assert.deepEqual(u.count('room:NGS'), { unread: 0, mentions: 0 });
  u.message('room:NGS', 5, false); // live, before the server spoke: not counted yet
  assert.deepEqual(u.count('room:NGS'), { unread: 0, mentions: 0 });
  u.snapshot('room:NGS', { unread: 3, mentions: 1, read: 4 });
  assert.deepEqual(u.count('room:NGS'), { unread: 3, mentions: 1 }, 'the server\'s figure until the history is in');
  u.message('room:NGS', 6, true);
  u.message('room:NGS', 7, false);
  u.message('room:NGS', 3, false); // at or below the marker: read
  u.settle('room:NGS');
  assert.deepEqual(u.count('room:NGS'), { unread: 3, mentions: 1 }, 'the page knows all three');
  assert.equal(u.message('room:NGS', 7, false), false, 'once each');
  u.message('room:NGS', 9, true);
  assert.deepEqual(u.count('room:NGS'), { unread: 4, mentions: 2 });
  assert.equal(u.firstUnread('room:NGS'), 5);
  u.removed(6);
  assert.deepEqual(u.count('room:NGS'), { unread: 3, mentions: 1 }, 'a removed message counts no more');
  assert.deepEqual(u.markRead('room:NGS', 7), { moved: true, ask: false });
  assert.deepEqual(u.count('room:NGS'), { unread: 1, mentions: 1 });
  assert.deepEqual(u.markRead('room:NGS', 6), { moved: false, ask: false }, 'never backwards');
  assert.equal(u.read('room:NGS'), 7);
  u.snapshot('room:NGS', { unread: 0, mentions: 0, read: 2 });
  assert.equal(u.read('room:NGS'), 7, 'an older answer does not move it back');

  // More unread than the history page holds: those are hidden until a marker covers them.
  u.snapshot('room:R', { unread: 60, mentions: 2, read: 100 });
  for (let id = 200; id < 250; id++) u.message('room:R', id, id === 249);
  u.settle('room:R');
  assert.deepEqual(u.count('room:R'), { unread: 60, mentions: 2 });
  assert.deepEqual(u.markRead('room:R', 150), { moved: true, ask: true }, 'a marker below what the page knows: ask the server');
  assert.deepEqual(u.markRead('room:R', 249), { moved: true, ask: false });
  assert.deepEqual(u.count('room:R'), { unread: 0, mentions: 0 });
  assert.deepEqual(u.total(['room:NGS', 'room:R', 'dm:bob']), { unread: 1, mentions: 1 });
  u.forget('room:NGS');
  assert.deepEqual(u.count('room:NGS'), { unread: 0, mentions: 0 });
});

test('notifications say who and where, as plain text, cut at 200 characters', () => {
  assert.deepEqual(notify.notificationText({ type: 'direct', user: { username: 'bob' }, text: 'hi <b>there</b>' }, 'bob'), { title: 'bob (direct message)', body: 'hi <b>there</b>' });
  assert.deepEqual(notify.notificationText({ type: 'message', user: { username: 'bob' }, text: '🧬'.repeat(201) }, 'NGS'), { title: 'bob in NGS', body: '🧬'.repeat(200) + '…' });
});
