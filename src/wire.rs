//! The binary form in which the page's Web Worker hands its results to the page
//! (`src/web/worker.rs`): everything in an [`Ingest`] but the texts, and the big
//! vectors of an [`Analysis`], so the page rebuilds a [`crate::session::Session`]
//! without parsing or analysing anything again. Batches decode independently, so the
//! page can spread the work over short tasks.
//!
//! Little-endian, lengths as u32 or u64. Structs are destructured exhaustively, so a
//! new field is a compile error here, not a silent loss. Pure Rust, tested natively.

use crate::analyze::{Analysis, Breach, Breakdown, ExtFailure, FailureKind, Span, TimingSource, WorkSpan};
use crate::ingest::{Frame, Ingest, Problem, Severity, Shape, SourceInfo};
use crate::model::{ActionExecution, ActionResult, Envelope, Event, Stats};
use crate::session::Pending;


struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn usize(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u64).to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
    }
    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    fn opt_str(&mut self, v: &Option<String>) {
        match v {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.i64(x);
            }
            None => self.u8(0),
        }
    }
    fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.f64(x);
            }
            None => self.u8(0),
        }
    }
    fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.u32(x);
            }
            None => self.u8(0),
        }
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        for s in v {
            self.str(s);
        }
    }
}

struct R<'a> {
    b: &'a [u8],
    p: usize,
}

pub type Res<T> = Result<T, String>;

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        let end = self.p.checked_add(n).filter(|&e| e <= self.b.len()).ok_or("truncated worker result")?;
        let s = &self.b[self.p..end];
        self.p = end;
        Ok(s)
    }
    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }
    fn bool(&mut self) -> Res<bool> {
        Ok(self.u8()? != 0)
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn usize(&mut self) -> Res<usize> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()) as usize)
    }
    fn i64(&mut self) -> Res<i64> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn f64(&mut self) -> Res<f64> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn bytes(&mut self) -> Res<Vec<u8>> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn str(&mut self) -> Res<String> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map(str::to_owned).map_err(|e| e.to_string())
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Res<T>) -> Res<Option<T>> {
        if self.bool()? {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }
    fn opt_str(&mut self) -> Res<Option<String>> {
        self.opt(Self::str)
    }
    fn opt_i64(&mut self) -> Res<Option<i64>> {
        self.opt(Self::i64)
    }
    fn opt_f64(&mut self) -> Res<Option<f64>> {
        self.opt(Self::f64)
    }
    fn strs(&mut self) -> Res<Vec<String>> {
        let n = self.u32()? as usize;
        (0..n).map(|_| self.str()).collect()
    }
}

const SHAPES: [Shape; 11] = [
    Shape::Empty,
    Shape::JsonArray,
    Shape::Lines,
    Shape::Paged,
    Shape::ElasticEvents,
    Shape::Single,
    Shape::Mixed,
    Shape::Csv,
    Shape::Tsv,
    Shape::NotJson,
    Shape::TooLarge,
];

fn shape_code(s: Shape) -> u8 {
    // Exhaustive, so a new shape must be added to SHAPES too.
    match s {
        Shape::Empty | Shape::JsonArray | Shape::Lines | Shape::Paged | Shape::ElasticEvents | Shape::Single
        | Shape::Mixed | Shape::Csv | Shape::Tsv | Shape::NotJson | Shape::TooLarge => {
            SHAPES.iter().position(|&x| x == s).unwrap_or(0) as u8
        }
    }
}

/// Everything in `ing` except the source texts and the events (only their count):
/// [`decode_head`] reads it back.
pub fn encode_head(ing: &Ingest) -> Vec<u8> {
    let Ingest { sources, events, problems, duplicates, executions } = ing;
    let mut w = W(Vec::with_capacity(4096));
    w.u32(sources.len() as u32);
    for s in sources {
        let SourceInfo { name, text: _, gzip, bytes, shape, records, events, executions, envelopes, notes, frame, verbatim } = s;
        w.str(name);
        w.u8(*gzip as u8);
        w.u8(*verbatim as u8);
        w.usize(*bytes);
        w.u8(shape_code(*shape));
        w.u32(*records);
        w.u32(*events);
        w.u32(*executions);
        w.u32(envelopes.len() as u32);
        for n in envelopes {
            w.u32(*n);
        }
        w.strs(notes);
        let Frame { prefix, separator, suffix } = frame;
        w.bytes(prefix);
        w.bytes(separator);
        w.bytes(suffix);
    }
    w.u32(problems.len() as u32);
    for p in problems {
        let Problem { source, record, severity, offset, line, column, message, excerpt, caret } = p;
        w.u32(*source);
        w.opt_u32(*record);
        w.u8(matches!(severity, Severity::Warning) as u8);
        w.usize(*offset);
        w.usize(*line);
        w.usize(*column);
        w.str(message);
        w.str(excerpt);
        w.usize(*caret);
    }
    w.usize(*duplicates);
    w.u32(executions.len() as u32);
    for x in executions {
        let ActionExecution { source, record, span, id, trigger_id, status, created_at, updated_at, results } = x;
        w.u32(*source);
        w.u32(*record);
        w.usize(span.start);
        w.usize(span.end);
        w.str(id);
        w.opt_str(trigger_id);
        w.opt_str(status);
        w.opt_i64(*created_at);
        w.opt_i64(*updated_at);
        w.u32(results.len() as u32);
        for r in results {
            let ActionResult { action_name, started_at, ended_at, error } = r;
            w.str(action_name);
            w.opt_i64(*started_at);
            w.opt_i64(*ended_at);
            w.opt_str(error);
        }
    }
    w.u32(events.len() as u32);
    let range = ing.time_range();
    w.opt_i64(range.map(|r| r.0));
    w.opt_i64(range.map(|r| r.1));
    w.0
}

/// Events in the wire format (a batch: [`decode_events`] reads them back).
pub fn encode_events(events: &[Event]) -> Vec<u8> {
    let mut w = W(Vec::with_capacity(events.len() * 200));
    for e in events {
        let Event {
            source,
            record,
            span,
            envelope,
            log_id,
            time,
            type_code,
            description,
            client_name,
            connection,
            error_message,
            executions,
            stats,
            elapsed_ms,
            initiated_at,
            completed_at,
            action_name,
            error_class,
        } = e;
        w.u32(*source);
        w.u32(*record);
        w.usize(span.start);
        w.usize(span.end);
        w.u8(envelope.index() as u8);
        w.opt_str(log_id);
        w.opt_i64(*time);
        w.str(type_code);
        w.str(description);
        w.opt_str(client_name);
        w.opt_str(connection);
        w.opt_str(error_message);
        w.strs(executions);
        match stats {
            Some(Stats {
                total_request_duration_ms,
                total_runtime_execution_duration_ms,
                runtime_processing_duration_ms,
                action_duration_ms,
                runtime_external_call_duration_ms,
                boot_duration_ms,
                network_duration_ms,
            }) => {
                w.u8(1);
                for v in [
                    total_request_duration_ms,
                    total_runtime_execution_duration_ms,
                    runtime_processing_duration_ms,
                    action_duration_ms,
                    runtime_external_call_duration_ms,
                    boot_duration_ms,
                    network_duration_ms,
                ] {
                    w.opt_f64(*v);
                }
            }
            None => w.u8(0),
        }
        w.opt_f64(*elapsed_ms);
        w.opt_i64(*initiated_at);
        w.opt_i64(*completed_at);
        w.opt_str(action_name);
        w.opt_str(error_class);
    }
    w.0
}

/// Decodes what [`encode_head`] wrote: the `Ingest` (sources without their texts, no
/// events yet) and what its events will be (how many, their time range).
pub fn decode_head(b: &[u8]) -> Res<(Ingest, Pending)> {
    let mut r = R { b, p: 0 };
    let n = r.u32()? as usize;
    let mut sources = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let gzip = r.bool()?;
        let verbatim = r.bool()?;
        let bytes = r.usize()?;
        let shape = *SHAPES.get(r.u8()? as usize).ok_or("unknown shape")?;
        let records = r.u32()?;
        let events = r.u32()?;
        let executions = r.u32()?;
        let mut envelopes = [0u32; Envelope::ALL.len()];
        let ne = r.u32()? as usize;
        for i in 0..ne {
            let v = r.u32()?;
            if let Some(slot) = envelopes.get_mut(i) {
                *slot = v;
            }
        }
        let notes = r.strs()?;
        let frame = Frame { prefix: r.bytes()?, separator: r.bytes()?, suffix: r.bytes()? };
        sources.push(SourceInfo {
            name,
            text: String::new(),
            gzip,
            bytes,
            shape,
            records,
            events,
            executions,
            envelopes,
            notes,
            frame,
            verbatim,
        });
    }
    let n = r.u32()? as usize;
    let mut problems = Vec::with_capacity(n);
    for _ in 0..n {
        problems.push(Problem {
            source: r.u32()?,
            record: r.opt(R::u32)?,
            severity: if r.bool()? { Severity::Warning } else { Severity::Error },
            offset: r.usize()?,
            line: r.usize()?,
            column: r.usize()?,
            message: r.str()?,
            excerpt: r.str()?,
            caret: r.usize()?,
        });
    }
    let duplicates = r.usize()?;
    let n = r.u32()? as usize;
    let mut executions = Vec::with_capacity(n);
    for _ in 0..n {
        let source = r.u32()?;
        let record = r.u32()?;
        let span = r.usize()?..r.usize()?;
        let id = r.str()?;
        let trigger_id = r.opt_str()?;
        let status = r.opt_str()?;
        let created_at = r.opt_i64()?;
        let updated_at = r.opt_i64()?;
        let nr = r.u32()? as usize;
        let mut results = Vec::with_capacity(nr);
        for _ in 0..nr {
            results.push(ActionResult {
                action_name: r.str()?,
                started_at: r.opt_i64()?,
                ended_at: r.opt_i64()?,
                error: r.opt_str()?,
            });
        }
        executions.push(ActionExecution { source, record, span, id, trigger_id, status, created_at, updated_at, results });
    }
    let events = r.u32()? as usize;
    let time_range = match (r.opt_i64()?, r.opt_i64()?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    let ingest = Ingest { sources, events: Vec::new(), problems, duplicates, executions };
    Ok((ingest, Pending { events, time_range }))
}

/// Decodes a batch of [`encode_events`], appending the events to `out`.
pub fn decode_events(b: &[u8], out: &mut Vec<Event>) -> Res<()> {
    let mut r = R { b, p: 0 };
    while r.p < b.len() {
        let source = r.u32()?;
        let record = r.u32()?;
        let span = r.usize()?..r.usize()?;
        let envelope = *Envelope::ALL.get(r.u8()? as usize).ok_or("unknown envelope")?;
        let log_id = r.opt_str()?;
        let time = r.opt_i64()?;
        let type_code = r.str()?;
        let description = r.str()?;
        let client_name = r.opt_str()?;
        let connection = r.opt_str()?;
        let error_message = r.opt_str()?;
        let executions = r.strs()?;
        let stats = if r.bool()? {
            Some(Stats {
                total_request_duration_ms: r.opt_f64()?,
                total_runtime_execution_duration_ms: r.opt_f64()?,
                runtime_processing_duration_ms: r.opt_f64()?,
                action_duration_ms: r.opt_f64()?,
                runtime_external_call_duration_ms: r.opt_f64()?,
                boot_duration_ms: r.opt_f64()?,
                network_duration_ms: r.opt_f64()?,
            })
        } else {
            None
        };
        out.push(Event {
            source,
            record,
            span,
            envelope,
            log_id,
            time,
            type_code,
            description,
            client_name,
            connection,
            error_message,
            executions,
            stats,
            elapsed_ms: r.opt_f64()?,
            initiated_at: r.opt_i64()?,
            completed_at: r.opt_i64()?,
            action_name: r.opt_str()?,
            error_class: r.opt_str()?,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The analysis: its big vectors in batches; the rest travels as a plain value.

const SPANS: u8 = 0;
const WORK: u8 = 1;
const STEPS: u8 = 2;
const BREACHES: u8 = 3;
const FAILURES: u8 = 4;
const ORPHANS: u8 = 5;

const TIMING_SOURCES: [TimingSource; 5] = [
    TimingSource::Stats,
    TimingSource::ElapsedTime,
    TimingSource::InitiatedCompleted,
    TimingSource::ActionExecution,
    TimingSource::WebtaskTimeout,
];

fn timing_code(s: TimingSource) -> u8 {
    // Exhaustive, so a new source must be added to TIMING_SOURCES too.
    match s {
        TimingSource::Stats
        | TimingSource::ElapsedTime
        | TimingSource::InitiatedCompleted
        | TimingSource::ActionExecution
        | TimingSource::WebtaskTimeout => TIMING_SOURCES.iter().position(|&x| x == s).unwrap_or(0) as u8,
    }
}

const FAILURE_KINDS: [FailureKind; 4] =
    [FailureKind::ScriptTimeout, FailureKind::ActionTimeout, FailureKind::ScriptError, FailureKind::ActionFailed];

fn failure_code(k: FailureKind) -> u8 {
    match k {
        FailureKind::ScriptTimeout | FailureKind::ActionTimeout | FailureKind::ScriptError | FailureKind::ActionFailed => {
            FAILURE_KINDS.iter().position(|&x| x == k).unwrap_or(0) as u8
        }
    }
}

/// `an` without its big vectors (spans, steps, breaches, work spans, failures, orphan
/// requests): small enough to send as a plain value. [`encode_analysis`] has the rest.
pub fn analysis_without_vecs(an: &Analysis) -> Analysis {
    let Analysis {
        spans: _,
        steps: _,
        peak,
        breaches: _,
        windows,
        limit,
        estimated_limit,
        window_inflight,
        untimed,
        untimed_by_type,
        rejected_timings,
        by_label,
        work: _,
        work_labels,
        orphan_requests: _,
        timing_sources,
        executions_joined,
        executions_missing,
        failures: _,
    } = an;
    Analysis {
        spans: Vec::new(),
        steps: Vec::new(),
        peak: *peak,
        breaches: Vec::new(),
        windows: windows.clone(),
        limit: *limit,
        estimated_limit: *estimated_limit,
        window_inflight: window_inflight.clone(),
        untimed: *untimed,
        untimed_by_type: untimed_by_type.clone(),
        rejected_timings: *rejected_timings,
        by_label: by_label.clone(),
        work: Vec::new(),
        work_labels: work_labels.clone(),
        orphan_requests: Vec::new(),
        timing_sources: timing_sources.clone(),
        executions_joined: *executions_joined,
        executions_missing: *executions_missing,
        failures: Vec::new(),
    }
}

/// The big vectors of `an`, in batches of at most `batch` items: each buffer is one
/// vector's slice, and [`decode_analysis`] appends it to the right vector.
pub fn encode_analysis(an: &Analysis, batch: usize) -> Vec<Vec<u8>> {
    let batch = batch.max(1);
    let mut out = Vec::new();
    let start = |tag: u8, n: usize, per: usize| {
        let mut w = W(Vec::with_capacity(1 + n * per));
        w.u8(tag);
        w
    };
    for c in an.spans.chunks(batch) {
        let mut w = start(SPANS, c.len(), 40);
        for s in c {
            let Span { start, end, event, source, label, failed } = s;
            w.i64(*start);
            w.i64(*end);
            w.usize(*event);
            w.u8(timing_code(*source));
            w.str(label);
            w.u8(*failed as u8);
        }
        out.push(w.0);
    }
    for c in an.work.chunks(batch) {
        let mut w = start(WORK, c.len(), 40);
        for s in c {
            let WorkSpan { start, end, label, source, event, failed, breakdown } = s;
            w.i64(*start);
            w.i64(*end);
            w.u32(*label);
            w.u8(timing_code(*source));
            match event {
                Some(e) => {
                    w.u8(1);
                    w.usize(*e);
                }
                None => w.u8(0),
            }
            w.u8(*failed as u8);
            match breakdown {
                Some(Breakdown { boot, network, processing, external, code }) => {
                    w.u8(1);
                    for v in [boot, network, processing, external, code] {
                        w.i64(*v);
                    }
                }
                None => w.u8(0),
            }
        }
        out.push(w.0);
    }
    for c in an.steps.chunks(batch) {
        let mut w = start(STEPS, c.len(), 12);
        for (t, n) in c {
            w.i64(*t);
            w.u32(*n);
        }
        out.push(w.0);
    }
    for c in an.breaches.chunks(batch) {
        let mut w = start(BREACHES, c.len(), 16);
        for Breach { time, event } in c {
            w.i64(*time);
            w.usize(*event);
        }
        out.push(w.0);
    }
    for c in an.failures.chunks(batch) {
        let mut w = start(FAILURES, c.len(), 64);
        for f in c {
            let ExtFailure { time, event, kind, label, detail } = f;
            w.opt_i64(*time);
            w.usize(*event);
            w.u8(failure_code(*kind));
            w.str(label);
            w.str(detail);
        }
        out.push(w.0);
    }
    for c in an.orphan_requests.chunks(batch) {
        let mut w = start(ORPHANS, c.len(), 16);
        for (a, b) in c {
            w.i64(*a);
            w.i64(*b);
        }
        out.push(w.0);
    }
    out
}

/// How many items each big vector of `an` holds (spans, work spans, steps, breaches,
/// failures, orphan requests): sent with [`analysis_without_vecs`] so the receiver can
/// [`reserve_analysis`] before [`decode_analysis`] appends the batches.
pub fn analysis_counts(an: &Analysis) -> [u32; 6] {
    [an.spans.len(), an.work.len(), an.steps.len(), an.breaches.len(), an.failures.len(), an.orphan_requests.len()]
        .map(|n| n as u32)
}

/// Reserves exactly room for [`analysis_counts`] in `an`'s big vectors, so appending
/// the batches does not grow them by doubling (up to 2× their size, and the old
/// buffers left behind as holes in wasm memory, which never shrinks).
pub fn reserve_analysis(an: &mut Analysis, counts: &[u32]) {
    let n = |i: usize| counts.get(i).map_or(0, |&c| c as usize);
    an.spans.reserve_exact(n(0));
    an.work.reserve_exact(n(1));
    an.steps.reserve_exact(n(2));
    an.breaches.reserve_exact(n(3));
    an.failures.reserve_exact(n(4));
    an.orphan_requests.reserve_exact(n(5));
}

/// Appends one buffer of [`encode_analysis`] to the vector of `an` it belongs to.
pub fn decode_analysis(b: &[u8], an: &mut Analysis) -> Res<()> {
    let mut r = R { b, p: 0 };
    let tag = r.u8()?;
    let timing = |r: &mut R| -> Res<TimingSource> {
        TIMING_SOURCES.get(r.u8()? as usize).copied().ok_or_else(|| "unknown timing source".to_string())
    };
    while r.p < b.len() {
        match tag {
            SPANS => an.spans.push(Span {
                start: r.i64()?,
                end: r.i64()?,
                event: r.usize()?,
                source: timing(&mut r)?,
                label: r.str()?,
                failed: r.bool()?,
            }),
            WORK => an.work.push(WorkSpan {
                start: r.i64()?,
                end: r.i64()?,
                label: r.u32()?,
                source: timing(&mut r)?,
                event: r.opt(R::usize)?,
                failed: r.bool()?,
                breakdown: r.opt(|r| {
                    Ok(Breakdown { boot: r.i64()?, network: r.i64()?, processing: r.i64()?, external: r.i64()?, code: r.i64()? })
                })?,
            }),
            STEPS => an.steps.push((r.i64()?, r.u32()?)),
            BREACHES => an.breaches.push(Breach { time: r.i64()?, event: r.usize()? }),
            FAILURES => an.failures.push(ExtFailure {
                time: r.opt_i64()?,
                event: r.usize()?,
                kind: FAILURE_KINDS.get(r.u8()? as usize).copied().ok_or("unknown failure kind")?,
                label: r.str()?,
                detail: r.str()?,
            }),
            ORPHANS => an.orphan_requests.push((r.i64()?, r.i64()?)),
            _ => return Err(format!("unknown analysis batch {tag}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ingest;
    use crate::sample::{generate, Format, Scenario};
    use crate::session::Session;

    /// The sample incident (logs and execution objects) plus a broken record and a
    /// vendor-wrapped one, so problems, executions, envelopes and failures all travel.
    fn inputs() -> Vec<(String, Vec<u8>)> {
        let inc = generate(&Scenario::sample_incident(), Format::Ndjson);
        let extra = concat!(
            r#"{"detail":{"data":{"log_id":"9","type":"f","date":"2024-05-14T08:51:00.000Z","description":"exceeded allowed execution time","connection":"legacy"}}}"#,
            "\n{\"log_id\":\"x\",\"type\":\n",
        );
        vec![
            ("logs.ndjson".into(), inc.text.into_bytes()),
            ("executions.json".into(), inc.executions_json.into_bytes()),
            ("extra.ndjson".into(), extra.as_bytes().to_vec()),
        ]
    }

    #[test]
    fn ingest_round_trips_in_batches() {
        let ing = ingest(inputs());
        assert!(ing.events.len() > 5000 && !ing.problems.is_empty() && !ing.executions.is_empty());
        let (mut back, n) = decode_head(&encode_head(&ing)).unwrap();
        assert_eq!(n.events, ing.events.len());
        assert_eq!(n.time_range, ing.time_range());
        assert!(n.time_range.is_some());
        for batch in ing.events.chunks(777) {
            decode_events(&encode_events(batch), &mut back.events).unwrap();
        }
        for (b, s) in back.sources.iter_mut().zip(&ing.sources) {
            assert!(b.text.is_empty(), "texts travel separately");
            b.text = s.text.clone();
        }
        assert_eq!(format!("{back:?}"), format!("{ing:?}"));
    }

    #[test]
    fn analysis_round_trips_in_batches_and_gives_the_same_session() {
        let whole = Session::load(inputs(), None);
        let an = &whole.analysis;
        assert!(!an.spans.is_empty() && !an.work.is_empty() && !an.breaches.is_empty() && !an.failures.is_empty());
        let mut back = analysis_without_vecs(an);
        assert!(back.spans.is_empty() && back.work.is_empty() && back.steps.is_empty());
        let batches = encode_analysis(an, 1000);
        assert!(batches.len() > 6, "split into batches");
        let counts = analysis_counts(an);
        assert_eq!(counts[0] as usize, an.spans.len());
        assert_eq!(counts[2] as usize, an.steps.len());
        reserve_analysis(&mut back, &counts);
        for b in &batches {
            decode_analysis(b, &mut back).unwrap();
        }
        assert_eq!(&back, an);
        // Reserved exactly: no vector grew past its length (the page's wasm memory).
        assert_eq!(back.spans.capacity(), an.spans.len());
        assert_eq!(back.work.capacity(), an.work.len());
        assert_eq!(back.steps.capacity(), an.steps.len());
        assert_eq!(back.breaches.capacity(), an.breaches.len());
        assert_eq!(back.failures.capacity(), an.failures.len());
        assert_eq!(back.orphan_requests.capacity(), an.orphan_requests.len());

        // The page's session: parts from the worker, events and texts added later.
        let (head, n) = decode_head(&encode_head(&whole.ingest)).unwrap();
        let mut summary = whole.summary();
        summary.problems.clear();
        let mut part =
            Session::from_parts(head, back, whole.attribution.clone(), None, Some(summary), n);
        assert_eq!(part.time_range(), whole.time_range());
        assert!(part.loading());
        assert_eq!(part.event_count(), whole.ingest.events.len());
        assert_eq!(part.summary(), whole.summary(), "summary while loading (problem rows made here)");
        assert_eq!(part.chart(), whole.chart());
        let rules = crate::rules::RuleSet::default();
        assert!(part.export_redacted(0, &crate::redact::Redactor::new([7; 32]), &rules).is_err(), "no export while loading");
        let texts = whole.ingest.sources.iter().map(|s| s.text.clone()).collect();
        assert!(!part.complete(whole.ingest.events.clone(), texts));
        assert!(!part.loading());
        assert_eq!(part.summary(), whole.summary());
        let key = crate::redact::Redactor::new([7; 32]);
        assert_eq!(part.export_redacted(0, &key, &rules).unwrap().bytes, whole.export_redacted(0, &key, &rules).unwrap().bytes);
    }

    #[test]
    fn a_limit_set_while_loading_is_applied_when_the_events_arrive() {
        let whole = Session::load(inputs(), None);
        let mut back = analysis_without_vecs(&whole.analysis);
        for b in encode_analysis(&whole.analysis, 4096) {
            decode_analysis(&b, &mut back).unwrap();
        }
        let (head, n) = decode_head(&encode_head(&whole.ingest)).unwrap();
        let mut part = Session::from_parts(head, back, whole.attribution.clone(), None, Some(whole.summary()), n);
        part.set_limit(Some(7));
        assert_eq!(part.summary().limit, whole.summary().limit, "unchanged until the events are here");
        let texts = whole.ingest.sources.iter().map(|s| s.text.clone()).collect();
        assert!(part.complete(whole.ingest.events.clone(), texts));
        let mut expected = whole.clone();
        expected.set_limit(Some(7));
        assert_eq!(part.summary(), expected.summary());
        assert_eq!(part.summary().limit, Some(7));
        assert_eq!(part.analysis, expected.analysis);
    }

    #[test]
    fn damaged_buffers_are_errors_not_panics() {
        let whole = Session::load(inputs(), None);
        let head = encode_head(&whole.ingest);
        assert!(decode_head(&head[..head.len() / 2]).is_err());
        let ev = encode_events(&whole.ingest.events[..10]);
        assert!(decode_events(&ev[..ev.len() - 3], &mut Vec::new()).is_err());
        let mut an = analysis_without_vecs(&whole.analysis);
        let b = &encode_analysis(&whole.analysis, 100)[0];
        assert!(decode_analysis(&b[..b.len() - 1], &mut an).is_err());
        assert!(decode_analysis(&[99, 0, 0], &mut an).is_err());
    }
}
