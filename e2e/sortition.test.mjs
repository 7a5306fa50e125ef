// Browser test of the sortition staff pages: a lead uploads a pool and
// quotas, the draw runs in the background (the page refreshes itself
// without JavaScript), and the panel, figures and downloads appear.
// axe-core checks the form, its error state, the draw and the list.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRathaus, launchBrowser, newContext, watchPage, expectAccessible, screenshot, goto, loginAs,
} from './harness.mjs';

let app;
let browser;

before(async () => {
  app = await startRathaus({ tiles: false });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (app) {
    const exit = await app.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `rathaus demo did not shut down cleanly:\n${app.serverLog().slice(-2000)}`);
  }
});

// Four women and four men; two seats each gives everyone exactly 1/2.
const pool = 'Nr;Name;Geschlecht\n1;Anna Alt;w\n2;Bernd Bau;m\n3;Clara Chor;w\n4;Dirk Dach;m\n' +
  '5;Eva Eck;w\n6;Finn Fass;m\n7;Gina Gut;w\n8;Hans Hof;m\n';
const quotas = 'feature;value;min;max\nGeschlecht;w;2;2\nGeschlecht;m;2;2\n';
const file = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

test('sortition: a lead uploads the files, the draw runs, the panel and downloads appear', { timeout: 120_000 }, async () => {
  const ctx = await newContext(browser, app.baseURL);
  const p = await ctx.newPage();
  const problems = watchPage(p, app.baseURL);
  try {
    await loginAs(p, app.login('lead'));
    await goto(p, '/staff');
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('header nav a[href="/staff/sortition"]')]);
    assert.equal(new URL(p.url()).pathname, '/staff/sortition');
    await expectAccessible(p, '/staff/sortition (empty)');
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('#sortition-new')]);
    await expectAccessible(p, '/staff/sortition/new');

    // A quota file with min above max is refused on the form; nothing is queued.
    await p.fill('#draw-title', 'Beschäftigtenrat (E2E)');
    await p.setInputFiles('#draw-people', file('pool.csv', pool));
    await p.setInputFiles('#draw-quotas', file('quoten.csv', 'feature;value;min;max\nGeschlecht;w;3;2\nGeschlecht;m;2;2\n'));
    await p.fill('#draw-seats', '4');
    await p.fill('#draw-seed', '3 1 4 1 5');
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('#draw-submit')]);
    assert.match(await p.textContent('#errors'), /Zeile 2: Quote Geschlecht=w hat Minimum 3 größer als Maximum 2/);
    assert.equal(await p.getAttribute('#draw-quotas', 'aria-invalid'), 'true');
    assert.equal(await p.inputValue('#draw-title'), 'Beschäftigtenrat (E2E)', 'typed values are kept');
    await expectAccessible(p, '/staff/sortition/new (errors)');
    await screenshot(p, 'staff-sortition-errors');

    // The right files: the draw is queued and the page follows it.
    await p.setInputFiles('#draw-people', file('pool.csv', pool));
    await p.setInputFiles('#draw-quotas', file('quoten.csv', quotas));
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('#draw-submit')]);
    assert.match(new URL(p.url()).pathname, /^\/staff\/sortition\/\d+$/);
    const drawPath = new URL(p.url()).pathname;
    // Without JavaScript the page reloads itself (meta refresh) until done.
    await p.locator('#draw-status .badge.draw-done').waitFor({ timeout: 90_000 });
    assert.equal(await p.locator('meta[http-equiv="refresh"]').count(), 0, 'a finished draw stops refreshing');

    assert.equal(await p.textContent('#draw-seed'), '3 1 4 1 5');
    assert.equal(await p.textContent('#fair-min'), '0,5000');
    assert.equal(await p.textContent('#fair-gini'), '0,0000');
    const rows = await p.locator('#panel tbody tr').allTextContents();
    assert.equal(rows.length, 4, 'four people on the panel');
    const genders = await p.locator('#panel tbody tr td:last-child').allTextContents();
    assert.deepEqual(genders.toSorted(), ['m', 'm', 'w', 'w'], `two women and two men on the panel: ${rows.join(' | ')}`);
    assert.match(await p.textContent('#draw-pool'), /gelöscht/, 'the pool is deleted after the draw');
    const links = await p.locator('#draw-files a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links.map((h) => h.split('/').pop()),
      ['selected.csv', 'probabilities.csv', 'distribution.csv', 'lottery.csv', 'report.txt', 'report.json']);
    const probs = await p.request.get(links[1]);
    assert.equal(probs.status(), 200);
    const lines = (await probs.text()).trim().split('\n');
    assert.equal(lines[0], 'id,probability');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[1]), Array(8).fill('0.5'));
    const sel = (await (await p.request.get(links[0])).text()).trim().split('\n');
    assert.equal(sel.length, 5, 'selected.csv: header and four people');
    await expectAccessible(p, drawPath);
    await screenshot(p, 'staff-sortition-draw');

    await goto(p, '/staff/sortition');
    assert.match(await p.textContent('#draws'), /Beschäftigtenrat \(E2E\)\s*\S+/);
    assert.match(await p.textContent('#draws'), /fertig/);
    await expectAccessible(p, '/staff/sortition (one draw)');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }

  // A caseworker does not see the pages.
  const other = await newContext(browser, app.baseURL);
  try {
    const q = await other.newPage();
    await loginAs(q, app.login('caseworker'));
    assert.equal(await q.locator('header nav a[href="/staff/sortition"]').count(), 0);
    const res = await goto(q, '/staff/sortition', { status: 403 });
    assert.equal(res.status(), 403);
  } finally {
    await other.close();
  }
});
