// Page behaviour fixed after a tester's report: phone-width layout, the limit field's
// inline error, undated failures in findings and problems, the problems card.
//
//   node --test tests/browser/fixes.test.mjs      (after `trunk build --offline --release`)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');

let server;
let context;
let app;

before(async () => {
  app = await startApp(dist, 'fixes');
  ({ server, context } = app);
});

after(() => app?.close());

async function openApp(viewport) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, errors };
}

async function loaded(page, action) {
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 60_000 });
}

async function paste(page, text) {
  await loaded(page, async () => {
    await page.fill('#paste', text);
    await page.click('#paste-go');
  });
}

test('at 420 px the page does not scroll sideways (wide tables scroll in their own box)', async () => {
  const { page, errors } = await openApp({ width: 420, height: 800 });
  await loaded(page, () => page.click('#sample'));
  await page.waitForTimeout(300);
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  // Was 965 px: the events grid (63rem), the Inputs and types tables.
  assert.ok(scrollWidth <= innerWidth, `document is ${scrollWidth} px wide at ${innerWidth} px`);
  // The events grid keeps its columns and scrolls inside its box.
  const ev = await page.$eval('#ev-table', (e) => [e.scrollWidth > e.clientWidth, getComputedStyle(e).overflowX]);
  assert.deepEqual(ev, [true, 'auto']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an invalid concurrency limit shows an inline error naming the range; a valid one applies', async () => {
  const { page } = await openApp();
  await loaded(page, () => page.click('#sample'));
  const err = '#limit-error';
  assert.equal(await page.isHidden(err), true);
  for (const bad of ['0', '-5', '3.7', '1e9', '100001']) {
    await page.fill('#limit', bad);
    await page.press('#limit', 'Enter');
    assert.equal(await page.isVisible(err), true, `no error for ${bad}`);
    assert.equal(
      (await page.textContent(err)).trim(),
      `“${bad}” is not a limit: enter a whole number from 1 to 100,000, or leave the field empty to estimate it from the logs. Until then, the limit is estimated from the logs.`,
    );
    assert.equal(await page.getAttribute('#limit', 'aria-invalid'), 'true');
  }
  // Typed key by key, "100001" passes through the valid "10000": that must not stay
  // applied (it was, and the findings said "Concurrency limit: 10000, as entered").
  for (const bad of ['100001', '1e3', '45.5']) {
    await page.fill('#limit', '');
    await page.type('#limit', bad);
    await page.waitForTimeout(100);
    const findings = await page.textContent('#findings-text');
    assert.doesNotMatch(findings, /as entered/, `${bad}: ${findings}`);
    assert.match(findings, /estimated from the in-flight count/, bad);
    assert.match(await page.textContent('#c-peak-sub'), /\(estimated\)/, bad);
  }
  await page.fill('#limit', '40');
  await page.press('#limit', 'Enter');
  assert.equal(await page.isHidden(err), true);
  assert.equal(await page.getAttribute('#limit', 'aria-invalid'), null);
  assert.match(await page.textContent('#findings-text'), /Concurrency limit: 40, as entered\./);
  await page.close();
});

test('a failure without a readable date is a warning, counted, and named in the findings', async () => {
  const { page } = await openApp();
  const text = [
    '{"log_id":"b1","type":"f","description":"resource_exhausted","date":"2024-05-14T09:00:02.000Z"}',
    '{"log_id":"b2","type":"f","description":"resource_exhausted","date":"14/05/2024 09:00:03"}',
  ].join('\n');
  await paste(page, text);
  assert.match(
    await page.textContent('#findings-text'),
    /Logins failed with resource_exhausted once at 09:00:02 UTC, and 1 resource_exhausted failure without a readable date \(see Problems\)\./,
  );
  assert.equal(await page.isHidden('#problems-none'), true);
  const rows = await page.$$eval('#problems tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent.trim())));
  assert.deepEqual(rows, [['2', '2', '69']]);
  assert.equal((await page.textContent('#c-problems')).trim(), '0');
  assert.equal((await page.textContent('#c-problems-sub')).trim(), '+ 1 warning (see below)');

  // A clean paste: nothing to link to.
  await paste(page, '{"log_id":"c1","type":"s","date":"2024-05-14T09:00:02.000Z"}');
  assert.equal(await page.isHidden('#c-problems-sub'), true);
  assert.equal(await page.isVisible('#problems-none'), true);
  await page.close();
});

test('dates in 1970 and 9999: the range label reads as dates at both ends', async () => {
  const { page } = await openApp();
  await paste(page, [
    '{"log_id":"y1","type":"f","date":"9999-12-31T23:59:59.999Z","description":"resource_exhausted"}',
    '{"log_id":"y2","type":"f","date":"1970-01-01T00:00:00Z","description":"resource_exhausted"}',
  ].join('\n'));
  const range = (await page.textContent('#range')).trim();
  // Was "1809-05-27 01:26:24.001 UTC → 258470346815998 258470346815998 UTC".
  assert.match(range, /^1809-05-27 01:26:24\.001 UTC → \+10160-08-06 22:33:35\.998 UTC \(/);
  const rows = await page.$$eval('#problems tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual(rows, [
    'Warning: record 1: `date` "9999-12-31T23:59:59.999Z" is outside 2000–2099: placed on the timeline as written, but check it',
    'Warning: record 2: `date` "1970-01-01T00:00:00Z" is outside 2000–2099: placed on the timeline as written, but check it',
  ]);
  await page.close();
});

test('the selected event\'s summary line and tooltip are redacted like its record (unless the original is asked for)', async () => {
  const { page } = await openApp();
  await paste(page, [
    '{"log_id":"d1","type":"s","date":"2024-05-14T09:00:02.000Z","description":"Login by ivan@corp-example.com from 172.16.5.4","details":{"elapsedTime":100}}',
    '{"log_id":"d2","type":"s","date":"2024-05-14T09:00:03.000Z","description":"ok","details":{"elapsedTime":120}}',
  ].join('\n'));
  await page.focus('#chart');
  await page.keyboard.press(']');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])');
  const head = await page.textContent('#detail-h');
  assert.equal(head, 'Selected run, and its event (redacted)');
  const line = await page.textContent('#detail-summary');
  const tip = await page.textContent('#tooltip');
  for (const [what, text] of [['summary', line], ['tooltip', tip]]) {
    assert.doesNotMatch(text, /ivan@corp-example\.com|172\.16\.5\.4/, `${what}: ${text}`);
    assert.match(text, /Login by email-[0-9a-f]+ from ip-[0-9a-f]+/, `${what}: ${text}`);
  }
  assert.doesNotMatch(await page.textContent('#detail-json'), /ivan@corp-example\.com/);
  // Asking for the original shows it, and says so.
  await page.check('#detail-original');
  await page.waitForFunction(() => document.getElementById('detail-h').textContent.includes('original'));
  assert.match(await page.textContent('#detail-summary'), /ivan@corp-example\.com/);
  await page.close();
});

test('an input with no record in it offers no redacted download (it gave a one-byte file)', async () => {
  const { page } = await openApp();
  await paste(page, 'hello, this is not a log');
  const cells = await page.$$eval('#sources tbody tr td', (tds) => tds.map((td) => td.textContent));
  assert.equal(cells.at(-1), 'nothing to redact', JSON.stringify(cells));
  assert.equal(await page.$$eval('#sources button[data-source]', (b) => b.length), 0);
  // A real record keeps its button.
  await paste(page, '{"log_id":"r1","type":"s","date":"2024-05-14T09:00:02.000Z"}');
  assert.equal(await page.$$eval('#sources button[data-source]', (b) => b.length), 1);
  await page.close();
});

test('events table: one row per Action run; the Action filter, row ↔ mark and the detail agree', async () => {
  const { page, errors } = await openApp();
  await loaded(page, () => page.click('#sample'));
  const dataRows = async () => Number(await page.getAttribute('#ev-table', 'data-rows'));
  const total = await dataRows();
  const perAction = await page.$$eval('#actions-table tbody tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent.replace(/,/g, ''))])));
  assert.ok(perAction['add-roles'] > 1000 && perAction['enrich-profile'] > 1000, JSON.stringify(perAction));
  // Each login ran add-roles and enrich-profile: a row for each run.
  assert.ok(total >= perAction['add-roles'] + perAction['enrich-profile'], `${total} rows`);
  assert.match(await page.textContent('#ev-head button[data-sort="time"]'), /Ended \/ logged/);

  // The Action filter finds every run of the Action (it found 0 for add-roles).
  const opt = await page.$$eval('#f-series option', (os) => os.map((o) => [o.value, o.textContent]).find((o) => o[1].startsWith('add-roles')));
  assert.equal(opt[1], `add-roles (${perAction['add-roles'].toLocaleString('en-US')})`);
  await page.selectOption('#f-series', opt[0]);
  await page.waitForFunction((n) => Number(document.getElementById('ev-table').dataset.rows) === n, perAction['add-roles']);
  const series = await page.$$eval('#ev-rows .ev-row .t-series', (c) => [...new Set(c.map((x) => x.textContent))]);
  assert.deepEqual(series, ['add-roles']);
  assert.equal(await page.isHidden('#ev-empty'), true);
  // No add-roles run belongs to a failed login: an empty table that says so.
  await page.selectOption('#f-type', 'f');
  await page.waitForFunction(() => document.getElementById('ev-table').dataset.rows === '0');
  assert.equal(await page.isVisible('#ev-empty'), true);
  assert.match(await page.textContent('#ev-empty'), /^No events match these filters/);
  await page.selectOption('#f-type', '');
  await page.selectOption('#f-series', '');
  await page.waitForFunction((n) => Number(document.getElementById('ev-table').dataset.rows) === n, total);
  assert.equal(await page.isHidden('#ev-empty'), true);

  // The first login's enrich-profile row: its detail is that run (it was add-roles,
  // another duration and time), with the event it belongs to, labelled.
  const cells = await page.$$eval('#ev-rows .ev-row', (rows) =>
    rows.slice(0, 6).map((r) => ({ row: r.dataset.row, time: r.children[0].textContent, dur: r.children[1].textContent, series: r.children[2].textContent })));
  const first = cells.find((c) => c.series === 'enrich-profile');
  assert.ok(first, JSON.stringify(cells));
  assert.ok(cells.some((c) => c.series === 'add-roles'), 'the same login’s add-roles run is a row of its own');
  await page.click(`#ev-rows .ev-row[data-row="${first.row}"]`);
  await page.waitForSelector('#detail:not([hidden])');
  const clock = first.time.split(' ')[1];
  const expectDetail = async () => {
    const summary = await page.textContent('#detail-summary');
    assert.ok(summary.startsWith(`enrich-profile · ${first.dur} · ran `), summary);
    assert.ok(summary.includes(`→ ${clock} UTC`), `ends at the row's time ${clock}: ${summary}`);
    assert.match(summary, /its event: type s Successful login, logged 2024-05-14 \d\d:\d\d:\d\d\.\d{3} UTC/);
    assert.match(await page.textContent('#detail-h'), /^Selected run, and its event \(redacted\)$/);
  };
  await expectDetail();
  // The row highlights its mark: the chart's selection is that run.
  await page.waitForFunction(() => document.getElementById('chart').dataset.selected);
  await page.mouse.move(1, 1);
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip');
  assert.ok(tip.startsWith('enrich-profile') && tip.includes(`${first.dur} · ran `) && tip.includes(`→ ${clock} UTC`), tip);
  // Enter on the selected row opens the same run.
  await page.focus('#ev-scroll');
  await page.keyboard.press('Enter');
  await expectDetail();
  assert.equal(await page.$$eval('#ev-rows .ev-row.selected', (r) => r.map((x) => x.dataset.row)).then((r) => r.join()), first.row);

  // A mark selects its row: the slowest mark in view, from the keyboard.
  await page.focus('#chart');
  await page.keyboard.press('s');
  await page.waitForFunction((r) => {
    const sel = document.querySelector('#ev-rows .ev-row.selected');
    return sel && sel.dataset.row !== r;
  }, first.row);
  const tip2 = (await page.$$eval('#tooltip > div', (ds) => ds.map((d) => d.textContent)));
  const sel = await page.$eval('#ev-rows .ev-row.selected', (r) => [r.children[0].textContent, r.children[1].textContent, r.children[2].textContent]);
  assert.equal(sel[2], tip2[0], `the selected row is the mark's run: ${sel} / ${tip2}`);
  assert.ok(tip2[1].startsWith(`${sel[1]} · ran `) && tip2[1].includes(`→ ${sel[0].split(' ')[1]} UTC`), `${sel} / ${tip2}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Unreadable records card counts records, not problems', async () => {
  const { page, errors } = await openApp();
  // Record 2 cut off, then a line that is no record: two problems, one record (the
  // card said 2).
  const ev = (i) => `{"date": "2024-06-01T10:00:0${i}.000Z", "type": "s", "description": "", "details": {"stats": {"total_request_duration_ms": 100}}, "log_id": "9000000000000000000000000000000000000000000000000000000${i}"}`;
  await paste(page, `${ev(1)}\n{"date": "2024-06-01T10:00:02.000Z", "type":\nnot a record\n${ev(3)}\n`);
  assert.equal(await page.$$eval('#problems tbody tr', (trs) => trs.length), 2, 'two problems listed');
  assert.equal((await page.textContent('#c-problems')).trim(), '1');
  assert.equal((await page.textContent('#c-problems-sub')).trim(), '+ 1 more problem (see below)');
  // The tester's arr-no-open.json: record 3 lost its opening brace, reported once.
  const records = [1, 2, 3, 4, 5, 6].map((i) => (i === 3 ? ev(i).slice(1) : ev(i)));
  await paste(page, `[\n${records.join(',\n')}\n]\n`);
  assert.equal(await page.$$eval('#problems tbody tr', (trs) => trs.length), 1, 'one problem listed');
  assert.equal((await page.textContent('#c-problems')).trim(), '1');
  assert.equal((await page.textContent('#c-problems-sub')).trim(), 'record skipped (see below)');
  // Only an unreadable record: it was skipped.
  await paste(page, `${ev(1)}\n{"log_id":"x" "type":"s"}\n`);
  assert.equal((await page.textContent('#c-problems')).trim(), '1');
  assert.equal((await page.textContent('#c-problems-sub')).trim(), 'record skipped (see below)');
  assert.deepEqual(errors, []);
  await page.close();
});
