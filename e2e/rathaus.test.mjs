// Browser tests of rathaus: one `rathaus demo` server and one headless
// Chromium for the whole file. The flows run in order and hand on what
// they create (the request of flow 1 is worked on by staff in flow 3 and
// reopened by its reporter in flow 4).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRathaus, launchBrowser, newContext, watchPage, expectAccessible, screenshot, goto, loginAs,
} from './harness.mjs';

let app;
let browser;
const shared = {};

before(async () => {
  const t0 = Date.now();
  app = await startRathaus();
  browser = await launchBrowser();
  shared.setupSeconds = (Date.now() - t0) / 1000;
  console.log(`e2e setup: go build ${app.buildSeconds.toFixed(1)} s, demo start ${app.startSeconds.toFixed(1)} s ` +
    `(seeding ${app.seededRequests} reports took ${app.seedSeconds} s), total with browser ${shared.setupSeconds.toFixed(1)} s`);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

// page opens a fresh context (own cookies) and a page in it.
async function page(opts) {
  const ctx = await newContext(browser, app.baseURL, opts);
  const p = await ctx.newPage();
  const problems = watchPage(p, app.baseURL);
  return { ctx, page: p, problems };
}

test('login: wrong password is refused, right one opens a session, logout ends it', { timeout: 60_000 }, async () => {
  const { ctx, page: p, problems } = await page();
  try {
    await goto(p, '/login');
    assert.equal(await p.inputValue('input[name="next"]'), '/staff', 'after login staff land in the inbox');
    await expectAccessible(p, '/login');
    await screenshot(p, 'login');

    const admin = app.login('admin');
    await p.fill('#email', admin.email);
    await p.fill('#password', 'falsch-' + admin.password);
    const [bad] = await Promise.all([
      p.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      p.click('main form[method="post"][action="/login"] button[type="submit"]'),
    ]);
    await p.waitForLoadState('load');
    assert.equal(bad.status(), 401);
    assert.equal(await p.inputValue('#email'), admin.email, 'the e-mail stays filled in');
    assert.equal(await p.inputValue('#password'), '', 'the password is never sent back');
    assert.match(await p.textContent('[role="alert"]'), /\S/, 'an error message is shown');
    await expectAccessible(p, '/login (failed)');
    assert.equal((await ctx.cookies()).filter((c) => c.name === 'rathaus_session').length, 0);

    await p.fill('#password', admin.password);
    await Promise.all([p.waitForNavigation(), p.click('main form[method="post"][action="/login"] button[type="submit"]')]);
    assert.equal(new URL(p.url()).pathname, '/staff');
    const session = (await ctx.cookies()).find((c) => c.name === 'rathaus_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    // Every layout page (the login page is one that exists without the
    // staff pages) shows the staff member's name on the logout button.
    await goto(p, '/login');
    assert.match(await p.textContent('header form[action="/logout"] button'), /\(Sabine Krüger\)/);

    await Promise.all([p.waitForNavigation(), p.click('header form[action="/logout"] button')]);
    assert.equal(new URL(p.url()).pathname, '/');
    assert.equal((await ctx.cookies()).filter((c) => c.name === 'rathaus_session').length, 0, 'logout removes the cookie');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});
