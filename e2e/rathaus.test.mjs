// Browser tests of rathaus: one `rathaus demo` server and one headless
// Chromium for the whole file. The flows run in order and hand on what
// they create (the request of flow 1 is worked on by staff in flow 3 and
// reopened by its reporter in flow 4).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRathaus, launchBrowser, newContext, watchPage, expectAccessible, screenshot, goto, loginAs, pngImage, phone,
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
  if (app) {
    const exit = await app.stop();
    // SIGTERM must end the server cleanly (graceful shutdown, exit 0).
    assert.deepEqual(exit, { code: 0, signal: null }, `rathaus demo did not shut down cleanly:\n${app.serverLog().slice(-2000)}`);
  }
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
    // The session ends on the server too: the old cookie no longer works.
    const replay = await fetch(app.baseURL + '/staff', { redirect: 'manual', headers: { cookie: `rathaus_session=${session.value}` } });
    assert.equal(replay.status, 303, 'a logged-out session is refused');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

// submit clicks a submit button and waits for the page it leads to;
// returns the response of the form's own request (before redirects).
async function submit(p, selector) {
  const [res] = await Promise.all([
    p.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    p.click(selector),
  ]);
  await p.waitForLoadState('load');
  return res;
}

// need fails a flow clearly when an earlier flow did not leave what it needs.
function need(key, flow) {
  assert.ok(shared[key], `this flow needs ${key} from "${flow}", which did not get that far`);
  return shared[key];
}

test('flow 1: citizen reports with the map and a photo', { timeout: 90_000 }, async () => {
  const { ctx, page: p, problems } = await page();
  try {
    await goto(p, '/');
    await screenshot(p, 'home');
    await Promise.all([p.waitForNavigation(), p.click('#report-link')]);
    assert.equal(new URL(p.url()).pathname, '/melden');

    // Step 1: the category.
    await screenshot(p, 'report-category');
    await p.check('#svc-schlagloch');
    await Promise.all([p.waitForNavigation(), p.click('#category-next')]);
    assert.equal(new URL(p.url()).searchParams.get('service'), 'schlagloch');
    assert.match(await p.textContent('h1'), /Schlagloch/);

    // Step 2: the pin. The map replaces the coordinate fields' role; a
    // click on it sets them.
    const map = p.locator('#report-map');
    await map.waitFor({ state: 'visible' });
    await p.locator('#report-map .leaflet-tile-loaded').first().waitFor({ state: 'attached' });
    assert.equal(await p.inputValue('#lat'), '', 'no position before the click');
    const box = await map.boundingBox();
    await p.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await p.waitForFunction(() => document.querySelector('#lat').value !== '' && document.querySelector('#long').value !== '');
    const lat = Number(await p.inputValue('#lat'));
    let lon = Number(await p.inputValue('#long'));
    assert.ok(lat > 47 && lat < 55 && lon > 5 && lon < 16, `pin in Germany: ${lat}, ${lon}`);
    const marker = p.locator('#report-map .leaflet-marker-icon');
    assert.equal(await marker.count(), 1, 'one marker shows the pin');
    // Dragging the marker moves the pin: 60 px to the right is east.
    const mb = await marker.boundingBox();
    await p.mouse.move(mb.x + mb.width / 2, mb.y + mb.height - 4);
    await p.mouse.down();
    await p.mouse.move(mb.x + mb.width / 2 + 30, mb.y + mb.height - 4, { steps: 5 });
    await p.mouse.move(mb.x + mb.width / 2 + 60, mb.y + mb.height - 4, { steps: 5 });
    await p.mouse.up();
    await p.waitForFunction((before) => Number(document.querySelector('#long').value) > before, lon);
    const dragged = Number(await p.inputValue('#long'));
    assert.ok(Math.abs(Number(await p.inputValue('#lat')) - lat) < 0.001, 'a sideways drag keeps the latitude');
    lon = dragged;

    await p.fill('#description', 'Tiefes Schlagloch vor der Bäckerei, Radfahrer weichen auf die Fahrbahn aus. (E2E Karte)');
    await p.fill('#attr-depth', '12');
    // A photo made in the test: a 320×240 PNG, handed to the file input
    // as a file would be.
    await p.setInputFiles('#media', { name: 'schlagloch.png', mimeType: 'image/png', buffer: pngImage(320, 240) });
    await screenshot(p, 'report-form');

    const res = await submit(p, '#submit-report');
    assert.equal(res.status(), 303, 'Post/Redirect/Get after a successful report');
    assert.match(new URL(p.url()).pathname, /^\/melden\/danke\//);
    const number = (await p.textContent('#request-number')).trim();
    assert.match(number, /^\d{4}-\d{6}$/);
    const statusURL = await p.getAttribute('#status-link', 'href');
    assert.match(statusURL, /\/s\/[A-Za-z0-9_-]{16,}$/);
    shared.doneURL = p.url();
    shared.map = { number, statusURL, lat, lon };
    await screenshot(p, 'report-done');

    // The public page of the new report shows the photo, re-encoded.
    await goto(p, statusURL);
    assert.equal((await p.textContent('#request-number')).trim(), number);
    const photo = p.locator('.photos img').first();
    if (await photo.count() > 0) {
      const src = await photo.getAttribute('src');
      const img = await p.request.get(src);
      assert.equal(img.status(), 200);
      assert.equal(img.headers()['content-type'], 'image/jpeg', 'uploads are re-encoded as JPEG');
    }
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('language: ?lang= and the language form switch the page to English and Polish', { timeout: 60_000 }, async () => {
  const { ctx, page: p, problems } = await page();
  try {
    await goto(p, '/melden?lang=en');
    assert.equal(await p.getAttribute('html', 'lang'), 'en');
    assert.equal(await p.inputValue('#lang-select'), 'en');
    const en = await p.textContent('h1');
    await p.selectOption('#lang-select', 'pl');
    await Promise.all([p.waitForNavigation(), p.click('header form.lang button[type="submit"]')]);
    assert.equal(new URL(p.url()).pathname, '/melden');
    assert.equal(await p.getAttribute('html', 'lang'), 'pl');
    const pl = await p.textContent('h1');
    await goto(p, '/melden?lang=de');
    assert.equal(await p.getAttribute('html', 'lang'), 'de');
    const de = await p.textContent('h1');
    assert.equal(new Set([de, en, pl]).size, 3, `three different headings: ${de} | ${en} | ${pl}`);
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('flow 1b: the report form at phone size', { timeout: 60_000 }, async () => {
  const { ctx, page: p, problems } = await page({ viewport: phone, isMobile: true, hasTouch: true });
  try {
    await goto(p, '/melden?service=schlagloch');
    await p.locator('#report-map').waitFor({ state: 'visible' });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);
    await screenshot(p, 'report-form-phone');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('flow 2: citizen reports without JavaScript, by address', { timeout: 60_000 }, async () => {
  const { ctx, page: p, problems } = await page({ javaScriptEnabled: false });
  try {
    await goto(p, '/melden');
    await p.check('#svc-papierkorb');
    await Promise.all([p.waitForNavigation(), p.click('#category-next')]);
    assert.equal(new URL(p.url()).searchParams.get('service'), 'papierkorb');
    // Without JavaScript the map stays hidden and the fields are there.
    assert.equal(await p.locator('#report-map').isVisible().catch(() => false), false);

    // A first try without the required answer: the form comes back with
    // the error next to the field and what was typed kept.
    await p.fill('#address_string', 'Marktplatz 1, Musterstadt');
    await p.fill('#description', 'Der Papierkorb an der Haltestelle quillt über. (E2E ohne JavaScript)');
    const bad = await submit(p, '#submit-report');
    assert.ok([400, 422].includes(bad.status()), `status ${bad.status()} for a missing answer`);
    assert.equal(await p.inputValue('#address_string'), 'Marktplatz 1, Musterstadt');
    assert.ok(await p.locator('#error-summary a[href^="#attr-issue"]').count() >= 1, 'the summary links to the missing answer');
    assert.match(await p.textContent('#attr-issue-err'), /\S/);

    await p.check('#attr-issue-0');
    const res = await submit(p, '#submit-report');
    assert.equal(res.status(), 303);
    const number = (await p.textContent('#request-number')).trim();
    assert.match(number, /^\d{4}-\d{6}$/);
    assert.notEqual(number, shared.map?.number);
    shared.nojs = { number, statusURL: await p.getAttribute('#status-link', 'href') };
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('flow 2b: without JavaScript, coordinates find the report nearby', { timeout: 60_000 }, async () => {
  const r = need('map', 'flow 1');
  const { ctx, page: p, problems } = await page({ javaScriptEnabled: false });
  try {
    await goto(p, '/melden?service=schlagloch');
    // Without the map, the coordinate fields are the way to give a point.
    assert.equal(await p.isVisible('#lat'), true);
    await p.fill('#lat', String(r.lat));
    await p.fill('#long', String(r.lon));
    await p.fill('#description', 'Noch ein Schlagloch? (E2E Umkreis)');
    const res = await submit(p, '#check-nearby');
    assert.equal(res.status(), 200, 'the check shows the form again, nothing is filed');
    assert.match(await p.textContent('#nearby-list'), new RegExp(r.number), `${r.number} is listed as nearby`);
    assert.equal(await p.inputValue('#description'), 'Noch ein Schlagloch? (E2E Umkreis)', 'what was typed is kept');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('flow 3: staff find the report, accept, reply publicly and close it', { timeout: 90_000 }, async () => {
  const { number } = need('map', 'flow 1');
  const { ctx, page: p, problems } = await page();
  try {
    // The lead of the road department (Straßen) is responsible for potholes.
    await loginAs(p, app.login('lead'));
    assert.equal(new URL(p.url()).pathname, '/staff');
    await screenshot(p, 'staff-inbox');

    await p.fill('#f-q', number);
    await Promise.all([p.waitForNavigation(), p.click('#f-submit')]);
    if (!/^\/staff\/requests\/\d+$/.test(new URL(p.url()).pathname)) {
      const link = p.locator('#inbox a', { hasText: number });
      assert.equal(await link.count(), 1, `the inbox search for ${number} finds it once`);
      await Promise.all([p.waitForNavigation(), link.click()]);
    }
    assert.match(new URL(p.url()).pathname, /^\/staff\/requests\/\d+$/);
    shared.staffRequestPath = new URL(p.url()).pathname;
    assert.match(await p.textContent('h1'), new RegExp(number));
    assert.equal((await p.textContent('#request-state')).trim(), 'Neu');
    assert.ok(await p.locator('.staff-photos img').count() >= 1, 'the photo is on the request');

    let res = await submit(p, '#act-accept button[type="submit"]');
    assert.equal(res.status(), 303);
    assert.match(await p.textContent('#request-state'), /Angenommen/);

    const reply = 'Danke für Ihre Meldung! Die Kolonne verfüllt das Loch morgen früh. (E2E)';
    await p.fill('#reply-text', reply);
    res = await submit(p, '#act-reply button[type="submit"]');
    assert.equal(res.status(), 303);
    assert.match(await p.textContent('#history'), /Die Kolonne verfüllt das Loch morgen früh/);

    await p.selectOption('#close-resolution', { index: 0 });
    await p.fill('#close-message', 'Das Schlagloch ist verfüllt. (E2E)');
    res = await submit(p, '#act-close button[type="submit"]');
    assert.equal(res.status(), 303);
    assert.match(await p.textContent('#request-state'), /Erledigt/);
    assert.equal(await p.locator('#act-reopen').count(), 1, 'a closed request offers reopening');
    shared.map.reply = reply;
    shared.map.closed = true;
    await screenshot(p, 'staff-request');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

test('flow 4: the reporter sees the answer and reopens the report', { timeout: 60_000 }, async () => {
  const r = need('map', 'flow 1');
  assert.ok(r.closed, 'this flow needs the request closed by flow 3');
  const { ctx, page: p, problems } = await page();
  try {
    await goto(p, r.statusURL);
    assert.match(await p.textContent('#request-status'), /Erledigt/);
    assert.match(await p.textContent('#history'), /Die Kolonne verfüllt das Loch morgen früh/);
    assert.match(await p.textContent('#history'), /Das Schlagloch ist verfüllt/);
    await screenshot(p, 'status');

    // An empty reason is refused with the error next to the field.
    const bad = await submit(p, 'main form[action$="/reopen"] button[type="submit"]');
    assert.ok([400, 422].includes(bad.status()), `status ${bad.status()} for an empty reason`);
    assert.equal(await p.getAttribute('#reason', 'aria-invalid'), 'true');
    assert.match(await p.textContent('#request-status'), /Erledigt/);

    await p.fill('#reason', 'Das Loch ist nach dem Regen wieder aufgebrochen. (E2E)');
    const res = await submit(p, 'main form[action$="/reopen"] button[type="submit"]');
    assert.equal(res.status(), 303);
    assert.equal(new URL(p.url()).pathname, new URL(r.statusURL, app.baseURL).pathname);
    assert.match(await p.textContent('#request-status'), /In Bearbeitung/);
    assert.match(await p.textContent('#history'), /Wieder geöffnet/);
    assert.match(await p.textContent('#history'), /nach dem Regen wieder aufgebrochen/);
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }
});

// postForm submits a form built in the page, as a browser would (same
// origin, so CSRF protection lets it through and only the role decides).
async function postForm(p, action, fields = {}) {
  const [res] = await Promise.all([
    p.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    p.evaluate(({ action, fields }) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = action;
      for (const [k, v] of Object.entries(fields)) {
        const i = document.createElement('input');
        i.type = 'hidden';
        i.name = k;
        i.value = v;
        f.append(i);
      }
      document.body.append(f);
      f.submit();
    }, { action, fields }),
  ]);
  await p.waitForLoadState('load');
  return res;
}

test('flow 5: a wrong role is refused', { timeout: 60_000 }, async () => {
  // Anonymous: staff pages send to the login, keeping the target.
  const res = await fetch(app.baseURL + '/staff', { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/login?next=%2Fstaff');
  const anon = await page();
  try {
    await goto(anon.page, '/staff/admin');
    assert.equal(new URL(anon.page.url()).pathname, '/login');
    assert.equal(await anon.page.inputValue('input[name="next"]'), '/staff/admin');
  } finally {
    await anon.ctx.close();
  }

  const { ctx, page: p } = await page();
  try {
    await loginAs(p, app.login('viewer'));
    // The viewer may read the inbox and a request, but sees no actions.
    await goto(p, '/staff');
    const first = p.locator('#inbox tbody a').first();
    const path = shared.staffRequestPath || await first.getAttribute('href');
    await goto(p, path);
    assert.equal(await p.locator('#act-accept, #act-reply, #act-close').count(), 0, 'no action forms for a viewer');
    const before = await p.textContent('#request-state');

    const post = await postForm(p, path + '/note', { text: 'Darf ich nicht. (E2E)' });
    assert.equal(post.status(), 403);
    assert.match(await p.textContent('main'), /Dafür fehlt Ihnen die Berechtigung/);
    await goto(p, path);
    assert.equal(await p.textContent('#request-state'), before, 'the refused action changed nothing');
    assert.doesNotMatch(await p.textContent('#history'), /Darf ich nicht/);

    const admin = await goto(p, '/staff/admin', { status: 403 });
    assert.equal(admin.status(), 403);
    assert.match(await p.textContent('main'), /Dafür fehlt Ihnen die Berechtigung/);
    await expectAccessible(p, '403 page');
    await screenshot(p, 'forbidden');
  } finally {
    await ctx.close();
  }

  // A caseworker of another department may not work on the pothole.
  if (shared.staffRequestPath) {
    const other = await page();
    try {
      await loginAs(other.page, app.login('caseworker', 'caseworker.gruen'));
      const res = await postForm(other.page, shared.staffRequestPath + '/note', { text: 'Fremde Abteilung. (E2E)' });
      assert.equal(res.status(), 403, 'a caseworker of the parks department may not note on a road request');
    } finally {
      await other.ctx.close();
    }
  }
});

// chartDrawn reports whether uPlot drew into the chart's canvas: a canvas
// of some size with pixels that are not transparent.
async function chartDrawn(p, id) {
  return p.$eval(`.chart-canvas[data-chart="${id}"] canvas`, (c) => {
    if (c.width < 100 || c.height < 50) return false;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
    return painted > 500;
  });
}

test('flow 7: the quality dashboard draws its charts and heat map, with tables for the path without them', { timeout: 90_000 }, async () => {
  const { ctx, page: p, problems } = await page();
  try {
    await loginAs(p, app.login('lead'));
    await goto(p, '/staff/quality');
    const series = JSON.parse(await p.textContent('#quality-series'));
    assert.deepEqual(series.charts.map((c) => c.id), ['volume', 'hours', 'shares', 'backlog', 'backlog-age']);
    // The backlog at the end of each period is a count: never negative.
    const backlog = series.charts[3].series[0].values;
    assert.ok(backlog.every((v) => v >= 0), 'no negative backlog');
    for (const c of series.charts) {
      await p.waitForSelector(`.chart-canvas[data-chart="${c.id}"] canvas`);
      assert.ok(await chartDrawn(p, c.id), `chart ${c.id} has a drawn canvas`);
      // Drawn, the chart's table folds away but stays one click off.
      assert.equal(await p.$eval(`#chart-${c.id} details`, (d) => d.open), false);
    }
    const cells = JSON.parse(await p.textContent('#quality-heat-data'));
    assert.ok(cells.length > 0, 'the demo has located reports');
    await p.waitForSelector('#heat-map path.leaflet-interactive');
    const paths = await p.$$eval('#heat-map path.leaflet-interactive', (ps) => ps.map((x) => x.getAttribute('d')));
    assert.equal(paths.length, cells.length, 'one rectangle per cell');
    for (const d of paths) {
      // An axis-parallel rectangle: M x1 y1 L x1 y2 L x2 y2 L x2 y1 z.
      const n = (d.match(/-?\d+(\.\d+)?/g) || []).map(Number);
      const rect = n.length === 8 && n[0] === n[2] && n[3] === n[5] && n[4] === n[6] && n[1] === n[7];
      assert.ok(rect, `heat cell path ${d} is a rectangle`);
    }
    assert.ok(await p.locator('#heat-legend li').count() >= 1);
    assert.ok(await p.locator('#heat-table tbody tr').count() >= 1);
    await expectAccessible(p, '/staff/quality with charts and map');

    // The drill-down to the busiest service: its charts, map and overdue list.
    await p.click('#quality-table tbody tr th a');
    await p.waitForSelector('#quality-overdue');
    await p.waitForSelector('.chart-canvas[data-chart="volume"] canvas');
    assert.ok(await chartDrawn(p, 'volume'));
    assert.equal(await p.locator('#quality-table tbody tr').count(), 1);
    assert.ok(await p.locator('#overdue-inbox').getAttribute('href'));
    await expectAccessible(p, '/staff/quality drill-down');
    await screenshot(p, 'staff-quality-drilldown');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
  }

  // Without JavaScript the tables are the charts and the map.
  const nojs = await page({ javaScriptEnabled: false });
  try {
    await loginAs(nojs.page, app.login('lead'));
    await goto(nojs.page, '/staff/quality');
    assert.equal(await nojs.page.locator('.chart-canvas').first().isVisible(), false);
    assert.equal(await nojs.page.locator('#heat-map').isVisible(), false);
    assert.ok(await nojs.page.locator('#table-volume').isVisible(), 'the volume table shows');
    assert.ok(await nojs.page.locator('#heat-table').isVisible(), 'the table of busy cells shows');
  } finally {
    await nojs.ctx.close();
  }
});

test('flow 6: no WCAG 2.1 A/AA violation on the citizen and staff pages', { timeout: 120_000 }, async (t) => {
  const citizen = await page();
  const pages = [
    ['/', '/'],
    ['/melden (category step)', '/melden'],
    ['/melden (form step)', '/melden?service=schlagloch'],
    ['/meldungen', '/meldungen'],
    ['/transparenz', '/transparenz'],
  ];
  try {
    for (const [label, url] of pages) {
      await t.test(label, async () => {
        await goto(citizen.page, url);
        await expectAccessible(citizen.page, label);
      });
    }
    await t.test('/melden (form step with errors)', async () => {
      await goto(citizen.page, '/melden?service=schlagloch');
      const res = await submit(citizen.page, '#submit-report');
      assert.ok(res.status() >= 400, 'an empty report is refused');
      await expectAccessible(citizen.page, '/melden with errors');
    });
    await t.test('/meldungen/{id}', async () => {
      await goto(citizen.page, '/meldungen');
      const href = await citizen.page.locator('#report-list a').first().getAttribute('href');
      await goto(citizen.page, href);
      await expectAccessible(citizen.page, href);
      await screenshot(citizen.page, 'request');
    });
    await t.test('/meldungen (screenshot)', async () => {
      await goto(citizen.page, '/meldungen');
      await screenshot(citizen.page, 'reports');
    });
    await t.test('thanks page', async () => {
      await goto(citizen.page, need('doneURL', 'flow 1'));
      await expectAccessible(citizen.page, 'thanks page');
    });
    await t.test('/s/{token}', async () => {
      await goto(citizen.page, need('map', 'flow 1').statusURL);
      await expectAccessible(citizen.page, '/s/{token}');
    });
    await t.test('/bestaetigen/{token} (unknown link)', async () => {
      // The working link exists only in the confirmation mail; an unknown
      // one must still answer with an accessible error page.
      const res = await goto(citizen.page, '/bestaetigen/e2e-unbekannt', { status: 404 });
      assert.equal(res.status(), 404);
      await expectAccessible(citizen.page, '/bestaetigen/{unknown}');
    });
    assert.deepEqual(citizen.problems, []);
  } finally {
    await citizen.ctx.close();
  }

  const staff = await page();
  try {
    await t.test('/login', async () => {
      await goto(staff.page, '/login');
      await expectAccessible(staff.page, '/login');
    });
    await loginAs(staff.page, app.login('admin'));
    await t.test('/staff', async () => {
      await goto(staff.page, '/staff');
      await expectAccessible(staff.page, '/staff');
    });
    await t.test('/staff/requests/{id}', async () => {
      await goto(staff.page, '/staff');
      const path = shared.staffRequestPath || await staff.page.locator('#inbox tbody a').first().getAttribute('href');
      await goto(staff.page, path);
      await expectAccessible(staff.page, path);
    });
    await t.test('/staff/requests/{id} (failed action)', async () => {
      await goto(staff.page, shared.staffRequestPath || '/staff');
      if (!shared.staffRequestPath) {
        await goto(staff.page, await staff.page.locator('#inbox tbody a').first().getAttribute('href'));
      }
      // An empty public reply is refused; the page shows why, next to the field.
      const res = await submit(staff.page, '#act-reply button[type="submit"]');
      assert.ok(res.status() >= 400 && res.status() < 500, `status ${res.status()} for an empty reply`);
      assert.equal(await staff.page.getAttribute('#reply-text', 'aria-invalid'), 'true');
      await expectAccessible(staff.page, 'staff request page with a refused reply');
    });
    await t.test('/staff/quality', async () => {
      await goto(staff.page, '/staff/quality');
      await expectAccessible(staff.page, '/staff/quality');
      await screenshot(staff.page, 'staff-quality');
    });
    await t.test('/staff/admin', async () => {
      await goto(staff.page, '/staff/admin');
      await expectAccessible(staff.page, '/staff/admin');
      await screenshot(staff.page, 'staff-admin');
    });
    // Every administration page the overview links to.
    const adminPages = await staff.page.$$eval('nav.adminnav a', (as) => as.map((a) => a.getAttribute('href')));
    assert.ok(adminPages.length >= 6, `administration navigation: ${adminPages.join(', ')}`);
    for (const href of adminPages.filter((h) => h !== '/staff/admin')) {
      await t.test(href, async () => {
        await goto(staff.page, href);
        await expectAccessible(staff.page, href);
      });
    }
    await t.test('/staff/admin/services/{id}', async () => {
      await goto(staff.page, '/staff/admin/services');
      const href = await staff.page.locator('main a[href^="/staff/admin/services/"]').first().getAttribute('href');
      await goto(staff.page, href);
      await expectAccessible(staff.page, href);
    });
    assert.deepEqual(staff.problems, []);
  } finally {
    await staff.ctx.close();
  }
});
