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
    Blob, BlobPropertyBag, ClipboardEvent, DataTransfer, Document, DragEvent, Element, Event,
    EventTarget, File, FileList, HtmlAnchorElement, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, HtmlTextAreaElement, Url, Window,
};

use crate::chart::DrawOptions;
use crate::ingest::Severity;
use crate::redact::Redactor;
use crate::session::{Session, Summary};

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
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    install_panic_hook();
    let key = random_key()?;
    APP.with(|app| {
        *app.borrow_mut() = Some(App {
            session: None,
            redactor: Redactor::new(key),
            object_urls: Vec::new(),
        })
    });
    wire()?;
    set_status("Ready. Drop files, choose files, paste, or load the sample incident.");
    body().set_attribute("data-ready", "1")?;
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

    // Ctrl+V anywhere (except into the limit field).
    on(&doc, "paste", |e| {
        let in_limit = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .map(|t| t.id() == "limit")
            .unwrap_or(false);
        if in_limit {
            return;
        }
        if let Some(dt) = e
            .dyn_ref::<ClipboardEvent>()
            .and_then(|c| c.clipboard_data())
        {
            e.prevent_default();
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

    on(&by_id("sample"), "click", |_| {
        let text = crate::sample::sample_incident_ndjson();
        analyze(vec![(
            "sample-incident.ndjson".to_string(),
            text.into_bytes(),
        )]);
    })?;

    on(&by_id("paste-go"), "click", |_| {
        let area: HtmlTextAreaElement = by_id_as("paste");
        let text = area.value();
        if text.trim().is_empty() {
            set_status("The text box is empty: paste or type some log lines first.");
            return;
        }
        analyze(vec![("pasted text".to_string(), text.into_bytes())]);
    })?;

    on(&by_id("limit"), "input", |_| {
        let limit = read_limit();
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
            draw_chart();
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

    on(&win, "resize", |_| draw_chart())?;
    Ok(())
}

fn file_list(list: &FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
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
    let area: HtmlTextAreaElement = by_id_as("paste");
    if text.len() <= MAX_ECHO_BYTES {
        area.set_value(&text);
    } else {
        area.set_value("");
        let _ = area.set_attribute(
            "placeholder",
            &format!(
                "({} of text was pasted: analysed, not shown here)",
                fmt_bytes(text.len())
            ),
        );
    }
    analyze(vec![(text_name.to_string(), text.into_bytes())]);
}

/// Reads every file's bytes (`Blob.arrayBuffer()`, all at once), then analyses them together.
fn read_files(files: Vec<File>) {
    if files.is_empty() {
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
    let input: HtmlInputElement = by_id_as("limit");
    input.value().trim().parse::<u32>().ok().filter(|&n| n > 0)
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
    draw_chart();
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
            None => "none: the limit was not hit".to_string(),
        },
    );

    set_text("c-peak", &s.peak_inflight.to_string());
    let mut peak_sub = match &s.peak_at {
        Some(t) => format!("at {}", fmt_time(t)),
        None => String::new(),
    };
    if let Some(l) = s.limit {
        if !peak_sub.is_empty() {
            peak_sub.push_str(" · ");
        }
        peak_sub.push_str(&format!(
            "limit {l}{}",
            if s.limit_estimated {
                " (estimated)"
            } else {
                ""
            }
        ));
    }
    set_text("c-peak-sub", &peak_sub);
    set_text("c-dups", &fmt_int(s.duplicates));
    let problem_total = s.problems.len();
    set_text("c-problems", &fmt_int(s.errors));
    set_text(
        "c-problems-sub",
        &if s.warnings > 0 {
            format!(
                "{} read with a warning",
                plural(s.warnings, "record", "records")
            )
        } else {
            "records skipped".to_string()
        },
    );

    // The limit field shows the estimate when left empty.
    let limit_input = by_id("limit");
    let placeholder = match (s.limit, s.limit_estimated) {
        (Some(l), true) => format!("auto ≈ {l}"),
        _ => "auto".to_string(),
    };
    let _ = limit_input.set_attribute("placeholder", &placeholder);

    let caption = match s.limit {
        Some(l) if s.limit_estimated => format!("Dashed line: limit {l}, estimated from the logs."),
        Some(l) => format!("Dashed line: limit {l}, as entered."),
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
        let b = text_el("button", "Download redacted");
        let _ = b.set_attribute("type", "button");
        b.set_class_name("small");
        let _ = b.set_attribute("data-source", &i.to_string());
        let _ = b.set_attribute(
            "aria-label",
            &format!("Download redacted copy of {}", src.name),
        );
        let _ = td.append_child(&b);
        let _ = tr.append_child(&td);
        let _ = tbody.append_child(&tr);
    }

    // Problems: where, why, and the text around it with a caret under the column.
    let table = by_id("problems");
    let tbody = tbody_of("problems");
    set_hidden(&table, s.problems.is_empty());
    set_hidden(&by_id("problems-none"), !s.problems.is_empty());
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
    let hidden_rows = problem_total.saturating_sub(s.problems.len().min(MAX_PROBLEM_ROWS));
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

/// Sizes the canvas to its box in device pixels and draws the current chart.
fn draw_chart() {
    let canvas: HtmlCanvasElement = by_id_as("chart");
    let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
    let css_w = canvas.client_width().max(1) as f64;
    let css_h = canvas.client_height().max(1) as f64;
    if canvas.client_width() == 0 {
        return; // hidden: nothing to draw into
    }
    canvas.set_width((css_w * dpr).round() as u32);
    canvas.set_height((css_h * dpr).round() as u32);
    APP.with(|app| {
        let app = app.borrow();
        let Some(session) = app.as_ref().and_then(|a| a.session.as_ref()) else {
            return;
        };
        let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) else {
            show_error("This browser gave no 2D canvas: the chart cannot be drawn.");
            return;
        };
        let data = session.chart();
        let root = backend.into_drawing_area();
        let opts = DrawOptions {
            scale: dpr,
            ..DrawOptions::default()
        };
        let drawn =
            crate::chart::draw(&root, data, &data.full_view(), &opts).and_then(|()| root.present());
        if let Err(e) = drawn {
            show_error(&format!("The chart could not be drawn: {e}"));
        }
    });
}

fn download(source: usize) {
    let result = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref().expect("app state");
        match &app.session {
            Some(s) => s.export_redacted(source, &app.redactor),
            None => Err("Nothing loaded".to_string()),
        }
    });
    let d = match result {
        Ok(d) => d,
        Err(e) => {
            show_error(&format!("The redacted copy could not be made: {e}"));
            return;
        }
    };
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(&d.bytes[..]));
    let opts = BlobPropertyBag::new();
    opts.set_type(d.mime);
    let url = Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .and_then(|blob| Url::create_object_url_with_blob(&blob));
    let url = match url {
        Ok(u) => u,
        Err(e) => {
            show_error(&format!(
                "The download could not be prepared: {}",
                js_error_text(&e)
            ));
            return;
        }
    };
    let a: HtmlAnchorElement = el("a").unchecked_into();
    a.set_href(&url);
    a.set_download(&d.file_name);
    let _ = body().append_child(&a);
    a.click();
    a.remove();
    APP.with(|app| {
        if let Some(app) = app.borrow_mut().as_mut() {
            app.object_urls.push(url);
        }
    });
    set_status(&format!(
        "Saved {}: {} replaced with keyed pseudonyms.",
        d.file_name,
        plural(d.redactions, "value", "values")
    ));
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
