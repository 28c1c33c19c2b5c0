//! What leaves the page on the user's request: each input's redacted logs (in its own
//! container shape and MIME type), the chart as PNG (the current view drawn again on
//! an off-screen canvas at twice the size, with title and legend) and SVG (plotters'
//! SVG backend, the current view), the offline HTML report, and a share
//! link (`share::fit`, the summary packed into the URL fragment, which browsers never
//! send to a server). Every download is a `Blob` + object URL; nothing goes to the
//! network.
//!
//! The gate: every output is made under the redaction panel's key and rules
//! ([`super::redaction::with_keys`]) and its *final bytes* go through
//! `session::gate` (the independent verifier, with the rule set's allow-list) before
//! anything is saved. The PNG's pixels cannot be scanned, so the SVG of the same view
//! (the same chart code, the same labels) is scanned for it; the share link's summary
//! JSON is scanned before it is packed, without the allow-list (a link cannot carry
//! kept values). When the verifier finds something, nothing is saved and the panel's
//! gate lists it ([`super::redaction::show_gate`]); fixing or keeping a value runs
//! the export again ([`run`]).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, HtmlElement, HtmlInputElement, Url};

use super::redaction::{self, Pending};
use super::{body, by_id, by_id_as, el, fmt_bytes, js_error_text, on, plural, set_hidden, set_status, set_text, show_error, with_ui, APP};
use crate::chart::DrawOptions;
use crate::report::{self, ReportOptions};
use crate::rules::RuleSet;
use crate::session::STILL_LOADING;
use crate::share;
use crate::labels::LabelMap;

/// SVG export size (CSS px).
const SVG_W: u32 = 1200;
const SVG_H: u32 = 500;

pub(super) fn wire() -> Result<(), JsValue> {
    on(&by_id("exp-png"), "click", |_| run(Pending::Png))?;
    on(&by_id("exp-svg"), "click", |_| run(Pending::Svg))?;
    on(&by_id("exp-report"), "click", |_| run(Pending::Report))?;
    on(&by_id("exp-share"), "click", |_| run(Pending::Share))?;
    Ok(())
}

/// Makes one output, checks it, and saves it when the verifier passes it.
pub(super) fn run(what: Pending) {
    if let Some(msg) = redaction::refuse_unconfirmed() {
        set_hidden(&by_id("share-link"), true);
        say(&msg);
        return;
    }
    match what {
        Pending::Logs(source) => logs(source),
        Pending::Report => report_file(),
        Pending::Share => share_link(),
        Pending::Svg => svg(),
        Pending::Png => png(),
    }
}

/// The verifier over an output's final bytes: true when it may be saved; otherwise
/// the gate lists what was found. `rules` gives the allow-list.
/// Outputs show labels (report, share link, chart): a blocked value inside an
/// Action, client, connection or file name is named as such, with the fix that
/// works for it (`session::locate_labels`).
fn passes_labelled(what: Pending, bytes: &[u8], rules: &RuleSet, keepable: bool, labels: Option<&LabelMap>) -> bool {
    let (verdict, mut blocked) = crate::session::gate(bytes, rules);
    if verdict.is_clean() {
        redaction::close_gate();
        return true;
    }
    if let Some(labels) = labels {
        crate::session::locate_labels(&mut blocked, labels, rules);
        if matches!(what, Pending::Png) {
            // The canvas draws names as they are; no rule changes its pixels.
            for b in blocked.iter_mut() {
                if let Some(place) = &b.place {
                    b.path = None;
                    b.hint = format!(
                        "It is in the {place}, which the PNG shows as the page draws it: download the SVG instead (names are redacted there), or hide that series in the legend."
                    );
                }
            }
        }
    }
    say(&format!("Not saved: the verifier found {} (listed below).", plural(blocked.len(), "value", "values")));
    redaction::show_gate(what, blocked, keepable);
    false
}

/// Said after a save when the verifier let kept values through.
fn kept_note(bytes: &[u8], rules: &RuleSet) -> String {
    if rules.allow.is_empty() {
        return String::new();
    }
    let n = crate::verify::scan_with(bytes, &crate::verify::Allow::from_rules(rules)).allowed.len();
    if n == 0 {
        String::new()
    } else {
        format!(" It holds {} you chose to keep.", plural(n, "flagged value", "flagged values"))
    }
}

/// Output piece size for a redacted-logs download.
pub(super) const LOG_PIECE: usize = 4 << 20;

/// Input `source`, redacted under the panel's key and rules, in its own shape.
///
/// Streamed: the export is made in pieces of [`LOG_PIECE`] bytes ending at record
/// boundaries (`Session::export_redacted_pieces`); every piece goes through the
/// gate (`session::GateStream`, the verifier over every byte, offsets and lines
/// counted over the whole output) and, while the gate has found nothing, into a
/// `Blob` part. The file is saved only when the gate passes the whole output. So
/// wasm memory holds the input and one piece, not a second copy of the input.
fn logs(source: usize) {
    let parts = js_sys::Array::new();
    let result = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        Some(redaction::with_keys(&app.redactor, |r, rules| {
            let mut gate = crate::session::GateStream::new(rules);
            let mut failed = None;
            let d = s.export_redacted_pieces(source, r, rules, LOG_PIECE, &mut |piece| {
                gate.push(piece);
                if gate.is_clean() && failed.is_none() {
                    match blob_part(piece) {
                        Ok(b) => {
                            parts.push(&b);
                        }
                        Err(e) => failed = Some(e),
                    }
                }
            });
            (d, gate.finish(), rules.clone(), failed)
        }))
    });
    let (d, (verdict, blocked), rules) = match result {
        None => {
            set_status("Load logs first.");
            return;
        }
        Some((Err(e), ..)) if e == STILL_LOADING => {
            say_loading("redacted logs");
            return;
        }
        Some((Err(e), ..)) => {
            show_error(&format!("The redacted copy could not be made: {e}"));
            return;
        }
        Some((Ok(_), _, _, Some(e))) => {
            show_error(&format!("The download could not be prepared: {e}"));
            return;
        }
        Some((Ok(d), g, rules, None)) => (d, g, rules),
    };
    if !verdict.is_clean() {
        drop(parts);
        say(&format!("Not saved: the verifier found {} (listed below).", plural(blocked.len(), "value", "values")));
        redaction::show_gate(Pending::Logs(source), blocked, true);
        set_status(&format!("{} was not saved: see the list under Share.", d.file_name));
        return;
    }
    redaction::close_gate();
    let opts = BlobPropertyBag::new();
    opts.set_type(d.mime);
    let saved = Blob::new_with_blob_sequence_and_options(&parts, &opts)
        .map_err(|e| js_error_text(&e))
        .and_then(|blob| save_blob(&blob, &d.file_name));
    match saved {
        Ok(()) => {
            let kept = verdict.allowed.len();
            let msg = format!(
                "Saved {}: {} replaced with keyed pseudonyms.{}",
                d.file_name,
                plural(d.redactions, "value", "values"),
                if rules.allow.is_empty() || kept == 0 {
                    String::new()
                } else {
                    format!(" It holds {} you chose to keep.", plural(kept, "flagged value", "flagged values"))
                }
            );
            set_status(&msg);
            say(&msg);
        }
        Err(e) => show_error(&format!("The download could not be prepared: {e}")),
    }
}

/// One `Blob` part holding a copy of `bytes`, copied straight out of wasm memory
/// (no intermediate `Uint8Array` copy in the JS heap).
fn blob_part(bytes: &[u8]) -> Result<Blob, String> {
    // SAFETY: the view is read by the `Blob` constructor (which copies it) before
    // anything else runs in wasm, so memory cannot grow or move under it.
    let view = unsafe { js_sys::Uint8Array::view(bytes) };
    Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&view)).map_err(|e| js_error_text(&e))
}

fn say(text: &str) {
    set_text("exp-status", text);
}

/// Said instead of saving `what` while the session's events are still arriving
/// from the worker (nothing is made from a partial session).
fn say_loading(what: &str) {
    let msg = format!(
        "Not saved: the events are still being loaded into the page. The {what} can be saved once they are in (the chart, SVG, PNG and share link work now)."
    );
    set_status(&msg);
    say(&msg);
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

/// The label map of the panel's key and rules (None before a load).
fn label_map() -> Option<LabelMap> {
    APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        Some(redaction::with_keys(&app.redactor, |r, rules| s.label_map(r, rules)))
    })
}

/// The chart as SVG for the current view and series shown, at `w`×`h` CSS px, and
/// the label map of the panel's key and rules; legend names through the map (the
/// PNG shows them as the page draws them, see [`png`]).
fn chart_svg(w: u32, h: u32) -> Option<(String, LabelMap)> {
    let labels = label_map()?;
    with_ui(|ui, session, _| {
        session?;
        let mut data = super::drawn_data(ui);
        for name in &mut data.series {
            *name = labels.get(crate::labels::Place::Action, name);
        }
        let view = ui.vp.view();
        // The duration axis the page shows (the user's Auto / Linear / Log).
        let opts = DrawOptions { title: Some(chart_title(0)), y_scale: ui.y_scale, ..DrawOptions::default() };
        Some(crate::chart::render_svg_view(&data, &view, &opts, w, h))
    })
    .flatten()
    .map(|svg| (svg, labels))
}

/// The PNG's pixels per CSS pixel of the on-screen chart, at least (more when the
/// screen's devicePixelRatio is higher).
pub(super) const PNG_SCALE: f64 = 2.0;

/// The chart title of the downloads, in the zone the times are labelled in.
fn chart_title(tz_offset_ms: i64) -> String {
    let zone = if tz_offset_ms == 0 {
        "UTC".to_string()
    } else {
        format!("local, {}", crate::chart::zone_label(tz_offset_ms))
    };
    format!("Inflight: requests in flight over time ({zone})")
}

/// The chart as a PNG image: the current view and the series shown, drawn again
/// off-screen (a detached `<canvas>`, through the same code as the page's canvas)
/// at [`PNG_SCALE`]× the on-screen CSS size (or devicePixelRatio× if higher), with
/// a title and the drawn legend, in the zone the page shows. Its text (title,
/// series names, labels) is checked through the SVG of the same frame first.
fn png() {
    if !loaded() {
        say("Load logs first.");
        return;
    }
    let shown: HtmlCanvasElement = by_id_as("chart");
    let w = shown.client_width().max(1) as u32;
    let h = shown.client_height().max(1) as u32;
    let scale = super::window().device_pixel_ratio().clamp(1.0, 4.0).max(PNG_SCALE);
    let Some((opts, fo)) = with_ui(|ui, _, _| {
        let fo = super::frame_options(ui);
        // The duration axis the page shows, as the SVG download.
        let opts = DrawOptions { title: Some(chart_title(fo.tz_offset_ms)), y_scale: ui.y_scale, ..DrawOptions::default() };
        (opts, fo)
    }) else {
        say("Load logs first.");
        return;
    };
    let rules = redaction::rules();
    let Some(labels) = label_map() else { return };
    let Some(doc) = with_ui(|ui, _, _| crate::chart::render_svg_with(&ui.linked.data, &ui.vp.view(), &opts, &fo, w, h)) else {
        return;
    };
    if !passes_labelled(Pending::Png, doc.as_bytes(), &rules, true, Some(&labels)) {
        return;
    }
    let canvas: HtmlCanvasElement = el("canvas").unchecked_into();
    let (pw, ph) = ((f64::from(w) * scale).round() as u32, (f64::from(h) * scale).round() as u32);
    canvas.set_width(pw);
    canvas.set_height(ph);
    let opts = DrawOptions { scale, ..opts };
    match with_ui(|ui, _, _| super::draw_chart_on(ui, &canvas, &opts, &fo)) {
        Some(Ok(_)) => {}
        Some(Err(e)) => {
            show_error(&format!("The PNG could not be drawn: {e}"));
            return;
        }
        None => return,
    }
    let cb = Closure::once_into_js(move |blob: JsValue| match blob.dyn_into::<Blob>() {
        Ok(b) => match save_blob(&b, "inflight-chart.png") {
            Ok(()) => say(&format!("Saved inflight-chart.png ({pw}×{ph} px, {}).", fmt_bytes(b.size() as usize))),
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
    let Some((doc, labels)) = chart_svg(SVG_W, SVG_H) else {
        say("Load logs first.");
        return;
    };
    let rules = redaction::rules();
    if !passes_labelled(Pending::Svg, doc.as_bytes(), &rules, true, Some(&labels)) {
        return;
    }
    match save_bytes(doc.as_bytes(), "image/svg+xml", "inflight-chart.svg") {
        Ok(()) => say(&format!("Saved inflight-chart.svg ({}).{}", fmt_bytes(doc.len()), kept_note(doc.as_bytes(), &rules))),
        Err(e) => show_error(&format!("The SVG could not be saved: {e}")),
    }
}

/// One offline HTML file: findings, chart, windows, tables, redaction summary; made
/// under the panel's key and rules, checked here (so that the gate can list what it
/// finds), then saved.
fn report_file() {
    let now = js_sys::Date::now() as i64;
    let result = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        Some(redaction::with_keys(&app.redactor, |r, rules| {
            let opts = ReportOptions { generated_at: Some(now), rules: rules.clone(), ..ReportOptions::default() };
            (report::render_unverified(s, r, &opts), rules.clone(), s.label_map(r, rules))
        }))
    });
    let (result, labels) = match result {
        Some((a, b, labels)) => (Some((a, b)), labels),
        None => (None, LabelMap::default()),
    };
    let (html, rules) = match result {
        None => {
            say("Load logs first.");
            return;
        }
        Some((Err(e), _)) if e == STILL_LOADING => {
            say_loading("report");
            return;
        }
        Some((Err(e), _)) => {
            show_error(&format!("The report could not be made: {e}"));
            return;
        }
        Some((Ok((html, _)), rules)) => (html, rules),
    };
    if !passes_labelled(Pending::Report, html.as_bytes(), &rules, true, Some(&labels)) {
        return;
    }
    match save_bytes(html.as_bytes(), "text/html", "inflight-report.html") {
        Ok(()) => say(&format!(
            "Saved inflight-report.html ({}): one file that opens offline, with no raw events and personal data replaced.{}",
            fmt_bytes(html.len()),
            kept_note(html.as_bytes(), &rules)
        )),
        Err(e) => show_error(&format!("The report could not be saved: {e}")),
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
    // Labels redacted under the panel's key and rules without the allow-list (a link
    // cannot carry kept values, `share::encode` refuses them); the summary as it
    // would be packed is checked first, without the allow-list either.
    let prepared = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        let (labels, rules) = redaction::with_keys(&app.redactor, |r, rules| {
            let rules = RuleSet { allow: Default::default(), ..rules.clone() };
            (s.label_map(r, &rules), rules)
        });
        let json = serde_json::to_string(&share::ShareSummary::from_session_redacted(s, &labels, None, &share::BUDGETS[0])).ok()?;
        Some((labels, rules, json))
    });
    let Some((labels, rules, json)) = prepared else {
        say("Load logs first.");
        return;
    };
    if !passes_labelled(Pending::Share, json.as_bytes(), &rules, false, Some(&labels)) {
        set_hidden(&by_id("share-link"), true);
        return;
    }
    let result = APP.with(|app| {
        let app = app.borrow();
        let s = app.as_ref()?.session.as_ref()?;
        Some(share::fit_redacted(s, &labels, None))
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
