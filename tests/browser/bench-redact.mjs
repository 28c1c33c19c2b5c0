// In-browser redaction benchmark (not a timed test): a synthetic incident of N MB as NDJSON
// (`inflight gen --format ndjson --bytes N`, the same file as bench-ingest.mjs) is picked into
// the app in headless Chromium; once it is analysed, the bench-only wasm export
// `bench_redact(mode)` (src/web/bench.rs) redacts and exports it under the default rules with
// the page's key, runs the verifier over the output and makes the download `Blob`:
//   whole  — what the download does today: Session::export_redacted, the export gate
//            (session::gate = verify::scan_with over the bytes), one Blob;
//   stream — redact::export_chunks_with in 4 MiB pieces, verify::scan per piece, a Blob per piece.
// Each mode runs in a fresh page (wasm memory never shrinks), twice: the first run's memory
// is reported, both runs' times.
//
//   trunk build --offline --release --dist /tmp/dist-rspeed
//   INFLIGHT_DIST=/tmp/dist-rspeed node tests/browser/bench-redact.mjs     (SIZES=200, MODES=stream,whole)
//
// Memory: wasm `memory.buffer.byteLength` after load and after the export (it only grows), and
// the renderer process's peak RSS (VmHWM, reset through /proc/PID/clear_refs right before the
// export; Linux only), which also holds the JS side (the Uint8Array copies, Blob parts the
// renderer keeps). Prints a Markdown table and the raw JSON on stderr.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';
import { generateNdjson } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const sizes = (process.env.SIZES ?? '200').split(',').map(Number);
const modes = (process.env.MODES ?? 'stream,whole').split(',');
const MB = 1e6;

async function input(mb) {
  const path = join(tmpdir(), `inflight-bench-${mb}mb.ndjson`);
  if (!existsSync(path)) {
    await writeFile(path, generateNdjson(mb * MB));
  }
  return path;
}

// The renderer processes of this browser (Linux /proc), largest resident first.
function renderers(browserPid) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(Number(d), ppid);
    } catch { /* gone */ }
  }
  const under = (pid) => { for (let p = pid; p > 1; p = kids.get(p) ?? 0) if (p === browserPid) return true; return false; };
  const out = [];
  for (const pid of kids.keys()) {
    if (!under(pid)) continue;
    let cmd = '';
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!cmd.includes('--type=renderer')) continue;
    out.push({ pid, rss: status(pid, 'VmRSS') });
  }
  return out.sort((a, b) => b.rss - a.rss);
}

function status(pid, field) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field + ':'));
    return Number(line.split(/\s+/)[1]) * 1024;
  } catch { return 0; }
}

function browserPid() {
  // The newest chromium process whose command line holds our user-data-dir.
  let best = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(userDataDir) && !cmd.includes('--type=')) best = Math.max(best, Number(d));
    } catch { /* gone */ }
  }
  return best;
}

const server = await serveDir(dist);
const userDataDir = await mkdtemp(join(tmpdir(), 'inflight-bench-redact-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--js-flags=--expose-gc'],
});

async function run(mb, path, mode) {
  const page = await context.newPage();
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  const loads = await page.evaluate(() => Number(document.body.dataset.loads ?? '0'));
  await page.setInputFiles('#files', path);
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, loads, { timeout: 900_000 });
  await page.waitForTimeout(1500); // let the worker end and the first render settle
  await page.evaluate(() => window.gc?.());
  const pid = renderers(browserPid()).find(Boolean)?.pid;
  const rssBefore = pid ? status(pid, 'VmRSS') : 0;
  if (pid) { try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not allowed */ } }
  const first = JSON.parse(await page.evaluate(async (m) => (await import('./inflight.js')).bench_redact(m), mode));
  const rssPeak = pid ? status(pid, 'VmHWM') : 0;
  await page.evaluate(() => window.gc?.());
  const second = JSON.parse(await page.evaluate(async (m) => (await import('./inflight.js')).bench_redact(m), mode));
  await page.close();
  return { mb, mode, first, second, rssBefore, rssPeak };
}

const rows = [];
for (const mb of sizes) {
  const path = await input(mb);
  for (const mode of modes) {
    const r = await run(mb, path, mode);
    console.error(JSON.stringify(r));
    rows.push(r);
  }
}

const f = (x, d = 0) => x.toFixed(d);
console.log('| input | mode | events | output MB | redact+export s | verify s | Blob s | total s (2nd run) | MB/s | wasm after load MB (× input) | wasm after export MB (× input) | renderer RSS before MB | renderer peak MB (× input) | findings |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { mode, first: a, second: b, rssBefore, rssPeak } of rows) {
  const inMB = a.input / MB;
  console.log(`| NDJSON ${f(inMB, 1)} MB | ${mode} | ${a.events} | ${f(a.output / MB, 1)} | ${f(a.redact_ms / 1000, 2)} | ${f(a.verify_ms / 1000, 2)} | ${f(a.blob_ms / 1000, 2)} | ${f(a.total_ms / 1000, 2)} (${f(b.total_ms / 1000, 2)}) | ${f(inMB / (Math.min(a.total_ms, b.total_ms) / 1000))} | ${f(a.wasm_before / MB)} (${f(a.wasm_before / a.input, 2)}) | ${f(a.wasm_after / MB)} (${f(a.wasm_after / a.input, 2)}) | ${f(rssBefore / MB)} | ${f(rssPeak / MB)} (${f(rssPeak / a.input, 2)}) | ${a.findings} |`);
}

await context.close();
await server.close();
await rm(userDataDir, { recursive: true, force: true });
