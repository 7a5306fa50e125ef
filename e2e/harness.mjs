// Harness of the rathaus browser tests: builds the binary, starts
// `rathaus demo` on a free port with a fresh database, drives Debian's
// Chromium through playwright-core (never a downloaded browser) and runs
// axe-core in each page.
//
// Used by the *.test.mjs files with node's own test runner (node --test).

import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');
// Screenshots go to a temporary folder so that an ordinary test run leaves
// the work tree clean; RATHAUS_SCREENSHOTS=docs refreshes docs/screenshots
// (the pictures in the README), any other value names a folder.
export const screenshotDir = screenshotFolder(process.env.RATHAUS_SCREENSHOTS);

function screenshotFolder(setting) {
  if (setting === 'docs') return path.join(repoRoot, 'docs', 'screenshots');
  if (setting) return path.resolve(setting);
  return path.join(tmpdir(), 'rathaus-screenshots');
}

// The browser is the distribution's Chromium, so the tests need no
// download from outside the package registries.
export const chromiumPath = process.env.RATHAUS_E2E_CHROMIUM || '/usr/bin/chromium';
export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const desktop = { width: 1280, height: 900 };
export const phone = { width: 390, height: 844 };

const run = promisify(execFile);

// freePort asks the kernel for a port that is free right now.
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// parseLogins reads the demo logins that `rathaus demo` prints after
// "Anmeldungen:", one a line: "  <role> <email> Passwort: <password>".
export function parseLogins(stdout) {
  const at = stdout.indexOf('Anmeldungen:');
  if (at < 0) return [];
  const logins = [];
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^\s+(\S+)\s+(\S+@\S+)\s+Passwort:\s+(\S+)\s*$/.exec(line);
    if (m) logins.push({ role: m[1], email: m[2], password: m[3] });
    else if (logins.length > 0 && line.trim() !== '') break;
  }
  return logins;
}

// startRathaus builds cmd/rathaus and runs `rathaus demo` in a temporary
// folder. It resolves when /healthz answers and the logins are printed.
// The returned stop() sends SIGTERM (then SIGKILL after 5 s) and removes
// the folder; a watchdog shell ends the server should this node process
// die without calling stop().
export async function startRathaus({ tiles = true, timeoutMs = 120_000 } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'rathaus-e2e-'));
  // RATHAUS_E2E_BINARY runs an already built binary instead (to test a
  // release build, or a tree other than this one).
  let bin = process.env.RATHAUS_E2E_BINARY || '';
  const t0 = Date.now();
  if (bin === '') {
    bin = path.join(dir, 'rathaus');
    try {
      await run('go', ['build', '-o', bin, './cmd/rathaus'], { cwd: repoRoot, maxBuffer: 16 << 20 });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`go build ./cmd/rathaus failed:\n${err.stderr || err.message}`);
    }
  }
  const buildSeconds = (Date.now() - t0) / 1000;
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const baseURL = `http://${addr}`;
  // rathaus hides the map when the tile URL is empty. With tiles, the URL
  // points at this server's own origin (so the CSP allows it) and every
  // browser context answers it with a blank tile (routeTiles): Leaflet
  // works, and nothing leaves the machine.
  const tileURL = tiles ? `${baseURL}${tilePath}{z}/{x}/{y}.png` : '';
  const args = ['demo', '--addr', addr, '--db', `sqlite:${path.join(dir, 'e2e.db')}`,
    '--data', path.join(dir, 'data'), '--tile-url', tileURL];
  const started = Date.now();
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
  let exited = null;
  const exitedP = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));

  // Watchdog: if this process dies (killed by a test timeout, Ctrl+C), the
  // server must not stay behind. It also ends when the server is gone.
  const watchdog = spawn('sh', ['-c',
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'if kill -0 "$2" 2>/dev/null; then kill -TERM "$2"; sleep 5; kill -KILL "$2" 2>/dev/null; rm -rf "$3"; fi',
    'watchdog', String(process.pid), String(child.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  const killNow = () => { if (exited === null) try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killNow);

  // stop ends the server and resolves to how it exited: { code: 0,
  // signal: null } after a clean shutdown on SIGTERM.
  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitedP;
        clearTimeout(timer);
      }
      process.removeListener('exit', killNow);
      await rm(dir, { recursive: true, force: true });
      return exited;
    })();
    return stopping;
  };

  try {
    for (;;) {
      if (exited !== null) {
        throw new Error(`rathaus demo exited early (${JSON.stringify(exited)}):\n${stdout}\n${stderr.slice(-4000)}`);
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`rathaus demo did not answer /healthz within ${timeoutMs / 1000} s:\n${stderr.slice(-4000)}`);
      }
      if (stdout.includes('Beenden mit')) {
        try {
          const res = await fetch(baseURL + '/healthz');
          if (res.ok) break;
        } catch { /* not listening yet */ }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const logins = parseLogins(stdout);
  if (logins.length === 0) {
    await stop();
    throw new Error(`no logins after "Anmeldungen:" in the output of rathaus demo:\n${stdout}`);
  }
  const seeded = /Demo-Daten angelegt: (\d+) Meldungen .*\(([\d.]+) s\)/.exec(stdout);
  return {
    baseURL,
    tileURL,
    logins,
    buildSeconds,
    startSeconds: (Date.now() - started) / 1000,
    seedSeconds: seeded ? Number(seeded[2]) : null,
    seededRequests: seeded ? Number(seeded[1]) : null,
    // login finds a demo login by role and, optionally, e-mail prefix.
    login(role, emailPrefix = '') {
      const l = logins.find((x) => x.role === role && x.email.startsWith(emailPrefix));
      if (!l) throw new Error(`no demo login with role ${role} ${emailPrefix}; have ${logins.map((x) => x.email).join(', ')}`);
      return l;
    },
    serverLog: () => stderr,
    stop,
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

const tilePath = '/e2e-tiles/';
let tile = null;

// newContext opens a browser context with German as the browser language,
// so the pages answer in German (the first language of rathaus), and
// answers map tile requests with a blank tile.
export async function newContext(browser, baseURL, opts = {}) {
  const ctx = await browser.newContext({ baseURL, viewport: desktop, locale: 'de-DE', ...opts });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(20_000);
  tile ??= pngImage(256, 256, [232, 236, 230]);
  await ctx.route(`${baseURL}${tilePath}**`, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: tile }));
  return ctx;
}

// watchPage collects what a page should never produce: uncaught script
// errors, console errors (CSP violations land there) and requests to
// other hosts (the tests run without external network; the tile URL is
// empty).
export function watchPage(page, baseURL) {
  const problems = [];
  const origin = new URL(baseURL).origin;
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  page.on('console', (msg) => {
    // Failed loads are judged by the response handler below: a page with
    // status 4xx is often what a test expects, a missing script never is.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()} (${msg.location().url || page.url()})`);
    }
  });
  page.on('response', (res) => {
    const type = res.request().resourceType();
    // Chromium asks every site for /favicon.ico on its own; rathaus has none.
    if (res.status() >= 400 && type !== 'document' && !/\/favicon\.ico$/.test(res.url())) {
      problems.push(`${type} ${res.url()}: status ${res.status()}`);
    }
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('about:')) {
      problems.push(`request to another host: ${u}`);
    }
  });
  return problems;
}

const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let axeSource = null;

// axeViolations runs axe-core in the page and returns its violations.
// The pages' Content-Security-Policy (default-src 'self') rightly refuses
// a <script> that page.addScriptTag would insert, and bypassCSP would
// hide the pages' own CSP violations from watchPage; so the script is
// evaluated through the DevTools protocol, which CSP does not govern.
export async function axeViolations(page) {
  const already = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!already) {
    axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
  }
  return page.evaluate(async (tags) => {
    const res = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return res.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  }, axeTags);
}

// formatViolations makes axe's findings readable in a test failure.
export function formatViolations(label, violations) {
  const lines = [`${label}: ${violations.length} WCAG 2.1 A/AA violation(s)`];
  for (const v of violations) {
    lines.push(`- ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes) {
      lines.push(`    at ${n.target}`);
      lines.push(`       ${n.html.replace(/\s+/g, ' ')}`);
    }
  }
  return lines.join('\n');
}

// expectAccessible fails with every violation's id, impact and targets.
export async function expectAccessible(page, label) {
  const v = await axeViolations(page);
  if (v.length > 0) throw new Error(formatViolations(label || page.url(), v));
}

// screenshot writes <screenshotDir>/<name>.png (full page).
export async function screenshot(page, name, { fullPage = true } = {}) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled' });
}

// goto loads a page and returns the response, failing on a non-2xx
// status unless one is expected.
export async function goto(page, url, { status } = {}) {
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res) throw new Error(`no response for ${url}`);
  if (status !== undefined) {
    if (res.status() !== status) throw new Error(`GET ${url}: status ${res.status()}, want ${status}`);
  } else if (res.status() >= 400) {
    throw new Error(`GET ${url}: status ${res.status()}\n${(await page.content()).slice(0, 2000)}`);
  }
  return res;
}

// loginAs signs a staff member in through the login form.
export async function loginAs(page, login, next = '') {
  await goto(page, '/login' + (next ? `?next=${encodeURIComponent(next)}` : ''));
  await page.fill('#email', login.email);
  await page.fill('#password', login.password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main form[method="post"][action="/login"] button[type="submit"]')]);
  if (new URL(page.url()).pathname === '/login') {
    throw new Error(`login as ${login.email} failed: still on ${page.url()}`);
  }
}

// pngImage returns a valid RGB PNG of width×height, in one colour or
// else a diagonal gradient, made here so the tests need no fixture file.
export function pngImage(width = 64, height = 48, colour = null) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 3;
      raw[o] = colour ? colour[0] : (x * 255) / (width - 1);
      raw[o + 1] = colour ? colour[1] : (y * 255) / (height - 1);
      raw[o + 2] = colour ? colour[2] : 160;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
