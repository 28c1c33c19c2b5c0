//! Request spans, the in-flight count over time, and breaches of the tenant's
//! extensibility concurrency limit.
//!
//! # Spans and timing sources
//!
//! Each event gives at most one [`Span`], taken from the best timing source it has,
//! in this order of priority:
//!
//! 1. [`TimingSource::Stats`] — the seed's `details.stats`; [`Stats::total`] ends at
//!    the event's `date`: `[date − total, date]`.
//! 2. [`TimingSource::InitiatedCompleted`] — `details.initiatedAt`..`completedAt`,
//!    when both are present and `completedAt >= initiatedAt` (no `date` needed).
//! 3. [`TimingSource::ElapsedTime`] — `details.elapsedTime`, ending at the `date`.
//!
//! A duration that is negative, not finite, or longer than [`MAX_DURATION_MS`]
//! (one hour) is not believable; that source is skipped and the next one tried. An
//! event whose every timing source is unusable is counted in
//! [`Analysis::rejected_timings`]. An event with no usable time at all (no timing,
//! or a duration without a `date` to anchor it) is counted in [`Analysis::untimed`]
//! and, by type code, in [`Analysis::untimed_by_type`]. So every event is counted
//! exactly once: `spans + rejected_timings + untimed == events`.
//!
//! # The half-open convention
//!
//! A span `[start, end]` is in flight at instant `t` when `start <= t < end`. A
//! request that ends at `t` and one that starts at `t` are therefore never counted
//! together, and a zero-length span (`start == end`) is never in flight. The step
//! function from [`inflight_steps`] is exact at every change point: the count at a
//! change time is the value *from* that time on.
//!
//! # Breaches and the limit
//!
//! Every event that [`Event::is_resource_exhausted`] and has a `date` is a
//! [`Breach`]. Breaches closer than the window gap are grouped into a
//! [`BreachWindow`]; the in-flight count just before a window starts is a lower
//! bound witness of the limit, and the median of those counts over windows is the
//! [`Analysis::estimated_limit`] (only when the caller gave no limit).
//!
//! This module reads no clock and no randomness, and never panics: arithmetic on
//! times saturates.

use crate::model::{Event, Millis, Stats};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The longest believable request duration: one hour. Longer durations are rejected.
pub const MAX_DURATION_MS: f64 = 3_600_000.0;

/// The default gap that separates two breach windows: 30 s.
pub const DEFAULT_WINDOW_GAP_MS: i64 = 30_000;

/// Where a span's start and end came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingSource {
    /// `details.stats` (the seed's timing object): ends at the event's `date`.
    Stats,
    /// `details.elapsedTime`: ends at the event's `date`.
    ElapsedTime,
    /// `details.initiatedAt` .. `details.completedAt`.
    InitiatedCompleted,
    /// Reserved: Action execution objects (`started_at` / `ended_at`) from the
    /// Management API. Not produced yet.
    ActionExecution,
}

/// One request (or Action run) in flight from `start` to `end` (half-open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: Millis,
    pub end: Millis,
    /// Index into the events slice given to [`analyze`].
    pub event: usize,
    pub source: TimingSource,
    /// The Action name when the event names one, else a kind label such as
    /// `"post-login request"`.
    pub label: String,
    /// The event is a failure (see [`is_failure`]).
    pub failed: bool,
}

impl Span {
    /// `end − start`, in milliseconds (never negative for spans built here).
    pub fn duration(&self) -> Millis {
        self.end.saturating_sub(self.start)
    }
}

/// A `resource_exhausted` failure: the limit was hit at `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub time: Millis,
    /// Index into the events slice given to [`analyze`].
    pub event: usize,
}

/// Breaches grouped in time: consecutive breaches at most `window_gap_ms` apart
/// share a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BreachWindow {
    /// Time of the first breach in the window.
    pub start: Millis,
    /// Time of the last breach in the window.
    pub end: Millis,
    /// Number of breaches in the window.
    pub count: usize,
    /// The in-flight count just before `start` (the step function's value at
    /// `start − 1 ms`, i.e. its left limit at `start`, since times are whole ms).
    pub inflight_before: u32,
}

/// Duration statistics for one label. Percentiles use the nearest-rank method
/// (see [`percentile`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelStats {
    pub label: String,
    pub count: usize,
    pub failures: usize,
    pub p50: Millis,
    pub p95: Millis,
    pub p99: Millis,
    pub max: Millis,
}

/// Options for [`analyze`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Options {
    /// The tenant's concurrency limit, when the user knows it.
    pub limit: Option<u32>,
    /// Breaches further apart than this (ms) start a new window. Negative is taken as 0.
    pub window_gap_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: None,
            window_gap_ms: DEFAULT_WINDOW_GAP_MS,
        }
    }
}

/// Everything [`analyze`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// One span per timed event, in event order.
    pub spans: Vec<Span>,
    /// The in-flight step function (see [`inflight_steps`]).
    pub steps: Vec<(Millis, u32)>,
    /// The highest in-flight count and the first time it was reached; `(0, 0)`
    /// when nothing was ever in flight.
    pub peak: (u32, Millis),
    /// Every `resource_exhausted` event with a time, sorted by time.
    pub breaches: Vec<Breach>,
    pub windows: Vec<BreachWindow>,
    /// The limit the user gave in [`Options::limit`], copied through.
    pub limit: Option<u32>,
    /// Only when no limit was given: the median (lower median, i.e. nearest-rank
    /// p50) of `inflight_before` over breach windows. `None` without breaches.
    pub estimated_limit: Option<u32>,
    /// Events with no usable time: no timing at all, or a duration with no `date`.
    pub untimed: usize,
    /// `untimed` by type code (as written), most frequent first, then by code.
    pub untimed_by_type: Vec<(String, usize)>,
    /// Events whose every timing value was negative, not finite or over one hour.
    pub rejected_timings: usize,
    /// Duration statistics per label, slowest p95 first, then by label.
    pub by_label: Vec<LabelStats>,
}

impl Analysis {
    /// The user's limit when given, else the estimate.
    pub fn effective_limit(&self) -> Option<u32> {
        self.limit.or(self.estimated_limit)
    }
}

/// Runs the whole analysis over events sorted by time (unsorted input is handled
/// too; only the order of `spans` follows the input).
pub fn analyze(events: &[Event], opts: &Options) -> Analysis {
    let mut spans = Vec::new();
    let mut untimed = 0usize;
    let mut untimed_types: HashMap<&str, usize> = HashMap::new();
    let mut rejected_timings = 0usize;
    let mut breaches = Vec::new();

    for (index, event) in events.iter().enumerate() {
        match timing_of(event) {
            Timing::Span { start, end, source } => spans.push(Span {
                start,
                end,
                event: index,
                source,
                label: label_of(event, source),
                failed: is_failure(event),
            }),
            Timing::Rejected => rejected_timings += 1,
            Timing::None => {
                untimed += 1;
                *untimed_types.entry(event.type_code.as_str()).or_insert(0) += 1;
            }
        }
        if let Some(time) = event.time.filter(|_| event.is_resource_exhausted()) {
            breaches.push(Breach { time, event: index });
        }
    }
    // Stable: breaches at the same instant keep the input order.
    breaches.sort_by_key(|b| b.time);

    let mut untimed_by_type: Vec<(String, usize)> = untimed_types
        .into_iter()
        .map(|(code, n)| (code.to_owned(), n))
        .collect();
    untimed_by_type.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let steps = inflight_steps(&spans);
    let peak = peak(&steps);
    let windows = breach_windows(&breaches, opts.window_gap_ms, &steps);
    let estimated_limit = match opts.limit {
        Some(_) => None,
        None => estimate_limit(&windows),
    };
    let by_label = label_stats(&spans);

    Analysis {
        spans,
        steps,
        peak,
        breaches,
        windows,
        limit: opts.limit,
        estimated_limit,
        untimed,
        untimed_by_type,
        rejected_timings,
        by_label,
    }
}

// ---------------------------------------------------------------------------
// Spans
// ---------------------------------------------------------------------------

/// What one event says about its own timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timing {
    Span {
        start: Millis,
        end: Millis,
        source: TimingSource,
    },
    /// Timing was given, but every value was unbelievable.
    Rejected,
    /// No usable timing: none given, or a duration with no `date` to end it at.
    None,
}

/// A duration in whole ms when it is believable (finite, 0..=1 h), `Err` when it
/// is present but not believable.
fn duration_ms(d: f64) -> Result<Millis, ()> {
    if d.is_finite() && (0.0..=MAX_DURATION_MS).contains(&d) {
        // In range by the check above, so the cast cannot saturate.
        Ok(d.round() as Millis)
    } else {
        Err(())
    }
}

/// Picks the best timing source of one event (see the module documentation).
fn timing_of(event: &Event) -> Timing {
    let mut rejected = false;
    let mut needs_date = false;

    // 1. stats.total(), ending at the date.
    if let Some(total) = event.stats.as_ref().and_then(Stats::total) {
        match (duration_ms(total), event.time) {
            (Ok(d), Some(date)) => {
                return Timing::Span {
                    start: date.saturating_sub(d),
                    end: date,
                    source: TimingSource::Stats,
                }
            }
            (Ok(_), None) => needs_date = true,
            (Err(()), _) => rejected = true,
        }
    }

    // 2. initiatedAt..completedAt, absolute.
    if let (Some(start), Some(end)) = (event.initiated_at, event.completed_at) {
        let d = end.saturating_sub(start);
        if (0..=MAX_DURATION_MS as Millis).contains(&d) {
            return Timing::Span {
                start,
                end,
                source: TimingSource::InitiatedCompleted,
            };
        }
        rejected = true;
    }

    // 3. elapsedTime, ending at the date.
    if let Some(elapsed) = event.elapsed_ms {
        match (duration_ms(elapsed), event.time) {
            (Ok(d), Some(date)) => {
                return Timing::Span {
                    start: date.saturating_sub(d),
                    end: date,
                    source: TimingSource::ElapsedTime,
                }
            }
            (Ok(_), None) => needs_date = true,
            (Err(()), _) => rejected = true,
        }
    }

    // A believable duration with no date is untimed (it is the date that is
    // missing), not a rejected timing.
    if rejected && !needs_date {
        Timing::Rejected
    } else {
        Timing::None
    }
}

/// Type codes whose Actions request is the post-login trigger.
const LOGIN_CODES: &[&str] = &["s", "f", "fp", "fu", "scoa", "fcoa", "ssa", "fsa"];

/// The Action name when the event has one, else a label for the kind of request.
fn label_of(event: &Event, source: TimingSource) -> String {
    if let Some(name) = event
        .action_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return name.to_owned();
    }
    let code = event.type_code.trim();
    let code = if code.is_empty() { "unknown" } else { code };
    match source {
        TimingSource::Stats if LOGIN_CODES.contains(&code) => "post-login request".to_owned(),
        TimingSource::Stats | TimingSource::ActionExecution => {
            format!("Actions request (type {code})")
        }
        TimingSource::ElapsedTime | TimingSource::InitiatedCompleted => {
            format!("request (type {code})")
        }
    }
}

/// A failure: a `resource_exhausted` event, an event with an Action `error_class`,
/// or a failure type code. Short codes starting with `f` are failures (`f`, `fp`,
/// `fu`, `fcoa`, …, the prefix rule the Auth0 CLI uses); long snake_case codes are
/// failures when they mention `fail` (`actions_execution_failed`), since some
/// start with `f` and are not (`flows_execution_completed`).
pub fn is_failure(event: &Event) -> bool {
    let code = event.type_code.trim();
    let by_code = if code.contains('_') {
        code.contains("fail")
    } else {
        code.starts_with('f')
    };
    by_code || event.error_class.is_some() || event.is_resource_exhausted()
}

// ---------------------------------------------------------------------------
// In-flight count
// ---------------------------------------------------------------------------

/// The in-flight count as a step function, by sweep line over sorted endpoints.
///
/// Each entry `(t, n)` says that from `t` on (until the next entry) `n` spans are in
/// flight; before the first entry the count is 0, and the last entry is always
/// `(t, 0)`. A span counts at `t` when `start <= t < end`, so spans with
/// `start >= end` never count and add no entry. There is one entry per time at
/// which the count changes; a time where as many spans end as start is no change
/// and has no entry. Times are strictly increasing and consecutive counts differ.
pub fn inflight_steps(spans: &[Span]) -> Vec<(Millis, u32)> {
    let mut starts = Vec::with_capacity(spans.len());
    let mut ends = Vec::with_capacity(spans.len());
    for s in spans.iter().filter(|s| s.start < s.end) {
        starts.push(s.start);
        ends.push(s.end);
    }
    starts.sort_unstable();
    ends.sort_unstable();

    let mut steps: Vec<(Millis, u32)> = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    let mut count: u64 = 0;
    while i < starts.len() || j < ends.len() {
        // Every start has a later end, so ends never run out before starts do.
        let t = match (starts.get(i), ends.get(j)) {
            (Some(&s), Some(&e)) => s.min(e),
            (Some(&s), None) => s,
            (None, Some(&e)) => e,
            (None, None) => break,
        };
        while starts.get(i) == Some(&t) {
            count = count.saturating_add(1);
            i += 1;
        }
        while ends.get(j) == Some(&t) {
            count = count.saturating_sub(1);
            j += 1;
        }
        let value = u32::try_from(count).unwrap_or(u32::MAX);
        if steps.last().map(|&(_, v)| v) != Some(value) && !(steps.is_empty() && value == 0) {
            steps.push((t, value));
        }
    }
    steps
}

/// The in-flight count at instant `t`, by binary search over `steps`.
pub fn count_at(steps: &[(Millis, u32)], t: Millis) -> u32 {
    match steps.partition_point(|&(time, _)| time <= t) {
        0 => 0,
        n => steps[n - 1].1,
    }
}

/// The highest count and the first time it is reached; `(0, 0)` for no steps.
pub fn peak(steps: &[(Millis, u32)]) -> (u32, Millis) {
    steps.iter().fold(
        (0, 0),
        |best, &(t, v)| if v > best.0 { (v, t) } else { best },
    )
}

// ---------------------------------------------------------------------------
// Breaches
// ---------------------------------------------------------------------------

/// Groups breaches (sorted by time) into windows: a breach joins the current
/// window when it comes at most `gap_ms` after the previous breach, and starts a
/// new window when the gap is larger. A negative `gap_ms` is taken as 0 (only
/// breaches at the same millisecond share a window).
pub fn breach_windows(
    breaches: &[Breach],
    gap_ms: i64,
    steps: &[(Millis, u32)],
) -> Vec<BreachWindow> {
    let gap = gap_ms.max(0);
    let mut windows: Vec<BreachWindow> = Vec::new();
    for b in breaches {
        match windows.last_mut() {
            Some(w) if b.time.saturating_sub(w.end) <= gap => {
                w.end = w.end.max(b.time);
                w.count += 1;
            }
            _ => windows.push(BreachWindow {
                start: b.time,
                end: b.time,
                count: 1,
                inflight_before: count_at(steps, b.time.saturating_sub(1)),
            }),
        }
    }
    windows
}

/// The lower median of `inflight_before` over windows; `None` without windows.
pub fn estimate_limit(windows: &[BreachWindow]) -> Option<u32> {
    // A window with nothing in flight before it says nothing about the limit: the
    // logs hold no timing for the requests that filled the slots.
    let mut before: Vec<Millis> = windows
        .iter()
        .filter(|w| w.inflight_before > 0)
        .map(|w| Millis::from(w.inflight_before))
        .collect();
    before.sort_unstable();
    percentile(&before, 50).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

// ---------------------------------------------------------------------------
// Per-label statistics
// ---------------------------------------------------------------------------

/// Nearest-rank percentile of an ascending slice: the smallest value such that at
/// least `p`% of the values are at or below it, i.e. the value at 1-based rank
/// `ceil(p/100 · n)` (rank at least 1, `p` clamped to 100). `None` when empty.
pub fn percentile(sorted: &[Millis], p: u32) -> Option<Millis> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = u64::from(p.min(100));
    let rank = (p * n as u64).div_ceil(100).max(1);
    let rank = usize::try_from(rank).unwrap_or(n).min(n);
    sorted.get(rank - 1).copied()
}

fn label_stats(spans: &[Span]) -> Vec<LabelStats> {
    // label → (durations, failures)
    let mut groups: BTreeMap<&str, (Vec<Millis>, usize)> = BTreeMap::new();
    for s in spans {
        let g = groups.entry(s.label.as_str()).or_default();
        g.0.push(s.duration());
        g.1 += usize::from(s.failed);
    }
    let mut out: Vec<LabelStats> = groups
        .into_iter()
        .map(|(label, (mut durations, failures))| {
            durations.sort_unstable();
            let pct = |p| percentile(&durations, p).unwrap_or(0);
            LabelStats {
                label: label.to_owned(),
                count: durations.len(),
                failures,
                p50: pct(50),
                p95: pct(95),
                p99: pct(99),
                max: durations.last().copied().unwrap_or(0),
            }
        })
        .collect();
    // BTreeMap gave label order; a stable sort keeps it among equal p95s.
    out.sort_by_key(|s| std::cmp::Reverse(s.p95));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Envelope;
    use proptest::prelude::*;

    fn event(type_code: &str, time: Option<Millis>) -> Event {
        Event {
            source: 0,
            record: 1,
            span: 0..0,
            envelope: Envelope::Bare,
            log_id: None,
            time,
            type_code: type_code.to_owned(),
            description: String::new(),
            client_name: None,
            connection: None,
            error_message: None,
            executions: Vec::new(),
            stats: None,
            elapsed_ms: None,
            initiated_at: None,
            completed_at: None,
            action_name: None,
            error_class: None,
        }
    }

    fn with_total(mut e: Event, total: f64) -> Event {
        e.stats = Some(Stats {
            total_request_duration_ms: Some(total),
            ..Stats::default()
        });
        e
    }

    fn exhausted(time: Millis) -> Event {
        let mut e = event("f", Some(time));
        e.description = "resource_exhausted".to_owned();
        e
    }

    fn span(start: Millis, end: Millis) -> Span {
        Span {
            start,
            end,
            event: 0,
            source: TimingSource::Stats,
            label: String::new(),
            failed: false,
        }
    }

    fn brute_count(spans: &[Span], t: Millis) -> u32 {
        spans.iter().filter(|s| s.start <= t && t < s.end).count() as u32
    }

    #[test]
    fn three_overlapping_spans_give_exact_steps() {
        // [0,10) [5,15) [8,12)
        let spans = [span(0, 10), span(5, 15), span(8, 12)];
        let steps = inflight_steps(&spans);
        assert_eq!(
            steps,
            vec![(0, 1), (5, 2), (8, 3), (10, 2), (12, 1), (15, 0)]
        );
        assert_eq!(peak(&steps), (3, 8));
        assert_eq!(count_at(&steps, -1), 0);
        assert_eq!(count_at(&steps, 0), 1);
        assert_eq!(count_at(&steps, 7), 2);
        assert_eq!(count_at(&steps, 9), 3);
        assert_eq!(count_at(&steps, 11), 2);
        assert_eq!(count_at(&steps, 14), 1);
        assert_eq!(count_at(&steps, 15), 0);
        assert_eq!(count_at(&steps, 1_000), 0);
    }

    #[test]
    fn half_open_boundaries() {
        // One ends exactly where the next starts: never counted together, no step.
        let steps = inflight_steps(&[span(0, 10), span(10, 20)]);
        assert_eq!(steps, vec![(0, 1), (20, 0)]);
        assert_eq!(count_at(&steps, 9), 1);
        assert_eq!(count_at(&steps, 10), 1);
        assert_eq!(count_at(&steps, 19), 1);
        assert_eq!(count_at(&steps, 20), 0);

        // Zero-length spans never count, alone or inside another span.
        assert!(inflight_steps(&[span(5, 5)]).is_empty());
        assert_eq!(
            inflight_steps(&[span(0, 10), span(5, 5)]),
            vec![(0, 1), (10, 0)]
        );
        // Inverted spans are ignored too.
        assert!(inflight_steps(&[span(9, 3)]).is_empty());

        // Same start and end for two spans: one step each way.
        assert_eq!(
            inflight_steps(&[span(1, 2), span(1, 2)]),
            vec![(1, 2), (2, 0)]
        );
        assert!(inflight_steps(&[]).is_empty());
        assert_eq!(peak(&[]), (0, 0));
        assert_eq!(count_at(&[], 0), 0);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let spans = [
            span(Millis::MIN, Millis::MAX),
            span(Millis::MAX - 1, Millis::MAX),
        ];
        let steps = inflight_steps(&spans);
        assert_eq!(
            steps,
            vec![(Millis::MIN, 1), (Millis::MAX - 1, 2), (Millis::MAX, 0)]
        );
        let events = [
            with_total(event("f", Some(Millis::MIN)), 1000.0),
            exhausted(Millis::MIN),
        ];
        let a = analyze(&events, &Options::default());
        assert_eq!(a.spans[0].start, Millis::MIN);
        assert_eq!(a.windows[0].inflight_before, 0);
    }

    fn span_strategy() -> impl Strategy<Value = Vec<Span>> {
        prop::collection::vec((-50i64..50, 0i64..30), 0..40)
            .prop_map(|v| v.into_iter().map(|(s, d)| span(s, s + d)).collect())
    }

    proptest! {
        #[test]
        fn steps_match_brute_force(spans in span_strategy(), probes in prop::collection::vec(-60i64..100, 0..20)) {
            let steps = inflight_steps(&spans);
            // Strictly increasing times, consecutive counts differ, ends at 0.
            for w in steps.windows(2) {
                prop_assert!(w[0].0 < w[1].0);
                prop_assert!(w[0].1 != w[1].1);
            }
            if let Some(&(_, last)) = steps.last() {
                prop_assert_eq!(last, 0);
            }
            let boundaries = spans.iter().flat_map(|s| [s.start - 1, s.start, s.end - 1, s.end]);
            for t in probes.into_iter().chain(boundaries) {
                prop_assert_eq!(count_at(&steps, t), brute_count(&spans, t), "at t = {}", t);
            }
            let max = (-60..100).map(|t| brute_count(&spans, t)).max().unwrap_or(0);
            prop_assert_eq!(peak(&steps).0, max);
            if max > 0 {
                let first = (-60..100).find(|&t| brute_count(&spans, t) == max).unwrap();
                prop_assert_eq!(peak(&steps).1, first);
            }
        }

        #[test]
        fn percentile_matches_sorted_oracle(mut v in prop::collection::vec(0i64..1000, 1..60), p in 0u32..=100) {
            v.sort_unstable();
            let n = v.len();
            // Oracle: the smallest element with at least p% of the values at or below it.
            let oracle = (1..=n)
                .find(|&k| 100 * k >= p as usize * n)
                .map(|k| v[k - 1])
                .unwrap();
            prop_assert_eq!(percentile(&v, p), Some(oracle));
        }

        #[test]
        fn every_event_is_counted_once(entries in prop::collection::vec(
            (prop::option::of(0i64..1000), prop::option::of(-10.0f64..5e6), prop::option::of(-10.0f64..100.0),
             prop::option::of((0i64..100, -50i64..50))), 0..30)) {
            let events: Vec<Event> = entries
                .into_iter()
                .map(|(time, total, elapsed, ic)| {
                    let mut e = event("s", time);
                    if let Some(t) = total { e = with_total(e, t); }
                    e.elapsed_ms = elapsed;
                    if let Some((i, d)) = ic { e.initiated_at = Some(i); e.completed_at = Some(i + d); }
                    e
                })
                .collect();
            let a = analyze(&events, &Options::default());
            prop_assert_eq!(a.spans.len() + a.rejected_timings + a.untimed, events.len());
            prop_assert_eq!(a.untimed_by_type.iter().map(|x| x.1).sum::<usize>(), a.untimed);
            for s in &a.spans {
                prop_assert!(s.start <= s.end);
                prop_assert!(s.duration() <= 3_600_000);
            }
        }
    }

    #[test]
    fn percentiles_hand_computed() {
        let v: Vec<Millis> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile(&v, 50), Some(50)); // rank ceil(5) = 5
        assert_eq!(percentile(&v, 95), Some(100)); // rank ceil(9.5) = 10
        assert_eq!(percentile(&v, 0), Some(10)); // rank at least 1
        assert_eq!(percentile(&v, 10), Some(10));
        assert_eq!(percentile(&v, 11), Some(20));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[1, 2], 50), Some(1), "lower median");
    }

    #[test]
    fn timing_source_priority_and_rejections() {
        let mut both = with_total(event("s", Some(10_000)), 2_000.0);
        both.elapsed_ms = Some(500.0);
        both.initiated_at = Some(1_000);
        both.completed_at = Some(1_300);
        let mut ic = event("s", Some(10_000));
        ic.elapsed_ms = Some(500.0);
        ic.initiated_at = Some(1_000);
        ic.completed_at = Some(1_300);
        let mut unordered = event("s", Some(10_000));
        unordered.elapsed_ms = Some(500.0);
        unordered.initiated_at = Some(2_000);
        unordered.completed_at = Some(1_000);
        let mut bad_stats_good_elapsed = with_total(event("s", Some(10_000)), -5.0);
        bad_stats_good_elapsed.elapsed_ms = Some(250.4);
        let mut ic_no_date = event("s", None);
        ic_no_date.initiated_at = Some(100);
        ic_no_date.completed_at = Some(200);

        let events = [
            both,                                              // 0: stats wins
            ic,                                             // 1: initiated/completed over elapsed
            unordered,                                      // 2: falls back to elapsed
            bad_stats_good_elapsed,                         // 3: falls back to elapsed
            with_total(event("f", Some(10_000)), f64::NAN), // 4: rejected
            with_total(event("f", Some(10_000)), 3_600_001.0), // 5: rejected (over 1 h)
            with_total(event("f", Some(10_000)), 3_600_000.0), // 6: exactly 1 h is fine
            with_total(event("f", None), 100.0),            // 7: untimed (no date)
            event("sapi", Some(5)),                         // 8: untimed (no timing)
            event("sapi", None),                            // 9: untimed
            ic_no_date,                                     // 10: needs no date
        ];
        let a = analyze(&events, &Options::default());
        let got: Vec<(usize, Millis, Millis, TimingSource)> = a
            .spans
            .iter()
            .map(|s| (s.event, s.start, s.end, s.source))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 8_000, 10_000, TimingSource::Stats),
                (1, 1_000, 1_300, TimingSource::InitiatedCompleted),
                (2, 9_500, 10_000, TimingSource::ElapsedTime),
                (3, 9_750, 10_000, TimingSource::ElapsedTime),
                (6, 10_000 - 3_600_000, 10_000, TimingSource::Stats),
                (10, 100, 200, TimingSource::InitiatedCompleted),
            ]
        );
        assert_eq!(a.rejected_timings, 2);
        assert_eq!(a.untimed, 3);
        assert_eq!(
            a.untimed_by_type,
            vec![("sapi".to_owned(), 2), ("f".to_owned(), 1)]
        );
    }

    #[test]
    fn events_without_timing_are_counted_by_type() {
        let events = [
            event("s", Some(1)),
            event("fp", Some(2)),
            event("s", Some(3)),
            event("", None),
            event("fp", Some(4)),
            event("s", Some(5)),
        ];
        let a = analyze(&events, &Options::default());
        assert!(a.spans.is_empty());
        assert_eq!(a.untimed, 6);
        assert_eq!(
            a.untimed_by_type,
            vec![
                ("s".to_owned(), 3),
                ("fp".to_owned(), 2),
                (String::new(), 1)
            ]
        );
        assert!(a.steps.is_empty());
        assert_eq!(a.peak, (0, 0));
    }

    #[test]
    fn labels_and_failures() {
        let mut named = with_total(event("actions_execution_failed", Some(100)), 10.0);
        named.action_name = Some(" slow-crm-sync ".to_owned());
        let events = [
            named,
            with_total(event("f", Some(100)), 10.0),
            with_total(event("fcph", Some(100)), 10.0),
            {
                let mut e = event("flows_execution_completed", Some(100));
                e.elapsed_ms = Some(1.0);
                e
            },
            {
                let mut e = event("s", Some(100));
                e.elapsed_ms = Some(1.0);
                e
            },
        ];
        let a = analyze(&events, &Options::default());
        let got: Vec<(&str, bool)> = a
            .spans
            .iter()
            .map(|s| (s.label.as_str(), s.failed))
            .collect();
        assert_eq!(
            got,
            vec![
                ("slow-crm-sync", true),
                ("post-login request", true),
                ("Actions request (type fcph)", true),
                ("request (type flows_execution_completed)", false),
                ("request (type s)", false),
            ]
        );
    }

    #[test]
    fn by_label_stats() {
        let mut events = Vec::new();
        for (i, d) in [100.0, 300.0, 200.0, 400.0].into_iter().enumerate() {
            let mut e = with_total(event(if i == 1 { "f" } else { "s" }, Some(10_000)), d);
            e.action_name = Some("slow".to_owned());
            events.push(e);
        }
        let mut fast = with_total(event("s", Some(10_000)), 5.0);
        fast.action_name = Some("fast".to_owned());
        events.push(fast);
        let a = analyze(&events, &Options::default());
        assert_eq!(
            a.by_label,
            vec![
                LabelStats {
                    label: "slow".into(),
                    count: 4,
                    failures: 1,
                    p50: 200,
                    p95: 400,
                    p99: 400,
                    max: 400
                },
                LabelStats {
                    label: "fast".into(),
                    count: 1,
                    failures: 0,
                    p50: 5,
                    p95: 5,
                    p99: 5,
                    max: 5
                },
            ]
        );
    }

    #[test]
    fn windows_split_only_over_the_gap() {
        let b = |time| Breach { time, event: 0 };
        let gap = 30_000;
        // 0 → 30_000 is exactly the gap: same window. 30_000 → 60_001 is over it.
        let breaches = [b(0), b(30_000), b(60_001), b(60_001), b(90_001), b(120_002)];
        let steps = vec![(-10, 4), (0, 5), (60_000, 7), (60_001, 6), (90_000, 0)];
        let w = breach_windows(&breaches, gap, &steps);
        assert_eq!(
            w,
            vec![
                BreachWindow {
                    start: 0,
                    end: 30_000,
                    count: 2,
                    inflight_before: 4
                },
                BreachWindow {
                    start: 60_001,
                    end: 90_001,
                    count: 3,
                    inflight_before: 7
                },
                BreachWindow {
                    start: 120_002,
                    end: 120_002,
                    count: 1,
                    inflight_before: 0
                },
            ]
        );
        assert_eq!(estimate_limit(&w), Some(4));
        // Gap 0: only the same millisecond shares a window; negative gap acts as 0.
        assert_eq!(breach_windows(&breaches, 0, &steps).len(), 5);
        assert_eq!(breach_windows(&breaches, -5, &steps).len(), 5);
    }

    #[test]
    fn breaches_windows_and_estimated_limit_end_to_end() {
        // Three requests of 20 s ending at 20 s, 21 s, 22 s; at 15 s all three are in
        // flight and a resource_exhausted arrives. Another breach window at 100 s with
        // nothing in flight.
        let events = [
            with_total(event("s", Some(20_000)), 20_000.0),
            with_total(event("s", Some(21_000)), 20_000.0),
            with_total(event("s", Some(22_000)), 20_000.0),
            exhausted(15_000),
            exhausted(16_000),
            exhausted(100_000),
            {
                let mut e = event("f", Some(200_000));
                e.error_message = Some("resource_exhausted".into());
                e
            },
            {
                let mut e = exhausted(0);
                e.time = None;
                e
            },
        ];
        let a = analyze(&events, &Options::default());
        assert_eq!(
            a.breaches,
            vec![
                Breach {
                    time: 15_000,
                    event: 3
                },
                Breach {
                    time: 16_000,
                    event: 4
                },
                Breach {
                    time: 100_000,
                    event: 5
                },
                Breach {
                    time: 200_000,
                    event: 6
                },
            ]
        );
        assert_eq!(
            a.windows,
            vec![
                BreachWindow {
                    start: 15_000,
                    end: 16_000,
                    count: 2,
                    inflight_before: 3
                },
                BreachWindow {
                    start: 100_000,
                    end: 100_000,
                    count: 1,
                    inflight_before: 0
                },
                BreachWindow {
                    start: 200_000,
                    end: 200_000,
                    count: 1,
                    inflight_before: 0
                },
            ]
        );
        assert_eq!(a.peak, (3, 2_000));
        // Windows with nothing in flight before them carry no evidence and are
        // left out of the estimate: only the first window (3) counts.
        assert_eq!(a.estimated_limit, Some(3));
        assert_eq!(a.limit, None);

        let given = analyze(
            &events,
            &Options {
                limit: Some(100),
                ..Options::default()
            },
        );
        assert_eq!(given.estimated_limit, None);
        assert_eq!(given.effective_limit(), Some(100));
    }

    #[test]
    fn no_breaches_no_windows_no_estimate() {
        let events = [with_total(event("s", Some(1_000)), 500.0)];
        let a = analyze(&events, &Options::default());
        assert!(a.breaches.is_empty());
        assert!(a.windows.is_empty());
        assert_eq!(a.estimated_limit, None);
        assert_eq!(a.effective_limit(), None);
        assert_eq!(estimate_limit(&[]), None);
        let empty = analyze(&[], &Options::default());
        assert_eq!(empty.estimated_limit, None);
        assert_eq!(empty.untimed, 0);
    }

    #[test]
    fn serializes() {
        let a = analyze(
            &[with_total(event("s", Some(1_000)), 500.0)],
            &Options::default(),
        );
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains(r#""source":"stats""#), "{json}");
        assert!(json.contains(r#""label":"post-login request""#), "{json}");
    }
}
