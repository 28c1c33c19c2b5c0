//! Ingest: bytes in, typed events and positioned problems out.
//!
//! Every input (a dropped file, a paste) goes through the same steps, and all of
//! them run incrementally: [`IngestStream`] takes the input in chunks of any size
//! (a Web Worker feeds it as the file is read), and [`ingest`] is a thin wrapper
//! that pushes each whole input at once. Both give exactly the same result.
//!
//! 1. **Decode.** gzip is recognised by its magic bytes and inflated as it arrives;
//!    UTF-8 is checked chunk by chunk (invalid bytes become U+FFFD and one warning);
//!    a BOM becomes spaces. The decoded text is kept once ([`SourceInfo::text`]):
//!    event spans index into it for export. An input over the size limit is
//!    refused before anything is copied.
//! 2. **Split.** A resumable splitter walks the text once. The first non-blank
//!    character decides the container: `[` an array (records are its elements),
//!    `{` an object (the Management API page `{start, limit, length, total, logs}`
//!    and Elastic's `{"events": [...]}` contribute their array's elements; any
//!    other object is one record, and several make JSON lines), anything else a
//!    CSV/TSV header row or not JSON at all. [`jsonscan`] finds each record's
//!    extent; when a record runs past the bytes received so far, the splitter waits
//!    for the next chunk. After a damaged record the splitter resynchronises at
//!    the next place a record plausibly starts (a line that starts with `{` no
//!    deeper than the damaged record's, or, on the same line, a whole record like it
//!    that is not a value), so a record cut off, missing a brace or closed too early is
//!    one reported record and never takes the good records after it along; that
//!    search runs only after a failure. A CSV row whose quote is not closed at the
//!    end of its line, when the next line is a whole row, is reported alone.
//! 3. **Parse.** Each record is parsed as soon as it is complete by serde_json into
//!    [`model::RawEvent`], borrowing from the text, with lenient field types, and
//!    unwrapped from its envelope ([`crate::vendor`]). A record whose only fault is
//!    a trailing comma is read again without it (with a warning).
//! 4. **Collect.** Records that cannot be read become [`Problem`]s with input name,
//!    record number, line, column and an excerpt with a caret; the rest of the
//!    input is still read. Events are de-duplicated by `log_id` across all inputs
//!    (log streams deliver at least once) and sorted by time.
//!
//! [`model::RawEvent`]: crate::model::RawEvent

use crate::jsonscan::{self, LineIndex, ScanError, ScanErrorKind};
use crate::model::{ActionExecution, Envelope, Event, RawEvent, RawExecution};
use crate::vendor::{self, CsvHeader, RowScan, Unwrapped};
use serde::Serialize;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::io::Write;
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
    /// Comma- (or semicolon-) separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// No JSON value could be found.
    NotJson,
    /// Larger than the limit: nothing was read.
    TooLarge,
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
            Shape::Csv => "CSV with a header row",
            Shape::Tsv => "TSV (tab-separated) with a header row",
            Shape::NotJson => "not JSON",
            Shape::TooLarge => "too large to read here",
        }
    }
}

/// How serious a problem is: errors lose a record, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// original text up to and including the `[` of the records array; for CSV/TSV,
    /// the header row and its line break).
    pub prefix: Vec<u8>,
    pub separator: Vec<u8>,
    pub suffix: Vec<u8>,
}

/// What ingest learned about one input.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub name: String,
    /// The decoded text (gzip inflated, BOM blanked). Event spans index into it.
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
    /// How the events were wrapped: a count per [`Envelope`], indexed by
    /// [`Envelope::index`].
    pub envelopes: [u32; Envelope::ALL.len()],
    /// Why this shape was chosen and why others were not, one short line each
    /// ("JSON array: the input starts with `[`", "not CSV/TSV: …").
    pub notes: Vec<String>,
    #[serde(skip)]
    pub frame: Frame,
    /// The text is the input's bytes exactly (not gzip, valid UTF-8, no BOM, not
    /// refused), so a caller that still has the input need not copy the text back.
    #[serde(skip)]
    pub verbatim: bool,
}

impl SourceInfo {
    fn new(name: String) -> Self {
        SourceInfo {
            name,
            text: String::new(),
            gzip: false,
            bytes: 0,
            shape: Shape::Empty,
            records: 0,
            events: 0,
            executions: 0,
            envelopes: [0; Envelope::ALL.len()],
            notes: Vec::new(),
            frame: Frame::default(),
            verbatim: false,
        }
    }

    /// A one-line human description: "JSON array of 7 records (log-stream {log_id, data})".
    pub fn shape_text(&self) -> String {
        let mut wrappers: Vec<String> = Envelope::ALL
            .iter()
            .zip(self.envelopes)
            .filter(|(e, n)| *n > 0 && **e != Envelope::CsvRow)
            .map(|(e, n)| if self.events == n { e.describe().to_string() } else { format!("{n} {}", e.describe()) })
            .collect();
        if self.executions > 0 {
            wrappers.push(crate::session::count_noun(self.executions as usize, "Action execution object", "Action execution objects"));
        }
        let mut s = String::new();
        if self.gzip {
            s.push_str("gzip, ");
        }
        s.push_str(self.shape.describe());
        if !matches!(self.shape, Shape::Empty | Shape::NotJson | Shape::TooLarge) {
            s.push_str(&format!(" of {}", crate::session::count_noun(self.records as usize, "record", "records")));
        }
        if !wrappers.is_empty() {
            s.push_str(&format!(" ({})", wrappers.join(", ")));
        }
        if self.records > 0 && self.events == 0 && self.executions == 0 {
            s.push_str(": no Auth0 log events in it (see Problems)");
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
/// reported in [`Ingest::problems`]. Each input's bytes become its text without a
/// copy when they are plain UTF-8.
pub fn ingest(inputs: Vec<(String, Vec<u8>)>) -> Ingest {
    let mut stream = IngestStream::new();
    for (name, bytes) in inputs {
        stream.begin(name, Some(bytes.len()));
        stream.push_owned(bytes);
    }
    stream.finish()
}

/// How far an [`IngestStream`] has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress {
    /// Index of the input being read.
    pub source: u32,
    /// Bytes of this input pushed so far (compressed bytes for gzip).
    pub bytes_read: usize,
    /// Decoded text held so far.
    pub text_bytes: usize,
    /// Records found so far in this input (read or not).
    pub records: u32,
    /// Events read so far, all inputs together (before de-duplication).
    pub events: usize,
}

/// Incremental ingest, for a Web Worker reading a file in slices:
///
/// ```
/// use inflight::ingest::IngestStream;
/// let mut s = IngestStream::new();
/// s.begin("logs.ndjson", None);
/// s.push(br#"{"type":"s","date":"2024-01-15T10:30:00Z"}"#);
/// let p = s.push(b"\n{\"type\":\"f\",\"date\":\"2024-01-15T10:30:01Z\"}\n");
/// assert_eq!(p.records, 2);
/// let ingest = s.finish();
/// assert_eq!(ingest.events.len(), 2);
/// ```
///
/// Records are split and parsed as soon as they are complete, so events arrive
/// while the input is still being read; the decoded text is the only copy kept.
/// Any chunking gives exactly the result of [`ingest`] on the whole input.
pub struct IngestStream {
    out: Ingest,
    current: Option<Reader>,
    limit: usize,
}

impl Default for IngestStream {
    fn default() -> Self {
        Self::new()
    }
}

impl IngestStream {
    pub fn new() -> Self {
        Self::with_limit(MAX_INPUT_BYTES)
    }

    /// A stream that refuses inputs larger than `limit` bytes (decoded).
    pub fn with_limit(limit: usize) -> Self {
        IngestStream { out: Ingest::default(), current: None, limit }
    }

    /// Starts the next input (ending the current one). `size` is its size when
    /// known (a `File`'s size): the text buffer is reserved once, and an input
    /// over the limit is refused here, before any byte is copied.
    pub fn begin(&mut self, name: impl Into<String>, size: Option<usize>) {
        self.end();
        let index = self.out.sources.len() as u32;
        let mut reader = Reader::new(index, name.into());
        if let Some(n) = size {
            if n > self.limit {
                reader.refuse(n, self.limit, true);
            } else {
                reader.text.reserve_exact(n);
            }
        }
        self.current = Some(reader);
    }

    /// Adds the next slice of the current input (starting one named "input" if
    /// none was begun).
    pub fn push(&mut self, chunk: &[u8]) -> Progress {
        let limit = self.limit;
        let (reader, out) = self.parts();
        reader.push(chunk, limit, out);
        self.progress()
    }

    /// Like [`push`](Self::push), for a whole buffer the caller no longer needs:
    /// when it is the first slice of a plain UTF-8 input it becomes the text as is.
    pub fn push_owned(&mut self, bytes: Vec<u8>) -> Progress {
        let limit = self.limit;
        let (reader, out) = self.parts();
        if reader.pushed == 0 && reader.text.is_empty() && !reader.refused && !bytes.starts_with(&[0x1f]) && bytes.len() <= limit {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    reader.pushed = text.len();
                    reader.gzip = Some(false);
                    reader.text = text;
                    reader.after_append(out);
                }
                Err(e) => reader.push(e.as_bytes(), limit, out),
            }
        } else {
            reader.push(&bytes, limit, out);
        }
        self.progress()
    }

    /// Where reading stands.
    pub fn progress(&self) -> Progress {
        match &self.current {
            Some(r) => Progress {
                source: r.index,
                bytes_read: r.pushed,
                text_bytes: r.text.len(),
                records: r.split.records,
                events: self.out.events.len(),
            },
            None => Progress { source: self.out.sources.len() as u32, events: self.out.events.len(), ..Progress::default() },
        }
    }

    /// Ends the current input: reads what is left (a last line without a line
    /// break, a record cut off at the end) and resolves its problems' positions.
    pub fn end(&mut self) {
        if let Some(reader) = self.current.take() {
            reader.finish(&mut self.out);
        }
    }

    /// Ends the last input, de-duplicates and sorts.
    pub fn finish(mut self) -> Ingest {
        self.end();
        dedup_and_sort(&mut self.out);
        self.out
    }

    /// The current reader (starting one named "input" if none was begun) and the
    /// collected output.
    fn parts(&mut self) -> (&mut Reader, &mut Ingest) {
        let index = self.out.sources.len() as u32;
        let reader = self.current.get_or_insert_with(|| Reader::new(index, "input".to_string()));
        (reader, &mut self.out)
    }
}

/// One input being read.
struct Reader {
    index: u32,
    info: SourceInfo,
    text: String,
    /// Bytes pushed (compressed for gzip).
    pushed: usize,
    /// Whether the input is gzip; `None` until its first two bytes are known.
    gzip: Option<bool>,
    /// The first byte, held until the second tells whether this is gzip.
    head: Vec<u8>,
    inflater: Option<flate2::write::MultiGzDecoder<Vec<u8>>>,
    inflate_failed: bool,
    /// An incomplete UTF-8 sequence at the end of the last slice (≤ 3 bytes).
    utf8_tail: Vec<u8>,
    utf8_warned: bool,
    bom_checked: bool,
    bom_blanked: bool,
    refused: bool,
    split: Splitter,
    problems: ProblemSink,
}

impl Reader {
    fn new(index: u32, name: String) -> Self {
        Reader {
            index,
            info: SourceInfo::new(name),
            text: String::new(),
            pushed: 0,
            gzip: None,
            head: Vec::new(),
            inflater: None,
            inflate_failed: false,
            utf8_tail: Vec::new(),
            utf8_warned: false,
            bom_checked: false,
            bom_blanked: false,
            refused: false,
            split: Splitter::default(),
            problems: ProblemSink::new(index),
        }
    }

    /// Refuses the input as too large: nothing of it is kept.
    fn refuse(&mut self, size: usize, limit: usize, known: bool) {
        if self.refused {
            return;
        }
        self.refused = true;
        let what = if self.gzip == Some(true) { "inflates to" } else { "is" };
        let size_text = if known { format!("{what} {}", mib(size)) } else { format!("{what} more than {}", mib(limit)) };
        self.problems.push(
            None,
            0,
            format!(
                "input too large: it {size_text}, and this page reads at most {} per file. Nothing was read from it. \
                 Split the export into smaller files (for example by date range) and drop them together.",
                mib(limit)
            ),
            Severity::Error,
        );
        self.text = String::new();
        self.inflater = None;
    }

    fn push(&mut self, chunk: &[u8], limit: usize, out: &mut Ingest) {
        self.pushed += chunk.len();
        if self.refused || chunk.is_empty() {
            return;
        }
        let chunk: std::borrow::Cow<[u8]> = if self.gzip.is_none() {
            let mut head = std::mem::take(&mut self.head);
            head.extend_from_slice(chunk);
            if head.len() < 2 {
                self.head = head;
                return;
            }
            let gz = head.starts_with(&[0x1f, 0x8b]);
            self.gzip = Some(gz);
            if gz {
                self.inflater = Some(flate2::write::MultiGzDecoder::new(Vec::new()));
            }
            head.into()
        } else {
            chunk.into()
        };
        if self.gzip == Some(true) {
            self.inflate(&chunk, limit, out);
        } else {
            if self.text.len() + chunk.len() > limit {
                self.refuse(self.pushed, limit, false);
                return;
            }
            self.append(&chunk);
            self.after_append(out);
        }
    }

    fn inflate(&mut self, chunk: &[u8], limit: usize, out: &mut Ingest) {
        // Feed in slices so the inflated buffer never grows far past the limit.
        for piece in chunk.chunks(64 * 1024) {
            if self.inflate_failed {
                break;
            }
            let Some(inflater) = self.inflater.as_mut() else { return };
            let result = inflater.write_all(piece).and_then(|_| inflater.flush());
            let inflated = std::mem::take(inflater.get_mut());
            if self.text.len() + inflated.len() > limit {
                self.refuse(0, limit, false);
                return;
            }
            self.append(&inflated);
            if let Err(e) = result {
                self.inflate_failed = true;
                let at = self.text.len();
                self.problems.push(
                    None,
                    at,
                    format!("gzip data is damaged after {at} bytes of output ({e}); reading what was recovered"),
                    Severity::Error,
                );
            }
        }
        self.after_append(out);
    }

    /// Appends decoded UTF-8 to the text, carrying an incomplete character over to
    /// the next slice and replacing invalid bytes with U+FFFD.
    /// Writes U+FFFD for an invalid UTF-8 sequence, warning once per input.
    fn replace_invalid_utf8(&mut self) {
        if !self.utf8_warned {
            self.utf8_warned = true;
            self.problems.push(
                None,
                self.text.len(),
                "input is not valid UTF-8; invalid bytes were replaced with U+FFFD".to_string(),
                Severity::Warning,
            );
        }
        self.text.push('\u{fffd}');
    }

    fn append(&mut self, bytes: &[u8]) {
        let joined;
        let mut rest: &[u8] = if self.utf8_tail.is_empty() {
            bytes
        } else {
            let mut j = std::mem::take(&mut self.utf8_tail);
            j.extend_from_slice(bytes);
            joined = j;
            &joined
        };
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.text.push_str(s);
                    break;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    // SAFETY-free: the prefix was just validated.
                    self.text.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                    match e.error_len() {
                        None => {
                            self.utf8_tail = rest[valid..].to_vec();
                            break;
                        }
                        Some(n) => {
                            self.replace_invalid_utf8();
                            rest = &rest[valid + n..];
                        }
                    }
                }
            }
        }
        if !self.bom_checked && !self.text.is_empty() {
            self.bom_checked = true;
            if self.text.starts_with('\u{feff}') {
                // Keep offsets simple: the BOM becomes spaces of the same byte length.
                self.text.replace_range(0..3, "   ");
                self.bom_blanked = true;
            }
        }
    }

    /// Splits and parses what the new text completed.
    fn after_append(&mut self, out: &mut Ingest) {
        if !self.bom_checked && !self.text.is_empty() {
            self.bom_checked = true;
            if self.text.starts_with('\u{feff}') {
                self.text.replace_range(0..3, "   ");
                self.bom_blanked = true;
            }
        }
        self.run(false, out);
    }

    fn run(&mut self, eof: bool, out: &mut Ingest) {
        // About 1.6 KB per event in real exports: grow the event list once, from the
        // input's size (the text's capacity is the size given to `begin`), rather
        // than by doubling (in wasm each doubling copies the list and briefly holds
        // both copies).
        let expected = self.text.capacity() / 1536;
        if self.split.records == 0 && out.events.capacity() - out.events.len() < expected {
            out.events.reserve(expected);
        }
        let mut sink = ReadSink { text: &self.text, index: self.index, info: &mut self.info, out };
        self.split.run(self.text.as_bytes(), eof, &mut self.problems, &mut sink);
    }

    fn finish(mut self, out: &mut Ingest) {
        if !self.refused {
            if !self.head.is_empty() {
                // A one-byte input: not gzip.
                let head = std::mem::take(&mut self.head);
                self.gzip = Some(false);
                self.append(&head);
            }
            if self.inflater.is_some() && !self.inflate_failed {
                if let Some(inflater) = self.inflater.take() {
                    match inflater.finish() {
                        Ok(rest) => self.append(&rest),
                        Err(e) => {
                            let at = self.text.len();
                            self.problems.push(
                                None,
                                at,
                                format!("gzip data is damaged after {at} bytes of output ({e}); reading what was recovered"),
                                Severity::Error,
                            );
                        }
                    }
                }
            }
            if !self.utf8_tail.is_empty() {
                // The input ends inside a character.
                self.utf8_tail.clear();
                self.replace_invalid_utf8();
            }
            self.run(true, out);
        }
        let mut info = self.info;
        info.gzip = self.gzip == Some(true);
        info.bytes = self.pushed;
        info.records = self.split.records;
        if self.refused {
            info.shape = Shape::TooLarge;
            info.notes.push("too large: refused before reading".to_string());
            info.records = 0;
            info.events = 0;
            info.executions = 0;
            info.envelopes = [0; Envelope::ALL.len()];
            out.events.retain(|e| e.source != self.index);
            out.executions.retain(|x| x.source != self.index);
        } else {
            let (shape, frame, notes) = self.split.conclude(self.text.as_bytes());
            if let Some(p) = self.split.leading_garbage.and_then(|i| self.problems.pending.get_mut(i)) {
                if self.split.records > 0 {
                    p.3 = Severity::Warning;
                    p.2 = format!("text before the first JSON value was skipped ({})", p.2);
                }
            }
            info.shape = shape;
            info.frame = frame;
            info.notes = notes;
        }
        out.problems.extend(self.problems.finish(self.text.as_bytes()));
        info.verbatim = !self.refused
            && self.gzip != Some(true)
            && !self.utf8_warned
            && !self.bom_blanked
            && self.text.len() == self.pushed;
        info.text = self.text;
        out.sources.push(info);
    }
}

fn mib(n: usize) -> String {
    let m = n as f64 / (1024.0 * 1024.0);
    if m >= 10.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
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
                let offset = offset.min(b.len());
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

// ---------------------------------------------------------------------------
// Splitting: a resumable state machine over the text received so far.
// ---------------------------------------------------------------------------

/// Where the splitter sends each record, as soon as it is found (so records are
/// read in input order, and the text is walked while it is in cache).
trait RecordSink {
    /// A record the splitter delimited (CSV rows are read through `csv`). Returns
    /// false when it could not be read (an error was reported), so the splitter can
    /// tell a damaged record from a good one.
    fn record(&mut self, problems: &mut ProblemSink, csv: Option<&CsvHeader>, record: u32, span: Range<usize>) -> bool;
    /// A JSON object record at `start` (a `{`), read straight from the text: serde
    /// finds where it ends while reading it, so the record is scanned once, not
    /// once by [`jsonscan::skip_value`] and again by serde. Returns its end; `None`
    /// when serde cannot read it there (nothing was recorded: the splitter then
    /// delimits it itself and calls [`record`](Self::record), which reports exactly
    /// what is wrong). When serde reads a value, `skip_value` would have found the
    /// same end: serde is the stricter of the two (it rejects every string, bracket
    /// and depth fault that `skip_value` rejects).
    fn object(&mut self, problems: &mut ProblemSink, record: u32, start: usize) -> Option<usize>;
}

/// The reader's sink: parses each record into the output.
struct ReadSink<'r> {
    text: &'r str,
    index: u32,
    info: &'r mut SourceInfo,
    out: &'r mut Ingest,
}

impl ReadSink<'_> {
    /// Adds a parsed record to the output; false when it was an error.
    fn deliver(&mut self, problems: &mut ProblemSink, record: u32, parsed: ParseResult) -> bool {
        match parsed {
            Ok((Parsed::Event(event), warnings)) => {
                self.info.events += 1;
                self.info.envelopes[event.envelope.index()] += 1;
                self.out.events.push(event);
                for (at, message) in warnings {
                    problems.push(Some(record), at, message, Severity::Warning);
                }
                true
            }
            Ok((Parsed::Execution(x), _)) => {
                self.info.executions += 1;
                self.out.executions.push(x);
                true
            }
            Err((offset, message, severity)) => {
                problems.push(Some(record), offset, message, severity);
                severity != Severity::Error
            }
        }
    }
}

impl RecordSink for ReadSink<'_> {
    fn record(&mut self, problems: &mut ProblemSink, csv: Option<&CsvHeader>, record: u32, span: Range<usize>) -> bool {
        let parsed = match csv {
            Some(header) => parse_csv_row(self.text, span, header, self.index, record),
            None => parse_record(self.text, span, self.index, record),
        };
        self.deliver(problems, record, parsed)
    }

    fn object(&mut self, problems: &mut ProblemSink, record: u32, start: usize) -> Option<usize> {
        let text: &str = self.text;
        // The common record, a plain event, is read without serde's visitors (into
        // the same `RawEvent`); anything else by a stream deserializer, which stops
        // right after the object's `}` and says where.
        let (raw, end) = match crate::fastread::read_event(text, start) {
            Some(fast) => (fast.raw, fast.end),
            None => {
                let mut de = serde_json::Deserializer::from_str(text.get(start..)?).into_iter::<RawEvent>();
                let raw = de.next()?.ok()?;
                (raw, start + de.byte_offset())
            }
        };
        let span = start..end;
        let parsed = match read_raw(raw, &text[span.clone()], span, self.index, record) {
            Ok(r) => Ok(r),
            Err(Failure::Other(at, message, severity)) => Err((at, message, severity)),
            // `read_raw` reports no JSON errors (the record was read).
            Err(Failure::Json(_)) => return None,
        };
        self.deliver(problems, record, parsed);
        Some(end)
    }
}

/// Where the splitter is.
#[derive(Debug, Clone, Default)]
enum Mode {
    /// Between top-level values.
    #[default]
    Top,
    /// Inside an array of records opened at `open`; `container` is the start of
    /// the enclosing `{…, "logs": [` object, if any.
    Array { open: usize, after_value: bool, first: bool, container: Option<usize> },
    /// After the records array of a container object, before its `}`.
    ContainerRest { array_end: usize },
    /// Rows of a CSV/TSV export.
    Csv,
    /// Nothing more is read (the container could not be closed).
    Stopped,
}

/// Kinds of top-level value seen, for naming the shape.
#[derive(Debug, Default, Clone)]
struct Seen {
    arrays: usize,
    objects: usize,
    paged: usize,
    elastic: usize,
    other: usize,
    /// The first non-blank character of the input.
    first: Option<u8>,
    excerpt: bool,
}

#[derive(Debug, Default)]
struct Splitter {
    pos: usize,
    mode: Mode,
    /// Looking for the next line that starts a record: (scan from, `[` allowed).
    resync: Option<(usize, bool)>,
    /// Looking for where the rest of a damaged record ends (see [`Seek`]).
    seek: Option<Seek>,
    /// The last record could not be read: (its start, its end). Text right after
    /// it that cannot start a record is taken as the rest of that record (its
    /// braces closed too early), not reported again.
    broken: Option<(usize, usize)>,
    /// Where the last object element of an array started (for [`Seek`], after text
    /// that follows it).
    element: Option<usize>,
    seen: Seen,
    records: u32,
    frame: Frame,
    csv: Option<CsvHeader>,
    notes: Vec<String>,
    /// Index (in the problem sink) of the report of text before the first JSON
    /// value; downgraded to a warning when records follow it (a heading printed
    /// before `auth0 logs list --json` output, for example).
    leading_garbage: Option<usize>,
}

/// What a step needs: more input, or nothing (it made progress or finished).
enum Step {
    Continue,
    NeedMore,
    Done,
}

/// A scan error caused only by the end of the bytes received so far.
fn runs_past_end(e: &ScanError, len: usize) -> bool {
    e.offset >= len && matches!(e.kind, ScanErrorKind::UnexpectedEnd | ScanErrorKind::UnterminatedString)
}

/// Where the next line that starts a record begins.
enum LineStart {
    Found(usize),
    /// Not in the bytes received so far; resume scanning here.
    NotYet(usize),
    Absent,
}

/// Where a damaged record most likely ends: the splitter scans on from `at` for
/// the next place a record starts again. Used only after a record failed, so the
/// happy path never pays for it.
///
/// Two kinds of place count. A line break followed by `{` indented no deeper than
/// the damaged record's own line (JSON lines, one element per line, pretty-printed
/// arrays: nested objects are indented deeper); with `any_line`, any such line
/// that does not close a bracket, so a line after a cut-off record that is no
/// record is judged (and reported) on its own. And, on the same line, a `{` that
/// is not a value (not after `:` or `[`) where a whole record like the damaged one
/// starts (see [`record_starts`]): this does not track strings or brackets, so a
/// damaged record that leaves a string open (cut off in the middle of one) or a
/// bracket unbalanced does not hide the records after it.
#[derive(Debug, Clone, Copy)]
struct Seek {
    /// Scan position.
    at: usize,
    /// Scan no further than this.
    limit: usize,
    /// The last byte before `at` that is not blank.
    last: u8,
    /// JSON lines: the rest of the line belongs to the damaged record, the next
    /// line is judged on its own.
    line_end: bool,
    /// Records a line each (see [`line_shape`]), at the top level: a later line no
    /// deeper than the damaged record that does not close a bracket ends it too,
    /// and is judged on its own. Only while the record is open outside a string
    /// (after a scan error, a line break in a string, the next line may well be the
    /// rest of it, and is skipped); not in arrays, where such a line would be read
    /// as an element.
    any_line: bool,
    /// The damaged record's start: later lines are compared with its line (see
    /// [`line_shape`], measured when first needed), and records with its first key.
    record: usize,
    lines: Option<(usize, bool)>,
}

enum Sought {
    /// A record starts here.
    Found(usize),
    /// Not decided by the bytes received so far; resume with this state.
    NotYet(Seek),
    /// Nowhere before the end of the input (or the limit).
    Absent,
}

impl Seek {
    fn new(b: &[u8], at: usize, line_end: bool, record: usize) -> Self {
        let last = b[..at.min(b.len())].iter().rev().find(|c| !c.is_ascii_whitespace()).copied().unwrap_or(0);
        Seek { at, limit: usize::MAX, last, line_end, any_line: false, record, lines: None }
    }

    /// Scans for the next record start. Prefix-stable: a position is only
    /// returned once the bytes that decide it have been received, so any chunking
    /// finds the same one.
    fn run(mut self, b: &[u8], eof: bool) -> Sought {
        let mut i = self.at;
        let end = b.len().min(self.limit);
        while i < end {
            let c = b[i];
            match c {
                b'\n' => {
                    if self.line_end {
                        return Sought::Found(i + 1);
                    }
                    let mut j = i + 1;
                    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
                        j += 1;
                    }
                    match b.get(j) {
                        None if eof => return Sought::Absent,
                        None if j < self.limit => {
                            self.at = i;
                            return Sought::NotYet(self);
                        }
                        Some(&first) if j < self.limit && first != b'\n' => {
                            // A line no deeper than the damaged record's: a record starts
                            // there, or (records a line each) the damaged one has ended.
                            let record = self.record;
                            let (indent, whole_lines) = *self.lines.get_or_insert_with(|| line_shape(b, record));
                            if j - (i + 1) <= indent && (first == b'{' || (self.any_line && whole_lines && !matches!(first, b'}' | b']' | b','))) {
                                return Sought::Found(j);
                            }
                        }
                        _ => {}
                    }
                }
                b'{' if !matches!(self.last, b':' | b'[') => {
                    match record_starts(b, i, self.record, eof) {
                        Some(Ok(())) => return Sought::Found(i),
                        None => {
                            self.at = i;
                            return Sought::NotYet(self);
                        }
                        // A whole object that is not a record: nothing in it starts one.
                        Some(Err(Some(end))) => {
                            self.last = b'}';
                            i = end;
                            continue;
                        }
                        Some(Err(None)) => {}
                    }
                }
                _ => {}
            }
            if !c.is_ascii_whitespace() {
                self.last = c;
            }
            i += 1;
        }
        if eof || i >= self.limit {
            Sought::Absent
        } else {
            self.at = i;
            Sought::NotYet(self)
        }
    }
}

/// Whether a whole record like the one at `record` starts at `b[c] == '{'`: it is
/// well-formed JSON, followed by `,`, `]`, `}`, `{`, a line break or the end, and
/// has the same first key as `record` (exports write every record's keys in the
/// same order; a nested object, such as an element of `details.prompts`, starts
/// with another key), or, when that is unknown, a top-level `log_id` or `date`. `None`: not
/// decided by the bytes received so far. `Err(Some(end))`: a well-formed object
/// that is not a record, ending at `end`.
fn record_starts(b: &[u8], c: usize, record: usize, eof: bool) -> Option<Result<(), Option<usize>>> {
    let key = first_key(b, record);
    let mut same_key = None;
    let mut known = false;
    let end = match jsonscan::walk(b, c, |path, _, _, _| {
        if let Some(jsonscan::Seg::Key(k)) = path.first() {
            if same_key.is_none() {
                same_key = Some(key.is_some_and(|key| key == k.as_bytes()));
            }
            known |= *k == "log_id" || *k == "date";
        }
    }) {
        Ok(end) => end,
        Err(e) if !eof && runs_past_end(&e, b.len()) => return None,
        Err(_) => return Some(Err(None)),
    };
    let like = match key {
        Some(_) => same_key == Some(true),
        None => known,
    };
    let next = jsonscan::skip_ws(b, end);
    let follows = match b.get(next) {
        None if !eof => return None,
        None | Some(b',' | b']' | b'}' | b'{') => true,
        Some(_) => b[end..next].contains(&b'\n'),
    };
    Some(if like && follows { Ok(()) } else { Err(Some(end)) })
}

/// The first key of the object at `i` (or of the `"key": value` pair there), when
/// it is whole (a string followed by `:`).
fn first_key(b: &[u8], i: usize) -> Option<&[u8]> {
    let k = if b.get(i) == Some(&b'{') { jsonscan::skip_ws(b, i + 1) } else { i };
    if b.get(k) != Some(&b'"') {
        return None;
    }
    let end = jsonscan::scan_string(b, k).ok()?;
    (b.get(jsonscan::skip_ws(b, end)) == Some(&b':')).then(|| &b[k + 1..end - 1])
}

/// The line that holds the record at `i`: its leading blanks (spaces, tabs), in
/// bytes; and whether the record starts there with `{` and more text follows on
/// that line (JSON lines, an array element per line: a later line no deeper than
/// it is never the rest of it), not a `{` alone (pretty-printed: its keys follow
/// on lines of their own, flush with it when printed without indentation).
fn line_shape(b: &[u8], i: usize) -> (usize, bool) {
    let start = b[..i].iter().rposition(|&c| c == b'\n').map_or(0, |n| n + 1);
    let indent = b[start..i].iter().take_while(|&&c| matches!(c, b' ' | b'\t')).count();
    let rest = b[i.min(b.len())..].iter().skip(1).take_while(|&&c| c != b'\n');
    let whole_lines = b.get(i) == Some(&b'{') && rest.into_iter().any(|c| !c.is_ascii_whitespace());
    (indent, whole_lines)
}

/// Whether the record at `i` is damaged and still open where another record
/// starts (its `}` is missing or it was cut off): where [`Seek`] finds one before
/// `lim`.
enum Unclosed {
    /// It is: the next record starts here.
    At(usize),
    /// Not decided by the bytes received so far.
    NeedMore,
    No,
}

/// `lim` is where the record's brackets close or where scanning it failed
/// (`b.len()` when it runs past the bytes received). With `any_line` (JSON lines),
/// a line that is no record also ends it (see [`Seek`]). Prefix-stable, like
/// [`Seek`].
fn unclosed(b: &[u8], i: usize, lim: usize, eof: bool, any_line: bool) -> Unclosed {
    // Is the record invalid at all? (A record serde refused can still be well-formed
    // JSON, with a duplicate key, say; and a valid record may hold a line that
    // starts with `{` when it is pretty-printed without indentation.)
    match jsonscan::walk(b, i, |_, _, _, _| {}) {
        Ok(_) => return Unclosed::No,
        Err(e) if !eof && runs_past_end(&e, b.len()) => return if lim >= b.len() { Unclosed::NeedMore } else { Unclosed::No },
        Err(_) => {}
    }
    let mut seek = Seek::new(b, i + 1, false, i);
    seek.limit = lim;
    seek.any_line = any_line;
    match seek.run(b, eof) {
        Sought::Found(r) => Unclosed::At(r),
        Sought::NotYet(_) => Unclosed::NeedMore,
        Sought::Absent => Unclosed::No,
    }
}

/// The end of the text before `r`, blanks left out.
fn trim_end(b: &[u8], from: usize, r: usize) -> usize {
    b[from..r].iter().rposition(|c| !c.is_ascii_whitespace()).map_or(from, |n| from + n + 1)
}

/// The next position at or after `from` that begins a line whose first non-blank
/// character is `{` (or `[` when `arrays`): where a record most likely starts again.
fn next_line_start(b: &[u8], from: usize, arrays: bool, eof: bool) -> LineStart {
    let mut i = from;
    while let Some(n) = b.get(i..).and_then(|rest| rest.iter().position(|&c| c == b'\n')) {
        let nl = i + n;
        let mut j = nl + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        match b.get(j) {
            None if !eof => return LineStart::NotYet(nl),
            None => return LineStart::Absent,
            Some(b'{') => return LineStart::Found(j),
            Some(b'[') if arrays => return LineStart::Found(j),
            Some(_) => i = j,
        }
    }
    if eof {
        LineStart::Absent
    } else {
        LineStart::NotYet(b.len().max(from))
    }
}

impl Splitter {
    /// Splits as far as the bytes allow; complete records go to `out` as
    /// (record number, span). With `eof`, whatever is left is judged as final.
    fn run<S: RecordSink>(&mut self, b: &[u8], eof: bool, problems: &mut ProblemSink, out: &mut S) {
        loop {
            if let Some((from, arrays)) = self.resync {
                match next_line_start(b, from, arrays, eof) {
                    LineStart::Found(p) => {
                        self.pos = p;
                        self.resync = None;
                    }
                    LineStart::NotYet(p) => {
                        self.resync = Some((p, arrays));
                        return;
                    }
                    LineStart::Absent => {
                        self.resync = None;
                        self.pos = b.len();
                        self.mode = Mode::Stopped;
                        return;
                    }
                }
            }
            if let Some(seek) = self.seek {
                match seek.run(b, eof) {
                    Sought::Found(p) => {
                        self.pos = p;
                        self.seek = None;
                    }
                    Sought::NotYet(s) => {
                        self.seek = Some(s);
                        return;
                    }
                    Sought::Absent => {
                        self.seek = None;
                        self.pos = b.len();
                        self.mode = Mode::Stopped;
                        return;
                    }
                }
            }
            let step = match self.mode {
                Mode::Top => self.top(b, eof, problems, out),
                Mode::Array { .. } => self.array(b, eof, problems, out),
                Mode::ContainerRest { array_end } => self.container_rest(b, array_end, eof, problems),
                Mode::Csv => self.csv_row(b, eof, problems, out),
                Mode::Stopped => Step::Done,
            };
            match step {
                Step::Continue => {}
                Step::NeedMore | Step::Done => return,
            }
        }
    }

    /// Records a delimited record; false when it could not be read.
    fn record<S: RecordSink>(&mut self, span: Range<usize>, problems: &mut ProblemSink, out: &mut S) -> bool {
        self.records += 1;
        out.record(problems, self.csv.as_ref(), self.records, span)
    }

    /// The object record at `b[i] == '{'`, which the one-pass read refused (it is
    /// damaged, or not all of it has arrived). When it is damaged and still open
    /// where the next record starts (its `}` missing, or cut off), it is reported
    /// as one record ending there and reading goes on from there: `Ok(None)`.
    /// Otherwise it is delimited with jsonscan and recorded: `Ok(Some(end))`; or
    /// the scan error (nothing recorded). `Err(None)`: more input is needed.
    fn damaged_object<S: RecordSink>(
        &mut self,
        b: &[u8],
        i: usize,
        eof: bool,
        problems: &mut ProblemSink,
        out: &mut S,
    ) -> Result<Option<usize>, Option<ScanError>> {
        let extent = jsonscan::skip_value(b, i);
        let lim = match &extent {
            Ok(end) => *end,
            Err(e) if !eof && runs_past_end(e, b.len()) => b.len(),
            Err(e) => e.offset,
        };
        match unclosed(b, i, lim, eof, matches!(self.mode, Mode::Top)) {
            Unclosed::NeedMore => return Err(None),
            Unclosed::At(next) => {
                self.cut_record(b, i, next, problems);
                self.broken = None;
                self.pos = next;
                return Ok(None);
            }
            Unclosed::No => {}
        }
        match extent {
            Err(e) if !eof && runs_past_end(&e, b.len()) => Err(None),
            Ok(end) => {
                let read = self.record(i..end, problems, out);
                self.broken = (!read).then_some((i, end));
                self.pos = end;
                Ok(Some(end))
            }
            Err(e) => Err(Some(e)),
        }
    }

    /// A record at `i` still open where the next one starts at `next`: counted, and
    /// reported once, at its first fault (or at its end when all it lacks is the end).
    fn cut_record(&mut self, b: &[u8], i: usize, next: usize, problems: &mut ProblemSink) {
        self.records += 1;
        let n = self.records;
        let end = trim_end(b, i, next);
        let text = std::str::from_utf8(&b[i..end]).unwrap_or("");
        let (at, message) = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) if !e.is_eof() => (i + serde_offset(text, &e), format!("record {n}: {}", serde_message(&e))),
            _ => (end, format!("record {n} is cut off: it ends here without its closing `}}`; what follows is read on its own")),
        };
        problems.push(Some(n), at, message, Severity::Error);
    }

    /// A `"key": value` pair where a record should start, after records: a record
    /// whose `{` is missing. Counted and reported; `None` while undecided.
    fn missing_brace(&mut self, b: &[u8], i: usize, eof: bool, problems: &mut ProblemSink) -> Option<bool> {
        let end = match jsonscan::scan_string(b, i) {
            Ok(end) => end,
            Err(e) if !eof && runs_past_end(&e, b.len()) => return None,
            Err(_) => return Some(false),
        };
        let k = end + b[end..].iter().take_while(|&&c| matches!(c, b' ' | b'\t')).count();
        match b.get(k) {
            Some(b':') => {}
            Some(_) => return Some(false),
            None => return if eof { Some(false) } else { None },
        }
        self.records += 1;
        let n = self.records;
        problems.push(
            Some(n),
            i,
            format!("record {n} does not start with `{{`: it begins with a `\"key\": value` pair (its opening brace is missing); skipped to the next record"),
            Severity::Error,
        );
        Some(true)
    }

    /// Reads the object record at `b[i] == '{'` in one pass when it is whole and
    /// valid; returns its end, or `None` (nothing recorded) to delimit it the slow way.
    fn object<S: RecordSink>(&mut self, i: usize, problems: &mut ProblemSink, out: &mut S) -> Option<usize> {
        if self.csv.is_some() {
            return None;
        }
        let end = out.object(problems, self.records + 1, i)?;
        self.records += 1;
        Some(end)
    }

    /// A record that could not be delimited: counted, never parsed.
    fn lost_record(&mut self, problems: &mut ProblemSink, e: &ScanError, b: &[u8]) {
        self.records += 1;
        report_scan_error(problems, self.records, e, b);
    }

    fn top<S: RecordSink>(&mut self, b: &[u8], eof: bool, problems: &mut ProblemSink, out: &mut S) -> Step {
        let i = jsonscan::skip_ws(b, self.pos);
        self.pos = i;
        let Some(&c) = b.get(i) else {
            return if eof { Step::Done } else { Step::NeedMore };
        };
        let first = self.seen.first.is_none();
        match c {
            b'[' => {
                self.seen.first.get_or_insert(c);
                self.seen.arrays += 1;
                self.mode = Mode::Array { open: i, after_value: false, first: true, container: None };
                self.pos = i + 1;
                Step::Continue
            }
            b'{' => match find_container(b, i) {
                Container::NeedMore if !eof => Step::NeedMore,
                Container::Found { key, array_start } => {
                    self.seen.first.get_or_insert(c);
                    if key == "logs" {
                        self.seen.paged += 1;
                    } else {
                        self.seen.elastic += 1;
                    }
                    self.frame.prefix = b[i..=array_start].to_vec();
                    self.mode = Mode::Array { open: array_start, after_value: false, first: true, container: Some(i) };
                    self.pos = array_start + 1;
                    Step::Continue
                }
                Container::NeedMore | Container::No => {
                    let read = match self.object(i, problems, out) {
                        Some(end) => {
                            self.broken = None;
                            self.pos = end;
                            Ok(())
                        }
                        None => self.damaged_object(b, i, eof, problems, out).map(|_| ()),
                    };
                    match read {
                        Err(None) => return Step::NeedMore,
                        Ok(()) => {}
                        Err(Some(e)) => {
                            // On to the next line that starts a record no deeper than this
                            // one (a pretty-printed record's nested objects are deeper).
                            self.lost_record(problems, &e, b);
                            self.seek = Some(Seek::new(b, e.offset.max(i + 1), false, i));
                        }
                    }
                    self.seen.first.get_or_insert(c);
                    self.seen.objects += 1;
                    Step::Continue
                }
            },
            _ if first => {
                // The first line decides between CSV/TSV, an abbreviated excerpt and
                // text that is not JSON.
                let nl = b[i..].iter().position(|&c| c == b'\n').map(|n| i + n);
                if nl.is_none() && !eof {
                    return Step::NeedMore;
                }
                self.seen.first = Some(c);
                let line_end = nl.unwrap_or(b.len());
                let line = String::from_utf8_lossy(&b[i..line_end]);
                let line = line.trim_end_matches('\r');
                if c == b'"' && looks_like_key_value(line) {
                    self.seen.excerpt = true;
                    self.seen.other += 1;
                    problems.push(
                        None,
                        i,
                        "this looks like an abbreviated excerpt of an event: it has \"key\": value lines but no \
                         enclosing { … }, so no record can be read from it. Paste whole records (the complete JSON \
                         of each event)."
                            .to_string(),
                        Severity::Error,
                    );
                    self.notes.push("not JSON: the first line is a `\"key\": value` pair outside any object".into());
                    self.resync = Some((i + 1, true));
                    return Step::Continue;
                }
                match vendor::detect_header(line) {
                    Ok(header) => {
                        self.notes.push(format!(
                            "{}: the first line has {} {}-separated column names, including type or date",
                            if header.delimiter == b'\t' { "TSV" } else { "CSV" },
                            header.columns.len(),
                            header.delimiter_name()
                        ));
                        let next = nl.map_or(b.len(), |n| n + 1);
                        self.frame.prefix = b[i..next].to_vec();
                        if nl.is_none() {
                            self.frame.prefix.push(b'\n');
                        }
                        self.csv = Some(header);
                        self.mode = Mode::Csv;
                        self.pos = next;
                        Step::Continue
                    }
                    Err(reason) => {
                        self.notes.push(format!("not JSON: the input starts with {}", show_byte(c)));
                        self.notes.push(reason);
                        self.leading_garbage = Some(problems.pending.len());
                        self.garbage(b, i, problems)
                    }
                }
            }
            _ => {
                if let Some((start, end)) = self.broken.take() {
                    if !b[end..i].contains(&b'\n') {
                        // Text right after a record that could not be read (its braces
                        // closed too early) is the rest of that record, not reported
                        // again: to the end of its line (JSON lines), or, for a record
                        // on several lines, to the next line that starts a record no
                        // deeper than it.
                        let one_line = !b[start..end].contains(&b'\n');
                        self.seek = Some(Seek::new(b, i, one_line, start));
                        return Step::Continue;
                    }
                }
                if c == b'"' && self.records > 0 {
                    match self.missing_brace(b, i, eof, problems) {
                        None => return Step::NeedMore,
                        Some(true) => {
                            self.seen.objects += 1;
                            self.seek = Some(Seek::new(b, i, false, i));
                            return Step::Continue;
                        }
                        Some(false) => {}
                    }
                }
                self.garbage(b, i, problems)
            }
        }
    }

    /// Text outside any JSON value: report it once and skip to the next line that
    /// starts with `{` or `[`.
    fn garbage(&mut self, b: &[u8], i: usize, problems: &mut ProblemSink) -> Step {
        self.seen.other += 1;
        problems.push(
            None,
            i,
            format!("{} where a JSON record should start; skipped to the next line that starts with `{{` or `[`", show_byte(b[i])),
            Severity::Error,
        );
        self.resync = Some((i + 1, true));
        Step::Continue
    }

    fn array<S: RecordSink>(&mut self, b: &[u8], eof: bool, problems: &mut ProblemSink, out: &mut S) -> Step {
        let Mode::Array { open, after_value, first, container } = self.mode else {
            return Step::Done;
        };
        let i = jsonscan::skip_ws(b, self.pos);
        self.pos = i;
        let Some(&c) = b.get(i) else {
            if !eof {
                return Step::NeedMore;
            }
            problems.push(
                (!after_value).then_some(self.records + 1),
                b.len(),
                format!("input ends inside the array opened at byte {open}: `]` is missing"),
                Severity::Warning,
            );
            self.mode = Mode::Stopped;
            return Step::Done;
        };
        let set = |after_value: bool, first: bool| Mode::Array { open, after_value, first, container };
        if !after_value {
            match c {
                b']' => {
                    if !first {
                        problems.push(None, i, "trailing comma before `]` (ignored)".into(), Severity::Warning);
                    }
                    return self.close_array(i, container);
                }
                b',' => {
                    problems.push(None, i, "extra comma between records".into(), Severity::Warning);
                    self.pos = i + 1;
                    self.mode = set(false, false);
                    return Step::Continue;
                }
                b'{' => {
                    self.element = Some(i);
                    if let Some(end) = self.object(i, problems, out) {
                        self.broken = None;
                        self.pos = end;
                        self.mode = set(true, false);
                        return Step::Continue;
                    }
                    return match self.damaged_object(b, i, eof, problems, out) {
                        Err(None) => Step::NeedMore,
                        // Cut off where the next element starts: read on from there.
                        Ok(None) => {
                            self.mode = set(false, false);
                            Step::Continue
                        }
                        Ok(Some(_)) => {
                            self.mode = set(true, false);
                            Step::Continue
                        }
                        Err(Some(e)) => {
                            self.lost_record(problems, &e, b);
                            self.mode = set(false, false);
                            self.seek_element(b, e.offset.max(i + 1), i);
                            Step::Continue
                        }
                    };
                }
                _ if self.broken.is_some() => {
                    // After a record that could not be read, a value that is not a
                    // record (`,"description":…` after a `"type":}` that closed the record
                    // too early) is the rest of that record.
                    let element = self.broken.map_or(i, |(start, _)| start);
                    self.mode = set(false, false);
                    self.seek_element(b, i, element);
                    return Step::Continue;
                }
                b'"' => match self.missing_brace(b, i, eof, problems) {
                    None => return Step::NeedMore,
                    Some(true) => {
                        // The next element is one like the last whole one (the pair may
                        // be the rest of a record closed early, not the first key of one).
                        let element = self.element.unwrap_or(i);
                        self.mode = set(false, false);
                        self.seek_element(b, i, element);
                        return Step::Continue;
                    }
                    Some(false) => {}
                },
                _ => {}
            }
            return match jsonscan::skip_value(b, i) {
                Err(e) if !eof && runs_past_end(&e, b.len()) => Step::NeedMore,
                Ok(end) if !eof && end == b.len() && !matches!(c, b'{' | b'[' | b'"') => Step::NeedMore,
                Ok(end) => {
                    let read = self.record(i..end, problems, out);
                    self.broken = (!read).then_some((i, end));
                    self.pos = end;
                    self.mode = set(true, false);
                    Step::Continue
                }
                Err(e) => {
                    self.lost_record(problems, &e, b);
                    self.mode = set(false, false);
                    self.seek_element(b, e.offset.max(i + 1), i);
                    Step::Continue
                }
            };
        }
        match c {
            b',' => {
                let after = jsonscan::skip_ws(b, i + 1);
                match b.get(after) {
                    None if !eof => Step::NeedMore,
                    Some(b']') => {
                        problems.push(None, i, "trailing comma before `]` (ignored)".into(), Severity::Warning);
                        self.close_array(after, container)
                    }
                    _ => {
                        self.pos = after;
                        self.mode = set(false, false);
                        Step::Continue
                    }
                }
            }
            b']' => self.close_array(i, container),
            b'{' | b'[' => {
                problems.push(None, i, "missing comma between records (read as if it were there)".into(), Severity::Warning);
                self.mode = set(false, false);
                Step::Continue
            }
            _ => {
                let element = self.broken.map_or(self.element.unwrap_or(i), |(start, _)| start);
                if self.broken.is_none() {
                    let number = self.records;
                    problems.push(
                        Some(number),
                        i,
                        format!("expected `,` or `]` after record {number}, found {}", show_byte(c)),
                        Severity::Error,
                    );
                }
                // Else the rest of a record that could not be read: not reported again.
                self.mode = set(false, false);
                self.seek_element(b, i, element);
                Step::Continue
            }
        }
    }

    /// Skips the rest of a damaged array element, from `at`, to the next element
    /// (see [`Seek`]); `element` is where the damaged one started.
    fn seek_element(&mut self, b: &[u8], at: usize, element: usize) {
        self.seek = Some(Seek::new(b, at, false, element));
        self.broken = None;
    }

    /// `b[i]` is the `]` closing the records array.
    fn close_array(&mut self, i: usize, container: Option<usize>) -> Step {
        self.pos = i + 1;
        self.mode = match container {
            Some(_) => Mode::ContainerRest { array_end: i + 1 },
            None => Mode::Top,
        };
        Step::Continue
    }

    /// The rest of a `{…, "logs": [ … ] …}` object after its records array.
    fn container_rest(&mut self, b: &[u8], array_end: usize, eof: bool, problems: &mut ProblemSink) -> Step {
        match scan_object_rest(b, array_end) {
            Err(e) if !eof && runs_past_end(&e, b.len()) => Step::NeedMore,
            Ok(end) => {
                self.frame.suffix = b"]".to_vec();
                self.frame.suffix.extend_from_slice(&b[array_end..end]);
                self.pos = end;
                self.mode = Mode::Top;
                Step::Continue
            }
            Err(e) => {
                problems.push(None, e.offset, format!("container object is not closed: {e}"), Severity::Error);
                self.frame.suffix = b"]}".to_vec();
                self.pos = b.len();
                self.mode = Mode::Stopped;
                Step::Done
            }
        }
    }

    fn csv_row<S: RecordSink>(&mut self, b: &[u8], eof: bool, problems: &mut ProblemSink, out: &mut S) -> Step {
        // Skip blank lines between rows.
        let mut i = self.pos;
        while i < b.len() && matches!(b[i], b'\n' | b'\r') {
            i += 1;
        }
        self.pos = i;
        if i >= b.len() {
            return if eof { Step::Done } else { Step::NeedMore };
        }
        let delimiter = self.csv.as_ref().map_or(b',', |h| h.delimiter);
        let row = vendor::parse_row(b, i, delimiter, eof);
        if let Ok(RowScan::Row { text_end, next, .. }) = row {
            if !b[i..text_end].contains(&b'\n') {
                self.record(i..text_end, problems, out);
                self.pos = next;
                return Step::Continue;
            }
        }
        // The row is not one whole line: not all of it has arrived, a quoted field
        // holds a line break, or a quote is never closed.
        let columns = self.csv.as_ref().map_or(0, |h| h.columns.len());
        let line_end = b[i..].iter().position(|&c| c == b'\n').map(|n| i + n);
        match unclosed_quote(b, i, line_end, delimiter, columns, eof) {
            None => return Step::NeedMore,
            Some(Some(quote)) => {
                // The next line is a row of its own: this row's quote is not closed.
                self.records += 1;
                let n = self.records;
                problems.push(
                    Some(n),
                    quote,
                    format!("record {n}: quoted field is not closed at the end of its line (the next line is a row of its own); the row was skipped"),
                    Severity::Error,
                );
                self.pos = line_end.map_or(b.len(), |e| e + 1);
                return Step::Continue;
            }
            Some(None) => {}
        }
        match row {
            Ok(RowScan::NeedMore) => Step::NeedMore,
            Ok(RowScan::Row { text_end, next, .. }) => {
                self.record(i..text_end, problems, out);
                self.pos = next;
                Step::Continue
            }
            Err((offset, message)) => {
                self.records += 1;
                problems.push(Some(self.records), offset, format!("record {}: {message}", self.records), Severity::Error);
                // The lines after the row's first one are read as rows again: each is
                // read or reported, none lost unnamed.
                match line_end {
                    Some(e) => {
                        self.pos = e + 1;
                        Step::Continue
                    }
                    None => {
                        self.pos = b.len();
                        self.mode = Mode::Stopped;
                        Step::Done
                    }
                }
            }
        }
    }

    /// The shape, the export frame and the notes, once the input has ended.
    fn conclude(&mut self, b: &[u8]) -> (Shape, Frame, Vec<String>) {
        let seen = &self.seen;
        let mut notes = std::mem::take(&mut self.notes);
        let kinds = (seen.arrays > 0) as usize + (seen.objects > 0) as usize + (seen.paged > 0) as usize + (seen.elastic > 0) as usize;
        let shape = if let Some(h) = &self.csv {
            if h.delimiter == b'\t' {
                Shape::Tsv
            } else {
                Shape::Csv
            }
        } else if self.records == 0 && seen.other > 0 {
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
        let why = match shape {
            Shape::JsonArray => Some("JSON array: the input is one `[ … ]`".to_string()),
            Shape::Lines => Some(format!("JSON lines: {} top-level values one after another", seen.arrays + seen.objects)),
            Shape::Paged => Some("Management API page: an object whose `logs` key holds the records".to_string()),
            Shape::ElasticEvents => Some("Elastic wrapper: an object whose `events` key holds the records".to_string()),
            Shape::Single => Some("single object: one top-level object".to_string()),
            Shape::Mixed => Some(format!(
                "mixed: {}, {}, {} at the top level",
                crate::session::count_noun(seen.arrays, "array", "arrays"),
                crate::session::count_noun(seen.objects, "object", "objects"),
                crate::session::count_noun(seen.paged + seen.elastic, "page", "pages")
            )),
            _ => None,
        };
        if let Some(why) = why {
            notes.insert(0, why);
            if let Some(c) = seen.first {
                notes.push(format!("not CSV/TSV: the input starts with {}, a JSON value", show_byte(c)));
            }
            if seen.objects > 0 && seen.paged + seen.elastic == 0 {
                notes.push("not a Management API page or Elastic wrapper: no top-level `logs` or `events` array".to_string());
            }
        }
        let frame = match shape {
            Shape::JsonArray => Frame { prefix: b"[\n".to_vec(), separator: b",\n".to_vec(), suffix: b"\n]\n".to_vec() },
            Shape::Paged | Shape::ElasticEvents => {
                let mut f = std::mem::take(&mut self.frame);
                if f.suffix.is_empty() {
                    f.suffix = b"]}".to_vec();
                }
                f.separator = b",\n".to_vec();
                f.suffix.push(b'\n');
                f
            }
            Shape::Csv | Shape::Tsv => {
                let prefix = std::mem::take(&mut self.frame.prefix);
                let crlf = prefix.ends_with(b"\r\n") || b.windows(2).take(1 << 16).any(|w| w == b"\r\n");
                let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
                Frame { prefix, separator: sep.to_vec(), suffix: sep.to_vec() }
            }
            _ => Frame { prefix: Vec::new(), separator: b"\n".to_vec(), suffix: b"\n".to_vec() },
        };
        (shape, frame, notes)
    }
}

/// A CSV row at `i` whose first line (ending at `line_end`) leaves a quoted field
/// open: when the next line is a whole row of its own (the header's column count,
/// quotes balanced, so not the rest of a field that holds a line break), the quote
/// was never meant to span lines: `Some(Some(quote))`. `Some(None)`: not so.
/// `None`: the lines that decide it have not all arrived.
fn unclosed_quote(b: &[u8], i: usize, line_end: Option<usize>, delimiter: u8, columns: usize, eof: bool) -> Option<Option<usize>> {
    let Some(end) = line_end else {
        return if eof { Some(None) } else { None };
    };
    let Some(quote) = open_quote(b, i, end, delimiter) else {
        return Some(None);
    };
    let start = end + 1;
    let next_end = match b[start..].iter().position(|&c| c == b'\n') {
        Some(n) => start + n,
        None if eof => b.len(),
        None => return None,
    };
    let line = &b[start..next_end];
    if line.iter().all(|c| c.is_ascii_whitespace()) || line.iter().filter(|&&c| c == b'"').count() % 2 == 1 {
        return Some(None);
    }
    match vendor::parse_row(&b[..next_end], start, delimiter, true) {
        Ok(RowScan::Row { fields, .. }) if fields.len() == columns && open_quote(b, start, next_end, delimiter).is_none() => Some(Some(quote)),
        _ => Some(None),
    }
}

/// The quote that opens a field of the row at `i` and is not closed before `end`
/// (the end of its first line), read as [`vendor::parse_row`] reads fields.
fn open_quote(b: &[u8], i: usize, end: usize, delimiter: u8) -> Option<usize> {
    let mut j = i;
    while j < end {
        if b[j] == b'"' {
            let open = j;
            j += 1;
            loop {
                match b[j..end].iter().position(|&c| c == b'"') {
                    None => return Some(open),
                    Some(n) if b.get(j + n + 1) == Some(&b'"') && j + n + 1 < end => j += n + 2,
                    Some(n) => {
                        j += n + 1;
                        break;
                    }
                }
            }
        }
        // The rest of the field.
        while j < end && b[j] != delimiter {
            j += 1;
        }
        j += 1;
    }
    None
}

/// `"key": value` with no enclosing braces (the seed article's excerpt).
fn looks_like_key_value(line: &str) -> bool {
    let b = line.as_bytes();
    match jsonscan::scan_string(b, 0) {
        Ok(end) => b.get(jsonscan::skip_ws(b, end)) == Some(&b':'),
        Err(_) => false,
    }
}

enum Container {
    Found { key: &'static str, array_start: usize },
    No,
    NeedMore,
}

/// If the object at `pos` is a container (`{start, limit, length, total, logs: [`
/// or `{"events": [`), returns where its records array starts. It gives up at the
/// first key that a container does not have, so an event is not scanned twice.
fn find_container(b: &[u8], pos: usize) -> Container {
    const META: [&[u8]; 4] = [b"start", b"limit", b"length", b"total"];
    let need = |i: usize| if i >= b.len() { Container::NeedMore } else { Container::No };
    let mut i = jsonscan::skip_ws(b, pos + 1);
    loop {
        if b.get(i) != Some(&b'"') {
            return need(i);
        }
        let kend = match jsonscan::scan_string(b, i) {
            Ok(k) => k,
            Err(e) => return need(e.offset),
        };
        let key = &b[i + 1..kend - 1];
        let container = key == b"logs" || key == b"events";
        if !container && !META.contains(&key) {
            return Container::No;
        }
        i = jsonscan::skip_ws(b, kend);
        if b.get(i) != Some(&b':') {
            return need(i);
        }
        i = jsonscan::skip_ws(b, i + 1);
        if container && b.get(i) == Some(&b'[') {
            let key = if key == b"logs" { "logs" } else { "events" };
            return Container::Found { key, array_start: i };
        }
        if i >= b.len() {
            return Container::NeedMore;
        }
        i = match jsonscan::skip_value(b, i) {
            Ok(end) if end >= b.len() => return Container::NeedMore,
            Ok(end) => jsonscan::skip_ws(b, end),
            Err(e) => return need(e.offset),
        };
        match b.get(i) {
            Some(b',') => i = jsonscan::skip_ws(b, i + 1),
            None => return Container::NeedMore,
            _ => return Container::No,
        }
    }
}

/// Scans `, "key": value … }` after a container's records array; returns the index
/// after the object's `}`.
fn scan_object_rest(b: &[u8], mut i: usize) -> Result<usize, ScanError> {
    let unexpected = |i: usize| ScanError {
        offset: i,
        kind: match b.get(i) {
            Some(&c) => ScanErrorKind::UnexpectedByte(c),
            None => ScanErrorKind::UnexpectedEnd,
        },
    };
    loop {
        i = jsonscan::skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => return Ok(i + 1),
            Some(b',') => {
                i = jsonscan::skip_ws(b, i + 1);
                if b.get(i) != Some(&b'"') {
                    return Err(unexpected(i));
                }
                i = jsonscan::skip_ws(b, jsonscan::scan_string(b, i)?);
                if b.get(i) != Some(&b':') {
                    return Err(unexpected(i));
                }
                i = jsonscan::skip_ws(b, i + 1);
                i = jsonscan::skip_value(b, i)?;
                if i >= b.len() {
                    return Err(unexpected(i));
                }
            }
            _ => return Err(unexpected(i)),
        }
    }
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

// ---------------------------------------------------------------------------
// Parsing one record.
// ---------------------------------------------------------------------------

/// What one record turned out to be (short-lived: moved out at once).
#[allow(clippy::large_enum_variant)]
enum Parsed {
    Event(Event),
    Execution(ActionExecution),
}

/// A record read, with warnings (offset in the input, message); or why it could
/// not be read (offset, message, severity).
type ParseResult = Result<(Parsed, Vec<(usize, String)>), (usize, String, Severity)>;

/// Parses one JSON record. A record whose only fault is one or more trailing
/// commas (`{"a":1,}`, common in hand-edited pastes) is read again with them
/// blanked out, and each comma is reported as a warning.
fn parse_record(text: &str, span: Range<usize>, source: u32, record: u32) -> ParseResult {
    let slice = &text[span.clone()];
    match parse_slice(slice, span.clone(), source, record) {
        Err(Failure::Json(e)) => {
            let commas = trailing_commas(slice.as_bytes());
            if !commas.is_empty() {
                let mut fixed = slice.as_bytes().to_vec();
                for &c in &commas {
                    fixed[c] = b' ';
                }
                if let Ok(fixed) = String::from_utf8(fixed) {
                    if let Ok((parsed, mut warnings)) = parse_slice(&fixed, span.clone(), source, record) {
                        let mut all: Vec<(usize, String)> = commas
                            .iter()
                            .map(|&c| (span.start + c, format!("record {record}: trailing comma (ignored)")))
                            .collect();
                        all.append(&mut warnings);
                        return Ok((parsed, all));
                    }
                }
            }
            if let Some(r) = read_without_huge_numbers(slice, &span, source, record, &e) {
                return Ok(r);
            }
            let mut at = serde_offset(slice, &e);
            if e.to_string().starts_with("trailing comma") {
                // serde points at the bracket after the comma; point at the comma.
                at = slice[..at].rfind(',').unwrap_or(at);
            }
            Err((span.start + at, format!("record {record}: {}", serde_message(&e)), Severity::Error))
        }
        Err(Failure::Other(at, message, severity)) => Err((at, message, severity)),
        Ok(r) => Ok(r),
    }
}

/// A record whose only fault is numbers beyond `f64` (`"elapsedTime":1e400`,
/// which serde_json refuses with "number out of range") is read again with each
/// such number blanked to `null` (padded to its length, so offsets hold), and each
/// one is reported as a warning naming its field: the record is kept, the field is
/// unreadable, as a wrong type would be.
fn read_without_huge_numbers(slice: &str, span: &Range<usize>, source: u32, record: u32, first: &serde_json::Error) -> Option<(Parsed, Vec<(usize, String)>)> {
    if !first.to_string().starts_with("number out of range") {
        return None;
    }
    let mut huge: Vec<(usize, usize, String)> = Vec::new();
    let b = slice.as_bytes();
    jsonscan::walk(b, jsonscan::skip_ws(b, 0), |path, scalar, start, end| {
        if matches!(scalar, jsonscan::Scalar::Number) {
            let text = &slice[start..end];
            if text.parse::<f64>().map_or(true, |n| !n.is_finite()) {
                let mut p = String::new();
                for seg in path {
                    match seg {
                        jsonscan::Seg::Key(k) => {
                            if !p.is_empty() {
                                p.push('.');
                            }
                            p.push_str(k);
                        }
                        jsonscan::Seg::Index(i) => p.push_str(&format!("[{i}]")),
                    }
                }
                huge.push((start, end, p));
            }
        }
    })
    .ok()?;
    if huge.is_empty() {
        return None;
    }
    let mut fixed = b.to_vec();
    for &(start, end, _) in &huge {
        if end - start < 4 {
            return None;
        }
        fixed[start..end].fill(b' ');
        fixed[start..start + 4].copy_from_slice(b"null");
    }
    let fixed = String::from_utf8(fixed).ok()?;
    let (parsed, mut warnings) = parse_slice(&fixed, span.clone(), source, record).ok()?;
    let mut all: Vec<(usize, String)> = huge
        .iter()
        .map(|(start, end, path)| {
            let field = if path.is_empty() { "the record".to_owned() } else { format!("`{path}`") };
            (
                span.start + start,
                format!("record {record}: number {} in {field} is out of range: the field is read as no value, the record is kept", show_value(&slice[*start..*end])),
            )
        })
        .collect();
    all.append(&mut warnings);
    Some((parsed, all))
}

enum Failure {
    Json(serde_json::Error),
    Other(usize, String, Severity),
}

fn parse_slice(slice: &str, span: Range<usize>, source: u32, record: u32) -> Result<(Parsed, Vec<(usize, String)>), Failure> {
    let raw: RawEvent = serde_json::from_str(slice).map_err(Failure::Json)?;
    read_raw(raw, slice, span, source, record)
}

/// The rest of [`parse_slice`], once serde has read the record (`slice` is its
/// text): unwraps the envelope and builds the event. Reports no JSON errors.
fn read_raw<'a>(raw: RawEvent<'a>, slice: &'a str, span: Range<usize>, source: u32, record: u32) -> Result<(Parsed, Vec<(usize, String)>), Failure> {
    let mut warnings = Vec::new();
    let (inner, envelope, outer_id) = match vendor::unwrap(raw) {
        Unwrapped::Event { event, envelope, outer_id } => (event, envelope, outer_id),
        Unwrapped::Embedded(raw_text) => {
            let key_at = span.start + slice.find("\"_raw\"").unwrap_or(0);
            let inner: RawEvent = serde_json::from_str(&raw_text).map_err(|e| {
                Failure::Other(
                    key_at,
                    format!("record {record}: `result._raw` does not hold a JSON event ({})", serde_message(&e)),
                    Severity::Error,
                )
            })?;
            let (event, outer_id) = match vendor::unwrap(inner) {
                Unwrapped::Event { event, outer_id, .. } if event.is_event() => (event, outer_id),
                _ => {
                    return Err(Failure::Other(
                        key_at,
                        format!("record {record}: `result._raw` holds JSON that is not an Auth0 event"),
                        Severity::Warning,
                    ))
                }
            };
            let date = event.date_text();
            let mut e = event.into_event(source, record, span.clone(), Envelope::SplunkRaw);
            if e.log_id.is_none() {
                e.log_id = outer_id;
            }
            warnings.extend(time_warning(&e, date, slice, span.start, record));
            return Ok((Parsed::Event(e), warnings));
        }
    };
    if inner.is_foreign() {
        let code = inner.type_code.0.as_deref().or(inner.type_s.0.as_deref()).unwrap_or_default();
        let schema = if slice.contains("\"$schema\"") { " (it looks like a JSON Schema)" } else { "" };
        return Err(Failure::Other(
            span.start,
            format!(
                "record {record} is not an Auth0 log event{schema}: its `type` {} is no Auth0 event type and it has no `date` or `log_id` (kept out of the analysis)",
                show_value(code)
            ),
            Severity::Warning,
        ));
    }
    if !inner.is_event() {
        if let Ok(x) = serde_json::from_str::<RawExecution>(slice) {
            if x.is_execution() {
                return Ok((Parsed::Execution(x.into_execution(source, record, span.clone())), warnings));
            }
        }
        if !inner.has_event_fields() {
            return Err(Failure::Other(
                span.start,
                format!("record {record} has neither `type` nor `date`: not an Auth0 log event (kept out of the timeline)"),
                Severity::Warning,
            ));
        }
        warnings.push((
            span.start,
            format!("record {record} has no `type` and no `date` (a partial export with `fields=`?): read, but it cannot be placed on the timeline"),
        ));
    }
    let dated = inner.is_event().then(|| inner.date_text());
    let mut event = inner.into_event(source, record, span.clone(), envelope);
    if event.log_id.is_none() {
        event.log_id = outer_id;
    }
    if let Some(date) = dated {
        warnings.extend(time_warning(&event, date, slice, span.start, record));
    }
    Ok((Parsed::Event(event), warnings))
}

/// A warning for an event whose time could not be read (missing, or not a date:
/// it is kept, in the table, but cannot be placed on the timeline or counted in a
/// breach window), or whose date is outside [`crate::model::PLAUSIBLE`] (2000–2099:
/// kept and placed as written). `date` is the key and text the record holds, if any;
/// the warning points at that value in `slice` (the record's text at `start`).
fn time_warning(event: &Event, date: Option<(&'static str, std::borrow::Cow<'_, str>)>, slice: &str, start: usize, record: u32) -> Option<(usize, String)> {
    let at = |key: &str| {
        let k = format!("\"{key}\"");
        slice.find(&k).map_or(start, |i| {
            let b = slice.as_bytes();
            let mut j = i + k.len();
            while j < b.len() && (b[j] == b':' || b[j].is_ascii_whitespace()) {
                j += 1;
            }
            start + j
        })
    };
    let what = if event.is_resource_exhausted() { "this resource_exhausted failure" } else { "the event" };
    match (event.time, date) {
        (None, None) => Some((
            start,
            format!("record {record} has no `date`: {what} is kept in the table but cannot be placed on the timeline"),
        )),
        (None, Some((key, text))) => Some((
            at(key),
            format!(
                "record {record}: `{key}` {} is not a readable time (ISO 8601, or epoch ms or seconds in 2000–2099): {what} is kept in the table but cannot be placed on the timeline",
                show_value(&text)
            ),
        )),
        (Some(t), Some((key, text))) if !crate::model::PLAUSIBLE.contains(&t) => Some((
            at(key),
            format!(
                "record {record}: `{key}` {} is outside 2000–2099: placed on the timeline as written, but check it",
                show_value(&text)
            ),
        )),
        _ => None,
    }
}

/// A short quoted form of a value for a message.
fn show_value(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        format!("\"{short}…\"")
    } else {
        format!("\"{short}\"")
    }
}

/// Offsets of the commas in `b` that are directly followed (after blanks) by `}`
/// or `]`, outside strings.
fn trailing_commas(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => match jsonscan::scan_string(b, i) {
                Ok(end) => {
                    i = end;
                    continue;
                }
                Err(_) => break,
            },
            b',' => {
                let j = jsonscan::skip_ws(b, i + 1);
                if matches!(b.get(j), Some(b'}') | Some(b']')) {
                    out.push(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// One CSV/TSV row, read through its header's column names.
fn parse_csv_row(text: &str, span: Range<usize>, header: &CsvHeader, source: u32, record: u32) -> ParseResult {
    let b = &text.as_bytes()[..span.end];
    let fields = match vendor::parse_row(b, span.start, header.delimiter, true) {
        Ok(RowScan::Row { fields, .. }) => fields,
        _ => return Err((span.start, format!("record {record}: the row cannot be read"), Severity::Error)),
    };
    let (raw, warning) = vendor::row_event(header, &fields);
    let mut warnings: Vec<(usize, String)> = warning.map(|w| (span.start, format!("record {record}: {w}"))).into_iter().collect();
    let (have, want) = (fields.len(), header.columns.len());
    if have != want {
        warnings.push((
            span.start,
            if have < want {
                format!(
                    "record {record}: the row has {} but the header has {want}: the missing ones are read as empty",
                    crate::session::count_noun(have, "column", "columns")
                )
            } else {
                format!(
                    "record {record}: the row has {} but the header has {want}: the extra ones are ignored",
                    crate::session::count_noun(have, "column", "columns")
                )
            },
        ));
    }
    if !raw.is_event() {
        if !raw.has_event_fields() {
            return Err((span.start, format!("record {record}: the row has no type and no date"), Severity::Warning));
        }
        warnings.push((span.start, format!("record {record}: the row has no type and no date: read, but it cannot be placed on the timeline")));
    }
    let dated = raw.is_event().then(|| raw.date_text());
    let start = span.start;
    let event = raw.into_event(source, record, span, Envelope::CsvRow);
    if let Some(date) = dated {
        // The row's text has no `"date"` key to point at: the warning points at the row.
        warnings.extend(time_warning(&event, date, "", start, record));
    }
    Ok((Parsed::Event(event), warnings))
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
    let s = match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    // serde names Inflight's own types ("expected struct RawEvent"): say what the
    // user's input should have held instead.
    match s.find("expected struct ") {
        Some(i) => {
            let rest = &s[i + "expected struct ".len()..];
            let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            format!("{}expected a JSON object (an Auth0 log event){}", &s[..i], &rest[name_end..])
        }
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
        let mut seen: HashSet<(&str, Option<i64>, &str), BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(out.events.len(), Default::default());
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
    sort_events(&mut out.events);
}

/// The Fx hash (rustc's): a multiply and a rotate per 8 bytes. Dedup hashes every
/// event's 56-byte `log_id`; SipHash cost ~4× more there. Its weakness to chosen
/// collisions does not matter here: the input is the user's own file, in their own
/// browser.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(tail));
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `events.sort_by_key(|e| (e.time.is_none(), e.time.unwrap_or(0)))`, without the
/// stable sort's scratch copy of half the events: exports are usually in time order
/// already (checked first); otherwise small (key, index) pairs are sorted and the
/// permutation applied in place.
fn sort_events(events: &mut [Event]) {
    let key = |e: &Event| (e.time.is_none(), e.time.unwrap_or(0));
    if events.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        return;
    }
    let mut order: Vec<(bool, i64, usize)> = events.iter().enumerate().map(|(i, e)| (key(e).0, key(e).1, i)).collect();
    // The index makes every key distinct, so an unstable sort gives the stable order.
    order.sort_unstable();
    // Position k receives the event now at `perm[k]`; follow each cycle with swaps.
    let mut perm: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
    for start in 0..perm.len() {
        if perm[start] == usize::MAX {
            continue;
        }
        let mut cur = start;
        loop {
            let next = perm[cur];
            perm[cur] = usize::MAX;
            if next == start {
                break;
            }
            events.swap(cur, next);
            cur = next;
        }
    }
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
        assert_eq!(r.sources[0].envelopes[Envelope::LogStream.index()], 2);
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
        assert_eq!(r.sources[0].envelopes[Envelope::EventBridge.index()], 1);
        assert_eq!(r.sources[1].shape, Shape::ElasticEvents);
        assert_eq!(r.sources[1].envelopes[Envelope::Elastic.index()], 1);
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
    fn sorting_events_is_stable_and_puts_untimed_last() {
        let ev = |n: u32, time: Option<i64>| {
            let mut e = ev_template();
            e.record = n;
            e.time = time;
            e
        };
        let times = [Some(5), None, Some(3), Some(5), Some(-1), None, Some(3), Some(9), Some(0), Some(5)];
        let mut events: Vec<Event> = times.iter().enumerate().map(|(i, &t)| ev(i as u32, t)).collect();
        let mut expected = events.clone();
        expected.sort_by_key(|e| (e.time.is_none(), e.time.unwrap_or(0)));
        sort_events(&mut events);
        assert_eq!(events, expected);
    }

    fn ev_template() -> Event {
        let r = run(E1);
        r.events.into_iter().next().unwrap()
    }

    #[test]
    fn excerpt_shortens_long_lines_around_the_column() {
        let line = "a".repeat(300);
        let (s, caret) = excerpt(&line, 200);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(caret, 51);
        assert_eq!(s.chars().count(), 102);
    }

    #[test]
    fn verbatim_says_when_the_text_is_the_input() {
        let line = b"{\"type\":\"s\",\"date\":\"2024-01-15T10:30:00Z\"}\n";
        let gz = {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(line).unwrap();
            enc.finish().unwrap()
        };
        let bom = [&b"\xef\xbb\xbf"[..], line].concat();
        let bad = [&line[..], b"\xff\n"].concat();
        let cut = [&line[..], b"\xe2\x82"].concat();
        for (bytes, want) in [(line.to_vec(), true), (gz, false), (bom, false), (bad, false), (cut, false), (Vec::new(), true)] {
            // One-shot and in 3-byte slices alike.
            let one = ingest(vec![("x".into(), bytes.clone())]);
            let mut s = IngestStream::new();
            s.begin("x", Some(bytes.len()));
            for c in bytes.chunks(3) {
                s.push(c);
            }
            let streamed = s.finish();
            for ing in [one, streamed] {
                assert_eq!(ing.sources[0].verbatim, want, "{bytes:?}");
                if want {
                    assert_eq!(ing.sources[0].text.as_bytes(), &bytes[..]);
                }
            }
        }
        let mut s = IngestStream::with_limit(10);
        s.begin("big", Some(line.len()));
        s.push(line);
        assert!(!s.finish().sources[0].verbatim, "refused");
    }
}
