// The redaction panel in a real browser (issue 6 "In the app", issue 7's gate and CLI
// parity): counts per rule for the loaded logs, switching rules, user rules with inline
// errors, the allow-list, the before/after preview, the export gate (blocked, then fixed
// by switching the rule back on, or by keeping the value), the rule set in the URL
// fragment and local storage, and the page's downloads byte-identical to the CLI's for
// the same input, passphrase and rules.
//
//   INFLIGHT_DIST=/tmp/dist-x node --test tests/browser/redaction.test.mjs
//
// The CLI comparison runs `target/debug/inflight` (or $INFLIGHT_CLI); `cargo test
// --all-targets` builds it, and this file builds it when it is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './harness.mjs';
import { cliBin } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');

let server;
let browser;
let tmp;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), `no ${dist}/index.html: run \`trunk build --offline\` first`);
  assert.ok(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: run ./scripts/setup`);
  await mkdir(out, { recursive: true });
  server = await serveDir(dist);
  tmp = await mkdtemp(join(tmpdir(), 'inflight-redaction-'));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * A fresh browser context (its own local storage) and a page on the app, waiting for the
 * wasm to start. Blob types of downloads are recorded in `window.__blobTypes`.
 */
async function openApp(context, hash = '') {
  context ??= await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await context.addInitScript(() => {
    const create = URL.createObjectURL;
    window.__blobTypes = [];
    URL.createObjectURL = function (b) {
      window.__blobTypes.push(b && b.type);
      return create.call(URL, b);
    };
  });
  const page = await context.newPage();
  const log = { requests: [], errors: [], console: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') log.console.push(m.text());
  });
  await page.goto(`${server.origin}/${hash}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { context, page, log };
}

function assertQuiet(log) {
  const local = (u) => u.startsWith(`${server.origin}/`) || u.startsWith('data:') || u.startsWith('blob:');
  assert.deepEqual(log.requests.filter((u) => !local(u)), [], 'requests that left the local server');
  assert.deepEqual(log.errors, [], 'uncaught page errors');
  assert.deepEqual(log.console.filter((m) => /Content Security Policy|Refused to|panicked/i.test(m)), [], 'CSP violations or panics');
}

async function loaded(page, action) {
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 60_000 });
}

/** Waits until the panel's counts are for the current rules. */
async function counted(page) {
  await page.waitForSelector('#redaction[data-state="ready"]', { timeout: 60_000 });
}

/** The count shown for a default rule. */
async function count(page, rule) {
  const text = (await page.textContent(`#rd-rules tr[data-rule="${rule}"] td.num`)).trim();
  const n = Number(text.replace(/,/g, ''));
  assert.ok(Number.isFinite(n), `${rule} shows ${JSON.stringify(text)}`);
  return n;
}

/** Switches a default rule and waits for the recount. */
async function setRule(page, rule, on) {
  const box = `#rd-rules input[data-rule="${rule}"]`;
  await page.waitForSelector(box);
  if (on) await page.check(box);
  else await page.uncheck(box);
  await page.waitForSelector('#redaction:not([data-state="ready"])').catch(() => {});
  await counted(page);
}

/** Clicks `selector` and returns the download it starts. */
async function saveVia(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(selector)]);
  return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
}

/** Clicks `selector` and checks that no download starts while the gate opens. */
async function blockedVia(page, selector) {
  let downloads = 0;
  const count = () => downloads++;
  page.on('download', count);
  await page.click(selector);
  await page.waitForSelector('#gate:not([hidden])', { timeout: 60_000 });
  await page.waitForTimeout(300);
  page.off('download', count);
  assert.equal(downloads, 0, 'nothing is saved while the verifier finds something');
}

async function shot(page, selector, name) {
  const el = await page.$(selector);
  await el.scrollIntoViewIfNeeded();
  await el.screenshot({ path: join(out, name) });
}

const DOTTED_QUAD = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;

test('panel: counts for the sample, a rule off blocks the export, switching it back on saves it', async () => {
  const { context, page, log } = await openApp();
  await loaded(page, () => page.click('#sample'));
  await counted(page);
  // Every default rule is listed, with what/why/example; counts for the sample.
  assert.equal(await page.$$eval('#rd-rules tbody tr', (r) => r.length), 53);
  assert.equal(await count(page, 'path:ip'), 5398);
  assert.equal(await count(page, 'path:user_name'), 5398);
  assert.equal(await count(page, 'detector:ip'), 0);
  assert.equal(await count(page, 'detector:jwt'), 0);
  const total = await page.textContent('#rd-total');
  assert.match(total, /^[\d,]+ values replaced in 5,398 events and 3,374 Action execution objects/);
  const row = await page.textContent('#rd-rules tr[data-rule="path:ip"]');
  assert.match(row, /the end user's IP address/);
  assert.match(row, /81\.2\.69\.143/, 'the example');
  await shot(page, '#redaction', 'redaction-panel.png');

  // The path rule off: the ip detector takes over (counts move), nothing leaks.
  await setRule(page, 'path:ip', false);
  assert.equal(await count(page, 'path:ip'), 0);
  const byDetector = await count(page, 'detector:ip');
  assert.ok(byDetector > 0, 'the detector replaces the ips the path rule no longer does');
  assert.ok(await page.$eval('#rd-rules tr[data-rule="path:ip"]', (r) => r.classList.contains('rd-off')));
  assert.doesNotMatch(await page.textContent('#rd-status'), /^Counting/, 'no stale progress line once counted');
  // The detector off too: the ips are left in, and the gate blocks the download.
  await setRule(page, 'detector:ip', false);
  assert.equal(await count(page, 'detector:ip'), 0);
  assert.match(page.url(), /#v=1&off=detector:ip,path:ip$/, 'the rule set is in the fragment');
  await blockedVia(page, '#sources button[data-source="0"]');
  assert.match(await page.textContent('#gate-h'), /Not saved: the redacted logs would still contain [\d,]+ values/);
  const items = await page.$$eval('#gate-list li[data-kind]', (lis) => lis.map((li) => ({ kind: li.dataset.kind, text: li.textContent })));
  // Hundreds of addresses: the first 12 are listed one by one, the rest counted.
  assert.equal(items.length, 12);
  assert.match(await page.textContent('#gate-list li.g-more'), /… and [\d,]+ more values not listed \([\d,]+ occurrences\)/);
  const kinds = [...new Set(items.map((i) => i.kind))].sort();
  assert.ok(kinds.includes('ipv4') && kinds.every((k) => k === 'ipv4' || k === 'ipv6'), kinds.join(' '));
  assert.match(items[0].text, /ipv4\d\d… \(\d+ chars\) at ip, line \d+/);
  assert.match(items[0].text, /detector:ip is switched off/);
  const gateText = await page.textContent('#gate');
  assert.doesNotMatch(gateText, DOTTED_QUAD, 'the gate shows masked excerpts, not the addresses');
  await shot(page, '#exports', 'redaction-gate.png');

  // Fixed from the gate: switching the detector back on saves the file.
  const dl = await saveVia(page, '#gate-list li:first-child button[data-act="enable"]');
  assert.equal(dl.name, 'sample-incident.redacted.ndjson');
  const text = dl.bytes.toString('utf8');
  assert.doesNotMatch(text, /"ip":"\d/, 'no ip left');
  assert.match(text, /"ip":"ip-[0-9a-f]{8}"/);
  assert.ok(await page.$eval('#gate', (g) => g.hidden), 'the gate closes');
  assert.match(await page.textContent('#exp-status'), /Saved sample-incident\.redacted\.ndjson/);
  assert.ok(await page.isChecked('#rd-rules input[data-rule="detector:ip"]'));
  const types = await page.evaluate(() => window.__blobTypes);
  assert.equal(types.at(-1), 'application/x-ndjson', 'NDJSON input, NDJSON MIME type');

  // The report and the chart SVG pass the same gate and are saved.
  const report = await saveVia(page, '#exp-report');
  assert.match(report.bytes.toString('utf8'), /Switched off by the author: <code>path:ip<\/code>/);
  assert.equal((await page.evaluate(() => window.__blobTypes)).at(-1), 'text/html');
  const svg = await saveVia(page, '#exp-svg');
  assert.match(svg.bytes.toString('utf8'), /^<svg/);
  assertQuiet(log);
  await context.close();
});

test('panel: a value kept on purpose goes through the gate, into the allow-list and the file', async () => {
  const { context, page, log } = await openApp();
  const lines = [
    '{"log_id":"1","type":"f","date":"2024-01-15T10:30:01.000Z","ip":"81.2.69.143","user_name":"trinity@acme.example","description":"Wrong password","details":{"custom":{"contact":"morpheus@matrix.example","plan":"gold-7731"}}}',
    '{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z","ip":"81.2.69.144","user_name":"neo@acme.example"}',
  ];
  await page.fill('#paste', lines.join('\n'));
  await loaded(page, () => page.click('#paste-go'));
  await counted(page);
  assert.equal(await count(page, 'detector:email'), 1);
  await setRule(page, 'detector:email', false);
  await blockedVia(page, '#sources button[data-source="0"]');
  const items = await page.$$eval('#gate-list li', (lis) => lis.map((li) => li.textContent));
  assert.equal(items.length, 1, items.join('\n'));
  assert.match(items[0], /emailmo… \(23 chars\) at details\.custom\.contact, line 1/);
  assert.doesNotMatch(await page.textContent('#gate'), /morpheus/, 'masked in the list');
  // Three ways out are offered; keep it.
  const acts = await page.$$eval('#gate-list li button', (b) => b.map((x) => x.dataset.act));
  assert.deepEqual(acts, ['enable', 'keep']);
  const dl = await saveVia(page, '#gate-list li button[data-act="keep"]');
  const text = dl.bytes.toString('utf8');
  assert.ok(text.includes('"contact":"morpheus@matrix.example"'), 'the kept value is in the file');
  assert.ok(!text.includes('trinity@acme.example') && !text.includes('81.2.69.143'), 'the rest is redacted');
  assert.match(await page.textContent('#exp-status'), /1 flagged value you chose to keep/);
  assert.match(await page.textContent('#rd-allow-list'), /morpheus@matrix\.example/);
  assert.match(page.url(), /allow=morpheus%40matrix\.example/);
  // Inline errors for rules that do not parse; a good path rule counts and redacts.
  await page.fill('#rd-path', 'details..custom');
  await page.click('#rd-path-add');
  assert.match(await page.textContent('#rd-path-err'), /empty segment/);
  await page.fill('#rd-pat', 'ab');
  await page.press('#rd-pat', 'Enter');
  assert.match(await page.textContent('#rd-pat-err'), /at least 3 characters/);
  await page.fill('#rd-path', 'details.custom.*');
  await page.click('#rd-path-add');
  assert.equal(await page.textContent('#rd-path-err'), '');
  await counted(page);
  await page.waitForFunction(() => /1 replaced/.test(document.querySelector('#rd-custom li[data-name="path:details.custom.*"]')?.textContent ?? ''));
  assertQuiet(log);
  await context.close();
});

test('preview: the selected event before and after, changes highlighted as text', async () => {
  const { context, page, log } = await openApp();
  await loaded(page, () => page.click('#sample'));
  await counted(page);
  await page.click('#ev-rows .ev-row >> nth=0');
  await page.waitForSelector('#detail:not([hidden])');
  await page.check('#rd-compare');
  await page.waitForSelector('#rd-preview:not([hidden])');
  const before = await page.$$eval('#rd-before mark.rd-del', (m) => m.map((x) => x.textContent));
  const after = await page.$$eval('#rd-after mark.rd-ins', (m) => m.map((x) => x.textContent));
  assert.ok(before.length >= 5, `changes highlighted: ${before.length}`);
  assert.equal(before.length, after.length);
  assert.ok(before.some((t) => DOTTED_QUAD.test(t)), 'the original ip is highlighted on the left');
  assert.ok(after.some((t) => /^"ip-[0-9a-f]{8}"$/.test(t)), after.join(' '));
  assert.ok(after.every((t) => /(user|email|ip|ua|session|host|tenant|client|name|phone|token|secret|id|text)-[0-9a-f]{8}/.test(t)), after.join(' '));
  const title = await page.getAttribute('#rd-after mark.rd-ins >> nth=0', 'title');
  assert.match(title, /^(path|detector):/);
  // Only text nodes and <mark> elements inside (no markup from the log).
  const kinds = await page.$$eval('#rd-before, #rd-after', (pres) => [...new Set(pres.flatMap((p) => [...p.childNodes].map((n) => n.nodeName)))].sort());
  assert.deepEqual(kinds, ['#text', 'MARK']);
  assert.match(await page.textContent('#rd-preview-n'), /values replaced in this event/);
  await shot(page, '#detail', 'redaction-preview.png');
  // A rule switched off shows in the preview at once.
  const n = before.length;
  await setRule(page, 'path:user_agent', false);
  await page.waitForFunction((n) => document.querySelectorAll('#rd-before mark').length < n, n);
  assertQuiet(log);
  await context.close();
});

test('the rule set survives a reload (fragment) and a new tab (local storage)', async () => {
  const { context, page } = await openApp();
  await loaded(page, () => page.click('#sample'));
  await counted(page);
  await setRule(page, 'detector:phone', false);
  await page.fill('#rd-path', 'details.prompts.*.name');
  await page.click('#rd-path-add');
  await page.fill('#rd-pat', '*@example.com');
  await page.click('#rd-pat-add');
  await counted(page);
  const frag = 'v=1&off=detector:phone&path=details.prompts.*.name&pat=*%40example.com';
  assert.equal(new URL(page.url()).hash, `#${frag}`);
  assert.equal(await page.textContent('#rd-frag'), frag);
  // The rules never hold log data: no email, no ip in the fragment.
  assert.doesNotMatch(decodeURIComponent(page.url()), /sam\.|198\.51\.|auth0\|/);

  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await page.isChecked('#rd-rules input[data-rule="detector:phone"]'), false);
  assert.match(await page.textContent('#rd-custom'), /path:details\.prompts\.\*\.name/);
  assert.match(await page.textContent('#rd-custom'), /pattern:\*@example\.com/);
  assert.match(await page.textContent('#rd-status'), /restored from the page address/);
  // A fresh tab without the fragment: from local storage.
  const other = await context.newPage();
  await other.goto(`${server.origin}/`, { waitUntil: 'load' });
  await other.waitForSelector('body[data-ready="1"]');
  assert.equal(await other.isChecked('#rd-rules input[data-rule="detector:phone"]'), false);
  assert.match(await other.textContent('#rd-status'), /restored from this browser's storage/);
  // Counts for the restored rules, after a load.
  await loaded(other, () => other.click('#sample'));
  await counted(other);
  await other.waitForFunction(() => /[1-9]/.test(document.querySelector('#rd-custom li[data-name="path:details.prompts.*.name"] .rd-n')?.textContent ?? ''));
  // Reset: defaults again, fragment and storage cleared.
  await other.click('#rd-reset');
  await counted(other);
  assert.equal(new URL(other.url()).hash, '');
  assert.equal(await other.evaluate(() => localStorage.getItem('inflight.rules')), null);
  assert.equal(await other.isChecked('#rd-rules input[data-rule="detector:phone"]'), true);
  await context.close();
});

/** The CLI binary (debug, or $INFLIGHT_CLI), built when missing. */
const cli = () => cliBin('debug');

test('the page and the CLI write the same bytes for the same input, passphrase and rules', async () => {
  const bin = cli();
  const dir = join(tmp, 'parity');
  await mkdir(dir, { recursive: true });
  const input = execFileSync(bin, ['gen', '--scenario', 'two-culprits', '--format', 'ndjson'], { maxBuffer: 1 << 28 });
  await writeFile(join(dir, 'incident.ndjson'), input);

  const { context, page, log } = await openApp();
  // The report shows when it was made: the page's clock is pinned, the CLI is told the same time.
  const when = Date.parse('2024-06-01T12:00:00.000Z');
  await page.clock.setFixedTime(when);
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'incident.ndjson', mimeType: 'text/plain', buffer: input }]));
  await counted(page);
  await page.fill('#rd-path', 'details.prompts.*.name');
  await page.click('#rd-path-add');
  await counted(page);
  await page.fill('#rd-pass', 'correct horse battery staple');
  await page.waitForSelector('#redaction[data-key="passphrase"]', { timeout: 30_000 });
  // Derived by WebCrypto (asynchronous, off the main thread), not by the wasm PBKDF2.
  assert.equal(await page.getAttribute('#redaction', 'data-kdf'), 'webcrypto');
  const rules = await page.textContent('#rd-frag');
  assert.equal(rules, 'v=1&path=details.prompts.*.name');

  const logs = await saveVia(page, '#sources button[data-source="0"]');
  const cliLogs = execFileSync(bin, ['redact', '--passphrase', 'correct horse battery staple', '--rules', rules, 'incident.ndjson'], {
    cwd: dir,
    maxBuffer: 1 << 28,
  });
  assert.ok(cliLogs.length > 1000);
  assert.ok(logs.bytes.equals(cliLogs), `redacted logs differ (page ${logs.bytes.length} B, CLI ${cliLogs.length} B)`);

  const report = await saveVia(page, '#exp-report');
  execFileSync(
    bin,
    ['report', 'incident.ndjson', '--passphrase', 'correct horse battery staple', '--rules', rules, '--generated-at', String(when), '-o', 'report.html'],
    { cwd: dir },
  );
  const cliReport = await readFile(join(dir, 'report.html'));
  if (!report.bytes.equals(cliReport)) {
    await writeFile(join(out, 'parity-page-report.html'), report.bytes);
    await writeFile(join(out, 'parity-cli-report.html'), cliReport);
  }
  assert.match(cliReport.toString('utf8'), /Generated 2024-06-01 12:00:00 UTC by Inflight/);
  assert.ok(report.bytes.equals(cliReport), `reports differ (page ${report.bytes.length} B, CLI ${cliReport.length} B)`);

  // Without the passphrase (the page's random key) the tokens differ from the CLI's.
  await page.fill('#rd-pass', '');
  await page.waitForSelector('#redaction[data-key="random"]');
  const random = await saveVia(page, '#sources button[data-source="0"]');
  assert.ok(!random.bytes.equals(cliLogs), 'the random key gives other pseudonyms');
  assertQuiet(log);
  await context.close();
});

test('while the worker\'s events are still loading: counts wait, logs and report say so, then both are whole', async () => {
  const bin = cli();
  const input = execFileSync(bin, ['gen', '--scenario', 'two-culprits', '--format', 'ndjson'], { maxBuffer: 1 << 28 });
  const { context, page, log } = await openApp();
  const file = [{ name: 'incident.ndjson', mimeType: 'text/plain', buffer: input }];

  // Reference: the same file loaded to the end, its counts and its redacted copy.
  await loaded(page, () => page.setInputFiles('#files', file));
  await counted(page);
  const rules = ['path:ip', 'path:user_name', 'detector:email', 'detector:ip'];
  const want = {};
  for (const r of rules) want[r] = await count(page, r);
  assert.ok(want['path:ip'] > 100, `ip count ${want['path:ip']}`);
  const reference = await saveVia(page, '#sources button[data-source="0"]');

  // Again, held after the chart (the page's test hook): the session is "loading".
  await page.evaluate(() => document.body.setAttribute('data-hold-load', '1'));
  const shown = Number((await page.getAttribute('body', 'data-shown')) ?? '0');
  const loads = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  await page.setInputFiles('#files', file);
  await page.waitForFunction((n) => Number(document.body.dataset.shown ?? '0') > n, shown, { timeout: 60_000 });
  await page.waitForSelector('#redaction[data-state="waiting"]', { timeout: 30_000 });
  assert.match(await page.textContent('#rd-total'), /Counts follow once the events are loaded/);
  for (const r of rules) {
    const cell = (await page.textContent(`#rd-rules tr[data-rule="${r}"] td.num`)).trim();
    assert.ok(!/\d/.test(cell), `${r} shows no count while loading, not ${JSON.stringify(cell)}`);
  }
  // Logs and report: nothing saved, and the page says why.
  let downloads = 0;
  const onDl = () => downloads++;
  page.on('download', onDl);
  await page.click('#sources button[data-source="0"]');
  assert.match(await page.textContent('#exp-status'), /Not saved: the events are still being loaded into the page\. The redacted logs can be saved once they are in/);
  await page.click('#exp-report');
  assert.match(await page.textContent('#exp-status'), /Not saved: the events are still being loaded into the page\. The report can be saved once they are in/);
  await page.waitForTimeout(300);
  page.off('download', onDl);
  assert.equal(downloads, 0, 'nothing saved while loading');
  assert.ok(await page.isHidden('#gate'), 'no gate: nothing was checked');
  assert.equal(Number(await page.getAttribute('body', 'data-loads')), loads, 'still loading');
  // The chart-only outputs work already.
  const svg = await saveVia(page, '#exp-svg');
  assert.equal(svg.name, 'inflight-chart.svg');

  // Released: the counts and the copy equal the reference.
  await page.evaluate(() => document.body.removeAttribute('data-hold-load'));
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, loads, { timeout: 60_000 });
  await counted(page);
  for (const r of rules) assert.equal(await count(page, r), want[r], r);
  const logs = await saveVia(page, '#sources button[data-source="0"]');
  assert.equal(logs.name, reference.name);
  assert.ok(logs.bytes.equals(reference.bytes), 'the same redacted copy as a load that was not held');
  assertQuiet(log);
  await context.close();
});

test('a rules link pasted into an open tab is read at once, held for confirmation when it weakens redaction', async () => {
  const { context, page, log } = await openApp(null, '');
  const line = JSON.stringify({ log_id: '1', date: '2024-05-14T09:00:00.000Z', type: 's', ip: '81.2.69.143', description: 'acme-corp login' });
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'one.ndjson', mimeType: 'text/plain', buffer: Buffer.from(`${line}\n`) }]));
  await counted(page);
  assert.ok(await page.isHidden('#rules-notice'));
  await page.evaluate(() => { location.hash = '#v=1&off=detector:ip,path:ip'; });
  await page.waitForSelector('#rules-notice:not([hidden])');
  assert.equal(await page.textContent('#rules-notice-from'), 'the page address');
  assert.equal(await page.isChecked('#rd-rules input[data-rule="path:ip"]'), false, 'the rule is off in the panel');
  await page.click('#sources button[data-source="0"]');
  await page.waitForFunction(() => /^Not saved: the rule set restored from the page address/.test(document.querySelector('#exp-status').textContent));
  assertQuiet(log);
  await context.close();
});

test('a rule set from the page address that weakens redaction is shown and needs a confirmation before any export', async () => {
  const { context, page, log } = await openApp(null, '#v=1&off=path:ip,detector:ip,path:nope&allow=81.2.69.143');
  const notice = '#rules-notice';
  // Shown with the Share buttons once logs are loaded; filled at once.
  await page.waitForSelector(`${notice}:not([hidden])`, { state: 'attached' });
  const items = await page.$$eval('#rules-notice-list li', (lis) => lis.map((li) => li.textContent));
  assert.equal(items.length, 4, JSON.stringify(items));
  assert.match(items[0], /^detector:ip is off: /);
  assert.match(items[1], /^path:ip is off: /);
  assert.equal(items[2], '81.2.69.143 is kept as it is (allow-list)');
  assert.equal(items[3], 'path:nope is not a rule name: left out');
  assert.equal(await page.textContent('#rules-notice-from'), 'the page address');
  const line = JSON.stringify({ log_id: '1', date: '2024-05-14T09:00:00.000Z', type: 's', ip: '81.2.69.143' });
  await loaded(page, () => page.setInputFiles('#files', [{ name: 'one.ndjson', mimeType: 'text/plain', buffer: Buffer.from(`${line}\n`) }]));
  await counted(page);
  assert.ok(await page.isVisible(notice));
  // Refused, for every export, until confirmed.
  let downloads = 0;
  const countDl = () => downloads++;
  page.on('download', countDl);
  for (const sel of ['#sources button[data-source="0"]', '#exp-report', '#exp-share']) {
    await page.click(sel);
    await page.waitForFunction(() => /^Not saved: the rule set restored from the page address/.test(document.querySelector('#exp-status').textContent));
    await page.evaluate(() => { document.querySelector('#exp-status').textContent = ''; });
  }
  await page.waitForTimeout(300);
  page.off('download', countDl);
  assert.equal(downloads, 0);
  // Confirmed: the user's explicit choice is exported; the notice stays.
  await page.click('#rules-notice-ok');
  assert.ok(await page.isHidden('#rules-notice-ok'));
  assert.ok(await page.isVisible(notice));
  const dl = await saveVia(page, '#sources button[data-source="0"]');
  assert.match(dl.bytes.toString(), /"ip":"81\.2\.69\.143"/);
  // Reset from the notice: defaults, notice gone.
  await page.click('#rules-notice-reset');
  await page.waitForSelector(`${notice}[hidden]`, { state: 'attached' });
  assertQuiet(log);
  await context.close();
});

test('emails in Action names: report and share link are made, with the names redacted', async () => {
  const { context, page, log } = await openApp();
  let events = '';
  const execs = [];
  for (let i = 0; i < 12; i++) {
    const t = (s) => `2024-05-14T09:00:${String(s).padStart(2, '0')}.000Z`;
    events += `${JSON.stringify({ log_id: `L${i}`, date: t(i), type: 's', description: '', details: { actions: { executions: [`e${i}`] } } })}\n`;
    execs.push({ id: `e${i}`, trigger_id: 'post-login', results: [{ action_name: `hook-${i}-notify-ops@acme-corp.com`, started_at: t(i), ended_at: t(i + 30) }] });
  }
  await loaded(page, () => page.setInputFiles('#files', [
    { name: 'many.ndjson', mimeType: 'text/plain', buffer: Buffer.from(events) },
    { name: 'many-exec.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(execs)) },
  ]));
  await counted(page);
  const report = await saveVia(page, '#exp-report');
  const html = report.bytes.toString();
  assert.doesNotMatch(html, /acme-corp/);
  assert.equal((html.match(/<td>email-[0-9a-f]{8}<\/td>/g) ?? []).length, 12, 'one row per Action, each with its token');
  await page.click('#exp-share');
  await page.waitForSelector('#share-link:not([hidden])');
  assert.ok(await page.isHidden('#gate'));
  // The email detector off: the share link is blocked, and the gate names the Action and a fix that works.
  await setRule(page, 'detector:email', false);
  await page.click('#exp-share');
  await page.waitForSelector('#gate:not([hidden])');
  const first = await page.textContent('#gate-list li:first-child');
  assert.match(first, /in the Action name 'hook-\d+-notif…'/);
  assert.doesNotMatch(await page.textContent('#gate'), /w\.\*\.c|Rename what holds them/);
  await page.click('#gate-list li:first-child button[data-act="enable"]');
  await page.waitForSelector('#gate', { state: 'hidden' });
  await page.waitForSelector('#share-link:not([hidden])');
  // A path rule on the execution objects' path works too.
  await setRule(page, 'detector:email', false);
  await page.fill('#rd-path', 'results.*.action_name');
  await page.click('#rd-path-add');
  await counted(page);
  const again = await saveVia(page, '#exp-report');
  assert.doesNotMatch(again.bytes.toString(), /acme-corp/);
  assertQuiet(log);
  await context.close();
});

test('a path rule that reaches analysis fields warns; patterns share one minimum length', async () => {
  const { context, page } = await openApp();
  await loaded(page, () => page.click('#sample'));
  await counted(page);
  await page.fill('#rd-path', '**');
  await page.click('#rd-path-add');
  assert.match(await page.textContent('#rd-path-err'), /^`\*\*` also replaces date, type, log_id.*cannot be analysed again/);
  for (const p of ['?', '[']) {
    await page.fill('#rd-pat', p);
    await page.click('#rd-pat-add');
    assert.match(await page.textContent('#rd-pat-err'), /a pattern needs at least 3 characters other than `\*` and `\?`/);
  }
  await context.close();
});
