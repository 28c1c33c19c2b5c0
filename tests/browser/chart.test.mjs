// The chart on the page and the chart that leaves it, in Chromium: no legend strip
// drawn into the page's canvas (the HTML chips are the legend), the PNG download drawn
// off-screen at twice the size with a title and the drawn legend, and a view that
// opens on the incident when one event is dated 1970 or 9999.
//
//   node --test tests/browser/chart.test.mjs      (after `trunk build --offline --release`)
//
// The downloaded PNG is kept as tests/browser/out/chart-download.png, the page with a
// 1970 and a 9999 date as chart-strays.png (gitignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');

let server;
let context;
let app;

before(async () => {
  app = await startApp(dist, 'chart', { timezoneId: 'Europe/Berlin' });
  ({ server, context } = app);
});

after(() => app?.close());

async function openApp() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, errors };
}

async function loaded(page, action) {
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('chart').dataset.plot !== undefined);
  const error = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
  assert.equal(error, '', 'the error box is shown');
}

/** The plot area of the page's chart, CSS px (what the last frame reported). */
async function plot(page) {
  const [l, t, r, b] = (await page.getAttribute('#chart', 'data-plot')).split(',').map(Number);
  return { l, t, r, b };
}

const range = (page) =>
  page.$eval('#range', (e) => ({ t0: Number(e.dataset.t0), t1: Number(e.dataset.t1), full: e.dataset.full === '1', text: e.textContent }));

test('the page draws no legend strip into the chart: the chips above it are the legend', async () => {
  const { page, errors } = await openApp();
  await loaded(page, () => page.click('#sample'));
  const chips = await page.$$eval('#legend button[data-series]', (bs) => bs.map((b) => b.textContent));
  assert.ok(chips.length >= 2, `legend chips: ${chips}`);
  assert.ok(await page.isVisible('#legend'), 'the chips are shown');
  const p = await plot(page);
  // The plot starts at the top margin (8 px): no legend rows (18 px each, and 8 px
  // below them) above it. With the strip it started at 42 px.
  assert.equal(p.t, 8, `plot area ${JSON.stringify(p)}`);
  const h = await page.$eval('#chart', (c) => c.clientHeight);
  assert.ok(p.b - p.t > h * 0.7, `the plot is ${p.b - p.t} of ${h} px`);
  // Nothing drawn in the strip above the plot but the top of the axes' labels.
  const ink = await page.$eval('#chart', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, 6).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
    return n;
  });
  assert.equal(ink, 0, 'no ink in the top 6 px');
  // The chips also key what the canvas no longer labels: the in-flight line, the
  // (estimated) limit, the failures and the breach windows.
  const key = await page.$$eval('#legend .legend-key', (ks) => ks.map((k) => [k.firstChild.className, k.textContent]));
  assert.deepEqual(key, [
    ['key key-line', 'in flight (right axis)'],
    ['key key-dashed', 'estimated limit'],
    ['key key-triangle', 'resource_exhausted'],
    ['key key-shade', 'limit breached'],
  ]);
  // Hiding a series in the chips redraws without moving the plot.
  await page.click('#legend button[data-series="0"]');
  await page.waitForSelector('#legend button[data-series="0"][aria-pressed="false"]');
  assert.deepEqual(await plot(page), p);
  // One series, no failures: still named, and the in-flight line still keyed.
  await loaded(page, async () => {
    await page.fill('#paste', [
      '{"log_id":"o1","type":"s","date":"2024-05-14T09:00:00.000Z","details":{"stats":{"loginsCount":1},"actions":{"executions":[]},"elapsedTime":120}}',
      '{"log_id":"o2","type":"s","date":"2024-05-14T09:00:01.000Z","details":{"elapsedTime":180}}',
    ].join('\n'));
    await page.click('#paste-go');
  });
  assert.ok(await page.isVisible('#legend'), 'a single series keeps its legend');
  const one = await page.$$eval('#legend button[data-series]', (bs) => bs.map((b) => [b.textContent, b.disabled]));
  assert.equal(one.length, 1, JSON.stringify(one));
  assert.equal(one[0][1], true, 'the only series is not a toggle');
  assert.deepEqual(await page.$$eval('#legend .legend-key', (ks) => ks.map((k) => k.textContent)), ['in flight (right axis)']);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { w: bytes.readUInt32BE(16), h: bytes.readUInt32BE(20) };
}

test('PNG download: the current view drawn off-screen at 2×, with its title and the drawn legend', async () => {
  const { page, errors } = await openApp();
  await loaded(page, () => page.click('#sample'));
  // A zoomed view, to see that the PNG is of the view and not of everything.
  await page.click('#zoom-in');
  await page.waitForFunction(() => document.getElementById('range').dataset.full === '0');
  const css = await page.$eval('#chart', (c) => ({ w: c.clientWidth, h: c.clientHeight, dw: c.width, dh: c.height }));
  assert.deepEqual([css.dw, css.dh], [css.w, css.h], 'the page draws at devicePixelRatio 1');

  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#exp-png')]);
  assert.equal(dl.suggestedFilename(), 'inflight-chart.png');
  const bytes = await readFile(await dl.path());
  await writeFile(join(out, 'chart-download.png'), bytes);
  const size = pngSize(bytes);
  assert.deepEqual(size, { w: 2 * css.w, h: 2 * css.h }, `PNG ${size.w}×${size.h} for a ${css.w}×${css.h} chart`);
  await page.waitForFunction(() => /^Saved inflight-chart\.png/.test(document.getElementById('exp-status').textContent));
  assert.match(await page.textContent('#exp-status'), new RegExp(`^Saved inflight-chart\\.png \\(${size.w}×${size.h} px, [\\d.]+ (KB|MB)\\)\\.$`));

  // What is in it: a title across the middle of the top band, the legend's series
  // colours in the rows below it (neither is on the page's canvas), then the plot.
  const look = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const band = (y0, y1) => {
      const d = ctx.getImageData(0, y0, c.width, y1 - y0).data;
      let dark = 0;
      let colour = 0;
      let minX = c.width;
      let maxX = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, bl] = [d[i], d[i + 1], d[i + 2]];
        const x = (i / 4) % c.width;
        if (r < 90 && g < 90 && bl < 90) {
          dark++;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
        }
        // A series colour (Okabe–Ito: blue, orange, green, …): saturated.
        if (Math.max(r, g, bl) - Math.min(r, g, bl) > 100) colour++;
      }
      return { dark, colour, minX, maxX };
    };
    return { title: band(0, 44), legend: band(44, 80), width: c.width };
  }, bytes.toString('base64'));
  assert.ok(look.title.dark > 300, `title ink: ${JSON.stringify(look.title)}`);
  const mid = (look.title.minX + look.title.maxX) / 2;
  assert.ok(Math.abs(mid - look.width / 2) < look.width * 0.05, `the title is centred: ${JSON.stringify(look.title)}`);
  assert.ok(look.legend.colour > 20 && look.legend.dark > 300, `legend swatches and names: ${JSON.stringify(look.legend)}`);

  // The page's canvas still has neither.
  const p = await plot(page);
  assert.equal(p.t, 8);
  assert.deepEqual(errors, []);
  await page.close();
});

test('PNG download: names the PNG would draw are still checked first (through the SVG of the same frame)', async () => {
  const { page, errors } = await openApp();
  let events = '';
  const execs = [];
  for (let i = 0; i < 3; i++) {
    const t = (s) => `2024-05-14T09:00:${String(s).padStart(2, '0')}.000Z`;
    events += `${JSON.stringify({ log_id: `L${i}`, date: t(i), type: 's', description: '', details: { actions: { executions: [`e${i}`] } } })}\n`;
    execs.push({ id: `e${i}`, trigger_id: 'post-login', results: [{ action_name: `hook-${i}-notify-ops@acme-corp.com`, started_at: t(i), ended_at: t(i + 30) }] });
  }
  await loaded(page, () => page.setInputFiles('#files', [
    { name: 'names.ndjson', mimeType: 'text/plain', buffer: Buffer.from(events) },
    { name: 'names-exec.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(execs)) },
  ]));
  await page.waitForSelector('#redaction[data-state="ready"]', { timeout: 60_000 });
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.click('#exp-png');
  await page.waitForSelector('#gate:not([hidden])');
  assert.match(await page.textContent('#exp-status'), /^Not saved: the verifier found 3 values/);
  assert.match(await page.textContent('#gate'), /which the PNG shows as the page draws it/);
  // Hiding the three series in the chips leaves nothing to block.
  for (let i = 0; i < 3; i++) await page.click(`#legend button[data-series="${i}"]`);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#exp-png')]);
  assert.equal(dl.suggestedFilename(), 'inflight-chart.png');
  assert.equal(downloads, 1, 'only the second click saved');
  assert.deepEqual(errors, []);
  await page.close();
});

const T = Date.UTC(2024, 4, 14, 9, 0, 0);
const STRAYS = [
  '{"log_id":"a1","type":"s","date":"2024-05-14T09:00:01.000Z","details":{"elapsedTime":250}}',
  '{"log_id":"a2","type":"s","date":"2024-05-14T09:00:05.000Z","details":{"elapsedTime":900}}',
  '{"log_id":"y1","type":"s","date":"1970-01-01T00:00:00Z","details":{"elapsedTime":300}}',
  '{"log_id":"a3","type":"f","date":"2024-05-14T09:00:06.000Z","description":"resource_exhausted"}',
  '{"log_id":"y2","type":"s","date":"9999-12-31T23:59:59.999Z","details":{"elapsedTime":300}}',
].join('\n');

test('one event in 1970 and one in 9999 among 2024 ones: warned, kept, and the view opens on 2024', async () => {
  const { page, errors } = await openApp();
  await loaded(page, async () => {
    await page.fill('#paste', STRAYS);
    await page.click('#paste-go');
  });
  const r = await range(page);
  assert.ok(r.t0 > T - 60_000 && r.t1 < T + 60_000, `the view is the incident's: ${r.text}`);
  assert.equal(r.full, false);
  assert.match(r.text, /^2024-05-14 09:00:0\d\.\d{3} UTC → 2024-05-14 09:00:0\d\.\d{3} UTC/);
  assert.match(await page.textContent('#chart-caption'), /The view opens on the events dated 2000–2099; some are dated outside it \(see Problems\)/);
  await page.$eval('#chart', (c) => c.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: join(out, 'chart-strays.png') });

  // Every event kept; one warning per stray date, at its value.
  assert.equal((await page.textContent('#c-events')).trim(), '5');
  const rows = await page.$$eval('#problems tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 5).map((td) => td.textContent.trim())));
  assert.deepEqual(rows, [
    ['3', '3', '34', 'Warning: record 3: `date` "1970-01-01T00:00:00Z" is outside 2000–2099: placed on the timeline as written, but check it'],
    ['5', '5', '34', 'Warning: record 5: `date` "9999-12-31T23:59:59.999Z" is outside 2000–2099: placed on the timeline as written, but check it'],
  ]);

  // The overview strip spans everything: dragging over its left half reaches 1970.
  const ov = await page.$eval('#overview', (c) => {
    c.scrollIntoView({ block: 'center' });
    const b = c.getBoundingClientRect();
    return { x: b.x, y: b.y, w: b.width, h: b.height };
  });
  await page.mouse.move(ov.x + 2, ov.y + ov.h / 2);
  await page.mouse.down();
  await page.mouse.move(ov.x + ov.w / 2, ov.y + ov.h / 2, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((t) => Number(document.getElementById('range').dataset.t0) < t, 0);
  // Reset goes back to the incident.
  await page.click('#zoom-reset');
  await page.waitForFunction((t) => Number(document.getElementById('range').dataset.t0) > t, T - 60_000);
  assert.deepEqual(await range(page), r);
  assert.deepEqual(errors, []);
  await page.close();
});
