//! Ingest: bytes in, typed events and positioned problems out.
//!
//! Every input (a dropped file, a paste) goes through the same steps:
//!
//! 1. **Decode.** gzip is recognised by its magic bytes and inflated; a UTF-8 BOM is
//!    dropped; invalid UTF-8 is replaced (and reported), never fatal.
//! 2. **Split.** The text is a sequence of top-level JSON values (one for a JSON
//!    array or a single event, many for NDJSON). [`jsonscan`] finds each value's
//!    extent without parsing it. Arrays contribute their elements as records; an
//!    object whose `logs` (Management API `{start, limit, length, total, logs}`) or
//!    `events` (Elastic pipeline tests) key holds an array contributes that array's
//!    elements; any other object is one record. The shape is named from what was
//!    found, never from the file name.
//! 3. **Parse.** Each record is parsed by serde_json into [`model::RawEvent`],
//!    borrowing from the input, with lenient field types, and unwrapped from its
//!    envelope (`{log_id, data}`, EventBridge `detail`, Elastic `json`).
//! 4. **Collect.** Records that cannot be read become [`Problem`]s with input name,
//!    record number, line, column and an excerpt with a caret; the rest of the
//!    input is still read. Events are de-duplicated by `log_id` across all inputs
//!    (log streams deliver at least once) and sorted by time.

use crate::jsonscan::{self, LineIndex, ScanError};
use crate::model::{ActionExecution, Envelope, Event, RawEvent, RawExecution};
use serde::Serialize;
use std::collections::HashSet;
use std::io::Read;
use std::ops::Range;

/// The container shape of one input, as detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Nothing but whitespace.
    Empty,
    /// One JSON array of records (Management API, log-stream "JSON array").
    JsonArray,
    /// One record per line, or several top-level values one after another.
    Lines,
    /// The Management API object `{start, limit, length, total, logs: [...]}`.
    Paged,
    /// Elastic's `{"events": [{"json": ...}]}`.
    ElasticEvents,
    /// A single event object.
    Single,
    /// Several top-level containers of different kinds (for example two pasted
    /// arrays); exported as JSON lines.
    Mixed,
    /// No JSON value could be found.
    NotJson,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Empty => "empty input",
            Shape::JsonArray => "JSON array",
            Shape::Lines => "JSON lines (one record per line)",
            Shape::Paged => "Management API page {start, limit, length, total, logs}",
            Shape::ElasticEvents => "Elastic {\"events\": [...]} wrapper",
            Shape::Single => "single event object",
            Shape::Mixed => "several JSON values of different kinds",
            Shape::NotJson => "not JSON",
        }
    }
}

/// How serious a problem is: errors lose a record, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Something in an input that could not be read, or was read with a caveat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub source: u32,
    /// 1-based record number within the input, when the problem belongs to one.
    pub record: Option<u32>,
    pub severity: Severity,
    /// Byte offset in the (decoded) input.
    pub offset: usize,
    /// 1-based line and column (columns count characters).
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The line the problem is on (shortened around the column when long).
    pub excerpt: String,
    /// 0-based character index of the caret within `excerpt`.
    pub caret: usize,
}

/// Where the records sit in one input, for exporting in the same shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Frame {
    /// Bytes written before the first record (for `Paged`/`ElasticEvents`, the
    /// original text up to and including the `[` of the records array).
    pub prefix: Vec<u8>,
    pub separator: Vec<u8>,
    pub suffix: Vec<u8>,
}

/// What ingest learned about one input.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub name: String,
    /// The decoded text (gzip inflated, BOM dropped). Event spans index into it.
    #[serde(skip)]
    pub text: String,
    pub gzip: bool,
    /// Size as given (compressed size for gzip).
    pub bytes: usize,
    pub shape: Shape,
    /// Records found (read or not).
    pub records: u32,
    /// Events read from this input (before de-duplication).
    pub events: u32,
    /// Action execution objects read from this input.
    pub executions: u32,
    /// How the events were wrapped: counts of bare, log-stream, EventBridge, Elastic.
    pub envelopes: [u32; 4],
    #[serde(skip)]
    pub frame: Frame,
}

impl SourceInfo {
    /// A one-line human description: "JSON array of 7 records (log-stream {log_id, data})".
    pub fn shape_text(&self) -> String {
        let names = ["bare events", "log-stream {log_id, data}", "EventBridge detail.data", "Elastic json.data"];
        let mut wrappers: Vec<String> = self
            .envelopes
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, name)| if self.events == *n { name.to_string() } else { format!("{n} {name}") })
            .collect();
        if self.executions > 0 {
            wrappers.push(format!("{} Action execution objects", self.executions));
        }
        let mut s = String::new();
        if self.gzip {
            s.push_str("gzip, ");
        }
        s.push_str(self.shape.describe());
        if !matches!(self.shape, Shape::Empty | Shape::NotJson) {
            s.push_str(&format!(" of {} record{}", self.records, if self.records == 1 { "" } else { "s" }));
        }
        if !wrappers.is_empty() {
            s.push_str(&format!(" ({})", wrappers.join(", ")));
        }
        s
    }
}

/// Everything read from a set of inputs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ingest {
    pub sources: Vec<SourceInfo>,
    /// De-duplicated, sorted by time (events without a time last, in input order).
    pub events: Vec<Event>,
    pub problems: Vec<Problem>,
    /// Records dropped because an earlier record had the same `log_id`.
    pub duplicates: usize,
    /// Action execution objects (`GET /api/v2/actions/executions/{id}`), one per id.
    pub executions: Vec<ActionExecution>,
}

impl Ingest {
    /// Event counts per type code, most frequent first.
    pub fn type_counts(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for e in &self.events {
            *counts.entry(e.type_code.as_str()).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// First and last event time.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let mut times = self.events.iter().filter_map(|e| e.time);
        let first = times.next()?;
        let (lo, hi) = times.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t)));
        Some((lo, hi))
    }

    /// The original text of an event's record (envelope included).
    pub fn record_text(&self, e: &Event) -> &str {
        self.sources
            .get(e.source as usize)
            .and_then(|s| s.text.get(e.span.clone()))
            .unwrap_or("")
    }
}

/// Largest decoded input accepted, in bytes. wasm32 has a 4 GiB address space and
/// the text, the events and the export must fit in it together.
pub const MAX_INPUT_BYTES: usize = 1 << 30;

/// Reads a set of inputs (name, bytes). Never fails: what cannot be read is
/// reported in [`Ingest::problems`].
pub fn ingest(inputs: Vec<(String, Vec<u8>)>) -> Ingest {
    let mut out = Ingest::default();
    for (i, (name, bytes)) in inputs.into_iter().enumerate() {
        read_source(&mut out, i as u32, name, bytes);
    }
    dedup_and_sort(&mut out);
    out
}

fn read_source(out: &mut Ingest, source: u32, name: String, bytes: Vec<u8>) {
    let given = bytes.len();
    let mut problems = ProblemSink::new(source);
    let (text, gzip) = decode(bytes, &mut problems);
    let mut info = SourceInfo {
        name,
        text: String::new(),
        gzip,
        bytes: given,
        shape: Shape::Empty,
        records: 0,
        events: 0,
        executions: 0,
        envelopes: [0; 4],
        frame: Frame::default(),
    };
    let split = split(text.as_bytes(), &mut problems);
    info.shape = split.shape;
    info.records = split.records.len() as u32;
    info.frame = split.frame;
    for (n, span) in split.records.iter().enumerate() {
        let record = n as u32 + 1;
        if span.is_empty() {
            continue; // unreadable; the splitter has reported it
        }
        match parse_record(&text, span.clone(), source, record) {
            Ok(Parsed::Event(event)) => {
                info.events += 1;
                info.envelopes[envelope_index(event.envelope)] += 1;
                out.events.push(event);
            }
            Ok(Parsed::Execution(x)) => {
                info.executions += 1;
                out.executions.push(x);
            }
            Err((offset, message, severity)) => problems.push(Some(record), offset, message, severity),
        }
    }
    out.problems.extend(problems.finish(text.as_bytes()));
    info.text = text;
    out.sources.push(info);
}

fn envelope_index(e: Envelope) -> usize {
    match e {
        Envelope::Bare => 0,
        Envelope::LogStream => 1,
        Envelope::EventBridge => 2,
        Envelope::Elastic => 3,
    }
}

/// Collects problems by offset and resolves line/column once, at the end, so a
/// clean input never builds a line index.
struct ProblemSink {
    source: u32,
    pending: Vec<(Option<u32>, usize, String, Severity)>,
}

impl ProblemSink {
    fn new(source: u32) -> Self {
        ProblemSink { source, pending: Vec::new() }
    }

    fn push(&mut self, record: Option<u32>, offset: usize, message: String, severity: Severity) {
        self.pending.push((record, offset, message, severity));
    }

    fn finish(self, b: &[u8]) -> Vec<Problem> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let index = LineIndex::new(b);
        let mut pending = self.pending;
        pending.sort_by_key(|p| p.1);
        pending
            .into_iter()
            .map(|(record, offset, message, severity)| {
                let (line, column) = index.position(b, offset);
                let (excerpt, caret) = excerpt(&index.line_text(b, line), column - 1);
                Problem { source: self.source, record, severity, offset, line, column, message, excerpt, caret }
            })
            .collect()
    }
}

/// Shortens a long line to about 100 characters around `col` (0-based chars).
fn excerpt(line: &str, col: usize) -> (String, usize) {
    const BEFORE: usize = 50;
    const AFTER: usize = 50;
    let chars: Vec<char> = line.chars().collect();
    let col = col.min(chars.len());
    let start = col.saturating_sub(BEFORE);
    let end = (col + AFTER).min(chars.len());
    let mut s = String::new();
    let mut caret = col - start;
    if start > 0 {
        s.push('…');
        caret += 1;
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push('…');
    }
    (s, caret)
}

fn decode(bytes: Vec<u8>, problems: &mut ProblemSink) -> (String, bool) {
    let mut gzip = false;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        gzip = true;
        let mut inflated = Vec::with_capacity(bytes.len().saturating_mul(4));
        let reader = flate2::read::MultiGzDecoder::new(&bytes[..]);
        match reader.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut inflated) {
            Ok(_) if inflated.len() > MAX_INPUT_BYTES => {
                problems.push(
                    None,
                    0,
                    format!("gzip input inflates to more than {} MiB: too large to read here", MAX_INPUT_BYTES >> 20),
                    Severity::Error,
                );
                return (String::new(), true);
            }
            Ok(_) => {}
            Err(e) => problems.push(
                None,
                0,
                format!("gzip data is damaged after {} bytes of output ({e}); reading what was recovered", inflated.len()),
                Severity::Error,
            ),
        }
        inflated
    } else {
        bytes
    };
    let mut text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            problems.push(
                None,
                at,
                "input is not valid UTF-8; invalid bytes were replaced with U+FFFD".to_string(),
                Severity::Warning,
            );
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    if text.starts_with('\u{feff}') {
        // Keep offsets simple: replace the BOM with spaces of the same byte length.
        text.replace_range(0..3, "   ");
    }
    (text, gzip)
}

struct Split {
    shape: Shape,
    records: Vec<Range<usize>>,
    frame: Frame,
}

/// Kinds of top-level value seen, for naming the shape.
#[derive(Default)]
struct Seen {
    arrays: usize,
    objects: usize,
    paged: usize,
    elastic: usize,
    other: usize,
}

fn split(b: &[u8], problems: &mut ProblemSink) -> Split {
    let mut records = Vec::new();
    let mut seen = Seen::default();
    let mut frame = Frame::default();
    let mut pos = jsonscan::skip_ws(b, 0);
    while pos < b.len() {
        match b[pos] {
            b'[' => {
                seen.arrays += 1;
                pos = split_array(b, pos, &mut records, problems);
            }
            b'{' => match find_container(b, pos) {
                Some(c) => {
                    if c.key == "logs" {
                        seen.paged += 1;
                    } else {
                        seen.elastic += 1;
                    }
                    frame.prefix = b[pos..=c.array_start].to_vec();
                    let end = split_array(b, c.array_start, &mut records, problems);
                    // The rest of the object after the array (`,"total":7}` etc).
                    match jsonscan::skip_value(b, pos) {
                        Ok(obj_end) => {
                            frame.suffix = b[end.min(obj_end)..obj_end].to_vec();
                            if end > 0 && b.get(end - 1) == Some(&b']') {
                                frame.suffix.insert(0, b']');
                            }
                            pos = obj_end;
                        }
                        Err(e) => {
                            problems.push(None, e.offset, format!("container object is not closed: {e}"), Severity::Error);
                            frame.suffix = b"]}".to_vec();
                            pos = b.len();
                        }
                    }
                }
                None => {
                    seen.objects += 1;
                    pos = split_one(b, pos, &mut records, problems);
                }
            },
            _ => {
                seen.other += 1;
                pos = skip_garbage(b, pos, problems);
            }
        }
        pos = jsonscan::skip_ws(b, pos);
    }
    let kinds = (seen.arrays > 0) as usize + (seen.objects > 0) as usize + (seen.paged > 0) as usize + (seen.elastic > 0) as usize;
    let shape = if records.is_empty() && seen.other > 0 {
        Shape::NotJson
    } else if kinds == 0 {
        Shape::Empty
    } else if kinds > 1 {
        Shape::Mixed
    } else if seen.arrays == 1 {
        Shape::JsonArray
    } else if seen.paged == 1 {
        Shape::Paged
    } else if seen.elastic == 1 {
        Shape::ElasticEvents
    } else if seen.objects == 1 {
        Shape::Single
    } else {
        Shape::Lines
    };
    frame = match shape {
        Shape::JsonArray => Frame { prefix: b"[\n".to_vec(), separator: b",\n".to_vec(), suffix: b"\n]\n".to_vec() },
        Shape::Paged | Shape::ElasticEvents => {
            frame.separator = b",\n".to_vec();
            frame.suffix.push(b'\n');
            frame
        }
        Shape::Single => Frame { prefix: Vec::new(), separator: b"\n".to_vec(), suffix: b"\n".to_vec() },
        _ => Frame { prefix: Vec::new(), separator: b"\n".to_vec(), suffix: b"\n".to_vec() },
    };
    Split { shape, records, frame }
}

struct ContainerKey {
    key: &'static str,
    array_start: usize,
}

/// If the object at `pos` has a `logs` or `events` key holding an array, returns
/// where that array starts. Looks only at the object's own keys.
fn find_container(b: &[u8], pos: usize) -> Option<ContainerKey> {
    let mut i = jsonscan::skip_ws(b, pos + 1);
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let kend = jsonscan::scan_string(b, i).ok()?;
        let key = &b[i + 1..kend - 1];
        i = jsonscan::skip_ws(b, kend);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = jsonscan::skip_ws(b, i + 1);
        if b.get(i) == Some(&b'[') {
            if key == b"logs" {
                return Some(ContainerKey { key: "logs", array_start: i });
            }
            if key == b"events" {
                return Some(ContainerKey { key: "events", array_start: i });
            }
        }
        i = jsonscan::skip_value(b, i).ok()?;
        i = jsonscan::skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = jsonscan::skip_ws(b, i + 1),
            _ => return None,
        }
    }
}

/// Splits the array starting at `b[pos] == '['`; returns the index after its `]`
/// (or where reading had to stop).
fn split_array(b: &[u8], pos: usize, records: &mut Vec<Range<usize>>, problems: &mut ProblemSink) -> usize {
    let mut i = jsonscan::skip_ws(b, pos + 1);
    if b.get(i) == Some(&b']') {
        return i + 1;
    }
    loop {
        if i >= b.len() {
            problems.push(
                Some(records.len() as u32 + 1),
                b.len(),
                format!("input ends inside the array opened at byte {pos}: `]` is missing"),
                Severity::Warning,
            );
            return b.len();
        }
        if b[i] == b',' {
            problems.push(None, i, "extra comma between records".into(), Severity::Warning);
            i = jsonscan::skip_ws(b, i + 1);
            continue;
        }
        let number = records.len() as u32 + 1;
        match jsonscan::skip_value(b, i) {
            Ok(end) => {
                records.push(i..end);
                i = jsonscan::skip_ws(b, end);
            }
            Err(e) => {
                report_scan_error(problems, number, &e, b);
                records.push(i..i); // counted, unreadable
                match resync(b, e.offset.max(i + 1)) {
                    Some(next) => {
                        i = next;
                        continue;
                    }
                    None => return b.len(),
                }
            }
        }
        match b.get(i) {
            Some(b',') => {
                let after = jsonscan::skip_ws(b, i + 1);
                if b.get(after) == Some(&b']') {
                    problems.push(None, i, "trailing comma before `]` (ignored)".into(), Severity::Warning);
                    return after + 1;
                }
                i = after;
            }
            Some(b']') => return i + 1,
            Some(b'{') | Some(b'[') => {
                problems.push(None, i, "missing comma between records (read as if it were there)".into(), Severity::Warning);
            }
            Some(&c) => {
                problems.push(
                    Some(number),
                    i,
                    format!("expected `,` or `]` after record {number}, found {}", show_byte(c)),
                    Severity::Error,
                );
                match resync(b, i + 1) {
                    Some(next) => i = next,
                    None => return b.len(),
                }
            }
            None => {
                problems.push(
                    None,
                    b.len(),
                    format!("input ends inside the array opened at byte {pos}: `]` is missing"),
                    Severity::Warning,
                );
                return b.len();
            }
        }
    }
}

/// One top-level object that is a record by itself (a line of NDJSON, or a single event).
fn split_one(b: &[u8], pos: usize, records: &mut Vec<Range<usize>>, problems: &mut ProblemSink) -> usize {
    let number = records.len() as u32 + 1;
    match jsonscan::skip_value(b, pos) {
        Ok(end) => {
            records.push(pos..end);
            end
        }
        Err(e) => {
            report_scan_error(problems, number, &e, b);
            records.push(pos..pos);
            resync(b, e.offset.max(pos + 1)).unwrap_or(b.len())
        }
    }
}

/// Text outside any JSON value: report it once and skip to the next line that
/// starts a value.
fn skip_garbage(b: &[u8], pos: usize, problems: &mut ProblemSink) -> usize {
    problems.push(
        None,
        pos,
        format!("{} where a JSON record should start; skipped to the next line that starts with `{{` or `[`", show_byte(b[pos])),
        Severity::Error,
    );
    resync(b, pos + 1).unwrap_or(b.len())
}

/// The next position, at or after `from`, that begins a line whose first
/// non-blank character is `{` (where a record most likely starts again).
fn resync(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'\n' {
            let j = {
                let mut j = i + 1;
                while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                j
            };
            if j < b.len() && b[j] == b'{' {
                return Some(j);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    None
}

fn report_scan_error(problems: &mut ProblemSink, record: u32, e: &ScanError, b: &[u8]) {
    use jsonscan::ScanErrorKind as K;
    let message = match e.kind {
        K::UnexpectedEnd | K::UnterminatedString if e.offset >= b.len() => {
            format!("record {record} is cut off: the input ends inside it")
        }
        K::UnterminatedString => format!("record {record}: string is not closed before the end of the line"),
        _ => format!("record {record}: {e}"),
    };
    // At the end of the input, point just after its last visible character rather
    // than at an empty last line.
    let at = if e.offset >= b.len() { b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(0, |i| i + 1) } else { e.offset };
    problems.push(Some(record), at, message, Severity::Error);
}

fn show_byte(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("`{}`", c as char)
    } else if c >= 0x80 {
        "a non-ASCII character".to_string()
    } else {
        format!("byte 0x{c:02x}")
    }
}

/// What one record turned out to be.
enum Parsed {
    Event(Event),
    Execution(ActionExecution),
}

/// Parses one record; on failure returns (offset in the input, message, severity).
fn parse_record(text: &str, span: Range<usize>, source: u32, record: u32) -> Result<Parsed, (usize, String, Severity)> {
    let slice = &text[span.clone()];
    let raw: RawEvent = serde_json::from_str(slice).map_err(|e| {
        let mut at = serde_offset(slice, &e);
        if e.to_string().starts_with("trailing comma") {
            // serde points at the bracket after the comma; point at the comma.
            at = slice[..at].rfind(',').unwrap_or(at);
        }
        let offset = at + span.start;
        (offset, format!("record {record}: {}", serde_message(&e)), Severity::Error)
    })?;
    let (inner, envelope, outer_id) = unwrap(raw);
    if !inner.is_event() {
        if let Ok(x) = serde_json::from_str::<RawExecution>(slice) {
            if x.is_execution() {
                return Ok(Parsed::Execution(x.into_execution(source, record)));
            }
        }
        return Err((
            span.start,
            format!("record {record} has neither `type` nor `date`: not an Auth0 log event (kept out of the timeline)"),
            Severity::Warning,
        ));
    }
    let mut event = inner.into_event(source, record, span, envelope);
    if event.log_id.is_none() {
        event.log_id = outer_id;
    }
    Ok(Parsed::Event(event))
}

/// Peels envelopes: `{log_id, data}`, `{detail: {log_id, data}}`, `{json: {log_id, data}}`.
fn unwrap(raw: RawEvent<'_>) -> (RawEvent<'_>, Envelope, Option<String>) {
    if raw.is_event() {
        return (raw, Envelope::Bare, None);
    }
    let outer_id = crate::model::raw_id(raw.log_id);
    if let Some(data) = raw.data.0 {
        return (*data, Envelope::LogStream, outer_id);
    }
    if let Some(detail) = raw.detail.0 {
        let id = crate::model::raw_id(detail.log_id).or(outer_id);
        if let Some(data) = detail.data.0 {
            return (*data, Envelope::EventBridge, id);
        }
        return (*detail, Envelope::EventBridge, id);
    }
    if let Some(json) = raw.json.0 {
        let id = crate::model::raw_id(json.log_id).or(outer_id);
        if let Some(data) = json.data.0 {
            return (*data, Envelope::Elastic, id);
        }
        return (*json, Envelope::Elastic, id);
    }
    (raw, Envelope::Bare, None)
}

/// serde_json reports 1-based line and (byte) column within the slice; turn that
/// into a byte offset within the slice.
fn serde_offset(slice: &str, e: &serde_json::Error) -> usize {
    let mut line_start = 0;
    for _ in 1..e.line() {
        match slice[line_start..].find('\n') {
            Some(n) => line_start += n + 1,
            None => break,
        }
    }
    (line_start + e.column().saturating_sub(1)).min(slice.len())
}

fn serde_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Drops repeated deliveries of the same event. Two records are the same event
/// when their `log_id`, `date` and `type` agree: whitespace or key order may
/// differ. Requiring the date and type too keeps records whose `log_id` is a
/// placeholder (Sentinel's sample writes `"LOG_ID"` in every record) from being
/// collapsed into one.
fn dedup_and_sort(out: &mut Ingest) {
    let keep: Vec<bool> = {
        let mut seen: HashSet<(&str, Option<i64>, &str)> = HashSet::with_capacity(out.events.len());
        out.events
            .iter()
            .map(|e| match e.log_id.as_deref() {
                Some(id) if !id.is_empty() => seen.insert((id, e.time, e.type_code.as_str())),
                _ => true,
            })
            .collect()
    };
    let before = out.events.len();
    let mut it = keep.iter();
    out.events.retain(|_| *it.next().unwrap_or(&true));
    out.duplicates = before - out.events.len();
    // Execution objects: one per id (the same object may be fetched twice).
    let mut ids: HashSet<String> = HashSet::with_capacity(out.executions.len());
    let before = out.executions.len();
    out.executions.retain(|x| x.id.is_empty() || ids.insert(x.id.clone()));
    out.duplicates += before - out.executions.len();
    // Stable: equal times keep input order; events without a time go last.
    out.events.sort_by_key(|e| (e.time.is_none(), e.time.unwrap_or(0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Ingest {
        ingest(vec![("t.json".to_string(), text.as_bytes().to_vec())])
    }

    const E1: &str = r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z"}"#;
    const E2: &str = r#"{"log_id":"2","type":"f","date":"2024-01-15T10:30:00.000Z","description":"resource_exhausted"}"#;

    #[test]
    fn reads_a_json_array_and_sorts_by_time() {
        let r = run(&format!("[{E1},\n{E2}]"));
        assert_eq!(r.sources[0].shape, Shape::JsonArray);
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.events[0].log_id.as_deref(), Some("2"));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn reads_ndjson_of_log_stream_objects() {
        let text = format!("{{\"log_id\":\"1\",\"data\":{E1}}}\n{{\"log_id\":\"2\",\"data\":{E2}}}\n");
        let r = run(&text);
        assert_eq!(r.sources[0].shape, Shape::Lines);
        assert_eq!(r.events.len(), 2);
        assert!(r.events.iter().all(|e| e.envelope == Envelope::LogStream));
        assert_eq!(r.sources[0].envelopes, [0, 2, 0, 0]);
    }

    #[test]
    fn reads_the_paged_object_and_keeps_its_frame() {
        let text = format!("{{\"start\":0,\"limit\":100,\"length\":2,\"total\":2,\"logs\":[{E1},{E2}]}}");
        let r = run(&text);
        assert_eq!(r.sources[0].shape, Shape::Paged);
        assert_eq!(r.events.len(), 2);
        let f = &r.sources[0].frame;
        assert_eq!(f.prefix, b"{\"start\":0,\"limit\":100,\"length\":2,\"total\":2,\"logs\":[");
        assert_eq!(f.suffix, b"]}\n");
    }

    #[test]
    fn reads_a_single_event() {
        let r = run(E2);
        assert_eq!(r.sources[0].shape, Shape::Single);
        assert_eq!(r.events.len(), 1);
        assert!(r.events[0].is_resource_exhausted());
    }

    #[test]
    fn one_bad_line_does_not_stop_ndjson() {
        let text = format!("{E1}\n{{\"type\":\"s\",\"date\":\"2024-01-15T10:3\n{E2}\n");
        let r = run(&text);
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.sources[0].records, 3);
        assert_eq!(r.problems.len(), 1);
        let p = &r.problems[0];
        assert_eq!((p.line, p.record), (2, Some(2)));
        assert_eq!(p.column, 36, "{p:?}"); // the end of line 2, where the string should have closed
        assert!(p.message.contains("not closed"), "{}", p.message);
    }

    #[test]
    fn a_record_cut_off_at_the_end_is_reported_and_the_rest_kept() {
        let text = format!("[{E1},\n{E2},\n{{\"type\":\"s\",\"date\":");
        let r = run(&text);
        assert_eq!(r.events.len(), 2);
        let err: Vec<_> = r.problems.iter().filter(|p| p.severity == Severity::Error).collect();
        assert_eq!(err.len(), 1, "{:?}", r.problems);
        assert_eq!(err[0].record, Some(3));
        assert_eq!(err[0].line, 3);
        assert!(err[0].message.contains("cut off"), "{}", err[0].message);
    }

    #[test]
    fn an_invalid_value_inside_a_record_is_located_exactly() {
        // Line 2, column 31 is the `x` of the bare word.
        let text = format!("[{E1},\n{{\"type\":\"s\",\"date\":\"2024\",\"n\":x}}]");
        let r = run(&text);
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        let p = &r.problems[0];
        assert_eq!((p.line, p.column, p.record), (2, 31, Some(2)), "{p:?}");
        assert_eq!(p.excerpt.chars().nth(p.caret), Some('x'));
    }

    #[test]
    fn trailing_comma_in_the_array_is_a_warning_not_a_loss() {
        let r = run(&format!("[{E1},{E2},]"));
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].severity, Severity::Warning);
    }

    #[test]
    fn duplicates_by_log_id_are_dropped_across_inputs() {
        let spaced = E1.replace(",", " ,\n  ");
        let r = ingest(vec![
            ("a.json".into(), format!("[{E1},{E2}]").into_bytes()),
            ("b.ndjson".into(), format!("{spaced}\n").into_bytes()),
        ]);
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.duplicates, 1);
    }

    #[test]
    fn placeholder_log_ids_on_different_events_are_not_duplicates() {
        let a = r#"{"log_id":"LOG_ID","type":"seccft","date":"2022-04-18T12:27:37.775Z"}"#;
        let b = r#"{"log_id":"LOG_ID","type":"seccft","date":"2022-04-18T12:27:38.001Z"}"#;
        let r = run(&format!("[{a},{b}]"));
        assert_eq!((r.events.len(), r.duplicates), (2, 0));
    }

    #[test]
    fn gzip_is_detected_by_content() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(format!("{E1}\n{E2}\n").as_bytes()).unwrap();
        let r = ingest(vec![("logs.txt".into(), enc.finish().unwrap())]);
        assert!(r.sources[0].gzip);
        assert_eq!(r.events.len(), 2);
    }

    #[test]
    fn text_that_is_not_json_is_reported() {
        let r = run("hello world\nthis is not json\n");
        assert_eq!(r.sources[0].shape, Shape::NotJson);
        assert_eq!(r.events.len(), 0);
        assert_eq!(r.problems.len(), 1);
        assert_eq!((r.problems[0].line, r.problems[0].column), (1, 1));
    }

    #[test]
    fn an_object_that_is_not_an_event_is_a_warning() {
        let r = run(r#"{"hello":"world"}"#);
        assert_eq!(r.events.len(), 0);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].severity, Severity::Warning);
    }

    #[test]
    fn eventbridge_and_elastic_envelopes_are_unwrapped() {
        let eb = format!("{{\"version\":\"0\",\"detail-type\":\"Auth0 log\",\"detail\":{{\"log_id\":\"9\",\"data\":{E1}}}}}");
        let el = format!("{{\"events\":[{{\"json\":{{\"log_id\":\"7\",\"data\":{E2}}}}}]}}");
        let r = ingest(vec![("eb.json".into(), eb.into_bytes()), ("el.json".into(), el.into_bytes())]);
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.sources[0].envelopes, [0, 0, 1, 0]);
        assert_eq!(r.sources[1].shape, Shape::ElasticEvents);
        assert_eq!(r.sources[1].envelopes, [0, 0, 0, 1]);
    }

    #[test]
    fn action_execution_objects_are_read_alongside_events() {
        let x = r#"{"id":"x1","trigger_id":"post-login","status":"final","results":[{"action_name":"a","started_at":"2024-01-15T10:30:00.000Z","ended_at":"2024-01-15T10:30:00.250Z"}]}"#;
        let r = ingest(vec![
            ("logs.json".into(), format!("[{E1},{E2}]").into_bytes()),
            ("executions.json".into(), format!("[{x},{x}]").into_bytes()),
        ]);
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.executions.len(), 1);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.sources[1].executions, 2);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn excerpt_shortens_long_lines_around_the_column() {
        let line: String = std::iter::repeat('a').take(300).collect();
        let (s, caret) = excerpt(&line, 200);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(caret, 51);
        assert_eq!(s.chars().count(), 102);
    }
}
