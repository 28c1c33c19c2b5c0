// In-browser ingest benchmark (not a timed test): a synthetic incident of 20 MB and 200 MB
// as NDJSON (`inflight gen --bytes N`), picked into the app in headless Chromium, read by the
// Web Worker (src/web/worker.rs) and analysed, against JSON.parse per line plus a JavaScript
// walk that extracts the same fields, in the same page.
//
//   trunk build --offline --release --dist /tmp/dist-rel
//   INFLIGHT_DIST=/tmp/dist-rel node tests/browser/bench-ingest.mjs      (SIZES=20,200 in MB)
//   VARIANT=intl: the same input with realistic non-Latin-1 user names in every 50th event
//   (`"user_name":"Łukasz 山田 …"`), since V8 decodes text ~3.5× slower once a single
//   non-Latin-1 character is present (performance-facts.md). Not the default input.
//
// Prints a Markdown table; saves tests/browser/out/progress-200mb.png (the progress bar during
// the 200 MB read).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';
import { generateNdjson } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');
const sizes = (process.env.SIZES ?? '20,200').split(',').map(Number);
const variant = process.env.VARIANT ?? '';
const MB = 1e6;

async function input(mb) {
  const plain = await inputPlain(mb);
  if (variant !== 'intl') return plain;
  const path = join(tmpdir(), `inflight-bench-${mb}mb-intl.ndjson`);
  if (!existsSync(path)) {
    // Every 50th event: a user name with Polish and Japanese characters (realistic,
    // and enough to make the whole text a two-byte string in V8).
    const lines = readFileSync(plain, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i += 50) {
      lines[i] = lines[i].replace('"user_name":"', '"user_name":"Łukasz 山田 ');
    }
    await writeFile(path, lines.join('\n'));
  }
  return path;
}

function inputPlain(mb) {
  const path = join(tmpdir(), `inflight-bench-${mb}mb.ndjson`);
  if (!existsSync(path)) {
    return writeFile(path, generateNdjson(mb * MB)).then(() => path);
  }
  return Promise.resolve(path);
}

await mkdir(out, { recursive: true });
const server = await serveDir(dist);
const userDataDir = await mkdtemp(join(tmpdir(), 'inflight-bench-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  deviceScaleFactor: 1,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info',
    '--js-flags=--expose-gc --max-old-space-size=4096'],
});

async function openPage() {
  const page = await context.newPage();
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  await page.evaluate(() => {
    window.bench = { longtasks: [], picked: null, t0: 0, shown: 0, complete: 0 };
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.bench.longtasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // Before the app's own listener clears the input.
    document.addEventListener('change', (e) => {
      if (e.target.id === 'files') { window.bench.picked = e.target.files[0]; window.bench.t0 = performance.now(); }
    }, true);
    // data-shown: the chart is drawn (worker loads); data-loads: the page is complete
    // (events table, detail pane, exports). Older builds set only data-loads.
    new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        if (r.attributeName === 'data-shown' && !window.bench.shown) window.bench.shown = now;
        if (r.attributeName === 'data-loads') {
          window.bench.complete = now;
          if (!window.bench.shown) window.bench.shown = now;
        }
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['data-loads', 'data-shown'] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { page, cdp };
}

const heap = async (cdp) => {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize').value;
};

async function runWasm(mb, path, screenshot) {
  const { page, cdp } = await openPage();
  const bytes = statSync(path).size;
  const loads = await page.evaluate(() => Number(document.body.dataset.loads ?? '0'));
  let jsPeak = await heap(cdp);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      jsPeak = Math.max(jsPeak, await heap(cdp).catch(() => 0));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await page.setInputFiles('#files', path);
  if (screenshot) {
    await page.waitForFunction(() => /[1-9][\d,]* records found/.test(document.getElementById('progress-text').textContent)
      && document.getElementById('progress').value > document.getElementById('progress').max * 0.3, null, { timeout: 600_000 });
    await page.screenshot({ path: join(out, 'progress-200mb.png') });
  }
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, loads, { timeout: 600_000 });
  // The redaction panel counts the loaded events after the load: wait for it, so that the
  // page's wasm memory is also known after it.
  await page.waitForSelector('#redaction[data-state="ready"]', { timeout: 600_000 });
  await page.waitForTimeout(300); // let the last frame and long-task entries land
  sampling = false;
  await sampler;
  const r = await page.evaluate(async () => {
    const b = window.bench;
    const mod = await import('./inflight.js');
    const wasm = await mod.default();
    let times;
    if (document.body.dataset.workerTimes) times = JSON.parse(document.body.dataset.workerTimes);
    else {
      // Builds before the worker analysed: "read/total" only.
      const [readMs, ms] = document.body.dataset.workerMs.split('/').map(Number);
      times = { readMs, ms };
    }
    const tasks = b.longtasks.filter((t) => t.start >= b.t0);
    const before = tasks.filter((t) => t.start < b.shown);
    const toComplete = tasks.filter((t) => t.start < b.complete);
    return {
      total: b.shown - b.t0,
      complete: b.complete - b.t0,
      workerDone: Number(document.body.dataset.workerDone ?? 0) - b.t0,
      readMs: times.readMs,
      workerMs: times.ms,
      times,
      showMs: document.body.dataset.showMs,
      doneMs: document.body.dataset.doneMs,
      respawnMs: document.body.dataset.respawnMs,
      maxStepMs: document.body.dataset.maxStepMs,
      longestBeforeChart: Math.max(0, ...before.map((t) => t.ms)),
      longestToComplete: Math.max(0, ...toComplete.map((t) => t.ms)),
      tasks: tasks.map((t) => [Math.round(t.start - b.t0), Math.round(t.ms)]),
      pageWasm: wasm.memory.buffer.byteLength,
      pageWasmShown: Number(document.body.dataset.pageWasmShown ?? NaN),
      pageWasmComplete: Number(document.body.dataset.pageWasmComplete ?? NaN),
      workerWasm: Number(document.body.dataset.workerMemory),
      longest: Math.max(0, ...tasks.map((t) => t.ms)),
      longtasks: tasks.length,
      events: document.getElementById('c-events').textContent,
      timing: document.getElementById('timing').textContent,
    };
  });
  r.jsPeak = jsPeak;
  r.bytes = bytes;
  await page.close();
  return r;
}

async function runJs(path) {
  const { page, cdp } = await openPage();
  // Hand the file to the page without the app reading it: a detached input element.
  await page.evaluate(() => {
    const i = document.createElement('input');
    i.type = 'file';
    i.id = 'bench-file';
    i.hidden = true;
    document.body.append(i);
  });
  await page.setInputFiles('#bench-file', path);
  await page.evaluate(() => window.gc?.());
  const base = await heap(cdp);
  const r = await page.evaluate(async () => {
    const file = document.getElementById('bench-file').files[0];
    const t0 = performance.now();
    const text = await file.text();
    const t1 = performance.now();
    const events = [];
    let bad = 0;
    for (let a = 0; a < text.length;) {
      let b = text.indexOf('\n', a);
      if (b < 0) b = text.length;
      const line = text.slice(a, b);
      a = b + 1;
      if (!line.trim()) continue;
      let o;
      try { o = JSON.parse(line); } catch { bad++; continue; }
      const d = o && typeof o.details === 'object' && o.details ? o.details : {};
      const err = d.error;
      events.push({
        time: Date.parse(o.date),
        type: String(o.type ?? ''),
        description: String(o.description ?? ''),
        stats: d.stats && typeof d.stats === 'object' ? d.stats : null,
        executions: Array.isArray(d.actions?.executions) ? d.actions.executions.map(String) : [],
        error: typeof err === 'string' ? err : err && typeof err.message === 'string' ? err.message : null,
      });
    }
    const t2 = performance.now();
    window.keep = { text, events };
    return { readMs: t1 - t0, total: t2 - t0, events: events.length, bad };
  });
  r.heap = (await heap(cdp)) - base;
  await page.close();
  return r;
}

const rows = [];
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
for (const mb of sizes) {
  const path = await input(mb);
  if (mb >= 200) await runWasm(mb, path, true); // untimed: the screenshot of the progress bar
  const w = await runWasm(mb, path, false);
  const j = await runJs(path);
  rows.push({ mb, w, j });
  console.error(JSON.stringify({ mb, w, j }));
}

console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
// Definitions (BENCHMARKS.md, "Browser ingest"):
// - app drop → chart: from the file input's change event to the chart drawn (data-shown);
//   drop → complete: to the events table, detail pane and exports ready (data-loads).
// - read → chart: drop → chart minus the worker's read loop (its file reads and ingest), i.e.
//   from the last byte read to the chart (the "within 1.5 s of being read").
// - worker ingest+analysis: the wasm time in the worker (push + finish + analyze), without
//   waiting for file reads: the "parse only" figure, against JS JSON.parse + walk.
// - JS read + parse + walk: file.text() then JSON.parse per line and the walk.
// - ratio parse (A): JS JSON.parse + walk (text already in memory) / the worker's wasm
//   ingest + analysis (push + finish + analyze, slices already read): same bytes, same page,
//   neither side waiting for the file. Above 1 = the app is faster.
// - ratio end to end (B): JS file.text() + JSON.parse + walk / app drop → chart.
// - page wasm: at the chart (data-shown), when complete (data-loads), and after the redaction
//   panel has counted every event (the end); worker wasm: at its end (its peak).
console.log('| input | events | drop → chart s | drop → complete s | read → chart ms | worker read loop s (MB/s) | worker ingest+analysis s (MB/s) | of which analysis ms | longest main-thread task ms (to chart / to complete / incl. redaction count) | worker wasm MB (× input) | page wasm × input (chart / complete / after count) | JS read s | JS parse+walk s (MB/s) | ratio A parse: JS parse+walk / wasm ingest+analysis | ratio B end to end: JS read+parse+walk / app drop → chart |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { mb, w, j } of rows) {
  const inMB = w.bytes / MB;
  const t = w.times;
  const wasmMs = t.pushMs !== undefined ? t.pushMs + t.finishMs + t.analyzeMs : NaN;
  const x = (v) => f(v / w.bytes, 2);
  const jsParse = j.total - j.readMs;
  console.log(`| NDJSON ${f(inMB, 1)} MB${variant === 'intl' ? ', non-Latin-1 names in 1 of 50 events' : ''} | ${w.events} | ${f(w.total / 1000, 2)} | ${f(w.complete / 1000, 2)} | ${f(w.total - w.readMs)} | ${f(w.readMs / 1000, 2)} (${f(inMB / (w.readMs / 1000))}) | ${f(wasmMs / 1000, 2)} (${f(inMB / (wasmMs / 1000))}) | ${f(t.analyzeMs)} | ${f(w.longestBeforeChart)} / ${f(w.longestToComplete)} / ${f(w.longest)} | ${f(w.workerWasm / MB)} (${x(w.workerWasm)}) | ${x(w.pageWasmShown)} / ${x(w.pageWasmComplete)} / ${x(w.pageWasm)} | ${f(j.readMs / 1000, 2)} | ${f(jsParse / 1000, 2)} (${f(inMB / (jsParse / 1000))}) | ${f(jsParse / wasmMs, 2)}× | ${f(j.total / w.total, 2)}× |`);
}

await context.close();
await server.close();
await rm(userDataDir, { recursive: true, force: true });
