//! Opening a share link (`#s=…`): the summary and chart, read-only, from the URL
//! fragment alone (`share::decode`, `ShareChart::to_chart_data`): the findings, the
//! breach windows each with its ranked culprits, the per-Action table, and the chart,
//! in the app's words. A link holds no raw events, so there is no events table or
//! detail pane; loading logs replaces the view. Text from the link (findings, Action
//! names, explanations, input shapes) goes in as text nodes.

use std::cell::RefCell;

use plotters::prelude::IntoDrawingArea;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement};

use super::findings::{action_cells, append_cells};
use super::{by_id, by_id_as, clear, el, fit_canvas, fmt_dur, fmt_int, fmt_when, on, plural, set_hidden, set_text, show_error, tbody_of, text_el, window, FastCanvas};
use crate::chart::{ChartData, DrawOptions, View};
use crate::share::{self, ShareSummary};

thread_local! {
    static SHARED: RefCell<Option<(ChartData, View)>> = const { RefCell::new(None) };
}

fn fragment() -> String {
    let loc = js_sys::Reflect::get(&window(), &"location".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&loc, &"hash".into()).ok().and_then(|h| h.as_string()).unwrap_or_default()
}

/// Shows the shared summary when the page was opened with `#s=…`; also when the
/// fragment changes later (a link pasted into this tab's address bar).
pub(super) fn start() -> Result<(), JsValue> {
    open_from_fragment();
    on(&window().into(), "hashchange", |_| open_from_fragment())?;
    on(&window().into(), "resize", |_| draw())?;
    Ok(())
}

fn open_from_fragment() {
    let f = fragment();
    if !f.starts_with("#s=") {
        return;
    }
    match share::decode(&f) {
        Ok(s) => show(&s),
        Err(e) => show_error(&format!("This share link could not be read: {e}")),
    }
}

/// Hides the shared view (a load of real logs replaces it).
pub(super) fn close() {
    SHARED.with(|s| *s.borrow_mut() = None);
    set_hidden(&by_id("shared"), true);
}

fn card(parent: &Element, label: &str, value: &str, sub: &str) {
    let c = el("div");
    c.set_class_name("card");
    for (class, t) in [("label", label), ("value", value), ("sub", sub)] {
        let p = text_el("p", t);
        p.set_class_name(class);
        let _ = c.append_child(&p);
    }
    let _ = parent.append_child(&c);
}

fn show(s: &ShareSummary) {
    let section = by_id("shared");
    set_text(
        "shared-title",
        s.title.as_deref().unwrap_or("Inflight summary"),
    );
    let cards = by_id("shared-cards");
    clear(&cards);
    let span = s
        .range
        .map(|(a, b)| (crate::session::duration_text(b - a), format!("{} → {}", fmt_when(a, false), fmt_when(b, false))))
        .unwrap_or_else(|| ("–".into(), String::new()));
    card(&cards, "Events read", &fmt_int(s.events), &format!("{} with request timing", fmt_int(s.timed)));
    card(&cards, "Time span", &span.0, &span.1);
    card(&cards, "resource_exhausted failures", &fmt_int(s.breaches), &plural(s.window_count, "window", "windows"));
    let limit = match s.limit {
        Some((l, true)) => format!("limit ≈ {} (estimated)", fmt_int(l as usize)),
        Some((l, false)) => format!("limit {}", fmt_int(l as usize)),
        None => String::new(),
    };
    card(&cards, "Peak in flight", &fmt_int(s.peak.0 as usize), &limit);

    let f = by_id("shared-findings");
    clear(&f);
    for line in &s.findings {
        let _ = f.append_child(&text_el("p", line));
    }
    render_windows(s);
    let tbody = tbody_of("shared-labels");
    for row in &s.actions {
        append_cells(&tbody, &action_cells(row));
    }
    let more = s.action_count.saturating_sub(s.actions.len());
    set_text(
        "shared-labels-note",
        &if more > 0 { format!("… and {} more (the report file lists them all).", fmt_int(more)) } else { String::new() },
    );
    let inputs: Vec<String> = s.inputs.iter().map(|(shape, n)| format!("{shape}: {} kept", plural(*n as usize, "event", "events"))).collect();
    set_text(
        "shared-note",
        &format!(
            "Made by Inflight from {}. The chart is reduced to {} pixel columns. Load your own logs above to analyse them.",
            if inputs.is_empty() { "logs".to_string() } else { inputs.join("; ") },
            s.chart.width
        ),
    );
    SHARED.with(|x| *x.borrow_mut() = Some((s.chart.to_chart_data(), s.chart.view())));
    set_hidden(&section, false);
    set_hidden(&by_id("results"), true);
    let _ = super::body().set_attribute("data-shared", "1");
    draw();
    set_text("status", "Showing a shared summary (read-only).");
    // The summary sits under the drop zone: bring it into view and give it the focus,
    // so a reader (or a screen reader) starts at what the link was sent for.
    if let Some(h) = section.dyn_ref::<web_sys::HtmlElement>() {
        let _ = h.focus();
    }
    section.scroll_into_view();
}

/// The breach windows as the app lists them, each with its ranked culprits (the
/// app's culprit table and the top culprit's explanation), all shown at once.
fn render_windows(s: &ShareSummary) {
    let list = by_id("shared-windows");
    clear(&list);
    let details = by_id("shared-culprits");
    clear(&details);
    for (i, w) in s.windows.iter().enumerate() {
        let top = w.culprits.first().map(|c| format!(" · top: {} ({:.0}%)", c.label, f64::from(c.share_permille) / 10.0)).unwrap_or_default();
        let head = format!(
            "{} → {} · {} · {} in flight before{top}",
            fmt_when(w.start, false),
            fmt_when(w.end, false),
            plural(w.failures, "failure", "failures"),
            fmt_int(w.inflight_before as usize)
        );
        let _ = list.append_child(&text_el("li", &head));

        let box_ = el("div");
        box_.set_class_name("culprits");
        let _ = box_.set_attribute("data-window", &i.to_string());
        let h = text_el(
            "h4",
            &format!(
                "Window {}: {} → {} · {} · {} in flight just before",
                i + 1,
                fmt_when(w.start, false),
                fmt_when(w.end, false),
                plural(w.failures, "failure", "failures"),
                fmt_int(w.inflight_before as usize)
            ),
        );
        let _ = box_.append_child(&h);
        if w.culprits.is_empty() {
            let _ = box_.append_child(&text_el("p", "No request timing before or during this window: no Action or script can be named."));
        } else {
            let table = el("table");
            table.set_class_name("grid");
            let thead = el("thead");
            let tr = el("tr");
            for (t, num) in [
                ("#", true),
                ("Action / script", false),
                ("Share of in-flight time", true),
                ("Runs", true),
                ("p95 inside", true),
                ("p95 outside", true),
                ("Where the time went", false),
            ] {
                let th = text_el("th", t);
                let _ = th.set_attribute("scope", "col");
                if num {
                    th.set_class_name("num");
                }
                let _ = tr.append_child(&th);
            }
            let _ = thead.append_child(&tr);
            let _ = table.append_child(&thead);
            let tbody = el("tbody");
            for (k, c) in w.culprits.iter().enumerate() {
                let cells = [
                    ((k + 1).to_string(), "num"),
                    (c.label.clone(), "name"),
                    (c.share_text(), "num"),
                    (fmt_int(c.runs), "num"),
                    (fmt_dur(c.inside.1 as f64), "num"),
                    (c.outside.map(|o| fmt_dur(o.1 as f64)).unwrap_or_else(|| "–".into()), "num"),
                    (if c.where_text.is_empty() { "–".into() } else { c.where_text.clone() }, "why"),
                ];
                append_cells(&tbody, &cells);
            }
            let _ = table.append_child(&tbody);
            let _ = box_.append_child(&table);
            let note = el("div");
            note.set_class_name("hint");
            if let Some(x) = w.culprits.first().and_then(|c| c.explanation.as_deref()) {
                let _ = note.append_child(&text_el("p", x));
            }
            let more = w.culprit_count.saturating_sub(w.culprits.len());
            if more > 0 {
                let _ = note.append_child(&text_el("p", &format!("… and {} more (the report file lists them all).", fmt_int(more))));
            }
            let _ = box_.append_child(&note);
        }
        let _ = details.append_child(&box_);
    }
    let more = s.window_count.saturating_sub(s.windows.len());
    if more > 0 {
        let _ = list.append_child(&text_el(
            "li",
            &format!("… and {} smaller windows (the report file lists them all).", fmt_int(more)),
        ));
    }
    set_hidden(&by_id("shared-windows-box"), s.windows.is_empty());
}

fn draw() {
    SHARED.with(|x| {
        let x = x.borrow();
        let Some((data, view)) = x.as_ref() else { return };
        let canvas: HtmlCanvasElement = by_id_as("shared-chart");
        let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
        if !fit_canvas(&canvas, dpr) {
            return;
        }
        let Some(b) = FastCanvas::new(canvas) else { return };
        let root = b.into_drawing_area();
        let opts = DrawOptions { scale: dpr, ..DrawOptions::default() };
        let r = crate::chart::draw(&root, data, view, &opts).and_then(|()| root.present());
        if let Err(e) = r {
            show_error(&format!("The shared chart could not be drawn: {e}"));
        }
    });
}
