//! Reading dropped and picked files in a Web Worker (`www/worker.js`), off the main thread.
//!
//! Two halves, both in this one wasm module (the worker loads the same `inflight.js`):
//!
//! * **Worker side**: [`WorkerIngest`] wraps [`IngestStream`]. `worker.js` reads each `File`
//!   in 4 MiB slices, pushes them in, posts progress (at most ~10×/s), and at the end calls
//!   [`WorkerIngest::finish`], which returns the whole [`Ingest`] *except the texts* in a
//!   compact binary form ([`encode`]), and [`WorkerIngest::take_text`] per input. All of it
//!   goes back to the page as transferable `ArrayBuffer`s (no copy on the way).
//! * **Page side**: [`read_files`] hands the files to the worker, drives the `<progress>`
//!   bar and the Cancel button, and rebuilds the `Ingest` from the buffers **without parsing
//!   anything again**: the texts are copied into wasm memory 16 MiB per task (UTF-8 checked as
//!   they arrive), the events are decoded 20 000 per task, then the analysis and the page
//!   render run as separate tasks, so no main-thread task holds the page for long.
//!
//! The worker is started with the page (so its three files are fetched while the page loads,
//! not after) and reused. After a large load, and on Cancel, it is terminated, which gives
//! its memory back to the system, and a fresh one is started (its files are fetched again
//! from the page's own origin; nothing else is requested).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::ingest::{Frame, Ingest, IngestStream, Problem, Severity, Shape, SourceInfo, MAX_INPUT_BYTES};
use crate::model::{ActionExecution, ActionResult, Envelope, Event, Stats};
use crate::session::Session;

// =======================================================================================
// Worker side

/// Incremental ingest for `www/worker.js`.
#[wasm_bindgen]
pub struct WorkerIngest {
    stream: Option<IngestStream>,
    ingest: Option<Ingest>,
}

#[wasm_bindgen]
impl WorkerIngest {
    /// `limit`: largest input accepted, in bytes (0: [`MAX_INPUT_BYTES`]).
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64) -> WorkerIngest {
        let limit = if limit >= 1.0 { (limit as usize).min(MAX_INPUT_BYTES) } else { MAX_INPUT_BYTES };
        WorkerIngest { stream: Some(IngestStream::with_limit(limit)), ingest: None }
    }

    /// Starts the next input; `size` is the file's size (inputs over the limit are refused here).
    pub fn begin(&mut self, name: &str, size: f64) {
        if let Some(s) = self.stream.as_mut() {
            s.begin(name, Some(size as usize));
        }
    }

    /// Adds the next slice of the current input.
    pub fn push(&mut self, chunk: &[u8]) {
        if let Some(s) = self.stream.as_mut() {
            s.push(chunk);
        }
    }

    /// `[input index, bytes read of it, records found in it, events read so far]`.
    pub fn progress(&self) -> Vec<f64> {
        match &self.stream {
            Some(s) => {
                let p = s.progress();
                vec![f64::from(p.source), p.bytes_read as f64, f64::from(p.records), p.events as f64]
            }
            None => Vec::new(),
        }
    }

    /// Ends the last input, de-duplicates and sorts; returns everything but the texts, encoded.
    pub fn finish(&mut self) -> Vec<u8> {
        let Some(stream) = self.stream.take() else { return Vec::new() };
        let ingest = stream.finish();
        let bytes = encode(&ingest);
        self.ingest = Some(ingest);
        bytes
    }

    pub fn source_count(&self) -> u32 {
        self.ingest.as_ref().map_or(0, |i| i.sources.len() as u32)
    }

    /// The decoded text of input `i`, moved out (its memory is freed here).
    pub fn take_text(&mut self, i: u32) -> Vec<u8> {
        self.ingest
            .as_mut()
            .and_then(|ing| ing.sources.get_mut(i as usize))
            .map(|s| std::mem::take(&mut s.text).into_bytes())
            .unwrap_or_default()
    }
}

/// Largest input the page reads, in bytes.
#[wasm_bindgen]
pub fn max_input_bytes() -> f64 {
    MAX_INPUT_BYTES as f64
}

// =======================================================================================
// Wire format: everything in an `Ingest` but the texts. Little-endian, lengths as u32 or
// u64. Structs are destructured exhaustively, so a new field is a compile error here, not
// a silent loss.

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

type Res<T> = Result<T, String>;

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

/// Everything in `ing` except the source texts.
pub fn encode(ing: &Ingest) -> Vec<u8> {
    let Ingest { sources, events, problems, duplicates, executions } = ing;
    let mut w = W(Vec::with_capacity(64 + events.len() * 160));
    w.u32(sources.len() as u32);
    for s in sources {
        let SourceInfo { name, text: _, gzip, bytes, shape, records, events, executions, envelopes, notes, frame } = s;
        w.str(name);
        w.u8(*gzip as u8);
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
        let ActionExecution { source, record, id, trigger_id, status, created_at, updated_at, results } = x;
        w.u32(*source);
        w.u32(*record);
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
    // Events last, so the page can decode them in batches.
    w.u32(events.len() as u32);
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

/// Decodes what [`encode`] wrote, up to the events: the `Ingest` (sources without their
/// texts, no events yet), the event count, and where the events start.
fn decode_head(b: &[u8]) -> Res<(Ingest, usize, usize)> {
    let mut r = R { b, p: 0 };
    let n = r.u32()? as usize;
    let mut sources = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let gzip = r.bool()?;
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
        executions.push(ActionExecution { source, record, id, trigger_id, status, created_at, updated_at, results });
    }
    let events = r.u32()? as usize;
    let ingest = Ingest { sources, events: Vec::with_capacity(events), problems, duplicates, executions };
    Ok((ingest, events, r.p))
}

/// Decodes up to `max` events from offset `*pos`, appending them to `out`.
fn decode_events(b: &[u8], pos: &mut usize, max: usize, out: &mut Vec<Event>) -> Res<()> {
    let mut r = R { b, p: *pos };
    for _ in 0..max {
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
    *pos = r.p;
    Ok(())
}

// =======================================================================================
// Page side

/// Inputs larger than this (together) are read by a worker that is replaced afterwards, so
/// that its grown memory goes back to the system.
const RECYCLE_BYTES: f64 = 32.0 * 1024.0 * 1024.0;
/// Text copied into wasm memory per task, and events decoded per task.
const TEXT_STEP: u32 = 16 << 20;
const EVENT_STEP: usize = 20_000;

struct Client {
    worker: Worker,
    ready: bool,
    /// The job in flight (0: none). Messages of other jobs are ignored.
    job: u32,
    next_job: u32,
    /// Files waiting for the worker to be ready.
    queued: Option<Vec<File>>,
    total: f64,
    inputs: usize,
    started: f64,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// The largest input accepted: [`MAX_INPUT_BYTES`], or less with `?max-input=N` in the URL
/// (for tests of the too-large path; it can only lower the limit).
fn input_limit() -> f64 {
    let max = MAX_INPUT_BYTES as f64;
    let search = super::window().location().search().unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|p| p.get("max-input"))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|&v| v >= 1.0)
        .map_or(max, |v| v.min(max))
}

/// Starts the worker with the page; `data-ready` is set on `<body>` once it has loaded
/// (or at once when workers are unavailable), so that its files are fetched during load.
pub(super) fn start() {
    if spawn().is_err() {
        mark_ready();
    }
}

fn mark_ready() {
    let _ = super::body().set_attribute("data-ready", "1");
}

fn spawn() -> Result<(), JsValue> {
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    // Relative to the page, so a sub-path deployment works.
    let worker = Worker::new_with_options("./worker.js", &opts)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| {
        let text = e
            .dyn_ref::<web_sys::ErrorEvent>()
            .map(|e| e.message())
            .unwrap_or_else(|| "the worker failed to start".to_string());
        worker_failed(&text);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    CLIENT.with(|c| {
        let next_job = c.borrow().as_ref().map_or(1, |old| old.next_job);
        *c.borrow_mut() = Some(Client {
            worker,
            ready: false,
            job: 0,
            next_job,
            queued: None,
            total: 0.0,
            inputs: 0,
            started: 0.0,
            _on_message: on_message,
            _on_error: on_error,
        });
    });
    Ok(())
}

/// Ends the current worker (if any) and starts a fresh one.
fn respawn() {
    CLIENT.with(|c| {
        if let Some(old) = c.borrow_mut().as_mut() {
            old.worker.terminate();
            old.worker.set_onmessage(None);
            old.worker.set_onerror(None);
            old.job = 0;
        }
    });
    // Keep the old closures alive until the next turn: a message may already be queued.
    let old = CLIENT.with(|c| c.borrow_mut().take());
    later(move || drop(old));
    if spawn().is_err() {
        CLIENT.with(|c| *c.borrow_mut() = None);
    }
}

/// The worker could not load or crashed: fall back to reading on the main thread.
fn worker_failed(text: &str) {
    web_sys::console::warn_1(&format!("Inflight worker: {text}; reading on the main thread instead").into());
    let queued = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let client = c.take()?;
        client.worker.terminate();
        let busy = client.job != 0;
        // Leak the closures: the worker is dead, they will not be called again.
        std::mem::forget(client._on_message);
        std::mem::forget(client._on_error);
        if busy {
            super::set_status("");
            super::show_error(&format!("Reading the files failed: {text}"));
            hide_progress();
        }
        client.queued
    });
    mark_ready();
    if let Some(files) = queued {
        super::read_files(files);
    }
}

/// Reads `files` in the worker. Returns false when there is no worker (the caller then
/// reads them on the main thread).
pub(super) fn read_files(files: &[File]) -> bool {
    let available = CLIENT.with(|c| c.borrow().is_some());
    if !available {
        return false;
    }
    let total: f64 = files.iter().map(|f| f.size()).sum();
    let limit = input_limit();
    if total > limit {
        super::set_status("");
        super::show_error(&format!(
            "Too large for the browser: these {} hold {} together, and Inflight reads at most {} in a browser tab. \
             Nothing was read. Split the export into smaller files (for example by date range), or use the \
             command line (`inflight analyze`), which has no such limit.",
            super::plural(files.len(), "file", "files"),
            super::fmt_bytes(total as usize),
            super::fmt_bytes(limit as usize),
        ));
        hide_progress();
        return true;
    }
    // Cancel whatever was running.
    let busy = CLIENT.with(|c| c.borrow().as_ref().is_some_and(|c| c.job != 0));
    if busy {
        respawn();
    }
    super::hide_error();
    CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let Some(client) = c.as_mut() else { return };
        client.total = total;
        client.inputs = files.len();
        client.started = super::now_ms();
        if client.ready {
            post_job(client, files.to_vec());
        } else {
            client.queued = Some(files.to_vec());
        }
    });
    show_progress(0.0, total, 0.0, 0.0, "Reading");
    // Not "Ready" (or the last load's "Done") while a read is under way.
    super::set_status(&format!("Reading {}…", super::plural(files.len(), "file", "files")));
    true
}

fn post_job(client: &mut Client, files: Vec<File>) {
    let job = client.next_job;
    client.next_job += 1;
    client.job = job;
    let msg = js_sys::Object::new();
    let list = js_sys::Array::new();
    for f in &files {
        list.push(f);
    }
    set(&msg, "type", &"job".into());
    set(&msg, "job", &job.into());
    set(&msg, "files", &list);
    set(&msg, "limit", &input_limit().into());
    if let Err(e) = client.worker.post_message(&msg) {
        client.job = 0;
        super::show_error(&format!("Could not start reading: {}", super::js_error_text(&e)));
    }
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &k.into(), v);
}

fn get(o: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED)
}

fn get_f64(o: &JsValue, k: &str) -> f64 {
    get(o, k).as_f64().unwrap_or(0.0)
}

/// Cancel button: the worker is terminated at once (and a fresh one started).
pub(super) fn cancel() {
    let busy = CLIENT.with(|c| c.borrow().as_ref().is_some_and(|c| c.job != 0));
    if !busy {
        return;
    }
    respawn();
    hide_progress();
    super::set_status("Cancelled: nothing was loaded, and what was read has been discarded.");
}

fn on_message(e: MessageEvent) {
    let data = e.data();
    let kind = get(&data, "type").as_string().unwrap_or_default();
    if kind == "ready" {
        let queued = CLIENT.with(|c| {
            let mut c = c.borrow_mut();
            let client = c.as_mut()?;
            client.ready = true;
            let files = client.queued.take()?;
            post_job(client, files.clone());
            Some(())
        });
        let _ = queued;
        mark_ready();
        return;
    }
    if kind == "failed" {
        worker_failed(&get(&data, "message").as_string().unwrap_or_default());
        return;
    }
    let job = get_f64(&data, "job") as u32;
    let current = CLIENT.with(|c| c.borrow().as_ref().map_or(0, |c| c.job));
    if job == 0 || job != current {
        return; // a cancelled job
    }
    match kind.as_str() {
        "progress" => {
            let total = CLIENT.with(|c| c.borrow().as_ref().map_or(0.0, |c| c.total));
            show_progress(get_f64(&data, "read"), total, get_f64(&data, "records"), get_f64(&data, "events"), "Reading");
        }
        "error" => {
            CLIENT.with(|c| {
                if let Some(c) = c.borrow_mut().as_mut() {
                    c.job = 0;
                }
            });
            hide_progress();
            super::set_status("");
            super::show_error(&format!(
                "Reading the files failed: {}",
                get(&data, "message").as_string().unwrap_or_default()
            ));
        }
        "done" => done(&data),
        _ => {}
    }
}

/// Shows the progress bar: `read` of `total` bytes, records and events found so far.
fn show_progress(read: f64, total: f64, records: f64, events: f64, verb: &str) {
    let bar = super::by_id("progress");
    let _ = bar.set_attribute("max", &total.max(1.0).to_string());
    let _ = bar.set_attribute("value", &read.min(total).to_string());
    let pct = if total > 0.0 { (read / total * 100.0).floor() } else { 0.0 };
    super::set_text(
        "progress-text",
        &format!(
            "{verb} {} of {} ({pct}%) · {} records found · {} events",
            super::fmt_bytes(read as usize),
            super::fmt_bytes(total as usize),
            super::fmt_int(records as usize),
            super::fmt_int(events as usize),
        ),
    );
    super::set_hidden(&super::by_id("progress-box"), false);
    let _ = super::body().set_attribute("data-reading", "1");
}

fn hide_progress() {
    super::set_hidden(&super::by_id("progress-box"), true);
    let _ = super::body().remove_attribute("data-reading");
}

/// Runs `f` in a later task, so the page can paint and handle input in between.
fn later(f: impl FnOnce() + 'static) {
    let cb = Closure::once_into_js(f);
    let _ = super::window().set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
}

/// The rebuild of a finished job on the main thread, one bounded step per task.
struct Rebuild {
    job: u32,
    meta: Vec<u8>,
    texts: Vec<js_sys::Uint8Array>,
    /// Text being copied: which one, the bytes so far, how many are known to be UTF-8.
    text_i: usize,
    buf: Vec<u8>,
    checked: usize,
    done_texts: Vec<String>,
    ingest: Option<Ingest>,
    events_total: usize,
    pos: usize,
    read_ms: f64,
    bytes: usize,
    inputs: usize,
    started: f64,
}

fn done(data: &JsValue) {
    let job = get_f64(data, "job") as u32;
    let meta = js_sys::Uint8Array::new(&get(data, "meta")).to_vec();
    let texts: Vec<js_sys::Uint8Array> =
        js_sys::Array::from(&get(data, "texts")).iter().map(|t| js_sys::Uint8Array::new(&t)).collect();
    let (total, inputs, started) =
        CLIENT.with(|c| c.borrow().as_ref().map_or((0.0, 0, 0.0), |c| (c.total, c.inputs, c.started)));
    if total > RECYCLE_BYTES {
        // Give the worker's memory back; its replacement is ready for the next drop.
        // The job stays current so the steps below can tell a cancel from this.
        respawn();
        CLIENT.with(|c| {
            if let Some(c) = c.borrow_mut().as_mut() {
                c.job = job;
                c.next_job = c.next_job.max(job + 1);
            }
        });
    }
    let events = get_f64(data, "events");
    // For tests/browser/bench-ingest.mjs: the worker's peak wasm memory and its times.
    let body = super::body();
    let _ = body.set_attribute("data-worker-memory", &get_f64(data, "wasmBytes").to_string());
    let _ = body.set_attribute("data-worker-ms", &format!("{:.1}/{:.1}", get_f64(data, "readMs"), get_f64(data, "ms")));
    show_progress(0.0, total, get_f64(data, "records"), events, "Loading into the page:");
    let r = Rebuild {
        job,
        meta,
        texts,
        text_i: 0,
        buf: Vec::new(),
        checked: 0,
        done_texts: Vec::new(),
        ingest: None,
        events_total: 0,
        pos: 0,
        read_ms: get_f64(data, "ms"),
        bytes: total as usize,
        inputs,
        started,
    };
    let state = Rc::new(RefCell::new(r));
    later(move || step(state));
}

fn current_job() -> u32 {
    CLIENT.with(|c| c.borrow().as_ref().map_or(0, |c| c.job))
}

fn step(state: Rc<RefCell<Rebuild>>) {
    let finished = {
        let mut r = state.borrow_mut();
        if r.job != current_job() {
            return; // cancelled, or replaced by a newer drop
        }
        match advance(&mut r) {
            Ok(finished) => finished,
            Err(e) => {
                drop(r);
                CLIENT.with(|c| {
                    if let Some(c) = c.borrow_mut().as_mut() {
                        c.job = 0;
                    }
                });
                hide_progress();
                super::show_error(&format!("Loading the result into the page failed: {e}"));
                return;
            }
        }
    };
    if !finished {
        later(move || step(state));
        return;
    }
    let Ok(r) = Rc::try_unwrap(state).map(RefCell::into_inner) else { return };
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            c.job = 0;
        }
    });
    let Some(ingest) = r.ingest else { return };
    let too_large: Vec<String> =
        ingest.sources.iter().filter(|s| s.shape == Shape::TooLarge).map(|s| s.name.clone()).collect();
    let (bytes, inputs, read_ms, started) = (r.bytes, r.inputs, r.read_ms, r.started);
    // The analysis in its own task, then the page in another.
    later(move || {
        let session = Session::from_ingest(ingest, super::read_limit());
        later(move || {
            hide_progress();
            super::show_session(session, inputs, bytes, read_ms);
            let total_ms = super::now_ms() - started;
            let note = super::by_id("timing").text_content().unwrap_or_default();
            super::set_text(
                "timing",
                &format!("{note} Read in a background worker; {} ms from drop to chart.", super::fmt_ms(total_ms)),
            );
            if !too_large.is_empty() {
                super::show_error(&format!(
                    "Too large for the browser: {} could not be read here (see the problem list). \
                     Split the export into smaller files, or use the command line (`inflight analyze`).",
                    too_large.join(", ")
                ));
            }
        });
    });
}

/// One bounded step; true when the `Ingest` is complete.
fn advance(r: &mut Rebuild) -> Res<bool> {
    // 1. Texts, TEXT_STEP bytes per task.
    if r.text_i < r.texts.len() {
        let src = &r.texts[r.text_i];
        let len = src.length() as usize;
        if r.buf.capacity() < len {
            r.buf.reserve_exact(len - r.buf.len());
        }
        let from = r.buf.len();
        let to = (from + TEXT_STEP as usize).min(len);
        r.buf.resize(to, 0);
        src.subarray(from as u32, to as u32).copy_to(&mut r.buf[from..to]);
        match std::str::from_utf8(&r.buf[r.checked..to]) {
            Ok(_) => r.checked = to,
            // A character split by the step boundary: checked with the next step.
            Err(e) if e.error_len().is_none() && to < len => r.checked += e.valid_up_to(),
            Err(_) => return Err("the worker returned text that is not UTF-8".into()),
        }
        if to == len {
            let bytes = std::mem::take(&mut r.buf);
            // SAFETY: every byte of `bytes` was checked to be UTF-8 above (`checked == len`).
            let text = unsafe { String::from_utf8_unchecked(bytes) };
            r.done_texts.push(text);
            r.checked = 0;
            r.text_i += 1;
        }
        return Ok(false);
    }
    // 2. Everything but the events.
    if r.ingest.is_none() {
        let (mut ing, n, pos) = decode_head(&r.meta)?;
        for (s, t) in ing.sources.iter_mut().zip(r.done_texts.drain(..)) {
            s.text = t;
        }
        r.events_total = n;
        r.pos = pos;
        r.ingest = Some(ing);
    }
    // 3. Events, EVENT_STEP per task.
    let ing = r.ingest.as_mut().expect("decoded head");
    let left = r.events_total - ing.events.len();
    decode_events(&r.meta, &mut r.pos, left.min(EVENT_STEP), &mut ing.events)?;
    if ing.events.len() < r.events_total {
        return Ok(false);
    }
    r.meta = Vec::new();
    Ok(true)
}
