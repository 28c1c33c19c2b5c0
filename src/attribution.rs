//! Which Action or script made the tenant hit its concurrency limit, when, and why.
//!
//! # Method
//!
//! For each breach window (see [`crate::analyze::BreachWindow`]) attribution looks
//! at the interval `[from, to)` with `to = window.end + 1 ms` and
//! `from = window.start − lookback` (default 5 min), but never before the previous
//! window's interval ends, so intervals are disjoint and each slot-millisecond is
//! attributed to one window at most. The slots filling up before the first
//! failure are what caused it, so the minutes before a window count as much as the
//! window itself.
//!
//! Inside the interval, every [`WorkSpan`] (an Action run, a script run, or a whole
//! request with no Action name) contributes its **in-flight time**: the length of
//! its overlap with the interval. The sum over the spans of one label is that
//! label's integral of concurrent spans ("slot-milliseconds"); its **share** is
//! that integral over the sum for all labels. Shares add up to 1 by construction.
//! A label that held 90 % of the slot-time held, on average, 90 % of the slots.
//!
//! For each label the durations of its runs that overlap the interval ("inside")
//! are compared with its runs at normal times ("outside": runs that overlap no
//! interval and do not start within [`RECOVERY_MS`] after one, while the backlog
//! drains and the slow dependency recovers), as nearest-rank p50/p95/p99/max. When the requests carried
//! the seed's stats, the label's [`Breakdown`]s are summed over the same runs and
//! the largest part names the [`Cause`] in plain words.
//!
//! # Cost
//!
//! Work spans are sorted by start once (`O(n log n)`); each window reads only the
//! spans that start between `from − longest span` and `to` (binary search, then a
//! scan). The outside baseline is one pass with a binary search over the sorted,
//! disjoint intervals. No step is quadratic in the number of events.
//!
//! This module reads no clock and no randomness, and never panics.

use crate::analyze::{
    is_failure, percentile, Analysis, BreachWindow, Breakdown, LabelStats, TimingSource, WorkKind,
    WorkSpan,
};
use crate::model::{format_time, Event, Millis};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// After a window's last failure, runs are still slow for a while: the slowness
/// that caused the failures usually outlasts them. Runs that start within this
/// long after an interval are left out of the "outside" baseline: 1 min, three
/// times the 20 s Webtask limit.
pub const RECOVERY_MS: Millis = 60_000;

/// Nearest-rank duration percentiles of a set of runs, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub count: usize,
    pub p50: Millis,
    pub p95: Millis,
    pub p99: Millis,
    pub max: Millis,
}

impl Durations {
    /// Percentiles of an ascending slice; `None` when empty.
    pub fn of_sorted(sorted: &[Millis]) -> Option<Durations> {
        Some(Durations {
            count: sorted.len(),
            p50: percentile(sorted, 50)?,
            p95: percentile(sorted, 95)?,
            p99: percentile(sorted, 99)?,
            max: *sorted.last()?,
        })
    }
}

/// Where a culprit's time went, as fractions of `measured_ms` (they add up to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimeSplit {
    pub boot: f64,
    pub network: f64,
    pub processing: f64,
    pub external: f64,
    pub code: f64,
    /// The stats time these fractions are of (ms, summed over the runs).
    pub measured_ms: Millis,
}

impl TimeSplit {
    fn of(b: &Breakdown) -> Option<TimeSplit> {
        let total = b.total();
        if total <= 0 {
            return None;
        }
        let f = |v: Millis| v as f64 / total as f64;
        Some(TimeSplit {
            boot: f(b.boot),
            network: f(b.network),
            processing: f(b.processing),
            external: f(b.external),
            code: f(b.code),
            measured_ms: total,
        })
    }
}

/// Why a culprit held its slots so long, in the terms of the seed's stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Most of the time was `boot_duration_ms`: fresh containers (cold starts).
    ColdStarts,
    /// Most of the time was `action_duration_ms`: the customer's code or its API.
    ActionCode,
    /// Most of the time was `network_duration_ms`: Auth0 ↔ runtime network.
    Network,
    /// Most of the time was `runtime_external_call_duration_ms`: fetching code and
    /// dependencies into the runtime.
    ExternalCalls,
    /// Most of the time was `runtime_processing_duration_ms`.
    RuntimeProcessing,
    /// No breakdown, but runs hit the 20 s Webtask limit.
    ScriptTimeouts,
    /// The logs say nothing about where the time went.
    Unknown,
}

/// One Action or script, ranked within a breach window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Culprit {
    pub label: String,
    pub kind: WorkKind,
    /// Fraction (0..=1) of all in-flight time in the window's interval.
    pub share: f64,
    /// Its in-flight time in the interval (slot-milliseconds).
    pub inflight_ms: Millis,
    /// Runs that overlap the interval.
    pub runs: usize,
    pub failures: usize,
    /// Runs that were Webtask timeouts (20 s).
    pub timeouts: usize,
    /// Durations of the runs that overlap the interval.
    pub inside: Durations,
    /// Durations of its runs that overlap no breach window's interval.
    pub outside: Option<Durations>,
    /// Where its time went (runs with stats only).
    pub time_split: Option<TimeSplit>,
    pub cause: Cause,
    /// Plain words, with the numbers.
    pub explanation: String,
}

impl Culprit {
    /// "Where the time went" in a few words, as the app's culprit table, the report
    /// and a share link show it: the two largest parts of the time split ("Action code
    /// 99%"), else the cause ("20 s timeouts"), plus how many runs timed out.
    pub fn where_text(&self) -> String {
        let mut out = self.time_split.as_ref().map(TimeSplit::top_parts).unwrap_or_default();
        if out.is_empty() {
            out = self.cause.short_text().to_owned();
        }
        if self.timeouts > 0 {
            out.push_str(&format!(" · {} timed out", crate::session::count_noun(self.timeouts, "run", "runs")));
        }
        out
    }
}

impl TimeSplit {
    /// "boot (cold starts) 62% · Action code 30%": the two largest parts (5 % or more).
    pub fn top_parts(&self) -> String {
        let mut parts = [
            ("boot (cold starts)", self.boot),
            ("network", self.network),
            ("runtime", self.processing),
            ("external calls", self.external),
            ("Action code", self.code),
        ];
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        parts
            .iter()
            .filter(|p| p.1 >= 0.05)
            .take(2)
            .map(|(n, f)| format!("{n} {:.0}%", f * 100.0))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl Cause {
    /// The cause in a few words ("" when unknown).
    pub fn short_text(self) -> &'static str {
        match self {
            Cause::ColdStarts => "cold starts",
            Cause::ActionCode => "Action code or the API it calls",
            Cause::Network => "network",
            Cause::ExternalCalls => "loading code and dependencies",
            Cause::RuntimeProcessing => "runtime processing",
            Cause::ScriptTimeouts => "20 s timeouts",
            Cause::Unknown => "",
        }
    }
}

/// The ranked culprits of one breach window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowAttribution {
    pub window: BreachWindow,
    /// The interval attributed: `[from, to)`.
    pub from: Millis,
    pub to: Millis,
    /// Total in-flight time in the interval (slot-milliseconds).
    pub inflight_ms: Millis,
    /// Most in-flight time first; shares add up to 1 (empty when nothing was timed).
    pub culprits: Vec<Culprit>,
}

/// Counts and request durations for one client or connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStats {
    pub name: String,
    /// All events with this key.
    pub events: usize,
    /// Events with a request span (the percentiles are over these).
    pub timed: usize,
    pub failures: usize,
    /// `resource_exhausted` failures.
    pub breaches: usize,
    pub p50: Millis,
    pub p95: Millis,
    pub p99: Millis,
    pub max: Millis,
}

/// Everything attribution found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub lookback_ms: i64,
    /// One per breach window, in time order.
    pub windows: Vec<WindowAttribution>,
    /// Per Action / script / unnamed request (work spans), slowest p95 first.
    pub by_action: Vec<LabelStats>,
    /// Per `client_name`, slowest p95 first.
    pub by_client: Vec<GroupStats>,
    /// Per `connection`, slowest p95 first.
    pub by_connection: Vec<GroupStats>,
    /// One or more plain sentences answering "what happened, and who did it", in UTC
    /// ([`Attribution::findings_in`] gives them in another zone).
    pub findings: Vec<String>,
    /// Events read, and `resource_exhausted` failures among them without a readable
    /// date (in the events table, in no window): what the findings need besides `an`.
    #[serde(default)]
    pub events: usize,
    #[serde(default)]
    pub undated_failures: usize,
}

impl Attribution {
    /// [`Attribution::findings`] with times `offset_ms` east of UTC and labelled so
    /// (`UTC+02:00`): what the page shows when it is set to local time.
    pub fn findings_in(&self, an: &Analysis, offset_ms: i64) -> Vec<String> {
        findings_in(an, self, offset_ms)
    }
}

/// Attributes every breach window of `an` (computed from `events`).
pub fn attribute(events: &[Event], an: &Analysis, lookback_ms: i64) -> Attribution {
    let index = SpanIndex::new(&an.work);
    let intervals = intervals(&an.windows, lookback_ms);
    let outside = outside_durations(&an.work, &intervals, an.work_labels.len());
    let windows: Vec<WindowAttribution> = an
        .windows
        .iter()
        .zip(&intervals)
        .map(|(w, &(from, to))| window_attribution(an, &index, &outside, *w, from, to))
        .collect();
    let mut attribution = Attribution {
        lookback_ms: lookback_ms.max(0),
        windows,
        by_action: action_stats(an),
        by_client: group_stats(events, an, |e| e.client_name.as_deref()),
        by_connection: group_stats(events, an, |e| e.connection.as_deref()),
        findings: Vec::new(),
        events: events.len(),
        undated_failures: events.iter().filter(|e| e.time.is_none() && e.is_resource_exhausted()).count(),
    };
    attribution.findings = findings_in(an, &attribution, 0);
    attribution
}

/// The attribution interval of each window: `[max(start − lookback, previous to),
/// end + 1)`.
pub fn intervals(windows: &[BreachWindow], lookback_ms: i64) -> Vec<(Millis, Millis)> {
    let mut prev_to = Millis::MIN;
    windows
        .iter()
        .map(|w| {
            let from = w.start.saturating_sub(lookback_ms.max(0)).max(prev_to);
            let to = w.end.saturating_add(1).max(from);
            prev_to = to;
            (from, to)
        })
        .collect()
}

/// Work spans sorted by start, for reading the spans that overlap an interval.
pub struct SpanIndex<'a> {
    work: &'a [WorkSpan],
    order: Vec<usize>,
    starts: Vec<Millis>,
    longest: Millis,
}

impl<'a> SpanIndex<'a> {
    pub fn new(work: &'a [WorkSpan]) -> Self {
        let mut order: Vec<usize> = (0..work.len()).collect();
        order.sort_by_key(|&i| work[i].start);
        let starts = order.iter().map(|&i| work[i].start).collect();
        let longest = work.iter().map(WorkSpan::duration).max().unwrap_or(0);
        SpanIndex { work, order, starts, longest }
    }

    /// Spans that overlap `[from, to)`; a zero-length span counts when its instant
    /// lies in the interval (it has a run, but no in-flight time).
    pub fn overlapping(&self, from: Millis, to: Millis) -> impl Iterator<Item = &'a WorkSpan> + '_ {
        let lo = self.starts.partition_point(|&s| s < from.saturating_sub(self.longest));
        let hi = self.starts.partition_point(|&s| s < to);
        self.order[lo..hi.max(lo)]
            .iter()
            .map(|&i| &self.work[i])
            .filter(move |s| s.start < to && s.end.max(s.start.saturating_add(1)) > from)
    }
}

/// In-flight time of one span within `[from, to)`.
pub fn overlap(span: &WorkSpan, from: Millis, to: Millis) -> Millis {
    span.end.min(to).saturating_sub(span.start.max(from)).max(0)
}

/// Per label, the in-flight time within `[from, to)`, most first (ties by label
/// index); labels with none are left out.
pub fn inflight_by_label(index: &SpanIndex, from: Millis, to: Millis) -> Vec<(u32, Millis)> {
    let mut by: HashMap<u32, Millis> = HashMap::new();
    for s in index.overlapping(from, to) {
        let t = overlap(s, from, to);
        if t > 0 {
            let e = by.entry(s.label).or_insert(0);
            *e = e.saturating_add(t);
        }
    }
    let mut v: Vec<(u32, Millis)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Per label, the sorted durations of its runs that overlap none of `intervals`
/// (sorted and disjoint).
fn outside_durations(work: &[WorkSpan], intervals: &[(Millis, Millis)], labels: usize) -> Vec<Vec<Millis>> {
    let mut out = vec![Vec::new(); labels];
    // Each interval with its recovery tail; tails are cut at the next interval, so
    // the extended intervals stay sorted and disjoint.
    let extended: Vec<(Millis, Millis)> = intervals
        .iter()
        .enumerate()
        .map(|(k, &(from, to))| {
            let next = intervals.get(k + 1).map_or(Millis::MAX, |n| n.0);
            (from, to.saturating_add(RECOVERY_MS).min(next).max(to))
        })
        .collect();
    for s in work {
        let i = extended.partition_point(|&(_, to)| to <= s.start);
        let inside = extended
            .get(i)
            .is_some_and(|&(from, to)| s.start < to && s.end.max(s.start.saturating_add(1)) > from);
        if !inside {
            if let Some(v) = out.get_mut(s.label as usize) {
                v.push(s.duration());
            }
        }
    }
    for v in &mut out {
        v.sort_unstable();
    }
    out
}

#[derive(Default)]
struct Acc {
    time: Millis,
    durations: Vec<Millis>,
    failures: usize,
    timeouts: usize,
    breakdown: Breakdown,
}

fn window_attribution(
    an: &Analysis,
    index: &SpanIndex,
    outside: &[Vec<Millis>],
    window: BreachWindow,
    from: Millis,
    to: Millis,
) -> WindowAttribution {
    let mut by: HashMap<u32, Acc> = HashMap::new();
    for s in index.overlapping(from, to) {
        let a = by.entry(s.label).or_default();
        a.time = a.time.saturating_add(overlap(s, from, to));
        a.durations.push(s.duration());
        a.failures += usize::from(s.failed);
        a.timeouts += usize::from(s.source == TimingSource::WebtaskTimeout);
        if let Some(b) = &s.breakdown {
            a.breakdown.add(b);
        }
    }
    let total: Millis = by.values().map(|a| a.time).fold(0, Millis::saturating_add);
    let mut ranked: Vec<(u32, Acc)> = by.into_iter().filter(|(_, a)| a.time > 0).collect();
    ranked.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(a.0.cmp(&b.0)));
    let culprits = ranked
        .into_iter()
        .filter_map(|(label, mut acc)| {
            let wl = an.work_labels.get(label as usize)?;
            acc.durations.sort_unstable();
            let inside = Durations::of_sorted(&acc.durations)?;
            let outside = outside.get(label as usize).and_then(|v| Durations::of_sorted(v));
            let time_split = TimeSplit::of(&acc.breakdown);
            let cause = cause_of(time_split.as_ref(), acc.timeouts);
            let mut c = Culprit {
                label: wl.name.clone(),
                kind: wl.kind,
                share: if total > 0 { acc.time as f64 / total as f64 } else { 0.0 },
                inflight_ms: acc.time,
                runs: inside.count,
                failures: acc.failures,
                timeouts: acc.timeouts,
                inside,
                outside,
                time_split,
                cause,
                explanation: String::new(),
            };
            c.explanation = explain(&c, from, to, 0);
            Some(c)
        })
        .collect();
    WindowAttribution { window, from, to, inflight_ms: total, culprits }
}

/// The largest part of the time split names the cause; without a split, Webtask
/// timeouts do; else the cause is unknown.
pub fn cause_of(split: Option<&TimeSplit>, timeouts: usize) -> Cause {
    if let Some(s) = split {
        let parts = [
            (s.code, Cause::ActionCode),
            (s.boot, Cause::ColdStarts),
            (s.network, Cause::Network),
            (s.external, Cause::ExternalCalls),
            (s.processing, Cause::RuntimeProcessing),
        ];
        // First maximum wins, so ties go to Action code, then boot.
        let best = parts.iter().fold(parts[0], |b, p| if p.0 > b.0 { *p } else { b });
        return best.1;
    }
    if timeouts > 0 {
        Cause::ScriptTimeouts
    } else {
        Cause::Unknown
    }
}

/// "0.4 s", "14.2 s", "85 ms", "120 s".
pub fn seconds(ms: Millis) -> String {
    if ms < 100 {
        format!("{ms} ms")
    } else if ms < 100_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        // "53 min 20 s", not "3200 s" (a login page left open).
        crate::session::duration_text(ms)
    }
}

fn pct(f: f64) -> String {
    format!("{:.0}%", (f * 100.0).clamp(0.0, 100.0))
}

/// `08:50:44`, or `2024-05-14 08:50:44` when `with_date`, `off` ms east of UTC.
fn clock(ms: Millis, with_date: bool, off: i64) -> String {
    let t = format_time(ms.saturating_add(off));
    match (t.get(0..10), t.get(11..19)) {
        (Some(d), Some(c)) if with_date => format!("{d} {c}"),
        (_, Some(c)) => c.to_owned(),
        _ => t,
    }
}

/// Same calendar day in the zone `off` ms east of UTC.
fn same_day(a: Millis, b: Millis, off: i64) -> bool {
    a.saturating_add(off).div_euclid(86_400_000) == b.saturating_add(off).div_euclid(86_400_000)
}

/// "Action enrich-profile", "The custom DB script (legacy-users)", …
fn subject(label: &str, kind: WorkKind) -> String {
    match kind {
        WorkKind::Action => format!("Action {label}"),
        WorkKind::Script => format!("The {label}"),
        WorkKind::Request => format!("Requests with no Action name ({label})"),
    }
}

/// The cause in plain words with its number, as a sentence.
fn cause_sentence(c: &Culprit) -> String {
    let s = c.time_split;
    let f = |get: fn(&TimeSplit) -> f64| s.as_ref().map(get).map(pct).unwrap_or_default();
    match c.cause {
        Cause::ActionCode => format!(
            "{} of its time was Action code (action_duration_ms): the customer's code or the API it calls is slow.",
            f(|s| s.code)
        ),
        Cause::ColdStarts => format!(
            "{} of its time was container boot (boot_duration_ms): cold starts, fresh containers being provisioned, not its code.",
            f(|s| s.boot)
        ),
        Cause::Network => format!(
            "{} of its time was on the network between Auth0 and the Actions runtime (network_duration_ms).",
            f(|s| s.network)
        ),
        Cause::ExternalCalls => format!(
            "{} of its time was the runtime fetching code and dependencies (runtime_external_call_duration_ms).",
            f(|s| s.external)
        ),
        Cause::RuntimeProcessing => format!(
            "{} of its time was runtime processing outside the Action code (runtime_processing_duration_ms).",
            f(|s| s.processing)
        ),
        Cause::ScriptTimeouts => format!(
            "{} of its runs hit the 20 s Webtask limit: the script, or the database or API it calls, is too slow.",
            c.timeouts
        ),
        Cause::Unknown if c.kind == WorkKind::Request => "The logs do not name the Action: load the Action \
            execution objects (GET /api/v2/actions/executions/{id}) to see which one it was."
            .to_owned(),
        Cause::Unknown => "The logs give no breakdown of where its time went.".to_owned(),
    }
}

/// The culprit's explanation for the interval `[from, to)`, times `off` ms east of
/// UTC (0 for UTC, as the report and share link give them).
pub fn explain(c: &Culprit, from: Millis, to: Millis, off: i64) -> String {
    let dated = !same_day(from, to, off);
    let mut s = format!(
        "{} held {} of in-flight time from {} to {} {} ({}",
        subject(&c.label, c.kind),
        pct(c.share),
        clock(from, dated, off),
        clock(to.saturating_sub(1), dated, off),
        crate::chart::zone_label(off),
        crate::session::count_noun(c.runs, "run", "runs")
    );
    if c.failures > 0 {
        s.push_str(&format!(", {} failed", crate::session::group_digits(c.failures)));
    }
    s.push_str(&format!("). p95 {} in the window", seconds(c.inside.p95)));
    match &c.outside {
        Some(o) => s.push_str(&format!(" vs {} at other times.", seconds(o.p95))),
        None => s.push('.'),
    }
    s.push(' ');
    s.push_str(&cause_sentence(c));
    s
}

/// Below this share of a window's in-flight time, the largest culprit is not named
/// as the window's cause in the findings (its row still leads the culprits table).
pub const STANDS_OUT: f64 = 0.25;

/// The culprit sentence of one window, e.g. "Action enrich-profile held 91% of
/// in-flight time before and during that window; its p95 rose from 0.4 s to
/// 14.2 s, almost all in Action code (the API it calls)."
fn window_sentence(w: &WindowAttribution, that: &str) -> String {
    let Some(c) = w.culprits.first() else {
        return format!(
            "The logs hold no request timing before or during {that}, so no Action or script can be named."
        );
    };
    if c.share < STANDS_OUT {
        // Many Actions sharing the slots about equally: naming the largest as "the"
        // culprit would mislead (it read "Action x held 1% of in-flight time").
        return format!(
            "No single Action or script stands out before and during {that}: {} shared the in-flight time, the largest ({}) only {} of it.",
            crate::session::count_noun(w.culprits.len(), "Action or script", "Actions and scripts"),
            subject(&c.label, c.kind),
            pct(c.share)
        );
    }
    let mut s = format!(
        "{} held {} of in-flight time before and during {that}",
        subject(&c.label, c.kind),
        pct(c.share)
    );
    // "Requests with no Action name (…)" is plural.
    let its = if c.kind == WorkKind::Request { "their" } else { "its" };
    match &c.outside {
        Some(o) if c.inside.p95 > o.p95 => {
            s.push_str(&format!("; {its} p95 rose from {} to {}", seconds(o.p95), seconds(c.inside.p95)))
        }
        Some(o) => s.push_str(&format!(
            "; {its} p95 was {} ({} at other times)",
            seconds(c.inside.p95),
            seconds(o.p95)
        )),
        None => s.push_str(&format!("; {its} p95 was {}", seconds(c.inside.p95))),
    }
    let share = |get: fn(&TimeSplit) -> f64| c.time_split.as_ref().map_or(0.0, get);
    let tail = match c.cause {
        Cause::ActionCode => {
            let f = share(|s| s.code);
            let words = "Action code (the customer's code or the API it calls)";
            if f >= 0.8 {
                format!(", almost all in {words}")
            } else if f >= 0.5 {
                format!(", mostly in {words}")
            } else {
                format!(", {} in {words}", pct(f))
            }
        }
        Cause::ColdStarts => format!(", {} of it booting containers: cold starts", pct(share(|s| s.boot))),
        Cause::Network => format!(
            ", {} of it on the network between Auth0 and the Actions runtime",
            pct(share(|s| s.network))
        ),
        Cause::ExternalCalls => format!(
            ", {} of it fetching code and dependencies into the runtime",
            pct(share(|s| s.external))
        ),
        Cause::RuntimeProcessing => {
            format!(", {} of it in runtime processing", pct(share(|s| s.processing)))
        }
        Cause::ScriptTimeouts => format!(
            ", and {} hit the 20 s Webtask limit (the script, or the database or API it calls, is too slow)",
            crate::session::count_noun(c.timeouts, "run", "runs")
        ),
        Cause::Unknown => String::new(),
    };
    s.push_str(&tail);
    s.push('.');
    if c.kind == WorkKind::Request {
        s.push_str(" Load the Action execution objects to name the Action.");
    }
    s
}

/// One headline sentence, then one culprit sentence per window (the three windows
/// with the most failures, in time order), with times `off` ms east of UTC.
fn findings_in(an: &Analysis, at: &Attribution, off: i64) -> Vec<String> {
    if at.events == 0 {
        return vec!["No Auth0 log events could be read.".to_owned()];
    }
    let zone = crate::chart::zone_label(off);
    let total: usize = an.windows.iter().map(|w| w.count).sum();
    // Failures whose time could not be read are in the events table but in no
    // window: say so, so the findings never contradict the table.
    let undated = at.undated_failures;
    let undated_text = crate::session::count_noun(undated, "resource_exhausted failure", "resource_exhausted failures");
    let (Some(first), Some(last)) = (an.windows.first(), an.windows.last()) else {
        let mut s = if undated > 0 {
            format!(
                "No resource_exhausted failure could be placed in time: {undated_text} {} no readable date (see Problems), so the concurrency limit cannot be checked against {}.",
                if undated == 1 { "has" } else { "have" },
                if undated == 1 { "it" } else { "them" }
            )
        } else {
            "No resource_exhausted failures in these logs: the concurrency limit was not hit.".to_owned()
        };
        if an.peak.0 > 0 {
            s.push_str(&format!(
                " At most {} in flight at once ({} {zone}).",
                crate::session::count_noun(an.peak.0 as usize, "request was", "requests were"),
                clock(an.peak.1, false, off)
            ));
        } else {
            s.push_str(" The logs hold no request timing to measure concurrency with.");
        }
        return vec![s];
    };
    let dated = !same_day(first.start, last.end, off);
    let times = if total == 1 { "once".to_owned() } else { crate::session::count_noun(total, "time", "times") };
    let mut headline = if an.windows.len() == 1 {
        if first.start == first.end {
            format!("Logins failed with resource_exhausted {times} at {} {zone}.", clock(first.start, dated, off))
        } else {
            format!(
                "Logins failed with resource_exhausted {times} between {} and {} {zone}.",
                clock(first.start, dated, off),
                clock(last.end, dated, off)
            )
        }
    } else {
        format!(
            "Logins failed with resource_exhausted {times} in {} between {} and {} {zone}.",
            crate::session::count_noun(an.windows.len(), "window", "windows"),
            clock(first.start, dated, off),
            clock(last.end, dated, off)
        )
    };
    if undated > 0 {
        headline.pop();
        headline.push_str(&format!(", and {undated_text} without a readable date (see Problems)."));
    }
    let mut out = Vec::new();
    if at.windows.len() == 1 {
        out.push(headline);
        out.push(window_sentence(&at.windows[0], "that window"));
        return out;
    }
    let mut chosen: Vec<usize> = (0..at.windows.len()).collect();
    chosen.sort_by(|&a, &b| at.windows[b].window.count.cmp(&at.windows[a].window.count).then(a.cmp(&b)));
    chosen.truncate(3);
    chosen.sort_unstable();
    let left = at.windows.len() - chosen.len();
    if left > 0 {
        headline.push_str(&format!(
            " The {} with the most failures are described; {} not.",
            chosen.len(),
            if left == 1 { "1 smaller one is".to_owned() } else { format!("{} smaller ones are", crate::session::group_digits(left)) }
        ));
    }
    out.push(headline);
    for i in chosen {
        let w = &at.windows[i];
        let name = format!(
            "the window from {} to {} {zone}",
            clock(w.window.start, dated, off),
            clock(w.window.end, dated, off)
        );
        let s = window_sentence(w, "it");
        out.push(format!("In {name} ({}): {s}", crate::session::count_noun(w.window.count, "failure", "failures")));
    }
    out
}

/// Duration statistics per work label (Action, script, unnamed request).
fn action_stats(an: &Analysis) -> Vec<LabelStats> {
    let mut groups: Vec<(Vec<Millis>, usize)> = vec![(Vec::new(), 0); an.work_labels.len()];
    for s in &an.work {
        if let Some(g) = groups.get_mut(s.label as usize) {
            g.0.push(s.duration());
            g.1 += usize::from(s.failed);
        }
    }
    let mut out: Vec<LabelStats> = groups
        .into_iter()
        .zip(&an.work_labels)
        .filter(|((d, _), _)| !d.is_empty())
        .map(|((mut d, failures), label)| {
            d.sort_unstable();
            let p = Durations::of_sorted(&d);
            LabelStats {
                label: label.name.clone(),
                count: d.len(),
                failures,
                p50: p.map_or(0, |p| p.p50),
                p95: p.map_or(0, |p| p.p95),
                p99: p.map_or(0, |p| p.p99),
                max: p.map_or(0, |p| p.max),
            }
        })
        .collect();
    out.sort_by(|a, b| b.p95.cmp(&a.p95).then_with(|| a.label.cmp(&b.label)));
    out
}

/// Counts and request-duration percentiles per key (`(none)` for a missing or
/// empty key).
fn group_stats(events: &[Event], an: &Analysis, key: impl Fn(&Event) -> Option<&str>) -> Vec<GroupStats> {
    let mut duration: Vec<Option<Millis>> = vec![None; events.len()];
    for s in &an.spans {
        if let Some(d) = duration.get_mut(s.event) {
            *d = Some(s.duration());
        }
    }
    // name → (events, failures, breaches, durations)
    let mut groups: BTreeMap<&str, (usize, usize, usize, Vec<Millis>)> = BTreeMap::new();
    for (e, d) in events.iter().zip(&duration) {
        let k = key(e).map(str::trim).filter(|k| !k.is_empty()).unwrap_or("(none)");
        let g = groups.entry(k).or_default();
        g.0 += 1;
        g.1 += usize::from(is_failure(e));
        g.2 += usize::from(e.is_resource_exhausted());
        g.3.extend(*d);
    }
    let mut out: Vec<GroupStats> = groups
        .into_iter()
        .map(|(name, (events, failures, breaches, mut d))| {
            d.sort_unstable();
            let p = Durations::of_sorted(&d);
            GroupStats {
                name: name.to_owned(),
                events,
                timed: d.len(),
                failures,
                breaches,
                p50: p.map_or(0, |p| p.p50),
                p95: p.map_or(0, |p| p.p95),
                p99: p.map_or(0, |p| p.p99),
                max: p.map_or(0, |p| p.max),
            }
        })
        .collect();
    out.sort_by(|a, b| b.p95.cmp(&a.p95).then(b.events.cmp(&a.events)).then_with(|| a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ws(start: Millis, end: Millis, label: u32) -> WorkSpan {
        WorkSpan {
            start,
            end,
            label,
            source: TimingSource::ActionExecution,
            event: None,
            failed: false,
            breakdown: None,
        }
    }

    fn window(start: Millis, end: Millis) -> BreachWindow {
        BreachWindow { start, end, count: 1, inflight_before: 0 }
    }

    /// Analysis with the given work spans and one breach window at [100, 200].
    fn one_window(work: Vec<WorkSpan>, labels: usize) -> Analysis {
        Analysis {
            spans: Vec::new(), steps: Vec::new(), peak: (0, 0), breaches: Vec::new(),
            windows: vec![window(100, 200)], limit: None, estimated_limit: None, window_inflight: Vec::new(), untimed: 0,
            untimed_by_type: Vec::new(), rejected_timings: 0, by_label: Vec::new(),
            work,
            work_labels: (0..labels).map(|i| crate::analyze::WorkLabel { name: format!("a{i}"), kind: WorkKind::Action }).collect(),
            orphan_requests: Vec::new(),
            timing_sources: Vec::new(), executions_joined: 0, executions_missing: 0, failures: Vec::new(),
        }
    }

    #[test]
    fn no_culprit_is_named_when_none_stands_out() {
        // Ten Actions with identical runs over the window: 10% each.
        let even = one_window((0..10).map(|l| ws(50, 150, l)).collect(), 10);
        let at = attribute(&[], &even, 100);
        assert_eq!(at.windows[0].culprits.len(), 10);
        assert!((at.windows[0].culprits[0].share - 0.1).abs() < 1e-9);
        assert_eq!(
            window_sentence(&at.windows[0], "that window"),
            "No single Action or script stands out before and during that window: 10 Actions and scripts shared the in-flight time, the largest (Action a0) only 10% of it."
        );
        // One Action holding most slots is still named.
        let mut work: Vec<WorkSpan> = (0..8).map(|_| ws(0, 200, 0)).collect();
        work.push(ws(50, 150, 1));
        let at = attribute(&[], &one_window(work, 2), 100);
        let s = window_sentence(&at.windows[0], "that window");
        assert!(s.starts_with("Action a0 held 94% of in-flight time before and during that window"), "{s}");
    }

    #[test]
    fn findings_in_another_zone_shift_every_time_and_say_the_zone() {
        let inc = crate::sample::generate(&crate::sample::Scenario::sample_incident(), crate::sample::Format::Ndjson);
        let ing = crate::ingest::ingest(vec![
            ("s.ndjson".into(), inc.text.into_bytes()),
            ("x.json".into(), inc.executions_json.into_bytes()),
        ]);
        let s = crate::session::Session::from_ingest(ing, None);
        let (an, at) = (&s.analysis, &s.attribution);
        assert_eq!(at.findings_in(an, 0), at.findings, "offset 0 is the stored (UTC) text");
        let utc = at.findings.join("\n");
        let east = at.findings_in(an, 2 * 3_600_000 + 30 * 60_000).join("\n");
        assert!(utc.contains(" UTC") && !utc.contains("UTC+"), "{utc}");
        assert!(!east.contains(" UTC.") && east.contains("UTC+02:30"), "{east}");
        // Every clock time in the UTC text appears 2:30 later in the other.
        let clocks = |t: &str| -> Vec<i64> {
            let b = t.as_bytes();
            (0..b.len().saturating_sub(7))
                .filter(|&i| {
                    b[i + 2] == b':' && b[i + 5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&k| b[i + k].is_ascii_digit())
                        && (i == 0 || !b[i - 1].is_ascii_digit())
                })
                .map(|i| {
                    let n = |k: usize| i64::from(b[i + k] - b'0') * 10 + i64::from(b[i + k + 1] - b'0');
                    n(0) * 3600 + n(3) * 60 + n(6)
                })
                .collect()
        };
        let (a, b) = (clocks(&utc), clocks(&east));
        assert!(!a.is_empty() && a.len() == b.len(), "{a:?} {b:?}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((x + 9_000).rem_euclid(86_400), *y);
        }
        // The explanation of a culprit too.
        let w = &at.windows[0];
        let c = &w.culprits[0];
        assert_eq!(explain(c, w.from, w.to, 0), c.explanation);
        assert!(explain(c, w.from, w.to, -5 * 3_600_000).contains(" UTC-05:00 ("));
    }

    #[test]
    fn long_durations_read_in_minutes_and_hours() {
        assert_eq!(seconds(42), "42 ms");
        assert_eq!(seconds(17_800), "17.8 s");
        assert_eq!(seconds(99_949), "99.9 s");
        assert_eq!(seconds(3_199_600), "53 min 19 s");
        assert_eq!(seconds(7_500_000), "2 h 5 min");
    }

    #[test]
    fn unnamed_requests_are_plural_in_the_sentence() {
        let mut an = one_window(vec![ws(50, 150, 0)], 1);
        an.work_labels[0] = crate::analyze::WorkLabel { name: "request (type s)".into(), kind: WorkKind::Request };
        let at = attribute(&[], &an, 100);
        let s = window_sentence(&at.windows[0], "that window");
        assert!(s.starts_with("Requests with no Action name (request (type s)) held 100% of in-flight time before and during that window; their p95 was"), "{s}");
    }

    #[test]
    fn intervals_are_capped_at_the_previous_window() {
        let w = [window(1_000, 2_000), window(2_500, 3_000), window(10_000, 10_000)];
        assert_eq!(intervals(&w, 1_000), vec![(0, 2_001), (2_001, 3_001), (9_000, 10_001)]);
        assert_eq!(intervals(&w, -5), vec![(1_000, 2_001), (2_500, 3_001), (10_000, 10_001)]);
        assert_eq!(intervals(&[window(Millis::MIN, Millis::MAX)], 10), vec![(Millis::MIN, Millis::MAX)]);
    }

    #[test]
    fn shares_by_hand() {
        // Label 0: [0,100) and [50,150); label 1: [100,400); label 2 outside.
        let work = [ws(0, 100, 0), ws(50, 150, 0), ws(100, 400, 1), ws(500, 600, 2)];
        let idx = SpanIndex::new(&work);
        // Interval [50, 200): label 0 gets 50 + 100 = 150, label 1 gets 100.
        assert_eq!(inflight_by_label(&idx, 50, 200), vec![(0, 150), (1, 100)]);
        assert_eq!(inflight_by_label(&idx, 400, 500), vec![]);
        // A zero-length span is a run in the interval, but holds no time.
        let z = [ws(10, 10, 0)];
        let zi = SpanIndex::new(&z);
        assert_eq!(zi.overlapping(0, 20).count(), 1);
        assert_eq!(inflight_by_label(&zi, 0, 20), vec![]);
    }

    #[test]
    fn causes() {
        let split = |boot, code, network| TimeSplit {
            boot,
            code,
            network,
            processing: 0.0,
            external: 0.0,
            measured_ms: 1,
        };
        assert_eq!(cause_of(Some(&split(0.8, 0.2, 0.0)), 0), Cause::ColdStarts);
        assert_eq!(cause_of(Some(&split(0.1, 0.8, 0.1)), 3), Cause::ActionCode);
        assert_eq!(cause_of(Some(&split(0.1, 0.1, 0.8)), 0), Cause::Network);
        assert_eq!(cause_of(Some(&split(0.5, 0.5, 0.0)), 0), Cause::ActionCode, "tie goes to code");
        assert_eq!(cause_of(None, 2), Cause::ScriptTimeouts);
        assert_eq!(cause_of(None, 0), Cause::Unknown);
        assert_eq!(seconds(85), "85 ms");
        assert_eq!(seconds(400), "0.4 s");
        assert_eq!(seconds(14_230), "14.2 s");
        assert_eq!(seconds(120_000), "2 min");
    }

    fn work_strategy() -> impl Strategy<Value = Vec<WorkSpan>> {
        prop::collection::vec((-200i64..200, 0i64..120, 0u32..5), 0..60)
            .prop_map(|v| v.into_iter().map(|(s, d, l)| ws(s, s + d, l)).collect())
    }

    proptest! {
        #[test]
        fn shares_add_up_and_match_brute_force(work in work_strategy(), from in -300i64..300, len in 0i64..300) {
            let to = from + len;
            let idx = SpanIndex::new(&work);
            let got = inflight_by_label(&idx, from, to);
            // Brute force: the overlap of every span, summed per label.
            let mut brute: BTreeMap<u32, Millis> = BTreeMap::new();
            for s in &work {
                let t = (s.end.min(to) - s.start.max(from)).max(0);
                if t > 0 { *brute.entry(s.label).or_default() += t; }
            }
            let got_map: BTreeMap<u32, Millis> = got.iter().copied().collect();
            prop_assert_eq!(&got_map, &brute);
            for w in got.windows(2) { prop_assert!(w[0].1 >= w[1].1); }
            let total: Millis = got.iter().map(|x| x.1).sum();
            if total > 0 {
                let sum: f64 = got.iter().map(|x| x.1 as f64 / total as f64).sum();
                prop_assert!((sum - 1.0).abs() < 1e-9);
            }
            // The total is the integral of the in-flight count over the interval.
            let integral: i64 = (from..to).map(|t| work.iter().filter(|s| s.start <= t && t < s.end).count() as i64).sum();
            prop_assert_eq!(total, integral);
        }

        #[test]
        fn window_culprit_shares_add_up(work in work_strategy(), starts in prop::collection::vec((-200i64..300, 0i64..50), 1..4)) {
            let mut windows: Vec<BreachWindow> = starts.iter().map(|&(s, d)| window(s, s + d)).collect();
            windows.sort_by_key(|w| w.start);
            let labels = (0..5).map(|i| crate::analyze::WorkLabel { name: format!("a{i}"), kind: WorkKind::Action }).collect();
            let an = Analysis {
                spans: Vec::new(), steps: Vec::new(), peak: (0, 0), breaches: Vec::new(),
                windows: windows.clone(), limit: None, estimated_limit: None, window_inflight: Vec::new(), untimed: 0,
                untimed_by_type: Vec::new(), rejected_timings: 0, by_label: Vec::new(),
                work: work.clone(), work_labels: labels, orphan_requests: Vec::new(),
                timing_sources: Vec::new(), executions_joined: 0, executions_missing: 0, failures: Vec::new(),
            };
            let at = attribute(&[], &an, 100);
            prop_assert_eq!(at.windows.len(), windows.len());
            for w in &at.windows {
                prop_assert!(w.from <= w.to);
                let sum: f64 = w.culprits.iter().map(|c| c.share).sum();
                if w.inflight_ms > 0 {
                    prop_assert!((sum - 1.0).abs() < 1e-9, "sum {}", sum);
                } else {
                    prop_assert!(w.culprits.is_empty());
                }
                let ms: Millis = w.culprits.iter().map(|c| c.inflight_ms).sum();
                prop_assert_eq!(ms, w.inflight_ms);
            }
            for p in at.windows.windows(2) { prop_assert!(p[0].to <= p[1].from); }
        }
    }
}
