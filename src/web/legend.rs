//! The series legend (click an entry to hide or show that series) and the tenant-limit
//! presets, on top of the pure state in [`super::controls`].

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

use super::controls::{self, Legend};
use super::{by_id, by_id_as, clear, el, on, request_frame, text_el, with_ui};

/// Series shown in the HTML legend at most (the rest stay visible, unlisted).
const MAX_ENTRIES: usize = 40;

pub(super) fn wire() -> Result<(), JsValue> {
    on(&by_id("legend"), "click", |e| {
        let i = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-series]").ok().flatten())
            .and_then(|b| b.get_attribute("data-series"))
            .and_then(|s| s.parse::<usize>().ok());
        if let Some(i) = i {
            toggle(i);
        }
    })?;
    // Presets: pick one to fill the limit field (which re-runs the limit logic).
    let sel = by_id("limit-preset");
    clear(&sel);
    let none = text_el("option", "Example limits…");
    let _ = none.set_attribute("value", "");
    let _ = sel.append_child(&none);
    for (i, (_, n)) in controls::PRESETS.iter().enumerate() {
        let o = text_el("option", &controls::preset_label(i).unwrap_or_default());
        let _ = o.set_attribute("value", &n.to_string());
        let _ = sel.append_child(&o);
    }
    on(&sel, "change", |_| {
        let v = by_id_as::<HtmlSelectElement>("limit-preset").value();
        if v.is_empty() {
            return;
        }
        let input: HtmlInputElement = by_id_as("limit");
        input.set_value(&v);
        if let Ok(ev) = web_sys::Event::new("input") {
            let _ = input.dispatch_event(&ev);
        }
    })?;
    on(&by_id("limit"), "input", |_| sync_preset())?;
    Ok(())
}

/// Shows the preset matching the typed limit, else the placeholder.
fn sync_preset() {
    let typed = by_id_as::<HtmlInputElement>("limit").value().trim().parse::<u32>().ok();
    let sel: HtmlSelectElement = by_id_as("limit-preset");
    let v = controls::preset_of(typed).map(|i| controls::PRESETS[i].1.to_string()).unwrap_or_default();
    sel.set_value(&v);
}

fn toggle(i: usize) {
    let focus = with_ui(|ui, _, _| {
        ui.legend.toggle(i);
        ui.hover = None;
    });
    if focus.is_some() {
        render();
        if let Ok(Some(b)) = by_id("legend").query_selector(&format!("button[data-series=\"{i}\"]")) {
            let _ = b.unchecked_into::<HtmlElement>().focus();
        }
        request_frame();
    }
}

/// The key for what the chart draws besides the series (the canvas has no legend
/// strip on the page): (swatch class, CSS colour, text), for what the data holds.
pub(crate) fn key_items(d: &crate::chart::ChartData) -> Vec<(&'static str, String, &'static str)> {
    use crate::chart::{BREACH_COLOR, INFLIGHT_COLOR, LIMIT_COLOR};
    let css = |c: plotters::style::RGBColor| format!("rgb({}, {}, {})", c.0, c.1, c.2);
    let mut out = Vec::new();
    if d.marks.iter().any(|m| m.failed) {
        out.push(("key-ring", "rgb(150, 150, 150)".to_owned(), "failed request"));
    }
    if !d.steps.is_empty() {
        out.push(("key-line", css(INFLIGHT_COLOR), "in flight (right axis)"));
    }
    match d.limit {
        Some(l) if l.estimated => out.push(("key-dashed", css(LIMIT_COLOR), "estimated limit")),
        Some(_) => out.push(("key-line", css(LIMIT_COLOR), "concurrency limit")),
        None => {}
    }
    if !d.breaches.is_empty() {
        out.push(("key-triangle", css(BREACH_COLOR), "resource_exhausted"));
    }
    if !d.windows.is_empty() {
        out.push(("key-shade", "rgba(200, 0, 0, 0.15)".to_owned(), "limit breached"));
    }
    out
}

/// One toggle button per series (colour swatch + name), `aria-pressed` when shown,
/// then the key for the other marks and lines (not buttons).
pub(super) fn render() {
    let (items, key) = with_ui(|ui, _, _| {
        let legend: &Legend = &ui.legend;
        let items = ui
            .linked
            .data
            .series
            .iter()
            .enumerate()
            .take(MAX_ENTRIES)
            .map(|(i, name)| (i, name.clone(), !legend.is_hidden(i)))
            .collect::<Vec<_>>();
        (items, key_items(&ui.linked.data))
    })
    .unwrap_or_default();
    let box_ = by_id("legend");
    clear(&box_);
    if items.len() > 1 {
        let _ = box_.append_child(&text_el("span", "Series (click to hide or show):"));
    }
    for (i, name, shown) in &items {
        let b = el("button");
        let _ = b.set_attribute("type", "button");
        b.set_class_name("small legend-item");
        let _ = b.set_attribute("data-series", &i.to_string());
        let _ = b.set_attribute("aria-pressed", if *shown { "true" } else { "false" });
        let _ = b.set_attribute("title", if *shown { "Shown: click to hide" } else { "Hidden: click to show" });
        let sw = el("span");
        sw.set_class_name("swatch");
        let c = crate::chart::series_color(*i as u16);
        let _ = sw.unchecked_ref::<HtmlElement>().style().set_property("background", &format!("rgb({}, {}, {})", c.0, c.1, c.2));
        let _ = sw.set_attribute("aria-hidden", "true");
        let _ = b.append_child(&sw);
        let _ = b.append_child(&text_el("span", name));
        let _ = box_.append_child(&b);
    }
    // A single series cannot be hidden usefully, but still needs naming.
    if items.len() == 1 {
        if let Ok(Some(b)) = box_.query_selector("button[data-series]") {
            let _ = b.set_attribute("disabled", "");
            let _ = b.set_attribute("title", "The only series");
        }
    }
    for (class, color, text) in &key {
        let k = el("span");
        k.set_class_name("legend-key");
        let sw = el("span");
        sw.set_class_name(&format!("key {class}"));
        let _ = sw.unchecked_ref::<HtmlElement>().style().set_property("--key", color);
        let _ = sw.set_attribute("aria-hidden", "true");
        let _ = k.append_child(&sw);
        let _ = k.append_child(&text_el("span", text));
        let _ = box_.append_child(&k);
    }
    super::set_hidden(&box_, items.is_empty() && key.is_empty());
}
