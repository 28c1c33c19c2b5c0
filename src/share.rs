//! Share links: a redacted summary packed into a URL fragment.
//!
//! A link carries the *summary* of an analysis, never log events: the numbers a
//! user sees first, the findings in the same words as the app
//! ([`Summary::finding_lines`]), the breach windows with their ranked culprits
//! ([`Summary::culprit_windows`]), the per-Action duration table
//! ([`Summary::by_action`]), each input's shape, and the chart data reduced to what a
//! [`CHART_WIDTH`]-pixel chart can show (per pixel column and series the fastest and
//! slowest request and every failed one, see [`chart::decimate_marks`]; per column
//! the extremes of the in-flight line, see [`chart::decimate_steps`]). Everything in
//! a [`ShareSummary`] comes from [`crate::model::Event`]s, which hold no personal
//! data, and [`encode`] runs the report verifier ([`crate::report::verify`]) over the
//! JSON before it packs anything.
//!
//! Format: compact JSON (short keys, times of chart points as pixel columns,
//! delta-encoded) → raw deflate (`flate2`, pure-Rust backend) → base64url without
//! padding, in the fragment `#s=…`. Browsers never send the fragment to the
//! server, so a static host never sees the summary. [`decode`] reverses it, caps
//! the inflated size (a crafted link cannot exhaust memory) and checks the format
//! version. When a summary does not fit, [`fit`] tries smaller [`BUDGETS`] (a
//! narrower chart, fewer windows, culprits and table rows) before giving up, and the
//! app then offers the report file instead.

use crate::analyze::{LabelStats, WorkKind};
use crate::attribution::{Culprit, Durations};
use crate::chart::{self, ChartData, Limit, Mark, View};
use crate::report;
use crate::labels::LabelMap;
use crate::session::{Session, Summary, WindowRow};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// Longest link fragment [`encode`] produces (`#s=` included). Browsers accept far
/// longer URLs, but chat tools, mail clients and issue trackers cut them.
pub const MAX_LINK_CHARS: usize = 8000;
/// The format version written in [`ShareSummary::version`] (2: culprits per window
/// and the per-Action table from the analysis).
pub const VERSION: u32 = 2;
/// Width, in pixel columns, of the chart data a summary carries by default.
pub const CHART_WIDTH: u32 = 600;
/// Largest inflated JSON [`decode`] accepts.
const MAX_INFLATED: u64 = 4 << 20;
/// At most this many event types go in a link.
const MAX_TYPES: usize = 30;

/// How much of a summary goes in a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Chart width in pixel columns.
    pub width: u32,
    /// Breach windows (those with the most failures are kept).
    pub windows: usize,
    /// Ranked culprits per window.
    pub culprits: usize,
    /// Rows of the per-Action table (slowest p95 first).
    pub actions: usize,
}

/// What [`fit`] tries, largest first.
pub const BUDGETS: [Budget; 5] = [
    Budget { width: 600, windows: 20, culprits: 5, actions: 30 },
    Budget { width: 400, windows: 20, culprits: 5, actions: 30 },
    Budget { width: 300, windows: 10, culprits: 5, actions: 20 },
    Budget { width: 200, windows: 5, culprits: 3, actions: 10 },
    Budget { width: 200, windows: 3, culprits: 3, actions: 5 },
];

/// The summary a link carries. Field names are short on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareSummary {
    #[serde(rename = "v")]
    pub version: u32,
    #[serde(rename = "ti", default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Events read (after de-duplication).
    #[serde(rename = "n")]
    pub events: usize,
    /// Repeated deliveries dropped.
    #[serde(rename = "dp", default)]
    pub duplicates: usize,
    /// First and last event time (epoch ms).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(i64, i64)>,
    /// Events with a request timing / without.
    #[serde(rename = "tm")]
    pub timed: usize,
    #[serde(rename = "ut")]
    pub untimed: usize,
    /// `resource_exhausted` failures.
    #[serde(rename = "b")]
    pub breaches: usize,
    /// Highest in-flight count and when it was first reached (epoch ms).
    #[serde(rename = "pk")]
    pub peak: (u32, i64),
    /// The limit in effect, and whether it was estimated.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<(u32, bool)>,
    /// The findings in plain words, as the app shows them ([`Summary::finding_lines`]).
    #[serde(rename = "f", default)]
    pub findings: Vec<String>,
    /// Event type codes and counts, most frequent first (at most 30).
    #[serde(rename = "ty", default)]
    pub types: Vec<(String, usize)>,
    /// Each input's shape ("JSON lines … of 5398 records") and events kept; no file names.
    #[serde(rename = "in", default)]
    pub inputs: Vec<(String, u32)>,
    /// Breach windows with their ranked culprits, in time order (the ones with the
    /// most failures when there are more than the budget allows).
    #[serde(rename = "w", default)]
    pub windows: Vec<ShareWindow>,
    /// Breach windows in the logs (`windows` may hold fewer).
    #[serde(rename = "wn", default)]
    pub window_count: usize,
    /// Per Action / script / unnamed request ([`Summary::by_action`], slowest p95
    /// first): label, runs, failures, p50, p95, p99, max (ms).
    #[serde(rename = "a", default)]
    pub actions: Vec<(String, usize, usize, i64, i64, i64, i64)>,
    /// Rows of the whole per-Action table (`actions` may hold fewer).
    #[serde(rename = "an", default)]
    pub action_count: usize,
    #[serde(rename = "c")]
    pub chart: ShareChart,
}

/// Chart data at pixel resolution. Times of marks, steps and breaches are pixel
/// columns of `width` over `[t0, t1]`, delta-encoded (each value is the difference
/// from the previous one), so that they compress well.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareChart {
    pub t0: i64,
    pub t1: i64,
    #[serde(rename = "w")]
    pub width: u32,
    /// Legend names.
    #[serde(rename = "s", default)]
    pub series: Vec<String>,
    /// Marks sorted by column: column deltas, durations (ms, 3 significant
    /// digits), series, and the positions (in this order) of failed marks.
    #[serde(rename = "mc", default)]
    pub mark_cols: Vec<u32>,
    #[serde(rename = "md", default)]
    pub mark_ms: Vec<u32>,
    #[serde(rename = "ms", default)]
    pub mark_series: Vec<u16>,
    #[serde(rename = "mf", default)]
    pub mark_failed: Vec<u32>,
    /// In-flight steps: column deltas and counts.
    #[serde(rename = "sc", default)]
    pub step_cols: Vec<u32>,
    #[serde(rename = "sv", default)]
    pub step_counts: Vec<u32>,
    /// Columns (delta-encoded) holding at least one breach.
    #[serde(rename = "bc", default)]
    pub breach_cols: Vec<u32>,
    /// Breach windows (epoch ms).
    #[serde(rename = "bw", default)]
    pub windows: Vec<(i64, i64)>,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<(u32, bool)>,
}

/// One breach window ([`WindowRow`]) and its ranked culprits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareWindow {
    /// First and last `resource_exhausted` failure (epoch ms).
    #[serde(rename = "s")]
    pub start: i64,
    #[serde(rename = "e")]
    pub end: i64,
    #[serde(rename = "n")]
    pub failures: usize,
    #[serde(rename = "b")]
    pub inflight_before: u32,
    /// Start of the attributed interval (the lookback before the window).
    #[serde(rename = "fr")]
    pub from: i64,
    /// Most in-flight time first.
    #[serde(rename = "c", default)]
    pub culprits: Vec<ShareCulprit>,
    /// Culprits of the window (`culprits` may hold fewer).
    #[serde(rename = "cn", default)]
    pub culprit_count: usize,
}

/// One ranked culprit ([`Culprit`]), with the words the app shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareCulprit {
    #[serde(rename = "l")]
    pub label: String,
    /// `a` Action, `s` script, `r` request with no Action name.
    #[serde(rename = "k")]
    pub kind: char,
    /// Share of in-flight time in tenths of a percent (the app shows `99.1%`).
    #[serde(rename = "p")]
    pub share_permille: u16,
    #[serde(rename = "r")]
    pub runs: usize,
    #[serde(rename = "f", default)]
    pub failures: usize,
    #[serde(rename = "t", default)]
    pub timeouts: usize,
    /// p50, p95, p99, max (ms) of its runs in the window's interval.
    #[serde(rename = "i")]
    pub inside: (i64, i64, i64, i64),
    /// The same at other times, when it ran then.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<(i64, i64, i64, i64)>,
    /// Where the time went ([`Culprit::where_text`]).
    #[serde(rename = "wh", default)]
    pub where_text: String,
    /// The explanation in plain words (the top culprit of each window only).
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl ShareCulprit {
    /// `c` as a link carries it; `explain` keeps its explanation.
    pub fn of(c: &Culprit, explain: bool) -> ShareCulprit {
        let d = |d: &Durations| (d.p50, d.p95, d.p99, d.max);
        ShareCulprit {
            label: c.label.clone(),
            kind: match c.kind {
                WorkKind::Action => 'a',
                WorkKind::Script => 's',
                WorkKind::Request => 'r',
            },
            share_permille: permille(c.share),
            runs: c.runs,
            failures: c.failures,
            timeouts: c.timeouts,
            inside: d(&c.inside),
            outside: c.outside.as_ref().map(d),
            where_text: c.where_text(),
            explanation: explain.then(|| c.explanation.clone()),
        }
    }

    /// The share as the app shows it: `99.1%`.
    pub fn share_text(&self) -> String {
        format!("{}.{}%", self.share_permille / 10, self.share_permille % 10)
    }
}

/// A share (0..=1) in tenths of a percent, rounded exactly as the app prints it
/// (`{:.1}` of the percentage, ties to even), so that [`ShareCulprit::share_text`]
/// reads the same as the app's culprit table.
pub fn permille(share: f64) -> u16 {
    if !share.is_finite() {
        return 0;
    }
    format!("{:.1}", share.clamp(0.0, 1.0) * 100.0).replace('.', "").parse().unwrap_or(0)
}

impl ShareWindow {
    /// `w` with at most `culprits` culprits.
    pub fn of(w: &WindowRow, culprits: usize) -> ShareWindow {
        ShareWindow {
            start: w.start_ms,
            end: w.end_ms,
            failures: w.failures,
            inflight_before: w.inflight_before,
            from: w.from_ms,
            culprits: w.culprits.iter().take(culprits).enumerate().map(|(i, c)| ShareCulprit::of(c, i == 0)).collect(),
            culprit_count: w.culprits.len(),
        }
    }
}

/// Indices of the (at most) `n` windows with the most failures, in time order.
fn largest_windows(windows: &[WindowRow], n: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..windows.len()).collect();
    chosen.sort_by(|&a, &b| windows[b].failures.cmp(&windows[a].failures).then(a.cmp(&b)));
    chosen.truncate(n);
    chosen.sort_unstable();
    chosen
}

impl ShareSummary {
    /// The summary of `session` within `budget`.
    pub fn from_session(session: &Session, title: Option<String>, budget: &Budget) -> ShareSummary {
        ShareSummary::from_summary(session, &session.summary(), title, budget)
    }

    /// [`ShareSummary::from_session`] with every label redacted through `labels`
    /// ([`Session::label_map`]): what a link carries.
    pub fn from_session_redacted(session: &Session, labels: &LabelMap, title: Option<String>, budget: &Budget) -> ShareSummary {
        let mut s = ShareSummary::from_summary(session, &session.redacted_summary(labels), title, budget);
        for name in &mut s.chart.series {
            *name = labels.get(crate::labels::Place::Action, name);
        }
        s
    }

    /// [`ShareSummary::from_session`] with the session's summary already at hand.
    pub fn from_summary(session: &Session, s: &Summary, title: Option<String>, budget: &Budget) -> ShareSummary {
        let an = &session.analysis;
        ShareSummary {
            version: VERSION,
            title: title.filter(|t| !t.trim().is_empty()),
            events: s.events,
            duplicates: s.duplicates,
            range: session.time_range(),
            timed: s.timed,
            untimed: s.untimed,
            breaches: s.breaches,
            peak: an.peak,
            limit: an.effective_limit().map(|l| (l, s.limit_estimated)),
            findings: s.finding_lines(),
            types: s.type_counts.iter().take(MAX_TYPES).map(|(c, _, n)| (c.clone(), *n)).collect(),
            inputs: s.sources.iter().map(|x| (x.shape.clone(), x.events)).collect(),
            windows: largest_windows(&s.culprit_windows, budget.windows)
                .into_iter()
                .map(|i| ShareWindow::of(&s.culprit_windows[i], budget.culprits))
                .collect(),
            window_count: s.culprit_windows.len(),
            actions: s.by_action.iter().take(budget.actions).map(action_row).collect(),
            action_count: s.by_action.len(),
            chart: ShareChart::from_chart(&session.chart(), budget.width),
        }
    }
}

/// One row of the per-Action table as a link carries it.
pub fn action_row(l: &LabelStats) -> (String, usize, usize, i64, i64, i64, i64) {
    (l.label.clone(), l.count, l.failures, l.p50, l.p95, l.p99, l.max)
}

/// Column `c` of `width` over `[t0, t1]`, as a time: the column's centre.
fn column_time(c: u32, t0: i64, t1: i64, width: u32) -> i64 {
    let span = i128::from(t1) - i128::from(t0);
    let w = i128::from(width.max(1));
    let t = i128::from(t0) + (2 * i128::from(c) + 1) * span / (2 * w);
    t.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn column_of(t: i64, t0: i64, t1: i64, width: u32) -> u32 {
    let w = i128::from(width.max(1));
    let span = (i128::from(t1) - i128::from(t0)).max(1);
    ((i128::from(t) - i128::from(t0)) * w / span).clamp(0, w - 1) as u32
}

/// `v` rounded to 3 significant digits.
fn round3(v: f64) -> u32 {
    if !v.is_finite() || v <= 0.0 {
        return 0;
    }
    let v = v.min(f64::from(u32::MAX));
    let mut scale = 1.0;
    while v / scale >= 1000.0 {
        scale *= 10.0;
    }
    ((v / scale).round() * scale).min(f64::from(u32::MAX)) as u32
}

fn deltas(values: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut prev = 0;
    values
        .map(|v| {
            let d = v.saturating_sub(prev);
            prev = v;
            d
        })
        .collect()
}

fn undelta(values: &[u32]) -> impl Iterator<Item = u32> + '_ {
    values.iter().scan(0u32, |acc, &d| {
        *acc = acc.saturating_add(d);
        Some(*acc)
    })
}

impl ShareChart {
    /// `data` reduced to `width` pixel columns over the view the page opens on
    /// ([`ChartData::initial_view`]: without stray dates in 1970 or 9999, which
    /// would squash the incident into one column).
    pub fn from_chart(data: &ChartData, width: u32) -> ShareChart {
        let width = width.max(1);
        let view = data.initial_view();
        let (t0, t1) = view.bounds();
        let col = |t: i64| column_of(t, t0, t1, width);
        let mut marks: Vec<(u32, u16, u32, bool)> = chart::decimate_marks(&data.marks, &view, width)
            .into_iter()
            .filter_map(|i| data.marks.get(i))
            .map(|m| (col(m.t), m.series, round3(m.dur_ms), m.failed))
            .collect();
        marks.sort_unstable();
        marks.dedup();
        let steps: Vec<(u32, u32)> =
            chart::decimate_steps(&data.steps, &view, width).into_iter().map(|(t, c)| (col(t), c)).collect();
        let in_view = |t: i64| t >= t0 && t <= t1;
        let mut breach_cols: Vec<u32> = data.breaches.iter().filter(|&&t| in_view(t)).map(|&t| col(t)).collect();
        breach_cols.sort_unstable();
        breach_cols.dedup();
        ShareChart {
            t0,
            t1,
            width,
            series: data.series.clone(),
            mark_cols: deltas(marks.iter().map(|m| m.0)),
            mark_ms: marks.iter().map(|m| m.2).collect(),
            mark_series: marks.iter().map(|m| m.1).collect(),
            mark_failed: marks.iter().enumerate().filter(|(_, m)| m.3).map(|(i, _)| i as u32).collect(),
            step_cols: deltas(steps.iter().map(|s| s.0)),
            step_counts: steps.iter().map(|s| s.1).collect(),
            breach_cols: deltas(breach_cols.into_iter()),
            windows: data.windows.iter().filter(|w| w.1 >= t0 && w.0 <= t1).copied().collect(),
            limit: data.limit.map(|l| (l.value, l.estimated)),
        }
    }

    /// Chart data to draw (marks and steps at their columns' centre times).
    pub fn to_chart_data(&self) -> ChartData {
        let (t0, t1, w) = (self.t0, self.t1, self.width);
        let marks = undelta(&self.mark_cols)
            .zip(&self.mark_ms)
            .enumerate()
            .map(|(i, (c, &ms))| Mark {
                t: column_time(c, t0, t1, w),
                dur_ms: f64::from(ms),
                series: self.mark_series.get(i).copied().unwrap_or(0),
                failed: false,
            })
            .collect::<Vec<_>>();
        let mut marks = marks;
        for &i in &self.mark_failed {
            if let Some(m) = marks.get_mut(i as usize) {
                m.failed = true;
            }
        }
        ChartData {
            marks,
            series: self.series.clone(),
            steps: undelta(&self.step_cols)
                .zip(&self.step_counts)
                .map(|(c, &n)| (column_time(c, t0, t1, w), n))
                .collect(),
            breaches: undelta(&self.breach_cols).map(|c| column_time(c, t0, t1, w)).collect(),
            windows: self.windows.clone(),
            limit: self.limit.map(|(value, estimated)| Limit { value, estimated }),
        }
    }

    /// The view the chart was reduced for.
    pub fn view(&self) -> View {
        View { t0: self.t0, t1: self.t1 }
    }
}

/// The link fragment `#s=…` for `summary`. Fails when the verifier finds personal
/// data in it, or when it is longer than [`MAX_LINK_CHARS`].
pub fn encode(summary: &ShareSummary) -> Result<String, String> {
    let json = serde_json::to_string(summary).map_err(|e| format!("cannot write the summary: {e}"))?;
    let found = report::verify(&json);
    if !found.is_empty() {
        let list: Vec<String> = found.iter().take(10).map(|f| format!("{}: {}", f.kind, f.value)).collect();
        return Err(format!("the summary contains values that look like personal data: {}", list.join(", ")));
    }
    let fragment = format!("#s={}", pack(json.as_bytes())?);
    if fragment.len() > MAX_LINK_CHARS {
        return Err(format!("summary too large for a link ({} chars, at most {MAX_LINK_CHARS})", fragment.len()));
    }
    Ok(fragment)
}

/// The summary of `session` as a link fragment, with the first of [`BUDGETS`]
/// that fits in [`MAX_LINK_CHARS`]. The error says when none does (the app then
/// offers the report file).
pub fn fit(session: &Session, title: Option<String>) -> Result<(ShareSummary, String), String> {
    fit_summary(session, &session.summary(), None, title)
}

/// [`fit`] with every label redacted through `labels` ([`Session::label_map`], under
/// the page's key and rules): what the page's Share link button packs.
pub fn fit_redacted(session: &Session, labels: &LabelMap, title: Option<String>) -> Result<(ShareSummary, String), String> {
    fit_summary(session, &session.redacted_summary(labels), Some(labels), title)
}

fn fit_summary(session: &Session, summary: &Summary, labels: Option<&LabelMap>, title: Option<String>) -> Result<(ShareSummary, String), String> {
    let mut last = String::new();
    for budget in &BUDGETS {
        let mut s = ShareSummary::from_summary(session, summary, title.clone(), budget);
        if let Some(labels) = labels {
            for name in &mut s.chart.series {
                *name = labels.get(crate::labels::Place::Action, name);
            }
        }
        match encode(&s) {
            Ok(link) => return Ok((s, link)),
            Err(e) if e.starts_with("summary too large") => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Reads a summary back from a link: the whole URL, the fragment (`#s=…`), `s=…`
/// or the bare payload.
pub fn decode(link: &str) -> Result<ShareSummary, String> {
    let link = link.trim();
    let payload = match link.find("#s=") {
        Some(i) => &link[i + 3..],
        None => link.strip_prefix("s=").unwrap_or(link),
    };
    // Anything after the payload (another fragment parameter) is ignored.
    let payload = payload.split('&').next().unwrap_or("");
    let json = unpack(payload)?;
    let s: ShareSummary =
        serde_json::from_slice(&json).map_err(|e| format!("the link does not hold an Inflight summary ({e})"))?;
    if s.version != VERSION {
        return Err(format!(
            "the link was made by another version of Inflight (format {}, this one reads {VERSION})",
            s.version
        ));
    }
    Ok(s)
}

/// deflate + base64url.
fn pack(bytes: &[u8]) -> Result<String, String> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).and_then(|()| z.finish()).map(|d| base64url_encode(&d)).map_err(|e| format!("compressing: {e}"))
}

fn unpack(payload: &str) -> Result<Vec<u8>, String> {
    let deflated = base64url_decode(payload).ok_or("the link is damaged (not base64url); copy it again in full")?;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|_| "the link is damaged (cannot inflate); copy it again in full".to_string())?;
    if out.len() as u64 > MAX_INFLATED {
        return Err("the link holds more than an Inflight summary can be".into());
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url (RFC 4648 §5) without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Base64url without padding (trailing `=` tolerated); `None` on any other character
/// or an impossible length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=').as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' | b'+' => 62,
                b'_' | b'/' => 63,
                _ => return None,
            };
            n |= u32::from(v) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..70 {
            let enc = base64url_encode(&data[..n]);
            assert!(enc.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            assert_eq!(base64url_decode(&enc).as_deref(), Some(&data[..n]), "{n}");
        }
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64url_decode("Zm9vY"), None);
        assert_eq!(base64url_decode("Zm9v!"), None);
    }

    #[test]
    fn permille_rounds_as_the_app_prints() {
        assert_eq!(permille(0.9912), 991);
        assert_eq!(permille(0.5625), 562, "a tie goes to even, as `{{:.1}}` prints 56.2");
        assert_eq!(permille(1.0), 1000);
        assert_eq!(permille(0.0), 0);
        assert_eq!(permille(f64::NAN), 0);
        assert_eq!(permille(7.0), 1000);
        let c = ShareCulprit { share_permille: 562, ..ShareCulprit::default() };
        assert_eq!(c.share_text(), "56.2%");
        assert_eq!(ShareCulprit { share_permille: 5, ..ShareCulprit::default() }.share_text(), "0.5%");
    }

    #[test]
    fn rounding_keeps_three_digits() {
        assert_eq!(round3(412.4), 412);
        assert_eq!(round3(18_852.0), 18_900);
        assert_eq!(round3(-1.0), 0);
        assert_eq!(round3(f64::NAN), 0);
        assert_eq!(round3(1e300), 4_290_000_000);
    }

    #[test]
    fn decode_rejects_garbage_without_panicking() {
        for s in ["", "#s=", "#s=%%%", "#s=AAAA", "s=eJzLSM3JyVcozy/KSQEAGgQEXQ", "https://x/#s=____"] {
            assert!(decode(s).is_err(), "{s}");
        }
    }

    #[test]
    fn the_link_chart_opens_on_the_incident_not_on_stray_dates() {
        use crate::chart::Mark;
        let day = 1_715_677_200_000i64; // 2024-05-14T09:00:00Z
        let mark = |t: i64| Mark { t, dur_ms: 500.0, series: 0, failed: false };
        let data = ChartData {
            marks: vec![mark(0), mark(day), mark(day + 60_000), mark(253_402_300_799_000)],
            series: vec!["a".into()],
            steps: vec![(0, 1), (day, 2), (day + 60_000, 0)],
            breaches: vec![0, day + 30_000],
            windows: vec![(0, 10), (day + 30_000, day + 30_000)],
            limit: None,
        };
        let c = ShareChart::from_chart(&data, 100);
        assert_eq!(c.view(), data.initial_view());
        assert!(c.t0 > day - 60_000 && c.t1 < day + 120_000, "{:?}", c.view());
        assert_eq!(c.mark_ms.len(), 2, "the 1970 and 9999 marks are outside the view");
        assert_eq!(c.breach_cols.len(), 1, "the 1970 breach is left out, not put in column 0");
        assert_eq!(c.windows, vec![(day + 30_000, day + 30_000)]);
        // Without strays it is the full view, as before.
        let plain = ChartData { marks: vec![mark(day), mark(day + 60_000)], ..data.clone() };
        let plain = ChartData { breaches: vec![day + 30_000], windows: vec![], steps: vec![], ..plain };
        assert_eq!(ShareChart::from_chart(&plain, 100).view(), plain.full_view());
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let zeros = vec![b' '; (MAX_INFLATED + 10) as usize];
        let payload = pack(&zeros).unwrap_or_default();
        assert!(payload.len() < 20_000);
        assert!(decode(&payload).is_err());
    }
}
