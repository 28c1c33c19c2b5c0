//! The findings panel, from the analysis (`Summary.findings`, `Summary.culprit_windows`):
//! the answer in plain sentences, the breach windows, and per window the ranked
//! culprits with their evidence, and the per-Action table. Also the extensibility failures (script timeouts,
//! Action failures) drawn as marks along the bottom of the timeline.
//!
//! Every string from logs (Action names, explanations) goes in as a text node.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement};

use super::{by_id, clear, el, fmt_dur, fmt_when, plural, set_hidden, set_text, tbody_of, text_el, with_ui, APP};
use crate::attribution::Culprit;
use crate::session::WindowRow;

/// The findings panel: the analysis' sentences, then the breach windows as buttons.
pub(super) fn render_findings() {
    let data = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        let ui = app.ui.as_ref()?;
        let mut sum = s.summary();
        // The sentences' times in the zone the page shows (the stored ones are UTC).
        // (In the offset in force at the first window, or at the peak without one.)
        let at = s.analysis.windows.first().map_or(s.analysis.peak.1, |w| w.start);
        let off = ui.zone_at(at);
        if off != 0 {
            sum.findings = s.attribution.findings_in(&s.analysis, off);
        }
        let mut sentences = sum.finding_lines();
        if !sum.extensibility_failures.is_empty() {
            sentences.push("Extensibility failures are the orange diamonds along the bottom of the timeline.".to_owned());
        }
        let actions: Vec<_> = sum.by_action.iter().map(crate::share::action_row).collect();
        Some((sentences, sum.culprit_windows, actions, ui.tz_local))
    });
    let Some((sentences, windows, actions, local)) = data else {
        return;
    };
    let tbody = tbody_of("actions-table");
    for row in &actions {
        append_cells(&tbody, &action_cells(row));
    }
    set_hidden(&by_id("actions-box"), actions.is_empty());
    let box_ = by_id("findings-text");
    clear(&box_);
    for s in sentences {
        let _ = box_.append_child(&text_el("p", &s));
    }
    let list = by_id("windows");
    clear(&list);
    for (i, w) in windows.iter().enumerate().take(200) {
        let li = el("li");
        let top = w
            .culprits
            .first()
            .map(|c| format!(" · top: {} ({:.0}%)", c.label, c.share * 100.0))
            .unwrap_or_default();
        let btn = text_el(
            "button",
            &format!(
                "{} → {} · {} · {} in flight before{top}",
                fmt_when(w.start_ms, local),
                fmt_when(w.end_ms, local),
                plural(w.failures, "failure", "failures"),
                super::fmt_int(w.inflight_before as usize)
            ),
        );
        let _ = btn.set_attribute("type", "button");
        let _ = btn.set_attribute("data-window", &i.to_string());
        let _ = btn.set_attribute("aria-pressed", "false");
        let _ = li.append_child(&btn);
        let _ = list.append_child(&li);
    }
    set_hidden(&by_id("windows-box"), windows.is_empty());
    set_hidden(&by_id("culprits"), true);
}

/// One row of the per-Action table (`share::action_row`), as the page and the shared
/// view show it.
pub(super) fn action_cells(row: &(String, usize, usize, i64, i64, i64, i64)) -> [(String, &'static str); 7] {
    let (label, runs, failures, p50, p95, p99, max) = row;
    [
        (label.clone(), "name"),
        (super::fmt_int(*runs), "num"),
        (super::fmt_int(*failures), "num"),
        (fmt_dur(*p50 as f64), "num"),
        (fmt_dur(*p95 as f64), "num"),
        (fmt_dur(*p99 as f64), "num"),
        (fmt_dur(*max as f64), "num"),
    ]
}

/// Appends a row of text cells (each with its class) to `tbody`.
pub(super) fn append_cells(tbody: &Element, cells: &[(String, &str)]) {
    let tr = el("tr");
    for (t, class) in cells {
        let td = text_el("td", t);
        td.set_class_name(class);
        let _ = tr.append_child(&td);
    }
    let _ = tbody.append_child(&tr);
}

/// The window's row from the summary, by index into the chart's windows.
fn window_row(w: usize) -> Option<(WindowRow, bool)> {
    APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let s = app.session.as_ref()?;
        let ui = app.ui.as_ref()?;
        let mut row = s.summary().culprit_windows.into_iter().nth(w)?;
        let off = ui.zone_at(row.start_ms);
        if off != 0 {
            for c in &mut row.culprits {
                c.explanation = crate::attribution::explain(c, row.from_ms, row.to_ms, off);
            }
        }
        Some((row, ui.tz_local))
    })
}

/// Ranked culprits of the selected breach window, with their evidence.
pub(super) fn render_culprits() {
    let Some(w) = with_ui(|ui, _, _| ui.sel_window).flatten() else {
        return;
    };
    let Some((row, local)) = window_row(w) else {
        return;
    };
    if let Ok(list) = by_id("windows").query_selector_all("button[data-window]") {
        for i in 0..list.length() {
            if let Some(b) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let on_ = b.get_attribute("data-window") == Some(w.to_string());
                let _ = b.set_attribute("aria-pressed", if on_ { "true" } else { "false" });
            }
        }
    }
    set_text(
        "culprits-h",
        &format!(
            "Window {}: {} → {} · {} · {} in flight just before",
            w + 1,
            fmt_when(row.start_ms, local),
            fmt_when(row.end_ms, local),
            plural(row.failures, "failure", "failures"),
            super::fmt_int(row.inflight_before as usize)
        ),
    );
    let table = by_id("culprits-table");
    if let Ok(Some(thead)) = table.query_selector("thead") {
        clear(&thead);
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
    }
    let tbody = tbody_of("culprits-table");
    for (i, c) in row.culprits.iter().enumerate().take(10) {
        let _ = tbody.append_child(&culprit_row(i, c));
    }
    let note = by_id("culprits-note");
    clear(&note);
    if let Some(top) = row.culprits.first() {
        let _ = note.append_child(&text_el("p", &top.explanation));
    }
    let _ = note.append_child(&text_el(
        "p",
        &format!(
            "Share: each Action's or script's part of all the time spent in flight from {} before the window to its end. \"Inside\" are its runs in that interval, \"outside\" its runs at normal times.",
            crate::session::duration_text(row.lookback_ms())
        ),
    ));
    set_hidden(&by_id("culprits"), false);
}

trait Lookback {
    fn lookback_ms(&self) -> i64;
}
impl Lookback for WindowRow {
    fn lookback_ms(&self) -> i64 {
        (self.start_ms - self.from_ms).max(0)
    }
}

fn culprit_row(i: usize, c: &Culprit) -> Element {
    let tr = el("tr");
    let split = c.where_text();
    let cells = [
        ((i + 1).to_string(), "num"),
        (c.label.clone(), "name"),
        (format!("{:.1}%", c.share * 100.0), "num"),
        (super::fmt_int(c.runs), "num"),
        (fmt_dur(c.inside.p95 as f64), "num"),
        (c.outside.map(|o| fmt_dur(o.p95 as f64)).unwrap_or_else(|| "–".into()), "num"),
        (if split.is_empty() { "–".into() } else { split }, "why"),
    ];
    for (t, class) in cells {
        let td = text_el("td", &t);
        td.set_class_name(class);
        let _ = tr.append_child(&td);
    }
    let _ = tr.set_attribute("title", &c.explanation);
    tr
}

/// Extensibility failure times (epoch ms), for the timeline overlay.
pub(super) fn failure_times() -> Vec<i64> {
    APP.with(|app| {
        let app = app.borrow();
        let Some(s) = app.as_ref().and_then(|a| a.session.as_ref()) else {
            return Vec::new();
        };
        let mut t: Vec<i64> = s.analysis.failures.iter().filter_map(|f| f.time).collect();
        t.sort_unstable();
        t
    })
}

/// Orange diamonds along the bottom of the plot area at each failure in view
/// (at most one per pixel column).
pub(super) fn draw_failures(canvas: &HtmlCanvasElement, times: &[i64], frame: &crate::chart::Frame, dpr: f64) {
    if times.is_empty() {
        return;
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let a = times.partition_point(|&t| t < frame.t0);
    let b = times.partition_point(|&t| t <= frame.t1);
    let y = f64::from(frame.plot.3) - 6.0 * dpr;
    let r = 4.5 * dpr;
    ctx.set_fill_style_str("rgb(213, 94, 0)");
    ctx.set_stroke_style_str("white");
    ctx.set_line_width(1.0 * dpr);
    let mut last = f64::NEG_INFINITY;
    for &t in &times[a..b] {
        let (x, _) = frame.point(t, 0.0);
        if x - last < 1.0 {
            continue;
        }
        last = x;
        ctx.begin_path();
        ctx.move_to(x, y - r);
        ctx.line_to(x + r, y);
        ctx.line_to(x, y + r);
        ctx.line_to(x - r, y);
        ctx.close_path();
        ctx.fill();
        ctx.stroke();
    }
}
