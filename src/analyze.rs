//! Request spans, per-Action spans, the in-flight count over time, and breaches of
//! the tenant's extensibility concurrency limit.
//!
//! # Request spans and timing sources
//!
//! The concurrency limit counts *extensibility requests*: one login (or token
//! exchange, …) holds one slot while its Actions or login script run. So the
//! in-flight count is built from **request spans**, one per event at most, taken
//! from the best timing source the event has, in this order of priority:
//!
//! 1. [`TimingSource::Stats`] — the seed's `details.stats`; [`Stats::total`] ends at
//!    the event's `date`: `[date − total, date]`.
//! 2. [`TimingSource::ActionExecution`] — the Action execution objects the event
//!    lists in `details.actions.executions` (when they were loaded): from the
//!    earliest `results[].started_at` to the latest `results[].ended_at` (or the
//!    object's `created_at`..`updated_at` when it has no timed results).
//! 3. [`TimingSource::WebtaskTimeout`] — a failure whose text says the request
//!    "exceeded allowed execution time": it held its slot for the 20 s Webtask
//!    limit, `[date − 20 s, date]`. With no stats and no executions this is a
//!    Custom Database (or other) script that timed out.
//! 4. [`TimingSource::InitiatedCompleted`] — `details.initiatedAt`..`completedAt`,
//!    when both are present and `completedAt >= initiatedAt` (no `date` needed).
//! 5. [`TimingSource::ElapsedTime`] — `details.elapsedTime`, ending at the `date`.
//!
//! A duration that is negative, not finite, or longer than [`MAX_DURATION_MS`]
//! (one hour) is not believable; that source is skipped and the next one tried. An
//! event whose every timing source is unusable is counted in
//! [`Analysis::rejected_timings`]. An event with no usable time at all (no timing,
//! or a duration without a `date` to anchor it) is counted in [`Analysis::untimed`]
//! and, by type code, in [`Analysis::untimed_by_type`]. So every event is counted
//! exactly once: `spans + rejected_timings + untimed == events`.
//!
//! Execution objects that no event lists (the log export missed their event) are
//! requests too: each gives one request interval in [`Analysis::orphan_requests`],
//! counted in flight like a span.
//!
//! # Work spans: who held the slot
//!
//! For attribution, each request's in-flight time is split into [`WorkSpan`]s, one
//! per Action run (`results[]` of its execution objects, labelled with the Action
//! name). A request without per-Action data gives one work span equal to its
//! request span, labelled with the Action name it carries
//! (`actions_execution_failed`), the script it timed out in
//! (`custom DB script (connection)`), or the kind of request. So each request is
//! counted **once** in flight (by its request span) and **once** in attribution (by
//! its work spans, which lie inside it); the two are never added together.
//!
//! When the request has the seed's stats, its breakdown (boot, network, runtime
//! processing, external calls, Action code) is shared among its Action runs in
//! proportion to their durations ([`Breakdown`]): the slow Action gets most of the
//! request's boot and code time.
//!
//! # Extensibility failures
//!
//! Webtask timeouts, Custom Database script errors and `actions_execution_failed`
//! events are classified into [`ExtFailure`]s (see [`classify_failure`]) so they
//! can be placed on the timeline and counted per script or Action.
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
//! [`BreachWindow`]. Every breach is a moment the tenant was at its limit, so the
//! in-flight count the logs show there is a lower bound of the limit (requests
//! whose timing the logs lack are missing from it; see [`observed_at`]). Per window
//! the highest such count is kept in [`Analysis::window_inflight`], and the lower
//! median of those over windows is the [`Analysis::estimated_limit`] (only when the
//! caller gave no limit). The highest count, not the count at the window's onset:
//! when a Custom Database script slows down, the first failures come while the
//! slots are held by slow scripts that have not failed yet and have no timing in
//! the logs; the 20 s timeout spans that follow are visible.
//!
//! This module reads no clock and no randomness, and never panics: arithmetic on
//! times saturates.

use crate::model::{ActionExecution, Event, Millis, Stats};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The longest believable request duration: one hour. Longer durations are rejected.
pub const MAX_DURATION_MS: f64 = 3_600_000.0;

/// The default gap that separates two breach windows: 30 s.
pub const DEFAULT_WINDOW_GAP_MS: i64 = 30_000;

/// The Webtask execution limit: a script or Action that runs longer fails here.
pub const WEBTASK_TIMEOUT_MS: Millis = 20_000;

/// How far before a breach window attribution looks (see `attribution`): 5 min.
pub const DEFAULT_LOOKBACK_MS: i64 = 300_000;

/// Where a span's start and end came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingSource {
    /// `details.stats` (the seed's timing object): ends at the event's `date`.
    Stats,
    /// `details.elapsedTime`: ends at the event's `date`.
    ElapsedTime,
    /// `details.initiatedAt` .. `details.completedAt`.
    InitiatedCompleted,
    /// Action execution objects (`results[].started_at` / `ended_at`) from the
    /// Management API, joined by execution id.
    ActionExecution,
    /// A "exceeded allowed execution time" failure: the 20 s Webtask limit, ending
    /// at the event's `date`.
    WebtaskTimeout,
}

/// What held an extensibility slot during a [`WorkSpan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// A named Action (from an execution object or `actions_execution_failed`).
    Action,
    /// A Custom Database (or other Webtask) script.
    Script,
    /// A whole request with no Action name: the logs do not say which Action ran.
    Request,
}

/// Where a request's time went, in ms, from the seed's stats object: `boot`
/// (`boot_duration_ms`), `network` (`network_duration_ms`), `processing`
/// (`runtime_processing_duration_ms`), `external` (`runtime_external_call_duration_ms`)
/// and `code` (`action_duration_ms`). Missing keys are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    pub boot: Millis,
    pub network: Millis,
    pub processing: Millis,
    pub external: Millis,
    pub code: Millis,
}

impl Breakdown {
    /// The breakdown of a stats object, when it has at least one of the five parts
    /// (unbelievable values count as 0).
    pub fn from_stats(stats: &Stats) -> Option<Breakdown> {
        let parts = [
            stats.boot_duration_ms,
            stats.network_duration_ms,
            stats.runtime_processing_duration_ms,
            stats.runtime_external_call_duration_ms,
            stats.action_duration_ms,
        ];
        if parts.iter().all(Option::is_none) {
            return None;
        }
        let ms = |v: Option<f64>| v.and_then(|d| duration_ms(d).ok()).unwrap_or(0);
        Some(Breakdown {
            boot: ms(parts[0]),
            network: ms(parts[1]),
            processing: ms(parts[2]),
            external: ms(parts[3]),
            code: ms(parts[4]),
        })
    }

    pub fn total(&self) -> Millis {
        self.boot
            .saturating_add(self.network)
            .saturating_add(self.processing)
            .saturating_add(self.external)
            .saturating_add(self.code)
    }

    pub fn add(&mut self, o: &Breakdown) {
        self.boot = self.boot.saturating_add(o.boot);
        self.network = self.network.saturating_add(o.network);
        self.processing = self.processing.saturating_add(o.processing);
        self.external = self.external.saturating_add(o.external);
        self.code = self.code.saturating_add(o.code);
    }

    /// Every part times `num / den` (rounded); `den <= 0` gives an even share of 1.
    fn scaled(&self, num: Millis, den: Millis) -> Breakdown {
        let f = |v: Millis| -> Millis {
            if den <= 0 {
                return v;
            }
            let x = i128::from(v) * i128::from(num.max(0)) / i128::from(den);
            Millis::try_from(x).unwrap_or(Millis::MAX)
        };
        Breakdown {
            boot: f(self.boot),
            network: f(self.network),
            processing: f(self.processing),
            external: f(self.external),
            code: f(self.code),
        }
    }
}

/// One Action run, script run, or unnamed request, holding a slot from `start` to
/// `end` (half-open). See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSpan {
    pub start: Millis,
    pub end: Millis,
    /// Index into [`Analysis::work_labels`].
    pub label: u32,
    pub source: TimingSource,
    /// The event whose request this run belongs to; `None` for execution objects
    /// that no event lists.
    pub event: Option<usize>,
    /// The run failed (`results[].error`), or the request failed when the run is
    /// the whole request.
    pub failed: bool,
    /// This run's share of its request's stats breakdown, when the request had one.
    pub breakdown: Option<Breakdown>,
}

impl WorkSpan {
    pub fn duration(&self) -> Millis {
        self.end.saturating_sub(self.start)
    }
}

/// The name and kind of what a work span ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkLabel {
    pub name: String,
    pub kind: WorkKind,
}

/// The kinds of extensibility failure that [`classify_failure`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// "exceeded allowed execution time" with no Action data: a login script (Custom
    /// Database) or other Webtask script ran past 20 s.
    ScriptTimeout,
    /// "exceeded allowed execution time" on a request that ran Actions.
    ActionTimeout,
    /// A Custom Database script error (`WrongUsernameOrPasswordError`,
    /// `UnauthorizedError`, a script error message) on `f`/`fu`/`fp`.
    ScriptError,
    /// An `actions_execution_failed` event (or any event with an `error_class`).
    ActionFailed,
}

/// One classified extensibility failure, placed on the timeline at `time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtFailure {
    pub time: Option<Millis>,
    /// Index into the events slice given to [`analyze`].
    pub event: usize,
    pub kind: FailureKind,
    /// The script or Action: `custom DB script (legacy-users)`, an Action name, …
    pub label: String,
    /// `error_class` for Action failures, else the description.
    pub detail: String,
}

/// One request (or Action run) in flight from `start` to `end` (half-open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub time: Millis,
    /// Index into the events slice given to [`analyze`].
    pub event: usize,
}

/// Breaches grouped in time: consecutive breaches at most `window_gap_ms` apart
/// share a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// The tenant's concurrency limit, when the user knows it.
    pub limit: Option<u32>,
    /// Breaches further apart than this (ms) start a new window. Negative is taken as 0.
    pub window_gap_ms: i64,
    /// How far before each breach window attribution looks (ms); see `attribution`.
    pub lookback_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: None,
            window_gap_ms: DEFAULT_WINDOW_GAP_MS,
            lookback_ms: DEFAULT_LOOKBACK_MS,
        }
    }
}

/// Everything [`analyze`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// p50) of [`Analysis::window_inflight`] over breach windows where it is above
    /// 0. `None` without breaches.
    pub estimated_limit: Option<u32>,
    /// Per breach window, the highest in-flight count observed at one of its
    /// breaches ([`observed_at`]).
    pub window_inflight: Vec<u32>,
    /// Events with no usable time: no timing at all, or a duration with no `date`.
    pub untimed: usize,
    /// `untimed` by type code (as written), most frequent first, then by code.
    pub untimed_by_type: Vec<(String, usize)>,
    /// Events whose every timing value was negative, not finite or over one hour.
    pub rejected_timings: usize,
    /// Duration statistics per label, slowest p95 first, then by label.
    pub by_label: Vec<LabelStats>,
    /// Who held the slots: Action runs, script runs and unnamed requests, in event
    /// order, then those of execution objects that no event lists.
    pub work: Vec<WorkSpan>,
    /// The labels [`WorkSpan::label`] points into.
    pub work_labels: Vec<WorkLabel>,
    /// Request intervals of execution objects that no event lists (counted in flight).
    pub orphan_requests: Vec<(Millis, Millis)>,
    /// Request spans per timing source, in [`TimingSource`] order.
    pub timing_sources: Vec<(TimingSource, usize)>,
    /// Execution ids listed by events and found among the loaded execution objects.
    pub executions_joined: usize,
    /// Execution ids listed by events but not loaded (or already joined to an
    /// earlier event).
    pub executions_missing: usize,
    /// Webtask timeouts, script errors and Action failures, in event order.
    pub failures: Vec<ExtFailure>,
}

impl Analysis {
    /// The user's limit when given, else the estimate.
    pub fn effective_limit(&self) -> Option<u32> {
        self.limit.or(self.estimated_limit)
    }
}

/// Runs the whole analysis over events sorted by time (unsorted input is handled
/// too; only the order of `spans` follows the input), with no execution objects.
pub fn analyze(events: &[Event], opts: &Options) -> Analysis {
    analyze_with_executions(events, &[], opts)
}

/// Runs the whole analysis over events and the Action execution objects loaded
/// with them (joined by id; see the module documentation).
pub fn analyze_with_executions(
    events: &[Event],
    executions: &[ActionExecution],
    opts: &Options,
) -> Analysis {
    let mut spans = Vec::new();
    let mut untimed = 0usize;
    let mut untimed_types: HashMap<&str, usize> = HashMap::new();
    let mut rejected_timings = 0usize;
    let mut breaches = Vec::new();
    let mut failures = Vec::new();
    let mut work = WorkBuilder::default();

    // Execution id → index; the first object with an id wins (ingest dedupes).
    let mut exec_by_id: HashMap<&str, usize> = HashMap::with_capacity(executions.len());
    for (i, x) in executions.iter().enumerate() {
        exec_by_id.entry(x.id.as_str()).or_insert(i);
    }
    let mut claimed = vec![false; executions.len()];
    let (mut executions_joined, mut executions_missing) = (0usize, 0usize);
    let mut joined: Vec<usize> = Vec::new();
    let mut timing_counts: BTreeMap<TimingSource, usize> = BTreeMap::new();

    for (index, event) in events.iter().enumerate() {
        joined.clear();
        for id in &event.executions {
            match exec_by_id.get(id.trim()) {
                Some(&x) if !claimed[x] => {
                    claimed[x] = true;
                    joined.push(x);
                    executions_joined += 1;
                }
                _ => executions_missing += 1,
            }
        }
        let extent = joined
            .iter()
            .filter_map(|&x| execution_extent(&executions[x]))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
        match timing_of(event, extent) {
            Timing::Span { start, end, source } => {
                let span = Span {
                    start,
                    end,
                    event: index,
                    source,
                    label: label_of(event, source),
                    failed: is_failure(event),
                };
                *timing_counts.entry(source).or_insert(0) += 1;
                work.request(event, &span, joined.iter().map(|&x| &executions[x]));
                spans.push(span);
            }
            Timing::Rejected => rejected_timings += 1,
            Timing::None => {
                untimed += 1;
                *untimed_types.entry(event.type_code.as_str()).or_insert(0) += 1;
            }
        }
        if let Some(time) = event.time.filter(|_| event.is_resource_exhausted()) {
            breaches.push(Breach { time, event: index });
        }
        if let Some(f) = classify_failure(event, index, !joined.is_empty()) {
            failures.push(f);
        }
    }
    // Stable: breaches at the same instant keep the input order.
    breaches.sort_by_key(|b| b.time);
    reclassify_script_logins(events, &mut failures);

    // Execution objects no event lists: requests of their own.
    let mut orphan_requests = Vec::new();
    for (x, exec) in executions.iter().enumerate() {
        if claimed[x] {
            continue;
        }
        if let Some(extent) = execution_extent(exec) {
            orphan_requests.push(extent);
            work.orphan(exec, extent);
        }
    }

    let mut untimed_by_type: Vec<(String, usize)> = untimed_types
        .into_iter()
        .map(|(code, n)| (code.to_owned(), n))
        .collect();
    untimed_by_type.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let steps = inflight_steps_of(
        spans
            .iter()
            .map(|s| (s.start, s.end))
            .chain(orphan_requests.iter().copied()),
    );
    let peak = peak(&steps);
    let windows = breach_windows(&breaches, opts.window_gap_ms, &steps);
    let window_inflight = window_inflight(&breaches, &windows, &steps);
    let estimated_limit = match opts.limit {
        Some(_) => None,
        None => estimate_limit_from(&window_inflight),
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
        window_inflight,
        untimed,
        untimed_by_type,
        rejected_timings,
        by_label,
        work: work.spans,
        work_labels: work.labels,
        orphan_requests,
        timing_sources: timing_counts.into_iter().collect(),
        executions_joined,
        executions_missing,
        failures,
    }
}

// ---------------------------------------------------------------------------
// Work spans
// ---------------------------------------------------------------------------

/// Builds [`WorkSpan`]s with interned labels.
#[derive(Default)]
struct WorkBuilder {
    spans: Vec<WorkSpan>,
    labels: Vec<WorkLabel>,
    index: HashMap<WorkLabel, u32>,
}

impl WorkBuilder {
    fn intern(&mut self, name: &str, kind: WorkKind) -> u32 {
        let key = WorkLabel { name: name.to_owned(), kind };
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = u32::try_from(self.labels.len()).unwrap_or(u32::MAX);
        self.labels.push(key.clone());
        self.index.insert(key, i);
        i
    }

    /// The Action runs of one timed request, or the request itself when it has no
    /// timed runs; the stats breakdown is shared in proportion to run durations.
    fn request<'a>(
        &mut self,
        event: &Event,
        span: &Span,
        execs: impl Iterator<Item = &'a ActionExecution>,
    ) {
        let first = self.spans.len();
        for exec in execs {
            self.runs(exec, Some(span.event));
        }
        let breakdown = event.stats.as_ref().and_then(Breakdown::from_stats);
        if self.spans.len() == first {
            let (name, kind) = work_label_of(event, span);
            let label = self.intern(&name, kind);
            self.spans.push(WorkSpan {
                start: span.start,
                end: span.end,
                label,
                source: span.source,
                event: Some(span.event),
                failed: span.failed,
                breakdown,
            });
            return;
        }
        if let Some(b) = breakdown {
            let runs = &mut self.spans[first..];
            let total: Millis = runs.iter().map(WorkSpan::duration).fold(0, Millis::saturating_add);
            let n = Millis::try_from(runs.len()).unwrap_or(Millis::MAX);
            for r in runs.iter_mut() {
                // Zero total time: an even split.
                r.breakdown = Some(if total > 0 { b.scaled(r.duration(), total) } else { b.scaled(1, n) });
            }
        }
    }

    /// The Action runs of an execution object no event lists; the whole execution
    /// when none of its runs is timed.
    fn orphan(&mut self, exec: &ActionExecution, extent: (Millis, Millis)) {
        let first = self.spans.len();
        self.runs(exec, None);
        if self.spans.len() == first {
            let trigger = exec.trigger_id.as_deref().map(str::trim).filter(|t| !t.is_empty());
            let name = format!("Action execution ({})", trigger.unwrap_or("unknown trigger"));
            let label = self.intern(&name, WorkKind::Request);
            self.spans.push(WorkSpan {
                start: extent.0,
                end: extent.1,
                label,
                source: TimingSource::ActionExecution,
                event: None,
                failed: false,
                breakdown: None,
            });
        }
    }

    fn runs(&mut self, exec: &ActionExecution, event: Option<usize>) {
        for r in &exec.results {
            let Some((start, end)) = believable(r.started_at, r.ended_at) else { continue };
            let name = r.action_name.trim();
            let name = if name.is_empty() { "(unnamed Action)" } else { name };
            let label = self.intern(name, WorkKind::Action);
            self.spans.push(WorkSpan {
                start,
                end,
                label,
                source: TimingSource::ActionExecution,
                event,
                failed: r.error.is_some(),
                breakdown: None,
            });
        }
    }
}

/// `(start, end)` when both are given and `0 <= end − start <= 1 h`.
fn believable(start: Option<Millis>, end: Option<Millis>) -> Option<(Millis, Millis)> {
    let (s, e) = (start?, end?);
    let d = e.checked_sub(s)?;
    (0..=MAX_DURATION_MS as Millis).contains(&d).then_some((s, e))
}

/// The time an execution object held its request: from its first timed Action run
/// to its last, else `created_at`..`updated_at`. `None` when neither is believable.
pub fn execution_extent(exec: &ActionExecution) -> Option<(Millis, Millis)> {
    exec.results
        .iter()
        .filter_map(|r| believable(r.started_at, r.ended_at))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
        .filter(|&(s, e)| e.checked_sub(s).is_some_and(|d| d <= MAX_DURATION_MS as Millis))
        .or_else(|| believable(exec.created_at, exec.updated_at))
}

/// The name and kind of a request that has no timed Action runs.
fn work_label_of(event: &Event, span: &Span) -> (String, WorkKind) {
    if span.source == TimingSource::WebtaskTimeout {
        return (script_label(event), WorkKind::Script);
    }
    match event.action_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => (name.to_owned(), WorkKind::Action),
        None => (span.label.clone(), WorkKind::Request),
    }
}

/// `custom DB script (legacy-users)`; `custom DB script` without a connection.
pub fn script_label(event: &Event) -> String {
    match event.connection.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("custom DB script ({c})"),
        None => "custom DB script".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Extensibility failures
// ---------------------------------------------------------------------------

/// The text of a failure that ran past the Webtask limit.
const TIMEOUT_TEXT: &str = "exceeded allowed execution time";

/// Error names a Custom Database script returns (`callback(new X(...))`).
const SCRIPT_ERRORS: &[&str] = &["WrongUsernameOrPasswordError", "UnauthorizedError", "ValidationError"];

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())
}

/// True when the description or error message says the request ran past the
/// 20 s Webtask limit.
pub fn is_webtask_timeout(event: &Event) -> bool {
    contains_ci(&event.description, TIMEOUT_TEXT)
        || event.error_message.as_deref().is_some_and(|m| contains_ci(m, TIMEOUT_TEXT))
}

/// Classifies one event as an extensibility failure:
///
/// - `actions_execution_failed`, or any event with `error_class`: an Action failure
///   (label: `action_name`; detail: `error_class`);
/// - a Webtask timeout: an Action timeout when the request ran Actions (joined
///   executions, or stats), else a script timeout labelled by connection;
/// - `f`/`fu`/`fp` whose text names a Custom Database error class or a script: a
///   script error labelled by connection. (`fu`/`fp` on a connection that also had
///   script timeouts are added afterwards by [`analyze`]: see
///   `reclassify_script_logins`.)
pub fn classify_failure(event: &Event, index: usize, ran_actions: bool) -> Option<ExtFailure> {
    let code = event.type_code.trim();
    let text = event.error_message.as_deref().unwrap_or(&event.description);
    let make = |kind, label: String, detail: &str| ExtFailure {
        time: event.time,
        event: index,
        kind,
        label,
        detail: detail.trim().to_owned(),
    };
    if code == "actions_execution_failed" || event.error_class.is_some() {
        let name = event.action_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let detail = event.error_class.as_deref().unwrap_or(text);
        return Some(make(FailureKind::ActionFailed, name.unwrap_or("(unnamed Action)").to_owned(), detail));
    }
    if is_webtask_timeout(event) {
        let actions = ran_actions || event.stats.as_ref().is_some_and(Stats::has_timing);
        return Some(if actions {
            make(FailureKind::ActionTimeout, label_of(event, TimingSource::Stats), text)
        } else {
            make(FailureKind::ScriptTimeout, script_label(event), text)
        });
    }
    let script_text = SCRIPT_ERRORS.iter().any(|e| text.contains(e) || event.description.contains(e))
        || contains_ci(text, "script");
    if matches!(code, "f" | "fu" | "fp") && script_text && !event.is_resource_exhausted() {
        return Some(make(FailureKind::ScriptError, script_label(event), text));
    }
    None
}

/// `fu`/`fp` failures on a connection whose script timed out are that script's
/// failures too (a Custom Database script answers wrong passwords with
/// `WrongUsernameOrPasswordError`, logged as `fu`/`fp`). Adds them in event order.
fn reclassify_script_logins(events: &[Event], failures: &mut Vec<ExtFailure>) {
    let script_conns: std::collections::HashSet<&str> = failures
        .iter()
        .filter(|f| f.kind == FailureKind::ScriptTimeout)
        .filter_map(|f| events.get(f.event)?.connection.as_deref())
        .filter(|c| !c.trim().is_empty())
        .collect();
    if script_conns.is_empty() {
        return;
    }
    let known: std::collections::HashSet<usize> = failures.iter().map(|f| f.event).collect();
    let mut added = false;
    for (i, e) in events.iter().enumerate() {
        let on_script = e.connection.as_deref().is_some_and(|c| script_conns.contains(c));
        if on_script && matches!(e.type_code.trim(), "fu" | "fp") && !known.contains(&i) {
            failures.push(ExtFailure {
                time: e.time,
                event: i,
                kind: FailureKind::ScriptError,
                label: script_label(e),
                detail: e.error_message.as_deref().unwrap_or(&e.description).trim().to_owned(),
            });
            added = true;
        }
    }
    if added {
        failures.sort_by_key(|f| f.event);
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

/// Picks the best timing source of one event (see the module documentation);
/// `executions` is the extent of the execution objects joined to it.
fn timing_of(event: &Event, executions: Option<(Millis, Millis)>) -> Timing {
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

    // 2. The joined execution objects (already believable, absolute).
    if let Some((start, end)) = executions {
        match believable(Some(start), Some(end)) {
            Some(_) => {
                return Timing::Span {
                    start,
                    end,
                    source: TimingSource::ActionExecution,
                }
            }
            None => rejected = true,
        }
    }

    // 3. A Webtask timeout held its slot for the whole limit, ending at the date.
    if is_webtask_timeout(event) {
        match event.time {
            Some(date) => {
                return Timing::Span {
                    start: date.saturating_sub(WEBTASK_TIMEOUT_MS),
                    end: date,
                    source: TimingSource::WebtaskTimeout,
                }
            }
            None => needs_date = true,
        }
    }

    // 4. initiatedAt..completedAt, absolute.
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

    // 5. elapsedTime, ending at the date.
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
        TimingSource::Stats | TimingSource::ActionExecution if LOGIN_CODES.contains(&code) => {
            "post-login request".to_owned()
        }
        TimingSource::Stats | TimingSource::ActionExecution => {
            format!("Actions request (type {code})")
        }
        TimingSource::WebtaskTimeout => script_label(event),
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
    inflight_steps_of(spans.iter().map(|s| (s.start, s.end)))
}

/// [`inflight_steps`] over any `(start, end)` intervals.
pub fn inflight_steps_of(intervals: impl Iterator<Item = (Millis, Millis)>) -> Vec<(Millis, u32)> {
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for (start, end) in intervals.filter(|(s, e)| s < e) {
        starts.push(start);
        ends.push(end);
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

/// The in-flight count the logs show at a breach at `t`: spans in flight both just
/// before `t` and at `t` (the smaller of the two), so a request that ends at `t`
/// or starts at `t` is not counted with the one refused at `t`.
pub fn observed_at(steps: &[(Millis, u32)], t: Millis) -> u32 {
    count_at(steps, t.saturating_sub(1)).min(count_at(steps, t))
}

/// Per window, the highest [`observed_at`] over its breaches. Windows are in time
/// order and cover the sorted breaches in order, so one pass pairs them.
pub fn window_inflight(breaches: &[Breach], windows: &[BreachWindow], steps: &[(Millis, u32)]) -> Vec<u32> {
    let mut out = Vec::with_capacity(windows.len());
    let mut i = 0usize;
    for w in windows {
        let mut best = 0;
        for b in breaches.get(i..i.saturating_add(w.count)).unwrap_or(&[]) {
            best = best.max(observed_at(steps, b.time));
        }
        i = i.saturating_add(w.count);
        out.push(best);
    }
    out
}

/// The lower median of the per-window counts above 0; `None` when there are none.
pub fn estimate_limit_from(window_inflight: &[u32]) -> Option<u32> {
    let mut v: Vec<Millis> = window_inflight.iter().filter(|&&n| n > 0).map(|&n| Millis::from(n)).collect();
    v.sort_unstable();
    percentile(&v, 50).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// The lower median of `inflight_before` over windows; `None` without windows.
/// (The onset-only estimate; [`analyze`] uses [`estimate_limit_from`].)
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

    fn exec(id: &str, runs: &[(&str, Millis, Millis)]) -> ActionExecution {
        ActionExecution {
            source: 1,
            record: 1,
            span: 0..0,
            id: id.to_owned(),
            trigger_id: Some("post-login".to_owned()),
            status: Some("final".to_owned()),
            created_at: runs.first().map(|r| r.1),
            updated_at: runs.last().map(|r| r.2),
            results: runs
                .iter()
                .map(|&(name, s, e)| crate::model::ActionResult {
                    action_name: name.to_owned(),
                    started_at: Some(s),
                    ended_at: Some(e),
                    error: None,
                })
                .collect(),
        }
    }

    #[test]
    fn each_request_counts_once_in_flight_and_once_in_attribution() {
        // Request A: stats 1000 ms ending at 10_000, two Actions inside it.
        let mut a = with_total(event("s", Some(10_000)), 1_000.0);
        if let Some(st) = a.stats.as_mut() {
            st.boot_duration_ms = Some(100.0);
            st.action_duration_ms = Some(900.0);
        }
        a.executions = vec!["x1".into()];
        // Request B: no stats, its execution gives the span.
        let mut b = event("s", Some(20_000));
        b.executions = vec!["x2".into(), "missing".into()];
        // Request C: lists x1 again (already joined to A): not counted twice.
        let mut c = event("s", Some(30_000));
        c.executions = vec!["x1".into()];
        let execs = [
            exec("x1", &[("fast", 9_000, 9_200), ("slow", 9_200, 10_000)]),
            exec("x2", &[("slow", 15_000, 18_000)]),
            exec("x3", &[("slow", 40_000, 41_000)]), // listed by no event
        ];
        let an = analyze_with_executions(&[a, b, c], &execs, &Options::default());
        let spans: Vec<(usize, Millis, Millis, TimingSource)> =
            an.spans.iter().map(|s| (s.event, s.start, s.end, s.source)).collect();
        assert_eq!(
            spans,
            vec![
                (0, 9_000, 10_000, TimingSource::Stats),
                (1, 15_000, 18_000, TimingSource::ActionExecution),
            ]
        );
        assert_eq!(an.untimed, 1, "C has no timing of its own");
        assert_eq!(an.executions_joined, 2);
        assert_eq!(an.executions_missing, 2, "x1 a second time, and 'missing'");
        assert_eq!(an.orphan_requests, vec![(40_000, 41_000)]);
        // In flight: A, B and the orphan, once each; never 2 (A and its Actions).
        assert_eq!(
            an.steps,
            vec![(9_000, 1), (10_000, 0), (15_000, 1), (18_000, 0), (40_000, 1), (41_000, 0)]
        );
        assert_eq!(an.peak, (1, 9_000));
        type Row<'a> = (&'a str, Millis, Millis, Option<usize>, Option<Breakdown>);
        let work: Vec<Row> = an
            .work
            .iter()
            .map(|w| (an.work_labels[w.label as usize].name.as_str(), w.start, w.end, w.event, w.breakdown))
            .collect();
        let bd = |boot, code| Some(Breakdown { boot, code, ..Breakdown::default() });
        assert_eq!(
            work,
            vec![
                // A's stats breakdown is shared 200:800 between its two runs.
                ("fast", 9_000, 9_200, Some(0), bd(20, 180)),
                ("slow", 9_200, 10_000, Some(0), bd(80, 720)),
                ("slow", 15_000, 18_000, Some(1), None),
                ("slow", 40_000, 41_000, None, None),
            ]
        );
        assert_eq!(an.timing_sources, vec![(TimingSource::Stats, 1), (TimingSource::ActionExecution, 1)]);
    }

    #[test]
    fn script_timeouts_and_failures_are_classified() {
        let mut timeout = event("f", Some(50_000));
        timeout.description = "Request to Webtask exceeded allowed execution time".into();
        timeout.connection = Some("legacy-users".into());
        let mut action_timeout = with_total(event("f", Some(50_000)), 19_000.0);
        action_timeout.error_message = Some("Request to Webtask exceeded allowed execution time".into());
        let mut wrong = event("fp", Some(51_000));
        wrong.connection = Some("legacy-users".into());
        wrong.description = "Wrong email or password.".into();
        let mut other_db = event("fp", Some(51_000));
        other_db.connection = Some("Username-Password-Authentication".into());
        let mut named = event("fu", Some(52_000));
        named.description = "WrongUsernameOrPasswordError".into();
        let mut failed = event("actions_execution_failed", Some(53_000));
        failed.action_name = Some("enrich-profile".into());
        failed.error_class = Some("action_timeout".into());
        let mut no_date = timeout.clone();
        no_date.time = None;
        let events = [timeout, action_timeout, wrong, other_db, named, failed, no_date];
        let an = analyze(&events, &Options::default());
        let spans: Vec<(usize, Millis, Millis, TimingSource, &str)> =
            an.spans.iter().map(|s| (s.event, s.start, s.end, s.source, s.label.as_str())).collect();
        assert_eq!(
            spans,
            vec![
                (0, 30_000, 50_000, TimingSource::WebtaskTimeout, "custom DB script (legacy-users)"),
                (1, 31_000, 50_000, TimingSource::Stats, "post-login request"),
            ]
        );
        let kinds: Vec<(usize, FailureKind, &str, &str)> =
            an.failures.iter().map(|f| (f.event, f.kind, f.label.as_str(), f.detail.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (0, FailureKind::ScriptTimeout, "custom DB script (legacy-users)", "Request to Webtask exceeded allowed execution time"),
                (1, FailureKind::ActionTimeout, "post-login request", "Request to Webtask exceeded allowed execution time"),
                (2, FailureKind::ScriptError, "custom DB script (legacy-users)", "Wrong email or password."),
                (4, FailureKind::ScriptError, "custom DB script", "WrongUsernameOrPasswordError"),
                (5, FailureKind::ActionFailed, "enrich-profile", "action_timeout"),
                (6, FailureKind::ScriptTimeout, "custom DB script (legacy-users)", "Request to Webtask exceeded allowed execution time"),
            ]
        );
        let labels: Vec<(&str, WorkKind)> =
            an.work.iter().map(|w| { let l = &an.work_labels[w.label as usize]; (l.name.as_str(), l.kind) }).collect();
        assert_eq!(labels, vec![("custom DB script (legacy-users)", WorkKind::Script), ("post-login request", WorkKind::Request)]);
    }

    #[test]
    fn limit_estimate_uses_the_highest_count_at_a_breach() {
        // Onset: 1 request in flight; later in the window 3 (two 20 s timeouts
        // joined). The estimate is 3, the onset count stays 1.
        let mut events = vec![with_total(event("s", Some(12_000)), 10_000.0)];
        for end in [30_000, 31_000] {
            let mut t = event("f", Some(end));
            t.description = "Request to Webtask exceeded allowed execution time".into();
            events.push(t);
        }
        events.push(exhausted(5_000));
        events.push(exhausted(11_500));
        let a = analyze(&events, &Options::default());
        assert_eq!(a.windows.len(), 1);
        assert_eq!(a.windows[0].inflight_before, 1);
        assert_eq!(a.window_inflight, vec![3]);
        assert_eq!(a.estimated_limit, Some(3));
        // A request ending exactly at the breach is not counted with it.
        let steps = vec![(0, 2), (100, 1)];
        assert_eq!(observed_at(&steps, 100), 1);
        assert_eq!(estimate_limit_from(&[0, 0]), None);
        assert_eq!(estimate_limit_from(&[7, 0, 5, 9]), Some(7));
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
