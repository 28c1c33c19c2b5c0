// The shareable outputs in Chromium: the report file opened from file:// (zero network
// requests, on screen and printed), log text that is markup staying inert in the report
// and in the shared view, the shared view showing the analysis' culprits and per-Action
// table, and the "too large for a link" path that offers the report instead.
//
//   INFLIGHT_DIST=/tmp/dist-x node --test tests/browser/report.test.mjs
//
// Screenshots go to tests/browser/out/ (gitignored): report-file.png (screen),
// report-print.png (print media), report-print.pdf, shared-culprits.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS as ARGS, chromiumPath, startApp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');

let server;
let context;
let app;

before(async () => {
  app = await startApp(dist, 'report');
  ({ server, context } = app);
});

after(() => app?.close());

async function openApp() {
  const page = await context.newPage();
  const log = { errors: [], dialogs: [] };
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('dialog', (d) => {
    log.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, log };
}

/** Runs `action` and waits until the app has finished one more load, with no error shown. */
async function loaded(page, action) {
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 60_000 });
  const error = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
  assert.equal(error, '', 'the error box is shown');
}

async function paste(page, text) {
  await page.fill('#paste', text);
  await loaded(page, () => page.click('#paste-go'));
}

async function saveVia(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(button)]);
  return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
}

/**
 * Opens `file` from file:// in a browser of its own and records every request the
 * context sees (request events and a catch-all route), dialogs, errors and CSP reports.
 */
async function openOffline(file) {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ARGS });
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  const log = { requests: [], routed: [], failed: [], errors: [], dialogs: [], console: [] };
  ctx.on('request', (r) => log.requests.push(r.url()));
  ctx.on('requestfailed', (r) => log.failed.push(r.url()));
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    log.routed.push(url);
    // Only the report itself may load; anything else is refused (and recorded).
    return url === pathToFileURL(file).href ? route.continue() : route.abort();
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('console', (m) => log.console.push(`${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => {
    log.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  // Let anything lazy (images, fonts, CSS) have its chance to ask for the network.
  await page.waitForTimeout(300);
  const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  return { browser, ctx, page, log, resources };
}

/** Zero requests but the file:// navigation of the report itself. */
function assertOffline({ log, resources }, file) {
  const href = pathToFileURL(file).href;
  assert.deepEqual(log.requests, [href], 'requests seen by the context');
  assert.deepEqual(log.routed.filter((u) => u !== href), [], 'requests routed');
  assert.deepEqual(log.failed, [], 'failed (refused) requests');
  assert.deepEqual(resources, [], 'resource timing entries');
  assert.deepEqual(log.errors, [], 'page errors');
  assert.deepEqual(log.dialogs, [], 'dialogs');
  assert.deepEqual(log.console.filter((m) => /Content Security Policy|Refused/i.test(m)), [], 'CSP reports');
}

test('the sample report opens from file:// with zero network requests, reads well and prints', async () => {
  const { page, log } = await openApp();
  await loaded(page, () => page.click('#sample'));
  // The app's findings (without its own hint about the chart's diamonds).
  const appFindings = (await page.$$eval('#findings-text p', (ps) => ps.map((p) => p.textContent)))
    .filter((t) => !/orange diamonds/.test(t));
  const report = await saveVia(page, '#exp-report');
  assert.equal(report.name, 'inflight-report.html');
  assert.deepEqual(log.errors, []);
  await page.close();
  const file = join(out, 'report-file.html');
  await writeFile(file, report.bytes);
  console.log(`# report for the sample (logs and execution objects): ${report.bytes.length} bytes`);

  const opened = await openOffline(file);
  const r = opened.page;
  try {
    assertOffline(opened, file);
    assert.equal(await r.$$eval('script', (s) => s.length), 0, 'no script element');
    assert.match(await r.title(), /Inflight report/);
    const h2 = await r.$$eval('h2', (hs) => hs.map((h) => h.textContent));
    assert.deepEqual(h2, ['Findings', 'At a glance', 'Timeline', 'Breach windows', 'Per Action / script', 'Inputs', 'Redaction']);
    // The same words as the app's findings panel.
    const reportFindings = await r.$$eval('#findings li', (li) => li.map((l) => l.textContent));
    assert.deepEqual(reportFindings, appFindings);
    assert.match(reportFindings.join(' '), /Action enrich-profile held \d+% of in-flight time/);
    // The window's ranked culprits and the per-Action table.
    const top = await r.$$eval('#window-1 tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(top[0][1], 'enrich-profile', `first culprit: ${top[0]}`);
    assert.match(top[0][2], /^\d+\.\d%$/);
    const actions = await r.$$eval('#durations tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    assert.ok(actions.includes('enrich-profile'), `per-Action rows: ${actions}`);
    // The chart is drawn and fits the page.
    const box = await r.$eval('#timeline svg', (s) => {
      const b = s.getBoundingClientRect();
      return { w: b.width, h: b.height, marks: s.querySelectorAll('circle, rect, polyline, path').length };
    });
    assert.ok(box.w > 600 && box.w <= 1100 && box.h > 200, `chart box ${JSON.stringify(box)}`);
    assert.ok(box.marks > 100, `chart elements: ${box.marks}`);
    const overflow = await r.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the report is wider than the window by ${overflow}px`);
    await r.screenshot({ path: join(out, 'report-file.png'), fullPage: true });

    // Printed: same content, no horizontal overflow on A4, and a PDF to look at.
    await r.emulateMedia({ media: 'print' });
    assert.equal(await r.evaluate(() => matchMedia('print').matches), true);
    await r.screenshot({ path: join(out, 'report-print.png'), fullPage: true });
    const pdf = await r.pdf({ path: join(out, 'report-print.pdf'), format: 'A4', printBackground: false });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.ok(pages >= 2 && pages <= 12, `printed pages: ${pages}`);
    console.log(`# printed report: ${pages} A4 pages`);
    assertOffline(opened, file);
  } finally {
    await opened.browser.close();
  }
});

// Markup in every log field that reaches a report or a link: Action names (chart
// legend, culprits, per-Action table, findings), user_agent, description, client_name.
const HOSTILE = [
  { log_id: '1', type: 'actions_execution_failed', date: '2024-01-15T10:30:01.000Z', description: '<b>bold</b> & <i>',
    client_name: '"><img src=x onerror=alert(1)>', user_agent: '<script>alert(2)</script>',
    details: { action_name: '<img src=x onerror=alert(7)>', stats: { total_request_duration_ms: 900 } } },
  { log_id: '2', type: 's', date: '2024-01-15T10:30:02.000Z', client_name: '</pre><script>alert(3)</script>',
    details: { stats: { total_request_duration_ms: 700 } } },
  { log_id: '3', type: 'f', date: '2024-01-15T10:30:03.000Z', description: 'resource_exhausted',
    connection: "' onmouseover='alert(4)" },
].map((e) => JSON.stringify(e)).join('\n');
const NAME = '<img src=x onerror=alert(7)>';

test('markup in log values stays text in the report (from file://) and in the shared view', async () => {
  const { page, log } = await openApp();
  await paste(page, HOSTILE);
  const report = await saveVia(page, '#exp-report');
  await page.click('#exp-share');
  await page.waitForSelector('#share-link:not([hidden])');
  const link = await page.inputValue('#share-link');
  assert.deepEqual(log.dialogs, []);
  await page.close();

  const file = join(out, 'report-hostile.html');
  await writeFile(file, report.bytes);
  const opened = await openOffline(file);
  try {
    assertOffline(opened, file);
    const r = opened.page;
    assert.equal(await r.$$eval('script, img, iframe, object, embed', (x) => x.length), 0, 'no injected element');
    const text = await r.textContent('body');
    assert.ok(text.includes(NAME), 'the Action name shows as text');
    const culprit = await r.$eval('#window-1 tbody tr td:nth-child(2)', (td) => td.textContent);
    assert.equal(culprit, NAME);
    assert.ok(await r.$$eval('#timeline svg text', (ts, name) => ts.some((t) => t.textContent.trim() === name), NAME), 'legend text');
    assert.equal(await r.$$eval('[onmouseover], [onerror]', (x) => x.length), 0);
  } finally {
    await opened.browser.close();
  }

  const shared = await context.newPage();
  const slog = { errors: [], dialogs: [] };
  shared.on('pageerror', (e) => slog.errors.push(String(e)));
  shared.on('dialog', (d) => {
    slog.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await shared.goto(link, { waitUntil: 'load' });
  await shared.waitForSelector('#shared:not([hidden])', { timeout: 30_000 });
  assert.equal(await shared.$$eval('#shared img, #shared script, #shared [onerror]', (x) => x.length), 0);
  assert.equal(await shared.$eval('#shared-culprits tbody tr td:nth-child(2)', (td) => td.textContent), NAME);
  assert.equal(await shared.$eval('#shared-labels tbody tr td', (td) => td.textContent), NAME);
  assert.ok((await shared.textContent('#shared-findings')).includes(`Action ${NAME} held`));
  await shared.waitForTimeout(200);
  assert.deepEqual(slog.dialogs, []);
  assert.deepEqual(slog.errors, []);
  await shared.close();
});

test('the shared view shows what the app shows: findings, ranked culprits per window, per-Action table', async () => {
  const { page } = await openApp();
  await loaded(page, () => page.click('#sample'));
  const appFindings = (await page.$$eval('#findings-text p', (ps) => ps.map((p) => p.textContent)))
    .filter((t) => !/orange diamonds/.test(t));
  await page.click('#windows button[data-window="0"]');
  await page.waitForSelector('#culprits:not([hidden])');
  const appCulprits = await page.$$eval('#culprits-table tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const appActions = await page.$$eval('#actions-table tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.ok(await page.isVisible('#actions-box'), 'the app shows its per-Action table');
  assert.equal(appActions[0][0], 'enrich-profile', 'slowest p95 first');
  await page.click('#exp-share');
  await page.waitForSelector('#share-link:not([hidden])');
  const link = await page.inputValue('#share-link');
  await page.close();

  const shared = await context.newPage();
  await shared.goto(link, { waitUntil: 'load' });
  await shared.waitForSelector('#shared:not([hidden])', { timeout: 30_000 });
  // Opened at the summary, not at the drop zone above it, with the focus on it.
  const { top, atBottom } = await shared.$eval('#shared', (s) => ({
    top: s.getBoundingClientRect().top,
    atBottom: window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1,
  }));
  assert.ok(top > -2 && (top < 2 || atBottom) && top < 200, `the summary is scrolled into view (top ${top})`);
  assert.equal(await shared.evaluate(() => document.activeElement?.id), 'shared');
  const findings = await shared.$$eval('#shared-findings p', (ps) => ps.map((p) => p.textContent));
  assert.deepEqual(findings, appFindings, 'the same findings as the app');
  const culprits = await shared.$$eval('#shared-culprits [data-window="0"] tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.ok(culprits.length > 0);
  // The app's table shows up to 10; the link carries the top 5, cell for cell the same.
  assert.deepEqual(culprits, appCulprits.slice(0, culprits.length), 'the same culprit rows as the app');
  assert.equal(culprits[0][1], 'enrich-profile');
  const explanation = await shared.textContent('#shared-culprits [data-window="0"] .hint');
  assert.match(explanation, /^Action enrich-profile held/);
  const actions = await shared.$$eval('#shared-labels tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(actions, appActions, 'the same per-Action rows as the app');
  assert.doesNotMatch(actions.flat().join(' '), /post-login request/);
  await shared.screenshot({ path: join(out, 'shared-culprits.png'), fullPage: true });
  await shared.close();
});

/** Logs with `n` Actions whose long names are random letters (they do not compress). */
function manyLongActionNames(n, len) {
  let x = 0x2545f491n;
  const next = () => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(x >> 33n);
  };
  const lines = [];
  for (let i = 0; i < n; i++) {
    let name = '';
    for (let k = 0; k < len; k++) name += String.fromCharCode(97 + (next() % 26));
    const mm = String(Math.floor(i / 60) % 60).padStart(2, '0');
    const ss = String(i % 60).padStart(2, '0');
    lines.push(JSON.stringify({ log_id: String(i), type: 'actions_execution_failed', date: `2024-01-15T10:${mm}:${ss}.000Z`,
      details: { action_name: name, stats: { total_request_duration_ms: 500 + i } } }));
  }
  lines.push(JSON.stringify({ log_id: 'x', type: 'f', date: '2024-01-15T10:05:00.000Z', description: 'resource_exhausted' }));
  return lines.join('\n');
}

test('a summary too large for a link: the app says so and offers the report file', async () => {
  const { page, log } = await openApp();
  await paste(page, manyLongActionNames(200, 60));
  await page.click('#exp-share');
  await page.waitForFunction(() => /No link/.test(document.getElementById('exp-status').textContent));
  const status = await page.textContent('#exp-status');
  assert.match(status, /^No link: summary too large for a link \(\d+ chars, at most 8000\)\. Download the report file instead/);
  assert.equal(await page.isVisible('#share-link'), false, 'no half-made link');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'exp-report', 'focus moves to the report button');
  const report = await saveVia(page, '#exp-report');
  assert.equal(report.name, 'inflight-report.html');
  assert.ok(report.bytes.length > 20_000);
  assert.deepEqual(log.errors, []);
  await page.close();
});
