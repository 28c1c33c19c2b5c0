// The chart on the page, in Chromium: no legend strip drawn into the page's canvas
// (the HTML chips are the legend).
//
//   node --test tests/browser/chart.test.mjs      (after `trunk build --offline --release`)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

let server;
let context;
let userDataDir;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), `no ${dist}/index.html: run \`trunk build --offline\` first`);
  await mkdir(out, { recursive: true });
  server = await serveDir(dist);
  userDataDir = await mkdtemp(join(tmpdir(), 'inflight-chart-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: 'Europe/Berlin',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

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
  // Hiding a series in the chips redraws without moving the plot.
  await page.click('#legend button[data-series="0"]');
  await page.waitForSelector('#legend button[data-series="0"][aria-pressed="false"]');
  assert.deepEqual(await plot(page), p);
  assert.deepEqual(errors, []);
  await page.close();
});
