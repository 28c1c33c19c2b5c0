// Timeline frame-time benchmark (not a test): headless Chromium, synthetic data of 10k,
// 100k and 1M requests, zoom and pan, decimation on and off, the table's re-range and
// filter change. Prints a Markdown table.
//
//   trunk build --offline --release && node tests/browser/bench.mjs
//   SIZES=1000000 node tests/browser/bench.mjs            # one size
//   PROFILE=zoom SIZES=1000000 node tests/browser/bench.mjs  # where a frame's time goes
//   DPR=2 node tests/browser/bench.mjs                      # a high-DPI screen
//   INFLIGHT_DIST=other/dist node tests/browser/bench.mjs   # another build, to compare
//   YSCALE=linear node tests/browser/bench.mjs              # duration axis auto|linear|log
//
// For BENCHMARKS.md: `flock /tmp/bench.lock node tests/browser/bench.mjs` (the load
// average before and after is printed with the table).
//
// PROFILE=zoom|pan samples the decimated frames with the CDP Profiler and prints the
// functions with the most self time (wasm functions keep their Rust names).
import { chromium } from 'playwright-core';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDir } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.INFLIGHT_DIST ?? join(resolve(here, '..', '..'), 'dist');
const sizes = (process.env.SIZES ?? '10000,100000,1000000').split(',').map(Number);
const profile = process.env.PROFILE;
const server = await serveDir(dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--headless'],
});
const dpr = Number(process.env.DPR ?? 1);
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: dpr });
await page.goto(`${server.origin}/?bench`);
await page.waitForSelector('body[data-ready="1"]');
// The duration axis (the page's control, read when data is loaded; Auto by default, which
// is log for the synthetic data). Builds without the control ignore it.
const yscale = process.env.YSCALE;
if (yscale) await page.evaluate((v) => { const s = document.getElementById('y-scale'); if (s) s.value = v; }, yscale);
const frames = async (kind, decimate, n) =>
  JSON.parse(await page.evaluate(([k, d, f]) => window.inflightBench.frames(k, d, f), [kind, decimate, n]));

async function profileFrames(kind) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const r = await frames(kind, true, 80);
  const { profile: p } = await cdp.send('Profiler.stop');
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map();
  for (const id of p.samples) {
    const f = byId.get(id).callFrame;
    const name = f.functionName || `(${f.url.split('/').pop() || 'program'})`;
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  console.log(`${kind}: mean ${r.mean.toFixed(1)} ms over ${r.frames} frames; self time by function:`);
  for (const [name, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((100 * c) / p.samples.length).toFixed(1).padStart(6)} %  ${name.slice(0, 110)}`);
  }
}

import { readFileSync } from 'node:fs';
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const loadBefore = loadavg();
const rows = [];
for (const n of sizes) {
  const t = Date.now();
  await page.evaluate((n) => window.inflightBench.load(n), n);
  const loadMs = Date.now() - t;
  if (profile) {
    await profileFrames(profile);
    continue;
  }
  const res = {};
  for (const kind of ['zoom', 'pan']) {
    res[kind] = await frames(kind, true, 80);
    // Without decimation every mark in view is drawn: the same 80 frames (the same
    // views), so the ratio compares like with like. OFF_FRAMES=N to run fewer.
    res[kind + 'Off'] = await frames(kind, false, Number(process.env.OFF_FRAMES ?? 80));
  }
  res.table = JSON.parse(await page.evaluate(() => window.inflightBench.table(20)));
  // Older builds have no filter hook.
  res.filter = JSON.parse(await page.evaluate(() => (window.inflightBench.filter ? window.inflightBench.filter(10) : 'null')));
  rows.push({ n, loadMs, ...res });
  console.error(JSON.stringify({ n, loadMs, ...res }));
}
const f = (x) => x.toFixed(1);
if (rows.length) {
  console.log('| requests | zoom: mean / p95 ms (decimated) | zoom: mean ms (all marks) | ratio | pan: mean / p95 ms (decimated) | pan: mean ms (all marks) | ratio | table re-range mean ms | table filter change mean ms |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.n.toLocaleString('en')} | ${f(r.zoom.mean)} / ${f(r.zoom.p95)} | ${f(r.zoomOff.mean)} | ${f(r.zoomOff.mean / r.zoom.mean)}× | ${f(r.pan.mean)} / ${f(r.pan.p95)} | ${f(r.panOff.mean)} | ${f(r.panOff.mean / r.pan.mean)}× | ${f(r.table.mean)} | ${r.filter ? f(r.filter.mean) : '–'} |`);
  }
}
const drawn = await page.evaluate(() => document.getElementById('chart').dataset.yScale ?? '(no control)');
console.log(`\nload average before: ${loadBefore}; after: ${loadavg()}; DPR ${dpr}; dist ${dist}; duration axis ${yscale ?? 'default'} (drawn: ${drawn})`);
await browser.close();
await server.close();
