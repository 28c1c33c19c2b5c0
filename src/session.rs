//! One loaded set of logs: what the web page and the CLI both hold.
//!
//! `Session::load` runs the whole pipeline once (ingest → analyze → chart data) and
//! [`Session::summary`] turns it into a plain DTO that a page or a terminal can show.
//! Keeping this here, not in `web`, means the CLI prints exactly what the page shows
//! and the web layer stays a thin adapter.

use crate::analyze::{self, Analysis, FailureKind, LabelStats, Options, WorkKind};
use crate::attribution::{self, Attribution, Culprit, GroupStats};
use crate::chart::{ChartData, Limit, Mark};
use crate::codes;
use crate::labels::LabelMap;
use crate::ingest::{self, Ingest, Severity};
use crate::model::{format_time, Millis};
use crate::ingest::Shape;
use crate::model::Envelope;
use crate::redact;
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;

/// Everything read and computed from one set of inputs.
#[derive(Debug, Clone)]
pub struct Session {
    pub ingest: Ingest,
    pub analysis: Analysis,
    /// Ranked culprits per breach window, tables, findings.
    pub attribution: Attribution,
    options: Options,
    /// The summary when it was computed elsewhere (the page's Web Worker), until the
    /// limit changes.
    summary: Option<Summary>,
    /// Events still arriving (see [`Session::from_parts`]).
    pending: Option<Pending>,
}

/// What the events of a [`Session::from_parts`] will be, before they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// How many there will be.
    pub events: usize,
    /// Their time range ([`Ingest::time_range`]).
    pub time_range: Option<(i64, i64)>,
}

/// One input, as the page or terminal shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceSummary {
    pub name: String,
    /// Human description of the detected container shape.
    pub shape: String,
    pub bytes: usize,
    pub records: u32,
    /// Events kept from this input (after de-duplication).
    pub events: u32,
    /// Events of this input dropped as repeats of one already read (here or in an
    /// earlier input).
    pub duplicates: u32,
    pub problems: usize,
}

/// A problem row, ready to show: the excerpt is log text (show it as text only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProblemRow {
    pub source: String,
    pub record: Option<u32>,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub excerpt: String,
    /// 0-based character index of the caret within `excerpt`.
    pub caret: usize,
}

/// The numbers a user sees first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub sources: Vec<SourceSummary>,
    pub events: usize,
    pub duplicates: usize,
    /// (code, meaning or "", count), most frequent first.
    pub type_counts: Vec<(String, String, usize)>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub span_text: String,
    pub timed: usize,
    pub untimed: usize,
    pub breaches: usize,
    pub breach_windows: usize,
    pub first_breach: Option<String>,
    pub peak_inflight: u32,
    pub peak_at: Option<String>,
    pub limit: Option<u32>,
    pub limit_estimated: bool,
    pub problems: Vec<ProblemRow>,
    /// Problems by severity (one record can give several, and some belong to no
    /// record: damaged gzip data).
    pub errors: usize,
    pub warnings: usize,
    /// Records that could not be read: distinct (input, record) pairs with an error.
    #[serde(default)]
    pub unreadable: usize,
    /// The answer in one or more plain sentences (see `attribution::findings`).
    pub findings: Vec<String>,
    /// One row per breach window, with its ranked culprits.
    pub culprit_windows: Vec<WindowRow>,
    /// Per Action / script / unnamed request: count, failures, p50/p95/p99/max (ms).
    pub by_action: Vec<LabelStats>,
    pub by_client: Vec<GroupStats>,
    pub by_connection: Vec<GroupStats>,
    /// Events with no usable timing, by type code (they are counted, not dropped).
    pub untimed_by_type: Vec<(String, usize)>,
    /// Request spans per timing source (`stats`, `action_execution`, …).
    pub timing_sources: Vec<(String, usize)>,
    /// Webtask timeouts, script errors and Action failures, per kind and label.
    pub extensibility_failures: Vec<FailureRow>,
    /// How the Action execution objects joined the events.
    pub executions: ExecutionJoin,
    /// How far before each window attribution looked (ms).
    pub lookback_ms: i64,
}

impl Summary {
    /// The problems besides one per unreadable record, in words: further errors (a
    /// record's second error, damaged gzip data) and warnings, e.g. `["1 more
    /// problem", "2 warnings"]`; empty when there are none.
    pub fn other_problems(&self) -> Vec<String> {
        let more = self.errors.saturating_sub(self.unreadable);
        let mut parts = Vec::new();
        if more > 0 {
            parts.push(if self.unreadable > 0 {
                count_noun(more, "more problem", "more problems")
            } else {
                count_noun(more, "problem", "problems")
            });
        }
        if self.warnings > 0 {
            parts.push(count_noun(self.warnings, "warning", "warnings"));
        }
        parts
    }

    /// The page's "Unreadable records" card: the number of records that could not be
    /// read ([`Summary::unreadable`]), and the line under it (none when nothing went
    /// wrong): the other problems, or that the records were skipped.
    pub fn problems_card(&self) -> (String, Option<String>) {
        let value = group_digits(self.unreadable);
        if self.problems.is_empty() {
            return (value, None);
        }
        let other = self.other_problems().join(" · ");
        let sub = if other.is_empty() {
            format!("{} skipped (see below)", if self.unreadable == 1 { "record" } else { "records" })
        } else {
            format!("+ {other} (see below)")
        };
        (value, Some(sub))
    }

    /// The findings as the app's panel, the report and a share link all show them:
    /// the analysis' sentences ([`Summary::findings`]), then the concurrency limit,
    /// then the extensibility failures (script timeouts, Action failures), if any.
    pub fn finding_lines(&self) -> Vec<String> {
        let mut out = self.findings.clone();
        if let Some(l) = self.limit {
            out.push(if self.limit_estimated {
                format!(
                    "The concurrency limit, estimated from the in-flight count when logins failed, is about {} (an estimate, not the tenant's configured limit).",
                    group_digits(l as usize)
                )
            } else {
                format!("Concurrency limit: {}, as entered.", group_digits(l as usize))
            });
        }
        if !self.extensibility_failures.is_empty() {
            let kinds: Vec<String> = self
                .extensibility_failures
                .iter()
                .take(4)
                .map(|f| format!("{} {} ({})", group_digits(f.count), failure_kind_text(f.kind), f.label))
                .collect();
            out.push(format!(
                "Extensibility failures in the logs: {}{}.",
                kinds.join(", "),
                if self.extensibility_failures.len() > 4 { ", …" } else { "" }
            ));
        }
        out
    }
}

fn failure_kind_text(k: FailureKind) -> &'static str {
    match k {
        FailureKind::ScriptTimeout => "script timeouts",
        FailureKind::ActionTimeout => "Action timeouts",
        FailureKind::ScriptError => "script errors",
        FailureKind::ActionFailed => "Action failures",
    }
}

/// `5398` → `5,398`.
/// The largest concurrency limit the page accepts (the field's `max`).
pub const MAX_LIMIT: u32 = 100_000;

/// Reads the concurrency-limit field: empty is `Ok(None)` (estimate it), a whole
/// number from 1 to [`MAX_LIMIT`] is `Ok(Some(n))`; anything else (`0`, `-5`, `3.7`,
/// `1e9`, `100001`, text) is an error to show under the field, naming the range.
pub fn parse_limit(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "“{}” is not a limit: enter a whole number from 1 to {}, or leave the field empty to estimate it from the logs.",
            t.chars().take(20).collect::<String>(),
            group_digits(MAX_LIMIT as usize)
        )),
    }
}

/// `1 failure`, `2 failures`, `5,398 records`: a count with thousands separators
/// and the noun in the right number. Every count shown in words goes through it.
pub fn count_noun(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One breach window and who filled the slots before and during it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WindowRow {
    pub start: String,
    pub end: String,
    pub start_ms: Millis,
    pub end_ms: Millis,
    /// `resource_exhausted` failures in the window.
    pub failures: usize,
    pub inflight_before: u32,
    /// The attributed interval `[from, to)`: the lookback before the window, and it.
    pub from: String,
    pub from_ms: Millis,
    pub to_ms: Millis,
    /// Most in-flight time first; `share`s add up to 1.
    pub culprits: Vec<Culprit>,
}

/// Extensibility failures of one kind and script/Action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailureRow {
    pub kind: FailureKind,
    pub label: String,
    pub count: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Times (epoch ms) of the failures, for marks on the timeline.
    pub times: Vec<Millis>,
}

/// Execution objects loaded and joined to events by id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutionJoin {
    pub loaded: usize,
    pub joined: usize,
    /// Ids listed by events with no loaded object (e.g. older than 10 days).
    pub missing: usize,
    /// Loaded objects that no event lists (still counted and attributed).
    pub orphans: usize,
    /// True when some Action spans have names (from execution objects or events).
    pub named_actions: bool,
}

/// A file ready to download.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub redactions: usize,
}

impl Session {
    /// Reads and analyses a set of inputs (name, bytes). Never fails.
    pub fn load(inputs: Vec<(String, Vec<u8>)>, limit: Option<u32>) -> Session {
        Session::from_ingest(ingest::ingest(inputs), limit)
    }

    /// Analyses what ingest read (the page gets the `Ingest` from its Web Worker).
    pub fn from_ingest(ingest: Ingest, limit: Option<u32>) -> Session {
        let options = Options { limit, ..Options::default() };
        let analysis = analyze::analyze_with_executions(&ingest.events, &ingest.executions, &options);
        let attribution = attribution::attribute(&ingest.events, &analysis, options.lookback_ms);
        Session { ingest, analysis, attribution, options, summary: None, pending: None }
    }

    /// A session from parts analysed elsewhere (the page gets them from its Web
    /// Worker), so nothing is analysed twice. `ingest` may come without its events
    /// and texts: `pending` says what they will be, and the page adds them with
    /// [`Session::complete`] (until then [`Session::loading`] is true, the events
    /// table is empty and redacted exports are refused). `summary` is the
    /// worker's [`Session::summary`], without its problem rows (made here).
    pub fn from_parts(
        ingest: Ingest,
        analysis: Analysis,
        attribution: Attribution,
        limit: Option<u32>,
        summary: Option<Summary>,
        pending: Pending,
    ) -> Session {
        let options = Options { limit, ..Options::default() };
        let summary = summary.map(|mut s| {
            s.problems = problem_rows(&ingest);
            s
        });
        let pending = (ingest.events.len() != pending.events).then_some(pending);
        Session { ingest, analysis, attribution, options, summary, pending }
    }

    /// True while the events (or texts) of [`Session::from_parts`] are still arriving.
    pub fn loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Number of events, counting those still arriving.
    pub fn event_count(&self) -> usize {
        self.pending.map_or(self.ingest.events.len(), |p| p.events)
    }

    /// The events' time range ([`Ingest::time_range`]), also while they are arriving.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        match &self.pending {
            Some(p) => p.time_range,
            None => self.ingest.time_range(),
        }
    }

    /// Adds the events and texts that [`Session::from_parts`] was waiting for
    /// (`texts[i]` is input `i`'s). Returns true when the limit changed meanwhile,
    /// so the analysis was run again here.
    pub fn complete(&mut self, events: Vec<crate::model::Event>, texts: Vec<String>) -> bool {
        self.ingest.events = events;
        for (s, t) in self.ingest.sources.iter_mut().zip(texts) {
            s.text = t;
        }
        self.pending = None;
        let rerun = self.analysis.limit != self.options.limit;
        if rerun {
            // As `set_limit` does: the limit changes neither the windows nor the attribution.
            self.summary = None;
            self.analysis =
                analyze::analyze_with_executions(&self.ingest.events, &self.ingest.executions, &self.options);
        }
        rerun
    }

    /// The timeline's data ([`chart_data`] of the analysis), made on each call: not kept
    /// in the session, so the page holds only the timeline's time-sorted copy
    /// (`table::Linked`), not a second one (≈ 0.02× of the input at 200 MB).
    pub fn chart(&self) -> ChartData {
        chart_data(&self.analysis)
    }

    /// Changes the user's concurrency limit (None: use the estimate, if any).
    pub fn set_limit(&mut self, limit: Option<u32>) {
        if self.options.limit == limit {
            return;
        }
        self.options.limit = limit;
        if self.loading() {
            // Analysed again by `complete`, once the events are here.
            return;
        }
        self.summary = None;
        // The limit changes neither the windows nor the attribution.
        self.analysis =
            analyze::analyze_with_executions(&self.ingest.events, &self.ingest.executions, &self.options);
    }

    pub fn summary(&self) -> Summary {
        if let Some(s) = &self.summary {
            return s.clone();
        }
        let ing = &self.ingest;
        let an = &self.analysis;
        let mut per_source = vec![0usize; ing.sources.len()];
        for p in &ing.problems {
            if let Some(n) = per_source.get_mut(p.source as usize) {
                *n += 1;
            }
        }
        // `SourceInfo::events` counts what was read; de-duplication ran after that.
        let mut kept = vec![0u32; ing.sources.len()];
        for e in &ing.events {
            if let Some(n) = kept.get_mut(e.source as usize) {
                *n += 1;
            }
        }
        let sources = ing
            .sources
            .iter()
            .zip(per_source.iter().zip(&kept))
            .map(|(s, (&problems, &kept))| SourceSummary {
                name: s.name.clone(),
                shape: s.shape_text(),
                bytes: s.bytes,
                records: s.records,
                events: kept,
                duplicates: s.events.saturating_sub(kept),
                problems,
            })
            .collect();
        let range = self.time_range();
        let problems = problem_rows(ing);
        let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
        let unreadable = ing
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .filter_map(|p| Some((p.source, p.record?)))
            .collect::<std::collections::HashSet<_>>()
            .len();
        let at = &self.attribution;
        Summary {
            sources,
            events: ing.events.len(),
            duplicates: ing.duplicates,
            type_counts: ing
                .type_counts()
                .into_iter()
                .map(|(code, n)| {
                    let meaning = codes::meaning(&code).unwrap_or("").to_string();
                    (code, meaning, n)
                })
                .collect(),
            first: range.map(|r| format_time(r.0)),
            last: range.map(|r| format_time(r.1)),
            span_text: range.map(|(a, b)| duration_text(b - a)).unwrap_or_else(|| "no dated events".into()),
            timed: an.spans.len(),
            untimed: an.untimed + an.rejected_timings,
            breaches: an.breaches.len(),
            breach_windows: an.windows.len(),
            first_breach: an.breaches.first().map(|b| format_time(b.time)),
            peak_inflight: an.peak.0,
            peak_at: (an.peak.0 > 0).then(|| format_time(an.peak.1)),
            limit: an.effective_limit(),
            limit_estimated: an.limit.is_none() && an.estimated_limit.is_some(),
            warnings: problems.len() - errors,
            errors,
            unreadable,
            problems,
            findings: at.findings.clone(),
            culprit_windows: at
                .windows
                .iter()
                .map(|w| WindowRow {
                    start: format_time(w.window.start),
                    end: format_time(w.window.end),
                    start_ms: w.window.start,
                    end_ms: w.window.end,
                    failures: w.window.count,
                    inflight_before: w.window.inflight_before,
                    from: format_time(w.from),
                    from_ms: w.from,
                    to_ms: w.to,
                    culprits: w.culprits.clone(),
                })
                .collect(),
            by_action: at.by_action.clone(),
            by_client: at.by_client.clone(),
            by_connection: at.by_connection.clone(),
            untimed_by_type: an.untimed_by_type.clone(),
            timing_sources: an
                .timing_sources
                .iter()
                .map(|(src, n)| {
                    let name = serde_json::to_value(src).ok().and_then(|v| v.as_str().map(str::to_owned));
                    (name.unwrap_or_default(), *n)
                })
                .collect(),
            extensibility_failures: failure_rows(an),
            executions: ExecutionJoin {
                loaded: ing.executions.len(),
                joined: an.executions_joined,
                missing: an.executions_missing,
                orphans: an.orphan_requests.len(),
                named_actions: an.work_labels.iter().any(|l| l.kind == WorkKind::Action),
            },
            lookback_ms: at.lookback_ms,
        }
    }

    /// Every label an output shows (Action, script and request names, client and
    /// connection names, input file names) redacted under `rules` with `redactor`'s
    /// key: see [`crate::labels`].
    pub fn label_map(&self, redactor: &redact::Redactor, rules: &RuleSet) -> LabelMap {
        use crate::labels::Place;
        let an = &self.analysis;
        let at = &self.attribution;
        let series = chart_series(an);
        let labels = an
            .work_labels
            .iter()
            .map(|l| l.name.as_str())
            .chain(at.by_action.iter().map(|l| l.label.as_str()))
            .chain(at.windows.iter().flat_map(|w| w.culprits.iter().map(|c| c.label.as_str())))
            .chain(series.iter().copied())
            .map(|l| (Place::Action, l))
            .chain(an.failures.iter().map(|f| (Place::Action, f.label.as_str())))
            .chain(at.by_client.iter().map(|g| (Place::Client, g.name.as_str())))
            .chain(at.by_connection.iter().map(|g| (Place::Connection, g.name.as_str())))
            .chain(self.ingest.sources.iter().map(|s| (Place::File, s.name.as_str())));
        LabelMap::build(redactor, rules, labels)
    }

    /// [`Session::summary`] as outputs show it: every label through `map`
    /// ([`Session::label_map`]), the findings' sentences too. The numbers are the
    /// same; rows stay one per original label.
    pub fn redacted_summary(&self, map: &LabelMap) -> Summary {
        use crate::labels::Place;
        let mut s = self.summary();
        for l in &mut s.by_action {
            l.label = map.get(Place::Action, &l.label);
        }
        for w in &mut s.culprit_windows {
            for c in &mut w.culprits {
                c.explanation = map.replace_in(&c.explanation);
                c.label = map.get(Place::Action, &c.label);
            }
        }
        for f in &mut s.extensibility_failures {
            f.label = map.get(Place::Action, &f.label);
        }
        for g in &mut s.by_client {
            g.name = map.get(Place::Client, &g.name);
        }
        for g in &mut s.by_connection {
            g.name = map.get(Place::Connection, &g.name);
        }
        for src in &mut s.sources {
            src.name = map.get(Place::File, &src.name);
        }
        for p in &mut s.problems {
            p.source = map.get(Place::File, &p.source);
        }
        for f in &mut s.findings {
            *f = map.replace_in(f);
        }
        s
    }

    /// The chart with its legend names through `map` (see [`Session::label_map`]).
    pub fn redacted_chart(&self, map: &LabelMap) -> ChartData {
        let mut c = self.chart();
        for name in &mut c.series {
            *name = map.get(crate::labels::Place::Action, name);
        }
        c
    }

    /// Redacts the events of input `source` under `rules`, in input order and in the
    /// input's own container shape. `None` when there is no such input (or while
    /// the events are still arriving, see [`Session::loading`]).
    pub fn redact_source(&self, source: usize, redactor: &redact::Redactor, rules: &RuleSet) -> Option<redact::Export> {
        if self.loading() {
            return None;
        }
        let info = self.ingest.sources.get(source)?;
        let records = self.source_records(source);
        Some(redact::export_with(
            info.text.as_bytes(),
            &container_of(info),
            records.into_iter().map(|(_, span, env)| (span, env)),
            redactor,
            rules,
        ))
    }

    /// Every record of input `source` the export writes, as (record number, span,
    /// envelope), in input order (events themselves are sorted by time): its events
    /// and its Action execution objects (`GET /api/v2/actions/executions/{id}`,
    /// which are records of their own, not events).
    fn source_records(&self, source: usize) -> Vec<(u32, Range<usize>, Envelope)> {
        let mut records: Vec<(u32, Range<usize>, Envelope)> = self
            .ingest
            .events
            .iter()
            .filter(|e| e.source as usize == source)
            .map(|e| (e.record, e.span.clone(), e.envelope))
            .chain(
                self.ingest
                    .executions
                    .iter()
                    .filter(|x| x.source as usize == source && !x.span.is_empty())
                    .map(|x| (x.record, x.span.clone(), Envelope::Bare)),
            )
            .collect();
        records.sort_by_key(|r| r.0);
        records
    }

    /// The input `source`, redacted under `rules`, in the container shape it came in
    /// (and with that shape's MIME type). The redactor holds the per-page (or
    /// per-report) key; it is never written out.
    pub fn export_redacted(&self, source: usize, redactor: &redact::Redactor, rules: &RuleSet) -> Result<Download, String> {
        if self.loading() {
            return Err(STILL_LOADING.into());
        }
        let info = self.ingest.sources.get(source).ok_or_else(|| format!("no input number {source}"))?;
        let export = self.redact_source(source, redactor, rules).ok_or_else(|| format!("no input number {source}"))?;
        Ok(Download {
            file_name: redacted_name(&info.name),
            mime: export_mime(info.shape),
            redactions: export.summary.total_replacements() as usize,
            bytes: export.bytes,
        })
    }

    /// [`export_redacted`](Self::export_redacted) without holding the output whole:
    /// the same bytes handed to `sink` in pieces of about `piece` bytes, each ending
    /// at a record boundary (the page passes each to a `Blob` part and to a
    /// [`GateStream`]). Returns the download's name, MIME type and replacements, with
    /// `bytes` empty.
    pub fn export_redacted_pieces(
        &self,
        source: usize,
        redactor: &redact::Redactor,
        rules: &RuleSet,
        piece: usize,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Download, String> {
        if self.loading() {
            return Err(STILL_LOADING.into());
        }
        let info = self.ingest.sources.get(source).ok_or_else(|| format!("no input number {source}"))?;
        let records = self.source_records(source);
        let summary = redact::export_chunks_with(
            info.text.as_bytes(),
            &container_of(info),
            records.into_iter().map(|(_, span, env)| (span, env)),
            redactor,
            rules,
            piece,
            sink,
        );
        Ok(Download {
            file_name: redacted_name(&info.name),
            mime: export_mime(info.shape),
            redactions: summary.total_replacements() as usize,
            bytes: Vec::new(),
        })
    }

    /// What redacting every input under `rules` replaces, per rule (the counts of the
    /// page's redaction panel and of the report). See [`CountJob`] for the same in
    /// steps. Refused ([`STILL_LOADING`]) while the events are still arriving: the
    /// counts would be zero, not the input's.
    pub fn redaction_summary(&self, redactor: &redact::Redactor, rules: &RuleSet) -> Result<redact::Summary, String> {
        if self.loading() {
            return Err(STILL_LOADING.into());
        }
        let mut job = CountJob::new(self);
        while !job.step(self, redactor, rules, usize::MAX) {}
        Ok(job.summary)
    }

    /// Event `event` (index into `ingest.events`) before and after redaction under
    /// `rules`, both pretty-printed, with the changed values located in each.
    pub fn preview_event(&self, event: usize, redactor: &redact::Redactor, rules: &RuleSet) -> Result<EventPreview, String> {
        if self.loading() {
            return Err(STILL_LOADING.into());
        }
        let ev = self.ingest.events.get(event).ok_or_else(|| format!("no event number {event}"))?;
        let info = self.ingest.sources.get(ev.source as usize).ok_or("the event's input is gone")?;
        let record = self.ingest.record_text(ev);
        let header = (ev.envelope == Envelope::CsvRow).then_some(info.frame.prefix.as_slice());
        let p = redact::preview(record.as_bytes(), ev.envelope, header, redactor, rules)?;
        let (before, bmap) = pretty_mapped(record);
        let (after, amap) = pretty_mapped(&p.redacted);
        let changes = p
            .changes
            .iter()
            .map(|c| PreviewChange {
                before: map_range(&bmap, &c.before),
                after: map_range(&amap, &c.after),
                rules: c.rules.clone(),
            })
            .collect();
        Ok(EventPreview { before, after, changes, summary: p.summary })
    }
}

/// The redaction container (prefix, separator, suffix) of one input.
fn container_of(info: &crate::ingest::SourceInfo) -> redact::Container {
    redact::Container {
        prefix: info.frame.prefix.clone(),
        separator: info.frame.separator.clone(),
        suffix: info.frame.suffix.clone(),
    }
}

/// The MIME type of a redacted export of an input of this shape (the export keeps
/// the shape: JSON lines stay JSON lines, CSV stays CSV).
pub fn export_mime(shape: Shape) -> &'static str {
    match shape {
        Shape::Lines | Shape::Mixed => "application/x-ndjson",
        Shape::Csv => "text/csv",
        Shape::Tsv => "text/tab-separated-values",
        _ => "application/json",
    }
}

/// Bytes of redacted output a [`CountJob`] step holds at a time (then drops).
const COUNT_PIECE: usize = 256 << 10;

/// Redaction counts over every input, computed a few records at a time so that a
/// page can keep drawing between steps (and drop a job whose rules went stale).
/// The result equals [`Session::redaction_summary`] whatever the step sizes.

#[derive(Debug, Clone)]
pub struct CountJob {
    /// (source, span, envelope) of every event, by input then record number; `None`
    /// until the session has all its events (see [`CountJob::waiting`]).
    records: Option<Vec<(usize, Range<usize>, Envelope)>>,
    next: usize,
    /// Counts so far.
    pub summary: redact::Summary,
}

impl CountJob {
    /// A job over `session`'s events. Made while the session is still loading
    /// ([`Session::loading`]), it waits: [`CountJob::step`] counts nothing and says
    /// "not done" until the events are in, then starts from them.
    pub fn new(session: &Session) -> CountJob {
        CountJob { records: Self::records_of(session), next: 0, summary: redact::Summary::default() }
    }

    fn records_of(session: &Session) -> Option<Vec<(usize, Range<usize>, Envelope)>> {
        if session.loading() {
            return None;
        }
        Some(
            (0..session.ingest.sources.len())
                .flat_map(|s| session.source_records(s).into_iter().map(move |(_, span, env)| (s, span, env)))
                .collect(),
        )
    }

    /// True while the job waits for the session's events (nothing counted yet).
    pub fn waiting(&self) -> bool {
        self.records.is_none()
    }

    /// Redacts up to `max_records` more records (at least one) and adds their counts.
    /// Returns true when every record is done; false, with nothing counted, while
    /// the session is still loading.
    pub fn step(&mut self, session: &Session, redactor: &redact::Redactor, rules: &RuleSet, max_records: usize) -> bool {
        if self.records.is_none() {
            self.records = Self::records_of(session);
        }
        let Some(records) = &self.records else { return false };
        let end = self.next.saturating_add(max_records.max(1)).min(records.len());
        while self.next < end {
            // A run of records from one input: one export call (tokens memoised over it).
            let source = records[self.next].0;
            let run_end = records[self.next..end].iter().position(|r| r.0 != source).map_or(end, |k| self.next + k);
            if let Some(info) = session.ingest.sources.get(source) {
                let mut container = container_of(info);
                // Only the counts are kept: no need to copy the wrapper around them,
                // except a CSV header, which the rows are read through.
                if info.shape != Shape::Csv && info.shape != Shape::Tsv {
                    container.prefix.clear();
                }
                container.suffix.clear();
                // The redacted bytes are dropped piece by piece: `export_with` would reserve
                // an output the size of the whole input on every step (+1.06× the input in
                // the page's wasm memory at 200 MB).
                let summary = redact::export_chunks_with(
                    info.text.as_bytes(),
                    &container,
                    records[self.next..run_end].iter().map(|r| (r.1.clone(), r.2)),
                    redactor,
                    rules,
                    COUNT_PIECE,
                    &mut |_| {},
                );
                self.summary.merge(&summary);
            }
            self.next = run_end;
        }
        self.done()
    }

    pub fn done(&self) -> bool {
        self.records.as_ref().is_some_and(|r| self.next >= r.len())
    }

    /// (records done, records in all); (0, 0) while waiting.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.records.as_ref().map_or(0, Vec::len))
    }
}

/// A value the verifier blocked in an output, once per distinct value, ready for the
/// page's export gate and the CLI's error: what it is, a masked excerpt, where it
/// first is, and what would fix it. `value` is the value itself, for "keep this
/// value" (it goes on the allow-list); show `excerpt`, not `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// The verifier's kind (`email`, `ipv4`, …; see [`crate::verify`]).
    pub kind: &'static str,
    #[serde(skip)]
    pub value: String,
    /// First two characters and the length (never the value).
    pub excerpt: String,
    /// How many times it occurs in the output.
    pub count: usize,
    /// 1-based line of its first occurrence.
    pub line: usize,
    /// Its JSON path in the record it sits in (array indices as `*`), when the
    /// output is JSON with one record per line and the value is a whole string there.
    pub path: Option<String>,
    /// The default detector that replaces this kind of value.
    pub rule: &'static str,
    /// One sentence: what would remove it.
    pub hint: String,
    /// Where it is, in the user's words, when it is in a label of the output
    /// (`Action name 'hook-0-notif…'`): see [`locate_labels`].
    pub place: Option<String>,
}

/// Names the label (Action, client, connection or input file name) each blocked
/// value of a report, share link or chart sits in, and gives the fix that works for
/// it: the detector switched back on, else the path rule that replaces such labels
/// whole (`results.*.action_name`, `client_name`, `connection`; see
/// [`crate::labels`]), or a pattern. Values in no label are left as they are.
pub fn locate_labels(blocked: &mut [Blocked], labels: &LabelMap, rules: &RuleSet) {
    for b in blocked.iter_mut() {
        let Some((place, label)) = labels.origin(&b.value) else { continue };
        let short: String = if label.chars().count() > 12 {
            format!("{}…", label.chars().take(12).collect::<String>())
        } else {
            label.to_owned()
        };
        let at = format!("{} '{short}'", place.text());
        b.path = place.path_rule().map(str::to_owned);
        b.hint = if !rules.enabled(b.rule) {
            format!("It is in the {at}. `{}` is switched off: switch it on to replace it there and in the logs.", b.rule)
        } else if let Some(p) = &b.path {
            format!("It is in the {at}, and no rule replaced it: add the path rule `{p}` (replaces such names whole, with a token each) or a pattern matching it.")
        } else {
            format!("It is in the {at}, and no rule replaced it: add a pattern matching it, or rename the file.")
        };
        b.place = Some(at);
    }
}

/// The default detector that replaces values of a verifier kind.
pub fn detector_for(kind: &str) -> &'static str {
    match kind {
        "email" => "detector:email",
        "ipv4" | "ipv6" => "detector:ip",
        "jwt" => "detector:jwt",
        "user_id" => "detector:user_id",
        "phone" => "detector:phone",
        "bearer" => "detector:bearer",
        "secret" => "detector:opaque_token",
        _ => "detector:url",
    }
}

/// The verifier's verdict on `bytes` (a final output) under the rule set's
/// allow-list, with the blocked values grouped (see [`Blocked`]).
pub fn gate(bytes: &[u8], rules: &RuleSet) -> (crate::verify::Verdict, Vec<Blocked>) {
    let mut g = GateStream::new(rules);
    g.push(bytes);
    g.finish()
}

/// [`gate`] over an output that arrives in pieces (the page's streamed download):
/// every piece is scanned as it comes, and the findings' offsets and lines are
/// counted from the start of the whole output. Pieces must end where the export's
/// pieces end, at record boundaries: there the next byte is a record separator (or
/// the container's end), where no detector's match can continue, so the verdict
/// equals [`gate`] over the joined bytes (`tests/redact_session.rs` checks this for
/// every fixture at piece sizes down to one record).
pub struct GateStream {
    allow: crate::verify::Allow,
    rules: RuleSet,
    /// Bytes and line breaks in the pieces before the current one.
    base: usize,
    /// Detections left before the verifier stops (it stops at
    /// [`verify::MAX_FINDINGS`](crate::verify::MAX_FINDINGS) over the whole output).
    budget: usize,
    lines: usize,
    verdict: crate::verify::Verdict,
    blocked: Vec<Blocked>,
    seen: HashMap<(String, &'static str), usize>,
}

impl GateStream {
    pub fn new(rules: &RuleSet) -> GateStream {
        GateStream {
            allow: crate::verify::Allow::from_rules(rules),
            rules: rules.clone(),
            base: 0,
            budget: crate::verify::MAX_FINDINGS,
            lines: 0,
            verdict: crate::verify::Verdict::default(),
            blocked: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// Scans the next piece of the output.
    pub fn push(&mut self, piece: &[u8]) {
        let found = if self.budget > 0 {
            let (found, used) = crate::verify::scan_budget(piece, self.budget);
            self.budget = self.budget.saturating_sub(used);
            found
        } else {
            Vec::new()
        };
        for mut f in found {
            if self.allow.allows(&f, piece) {
                f.offset += self.base;
                f.line += self.lines;
                self.verdict.allowed.push(f);
                continue;
            }
            let value = f.value_in(piece).into_owned();
            let line = f.line + self.lines;
            if let Some(&i) = self.seen.get(&(value.clone(), f.kind)) {
                self.blocked[i].count += 1;
            } else {
                let rule = detector_for(f.kind);
                let path = whole_value_path(piece, f.offset, f.len);
                let hint = if !self.rules.enabled(rule) {
                    format!("`{rule}` is switched off: switch it on to replace this value.")
                } else if let Some(p) = &path {
                    format!("No rule replaced it: add the path rule `{p}` (or a pattern), or keep it if it is not personal data.")
                } else {
                    "No rule replaced it: add a path rule or a pattern for it, or keep it if it is not personal data.".to_string()
                };
                self.seen.insert((value.clone(), f.kind), self.blocked.len());
                self.blocked.push(Blocked { kind: f.kind, value, excerpt: f.excerpt.clone(), count: 1, line, path, rule, hint, place: None });
            }
            f.offset += self.base;
            f.line = line;
            self.verdict.blocked.push(f);
        }
        self.base += piece.len();
        self.lines += count_newlines(piece);
    }

    /// True while nothing has been blocked so far.
    pub fn is_clean(&self) -> bool {
        self.verdict.blocked.is_empty()
    }

    /// The verdict on everything pushed, and the blocked values grouped (as [`gate`]).
    pub fn finish(self) -> (crate::verify::Verdict, Vec<Blocked>) {
        (self.verdict, self.blocked)
    }
}

/// Line breaks in `b`, eight bytes at a time.
fn count_newlines(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0usize;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) ^ (ONES * u64::from(b'\n'));
        // A zero byte of `w` is a '\n': set its high bit, exactly (no false carries).
        let z = !(((w & !HIGH) + !HIGH) | w) & HIGH;
        n += z.count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|&&c| c == b'\n').count()
}

/// The JSON path (indices as `*`) of the string value that is exactly
/// `bytes[offset..offset + len]`, when its line holds one JSON record.
fn whole_value_path(bytes: &[u8], offset: usize, len: usize) -> Option<String> {
    let start = bytes[..offset.min(bytes.len())].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    let end = bytes[offset..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |i| offset + i);
    let line = &bytes[start..end];
    let at = offset - start;
    let pos = line.iter().position(|&c| c == b'{')?;
    let mut found = None;
    let _ = crate::jsonscan::walk(line, pos, |path, kind, s, e| {
        if kind == crate::jsonscan::Scalar::Str && s + 1 == at && e - 1 == at + len {
            let segs: Vec<String> = path
                .iter()
                .map(|p| match p {
                    crate::jsonscan::Seg::Key(k) => (*k).to_string(),
                    crate::jsonscan::Seg::Index(_) => "*".to_string(),
                })
                .collect();
            found = Some(segs.join("."));
        }
    });
    found.filter(|p| !p.is_empty() && crate::rules::PathRule::parse(p).is_ok())
}

/// One event before and after redaction, pretty-printed for reading side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventPreview {
    /// The original record (log text: show it as text only).
    pub before: String,
    /// The same record redacted (the bytes the export writes for it, re-indented).
    pub after: String,
    /// Each replaced value: its byte range in `before` and in `after`, and the rules
    /// that fired. Empty for CSV rows (the row is shown whole).
    pub changes: Vec<PreviewChange>,
    pub summary: redact::Summary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewChange {
    pub before: Range<usize>,
    pub after: Range<usize>,
    pub rules: Vec<String>,
}

/// `text` pretty-printed (two-space indent, whitespace changed only outside strings)
/// and, for each byte offset of `text` (and its end), the offset in the result.
fn pretty_mapped(text: &str) -> (String, Vec<usize>) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len() + b.len() / 4);
    let mut map = vec![0usize; b.len() + 1];
    let mut depth = 0usize;
    let (mut in_str, mut esc) = (false, false);
    let nl = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        if in_str || c >= 0x80 {
            // Copied as is (strings whole; stray non-ASCII outside strings too).
            for k in 0..ch_len {
                map[i + k] = out.len() + k;
            }
            out.push_str(&text[i..i + ch_len]);
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                }
            }
            i += ch_len;
            continue;
        }
        map[i] = out.len();
        match c {
            b'"' => {
                in_str = true;
                out.push('"');
            }
            b'{' | b'[' => {
                out.push(c as char);
                let close = if c == b'{' { b'}' } else { b']' };
                let j = crate::jsonscan::skip_ws(b, i + 1);
                if b.get(j) == Some(&close) {
                    // Empty containers stay on one line.
                    for m in &mut map[i + 1..=j] {
                        *m = out.len();
                    }
                    out.push(close as char);
                    i = j + 1;
                    continue;
                }
                depth += 1;
                nl(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                nl(&mut out, depth);
                map[i] = out.len();
                out.push(c as char);
            }
            b',' => {
                out.push(',');
                nl(&mut out, depth);
            }
            b':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c as char),
        }
        i += 1;
    }
    map[b.len()] = out.len();
    (out, map)
}

fn map_range(map: &[usize], r: &Range<usize>) -> Range<usize> {
    let at = |i: usize| map.get(i).copied().unwrap_or_else(|| map.last().copied().unwrap_or(0));
    // The end is just after the range's last byte, not where the next byte went: that
    // one may come after a newline and indentation the pretty-printing put before a
    // `]` or `}`, and the highlight spilled over them.
    let end = if r.end > r.start { at(r.end - 1) + 1 } else { at(r.start) };
    at(r.start)..end
}

/// Why an output that needs the events is refused while they are still arriving
/// ([`Session::loading`]).
pub const STILL_LOADING: &str = "the events are still being loaded into the page; this works once they are in";

/// The problem rows of a summary.
fn problem_rows(ing: &Ingest) -> Vec<ProblemRow> {
    ing.problems
        .iter()
        .map(|p| ProblemRow {
            source: ing.sources.get(p.source as usize).map(|s| s.name.clone()).unwrap_or_default(),
            record: p.record,
            severity: p.severity,
            line: p.line,
            column: p.column,
            message: p.message.clone(),
            excerpt: p.excerpt.clone(),
            caret: p.caret,
        })
        .collect()
}

/// Extensibility failures grouped by kind and label, most frequent first.
fn failure_rows(an: &Analysis) -> Vec<FailureRow> {
    let mut groups: std::collections::BTreeMap<(FailureKind, &str), Vec<Millis>> = Default::default();
    let mut undated: HashMap<(FailureKind, &str), usize> = HashMap::new();
    for f in &an.failures {
        let key = (f.kind, f.label.as_str());
        match f.time {
            Some(t) => groups.entry(key).or_default().push(t),
            None => {
                groups.entry(key).or_default();
                *undated.entry(key).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<FailureRow> = groups
        .into_iter()
        .map(|(key, mut times)| {
            times.sort_unstable();
            FailureRow {
                kind: key.0,
                label: key.1.to_owned(),
                count: times.len() + undated.get(&key).copied().unwrap_or(0),
                first: times.first().map(|&t| format_time(t)),
                last: times.last().map(|&t| format_time(t)),
                times,
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.count));
    rows
}

/// `logs.json` → `logs.redacted.json`; gzip names lose `.gz` (the export is plain).
pub fn redacted_name(name: &str) -> String {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = if base.is_empty() { "pasted" } else { base };
    match base.rfind('.') {
        Some(i) if i > 0 => format!("{}.redacted{}", &base[..i], &base[i..]),
        _ => format!("{base}.redacted.json"),
    }
}

/// Chart marks from the work spans (one per Action run, script run, or request with no
/// Action data), one series per name, most frequent first; `marks[i]` is `an.work[i]`.
/// The in-flight line stays request-based (`an.steps`): the limit counts requests.
pub fn chart_data(an: &Analysis) -> ChartData {
    let names: Vec<&str> = an.work_labels.iter().map(|l| l.name.as_str()).collect();
    let series = chart_series(an);
    let index: HashMap<&str, u16> =
        series.iter().enumerate().map(|(i, s)| (*s, i.min(u16::MAX as usize) as u16)).collect();
    ChartData {
        marks: an
            .work
            .iter()
            .map(|w| Mark {
                t: w.end,
                dur_ms: w.duration() as f64,
                series: index[names.get(w.label as usize).copied().unwrap_or("")],
                failed: w.failed,
            })
            .collect(),
        series: series.into_iter().map(str::to_owned).collect(),
        steps: an.steps.clone(),
        breaches: an.breaches.iter().map(|b| b.time).collect(),
        windows: an.windows.iter().map(|w| (w.start, w.end)).collect(),
        limit: an
            .limit
            .map(|value| Limit { value, estimated: false })
            .or(an.estimated_limit.map(|value| Limit { value, estimated: true })),
    }
}

/// The chart's legend names ([`ChartData::series`]): the work spans' labels, most
/// spans first, then by name.
fn chart_series(an: &Analysis) -> Vec<&str> {
    let names: Vec<&str> = an.work_labels.iter().map(|l| l.name.as_str()).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in &an.work {
        *counts.entry(names.get(w.label as usize).copied().unwrap_or("")).or_default() += 1;
    }
    let mut series: Vec<&str> = counts.keys().copied().collect();
    series.sort_by(|a, b| counts[b].cmp(&counts[a]).then_with(|| a.cmp(b)));
    series
}

/// "14 min 58 s", "2 h 5 min", "3 d 4 h", "850 ms".
pub fn duration_text(ms: Millis) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    // The second unit only when it is not zero: "2 min", not "2 min 0 s".
    let two = |a: i64, ua: &str, b: i64, ub: &str| if b > 0 { format!("{a} {ua} {b} {ub}") } else { format!("{a} {ua}") };
    if d > 0 {
        two(d, "d", h, "h")
    } else if h > 0 {
        two(h, "h", m, "min")
    } else if m > 0 {
        two(m, "min", sec, "s")
    } else {
        format!("{sec} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_field_accepts_1_to_100000_and_names_the_range_otherwise() {
        assert_eq!(parse_limit(""), Ok(None));
        assert_eq!(parse_limit(" 50 "), Ok(Some(50)));
        assert_eq!(parse_limit("1"), Ok(Some(1)));
        assert_eq!(parse_limit("100000"), Ok(Some(100_000)));
        for bad in ["0", "-5", "3.7", "1e9", "100001", "abc"] {
            let e = parse_limit(bad).unwrap_err();
            assert!(e.contains("whole number from 1 to 100,000"), "{bad}: {e}");
        }
        assert_eq!(
            parse_limit("0").unwrap_err(),
            "“0” is not a limit: enter a whole number from 1 to 100,000, or leave the field empty to estimate it from the logs."
        );
    }

    #[test]
    fn counts_pluralize_and_group_digits() {
        assert_eq!(count_noun(1, "failure", "failures"), "1 failure");
        assert_eq!(count_noun(0, "failure", "failures"), "0 failures");
        assert_eq!(count_noun(5398, "record", "records"), "5,398 records");
        assert_eq!(count_noun(1, "request was", "requests were"), "1 request was");
    }

    #[test]
    fn preview_ranges_end_at_the_value_not_at_the_next_line() {
        let text = r#"{"a":["x@example.com"],"b":{"c":"y@example.com"}}"#;
        let (pretty, map) = pretty_mapped(text);
        for v in [r#""x@example.com""#, r#""y@example.com""#] {
            let at = text.find(v).unwrap();
            let r = map_range(&map, &(at..at + v.len()));
            assert_eq!(&pretty[r], v, "{pretty}");
        }
        assert_eq!(map_range(&map, &(3..3)), map[3]..map[3]);
    }

    #[test]
    fn duration_text_picks_two_units() {
        assert_eq!(duration_text(850), "850 ms");
        assert_eq!(duration_text(59_000), "59 s");
        assert_eq!(duration_text(898_000), "14 min 58 s");
        assert_eq!(duration_text(7_500_000), "2 h 5 min");
        assert_eq!(duration_text(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
        assert_eq!(duration_text(120_000), "2 min", "no \"0 s\"");
        assert_eq!(duration_text(3_600_000), "1 h");
        assert_eq!(duration_text(86_400_000), "1 d");
    }

    #[test]
    fn redacted_names_keep_the_extension() {
        assert_eq!(redacted_name("logs.json"), "logs.redacted.json");
        assert_eq!(redacted_name("dir/stream.ndjson.gz"), "stream.redacted.ndjson");
        assert_eq!(redacted_name("pasted"), "pasted.redacted.json");
        assert_eq!(redacted_name(""), "pasted.redacted.json");
    }

    #[test]
    fn source_rows_count_kept_events_and_duplicates_apart() {
        let a = concat!(
            r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z"}"#,
            "\n",
            r#"{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z"}"#,
            "\n",
            r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z"}"#,
            "\n",
        );
        // Input b repeats 2 (already read from a) and adds 3.
        let b = concat!(
            r#"[{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z"},"#,
            r#"{"log_id":"3","type":"f","date":"2024-01-15T10:30:03.000Z"}]"#
        );
        let s = Session::load(vec![("a.ndjson".into(), a.into()), ("b.json".into(), b.into())], None);
        let sum = s.summary();
        assert_eq!(sum.events, 3);
        assert_eq!(sum.duplicates, 2);
        let rows: Vec<(u32, u32, u32)> = sum.sources.iter().map(|x| (x.records, x.events, x.duplicates)).collect();
        assert_eq!(rows, vec![(3, 2, 1), (2, 1, 1)]);
    }

    #[test]
    fn prompt_elapsed_time_times_a_request() {
        let text = r#"{"log_id":"1","type":"s","date":"2021-11-04T00:15:10.706Z","details":{"prompts":[{"name":"login","elapsedTime":10076},{"name":"consent","elapsedTime":null}]}}"#;
        let s = Session::load(vec![("p.ndjson".into(), text.into())], None);
        let sum = s.summary();
        assert_eq!((sum.timed, sum.untimed), (1, 0));
        assert_eq!(sum.timing_sources, vec![("elapsed_time".to_string(), 1)]);
        let span = &s.analysis.spans[0];
        assert_eq!((span.start, span.end), (1_635_984_900_630, 1_635_984_910_706));
    }

    #[test]
    fn finding_lines_add_the_limit_and_failures_to_the_analysis_sentences() {
        let text = concat!(
            r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z","details":{"stats":{"total_request_duration_ms":900}}}"#,
            "\n",
            r#"{"log_id":"2","type":"fu","date":"2024-01-15T10:30:02.000Z","description":"Script execution time exceeded allowed execution time","connection":"legacy-users"}"#,
            "\n",
        );
        let mut s = Session::load(vec![("x.ndjson".into(), text.as_bytes().to_vec())], Some(7));
        let sum = s.summary();
        let lines = sum.finding_lines();
        assert_eq!(lines[..sum.findings.len()], sum.findings[..]);
        assert_eq!(lines[sum.findings.len()], "Concurrency limit: 7, as entered.");
        assert_eq!(lines.len(), sum.findings.len() + 2, "{lines:?}");
        assert!(lines.last().is_some_and(|l| l.starts_with("Extensibility failures in the logs: 1 script timeouts")), "{lines:?}");
        s.set_limit(None);
        assert_eq!(s.summary().finding_lines().len(), sum.findings.len() + 1, "no limit line without a limit");
    }

    #[test]
    fn summary_counts_events_breaches_and_problems() {
        let text = concat!(
            r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z","details":{"stats":{"total_request_duration_ms":900}}}"#,
            "\n",
            r#"{"log_id":"2","type":"f","date":"2024-01-15T10:30:02.000Z","description":"resource_exhausted"}"#,
            "\n{\"log_id\":\"3\",\"type\":\n",
        );
        let s = Session::load(vec![("x.ndjson".into(), text.as_bytes().to_vec())], None);
        let sum = s.summary();
        assert_eq!(sum.events, 2);
        assert_eq!(sum.breaches, 1);
        assert_eq!(sum.timed, 1);
        assert_eq!(sum.errors, 1);
        assert_eq!(sum.problems[0].line, 3);
        assert_eq!(sum.sources[0].records, 3);
        assert!(sum.type_counts.contains(&("s".into(), "Successful login".into(), 1)));
        assert_eq!(sum.first.as_deref(), Some("2024-01-15T10:30:01.000Z"));
        assert_eq!(sum.span_text, "1 s");
        assert_eq!(s.chart().marks.len(), 1);
        assert_eq!(s.chart().breaches.len(), 1);
    }
}
