//! The browser front end (compiled for `wasm32` only).
//!
//! Thin on purpose: it reads what the user gives (dropped or picked files, pasted text,
//! the built-in sample) as bytes, calls the core once per load through
//! [`crate::session::Session`], and writes the results into the page that
//! `www/index.html` lays out. Rules it keeps:
//!
//! * Log text is untrusted. It reaches the page only through `set_text_content` on
//!   elements created here, never through `innerHTML` or attributes that parse markup.
//! * Nothing goes to the network. Files are read with `Blob.arrayBuffer()`, the
//!   redacted export leaves through a `Blob` + object URL download.
//! * The redaction key is 32 bytes from `crypto.getRandomValues`, drawn once per page
//!   load and kept in memory only.
//! * A panic shows up in the page's error box (see [`install_panic_hook`]).

use std::cell::RefCell;

use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    ClipboardEvent, DataTransfer, Document, DragEvent, Element, Event,
    EventTarget, File, FileList, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent, MouseEvent, Url,
    WheelEvent, Window,
};

use crate::chart::{DrawOptions, Frame, FrameOptions};
use crate::table::{self, Col, EventRows, Linked, Query, Rows, SynthRows, Virtual};
use crate::viewport::{self, Viewport};
use crate::ingest::Severity;
use crate::redact::Redactor;
use crate::session::{Session, Summary};

mod worker;

mod controls;
mod exports;
mod findings;
mod legend;
mod redaction;
mod shared;
mod bench;
use findings::{render_culprits, render_findings};

/// Rows of the problems table drawn at most (the rest are counted below it).
const MAX_PROBLEM_ROWS: usize = 500;
/// Pasted text longer than this is analysed but not echoed into the textarea.
const MAX_ECHO_BYTES: usize = 1 << 20;

struct App {
    session: Option<Session>,
    /// Holds the per-page-load key (never written out).
    redactor: Redactor,
    /// Object URLs of past downloads, revoked when the next load replaces the session.
    object_urls: Vec<String>,
    /// The interactive timeline and table (after a load).
    ui: Option<Ui>,
}

/// Row height of the events table, CSS px (matches `.ev-row` in style.css).
const ROW_H: f64 = 24.0;

enum Drag {
    /// Panning the chart: where the press started and the view then.
    Pan { x: f64, vp: Viewport, moved: bool },
    /// Selecting a range on the overview strip, from this time.
    Overview { from: f64, x: f64, moved: bool },
}

/// Everything the interactive view holds besides the session.
struct Ui {
    linked: Linked,
    vp: Viewport,
    frame: Frame,
    /// Overview strip mapping: x range (device px) and the full view.
    ov_x: (i32, i32),
    dpr: f64,
    hover: Option<usize>,
    /// The selected table row (`table::Linked::row`): a mark's, or an event's without one.
    sel_row: Option<usize>,
    /// The selected row's mark, if it has one (highlighted on the chart).
    sel_marks: Vec<usize>,
    sel_window: Option<usize>,
    tz_local: bool,
    /// The duration axis the user picked (Auto / Linear / Log).
    y_scale: crate::chart::YScale,
    decimate: bool,
    query: Query,
    follow_range: bool,
    /// All rows in the sort order (re-sorted only when the sort key changes).
    order: table::Sorted,
    /// Rows passing the filters, sorted; then those in the visible range.
    filtered: Vec<u32>,
    rows: Vec<u32>,
    rows_for: Option<(i64, i64)>,
    show_original: bool,
    drag: Option<Drag>,
    /// Benchmark data (no session): rows are synthetic.
    synthetic: bool,
    frame_pending: bool,
    table_dirty: bool,
    last_table_ms: f64,
    /// Levels of detail for zoomed-out views of large data.
    lod: crate::lod::LodSet,
    /// The overview strip's data, reduced to its width once.
    ov_cache: Option<(u32, crate::chart::ChartData)>,
    /// Series the legend hides.
    legend: controls::Legend,
    /// Extensibility failure times, drawn along the bottom of the plot.
    failures: Vec<i64>,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    // The same module runs in the file-reading Web Worker (www/worker.js): no page there.
    if web_sys::window().is_none() {
        return Ok(());
    }
    install_panic_hook();
    let key = random_key()?;
    APP.with(|app| {
        *app.borrow_mut() = Some(App {
            session: None,
            redactor: Redactor::new(key),
            object_urls: Vec::new(),
            ui: None,
        })
    });
    wire()?;
    set_status("Ready. Drop files, choose files, paste, or load the sample incident.");
    // `data-ready` is set once the file-reading worker has loaded too.
    worker::start();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Plumbing

fn window() -> Window {
    web_sys::window().expect("no window")
}

fn document() -> Document {
    window().document().expect("no document")
}

fn body() -> HtmlElement {
    document().body().expect("no body")
}

fn by_id(id: &str) -> Element {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("www/index.html has no #{id}"))
}

fn by_id_as<T: JsCast>(id: &str) -> T {
    by_id(id)
        .dyn_into::<T>()
        .unwrap_or_else(|_| panic!("#{id} has the wrong element type"))
}

fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn on(target: &EventTarget, name: &str, f: impl FnMut(Event) + 'static) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(Event)>::new(f);
    target.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref())?;
    // The page lives as long as the listeners do.
    cb.forget();
    Ok(())
}

fn el(tag: &str) -> Element {
    document().create_element(tag).expect("create_element")
}

/// A new element holding `text` as a text node (never parsed as markup).
fn text_el(tag: &str, text: &str) -> Element {
    let e = el(tag);
    e.set_text_content(Some(text));
    e
}

fn set_text(id: &str, text: &str) {
    by_id(id).set_text_content(Some(text));
}

fn set_hidden(e: &Element, hidden: bool) {
    if hidden {
        let _ = e.set_attribute("hidden", "");
    } else {
        let _ = e.remove_attribute("hidden");
    }
}

fn clear(e: &Element) {
    e.set_text_content(None);
}

fn set_status(text: &str) {
    set_text("status", text);
}

fn show_error(text: &str) {
    let e = by_id("error");
    e.set_text_content(Some(text));
    set_hidden(&e, false);
}

fn hide_error() {
    set_hidden(&by_id("error"), true);
}

fn js_error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}

/// Writes any panic into the page's error box (and the console). With `panic = "abort"`
/// the module traps right after, so the message asks for a reload.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg =
            format!("Inflight hit a bug and stopped. Reload the page to start again.\n\n{info}");
        web_sys::console::error_1(&JsValue::from_str(&msg));
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(e) = doc.get_element_by_id("error") {
                e.set_text_content(Some(&msg));
                let _ = e.remove_attribute("hidden");
            }
            if let Some(b) = doc.body() {
                let _ = b.set_attribute("data-failed", "1");
            }
        }
    }));
}

fn random_key() -> Result<[u8; 32], JsValue> {
    let mut key = [0u8; 32];
    window()
        .crypto()?
        .get_random_values_with_u8_array(&mut key)?;
    if key.iter().all(|&b| b == 0) {
        return Err(JsValue::from_str("crypto.getRandomValues returned zeros"));
    }
    Ok(key)
}

// ---------------------------------------------------------------------------------------
// Events

fn wire() -> Result<(), JsValue> {
    let win: EventTarget = window().into();
    let doc: EventTarget = document().into();

    // Drag and drop anywhere on the page.
    on(&win, "dragover", |e| {
        e.prevent_default();
        let _ = body().class_list().add_1("dragging");
    })?;
    on(&win, "dragleave", |e| {
        // Leaving the window (not just moving between elements).
        let leaving = e
            .dyn_ref::<DragEvent>()
            .map(|d| d.related_target().is_none())
            .unwrap_or(true);
        if leaving {
            let _ = body().class_list().remove_1("dragging");
        }
    })?;
    on(&win, "drop", |e| {
        e.prevent_default();
        let _ = body().class_list().remove_1("dragging");
        if let Some(dt) = e.dyn_ref::<DragEvent>().and_then(|d| d.data_transfer()) {
            take_data_transfer(&dt, "dropped text");
        }
    })?;

    // Ctrl+V anywhere outside a text field analyses the clipboard at once. Into a
    // field (the paste box, the limit, a filter, a rule, the passphrase) it pastes as
    // usual: the paste box is analysed with its button or Ctrl+Enter, so the user can
    // paste several pieces or fix one first.
    on(&doc, "paste", |e| {
        if let Some(t) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            if is_text_field(&t) {
                if t.id() == "paste" {
                    set_status("Pasted into the box: press “Analyze pasted text” (or Ctrl+Enter) when it holds everything.");
                }
                return;
            }
        }
        if let Some(dt) = e
            .dyn_ref::<ClipboardEvent>()
            .and_then(|c| c.clipboard_data())
        {
            e.prevent_default();
            // With logs loaded, a stray Ctrl+V must not replace them (it did, even with
            // "hello"): pasted text goes into the box, to be analysed on request.
            let has_files = dt.files().is_some_and(|f| f.length() > 0);
            let loaded = APP.with(|app| app.borrow().as_ref().is_some_and(|a| a.session.is_some()));
            if loaded && !has_files {
                let text = dt.get_data("text/plain").unwrap_or_default();
                if text.trim().is_empty() {
                    return;
                }
                let _ = by_id_as::<HtmlTextAreaElement>("paste").focus();
                if !echo_in_box(&text, "press Analyze pasted text to read it") {
                    // Too big to echo: kept aside for the button, as a paste of it would be.
                    PENDING_PASTE.with(|p| *p.borrow_mut() = Some(text.clone()));
                }
                set_status(&format!(
                    "Pasted {} into the text box. Press “Analyze pasted text” (or Ctrl+Enter) to analyse it instead of the logs loaded now.",
                    fmt_bytes(text.len())
                ));
                return;
            }
            take_data_transfer(&dt, "pasted text");
        }
    })?;

    let files: HtmlInputElement = by_id_as("files");
    {
        let files2 = files.clone();
        on(&by_id("choose"), "click", move |_| files2.click())?;
    }
    {
        let files2 = files.clone();
        on(&files, "change", move |_| {
            if let Some(list) = files2.files() {
                read_files(file_list(&list));
            }
            // So that picking the same file again fires `change` again.
            files2.set_value("");
        })?;
    }

    on(&by_id("cancel"), "click", |_| worker::cancel())?;

    on(&by_id("sample"), "click", |_| {
        // The events and, as a second input, the Action execution objects they point to.
        let inc = crate::sample::generate(
            &crate::sample::Scenario::sample_incident(),
            crate::sample::Format::Ndjson,
        );
        analyze(vec![
            ("sample-incident.ndjson".to_string(), inc.text.into_bytes()),
            (
                "sample-executions.json".to_string(),
                inc.executions_json.into_bytes(),
            ),
        ]);
    })?;

    on(&by_id("paste-go"), "click", |_| analyze_paste_box())?;
    on(&by_id("paste"), "keydown", |e| {
        if let Some(k) = e.dyn_ref::<KeyboardEvent>() {
            if k.key() == "Enter" && (k.ctrl_key() || k.meta_key()) {
                e.prevent_default();
                analyze_paste_box();
            }
        }
    })?;

    // Enter in the limit field: an invalid value says so (the `input` event does
    // not fire for every keystroke the browser rejects).
    on(&by_id("limit"), "keydown", |e| {
        if e.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key()) == Some("Enter".to_string()) {
            let _ = limit_checked();
        }
    })?;
    on(&by_id("limit"), "change", |_| {
        let _ = limit_checked();
    })?;
    on(&by_id("limit"), "input", |_| {
        // An invalid value applies no limit (the estimate), not the last valid one:
        // typing "100001" passed through "10000", which stayed applied and was then
        // reported "as entered".
        let limit = limit_checked().unwrap_or(None);
        let changed = APP.with(|app| {
            let mut app = app.borrow_mut();
            match app.as_mut().and_then(|a| a.session.as_mut()) {
                Some(s) => {
                    s.set_limit(limit);
                    true
                }
                None => false,
            }
        });
        if changed {
            render();
            rebuild_ui(false);
        }
    })?;

    // Download buttons live in the inputs table: one delegated listener.
    on(&by_id("sources"), "click", |e| {
        let button = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-source]").ok().flatten());
        if let Some(b) = button {
            if let Some(i) = b.get_attribute("data-source").and_then(|s| s.parse().ok()) {
                download(i);
            }
        }
    })?;

    on(&win, "resize", |_| request_frame())?;
    wire_timeline()?;
    legend::wire()?;
    exports::wire()?;
    redaction::wire()?;
    shared::start()?;
    Ok(())
}

fn file_list(list: &FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Whether a paste into this element belongs to it (a text input, a text box, an
/// editable region) rather than to the page.
fn is_text_field(t: &Element) -> bool {
    match t.tag_name().to_ascii_lowercase().as_str() {
        "textarea" | "select" => true,
        "input" => !matches!(
            t.get_attribute("type").unwrap_or_default().to_ascii_lowercase().as_str(),
            "button" | "checkbox" | "radio" | "file" | "submit" | "reset" | "range" | "color"
        ),
        _ => t.closest("[contenteditable]:not([contenteditable=false])").ok().flatten().is_some(),
    }
}

thread_local! {
    /// Text pasted page-wide while logs were loaded, too big to echo in the box; the
    /// box's button analyses it while the box is empty.
    static PENDING_PASTE: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn analyze_paste_box() {
    let area: HtmlTextAreaElement = by_id_as("paste");
    let pending = PENDING_PASTE.with(|p| p.borrow_mut().take());
    let text = match pending {
        Some(t) if area.value().is_empty() => t,
        _ => area.value(),
    };
    if text.trim().is_empty() {
        set_status("The text box is empty: paste or type some log lines first.");
        return;
    }
    analyze(vec![("pasted text".to_string(), text.into_bytes())]);
}

/// Files if there are any, else the plain text (a drop of selected text, or a paste).
fn take_data_transfer(dt: &DataTransfer, text_name: &str) {
    let files = dt.files().map(|l| file_list(&l)).unwrap_or_default();
    if !files.is_empty() {
        read_files(files);
        return;
    }
    let text = dt.get_data("text/plain").unwrap_or_default();
    if text.trim().is_empty() {
        set_status("Nothing to read there: drop or paste log files or log text.");
        return;
    }
    echo_in_box(&text, "analysed, not shown here");
    analyze(vec![(text_name.to_string(), text.into_bytes())]);
}

/// Shows pasted or dropped `text` in the paste box; too big to echo, it empties the
/// box and says in its placeholder how much came and `what` happens to it. Returns
/// whether the text is in the box.
fn echo_in_box(text: &str, what: &str) -> bool {
    let area: HtmlTextAreaElement = by_id_as("paste");
    if text.len() <= MAX_ECHO_BYTES {
        area.set_value(text);
        true
    } else {
        area.set_value("");
        let _ = area.set_attribute("placeholder", &format!("({} of text was pasted: {what})", fmt_bytes(text.len())));
        false
    }
}

/// Reads every file's bytes (`Blob.arrayBuffer()`, all at once), then analyses them together.
fn read_files(files: Vec<File>) {
    if files.is_empty() || worker::read_files(&files) {
        return;
    }
    hide_error();
    set_status(&format!(
        "Reading {}…",
        plural(files.len(), "file", "files")
    ));
    let names: Vec<String> = files.iter().map(|f| f.name()).collect();
    let promises = js_sys::Array::new();
    for f in &files {
        promises.push(&f.array_buffer());
    }
    let ok = Closure::<dyn FnMut(JsValue)>::once(move |buffers: JsValue| {
        let buffers: js_sys::Array = buffers.unchecked_into();
        let inputs = names
            .into_iter()
            .zip(buffers.iter())
            .map(|(name, buf)| (name, js_sys::Uint8Array::new(&buf).to_vec()))
            .collect();
        analyze(inputs);
    });
    let err = Closure::<dyn FnMut(JsValue)>::once(move |e: JsValue| {
        set_status("");
        show_error(&format!("Could not read the file: {}", js_error_text(&e)));
    });
    let _ = js_sys::Promise::all(&promises).then2(&ok, &err);
    // One of the two runs once; both are small.
    ok.forget();
    err.forget();
}

fn read_limit() -> Option<u32> {
    limit_checked().ok().flatten()
}

/// The limit field's value, with the inline error under it shown (or hidden).
/// A number field's `value` is empty while its text is not a number at all
/// (`validity.badInput`): that is an error too, not "estimate".
fn limit_checked() -> Result<Option<u32>, ()> {
    let input: HtmlInputElement = by_id_as("limit");
    let value = input.value();
    let parsed = if value.trim().is_empty() && input.validity().bad_input() {
        crate::session::parse_limit("?")
    } else {
        crate::session::parse_limit(&value)
    };
    let err = by_id("limit-error");
    match parsed {
        Ok(limit) => {
            err.set_text_content(None);
            let _ = err.set_attribute("hidden", "");
            let _ = input.remove_attribute("aria-invalid");
            Ok(limit)
        }
        Err(message) => {
            err.set_text_content(Some(&format!("{message} Until then, the limit is estimated from the logs.")));
            let _ = err.remove_attribute("hidden");
            let _ = input.set_attribute("aria-invalid", "true");
            Err(())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Load, render, draw, download

/// One load: the core runs once over all inputs; then the page is redrawn from the session.
fn analyze(inputs: Vec<(String, Vec<u8>)>) {
    hide_error();
    let count = inputs.len();
    let bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    let limit = read_limit();

    let t0 = now_ms();
    let session = Session::load(inputs, limit);
    let t1 = now_ms();
    show_session(session, count, bytes, t1 - t0);
}

/// Installs a loaded session and redraws the page (also the last step of a worker load).
fn show_session(session: Session, count: usize, bytes: usize, parse_ms: f64) {
    let t1 = now_ms();
    let t0 = t1 - parse_ms;

    APP.with(|app| {
        let mut app = app.borrow_mut();
        let app = app.as_mut().expect("app state");
        for url in app.object_urls.drain(..) {
            let _ = Url::revoke_object_url(&url);
        }
        app.session = Some(session);
    });
    let events = render();
    set_hidden(&by_id("results"), false);
    let t2 = now_ms();
    rebuild_ui(true);
    draw_now();
    redaction::on_load();
    let t3 = now_ms();

    let timing = format!(
        "Parsed {} from {} ({}) in {} ms; page and chart drawn in {} ms.",
        plural(events, "event", "events"),
        plural(count, "input", "inputs"),
        fmt_bytes(bytes),
        fmt_ms(t1 - t0),
        fmt_ms((t2 - t1) + (t3 - t2)),
    );
    set_text("timing", &timing);
    set_status(&format!(
        "Done: parsed {} in {} ms.",
        plural(events, "event", "events"),
        fmt_ms(t1 - t0)
    ));
    // A load counter for tests and tooling to wait on.
    let loads = body()
        .get_attribute("data-loads")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let _ = body().set_attribute("data-loads", &(loads + 1).to_string());
}

/// Fills the cards and tables from the current session's summary. Returns the event count.
fn render() -> usize {
    let summary: Option<Summary> =
        APP.with(|app| app.borrow().as_ref()?.session.as_ref().map(|s| s.summary()));
    let Some(s) = summary else { return 0 };

    // Cards.
    set_text("c-events", &fmt_int(s.events));
    let sub = format!(
        "{} · {} with request timing",
        plural(s.type_counts.len(), "type", "types"),
        fmt_int(s.timed)
    );
    set_text("c-events-sub", &sub);

    set_text(
        "c-span",
        if s.first.is_some() {
            &s.span_text
        } else {
            "–"
        },
    );
    let span_sub = match (&s.first, &s.last) {
        (Some(a), Some(b)) => format!("{} → {}", fmt_time(a), fmt_time(b)),
        _ => "no timed events".to_string(),
    };
    set_text("c-span-sub", &span_sub);

    set_text("c-breaches", &fmt_int(s.breaches));
    let breach_card = by_id("c-breaches").parent_element().expect("card");
    let _ = breach_card
        .class_list()
        .toggle_with_force("zero", s.breaches == 0);
    set_text(
        "c-breaches-sub",
        &match &s.first_breach {
            Some(t) => format!("first at {}", fmt_time(t)),
            None if s.events == 0 => "no events were read".to_string(),
            None if s.timed == 0 => "none, and no request timing to check the limit with".to_string(),
            None => "none: the limit was not hit".to_string(),
        },
    );

    set_text("c-peak", &fmt_int(s.peak_inflight as usize));
    let mut peak_sub = match &s.peak_at {
        Some(t) => format!("at {}", fmt_time(t)),
        None => String::new(),
    };
    if let Some(l) = s.limit {
        if !peak_sub.is_empty() {
            peak_sub.push_str(" · ");
        }
        peak_sub.push_str(&format!(
            "limit {}{}",
            fmt_int(l as usize),
            if s.limit_estimated {
                " (estimated)"
            } else {
                ""
            }
        ));
    }
    set_text("c-peak-sub", &peak_sub);
    set_text("c-dups", &fmt_int(s.duplicates));
    // The card counts records that could not be read (one record can give two
    // problems; damaged gzip data is a problem of no record); the other problems and
    // the warnings are named apart. No link to the problems table when it is empty.
    let (value, sub_text) = s.problems_card();
    set_text("c-problems", &value);
    let sub = by_id("c-problems-sub");
    set_text("c-problems-sub", sub_text.as_deref().unwrap_or(""));
    set_hidden(&sub, sub_text.is_none());

    // The limit field shows the estimate when left empty.
    let limit_input = by_id("limit");
    let placeholder = match (s.limit, s.limit_estimated) {
        (Some(l), true) => format!("auto ≈ {}", fmt_int(l as usize)),
        _ => "auto".to_string(),
    };
    let _ = limit_input.set_attribute("placeholder", &placeholder);

    let caption = match s.limit {
        Some(l) if s.limit_estimated => format!("Dashed line: limit {}, estimated from the logs.", fmt_int(l as usize)),
        Some(l) => format!("Dashed line: limit {}, as entered.", fmt_int(l as usize)),
        None => "No limit known: enter one above to draw it.".to_string(),
    };
    let caption = if s.breaches > 0 {
        format!("{caption} Red marks: resource_exhausted failures.")
    } else {
        caption
    };
    set_text("chart-caption", &caption);

    // Event types.
    let tbody = tbody_of("types");
    for (code, meaning, count) in &s.type_counts {
        let tr = el("tr");
        let c = el("td");
        let _ = c.append_child(&text_el("code", code));
        let _ = tr.append_child(&c);
        let _ = tr.append_child(&text_el("td", meaning));
        let n = text_el("td", &fmt_int(*count));
        n.set_class_name("num");
        let _ = tr.append_child(&n);
        let _ = tbody.append_child(&tr);
    }

    // Inputs, each with its download button.
    let tbody = tbody_of("sources");
    for (i, src) in s.sources.iter().enumerate() {
        let tr = el("tr");
        let name = el("td");
        name.set_class_name("name");
        let _ = name.append_child(&text_el("span", &src.name));
        let size = text_el("div", &fmt_bytes(src.bytes));
        size.set_class_name("hint");
        let _ = name.append_child(&size);
        let _ = tr.append_child(&name);
        let _ = tr.append_child(&text_el("td", &src.shape));
        for n in [src.records as usize, src.events as usize, src.problems] {
            let td = text_el("td", &fmt_int(n));
            td.set_class_name("num");
            let _ = tr.append_child(&td);
        }
        let td = el("td");
        if src.records == 0 {
            // Not a record in it (not JSON, an excerpt, empty): a "redacted copy"
            // would be an empty file.
            let note = text_el("span", "nothing to redact");
            note.set_class_name("hint");
            let _ = td.append_child(&note);
        } else {
            let b = text_el("button", "Download redacted");
            let _ = b.set_attribute("type", "button");
            b.set_class_name("small");
            let _ = b.set_attribute("data-source", &i.to_string());
            let _ = b.set_attribute("aria-label", &format!("Download redacted copy of {}", src.name));
            let _ = td.append_child(&b);
        }
        let _ = tr.append_child(&td);
        let _ = tbody.append_child(&tr);
    }

    // Problems: where, why, and the text around it with a caret under the column.
    let table = by_id("problems");
    let tbody = tbody_of("problems");
    set_hidden(&table, s.problems.is_empty());
    set_hidden(&by_id("problems-none"), !s.problems.is_empty());
    set_text(
        "problems-none",
        if s.events == 0 {
            "No problems, and no events either: nothing in the input looked like an Auth0 log record."
        } else {
            "None: every record was read."
        },
    );
    for p in s.problems.iter().take(MAX_PROBLEM_ROWS) {
        let tr = el("tr");
        if p.severity == Severity::Warning {
            tr.set_class_name("warning");
        }
        let _ = tr.append_child(&text_el("td", &p.source));
        let cells = [
            p.record
                .map(|r| r.to_string())
                .unwrap_or_else(|| "–".into()),
            p.line.to_string(),
            p.column.to_string(),
        ];
        for c in cells {
            let td = text_el("td", &c);
            td.set_class_name("num");
            let _ = tr.append_child(&td);
        }
        let msg = match p.severity {
            Severity::Error => text_el("td", &p.message),
            Severity::Warning => text_el("td", &format!("Warning: {}", p.message)),
        };
        msg.set_class_name("msg");
        let _ = tr.append_child(&msg);
        let td = el("td");
        let pre = el("pre");
        pre.set_class_name("excerpt");
        let _ = pre.append_child(&document().create_text_node(&p.excerpt));
        let _ = pre.append_child(
            &document().create_text_node(&format!("\n{}", caret_pad(&p.excerpt, p.caret))),
        );
        let caret = text_el("span", "^");
        caret.set_class_name("caret");
        let _ = pre.append_child(&caret);
        let _ = td.append_child(&pre);
        let _ = tr.append_child(&td);
        let _ = tbody.append_child(&tr);
    }
    let more = by_id("problems-more");
    let hidden_rows = s.problems.len().saturating_sub(MAX_PROBLEM_ROWS);
    set_hidden(&more, hidden_rows == 0);
    more.set_text_content(Some(&format!(
        "… and {} more not shown.",
        fmt_int(hidden_rows)
    )));

    s.events
}

fn tbody_of(table_id: &str) -> Element {
    let tbody = by_id(table_id)
        .query_selector("tbody")
        .ok()
        .flatten()
        .expect("table without tbody");
    clear(&tbody);
    tbody
}

/// Whitespace that lines the caret up under char `caret` of `excerpt` in monospace
/// (tabs are kept as tabs so they take the same width as in the line above).
fn caret_pad(excerpt: &str, caret: usize) -> String {
    excerpt
        .chars()
        .take(caret)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

// ---------------------------------------------------------------------------------------
// A canvas backend that measures text with the canvas itself

/// plotters measures text on wasm32 by adding a `<span>` to the page and reading its
/// size, which forces a layout of the whole page for every label: most of a frame's
/// time on a large page. This wrapper measures with `measureText` on the canvas
/// (no layout) and draws through `CanvasBackend` unchanged.
struct FastCanvas {
    inner: CanvasBackend,
    ctx: web_sys::CanvasRenderingContext2d,
}

impl FastCanvas {
    fn new(canvas: HtmlCanvasElement) -> Option<FastCanvas> {
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()?
            .dyn_into::<web_sys::CanvasRenderingContext2d>()
            .ok()?;
        Some(FastCanvas {
            inner: CanvasBackend::with_canvas_object(canvas)?,
            ctx,
        })
    }
}

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend,
    DrawingErrorKind,
};

/// A failed canvas call: `CanvasBackend`'s error as text (its own error type
/// cannot be made outside plotters-canvas, and `blit_bitmap` has calls of its own).
#[derive(Debug)]
pub struct CanvasErr(String);

impl std::fmt::Display for CanvasErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanvasErr {}

/// `CanvasBackend`'s result with [`CanvasErr`].
fn lift<T>(r: Result<T, DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>) -> Result<T, DrawingErrorKind<CanvasErr>> {
    r.map_err(|e| match e {
        DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(CanvasErr(e.to_string())),
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    })
}

thread_local! {
    /// The RGBA copy of the last bitmap blitted (kept to reuse its allocation).
    static RGBA: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn canvas_error(e: &JsValue) -> DrawingErrorKind<CanvasErr> {
    DrawingErrorKind::DrawingError(CanvasErr(js_error_text(e)))
}

impl DrawingBackend for FastCanvas {
    type ErrorType = CanvasErr;
    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.ensure_prepared())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.present())
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_pixel(p, c))
    }
    fn draw_line<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_line(a, b, s))
    }
    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_rect(a, b, s, fill))
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, s: &S) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_path(path, s))
    }
    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_circle(c, r, s, fill))
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, s: &S) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.fill_polygon(vert, s))
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, s: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<CanvasErr>> {
        lift(self.inner.draw_text(text, s, pos))
    }
    /// plotters' default (and `CanvasBackend`'s, which does not override it) puts
    /// an RGB bitmap pixel by pixel: a `fillStyle` string and a `fillRect` each, about
    /// 700,000 canvas calls for the chart's plot area. Here it is one `putImageData`
    /// (RGB widened to the RGBA that `ImageData` holds, opaque).
    fn blit_bitmap(&mut self, pos: BackendCoord, (w, h): (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<CanvasErr>> {
        let n = w as usize * h as usize;
        if n == 0 {
            return Ok(());
        }
        if src.len() < n * 3 {
            return Err(DrawingErrorKind::DrawingError(CanvasErr(format!(
                "a {w}×{h} bitmap needs {} bytes, got {}",
                n * 3,
                src.len()
            ))));
        }
        RGBA.with(|buf| {
            let mut buf = buf.borrow_mut();
            // Every fourth byte is 255 (opaque) from the start and never written again.
            if buf.len() < n * 4 {
                buf.resize(n * 4, 255);
            }
            let rgba = &mut buf[..n * 4];
            for (d, s) in rgba.chunks_exact_mut(4).zip(src.chunks_exact(3)) {
                d[..3].copy_from_slice(s);
            }
            let img = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&*rgba), w, h)
                .map_err(|e| canvas_error(&e))?;
            self.ctx
                .put_image_data(&img, f64::from(pos.0), f64::from(pos.1))
                .map_err(|e| canvas_error(&e))
        })
    }
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, s: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasErr>> {
        // The same font string CanvasBackend::draw_text sets.
        self.ctx.set_font(&format!(
            "{} {}px {}",
            s.style().as_str(),
            s.size(),
            s.family().as_str()
        ));
        let w = self
            .ctx
            .measure_text(text)
            .map(|m| m.width())
            .unwrap_or(text.chars().count() as f64 * s.size() * 0.6);
        Ok((w.ceil().max(0.0) as u32, (s.size() * 1.2).ceil() as u32))
    }
}

// ---------------------------------------------------------------------------------------
// The interactive timeline, histogram, overview strip, events table and detail pane

fn with_ui<T>(f: impl FnOnce(&mut Ui, Option<&Session>, &Redactor) -> T) -> Option<T> {
    APP.with(|app| {
        let mut app = app.borrow_mut();
        let app = app.as_mut()?;
        let App {
            session,
            ui,
            redactor,
            ..
        } = app;
        let ui = ui.as_mut()?;
        Some(f(ui, session.as_ref(), redactor))
    })
}

/// Rows of the table: the loaded events, or synthetic ones in benchmark mode.
fn rows_of<'a>(ui: &'a Ui, session: Option<&'a Session>) -> Box<dyn Rows + 'a> {
    rows_for(&ui.linked, ui.synthetic, session)
}

fn rows_for<'a>(linked: &'a Linked, synthetic: bool, session: Option<&'a Session>) -> Box<dyn Rows + 'a> {
    match session {
        Some(s) if !synthetic => Box::new(EventRows {
            events: &s.ingest.events,
            linked,
        }),
        _ => Box::new(SynthRows {
            marks: &linked.data.marks,
            series: &linked.data.series,
        }),
    }
}

/// The browser's offset from UTC, in ms east, at the instant `t` (not today's: a
/// May date in Berlin is UTC+02:00 even in December). The core reads no zone; the
/// page asks here for every label it shows in local time.
fn tz_offset_at(t: i64) -> i64 {
    // getTimezoneOffset is minutes *west* of UTC; NaN past the range of a JS Date.
    let m = js_sys::Date::new(&JsValue::from_f64(t as f64)).get_timezone_offset();
    if m.is_finite() {
        -(m as i64) * 60_000
    } else {
        0
    }
}

impl Ui {
    /// The offset the page labels `t` with: 0 in UTC, else the local one at `t`.
    fn zone_at(&self, t: i64) -> i64 {
        if self.tz_local {
            tz_offset_at(t)
        } else {
            0
        }
    }
}

/// The duration axis picked in the page's control (Auto when it says nothing known).
fn y_scale_control() -> crate::chart::YScale {
    document()
        .get_element_by_id("y-scale")
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
        .and_then(|s| crate::chart::YScale::parse(&s.value()))
        .unwrap_or_default()
}

/// Sets the duration axis (the control shows it) and redraws.
fn set_y_scale(scale: crate::chart::YScale) {
    if let Some(s) = document()
        .get_element_by_id("y-scale")
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
    {
        s.set_value(scale.name());
    }
    with_ui(|ui, _, _| ui.y_scale = scale);
    request_frame();
}

fn new_ui(linked: Linked, synthetic: bool) -> Ui {
    // Opens on the events dated 2000–2099 when there are any (a stray 1970 or 9999
    // date is still reachable: zoom out, or the overview strip shows it).
    let vp = Viewport::with_home(linked.data.full_view(), linked.data.initial_view());
    let local: bool = document()
        .get_element_by_id("tz-local")
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.checked())
        .unwrap_or(false);
    Ui {
        linked,
        vp,
        frame: Frame::default(),
        ov_x: (0, 1),
        dpr: 1.0,
        hover: None,
        sel_row: None,
        sel_marks: Vec::new(),
        sel_window: None,
        tz_local: local,
        y_scale: y_scale_control(),
        decimate: true,
        query: Query::default(),
        follow_range: true,
        order: table::Sorted::default(),
        filtered: Vec::new(),
        rows: Vec::new(),
        rows_for: None,
        show_original: false,
        drag: None,
        synthetic,
        frame_pending: false,
        table_dirty: true,
        last_table_ms: 0.0,
        lod: Default::default(),
        ov_cache: None,
        legend: controls::Legend::new(0),
        failures: Vec::new(),
    }
}

/// The chart data as drawn (hidden series left out), for the SVG export.
fn drawn_data(ui: &Ui) -> crate::chart::ChartData {
    let d = &ui.linked.data;
    if !ui.legend.any_hidden() {
        return d.clone();
    }
    let idx = ui.legend.visible(d.marks.iter().map(|m| m.series));
    crate::chart::ChartData {
        marks: idx.iter().map(|&i| d.marks[i as usize]).collect(),
        ..d.without_marks()
    }
}

/// Said under the chart when the view opens on the events dated 2000–2099 and some
/// are dated outside it (`ChartData::initial_view`).
const OUTSIDE_NOTE: &str = "The view opens on the events dated 2000–2099; some are dated outside it (see Problems): zoom out or drag on the strip below to see them.";

/// After a load (`fresh`) or a re-analysis: links marks to events, resets the view.
fn rebuild_ui(fresh: bool) {
    rebuild_ui_data(fresh);
    request_frame();
}

/// [`rebuild_ui`] without asking for a frame: the worker's load draws the first frame
/// itself, in a task after the browser has laid out the page (a frame requested here
/// would lay it out inside the draw: 34 ms of a 93 ms task at 200 MB).
pub(super) fn rebuild_ui_data(fresh: bool) {
    APP.with(|app| {
        let mut app = app.borrow_mut();
        let Some(app) = app.as_mut() else { return };
        let Some(session) = app.session.as_ref() else {
            return;
        };
        // One mark per work span (Action run, script run, or request), see session::chart_data.
        let span_event: Vec<usize> =
            session.analysis.work.iter().map(|w| w.event.unwrap_or(usize::MAX)).collect();
        let linked = Linked::from_chart(session.chart(), &span_event, session.event_count());
        match (&mut app.ui, fresh) {
            (Some(ui), false) if !ui.synthetic => {
                // Keep the view, the filters and the selection; only the data changed.
                let view = ui.vp;
                ui.linked = linked;
                ui.order.reset();
                ui.lod = crate::lod::LodSet::build(&ui.linked.data);
                ui.ov_cache = None;
                ui.vp = view;
                ui.sel_window = None;
                ui.table_dirty = true;
                if ui.legend.len() != ui.linked.data.series.len() {
                    ui.legend = controls::Legend::new(ui.linked.data.series.len());
                }
            }
            _ => {
                let mut ui = new_ui(linked, false);
                ui.lod = crate::lod::LodSet::build(&ui.linked.data);
                ui.decimate = by_id_as::<HtmlInputElement>("decimate").checked();
                ui.legend = controls::Legend::new(ui.linked.data.series.len());
                app.ui = Some(ui);
            }
        }
    });
    let failures = findings::failure_times();
    let outside = with_ui(|ui, _, _| {
        ui.failures = failures;
        let d = &ui.linked.data;
        !ui.synthetic && d.initial_view() != d.full_view()
    });
    if outside == Some(true) {
        // `render` wrote the caption just before; say why the view is not everything.
        let caption = by_id("chart-caption");
        let text = caption.text_content().unwrap_or_default();
        if !text.contains(OUTSIDE_NOTE) {
            caption.set_text_content(Some(format!("{text} {OUTSIDE_NOTE}").trim_start()));
        }
    }
    if fresh {
        shared::close();
    }
    legend::render();
    fill_filters();
    render_findings();
    set_hidden(&by_id("detail"), true);
}

/// Draws on the next animation frame (many input events, one draw).
fn request_frame() {
    let pending = with_ui(|ui, _, _| std::mem::replace(&mut ui.frame_pending, true));
    if pending != Some(false) {
        return;
    }
    let cb = Closure::once_into_js(move || {
        with_ui(|ui, _, _| ui.frame_pending = false);
        draw_now();
    });
    let _ = window().request_animation_frame(cb.unchecked_ref());
}

/// Sizes a canvas to its box in device pixels (only when that changed, since
/// resizing clears it). Returns false when it is not laid out.
fn fit_canvas(canvas: &HtmlCanvasElement, dpr: f64) -> bool {
    let (cw, ch) = (canvas.client_width(), canvas.client_height());
    if cw <= 0 || ch <= 0 {
        return false;
    }
    let (w, h) = (
        (f64::from(cw) * dpr).round() as u32,
        (f64::from(ch) * dpr).round() as u32,
    );
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    true
}

/// Draws the chart, the overview strip and the histogram for the current view,
/// then the range label, the tooltip, and (throttled) the table.
fn draw_now() {
    let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
    let result = with_ui(|ui, _, _| {
        ui.dpr = dpr;
        draw_canvases(ui)
    });
    match result {
        Some(Err(e)) => show_error(&format!("The chart could not be drawn: {e}")),
        None => return,
        _ => {}
    }
    update_range_label();
    update_tooltip();
    // Where the slowest drawn request is (CSS px in the canvas): a hook for tests
    // and tooling, as the canvas itself has no elements to find.
    let slow = with_ui(|ui, _, _| {
        let k = viewport::slowest(&ui.linked.data.marks, &ui.frame.kept)?;
        let m = ui.linked.data.marks[k];
        let (x, y) = ui.frame.point(m.t, m.dur_ms);
        Some(format!("{:.1},{:.1}", x / ui.dpr, y / ui.dpr))
    })
    .flatten();
    let _ = by_id("chart").set_attribute("data-slowest", slow.as_deref().unwrap_or(""));
    // Where the selected mark is, when it is in view (the same hook for the selection).
    let sel = with_ui(|ui, _, _| {
        let m = *ui.linked.data.marks.get(*ui.sel_marks.first()?)?;
        if m.t < ui.frame.t0 || m.t > ui.frame.t1 {
            return None;
        }
        let (x, y) = ui.frame.point(m.t, m.dur_ms);
        Some(format!("{:.1},{:.1}", x / ui.dpr, y / ui.dpr))
    })
    .flatten();
    let _ = by_id("chart").set_attribute("data-selected", sel.as_deref().unwrap_or(""));
    let now = now_ms();
    let due = with_ui(|ui, _, _| {
        let view = ui.vp.view();
        let changed = ui.follow_range && ui.rows_for != Some((view.t0, view.t1));
        (ui.table_dirty || changed) && (ui.drag.is_none() || now - ui.last_table_ms > 120.0)
    });
    if due == Some(true) {
        refresh_table();
    } else if with_ui(|ui, _, _| ui.drag.is_some()) == Some(true) {
        // Trailing update once the drag settles.
        let cb = Closure::once_into_js(request_frame);
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 150);
    }
}

/// What the chart shows of the interactive state besides the view: time zone,
/// hidden series, decimation (no selection).
fn frame_options(ui: &Ui) -> FrameOptions {
    FrameOptions {
        decimate: ui.decimate,
        sorted: true,
        // One offset per frame: the one in the middle of the view (a view across a
        // clock change is labelled in the zone most of it is in).
        tz_offset_ms: {
            let v = ui.vp.view();
            ui.zone_at(v.t0 + (v.t1 - v.t0) / 2)
        },
        selected: Vec::new(),
        selected_window: None,
        hidden_series: (0..ui.legend.len()).map(|s| ui.legend.is_hidden(s)).collect(),
    }
}

/// Draws the timeline of the current view on `canvas` (sized already, in device
/// pixels) as the page does: the plot area as one bitmap through
/// `DrawingBackend::blit_bitmap` (FastCanvas: one putImageData), plotters' axes
/// and labels on top, then the extensibility failures. The page's canvas and the
/// PNG download (an off-screen canvas) both come from here.
fn draw_chart_on(ui: &Ui, canvas: &HtmlCanvasElement, opts: &DrawOptions, fo: &FrameOptions) -> Result<Frame, String> {
    let backend = FastCanvas::new(canvas.clone()).ok_or("this browser gave no 2D canvas")?;
    let root = backend.into_drawing_area();
    let view = ui.vp.view();
    let ex = crate::chart::Extras { lod: Some(&ui.lod), raster: true };
    let frame = crate::chart::draw_frame_with(&root, &ui.linked.data, &view, opts, fo, ex)
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    findings::draw_failures(canvas, &ui.failures, &frame, opts.scale);
    Ok(frame)
}

fn draw_canvases(ui: &mut Ui) -> Result<(), String> {
    let canvas: HtmlCanvasElement = by_id_as("chart");
    if !fit_canvas(&canvas, ui.dpr) {
        return Ok(());
    }
    // No legend strip on the page: the chips above the chart (`legend::render`) are
    // its legend, and the plot gets that height. Downloads draw it (see exports).
    let opts = DrawOptions {
        scale: ui.dpr,
        legend: false,
        y_scale: ui.y_scale,
        ..DrawOptions::default()
    };
    let fo = FrameOptions {
        selected: ui.sel_marks.clone(),
        selected_window: ui.sel_window,
        ..frame_options(ui)
    };
    let view = ui.vp.view();
    ui.frame = draw_chart_on(ui, &canvas, &opts, &fo)?;
    // Where the plot area went (CSS px: left, top, right, bottom) and the duration
    // axis drawn (Auto resolved), for tests and tooling, as the canvas has no
    // elements to find.
    let (l, t, r, b) = ui.frame.plot;
    let css = |v: i32| format!("{:.1}", f64::from(v) / ui.dpr);
    let _ = canvas.set_attribute("data-plot", &format!("{},{},{},{}", css(l), css(t), css(r), css(b)));
    let axis = if ui.frame.y.log { "log" } else { "linear" };
    let _ = canvas.set_attribute("data-y-scale", axis);

    let ov: HtmlCanvasElement = by_id_as("overview");
    if fit_canvas(&ov, ui.dpr) {
        // Line the strip up with the plot area (both canvases share a column).
        let ratio = f64::from(ov.width()) / f64::from(canvas.width().max(1));
        let x0 = (f64::from(ui.frame.plot.0) * ratio).round() as i32;
        let x1 = (f64::from(ui.frame.plot.2) * ratio).round() as i32;
        ui.ov_x = (x0, x1.max(x0 + 1));
        if let Some(b) = FastCanvas::new(ov) {
            let root = b.into_drawing_area();
            let w = (x1 - x0).max(1) as u32;
            if ui.ov_cache.as_ref().map(|c| c.0) != Some(w) {
                let d = &ui.linked.data;
                let full = ui.vp.full();
                let (t0, t1) = full.bounds();
                let col = ((t1 - t0) / i64::from(w)).max(1);
                let mut breaches: Vec<i64> = d.breaches.iter().map(|t| t - t.rem_euclid(col)).collect();
                breaches.dedup();
                ui.ov_cache = Some((
                    w,
                    crate::chart::ChartData {
                        steps: crate::chart::decimate_steps(&d.steps, &full, w),
                        breaches,
                        windows: d.windows.clone(),
                        ..Default::default()
                    },
                ));
            }
            let ov_data = &ui.ov_cache.as_ref().expect("cached").1;
            crate::chart::draw_overview(
                &root,
                ov_data,
                &ui.vp.full(),
                &view,
                ui.ov_x.0,
                ui.ov_x.1,
                ui.dpr,
            )
            .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
    }

    let hist: HtmlCanvasElement = by_id_as("hist");
    if fit_canvas(&hist, ui.dpr) {
        // The marks in view of the series the legend shows.
        let (t0, t1) = view.bounds();
        let l = &ui.linked;
        let counts = l.hist.count(&l.data.marks, &l.buckets, t0, t1, &fo.hidden_series);
        let _ = hist.set_attribute("data-count", &counts.iter().sum::<u64>().to_string());
        if let Some(b) = FastCanvas::new(hist) {
            let root = b.into_drawing_area();
            crate::histogram::draw(&root, &counts, "sans-serif", ui.dpr)
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// `t` as the page labels it: UTC, or local time with the offset in force at `t`.
fn fmt_when(t: i64, ui_local: bool) -> String {
    table::fmt_when(t, if ui_local { tz_offset_at(t) } else { 0 })
}

fn fmt_dur(ms: f64) -> String {
    table::fmt_dur(ms)
}

fn update_range_label() {
    let text = with_ui(|ui, _, _| {
        let v = ui.vp.view();
        let el = by_id("range");
        let _ = el.set_attribute("data-t0", &v.t0.to_string());
        let _ = el.set_attribute("data-t1", &v.t1.to_string());
        let _ = el.set_attribute("data-full", if ui.vp.is_full() { "1" } else { "0" });
        let empty = !ui.linked.data.has_time();
        let _ = by_id("chart").set_attribute("data-empty", if empty { "1" } else { "0" });
        if empty {
            // No time range at all: not an axis at the epoch.
            return crate::chart::EMPTY_TITLE.to_string();
        }
        format!(
            "{} → {} ({})",
            fmt_when(v.t0, ui.tz_local),
            fmt_when(v.t1, ui.tz_local),
            crate::session::duration_text(v.t1 - v.t0)
        )
    });
    if let Some(t) = text {
        set_text("range", &t);
    }
}

/// Tooltip (and detail) lines for table row `row`: a run's Action, duration, start
/// and end, then its event's type, logged time and description (`table::describe_row`).
/// The description is free text that can hold an email or an ip ("Login by ivan@… from
/// 172.16.5.4"): it is shown as the redacted record has it, unless the user asked for
/// the original.
fn row_lines(ui: &Ui, session: Option<&Session>, redactor: &Redactor, row: usize) -> Vec<(String, &'static str)> {
    let events = session.filter(|_| !ui.synthetic).map(|s| s.ingest.events.as_slice());
    table::describe_row(&ui.linked, events, row, &|t| ui.zone_at(t))
        .into_iter()
        .map(|(text, line)| match line {
            table::Line::Title => (text, "tt-title"),
            table::Line::Info => (text, "tt-row"),
            table::Line::Desc if ui.show_original => (text, "tt-desc"),
            table::Line::Desc => (redacted_description(redactor, &text), "tt-desc"),
        })
        .collect()
}

/// The event of the selected row (its run's event, or its own).
fn sel_event(ui: &Ui) -> Option<usize> {
    ui.sel_row.and_then(|r| ui.linked.row_event(r))
}

/// `text` as the description of a record redacted under the panel's key and rules.
fn redacted_description(redactor: &Redactor, text: &str) -> String {
    let mut record = serde_json::Map::new();
    record.insert("description".into(), serde_json::Value::String(text.to_owned()));
    let record = serde_json::Value::Object(record).to_string();
    let mut out = Vec::with_capacity(record.len() + 32);
    let mut sum = crate::redact::Summary::default();
    match redaction::redact_record(record.as_bytes(), &[], redactor, &mut sum, &mut out) {
        Ok(()) => serde_json::from_slice::<serde_json::Value>(&out)
            .ok()
            .and_then(|v| v.get("description").and_then(|d| d.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "(redacted)".into()),
        Err(_) => "(redacted)".into(),
    }
}

/// Shows the tooltip for the hovered mark, else for the selected one.
fn update_tooltip() {
    let info = with_ui(|ui, session, redactor| {
        let k = ui.hover.or_else(|| ui.sel_marks.first().copied())?;
        let m = ui.linked.data.marks.get(k)?;
        let (t0, t1) = (ui.frame.t0, ui.frame.t1);
        if m.t < t0 || m.t > t1 {
            return None;
        }
        let (x, y) = ui.frame.point(m.t, m.dur_ms);
        Some((row_lines(ui, session, redactor, ui.linked.mark_row(k)?), x / ui.dpr, y / ui.dpr))
    });
    let tip = by_id("tooltip");
    let Some(Some((lines, x, y))) = info else {
        set_hidden(&tip, true);
        return;
    };
    clear(&tip);
    for (text, class) in lines {
        let d = text_el("div", &text);
        d.set_class_name(class);
        let _ = tip.append_child(&d);
    }
    set_hidden(&tip, false);
    let tip_h: HtmlElement = tip.clone().unchecked_into();
    let box_w = f64::from(by_id("chart-box").client_width());
    let (w, h) = (
        f64::from(tip_h.offset_width()),
        f64::from(tip_h.offset_height()),
    );
    let left = if x + 14.0 + w > box_w {
        (x - 14.0 - w).max(0.0)
    } else {
        x + 14.0
    };
    let top = (y - h - 10.0).max(0.0);
    let _ = tip_h
        .style()
        .set_property("left", &format!("{left:.0}px"));
    let _ = tip_h.style().set_property("top", &format!("{top:.0}px"));
}

/// Canvas-relative device pixels of a mouse event.
fn canvas_xy(e: &MouseEvent, dpr: f64) -> (f64, f64) {
    (f64::from(e.offset_x()) * dpr, f64::from(e.offset_y()) * dpr)
}

/// Selects mark `k` (or nothing) and its row, one to one.
fn select_mark(k: Option<usize>, scroll_table: bool) {
    with_ui(|ui, _, _| {
        ui.sel_row = k.and_then(|k| ui.linked.mark_row(k));
        ui.sel_marks = k.into_iter().collect();
    });
    if scroll_table {
        scroll_table_to_selection();
    }
    render_table_window();
    request_frame();
}

/// Selects table row `r` and shows its mark (none for an event without a duration).
fn select_row(r: usize) {
    with_ui(|ui, _, _| {
        ui.sel_row = Some(r);
        ui.sel_marks = ui.linked.row_mark(r).into_iter().collect();
        if let Some(&k) = ui.sel_marks.first() {
            let t = ui.linked.data.marks[k].t;
            let v = ui.vp.view();
            if t < v.t0 || t > v.t1 {
                ui.vp.center_on(t as f64);
            }
        }
    });
    render_table_window();
    request_frame();
}

fn select_window(w: usize, zoom: bool) {
    let ok = with_ui(|ui, _, _| {
        let &(a, b) = ui.linked.data.windows.get(w)?;
        ui.sel_window = Some(w);
        if zoom {
            let pad = ((b - a) as f64 * 0.3).max(60_000.0);
            ui.vp.set_range(a as f64 - pad, b as f64 + pad / 3.0);
        }
        Some(())
    });
    if ok.flatten().is_some() {
        render_culprits();
        request_frame();
    }
}

fn wire_timeline() -> Result<(), JsValue> {
    let canvas: EventTarget = by_id("chart").into();
    on(&canvas, "wheel", |e| {
        let Some(w) = e.dyn_ref::<WheelEvent>() else {
            return;
        };
        e.prevent_default();
        let (dx, dy) = (w.delta_x(), w.delta_y());
        let unit = match w.delta_mode() {
            1 => 16.0,
            2 => 400.0,
            _ => 1.0,
        };
        let pinch = w.ctrl_key();
        let x = f64::from(w.offset_x());
        with_ui(|ui, _, _| {
            let f = &ui.frame;
            let anchor = (x * ui.dpr - f64::from(f.plot.0)) / f64::from((f.plot.2 - f.plot.0).max(1));
            if !pinch && (dx.abs() > dy.abs() || w.shift_key()) {
                let d = if dx.abs() > dy.abs() { dx } else { dy };
                let px = f64::from((f.plot.2 - f.plot.0).max(1)) / ui.dpr;
                ui.vp.pan_frac(d * unit / px);
            } else {
                let k = if pinch { 0.01 } else { 0.002 };
                ui.vp.zoom_at((-dy * unit * k).exp(), anchor);
            }
            ui.hover = None;
        });
        request_frame();
    })?;
    on(&canvas, "mousedown", |e| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        if m.button() != 0 {
            return;
        }
        let x = f64::from(m.offset_x());
        with_ui(|ui, _, _| {
            ui.drag = Some(Drag::Pan {
                x,
                vp: ui.vp,
                moved: false,
            })
        });
        let _ = by_id("chart-box").class_list().add_1("dragging");
    })?;
    on(&canvas, "mousemove", |e| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        let x = f64::from(m.offset_x());
        with_ui(|ui, _, _| {
            let plot_w = f64::from((ui.frame.plot.2 - ui.frame.plot.0).max(1)) / ui.dpr;
            if let Some(Drag::Pan { x: x0, vp, moved }) = &mut ui.drag {
                if (x - *x0).abs() > 3.0 || *moved {
                    *moved = true;
                    let mut v = *vp;
                    v.pan_frac(-(x - *x0) / plot_w);
                    ui.vp = v;
                    ui.hover = None;
                    return;
                }
            }
            let (px, py) = canvas_xy(m, ui.dpr);
            ui.hover = viewport::nearest_mark(
                &ui.linked.data.marks,
                &ui.frame,
                px,
                py,
                14.0 * ui.dpr,
            );
        });
        request_frame();
    })?;
    on(&canvas, "mouseleave", |_| {
        with_ui(|ui, _, _| {
            ui.hover = None;
            if matches!(ui.drag, Some(Drag::Pan { .. })) {
                ui.drag = None;
            }
        });
        let _ = by_id("chart-box").class_list().remove_1("dragging");
        request_frame();
    })?;
    on(&canvas, "mouseup", |e| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        let _ = by_id("chart-box").class_list().remove_1("dragging");
        let click = with_ui(|ui, _, _| {
            let drag = ui.drag.take();
            let moved = matches!(drag, Some(Drag::Pan { moved: true, .. }));
            if moved || drag.is_none() {
                return None;
            }
            let (px, py) = canvas_xy(m, ui.dpr);
            let mark =
                viewport::nearest_mark(&ui.linked.data.marks, &ui.frame, px, py, 14.0 * ui.dpr);
            let window = if mark.is_none() && ui.frame.contains(px, py) {
                viewport::window_at(&ui.linked.data.windows, &ui.frame, px, 8.0 * ui.dpr)
            } else {
                None
            };
            Some((mark, window))
        })
        .flatten();
        match click {
            Some((Some(k), _)) => {
                select_mark(Some(k), true);
                open_detail();
            }
            Some((None, Some(w))) => select_window(w, false),
            Some((None, None)) => select_mark(None, false),
            None => request_frame(),
        }
    })?;
    on(&canvas, "keydown", |e| {
        let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if k.ctrl_key() || k.meta_key() || k.alt_key() {
            return;
        }
        let key = k.key();
        let mut open = false;
        let mut cycle_scale = false;
        let mut step: Option<bool> = None;
        let handled = with_ui(|ui, _, _| {
            // Zoom around the selected mark when it is in view, else the middle.
            let anchor = ui
                .sel_marks
                .first()
                .and_then(|&m| ui.linked.data.marks.get(m))
                .map(|m| (m.t as f64 - ui.vp.view().t0 as f64) / ui.vp.span())
                .filter(|a| (0.0..=1.0).contains(a))
                .unwrap_or(0.5);
            match key.as_str() {
                "+" | "=" => ui.vp.zoom_at(viewport::KEY_ZOOM, anchor),
                "-" | "_" => ui.vp.zoom_at(1.0 / viewport::KEY_ZOOM, anchor),
                "ArrowLeft" => ui.vp.pan_frac(-viewport::KEY_PAN),
                "ArrowRight" => ui.vp.pan_frac(viewport::KEY_PAN),
                "0" | "Home" => ui.vp.reset(),
                "]" | "." => step = Some(true),
                "[" | "," => step = Some(false),
                "s" | "S" => {
                    let k = viewport::slowest(&ui.linked.data.marks, &ui.frame.kept);
                    ui.hover = None;
                    return k.map(|k| (true, Some(k)));
                }
                "b" | "B" => {
                    let n = ui.linked.data.windows.len();
                    if n == 0 {
                        return Some((true, None));
                    }
                    let next = ui.sel_window.map_or(0, |w| (w + 1) % n);
                    return Some((false, Some(usize::MAX - next)));
                }
                "l" | "L" => cycle_scale = true,
                "Enter" => open = true,
                "Escape" => {
                    ui.sel_marks.clear();
                    ui.sel_row = None;
                    ui.sel_window = None;
                }
                _ => return None,
            }
            if let Some(fwd) = step {
                let from = ui.sel_marks.first().copied();
                let next = viewport::step_mark(&ui.linked.data.marks, &ui.frame.kept, from, fwd);
                ui.hover = None;
                return Some((true, next.or(from)));
            }
            Some((false, None))
        })
        .flatten();
        let Some((is_select, target)) = handled else {
            return;
        };
        e.prevent_default();
        match target {
            Some(t) if !is_select && t > usize::MAX / 2 => select_window(usize::MAX - t, true),
            Some(k) if is_select => select_mark(Some(k), true),
            _ => {}
        }
        if open {
            open_detail();
        }
        if cycle_scale {
            let next = with_ui(|ui, _, _| ui.y_scale.next()).unwrap_or_default();
            set_y_scale(next);
        }
        request_frame();
    })?;

    // Overview strip: drag selects a range, a click centres there.
    let ov: EventTarget = by_id("overview").into();
    fn ov_time(ui: &Ui, x_css: f64) -> f64 {
        let (x0, x1) = ui.ov_x;
        let f = (x_css * ui.dpr - f64::from(x0)) / f64::from((x1 - x0).max(1));
        let full = ui.vp.full();
        full.t0 as f64 + f.clamp(0.0, 1.0) * (full.t1 - full.t0) as f64
    }
    on(&ov, "mousedown", |e| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        let x = f64::from(m.offset_x());
        with_ui(|ui, _, _| {
            let from = ov_time(ui, x);
            ui.drag = Some(Drag::Overview {
                from,
                x,
                moved: false,
            });
        });
    })?;
    on(&ov, "mousemove", |e| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        let x = f64::from(m.offset_x());
        let go = with_ui(|ui, _, _| {
            let to = ov_time(ui, x);
            if let Some(Drag::Overview { from, x: x0, moved }) = &mut ui.drag {
                if (x - *x0).abs() > 3.0 || *moved {
                    *moved = true;
                    let from = *from;
                    ui.vp.set_range(from, to);
                    return true;
                }
            }
            false
        });
        if go == Some(true) {
            request_frame();
        }
    })?;
    let ov_end = |e: Event| {
        let Some(m) = e.dyn_ref::<MouseEvent>() else {
            return;
        };
        let x = f64::from(m.offset_x());
        with_ui(|ui, _, _| {
            if let Some(Drag::Overview { moved, .. }) = ui.drag.take() {
                if !moved && e.type_() == "mouseup" {
                    let t = ov_time(ui, x);
                    ui.vp.center_on(t);
                }
            }
        });
        request_frame();
    };
    on(&ov, "mouseup", ov_end)?;
    on(&ov, "mouseleave", ov_end)?;

    on(&by_id("zoom-in"), "click", |_| {
        with_ui(|ui, _, _| ui.vp.zoom_at(viewport::KEY_ZOOM, 0.5));
        request_frame();
    })?;
    on(&by_id("zoom-out"), "click", |_| {
        with_ui(|ui, _, _| ui.vp.zoom_at(1.0 / viewport::KEY_ZOOM, 0.5));
        request_frame();
    })?;
    on(&by_id("zoom-reset"), "click", |_| {
        with_ui(|ui, _, _| ui.vp.reset());
        request_frame();
    })?;
    on(&by_id("tz-local"), "change", |_| {
        let local = by_id_as::<HtmlInputElement>("tz-local").checked();
        with_ui(|ui, _, _| {
            ui.tz_local = local;
            ui.table_dirty = true;
        });
        render_findings();
        // It closed the open window's culprits: show them again, in the new zone.
        render_culprits();
        request_frame();
    })?;
    on(&by_id("y-scale"), "change", |_| set_y_scale(y_scale_control()))?;
    on(&by_id("decimate"), "change", |_| {
        let on_ = by_id_as::<HtmlInputElement>("decimate").checked();
        with_ui(|ui, _, _| ui.decimate = on_);
        request_frame();
    })?;
    on(&by_id("detail-original"), "change", |_| {
        let orig = by_id_as::<HtmlInputElement>("detail-original").checked();
        with_ui(|ui, _, _| ui.show_original = orig);
        open_detail_inner(false);
    })?;

    // Table: filters, sorting, scrolling, selection.
    for id in ["f-type", "f-series", "f-client", "f-conn", "f-range"] {
        on(&by_id(id), "change", |_| apply_filters())?;
    }
    on(&by_id("f-text"), "input", |_| apply_filters())?;
    on(&by_id("ev-head"), "click", |e| {
        let Some(b) = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-sort]").ok().flatten())
        else {
            return;
        };
        let Some(col) = b.get_attribute("data-sort").and_then(|k| Col::from_key(&k)) else {
            return;
        };
        with_ui(|ui, _, _| {
            if ui.query.sort == col {
                ui.query.descending = !ui.query.descending;
            } else {
                ui.query.sort = col;
                ui.query.descending = matches!(col, Col::Duration);
            }
            ui.table_dirty = true;
        });
        refresh_table();
    })?;
    on(&by_id("ev-scroll"), "scroll", |_| render_table_window())?;
    on(&by_id("ev-rows"), "click", |e| {
        let row = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest(".ev-row").ok().flatten())
            .and_then(|r| r.get_attribute("data-row"))
            .and_then(|r| r.parse::<usize>().ok());
        if let Some(r) = row {
            select_row(r);
            open_detail();
        }
    })?;
    on(&by_id("ev-scroll"), "keydown", |e| {
        let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        let key = k.key();
        let delta: i64 = match key.as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            "PageDown" => 14,
            "PageUp" => -14,
            "Enter" => 0,
            _ => return,
        };
        e.prevent_default();
        if delta == 0 {
            open_detail();
            return;
        }
        let next = with_ui(|ui, _, _| {
            if ui.rows.is_empty() {
                return None;
            }
            let pos = ui
                .sel_row
                .and_then(|sel| ui.rows.iter().position(|&r| r as usize == sel));
            let p = match pos {
                Some(p) => (p as i64 + delta).clamp(0, ui.rows.len() as i64 - 1) as usize,
                None => 0,
            };
            Some(ui.rows[p] as usize)
        })
        .flatten();
        if let Some(r) = next {
            select_row(r);
            scroll_table_to_selection();
        }
    })?;
    on(&by_id("windows"), "click", |e| {
        let w = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-window]").ok().flatten())
            .and_then(|b| b.get_attribute("data-window"))
            .and_then(|w| w.parse::<usize>().ok());
        if let Some(w) = w {
            select_window(w, true);
        }
    })?;
    Ok(())
}

fn select_value(id: &str) -> Option<String> {
    let v = by_id_as::<HtmlSelectElement>(id).value();
    (!v.is_empty()).then_some(v)
}

fn apply_filters() {
    let q = Query {
        type_code: select_value("f-type"),
        series: select_value("f-series").and_then(|s| s.parse().ok()),
        client: select_value("f-client"),
        connection: select_value("f-conn"),
        text: by_id_as::<HtmlInputElement>("f-text").value(),
        sort: Col::Time,
        descending: false,
    };
    let follow = by_id_as::<HtmlInputElement>("f-range").checked();
    with_ui(|ui, _, _| {
        ui.query = Query {
            sort: ui.query.sort,
            descending: ui.query.descending,
            ..q
        };
        ui.follow_range = follow;
        ui.table_dirty = true;
    });
    refresh_table();
}

/// Distinct values (most frequent first, at most 300) into each filter's `<select>`.
fn fill_filters() {
    let lists = with_ui(|ui, session, _| {
        let rows = rows_of(ui, session);
        let mut out = Vec::new();
        for col in [Col::Type, Col::Client, Col::Connection] {
            let mut counts: std::collections::HashMap<&str, usize> = Default::default();
            for i in 0..rows.len().min(2_000_000) {
                let t = rows.text(i, col);
                if !t.is_empty() {
                    *counts.entry(t).or_default() += 1;
                }
            }
            let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            out.push(
                v.into_iter()
                    .take(300)
                    .map(|(s, n)| (s.to_string(), format!("{s} ({})", fmt_int(n))))
                    .collect::<Vec<_>>(),
            );
        }
        // Runs per Action: each is a row (the same count as the per-Action table).
        let mut runs = vec![0usize; ui.linked.data.series.len()];
        for m in &ui.linked.data.marks {
            if let Some(n) = runs.get_mut(usize::from(m.series)) {
                *n += 1;
            }
        }
        let series: Vec<(String, String)> = ui
            .linked
            .data
            .series
            .iter()
            .zip(runs)
            .enumerate()
            .map(|(i, (s, n))| (i.to_string(), format!("{s} ({})", fmt_int(n))))
            .collect();
        (out, series)
    });
    let Some((lists, series)) = lists else { return };
    let fill = |id: &str, items: &[(String, String)]| {
        let sel = by_id(id);
        clear(&sel);
        let all = text_el("option", "all");
        let _ = all.set_attribute("value", "");
        let _ = sel.append_child(&all);
        for (value, label) in items {
            let o = text_el("option", label);
            let _ = o.set_attribute("value", value);
            let _ = sel.append_child(&o);
        }
    };
    fill("f-type", &lists[0]);
    fill("f-client", &lists[1]);
    fill("f-conn", &lists[2]);
    fill("f-series", &series);
    by_id_as::<HtmlInputElement>("f-text").set_value("");
}

/// Re-filters (when filters changed) and re-ranges the rows, then renders.
pub(super) fn refresh_table() {
    let t = now_ms();
    with_ui(|ui, session, _| {
        let rows = rows_for(&ui.linked, ui.synthetic, session);
        if ui.table_dirty {
            ui.filtered = ui.order.select(rows.as_ref(), &ui.query);
        }
        let v = ui.vp.view();
        ui.rows = if ui.follow_range && !ui.vp.is_full() {
            table::in_range_for(rows.as_ref(), &ui.filtered, &ui.query, v.t0, v.t1)
        } else {
            ui.filtered.clone()
        };
        ui.rows_for = Some((v.t0, v.t1));
        ui.table_dirty = false;
        ui.last_table_ms = t;
        let head = by_id("ev-head");
        for col in Col::ALL {
            if let Ok(Some(b)) = head.query_selector(&format!("button[data-sort=\"{}\"]", col.key())) {
                if col == ui.query.sort {
                    let _ = b.set_attribute(
                        "aria-sort",
                        if ui.query.descending { "descending" } else { "ascending" },
                    );
                } else {
                    let _ = b.remove_attribute("aria-sort");
                }
            }
        }
    });
    render_table_window();
}

fn table_virtual(n: usize) -> Virtual {
    let scroller: HtmlElement = by_id_as("ev-scroll");
    Virtual {
        n,
        row_h: ROW_H,
        view_h: f64::from(scroller.client_height().max(1)),
    }
}

/// Renders only the rows in (and just around) the scroller's viewport.
fn render_table_window() {
    let scroller: HtmlElement = by_id_as("ev-scroll");
    let top = f64::from(scroller.scroll_top());
    let rows_el: HtmlElement = by_id_as("ev-rows");
    let spacer: HtmlElement = by_id_as("ev-spacer");
    with_ui(|ui, session, _| {
        let v = table_virtual(ui.rows.len());
        let _ = spacer
            .style()
            .set_property("height", &format!("{}px", v.height()));
        let (range, offset) = v.window(top, 4);
        let _ = rows_el
            .style()
            .set_property("transform", &format!("translateY({offset}px)"));
        clear(&rows_el);
        let rows = rows_of(ui, session);
        for &r in &ui.rows[range] {
            let i = r as usize;
            let row = el("div");
            let failed = ui
                .linked
                .row_mark(i)
                .and_then(|k| ui.linked.data.marks.get(k))
                .is_some_and(|m| m.failed)
                || rows.text(i, Col::Description) == "resource_exhausted";
            let mut class = String::from("ev-row");
            if ui.sel_row == Some(i) {
                class.push_str(" selected");
                let _ = row.set_attribute("aria-selected", "true");
            }
            if failed {
                class.push_str(" failed");
            }
            row.set_class_name(&class);
            let _ = row.set_attribute("role", "row");
            let _ = row.set_attribute("data-row", &i.to_string());
            let cells: [(String, &str); 7] = [
                (
                    rows.time(i)
                        .map(|t| fmt_when(t, ui.tz_local))
                        .unwrap_or_else(|| "–".into()),
                    "t-time",
                ),
                (rows.duration(i).map(fmt_dur).unwrap_or_default(), "num"),
                (rows.text(i, Col::Series).to_string(), "t-series"),
                (rows.text(i, Col::Type).to_string(), "t-type"),
                (rows.text(i, Col::Description).to_string(), "t-desc"),
                (rows.text(i, Col::Client).to_string(), "t-client"),
                (rows.text(i, Col::Connection).to_string(), "t-conn"),
            ];
            for (text, c) in cells {
                let cell = text_el("span", &text);
                cell.set_class_name(c);
                let _ = cell.set_attribute("role", "gridcell");
                let _ = row.append_child(&cell);
            }
            let _ = rows_el.append_child(&row);
        }
        let count = if ui.rows.len() == ui.filtered.len() {
            format!("({})", plural(ui.rows.len(), "row", "rows"))
        } else {
            format!(
                "({} in the visible range, of {} matching)",
                fmt_int(ui.rows.len()),
                fmt_int(ui.filtered.len())
            )
        };
        set_text("ev-count", &count);
        let _ = by_id("ev-table").set_attribute("data-rows", &ui.rows.len().to_string());
        // An empty table says why (nothing is said while there are no rows at all).
        let empty = if !ui.rows.is_empty() || rows.is_empty() {
            None
        } else if ui.filtered.is_empty() {
            Some("No events match these filters.".to_string())
        } else {
            let q = &ui.query;
            let filtering = q.type_code.is_some()
                || q.series.is_some()
                || q.client.is_some()
                || q.connection.is_some()
                || !q.text.trim().is_empty();
            Some(format!(
                "No events {}in the visible time range ({} outside it).",
                if filtering { "match these filters " } else { "" },
                fmt_int(ui.filtered.len())
            ))
        };
        let note = by_id("ev-empty");
        note.set_text_content(empty.as_deref());
        set_hidden(&note, empty.is_none());
    });
}

fn scroll_table_to_selection() {
    let scroller: HtmlElement = by_id_as("ev-scroll");
    let target = with_ui(|ui, _, _| {
        let sel = ui.sel_row?;
        let pos = ui.rows.iter().position(|&r| r as usize == sel)?;
        let v = table_virtual(ui.rows.len());
        Some(v.scroll_top_for(pos, f64::from(scroller.scroll_top())))
    })
    .flatten();
    if let Some(t) = target {
        scroller.set_scroll_top(t.round() as i32);
    }
    render_table_window();
}

fn open_detail() {
    open_detail_inner(true);
}

/// Shows the selected row: what it is (a run with its Action, times and event, or an
/// event without a duration), then the event's record, redacted with the page's key
/// unless the user asked for the original. Log text goes in as text only.
fn open_detail_inner(focus: bool) {
    let info = with_ui(|ui, session, redactor| {
        let row = ui.sel_row?;
        let summary = row_lines(ui, session, redactor, row)
            .into_iter()
            .map(|l| l.0)
            .collect::<Vec<_>>()
            .join(" · ");
        let is_run = ui.linked.row_mark(row).is_some();
        let json = match session {
            Some(s) if !ui.synthetic => match sel_event(ui).and_then(|e| s.ingest.events.get(e)) {
                None => "(no event in these logs lists this run: it comes from an Action execution object alone)".to_string(),
                Some(ev) => {
                    let record = s.ingest.record_text(ev);
                    if ui.show_original {
                        table::pretty_json(record)
                    } else {
                        let mut out = Vec::with_capacity(record.len());
                        let mut sum = crate::redact::Summary::default();
                        match redaction::redact_record(
                            record.as_bytes(),
                            ev.envelope.prefix(),
                            redactor,
                            &mut sum,
                            &mut out,
                        ) {
                            Ok(()) => table::pretty_json(&String::from_utf8_lossy(&out)),
                            Err(err) => format!("(this record could not be redacted: {err:?})"),
                        }
                    }
                }
            },
            _ => {
                let m = ui.linked.data.marks.get(ui.linked.row_mark(row)?)?;
                format!(
                    "{{\n  \"synthetic\": true,\n  \"end\": {},\n  \"duration_ms\": {},\n  \"failed\": {}\n}}",
                    m.t, m.dur_ms, m.failed
                )
            }
        };
        Some((summary, json, ui.show_original, is_run))
    })
    .flatten();
    let detail = by_id("detail");
    let Some((summary, json, original, is_run)) = info else {
        return;
    };
    set_text("detail-summary", &summary);
    set_text("detail-json", &json);
    let what = if is_run { "Selected run, and its event" } else { "Selected event" };
    set_text(
        "detail-h",
        &if original {
            format!("{what} (original: contains personal data)")
        } else {
            format!("{what} (redacted)")
        },
    );
    set_hidden(&detail, false);
    redaction::refresh_preview();
    if focus {
        let d: HtmlElement = detail.unchecked_into();
        let _ = d.focus();
    }
}

// ---------------------------------------------------------------------------------------
// Benchmark mode (boot.js exposes these on `window.inflightBench` when the URL has `?bench`)

/// Replaces whatever is loaded with `n` synthetic requests and shows them.
#[wasm_bindgen]
pub fn bench_load(n: u32) {
    let data = crate::chart::synthetic(n as usize, 0x5EED);
    let ids: Vec<usize> = (0..data.marks.len()).collect();
    let linked = Linked::build(&data, &ids, data.marks.len());
    APP.with(|app| {
        if let Some(app) = app.borrow_mut().as_mut() {
            app.session = None;
            let mut ui = new_ui(linked, true);
            ui.lod = crate::lod::LodSet::build(&ui.linked.data);
            app.ui = Some(ui);
        }
    });
    set_hidden(&by_id("results"), false);
    fill_filters();
    refresh_table();
    draw_now();
}

/// Times `frames` synchronous redraws of the chart, the overview and the
/// histogram while zooming in and out (`"zoom"`) or panning a view an eighth of
/// the data wide (`"pan"`), with decimation on or off. Each frame ends with a
/// one-pixel `getImageData`, which makes the browser finish drawing. Returns
/// JSON `{mean, p50, p95, max, frames}` in ms.
#[wasm_bindgen]
pub fn bench_frames(kind: &str, decimate: bool, frames: u32) -> String {
    let canvas: HtmlCanvasElement = by_id_as("chart");
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
    with_ui(|ui, _, _| {
        ui.decimate = decimate;
        ui.vp.reset();
        if kind == "pan" {
            ui.vp.zoom_at(8.0, 0.0);
        }
    });
    let mut times = Vec::with_capacity(frames as usize);
    for i in 0..frames {
        with_ui(|ui, _, _| match kind {
            "pan" => {
                let back = (i / 40) % 2 == 1;
                ui.vp.pan_frac(if back { -0.02 } else { 0.02 });
            }
            _ => {
                let out = (i / 20) % 2 == 1;
                ui.vp.zoom_at(if out { 1.0 / 1.25 } else { 1.25 }, 0.37);
            }
        });
        let t = now_ms();
        let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
        let _ = with_ui(|ui, _, _| {
            ui.dpr = dpr;
            draw_canvases(ui)
        });
        if let Some(c) = &ctx {
            let _ = c.get_image_data(0.0, 0.0, 1.0, 1.0);
        }
        times.push(now_ms() - t);
    }
    with_ui(|ui, _, _| ui.decimate = true);
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    let q = |p: f64| {
        times
            .get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    format!(
        "{{\"mean\":{mean:.3},\"p50\":{:.3},\"p95\":{:.3},\"max\":{:.3},\"frames\":{}}}",
        q(0.5),
        q(0.95),
        q(1.0),
        times.len()
    )
}

/// Times re-ranging the table to the current view and rendering its window.
#[wasm_bindgen]
pub fn bench_table(frames: u32) -> String {
    let mut times = Vec::new();
    with_ui(|ui, _, _| {
        ui.vp.reset();
        ui.vp.zoom_at(4.0, 0.0);
    });
    for _ in 0..frames {
        with_ui(|ui, _, _| ui.vp.pan_frac(0.05));
        let t = now_ms();
        refresh_table();
        times.push(now_ms() - t);
    }
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let max = times.iter().copied().fold(0.0, f64::max);
    format!("{{\"mean\":{mean:.3},\"max\":{max:.3},\"frames\":{}}}", times.len())
}

/// Times filter changes on a table sorted by duration (slowest first): each
/// change alternates a series filter on and off, then re-filters and renders.
#[wasm_bindgen]
pub fn bench_filter(frames: u32) -> String {
    with_ui(|ui, _, _| {
        ui.vp.reset();
        ui.query = Query { sort: Col::Duration, descending: true, ..Query::default() };
        ui.table_dirty = true;
    });
    refresh_table();
    let mut times = Vec::new();
    for i in 0..frames {
        with_ui(|ui, _, _| {
            ui.query.series = if i % 2 == 0 { Some(i / 2 % 3) } else { None };
            ui.table_dirty = true;
        });
        let t = now_ms();
        refresh_table();
        times.push(now_ms() - t);
    }
    with_ui(|ui, _, _| {
        ui.query = Query::default();
        ui.table_dirty = true;
    });
    refresh_table();
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let max = times.iter().copied().fold(0.0, f64::max);
    format!("{{\"mean\":{mean:.3},\"max\":{max:.3},\"frames\":{}}}", times.len())
}


/// The redacted copy of input `source`, through the export gate (see `exports`).
fn download(source: usize) {
    exports::run(redaction::Pending::Logs(source));
}

// ---------------------------------------------------------------------------------------
// Formatting

fn fmt_int(n: usize) -> String {
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", fmt_int(n), if n == 1 { one } else { many })
}

fn fmt_bytes(n: usize) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// `2021-11-04T00:15:10.706Z` → `2021-11-04 00:15:10.706 UTC`.
fn fmt_time(iso: &str) -> String {
    match iso.strip_suffix('Z') {
        Some(t) => format!("{} UTC", t.replacen('T', " ", 1)),
        None => iso.replacen('T', " ", 1),
    }
}
