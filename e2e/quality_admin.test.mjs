// Browser test of the quality staff pages: a lead adds a target (first
// with a bad threshold, refused on the form) and a manual indicator with a
// value, uploads a broken CSV file (refused with line and column); an
// admin gives the service of a closed request two survey questions, and
// the citizen's survey page asks them. axe-core checks every page.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  startRathaus, launchBrowser, newContext, watchPage, expectAccessible, screenshot, goto, loginAs,
} from './harness.mjs';

const secret = 'e2e-survey-secret-0123456789abcdef0123';
let app;
let browser;

before(async () => {
  process.env.RATHAUS_SURVEY_SECRET = secret; // the demo server inherits it
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

// surveyToken signs a request ID as internal/quality/survey.go does.
function surveyToken(id) {
  const mac = createHmac('sha256', secret).update(`rathaus-survey:${id}`).digest().subarray(0, 16);
  return `${BigInt(id).toString(36)}.${mac.toString('base64url')}`;
}

async function submit(p, selector) {
  const [res] = await Promise.all([
    p.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    p.click(selector),
  ]);
  await p.waitForLoadState('load');
  return res;
}

test('quality targets and manual indicators: forms, errors, CSV upload', { timeout: 120_000 }, async () => {
  const ctx = await newContext(browser, app.baseURL);
  const p = await ctx.newPage();
  const problems = watchPage(p, app.baseURL);
  try {
    await loginAs(p, app.login('lead'));
    await goto(p, '/staff/quality/targets');
    await expectAccessible(p, '/staff/quality/targets');

    await p.selectOption('#target-indicator', 'within_sla_share');
    await p.fill('#target-threshold', 'viel');
    let res = await submit(p, '#target-submit');
    assert.equal(res.status(), 422);
    assert.ok(await p.locator('#target-threshold-err').isVisible(), 'the threshold error is on the form');
    await expectAccessible(p, '/staff/quality/targets (error)');

    await p.fill('#target-threshold', '82,5');
    await p.fill('#target-window_days', '7');
    res = await submit(p, '#target-submit');
    assert.equal(res.status(), 303);
    const row = p.locator('#targets tbody tr').filter({ hasText: '82,5' });
    assert.equal(await row.count(), 1, 'the new target is listed');
    assert.match(await row.locator('.status').textContent(), /Ziel erreicht|Ziel verfehlt|keine Daten/);
    await screenshot(p, 'quality-targets');

    await goto(p, '/staff/quality/indicators');
    await expectAccessible(p, '/staff/quality/indicators (empty)');
    await p.fill('#ind-code', 'wait_counter');
    await p.fill('#ind-name', 'Wartezeit Bürgerbüro');
    await p.fill('#ind-unit', 'min');
    await p.fill('#ind-target', '15');
    await p.selectOption('#ind-direction', 'lower_is_better');
    res = await submit(p, '#ind-submit');
    assert.equal(res.status(), 303);
    await p.fill('#val-period', '2026-03');
    await p.fill('#val-value', '12,5');
    res = await submit(p, '#val-submit');
    assert.equal(res.status(), 303);
    const ind = p.locator('#indicators tr[data-code="wait_counter"]');
    assert.match(await ind.textContent(), /12,5 min/);
    assert.match(await ind.textContent(), /Ziel erreicht/);

    await p.setInputFiles('#csv-file', { name: 'werte.csv', mimeType: 'text/csv',
      buffer: Buffer.from('indicator;slice;period;value\nwait_counter;;2026-04;11\nwait_counter;;2026-05;elf\n', 'utf8') });
    res = await submit(p, '#csv-submit');
    assert.equal(res.status(), 422);
    assert.match(await p.textContent('#csv-file-err'), /Zeile 3, Spalte 4/);
    assert.match(await p.textContent('#indicators tr[data-code="wait_counter"]'), /12,5 min/, 'nothing was imported');
    await expectAccessible(p, '/staff/quality/indicators (CSV error)');
    await screenshot(p, 'quality-indicators');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('survey questions of a service are asked on the survey page, also without JavaScript', { timeout: 150_000 }, async () => {
  // The lead closes a request of the inbox.
  const ctx = await newContext(browser, app.baseURL);
  const p = await ctx.newPage();
  const problems = watchPage(p, app.baseURL);
  let id;
  let service;
  p.setDefaultTimeout(15_000);
  try {
    await loginAs(p, app.login('lead'));
    await goto(p, '/staff');
    const link = p.locator('#inbox a[href^="/staff/requests/"]').first();
    await Promise.all([p.waitForNavigation(), link.click()]);
    id = new URL
(p.url()).pathname.split('/').pop();
    service = (await p.locator('dt:has-text("Kategorie") + dd').textContent()).trim();
    await p.selectOption('#close-resolution', { index: 0 });
    await p.fill('#close-message', 'Erledigt. (E2E)');
    const res = await submit(p, '#act-close button[type="submit"]');
    assert.equal(res.status(), 303);
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }

  // The admin gives its service two questions.
  const actx = await newContext(browser, app.baseURL);
  const a = await actx.newPage();
  a.setDefaultTimeout(15_000);
  const aproblems = watchPage(a, app.baseURL);
  try {
    await loginAs(a, app.login('admin'));
    await goto(a, '/staff/admin/services');
    const svc = a.locator('tbody tr').filter({ hasText: service }).locator('a').first();
    await Promise.all([a.waitForNavigation(), svc.click()]);
    await Promise.all([a.waitForNavigation(), a.click('#service-survey')]);
    await expectAccessible(a, '/staff/admin/services/{id}/survey');
    await a.fill('#survey-q1-text', 'Wie zufrieden sind Sie mit der Dauer?');
    await a.selectOption('#survey-q1-kind', 'scale');
    await a.fill('#survey-q2-text', 'Was sollen wir besser machen?');
    await a.selectOption('#survey-q2-kind', 'text');
    const res = await submit(a, '#survey-save');
    assert.equal(res.status(), 303);
    assert.equal(await a.inputValue('#survey-q2-text'), 'Was sollen wir besser machen?');
    assert.deepEqual(aproblems, []);
  } finally {
    await actx.close();
  }

  // The citizen follows the mail link, without JavaScript.
  const cctx = await newContext(browser, app.baseURL, { javaScriptEnabled: false });
  const c = await cctx.newPage();
  c.setDefaultTimeout(15_000);
  const cproblems = watchPage(c, app.baseURL);
  try {
    await goto(c, `/bewertung/${surveyToken(id)}?score=4`);
    assert.match(await c.textContent('h1'), /Vielen Dank/);
    assert.equal(await c.locator('legend', { hasText: 'Wie zufrieden sind Sie mit der Dauer?' }).count(), 1);
    await c.locator('fieldset.survey-question input[value="5"]').check();
    await c.locator('textarea[name^="q"]').fill('Früher Bescheid geben. (E2E)');
    const res = await submit(c, '#s-submit');
    assert.equal(res.status(), 303);
    assert.equal(await c.locator('textarea[name^="q"]').inputValue(), 'Früher Bescheid geben. (E2E)');
    assert.deepEqual(cproblems, []);
  } finally {
    await cctx.close();
  }

  // axe needs JavaScript in the page, so it checks the same page in a
  // context with JavaScript (following the link again changes nothing).
  const jctx = await newContext(browser, app.baseURL);
  const jp = await jctx.newPage();
  jp.setDefaultTimeout(15_000);
  try {
    await goto(jp, `/bewertung/${surveyToken(id)}?score=5`);
    assert.equal(await jp.locator('textarea[name^="q"]').inputValue(), 'Früher Bescheid geben. (E2E)');
    await expectAccessible(jp, '/bewertung/{token} with questions');
    await screenshot(jp, 'survey-questions');
  } finally {
    await jctx.close();
  }

  // The department sees the text on the request page.
  const lctx = await newContext(browser, app.baseURL);
  const l = await lctx.newPage();
  l.setDefaultTimeout(15_000);
  try {
    await loginAs(l, app.login('lead'));
    await goto(l, `/staff/requests/${id}`);
    assert.match(await l.textContent('#request-survey'), /Früher Bescheid geben\. \(E2E\)/);
    await expectAccessible(l, '/staff/requests/{id} with survey answers');
  } finally {
    await lctx.close();
  }
});
