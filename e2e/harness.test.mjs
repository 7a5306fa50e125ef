// Tests of the harness itself: they need neither the server nor the
// browser, so a broken parser or image generator shows up on its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { parseLogins, pngImage, crc32, formatViolations, freePort } from './harness.mjs';

test('parseLogins reads the demo output', () => {
  const out = [
    'Demo-Daten angelegt: 2000 Meldungen in Musterstadt (7.7 s)',
    '',
    'rathaus läuft: http://127.0.0.1:8391',
    'API-Schlüssel: demo-key (nur in Demo-Daten)',
    '',
    'Anmeldungen:',
    '  admin       admin@musterstadt.example            Passwort: demo-admin-2026',
    '  caseworker  caseworker.abfall@musterstadt.example Passwort: demo-caseworker-2026',
    '  viewer      viewer@musterstadt.example           Passwort: demo-viewer-2026',
    '',
    'Beenden mit Strg+C.',
  ].join('\n');
  assert.deepEqual(parseLogins(out), [
    { role: 'admin', email: 'admin@musterstadt.example', password: 'demo-admin-2026' },
    { role: 'caseworker', email: 'caseworker.abfall@musterstadt.example', password: 'demo-caseworker-2026' },
    { role: 'viewer', email: 'viewer@musterstadt.example', password: 'demo-viewer-2026' },
  ]);
  assert.deepEqual(parseLogins('rathaus läuft\n  admin a@b Passwort: x\n'), [], 'lines before "Anmeldungen:" are not logins');
});

test('crc32 matches the reference value', () => {
  // The CRC-32 check value of "123456789" (ISO-HDLC).
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  // The IEND chunk of every PNG has this CRC.
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
});

test('pngImage is a well-formed PNG of the asked size', () => {
  const png = pngImage(7, 5);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString('ascii');
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  assert.equal(chunks[0].data.readUInt32BE(0), 7);
  assert.equal(chunks[0].data.readUInt32BE(4), 5);
  const raw = zlib.inflateSync(chunks[1].data);
  assert.equal(raw.length, 5 * (7 * 3 + 1));
  assert.deepEqual([...raw.subarray(1, 4)], [0, 0, 160], 'top-left pixel');
  assert.deepEqual([...raw.subarray(raw.length - 3)], [255, 255, 160], 'bottom-right pixel');
});

test('formatViolations names rule, impact and every target', () => {
  const s = formatViolations('/melden', [
    { id: 'color-contrast', impact: 'serious', help: 'Elements must meet minimum color contrast ratio thresholds',
      nodes: [{ target: '.hint', html: '<p class="hint">x</p>' }, { target: '#f-q', html: '<input id="f-q">' }] },
  ]);
  assert.match(s, /^\/melden: 1 WCAG 2\.1 A\/AA violation/);
  assert.match(s, /- color-contrast \(serious\)/);
  assert.match(s, /at \.hint/);
  assert.match(s, /at #f-q/);
});

test('freePort returns a usable port', async () => {
  const p = await freePort();
  assert.ok(Number.isInteger(p) && p > 0 && p < 65536, String(p));
});
