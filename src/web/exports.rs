//! What leaves the page on the user's request: the chart as PNG (from the canvas) and
//! SVG (plotters' SVG backend, the current view), the offline HTML report
//! (`report::render` with the page's redactor), and a share link (`share::fit`, the
//! summary packed into the URL fragment, which browsers never send to a server).
//! Every download is a `Blob` + object URL; nothing goes to the network.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, HtmlElement, HtmlInputElement, Url};

use super::{body, by_id, by_id_as, el, fmt_bytes, js_error_text, on, set_hidden, set_text, show_error, with_ui, APP};
use crate::chart::DrawOptions;
use crate::report::{self, ReportOptions};
use crate::share;

/// SVG export size (CSS px).
const SVG_W: u32 = 1200;
const SVG_H: u32 = 500;

pub(super) fn wire() -> Result<(), JsValue> {
    on(&by_id("exp-png"), "click", |_| png())?;
    on(&by_id("exp-svg"), "click", |_| svg())?;
    on(&by_id("exp-report"), "click", |_| report_file())?;
    on(&by_id("exp-share"), "click", |_| share_link())?;
    Ok(())
}

fn say(text: &str) {
    set_text("exp-status", text);
}

/// Saves `blob` as `name` through a temporary link; the URL is revoked on the next load.
fn save_blob(blob: &Blob, name: &str) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(|e| js_error_text(&e))?;
    let a: HtmlAnchorElement = el("a").unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    let _ = body().append_child(&a);
    a.click();
    a.remove();
    APP.with(|app| {
        if let Some(app) = app.borrow_mut().as_mut() {
            app.object_urls.push(url);
        }
    });
    Ok(())
}

fn save_bytes(bytes: &[u8], mime: &str, name: &str) -> Result<(), String> {
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| js_error_text(&e))?;
    save_blob(&blob, name)
}

fn loaded() -> bool {
    APP.with(|app| app.borrow().as_ref().is_some_and(|a| a.session.is_some()))
}

/// The chart canvas as drawn (current view, hidden series left out), as PNG.
fn png() {
    if !loaded() {
        say("Load logs first.");
        return;
    }
    let canvas: HtmlCanvasElement = by_id_as("chart");
    let cb = Closure::once_into_js(move |blob: JsValue| match blob.dyn_into::<Blob>() {
        Ok(b) => match save_blob(&b, "inflight-chart.png") {
            Ok(()) => say(&format!("Saved inflight-chart.png ({}).", fmt_bytes(b.size() as usize))),
            Err(e) => show_error(&format!("The PNG could not be saved: {e}")),
        },
        Err(_) => show_error("The browser could not turn the chart into a PNG."),
    });
    if let Err(e) = canvas.to_blob(cb.unchecked_ref()) {
        show_error(&format!("The PNG could not be made: {}", js_error_text(&e)));
    }
}

/// The current view (and series shown) through plotters' SVG backend.
fn svg() {
    let doc = with_ui(|ui, session, _| {
        session?;
        let data = super::drawn_data(ui);
        let view = ui.vp.view();
        let opts = DrawOptions { title: Some("Inflight: requests in flight over time (UTC)".into()), ..DrawOptions::default() };
        Some(crate::chart::render_svg_view(&data, &view, &opts, SVG_W, SVG_H))
    })
    .flatten();
    let Some(doc) = doc else {
        say("Load logs first.");
        return;
    };
    match save_bytes(doc.as_bytes(), "image/svg+xml", "inflight-chart.svg") {
        Ok(()) => say(&format!("Saved inflight-chart.svg ({}).", fmt_bytes(doc.len()))),
        Err(e) => show_error(&format!("The SVG could not be saved: {e}")),
    }
}

/// One offline HTML file: findings, chart, windows, tables, redaction summary.
fn report_file() {
    let now = js_sys::Date::now() as i64;
    let result = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        let opts = ReportOptions { generated_at: Some(now), ..ReportOptions::default() };
        Some(report::render(s, &app.redactor, &opts))
    });
    match result {
        None => say("Load logs first."),
        Some(Ok(r)) => match save_bytes(r.html.as_bytes(), "text/html", "inflight-report.html") {
            Ok(()) => say(&format!(
                "Saved inflight-report.html ({}): one file that opens offline, with no raw events and personal data replaced.",
                fmt_bytes(r.html.len())
            )),
            Err(e) => show_error(&format!("The report could not be saved: {e}")),
        },
        Some(Err(e)) => show_error(&format!("The report was not made: {e}")),
    }
}

/// The page's URL without its fragment.
fn page_url() -> String {
    let loc = js_sys::Reflect::get(&super::window(), &"location".into()).unwrap_or(JsValue::UNDEFINED);
    let href = js_sys::Reflect::get(&loc, &"href".into()).ok().and_then(|h| h.as_string()).unwrap_or_default();
    href.split('#').next().unwrap_or("").to_string()
}

/// Writes `text` to the clipboard when the browser allows it (async; errors are shown).
fn copy(text: &str) {
    let nav = js_sys::Reflect::get(&super::window(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let clip = js_sys::Reflect::get(&nav, &"clipboard".into()).unwrap_or(JsValue::UNDEFINED);
    let write = js_sys::Reflect::get(&clip, &"writeText".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else {
        say("Link ready below: copy it by hand (this browser gives no clipboard access here).");
        return;
    };
    match write.call1(&clip, &JsValue::from_str(text)) {
        Ok(p) => {
            let p: js_sys::Promise = p.unchecked_into();
            let ok = Closure::<dyn FnMut(JsValue)>::once(|_: JsValue| {
                let _ = by_id("exp-status").set_attribute("data-copied", "1");
                say_link_status(true);
            });
            let err = Closure::<dyn FnMut(JsValue)>::once(|_: JsValue| say_link_status(false));
            let _ = p.then2(&ok, &err);
            // One of the two runs once; both are small.
            ok.forget();
            err.forget();
        }
        Err(_) => say_link_status(false),
    }
}

fn say_link_status(copied: bool) {
    let n = by_id_as::<HtmlInputElement>("share-link").value().len();
    say(&format!(
        "{} ({} characters). It holds the summary and the chart only, no raw events; the part after # never reaches a web server.",
        if copied { "Share link copied" } else { "Share link ready below: copy it by hand" },
        n
    ));
}

fn share_link() {
    let result = APP.with(|app| {
        let app = app.borrow();
        let s = app.as_ref()?.session.as_ref()?;
        Some(share::fit(s, None))
    });
    let input: HtmlInputElement = by_id_as("share-link");
    match result {
        None => say("Load logs first."),
        Some(Ok((_, fragment))) => {
            let link = format!("{}{}", page_url(), fragment);
            input.set_value(&link);
            set_hidden(&input, false);
            input.select();
            let _ = by_id("exp-status").remove_attribute("data-copied");
            copy(&link);
        }
        Some(Err(e)) => {
            input.set_value("");
            set_hidden(&input, true);
            say(&format!("No link: {e}. Download the report file instead (one HTML file, it opens offline)."));
            let b: HtmlElement = by_id_as("exp-report");
            let _ = b.focus();
        }
    }
}
