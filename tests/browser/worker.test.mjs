// Files are read in a Web Worker (www/worker.js, src/web/worker.rs): progress, cancel, the
// too-large message, equality with the main-thread path, and (issue 7) the built app served
// from a sub-path with no request outside it.
//
//   INFLIGHT_DIST=/tmp/dist node --test tests/browser/worker.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './harness.mjs';
import { generateNdjson } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');
const SUB = '/tools/inflight/';

let server;
let subServer;
let context;
let userDataDir;

before(async () => {
  assert.ok(existsSync(join(dist, 'worker.js')), `no ${dist}/worker.js: run \`trunk build --offline\` first`);
  await mkdir(out, { recursive: true });
  server = await serveDir(dist);
  subServer = await serveDir(dist, { prefix: SUB });
  userDataDir = await mkdtemp(join(tmpdir(), 'inflight-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  await subServer?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

/** A synthetic incident as NDJSON, from the native generator (`inflight gen`). */
function generate(bytes) {
  return generateNdjson(bytes);
}

async function openApp(url) {
  const page = await context.newPage();
  const log = { requests: [], afterReady: [], errors: [], console: [] };
  let ready = false;
  // Requests of the page and of its worker alike.
  page.on('request', (r) => {
    log.requests.push(r.url());
    if (ready) log.afterReady.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  ready = true;
  return { page, log };
}

const loads = (page) => page.evaluate(() => Number(document.body.dataset.loads ?? '0'));

async function loaded(page, action) {
  const n = await loads(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, n, { timeout: 120_000 });
}

async function cards(page) {
  return page.evaluate(() =>
    Object.fromEntries(['c-events', 'c-breaches', 'c-peak', 'c-dups', 'c-problems', 'c-span'].map((id) => [id, document.getElementById(id).textContent.trim()])),
  );
}

function assertQuiet(log) {
  assert.deepEqual(log.errors, [], 'uncaught page errors');
  assert.deepEqual(log.console.filter((m) => /Content Security Policy|Refused to/i.test(m)), [], 'CSP violations');
}

test('a picked file is read in the worker with a progress bar, and gives what the main thread gives', async () => {
  const { page, log } = await openApp(`${server.origin}/`);
  // The worker's three files were fetched while the page loaded.
  for (const f of ['worker.js', 'inflight.js', 'inflight_bg.wasm']) {
    assert.ok(log.requests.some((u) => u.endsWith('/' + f)), `${f} requested`);
  }
  const text = Buffer.concat([generate(3_000_000), Buffer.from('{"log_id":"x","date":"2024-05-14T08:45:00.239Z",\n')]);
  // Watch the progress bar while it works.
  await page.evaluate(() => {
    window.seen = [];
    window.statuses = [];
    new MutationObserver(() => {
      const box = document.getElementById('progress-box');
      if (!box.hidden) {
        window.seen.push(document.getElementById('progress-text').textContent);
        window.statuses.push(document.getElementById('status').textContent);
      }
    }).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
  });
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'incident.ndjson', mimeType: 'text/plain', buffer: text }]));
  const viaWorker = await cards(page);
  const seen = await page.evaluate(() => window.seen);
  assert.ok(seen.some((t) => /records found/.test(t)), `progress shown: ${JSON.stringify(seen.slice(0, 3))}`);
  // Regression: the status line said "Ready. Drop files…" all through the read.
  const statuses = await page.evaluate(() => window.statuses);
  assert.ok(statuses.length > 0);
  assert.deepEqual(statuses.filter((t) => /Ready/.test(t)), [], 'status while reading');
  assert.match(statuses[0], /^Reading 1 file…$/);
  assert.ok(await page.isHidden('#progress-box'), 'progress bar hidden when done');
  assert.match(await page.textContent('#timing'), /background worker/);
  const problems = await page.$$eval('#problems tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.ok(Number(viaWorker['c-events'].replace(/,/g, '')) > 1000);
  assert.equal(problems.length, 1, 'the cut-off last record is reported');

  // The same text pasted is read on the main thread: the same numbers and problem.
  // (Logs are loaded, so the paste waits in the box, too big to echo, for its button.)
  await loaded(page, async () => {
    await page.evaluate((t) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', t);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, text.toString('utf8'));
    assert.match(await page.getAttribute('#paste', 'placeholder'), /of text was pasted: press Analyze pasted text/);
    await page.click('#paste-go');
  });
  assert.deepEqual(await cards(page), viaWorker);
  const problems2 = await page.$$eval('#problems tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.deepEqual(problems2.map((p) => p.replace('pasted text', '')), problems.map((p) => p.replace('incident.ndjson', '')));

  // The redacted download of the worker-read file works (the text came back from the worker).
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'incident.ndjson', mimeType: 'text/plain', buffer: text }]));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sources button[data-source="0"]')]);
  assert.match(download.suggestedFilename(), /incident\.redacted\.ndjson/);
  assertQuiet(log);
  assert.deepEqual(log.afterReady.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:')), [], 'no request after load');
  await page.close();
});

test('Cancel stops a large read and nothing is loaded', async () => {
  const { page, log } = await openApp(`${server.origin}/`);
  const before = await loads(page);
  // 300 MB made in the page (a Blob of one repeated line), dropped.
  await page.evaluate(() => {
    const line = new TextEncoder().encode('{"log_id":"1","type":"s","date":"2024-05-14T08:45:00.239Z","description":"' + 'x'.repeat(400) + '"}\n');
    const block = new Uint8Array(line.length * 2000);
    for (let i = 0; i < 2000; i++) block.set(line, i * line.length);
    const parts = Array.from({ length: Math.ceil(300e6 / block.length) }, () => block);
    const dt = new DataTransfer();
    dt.items.add(new File(parts, 'huge.ndjson'));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector('#progress-box:not([hidden])');
  await page.waitForFunction(() => /[1-9][\d,]* records found/.test(document.getElementById('progress-text').textContent));
  await page.click('#cancel');
  assert.match(await page.textContent('#status'), /Cancelled/);
  assert.ok(await page.isHidden('#progress-box'));
  await page.waitForTimeout(1500);
  assert.equal(await loads(page), before, 'nothing was loaded');
  // A fresh worker reads the next drop.
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'small.ndjson', mimeType: 'text/plain', buffer: generate(200_000) }]));
  assert.ok(Number((await page.textContent('#c-events')).replace(/,/g, '')) > 50);
  assertQuiet(log);
  await page.close();
});

test('input too large for the browser gets its own clear message', async () => {
  // ?max-input lowers the limit (it can only lower it) so the test needs no gigabyte.
  const { page, log } = await openApp(`${server.origin}/?max-input=50000`);
  const before = await loads(page);
  const big = generate(200_000);
  await page.setInputFiles('#files', [{ name: 'big.ndjson', mimeType: 'text/plain', buffer: big }]);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /Too large for the browser.*at most 48\.8 KB|Too large for the browser/);
  assert.equal(await loads(page), before, 'refused before reading');
  // Small when compressed, too large once inflated: ingest refuses it while reading.
  const gz = gzipSync(big);
  assert.ok(gz.length < 50_000);
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'big.ndjson.gz', mimeType: 'application/gzip', buffer: gz }]));
  assert.match(await page.textContent('#error'), /Too large for the browser: big\.ndjson\.gz/);
  assert.match(await page.textContent('#problems'), /input too large/);
  assertQuiet(log);
  await page.close();
});

test('issue 7: the built folder works from a sub-path, with no request outside it', async () => {
  const { page, log } = await openApp(`${subServer.origin}${SUB}`);
  await loaded(page, () => page.click('#sample'));
  assert.ok(Number((await page.textContent('#c-events')).replace(/,/g, '')) > 100);
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'a.ndjson', mimeType: 'text/plain', buffer: generate(100_000) }]));
  const outside = log.requests.filter((u) => !u.startsWith(`${subServer.origin}${SUB}`) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  assert.deepEqual(subServer.served.filter((r) => !r.split(' ')[1].startsWith(SUB)), [], 'server saw requests outside the sub-path');
  for (const f of ['index.html', 'boot.js', 'inflight.js', 'inflight_bg.wasm', 'style.css', 'worker.js']) {
    assert.ok(subServer.served.some((r) => r.endsWith(SUB + f) || (f === 'index.html' && r.endsWith(SUB))), `${f} served under ${SUB}`);
  }
  assertQuiet(log);
  await page.screenshot({ path: join(out, 'subpath.png') });
  await page.close();
});
