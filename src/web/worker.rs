//! Reading dropped and picked files in a Web Worker (`www/worker.js`), off the main thread.
//!
//! Two halves, both in this one wasm module (the worker loads the same `inflight.js`):
//!
//! * **Worker side**: [`WorkerIngest`] wraps [`IngestStream`]. `worker.js` reads each `File`
//!   in 4 MiB slices, pushes them in, posts progress (at most ~10×/s), ends ingest, frees the
//!   texts, analyses ([`WorkerIngest::analyze`]) and sends the summary, the analysis and the
//!   attribution, the [`wire`] head and batches, and the texts, all as transferred buffers.
//! * **Page side**: [`read_files`] hands the files to the worker, drives the `<progress>`
//!   bar and the Cancel button, and rebuilds the session from the buffers **without parsing
//!   or analysing anything again**, in tasks of at most ~30 ms of steps: the chart first
//!   ([`Session::from_parts`], a session still *loading*), then the events and the texts
//!   ([`Session::complete`]). While loading, outputs that need the events are refused with
//!   `session::STILL_LOADING` and the redaction panel's count waits.
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

use serde::Serialize;

use crate::analyze::Analysis;
use crate::attribution::Attribution;
use crate::ingest::{Ingest, IngestStream, Shape, MAX_INPUT_BYTES};
use crate::model::Event;
use crate::session::{Session, Summary};
use crate::wire::{self, Res};

// =======================================================================================
// Worker side

/// Incremental ingest for `www/worker.js`, then the analysis, in the worker.
#[wasm_bindgen]
pub struct WorkerIngest {
    stream: Option<IngestStream>,
    ingest: Option<Ingest>,
    session: Option<Session>,
}

/// Events per batch, and analysis items per batch: the page decodes one batch per task.
const EVENT_BATCH: usize = 8192;
const ANALYSIS_BATCH: usize = 8192;

#[wasm_bindgen]
impl WorkerIngest {
    /// `limit`: largest input accepted, in bytes (0: [`MAX_INPUT_BYTES`]).
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64) -> WorkerIngest {
        let limit = if limit >= 1.0 { (limit as usize).min(MAX_INPUT_BYTES) } else { MAX_INPUT_BYTES };
        WorkerIngest { stream: Some(IngestStream::with_limit(limit)), ingest: None, session: None }
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

    /// Ends the last input, de-duplicates and sorts.
    pub fn finish(&mut self) {
        if let Some(stream) = self.stream.take() {
            self.ingest = Some(stream.finish());
        }
    }

    pub fn source_count(&self) -> u32 {
        self.ingest.as_ref().map_or(0, |i| i.sources.len() as u32)
    }

    /// The decoded text of input `i`, moved out (its memory is freed here, so the
    /// analysis reuses it).
    pub fn take_text(&mut self, i: u32) -> Vec<u8> {
        self.ingest
            .as_mut()
            .and_then(|ing| ing.sources.get_mut(i as usize))
            .map(|s| std::mem::take(&mut s.text).into_bytes())
            .unwrap_or_default()
    }

    /// True when input `i`'s text is its bytes exactly, so `worker.js` sends the page
    /// the slices it read instead of copying the text out ([`WorkerIngest::drop_text`]).
    pub fn text_is_input(&self, i: u32) -> bool {
        self.ingest.as_ref().and_then(|ing| ing.sources.get(i as usize)).is_some_and(|s| s.verbatim)
    }

    /// Frees input `i`'s text here (the page gets it another way).
    pub fn drop_text(&mut self, i: u32) {
        if let Some(s) = self.ingest.as_mut().and_then(|ing| ing.sources.get_mut(i as usize)) {
            s.text = String::new();
        }
    }

    /// Runs the analysis here, off the page's thread (`limit`: the user's concurrency
    /// limit, 0 for none). Returns `{summary, analysis, attribution}`: the summary
    /// without its problem rows, and the analysis without its big vectors
    /// ([`wire::analysis_without_vecs`]; [`WorkerIngest::analysis_batches`] has them),
    /// as plain values (64-bit integers as BigInt, so nothing is rounded).
    pub fn analyze(&mut self, limit: f64) -> Result<JsValue, JsValue> {
        let Some(ingest) = self.ingest.take() else { return Ok(JsValue::NULL) };
        let limit = (limit >= 1.0).then_some(limit.min(f64::from(u32::MAX)) as u32);
        let session = Session::from_ingest(ingest, limit);
        let mut summary = session.summary();
        summary.problems = Vec::new();
        let ser = serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
        let out = js_sys::Object::new();
        set(&out, "summary", &summary.serialize(&ser)?);
        set(&out, "analysis", &wire::analysis_without_vecs(&session.analysis).serialize(&ser)?);
        set(&out, "attribution", &session.attribution.serialize(&ser)?);
        // So the page reserves the big vectors exactly before the batches arrive.
        let counts = js_sys::Array::new();
        for n in wire::analysis_counts(&session.analysis) {
            counts.push(&n.into());
        }
        set(&out, "counts", &counts);
        self.session = Some(session);
        Ok(out.into())
    }

    /// Everything in the `Ingest` but its texts and events ([`wire::encode_head`]).
    pub fn head(&self) -> Vec<u8> {
        self.session.as_ref().map(|s| wire::encode_head(&s.ingest)).unwrap_or_default()
    }

    /// The events in batches ([`wire::encode_events`]); each is copied out as it is made.
    pub fn event_batches(&self) -> js_sys::Array {
        let out = js_sys::Array::new();
        if let Some(s) = &self.session {
            for batch in s.ingest.events.chunks(EVENT_BATCH) {
                out.push(&js_sys::Uint8Array::from(wire::encode_events(batch).as_slice()));
            }
        }
        out
    }

    /// The analysis' big vectors in batches ([`wire::encode_analysis`]).
    pub fn analysis_batches(&self) -> js_sys::Array {
        let out = js_sys::Array::new();
        if let Some(s) = &self.session {
            for b in wire::encode_analysis(&s.analysis, ANALYSIS_BATCH) {
                out.push(&js_sys::Uint8Array::from(b.as_slice()));
            }
        }
        out
    }
}

/// Largest input the page reads, in bytes.
#[wasm_bindgen]
pub fn max_input_bytes() -> f64 {
    MAX_INPUT_BYTES as f64
}

// =======================================================================================
// Page side

/// Inputs larger than this (together) are read by a worker that is replaced afterwards, so
/// that its grown memory goes back to the system.
const RECYCLE_BYTES: f64 = 32.0 * 1024.0 * 1024.0;
/// Text copied into wasm memory per step.
const TEXT_STEP: u32 = 16 << 20;

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
    set(&msg, "concurrency", &f64::from(super::read_limit().unwrap_or(0)).into());
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

/// Runs `f` in a task after the next rendering update (style, layout, paint).
fn after_render(f: impl FnOnce() + 'static) {
    let cb = Closure::once_into_js(move || later(f));
    let _ = super::window().request_animation_frame(cb.unchecked_ref());
}

/// Work per task on the page, in ms: steps run until this much time has passed.
const TASK_BUDGET_MS: f64 = 30.0;

/// Where the page stands with a finished job. The chart comes first: the summary and
/// the analysis, then the page is drawn (the session is installed "loading"); then
/// the events and the texts follow, for the table, the detail pane and the exports.
struct Rebuild {
    job: u32,
    parts: JsValue,
    head: js_sys::Uint8Array,
    analysis_batches: Vec<js_sys::Uint8Array>,
    event_batches: Vec<js_sys::Uint8Array>,
    /// Per input, its text in parts (the slices the worker read, or one copied-out text).
    texts: Vec<Vec<js_sys::Uint8Array>>,
    limit: Option<u32>,
    /// Decoded so far.
    ingest: Option<Ingest>,
    n_events: usize,
    /// What the events will be (from the head).
    pending: Option<crate::session::Pending>,
    analysis: Option<Analysis>,
    attribution: Option<Attribution>,
    summary: Option<Summary>,
    /// The worker's parts could not be read: analyse here once the events are in.
    fallback: bool,
    next_batch: usize,
    shown: bool,
    /// `data-loads` when the session was installed: another load since then ends this one.
    loads: Option<String>,
    events: Vec<Event>,
    next_events: usize,
    /// Text being copied: which one, which part, the bytes so far, how many are known to be UTF-8.
    text_i: usize,
    part: usize,
    part_off: usize,
    buf: Vec<u8>,
    checked: usize,
    done_texts: Vec<String>,
    read_ms: f64,
    bytes: usize,
    inputs: usize,
    started: f64,
    chart_ms: f64,
    show_ms: Vec<f64>,
    max_step_ms: f64,
}

/// The worker's `Uint8Array` as is (`Uint8Array::new` of a typed array would copy it).
fn as_bytes(v: JsValue) -> js_sys::Uint8Array {
    v.dyn_into::<js_sys::Uint8Array>().unwrap_or_else(|_| js_sys::Uint8Array::new_with_length(0))
}

fn arr(data: &JsValue, k: &str) -> Vec<js_sys::Uint8Array> {
    js_sys::Array::from(&get(data, k)).iter().map(as_bytes).collect()
}

fn done(data: &JsValue) {
    let t_done = super::now_ms();
    let job = get_f64(data, "job") as u32;
    let (total, inputs, started) =
        CLIENT.with(|c| c.borrow().as_ref().map_or((0.0, 0, 0.0), |c| (c.total, c.inputs, c.started)));
    if total > RECYCLE_BYTES {
        // Give the worker's memory back; its replacement is ready for the next drop.
        // The job stays current so the steps below can tell a cancel from this.
        respawn();
        let _ = super::body().set_attribute("data-respawn-ms", &format!("{:.1}", super::now_ms() - t_done));
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
    let times = js_sys::JSON::stringify(&get(data, "times")).ok().and_then(|s| s.as_string()).unwrap_or_default();
    let _ = body.set_attribute("data-worker-times", &times);
    let _ = body.set_attribute("data-worker-done", &format!("{:.1}", super::now_ms()));
    show_progress(total, total, get_f64(data, "records"), events, "Read");
    super::set_status("Read; drawing the chart…");
    let limit = get_f64(data, "concurrency");
    let r = Rebuild {
        job,
        parts: get(data, "parts"),
        head: as_bytes(get(data, "head")),
        analysis_batches: arr(data, "analysisBatches"),
        event_batches: arr(data, "eventBatches"),
        texts: js_sys::Array::from(&get(data, "texts"))
            .iter()
            .map(|parts| js_sys::Array::from(&parts).iter().map(as_bytes).collect())
            .collect(),
        limit: (limit >= 1.0).then_some(limit as u32),
        ingest: None,
        n_events: 0,
        pending: None,
        analysis: None,
        attribution: None,
        summary: None,
        fallback: false,
        next_batch: 0,
        shown: false,
        loads: None,
        events: Vec::new(),
        next_events: 0,
        text_i: 0,
        part: 0,
        part_off: 0,
        buf: Vec::new(),
        checked: 0,
        done_texts: Vec::new(),
        read_ms: get_f64(data, "ms"),
        bytes: total as usize,
        inputs,
        started,
        chart_ms: 0.0,
        show_ms: Vec::new(),
        max_step_ms: 0.0,
    };
    let state = Rc::new(RefCell::new(r));
    let _ = super::body().set_attribute("data-done-ms", &format!("{:.1}", super::now_ms() - t_done));
    later(move || step(state));
}

fn current_job() -> u32 {
    CLIENT.with(|c| c.borrow().as_ref().map_or(0, |c| c.job))
}

/// Cancelled, or replaced by another load.
fn stale(r: &Rebuild) -> bool {
    match &r.loads {
        // Before the chart: the job must still be current (not cancelled or replaced).
        None => r.job != current_job(),
        // After it: no other load may have replaced the session.
        Some(l) => loads_attr() != *l || (current_job() != 0 && current_job() != r.job),
    }
}

fn loads_attr() -> String {
    super::body().get_attribute("data-loads").unwrap_or_default()
}

/// What a step did.
enum Next {
    /// More to do.
    More,
    /// The summary and analysis are in: install the session and draw the chart.
    Show,
    /// Everything is in.
    Complete,
}

fn step(state: Rc<RefCell<Rebuild>>) {
    if state.borrow().loads.is_some() && super::body().has_attribute("data-hold-load") {
        // For tests: the chart is shown and the page holds the session "loading" (its
        // events and texts not in yet) until the attribute goes, checking every 50 ms.
        let cb = Closure::once_into_js(move || step(state));
        let _ = super::window().set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 50);
        return;
    }
    let t0 = super::now_ms();
    loop {
        let next = {
            let mut r = state.borrow_mut();
            if stale(&r) {
                return;
            }
            let a0 = super::now_ms();
            let res = advance(&mut r);
            let took = super::now_ms() - a0;
            r.max_step_ms = r.max_step_ms.max(took);
            let _ = super::body().set_attribute("data-max-step-ms", &format!("{:.1}", r.max_step_ms));
            match res {
                Ok(n) => n,
                Err(e) => {
                    drop(r);
                    CLIENT.with(|c| {
                        if let Some(c) = c.borrow_mut().as_mut() {
                            c.job = 0;
                        }
                    });
                    hide_progress();
                    super::set_status("");
                    super::show_error(&format!("Loading the result into the page failed: {e}"));
                    return;
                }
            }
        };
        match next {
            Next::More if super::now_ms() - t0 < TASK_BUDGET_MS => continue,
            Next::More => later(move || step(state)),
            Next::Show => {
                // The page in three tasks: the session and the cards, the timeline's
                // data, the first frame; then the rest in later ones.
                later(move || {
                    if !show(&state) {
                        return;
                    }
                    later(move || {
                        if stale(&state.borrow()) {
                            return;
                        }
                        let t0 = super::now_ms();
                        super::rebuild_ui_data(true);
                        state.borrow_mut().show_ms.push(super::now_ms() - t0);
                        // The first frame after the browser has laid out the page
                        // (its own task), not inside the draw.
                        after_render(move || {
                            shown(&state);
                            later(move || step(state));
                        });
                    });
                });
            }
            Next::Complete => later(move || complete(state)),
        }
        return;
    }
}

/// One bounded piece of work.
fn advance(r: &mut Rebuild) -> Res<Next> {
    // 1. The head, the summary and the small part of the analysis.
    if r.ingest.is_none() && !r.shown {
        let (ing, n) = wire::decode_head(&r.head.to_vec())?;
        r.head = js_sys::Uint8Array::new_with_length(0);
        r.n_events = n.events;
        r.pending = Some(n);
        r.ingest = Some(ing);
        let parts = std::mem::replace(&mut r.parts, JsValue::NULL);
        let de = |k: &str| get(&parts, k);
        match (
            serde_wasm_bindgen::from_value::<Summary>(de("summary")),
            serde_wasm_bindgen::from_value::<Analysis>(de("analysis")),
            serde_wasm_bindgen::from_value::<Attribution>(de("attribution")),
        ) {
            (Ok(s), Ok(mut a), Ok(at)) => {
                let counts = de("counts");
                let counts: Vec<u32> = match counts.dyn_into::<js_sys::Array>() {
                    Ok(c) => c.iter().map(|v| v.as_f64().unwrap_or(0.0) as u32).collect(),
                    Err(_) => Vec::new(),
                };
                wire::reserve_analysis(&mut a, &counts);
                r.summary = Some(s);
                r.analysis = Some(a);
                r.attribution = Some(at);
            }
            (s, a, at) => {
                let why = [s.err(), a.err(), at.err()].into_iter().flatten().map(|e| e.to_string()).next();
                web_sys::console::warn_1(
                    &format!("Inflight: the worker's analysis could not be read ({}); analysing here", why.unwrap_or_default())
                        .into(),
                );
                r.fallback = true;
            }
        }
        return Ok(Next::More);
    }
    // 2. The analysis' big vectors.
    if !r.fallback && r.next_batch < r.analysis_batches.len() {
        let b = r.analysis_batches[r.next_batch].to_vec();
        r.analysis_batches[r.next_batch] = js_sys::Uint8Array::new_with_length(0);
        r.next_batch += 1;
        wire::decode_analysis(&b, r.analysis.as_mut().expect("decoded analysis"))
            .map_err(|e| format!("analysis batch {} ({} bytes): {e}", r.next_batch, b.len()))?;
        return Ok(Next::More);
    }
    if !r.fallback && !r.shown {
        r.shown = true;
        return Ok(Next::Show);
    }
    r.shown = true;
    // 3. Events, a batch per step.
    if r.next_events < r.event_batches.len() {
        if r.events.capacity() < r.n_events {
            r.events.reserve_exact(r.n_events);
        }
        let b = r.event_batches[r.next_events].to_vec();
        r.event_batches[r.next_events] = js_sys::Uint8Array::new_with_length(0);
        r.next_events += 1;
        wire::decode_events(&b, &mut r.events).map_err(|e| format!("events batch {} ({} bytes): {e}", r.next_events, b.len()))?;
        return Ok(Next::More);
    }
    if r.events.len() != r.n_events {
        return Err(format!("{} events arrived, {} expected", r.events.len(), r.n_events));
    }
    // 4. Texts, TEXT_STEP bytes per step.
    if r.text_i < r.texts.len() {
        let parts = &r.texts[r.text_i];
        let len: usize = parts.iter().map(|p| p.length() as usize).sum();
        if r.buf.capacity() < len {
            r.buf.reserve_exact(len - r.buf.len());
        }
        let from = r.buf.len();
        let to = (from + TEXT_STEP as usize).min(len);
        r.buf.resize(to, 0);
        let mut at = from;
        while at < to {
            let src = &parts[r.part];
            let n = (src.length() as usize - r.part_off).min(to - at);
            src.subarray(r.part_off as u32, (r.part_off + n) as u32).copy_to(&mut r.buf[at..at + n]);
            at += n;
            r.part_off += n;
            if r.part_off == src.length() as usize {
                r.part += 1;
                r.part_off = 0;
            }
        }
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
            r.texts[r.text_i] = Vec::new();
            r.checked = 0;
            r.part = 0;
            r.part_off = 0;
            r.text_i += 1;
        }
        return Ok(Next::More);
    }
    Ok(Next::Complete)
}

/// Installs the session (events and texts still to come) and fills the cards.
fn show(state: &Rc<RefCell<Rebuild>>) -> bool {
    let mut r = state.borrow_mut();
    if r.job != current_job() {
        return false;
    }
    let t0 = super::now_ms();
    let session = Session::from_parts(
        r.ingest.take().expect("decoded head"),
        r.analysis.take().expect("decoded analysis"),
        r.attribution.take().expect("decoded attribution"),
        r.limit,
        r.summary.take(),
        r.pending.take().expect("decoded head"),
    );
    // The limit may have been changed while the worker was busy.
    let mut session = session;
    session.set_limit(super::read_limit());
    let t1 = super::now_ms();
    install(session);
    // The panel says its counts wait for the events (and drops the last session's).
    super::redaction::on_load();
    super::render();
    super::set_hidden(&super::by_id("results"), false);
    r.show_ms = vec![t1 - t0, super::now_ms() - t1];
    // The job is done as far as Cancel and new drops go; the rest is the page's own work.
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            c.job = 0;
        }
    });
    r.loads = Some(loads_attr());
    true
}

/// Draws the first frame: the chart is shown.
fn shown(state: &Rc<RefCell<Rebuild>>) {
    let mut r = state.borrow_mut();
    if stale(&r) {
        return;
    }
    let t0 = super::now_ms();
    super::draw_now();
    hide_progress();
    r.show_ms.push(super::now_ms() - t0);
    r.chart_ms = r.show_ms.iter().sum();
    let body = super::body();
    // For tests/browser/bench-ingest.mjs: session / cards / timeline data / first frame, ms.
    let times: Vec<String> = r.show_ms.iter().map(|t| format!("{t:.1}")).collect();
    let _ = body.set_attribute("data-show-ms", &times.join("/"));
    let _ = body.set_attribute("data-page-wasm-shown", &wasm_memory().to_string());
    let shown = body.get_attribute("data-shown").and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    let _ = body.set_attribute("data-shown", &(shown + 1).to_string());
    super::set_status(&format!(
        "Chart drawn; loading {} into the table…",
        super::plural(r.n_events, "event", "events")
    ));
}

fn install(session: Session) {
    super::APP.with(|app| {
        let mut app = app.borrow_mut();
        let app = app.as_mut().expect("app state");
        for url in app.object_urls.drain(..) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        app.session = Some(session);
    });
}

/// Everything is in: the events table, the detail pane and the exports work now.
fn complete(state: Rc<RefCell<Rebuild>>) {
    let Ok(r) = Rc::try_unwrap(state).map(RefCell::into_inner) else { return };
    if stale(&r) {
        return;
    }
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            if c.job == r.job {
                c.job = 0;
            }
        }
    });
    let Rebuild { ingest, events, done_texts, bytes, inputs, read_ms, started, chart_ms, fallback, .. } = r;
    if fallback {
        // The worker's analysis could not be read: analyse here (one long task).
        let Some(mut ingest) = ingest else { return };
        ingest.events = events;
        for (s, t) in ingest.sources.iter_mut().zip(done_texts) {
            s.text = t;
        }
        let too_large = too_large(&ingest);
        let session = Session::from_ingest(ingest, super::read_limit());
        hide_progress();
        super::show_session(session, inputs, bytes, read_ms);
        finish_note(started, chart_ms, &too_large);
        return;
    }
    let t0 = super::now_ms();
    let (rerun, too_large) = super::APP.with(|app| {
        let mut app = app.borrow_mut();
        match app.as_mut().and_then(|a| a.session.as_mut()) {
            Some(s) => (s.complete(events, done_texts), too_large(&s.ingest)),
            None => (false, Vec::new()),
        }
    });
    if rerun {
        super::render();
        super::rebuild_ui(false);
    } else {
        super::fill_filters();
    }
    // The events are in: the redaction panel counts them now.
    super::redaction::on_load();
    let loads = loads_attr();
    // The table in a task of its own, then the load counts as done. Not in the next
    // animation frame: that also redraws the chart, and the two together took 67 ms of
    // an 84 ms task at 200 MB (the chart has not changed).
    later(move || {
        if loads_attr() != loads {
            return;
        }
        super::with_ui(|ui, _, _| ui.table_dirty = true);
        super::refresh_table();
        let n = super::APP
            .with(|app| app.borrow().as_ref().and_then(|a| a.session.as_ref()).map_or(0, |s| s.ingest.events.len()));
        super::set_text(
            "timing",
            &format!(
                "Parsed and analysed {} from {} ({}) in {} ms; page and chart drawn in {} ms.",
                super::plural(n, "event", "events"),
                super::plural(inputs, "input", "inputs"),
                super::fmt_bytes(bytes),
                super::fmt_ms(read_ms),
                super::fmt_ms(chart_ms + super::now_ms() - t0),
            ),
        );
        super::set_status(&format!("Done: parsed {} in {} ms.", super::plural(n, "event", "events"), super::fmt_ms(read_ms)));
        let body = super::body();
        // For tests/browser/bench-ingest.mjs: the page's wasm memory once the load is complete
        // (before the redaction panel's count, which runs after it).
        let _ = body.set_attribute("data-page-wasm-complete", &wasm_memory().to_string());
        let loads = body.get_attribute("data-loads").and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
        let _ = body.set_attribute("data-loads", &(loads + 1).to_string());
        finish_note(started, chart_ms, &too_large);
    });
}

/// The page's wasm memory in bytes (it never shrinks: the peak so far).
pub(super) fn wasm_memory() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

fn too_large(ingest: &Ingest) -> Vec<String> {
    ingest.sources.iter().filter(|s| s.shape == Shape::TooLarge).map(|s| s.name.clone()).collect()
}

fn finish_note(started: f64, _chart_ms: f64, too_large: &[String]) {
    let total_ms = super::now_ms() - started;
    let note = super::by_id("timing").text_content().unwrap_or_default();
    super::set_text(
        "timing",
        &format!("{note} Read and analysed in a background worker; {} ms from drop to a complete page.", super::fmt_ms(total_ms)),
    );
    if !too_large.is_empty() {
        super::show_error(&format!(
            "Too large for the browser: {} could not be read here (see the problem list). \
             Split the export into smaller files, or use the command line (`inflight analyze`).",
            too_large.join(", ")
        ));
    }
}
