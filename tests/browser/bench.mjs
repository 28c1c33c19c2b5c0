// Timeline frame-time benchmark (not a test): headless Chromium, synthetic data of 10k,
// 100k and 1M requests, zoom and pan, decimation on and off. Prints a Markdown table.
//
//   trunk build --offline --release && node tests/browser/bench.mjs
import { chromium } from 'playwright-core';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDir } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.INFLIGHT_DIST ?? join(resolve(here, '..', '..'), 'dist');
const sizes = (process.env.SIZES ?? '10000,100000,1000000').split(',').map(Number);
const server = await serveDir(dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--headless'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
await page.goto(`${server.origin}/?bench`);
await page.waitForSelector('body[data-ready="1"]');
const rows = [];
for (const n of sizes) {
  const t = Date.now();
  await page.evaluate((n) => window.inflightBench.load(n), n);
  const loadMs = Date.now() - t;
  const res = {};
  for (const kind of ['zoom', 'pan']) {
    res[kind] = JSON.parse(await page.evaluate((k) => window.inflightBench.frames(k, true, 80), kind));
    // Without decimation every mark in view is drawn: fewer frames at the larger sizes.
    const off = n >= 1_000_000 ? 4 : n >= 100_000 ? 10 : 40;
    res[kind + 'Off'] = JSON.parse(await page.evaluate(([k, f]) => window.inflightBench.frames(k, false, f), [kind, off]));
  }
  res.table = JSON.parse(await page.evaluate(() => window.inflightBench.table(20)));
  rows.push({ n, loadMs, ...res });
  console.error(JSON.stringify({ n, loadMs, ...res }));
}
const f = (x) => x.toFixed(1);
console.log('| requests | zoom: mean / p95 ms (decimated) | zoom: mean ms (all marks) | ratio | pan: mean / p95 ms (decimated) | pan: mean ms (all marks) | ratio | table re-range mean ms |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.n.toLocaleString('en')} | ${f(r.zoom.mean)} / ${f(r.zoom.p95)} | ${f(r.zoomOff.mean)} | ${f(r.zoomOff.mean / r.zoom.mean)}× | ${f(r.pan.mean)} / ${f(r.pan.p95)} | ${f(r.panOff.mean)} | ${f(r.panOff.mean / r.pan.mean)}× | ${f(r.table.mean)} |`);
}
await browser.close();
await server.close();
