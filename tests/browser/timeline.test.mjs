// The interactive timeline, findings, histogram, events table and detail pane, in Chromium.
// Mouse-only and keyboard-only runs of "find the first breach, zoom in, look at the slow
// Action, open its event". Screenshots at two zoom levels go to tests/browser/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.INFLIGHT_DIST ?? join(repo, 'dist');
const out = join(here, 'out');
// The sample's slow Action: named from its execution objects, which the sample loads.
const SLOW = /enrich-profile/;

let server;
let context;
let app;

before(async () => {
  app = await startApp(dist, 'timeline', { timezoneId: 'Europe/Berlin' });
  ({ server, context } = app);
});

after(() => app?.close());

async function openSample() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.origin}/`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, errors };
}

async function loadSample(page, how = 'click') {
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  if (how === 'click') await page.click('#sample');
  else await page.keyboard.press('Enter');
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('range').dataset.t0 !== undefined);
}

const range = (page) =>
  page.$eval('#range', (e) => ({ t0: Number(e.dataset.t0), t1: Number(e.dataset.t1), full: e.dataset.full === '1', text: e.textContent }));

/** Presses `key` on the focused chart and returns the visible range once the page has
 *  redrawn with a different one (the redraw happens on the next animation frame, so
 *  reading the range straight after the key press can see the old one). */
async function pressForRange(page, key) {
  const before = await range(page);
  await page.keyboard.press(key);
  await page
    .waitForFunction(
      ([t0, t1]) => {
        const e = document.getElementById('range');
        return Number(e.dataset.t0) !== t0 || Number(e.dataset.t1) !== t1;
      },
      [before.t0, before.t1],
      { timeout: 5_000 },
    )
    .catch(() => {}); // unchanged is a legitimate outcome; the caller's assertion decides
  return range(page);
}

async function chartBox(page) {
  return page.$eval('#chart', (c) => {
    c.scrollIntoView({ block: 'center' });
    const r = c.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  });
}

/** Tabs until `selector` has focus (keyboard only); fails after `max` presses. */
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`could not tab to ${selector}`);
}

test('mouse only: findings, first breach window, zoom, hover the slow Action, open its event', async () => {
  const { page, errors } = await openSample();
  await loadSample(page);
  const findings = await page.textContent('#findings-text');
  assert.match(findings, /resource_exhausted [\d,]+ times/);
  // The analysis names the culprit, its share and how its p95 changed, and why.
  assert.match(findings, /Action enrich-profile held \d+% of in-flight time/);
  assert.match(findings, /p95 rose from [\d.]+ m?s to [\d.]+ m?s/);
  assert.match(findings, /Action code/);
  assert.match(findings, /limit.*estimated|estimate/);
  const full = await range(page);
  assert.ok(full.full, 'starts with the whole range');
  assert.match(full.text, /UTC/);
  await page.screenshot({ path: join(out, 'timeline-full.png'), fullPage: true });

  // The histogram and the overview strip have ink.
  for (const id of ['hist', 'overview']) {
    const ink = await page.$eval(`#${id}`, (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
      return n;
    });
    assert.ok(ink > 100, `#${id} is drawn (${ink} dark pixels)`);
  }

  // The first breach window: zoom in, culprits listed.
  await page.click('#windows button[data-window="0"]');
  await page.waitForFunction(() => document.getElementById('range').dataset.full === '0');
  assert.ok(await page.isVisible('#culprits'));
  const culprits = await page.$$eval('#culprits-table tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent));
  assert.ok(culprits.length > 0, 'culprits ranked');
  assert.equal(culprits[0], 'enrich-profile', `top culprit: ${culprits[0]}`);
  const row0 = await page.$$eval('#culprits-table tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
  assert.match(row0[2], /^\d+(\.\d)?%$/, `share: ${row0[2]}`);
  assert.ok(Number(row0[2].replace('%', '')) > 50, 'enrich-profile held most of the in-flight time');
  assert.match(row0[4], /s$/, 'p95 inside');
  assert.match(row0[5], /s$/, 'p95 outside');
  assert.match(row0[6], /Action code/, `where the time went: ${row0[6]}`);
  assert.match(await page.textContent('#culprits-note'), /enrich-profile/, 'the plain explanation');
  assert.match(await page.textContent('#windows'), /top: enrich-profile/);
  const zoomed = await range(page);
  assert.ok(zoomed.t1 - zoomed.t0 < full.t1 - full.t0, 'zoomed in');

  // Hover the slowest request in view: the tooltip names the Action and its numbers.
  await page.waitForFunction(() => document.getElementById('chart').dataset.slowest);
  const [sx, sy] = (await page.getAttribute('#chart', 'data-slowest')).split(',').map(Number);
  let box = await chartBox(page);
  await page.mouse.move(box.x + sx, box.y + sy);
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip');
  assert.ok(tip.includes(culprits[0]), `tooltip names the top culprit ${culprits[0]}: ${tip}`);
  assert.match(tip, /\d+(\.\d)? s|\d+ ms/, 'duration in the tooltip');
  assert.match(tip, /UTC/, 'time in the tooltip');
  assert.match(tip, /type \w+/, 'type code in the tooltip');
  await page.screenshot({ path: join(out, 'timeline-zoomed.png'), fullPage: false, clip: { x: 0, y: Math.max(0, box.y - 120), width: 1280, height: 720 } });

  // The legend hides and shows a series: with enrich-profile hidden, the slowest mark in
  // view is another Action's, and the duration histogram counts only what is shown.
  const histCount = async () => Number(await page.getAttribute('#hist', 'data-count'));
  const histInView = await histCount();
  assert.ok(histInView > 0, 'the histogram counts the requests in view');
  const legendBtn = '#legend button[data-series]:has-text("enrich-profile")';
  await page.click(legendBtn);
  await page.waitForSelector(`${legendBtn}[aria-pressed="false"]`);
  await page.waitForFunction((s) => document.getElementById('chart').dataset.slowest !== s, `${sx},${sy}`);
  const shown = await histCount();
  assert.ok(shown > 0 && shown < histInView, `histogram without enrich-profile: ${shown} of ${histInView}`);
  const [hx, hy] = (await page.getAttribute('#chart', 'data-slowest')).split(',').map(Number);
  box = await chartBox(page);
  await page.mouse.move(box.x + hx, box.y + hy);
  await page.waitForFunction(() => !document.getElementById('tooltip').hidden && !/enrich-profile/.test(document.getElementById('tooltip').textContent));
  await page.screenshot({ path: join(out, 'timeline-legend-hidden.png'), fullPage: false, clip: { x: 0, y: Math.max(0, box.y - 120), width: 1280, height: 720 } });
  await page.click(legendBtn);
  await page.waitForSelector(`${legendBtn}[aria-pressed="true"]`);
  await page.waitForFunction((s) => document.getElementById('chart').dataset.slowest === s, `${sx},${sy}`);
  assert.equal(await histCount(), histInView, 'the histogram counts enrich-profile again');
  box = await chartBox(page);
  await page.mouse.move(box.x + sx, box.y + sy);
  await page.waitForFunction(() => /enrich-profile/.test(document.getElementById('tooltip').textContent));

  // Click it: the event opens, redacted, and its row is selected and in view.
  await page.mouse.click(box.x + sx, box.y + sy);
  await page.waitForSelector('#detail:not([hidden])');
  const json = await page.textContent('#detail-json');
  assert.match(json, /"type"/);
  assert.match(await page.textContent('#detail-h'), /redacted/);
  assert.doesNotMatch(json, /@example\.(com|org)/, 'no email in the redacted record');
  const selected = await page.$$eval('#ev-rows .ev-row.selected', (rows) => rows.map((r) => r.textContent));
  assert.equal(selected.length, 1, 'one selected row rendered');
  assert.ok(selected[0].includes(culprits[0]), selected[0]);
  const inView = await page.$eval('#ev-rows .ev-row.selected', (r) => {
    const s = document.getElementById('ev-scroll').getBoundingClientRect();
    const b = r.getBoundingClientRect();
    return b.top >= s.top - 1 && b.bottom <= s.bottom + 1;
  });
  assert.ok(inView, 'the selected row is scrolled into view');
  await page.check('#detail-original');
  const original = await page.textContent('#detail-json');
  assert.notEqual(original, json, 'the original differs from the redacted record');
  assert.match(await page.textContent('#detail-h'), /original/);
  await page.uncheck('#detail-original');

  // Wheel zoom around the cursor, drag to pan.
  box = await chartBox(page);
  const r0 = await range(page);
  await page.mouse.move(box.x + box.w / 2, box.y + box.h / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((s) => Number(document.getElementById('range').dataset.t1) - Number(document.getElementById('range').dataset.t0) < s, r0.t1 - r0.t0);
  const r1 = await range(page);
  await page.mouse.move(box.x + box.w / 2, box.y + box.h / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.w / 2 - 200, box.y + box.h / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((t) => Number(document.getElementById('range').dataset.t0) > t, r1.t0);
  const r2 = await range(page);
  assert.ok(Math.abs(r2.t1 - r2.t0 - (r1.t1 - r1.t0)) <= 2, 'panning keeps the zoom');

  // Overview strip: drag selects a range.
  const ov = await page.$eval('#overview', (c) => {
    c.scrollIntoView({ block: 'center' });
    const r = c.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  });
  await page.mouse.move(ov.x + ov.w * 0.2, ov.y + ov.h / 2);
  await page.mouse.down();
  await page.mouse.move(ov.x + ov.w * 0.5, ov.y + ov.h / 2, { steps: 4 });
  await page.mouse.up();
  const r3 = await range(page);
  const span = full.t1 - full.t0;
  assert.ok(Math.abs((r3.t1 - r3.t0) / span - 0.3) < 0.1, `overview selection ≈ 30% of the range: ${(r3.t1 - r3.t0) / span}`);

  // Table: follows the range, sorts, filters.
  await page.click('#zoom-reset');
  await page.waitForFunction(() => document.getElementById('range').dataset.full === '1');
  const allRows = Number(await page.getAttribute('#ev-table', 'data-rows'));
  assert.ok(allRows > 100);
  await page.click('#ev-head button[data-sort="duration"]');
  await page.waitForSelector('#ev-head button[data-sort="duration"][aria-sort="descending"]');
  const durs = await page.$$eval('#ev-rows .ev-row', (rows) => rows.slice(0, 5).map((r) => r.children[2].textContent));
  assert.match(durs[0], SLOW, `slowest first: ${durs}`);
  await page.selectOption('#f-type', 'f');
  await page.waitForFunction((n) => Number(document.getElementById('ev-table').dataset.rows) < n, allRows);
  const types = await page.$$eval('#ev-rows .ev-row .t-type', (c) => [...new Set(c.map((x) => x.textContent))]);
  assert.deepEqual(types, ['f']);
  await page.selectOption('#f-type', '');
  // Scrolling renders other rows, and only a window of them.
  await page.$eval('#ev-scroll', (s) => (s.scrollTop = 2000));
  await page.waitForFunction(() => document.querySelector('#ev-rows .ev-row') !== null);
  const rendered = await page.$$eval('#ev-rows .ev-row', (r) => r.length);
  assert.ok(rendered < 40, `only visible rows are in the DOM (${rendered})`);

  // Local time on request (the browser runs in Europe/Berlin here): the range label,
  // and the findings' sentences and culprit explanation follow it.
  const findingsUtc = await page.textContent('#findings-text');
  assert.match(findingsUtc, / UTC\b/);
  await page.click('#windows button[data-window="0"]');
  await page.waitForSelector('#culprits:not([hidden])');
  assert.match(await page.textContent('#culprits-note'), / UTC \(/);
  // The sample is dated May 2024: Berlin summer time, UTC+02:00, whatever today's
  // offset is (it used today's: +01:00 in December).
  await page.check('#tz-local');
  await page.waitForFunction(() => /UTC\+02:00/.test(document.getElementById('range').textContent));
  const findingsLocal = await page.textContent('#findings-text');
  assert.match(findingsLocal, /UTC\+02:00/, findingsLocal);
  assert.match(findingsLocal, /between 10:50:44 and 10:53:33 UTC\+02:00/, findingsLocal);
  assert.doesNotMatch(findingsLocal, / UTC[ .]/, findingsLocal);
  assert.ok(!(await page.isHidden('#culprits')), 'the open window stays open');
  assert.match(await page.textContent('#culprits-note'), / UTC\+02:00 \(/);
  const row = await page.$eval('#ev-rows .ev-row .t-time', (c) => c.textContent);
  assert.match(row, /UTC\+02:00$/, row);
  assert.deepEqual(errors, []);
  await page.close();
});

test('logs with no timed request: an empty state, not an axis at 1970', async () => {
  const { page, errors } = await openSample();
  const before = Number((await page.getAttribute('body', 'data-loads')) ?? '0');
  const text = [
    '{"log_id":"e1","data":{"date":"2024-03-01T10:00:00.000Z","type":"s","description":"ok"}}',
    '{"log_id":"e2","data":{"date":"2024-03-01T10:00:02.000Z","type":"fp","description":"Wrong email or password."}}',
  ].join('\n');
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
  // The sample is loaded: the paste fills the box, the button analyses it.
  await page.click('#paste-go');
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? '0') > n, before, { timeout: 30_000 });
  await page.waitForSelector('#chart[data-empty="1"]');
  const label = await page.textContent('#range');
  assert.match(label, /No timed requests/, `range label: ${label}`);
  assert.doesNotMatch(label, /1970/);
  // The two events are still listed.
  await page.waitForFunction(() => document.getElementById('ev-table').dataset.rows === '2');
  const box = await chartBox(page);
  await page.screenshot({ path: join(out, 'timeline-empty.png'), clip: { x: 0, y: Math.max(0, box.y - 120), width: 1280, height: 640 } });
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard only: load, first breach, zoom, slowest request, open it', async () => {
  const { page, errors } = await openSample();
  await tabTo(page, '#sample');
  await loadSample(page, 'key');
  await tabTo(page, '#windows button[data-window="0"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('range').dataset.full === '0');
  assert.match(await page.textContent('#culprits-table tbody tr:first-child'), /enrich-profile/);
  // The legend works from the keyboard too: hide and show a series.
  const idx = await page.$$eval('#legend button[data-series]', (bs) => bs.find((b) => b.textContent.includes('add-roles'))?.dataset.series);
  assert.ok(idx !== undefined, 'add-roles is in the legend');
  const legendBtn = `#legend button[data-series="${idx}"]`;
  await tabTo(page, legendBtn);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${legendBtn}[aria-pressed="false"]`);
  await page.keyboard.press('Space');
  await page.waitForSelector(`${legendBtn}[aria-pressed="true"]`);
  await tabTo(page, '#chart');
  const r0 = await range(page);
  const r1 = await pressForRange(page, '+');
  assert.ok(r1.t1 - r1.t0 < r0.t1 - r0.t0, '+ zooms in');
  // One step out only: two steps (×1.5²) from the window's view can reach the whole
  // range, where there is nothing left to pan to and the arrow check below fails.
  const r2 = await pressForRange(page, '-');
  assert.ok(r2.t1 - r2.t0 > r1.t1 - r1.t0, '- zooms out');
  assert.ok(!r2.full, 'still zoomed in, so there is room to pan');
  const r3 = await pressForRange(page, 'ArrowRight');
  assert.ok(r3.t0 > r2.t0, 'arrow right pans later');
  await pressForRange(page, 'ArrowLeft');
  assert.ok((await pressForRange(page, 'ArrowLeft')).t0 < r3.t0, 'arrow left pans earlier');
  assert.ok((await pressForRange(page, '0')).full, '0 resets');
  // Back to the first breach window, then the slowest request in view.
  await page.keyboard.press('b');
  await page.waitForFunction(() => document.getElementById('range').dataset.full === '0');
  await page.keyboard.press('s');
  await page.waitForSelector('#tooltip:not([hidden])');
  assert.match(await page.textContent('#tooltip'), SLOW);
  await page.keyboard.press(']');
  await page.keyboard.press('[');
  assert.match(await page.textContent('#tooltip'), /\w/);
  await page.keyboard.press('s');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'detail', 'focus moves to the event');
  assert.match(await page.textContent('#detail-json'), /"type"/);
  assert.match(await page.textContent('#detail-summary'), SLOW);
  // The table: arrows move the selection, Enter opens.
  await tabTo(page, '#ev-scroll');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await page.$$eval('#ev-rows .ev-row.selected', (r) => r.length), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Centres (device px) of the marks drawn in colour `rgb`: pixels whose 3×3 neighbourhood
 *  is all that colour laid at 60–100% opacity over a light background (white, or the pale
 *  breach shading), i.e. each channel the same fraction of the way from 255 to `rgb`. */
async function markCentres(page, rgb) {
  return page.$eval(
    '#chart',
    (c, rgb) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const is = (x, y) => {
        const i = (y * c.width + x) * 4;
        const a = [0, 1, 2].filter((k) => 255 - rgb[k] > 60).map((k) => (255 - d[i + k]) / (255 - rgb[k]));
        return Math.min(...a) >= 0.6 && Math.max(...a) <= 1.05 && Math.max(...a) - Math.min(...a) <= 0.12;
      };
      const out = [];
      for (let y = 1; y < c.height - 1; y++) {
        for (let x = 1; x < c.width - 1; x++) {
          let all = true;
          for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1 && all; dx++) all = is(x + dx, y + dy);
          // One point per mark: skip pixels next to one already taken.
          if (all && !out.some(([a, b]) => Math.abs(a - x) <= 3 && Math.abs(b - y) <= 3)) out.push([x, y]);
        }
      }
      return out;
    },
    rgb,
  );
}

const plotArea = async (page) => (await page.getAttribute('#chart', 'data-plot')).split(',').map(Number);
const axisIs = (page, mode) =>
  page.waitForFunction((m) => document.getElementById('chart').dataset.yScale === m, mode, { timeout: 5_000 });

test('duration axis: Auto is log for the sample, the control and L switch it, an add-roles mark is hovered by name', async () => {
  const { page, errors } = await openSample();
  await loadSample(page);
  // The control, next to the other chart controls, and its key in the help.
  const options = await page.$$eval('#y-scale option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options, [['auto', 'Auto'], ['linear', 'Linear'], ['log', 'Log']]);
  assert.equal(await page.inputValue('#y-scale'), 'auto');
  assert.ok(await page.$('.toolbar #y-scale'), 'in the timeline toolbar');
  assert.match(await page.innerHTML('#chart-help'), /<kbd>l<\/kbd> duration axis Auto \/ Linear \/ Log/);
  // Auto: add-roles (37–67 ms) and enrich-profile (up to 18 s) span 2.7 decades.
  await axisIs(page, 'log');

  // add-roles' colour, from its legend swatch.
  const swatch = await page.$eval('#legend button[data-series]:has-text("add-roles") span.swatch', (s) => getComputedStyle(s).backgroundColor);
  const rgb = swatch.match(/\d+/g).slice(0, 3).map(Number);
  // Marks inside the plot area only (the canvas legend has an add-roles dot too); the
  // plot is narrower on a log axis (wider labels), so it is read for each drawing.
  const marksInPlot = async () => {
    const [left, top, right, bottom] = await plotArea(page);
    const pts = await markCentres(page, rgb);
    return { bottom, pts: pts.filter(([x, y]) => x >= left && x <= right && y >= top && y <= bottom + 4) };
  };

  // Linear: every add-roles mark sits on the time axis.
  await page.selectOption('#y-scale', 'linear');
  await axisIs(page, 'linear');
  const { pts: lin, bottom: linBottom } = await marksInPlot();
  assert.ok(lin.length >= 5, `linear: ${lin.length} add-roles marks found by colour`);
  assert.ok(lin.every(([, y]) => linBottom - y <= 6), `linear: add-roles within 6 px of the axis: ${JSON.stringify(lin.slice(0, 10))}`);

  // L cycles Linear → Log → Auto → Linear, and the control follows.
  await page.focus('#chart');
  for (const [want, drawn] of [['log', 'log'], ['auto', 'log'], ['linear', 'linear'], ['log', 'log']]) {
    await page.keyboard.press('l');
    await page.waitForFunction((w) => document.getElementById('y-scale').value === w, want);
    await axisIs(page, drawn);
  }

  // Log: add-roles' marks stand well off the axis, and hovering one names add-roles.
  const { pts: marks, bottom } = await marksInPlot();
  assert.ok(marks.length >= 50, `log: ${marks.length} add-roles marks found by colour`);
  // 37 ms is 26 px above a 20 ms floor on a 20 ms – 24 s axis of 300 px.
  const low = Math.min(...marks.map(([, y]) => bottom - y));
  assert.ok(low >= 15, `log: add-roles at least 15 px above the axis (lowest: ${low} px)`);
  const box = await chartBox(page);
  const c = await page.$eval('#chart', (c) => ({ w: c.width, h: c.height }));
  const picks = [0.1, 0.5, 0.9].map((f) => marks[Math.floor(f * (marks.length - 1))]);
  for (const [x, y] of picks) {
    await page.mouse.move(box.x + (x * box.w) / c.w, box.y + (y * box.h) / c.h);
    await page.waitForSelector('#tooltip:not([hidden])');
    await page.waitForFunction(() => /\S/.test(document.querySelector('#tooltip .tt-title')?.textContent ?? ''));
    const title = await page.textContent('#tooltip .tt-title');
    assert.equal(title, 'add-roles', `hovering (${x}, ${y}) names ${title}`);
    const row = await page.textContent('#tooltip .tt-row');
    assert.match(row, /^[3-6]\d ms · /, `its duration, tens of ms: ${row}`);
  }
  // The sample on the log axis, with the tooltip of the add-roles mark under the pointer.
  await page.screenshot({ path: join(out, 'timeline-log-axis.png'), clip: { x: 0, y: Math.max(0, box.y - 120), width: 1280, height: 720 } });
  // Clicking one selects it: the detail names add-roles.
  const [x, y] = picks[1];
  await page.mouse.click(box.x + (x * box.w) / c.w, box.y + (y * box.h) / c.h);
  await page.waitForSelector('#detail:not([hidden])');
  assert.match(await page.textContent('#detail-summary'), /add-roles/);

  // The SVG download draws the axis the page shows.
  const saveSvg = async () => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#exp-svg')]);
    return (await readFile(await dl.path())).toString('utf8');
  };
  assert.match(await saveSvg(), /request duration \(log scale\)/);
  await page.selectOption('#y-scale', 'linear');
  await axisIs(page, 'linear');
  const linear = await saveSvg();
  assert.match(linear, /request duration \(s\)/);
  assert.doesNotMatch(linear, /log scale/);
  const lbox = await chartBox(page);
  await page.mouse.move(lbox.x + 5, lbox.y + 5);
  await page.screenshot({ path: join(out, 'timeline-linear-axis.png'), clip: { x: 0, y: Math.max(0, lbox.y - 120), width: 1280, height: 720 } });
  assert.deepEqual(errors, []);
  await page.close();
});
