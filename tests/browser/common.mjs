// common.mjs - what the browser test files (chat.test.mjs, webhook.test.mjs)
// share: headless Debian chromium through playwright-core, launched once per
// file with every context closed after its tests; waiting for a condition;
// the chat's API as a script would use it, with a user's cookie.

import { before, after } from 'node:test';

const pw = await import(process.env.GC_PLAYWRIGHT_CORE || 'playwright-core');
const { chromium } = pw.default ?? pw;

export const uniq = () => Math.random().toString(36).slice(2, 8);

/** Chromium for this file's tests: newContext(options) makes a context closed after them all. */
export function chromiumForTests() {
  let browser;
  const contexts = [];
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.GC_CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close();
  });
  return {
    async newContext(options) {
      const c = await browser.newContext(options);
      contexts.push(c);
      return c;
    },
  };
}

/** Poll `fn` until it returns something truthy; fail with `what` after `ms`. */
export async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** api(user, method, path, body): the API at `base` with cookies[user]; the JSON answer, or an Error naming the status. */
export function apiAs(base, cookies) {
  return async function api(user, method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: {
        Cookie: 'galaxysession=' + cookies[user],
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`${method} ${path} as ${user}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
}
