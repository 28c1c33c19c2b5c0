//! The redaction panel: the rule set every export uses, the key, the counts, the
//! before/after preview, and the export gate's list of blocked values.
//!
//! * The rule set ([`RuleSet`]) starts as the defaults, or as saved: the URL fragment
//!   (`#v=1&off=…`) wins over local storage. Every change is written back to both
//!   (never data from the logs other than what the user typed as a pattern or kept
//!   value; never the passphrase). A share link (`#s=…`) in the address is left alone.
//! * The key: the page's random key (from `crypto.getRandomValues`, drawn in
//!   `super::start`), or, when the user types a passphrase, the key of
//!   [`Redactor::from_passphrase`] (PBKDF2-HMAC-SHA256, 100 000 iterations), so that
//!   the page and `inflight redact --passphrase` write the same bytes. The page
//!   derives it with WebCrypto (`crypto.subtle.deriveBits`, asynchronous: the main
//!   thread is not held for the ≈200 ms the wasm derivation takes), and in wasm only
//!   when WebCrypto is unavailable. Only the derived key is kept, in memory.
//! * Counts: [`CountJob`] over every loaded event, a slice at a time between
//!   `setTimeout`s (about [`SLICE_MS`] each), after a short debounce; a newer change
//!   drops an older job. Progress shows when counting takes longer than a slice.
//! * The gate ([`show_gate`]): the values `session::gate` blocked, each with its
//!   masked excerpt, the rule that would catch it and buttons to keep it (allow-list),
//!   switch its detector back on, or add the path rule it sits at. The values stay in
//!   memory here; the page shows only the masked excerpts.
//!
//! Log text reaches the page as text nodes only (`set_text_content`,
//! `create_text_node`); highlights are `<mark>` elements with CSS classes.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::{by_id, by_id_as, clear, document, el, fmt_int, on, plural, set_hidden, set_text, text_el, window, with_ui, APP};
use crate::redact::{self, Redactor};
use crate::rules::{RuleSet, DEFAULT_RULES};
use crate::session::{Blocked, CountJob, Session};

/// Where the rule set is kept in local storage.
const STORAGE_KEY: &str = "inflight.rules";
/// Time per counting slice before yielding to the page, ms.
const SLICE_MS: f64 = 12.0;
/// Wait after the last change before counting, ms.
const DEBOUNCE_MS: i32 = 120;
/// Blocked values listed one by one in the gate (the rest are counted).
const MAX_GATE_ROWS: usize = 12;
/// Wait after the last keystroke in the passphrase before deriving the key, ms.
const PASS_DEBOUNCE_MS: i32 = 350;

/// What the gate is holding back, to run again after a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pending {
    Logs(usize),
    Report,
    Share,
    Svg,
    Png,
}

impl Pending {
    fn what(self) -> &'static str {
        match self {
            Pending::Logs(_) => "redacted logs",
            Pending::Report => "report",
            Pending::Share => "share link",
            Pending::Svg => "chart SVG",
            Pending::Png => "chart PNG",
        }
    }
}

#[derive(Default)]
struct State {
    rules: RuleSet,
    /// The key from the passphrase, when one is typed.
    pass: Option<Redactor>,
    /// Counts for `rules` once a job finished.
    counts: Option<redact::Summary>,
    job: Option<CountJob>,
    /// Bumped by every change; a slice of an older job stops.
    generation: u32,
    /// Records per slice, tuned to [`SLICE_MS`].
    slice: usize,
    count_timer: Option<i32>,
    /// The session's events are still arriving from the worker: the count waits for
    /// them (`on_load` runs again when they are in).
    waiting: bool,
    pass_timer: Option<i32>,
    /// Bumped by every passphrase edit; an older derivation's result is dropped.
    pass_generation: u32,
    pending: Option<Pending>,
    blocked: Vec<Blocked>,
    /// Where a rule set that weakens the defaults was restored from (the page address,
    /// this browser's storage), until the rules are the defaults again.
    restored_from: Option<&'static str>,
    /// The user has not yet confirmed that rule set: exports are refused.
    unconfirmed: bool,
    /// What restoring left out (unknown rule names, sections).
    restore_ignored: Vec<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { slice: 200, ..State::default() });
}

fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> T {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Runs `f` with the key and rules every export uses now: the passphrase's key when
/// one is typed, else `page` (the per-page random key).
pub(super) fn with_keys<T>(page: &Redactor, f: impl FnOnce(&Redactor, &RuleSet) -> T) -> T {
    STATE.with(|s| {
        let s = s.borrow();
        f(s.pass.as_ref().unwrap_or(page), &s.rules)
    })
}

/// A copy of the current rule set.
pub(super) fn rules() -> RuleSet {
    with_state(|s| s.rules.clone())
}

/// [`redact::redact_record_with`] under the current key and rules (the detail pane).
pub(super) fn redact_record(
    record: &[u8],
    prefix: &[&str],
    page: &Redactor,
    summary: &mut redact::Summary,
    out: &mut Vec<u8>,
) -> Result<(), crate::jsonscan::ScanError> {
    with_keys(page, |r, rules| redact::redact_record_with(record, prefix, r, rules, summary, out))
}

// ---------------------------------------------------------------------------------------
// Setup and saving

pub(super) fn wire() -> Result<(), JsValue> {
    restore();
    build_rule_rows();
    render_rules();
    // A rules link pasted into this tab's address bar (`#v=…`) is read as on a load,
    // with the same confirmation when it weakens redaction. Our own updates of the
    // fragment go through `replaceState`, which fires no `hashchange`.
    on(&window().into(), "hashchange", |_| {
        let h = hash();
        if !h.starts_with("#v=") || with_state(|s| s.rules.to_fragment()) == h[1..] {
            return;
        }
        restore();
        build_rule_rows();
        close_gate();
        schedule_count();
        render_rules();
        refresh_preview();
    })?;

    on(&by_id("rd-rules"), "change", |e| {
        let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        if let Some(name) = input.get_attribute("data-rule") {
            let on = input.checked();
            change(|r| {
                r.set_enabled(&name, on);
            });
        }
    })?;
    on(&by_id("rd-path-add"), "click", |_| add_path())?;
    on(&by_id("rd-pat-add"), "click", |_| add_pattern())?;
    on(&by_id("rd-allow-add"), "click", |_| add_allow())?;
    for (input, f) in [("rd-path", add_path as fn()), ("rd-pat", add_pattern), ("rd-allow", add_allow)] {
        on(&by_id(input), "keydown", move |e| {
            if e.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|k| k.key() == "Enter") {
                e.prevent_default();
                f();
            }
        })?;
    }
    on(&by_id("rd-custom"), "click", |e| {
        let Some(b) = closest(&e, "button[data-remove]") else { return };
        let Some(i) = b.get_attribute("data-remove").and_then(|i| i.parse::<usize>().ok()) else { return };
        change(|r| {
            if i < r.paths.len() {
                r.paths.remove(i);
            } else if i - r.paths.len() < r.patterns.len() {
                let k = i - r.paths.len();
                r.patterns.remove(k);
            }
        });
    })?;
    on(&by_id("rd-allow-list"), "click", |e| {
        let Some(b) = closest(&e, "button[data-unkeep]") else { return };
        let Some(i) = b.get_attribute("data-unkeep").and_then(|i| i.parse::<usize>().ok()) else { return };
        change(|r| {
            if let Some(v) = r.allow.iter().nth(i).cloned() {
                r.allow.remove(&v);
            }
        });
    })?;
    on(&by_id("rd-reset"), "click", |_| change(|r| *r = RuleSet::default()))?;
    on(&by_id("rules-notice-reset"), "click", |_| change(|r| *r = RuleSet::default()))?;
    on(&by_id("rules-notice-ok"), "click", |_| {
        with_state(|s| s.unconfirmed = false);
        render_notice();
        set_text("exp-status", "Restored rule set confirmed: exports use it.");
    })?;
    on(&by_id("rd-pass"), "input", |_| passphrase_typed())?;
    on(&by_id("rd-compare"), "change", |_| refresh_preview())?;

    on(&by_id("gate-list"), "click", |e| {
        let Some(b) = closest(&e, "button[data-act]") else { return };
        let (Some(act), Some(i)) = (b.get_attribute("data-act"), b.get_attribute("data-i").and_then(|i| i.parse::<usize>().ok())) else {
            return;
        };
        let Some(item) = with_state(|s| s.blocked.get(i).cloned()) else { return };
        change(|r| match act.as_str() {
            "keep" => r.allow(&item.value),
            "enable" => {
                r.set_enabled(item.rule, true);
            }
            _ => {
                if let Some(p) = &item.path {
                    let _ = r.add_path(p);
                }
            }
        });
        retry();
    })?;
    on(&by_id("gate-retry"), "click", |_| retry())?;
    on(&by_id("gate-close"), "click", |_| close_gate())?;
    Ok(())
}

fn closest(e: &web_sys::Event, selector: &str) -> Option<Element> {
    e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest(selector).ok().flatten())
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn hash() -> String {
    window().location().hash().unwrap_or_default()
}

/// The rule set from the fragment (`#v=1&…`), else from local storage.
fn restore() {
    let h = hash();
    let (text, from): (Option<String>, &str) = if h.starts_with("#v=") {
        (Some(h), "the page address")
    } else {
        (storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()), "this browser's storage")
    };
    let Some(text) = text else { return };
    match RuleSet::from_fragment_checked(&text) {
        Ok((r, ignored)) => {
            let weak = !r.weakenings().is_empty();
            with_state(|s| {
                s.rules = r;
                s.restored_from = (weak || !ignored.is_empty()).then_some(from);
                s.unconfirmed = weak;
                s.restore_ignored = ignored;
            });
            let n = with_state(|s| !s.rules.is_default());
            if n {
                set_text("rd-status", &format!("Rule set restored from {from}."));
            }
        }
        Err(e) => set_text("rd-status", &format!("The saved rule set in {from} could not be read ({e}); using the defaults.")),
    }
    render_notice();
}

/// True while a restored rule set that weakens the defaults waits for the user's
/// confirmation; then no export is made (see [`refuse_unconfirmed`]).
pub(super) fn unconfirmed() -> bool {
    with_state(|s| s.unconfirmed)
}

/// Called by every export: when the restored rule set is not confirmed yet, says so,
/// shows the notice, and returns true (the export is not made).
pub(super) fn refuse_unconfirmed() -> Option<String> {
    if !unconfirmed() {
        return None;
    }
    let from = with_state(|s| s.restored_from).unwrap_or("the page address");
    render_notice();
    let n: HtmlElement = by_id("rules-notice").unchecked_into();
    let _ = n.focus();
    Some(format!(
        "Not saved: the rule set restored from {from} switches rules off or keeps values (listed above). Confirm it with \"Use these rules for exports\", or reset to the default rules."
    ))
}

/// The persistent notice above the Share buttons: what a restored rule set switches
/// off or keeps, what restoring left out, and (until confirmed) the confirm button.
fn render_notice() {
    let (from, unconfirmed, ignored, rules) = with_state(|s| (s.restored_from, s.unconfirmed, s.restore_ignored.clone(), s.rules.clone()));
    let weak = rules.weakenings();
    let notice = by_id("rules-notice");
    let Some(from) = from.filter(|_| !weak.is_empty() || !ignored.is_empty()) else {
        set_hidden(&notice, true);
        return;
    };
    set_text("rules-notice-from", from);
    let list = by_id("rules-notice-list");
    clear(&list);
    for w in weak.iter().chain(&ignored) {
        let li = el("li");
        with_code_spans(&li, w);
        let _ = list.append_child(&li);
    }
    set_text(
        "rules-notice-note",
        &if unconfirmed {
            "Anyone can put a rule set in a link. Nothing is exported under it until you confirm it.".to_string()
        } else if weak.is_empty() {
            "Those entries were left out; the rule set in use is listed in the Redaction panel.".to_string()
        } else {
            "You confirmed this rule set: exports use it.".to_string()
        },
    );
    set_hidden(&by_id("rules-notice-ok"), !unconfirmed);
    set_hidden(&notice, false);
}

/// Writes the rule set to the fragment and local storage (or clears both for the defaults).
fn save(rules: &RuleSet) {
    let frag = rules.to_fragment();
    if let Some(s) = storage() {
        let _ = if rules.is_default() { s.remove_item(STORAGE_KEY) } else { s.set_item(STORAGE_KEY, &frag) };
    }
    let h = hash();
    if h.starts_with("#s=") {
        // A share link is open in this address: leave it.
        return;
    }
    if rules.is_default() && !h.starts_with("#v=") {
        return;
    }
    let loc = window().location();
    let base = format!("{}{}", loc.pathname().unwrap_or_default(), loc.search().unwrap_or_default());
    let url = if rules.is_default() { base } else { format!("{base}#{frag}") };
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Applies a change to the rule set, saves it, redraws the lists, recounts, and
/// refreshes the open preview.
fn change(f: impl FnOnce(&mut RuleSet)) {
    let rules = with_state(|s| {
        f(&mut s.rules);
        s.counts = None;
        if s.rules.weakenings().is_empty() {
            // Nothing weakened any more: nothing left to confirm.
            s.unconfirmed = false;
            s.restored_from = None;
            s.restore_ignored.clear();
        }
        s.rules.clone()
    });
    render_notice();
    save(&rules);
    render_rules();
    schedule_count();
    // The detail pane shows the record under the current rules.
    if !by_id("detail").has_attribute("hidden") {
        super::open_detail_inner(false);
    }
}

fn add_path() {
    let input: HtmlInputElement = by_id_as("rd-path");
    let text = input.value();
    let mut probe = rules();
    match probe.add_path(&text) {
        Ok(()) => {
            let warning = crate::rules::PathRule::parse(&text).ok().and_then(|p| p.warning()).unwrap_or_default();
            set_text("rd-path-err", &warning);
            input.set_value("");
            change(|r| {
                let _ = r.add_path(&text);
            });
        }
        Err(e) => set_text("rd-path-err", &e),
    }
}

fn add_pattern() {
    let input: HtmlInputElement = by_id_as("rd-pat");
    let text = input.value();
    match crate::rules::Pattern::parse(&text) {
        Ok(_) => {
            set_text("rd-pat-err", "");
            input.set_value("");
            change(|r| {
                let _ = r.add_pattern(&text);
            });
        }
        Err(e) => set_text("rd-pat-err", &e),
    }
}

fn add_allow() {
    let input: HtmlInputElement = by_id_as("rd-allow");
    let text = input.value();
    if text.is_empty() {
        return;
    }
    input.set_value("");
    change(|r| r.allow(&text));
}

// ---------------------------------------------------------------------------------------
// The passphrase

fn passphrase_typed() {
    let old = with_state(|s| s.pass_timer.take());
    if let Some(t) = old {
        window().clear_timeout_with_handle(t);
    }
    let _ = by_id("redaction").set_attribute("data-key", "deriving");
    let cb = Closure::once_into_js(derive_key);
    let t = window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), PASS_DEBOUNCE_MS)
        .ok();
    with_state(|s| s.pass_timer = t);
}

fn derive_key() {
    let input: HtmlInputElement = by_id_as("rd-pass");
    let pass = input.value();
    let generation = with_state(|s| {
        s.pass_timer = None;
        s.pass_generation = s.pass_generation.wrapping_add(1);
        s.pass_generation
    });
    if pass.is_empty() {
        key_ready(generation, None, 0.0, "");
        return;
    }
    let t = super::now_ms();
    match subtle_pbkdf2(&pass) {
        Ok(promise) => {
            let ok = Closure::once_into_js(move |bits: JsValue| {
                let bytes = js_sys::Uint8Array::new(&bits).to_vec();
                let key = <[u8; 32]>::try_from(bytes.as_slice())
                    .map(Redactor::new)
                    .unwrap_or_else(|_| Redactor::from_passphrase(&pass));
                key_ready(generation, Some(key), super::now_ms() - t, "webcrypto");
            });
            let failed = Closure::once_into_js(move |_: JsValue| {
                let pass: String = by_id_as::<HtmlInputElement>("rd-pass").value();
                let t = super::now_ms();
                let key = (!pass.is_empty()).then(|| Redactor::from_passphrase(&pass));
                key_ready(generation, key, super::now_ms() - t, "wasm");
            });
            let _ = then(&promise, &ok, &failed);
        }
        // No WebCrypto (an insecure context): the same derivation in wasm.
        Err(_) => key_ready(generation, Some(Redactor::from_passphrase(&pass)), super::now_ms() - t, "wasm"),
    }
}

/// PBKDF2-HMAC-SHA256(`pass`, [`redact::PASSPHRASE_SALT`],
/// [`redact::PASSPHRASE_ITERATIONS`], 256 bits) by `crypto.subtle`: a promise of
/// the key's 32 bytes (an `ArrayBuffer`), the same bytes as
/// [`Redactor::from_passphrase`] derives.
fn subtle_pbkdf2(pass: &str) -> Result<JsValue, JsValue> {
    let subtle = window().crypto()?.subtle();
    let usages = js_sys::Array::of1(&JsValue::from_str("deriveBits"));
    let raw = js_sys::Uint8Array::from(pass.as_bytes());
    let import = subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages)?;
    let derive = Closure::once_into_js(move |key: JsValue| -> Result<JsValue, JsValue> {
        let params = js_sys::Object::new();
        js_sys::Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
        js_sys::Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
        js_sys::Reflect::set(&params, &"salt".into(), &js_sys::Uint8Array::from(redact::PASSPHRASE_SALT))?;
        js_sys::Reflect::set(&params, &"iterations".into(), &f64::from(redact::PASSPHRASE_ITERATIONS).into())?;
        subtle.derive_bits_with_object(&params, key.unchecked_ref(), 256).map(JsValue::from)
    });
    then(&import, &derive, &JsValue::UNDEFINED)
}

/// `promise.then(ok, failed)` with callbacks made by `Closure::once_into_js`.
fn then(promise: &JsValue, ok: &JsValue, failed: &JsValue) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = js_sys::Reflect::get(promise, &"then".into())?.unchecked_into();
    f.call2(promise, ok, failed)
}

/// What the counted records are: events, and the Action execution objects that
/// an export writes too.
fn records_text(records: usize) -> String {
    let split = APP.with(|app| {
        let app = app.try_borrow().ok()?;
        let s = app.as_ref()?.session.as_ref()?;
        Some((s.ingest.events.len(), s.ingest.executions.iter().filter(|x| !x.span.is_empty()).count()))
    });
    match split {
        Some((events, executions)) if executions > 0 && events + executions == records => format!(
            "{} and {}",
            plural(events, "event", "events"),
            plural(executions, "Action execution object", "Action execution objects")
        ),
        _ => plural(records, "event", "events"),
    }
}

/// The passphrase's key is ready (`None`: the field is empty, the page's random key
/// is used again), unless the passphrase changed since it was asked for.
fn key_ready(generation: u32, key: Option<Redactor>, ms: f64, how: &str) {
    if with_state(|s| s.pass_generation) != generation {
        return;
    }
    let typed = key.is_some();
    with_state(|s| s.pass = key);
    let panel = by_id("redaction");
    let _ = panel.set_attribute("data-key", if typed { "passphrase" } else { "random" });
    let _ = panel.set_attribute("data-kdf", how);
    set_text(
        "rd-status",
        &if typed {
            format!("Pseudonyms now come from the passphrase (key derived in {} ms).", ms.round())
        } else {
            "Pseudonyms come from this page's random key.".to_string()
        },
    );
    if !by_id("detail").has_attribute("hidden") {
        super::open_detail_inner(false);
    }
}

// ---------------------------------------------------------------------------------------
// The rule table and lists

/// One row per default rule: a switch, the name, what, why, example, the count.
fn build_rule_rows() {
    let tbody = super::tbody_of("rd-rules");
    for (i, info) in DEFAULT_RULES.iter().enumerate() {
        let tr = el("tr");
        let _ = tr.set_attribute("data-rule", info.name);
        let td = el("td");
        let cb: HtmlInputElement = el("input").unchecked_into();
        cb.set_type("checkbox");
        cb.set_id(&format!("rd-on-{i}"));
        let _ = cb.set_attribute("data-rule", info.name);
        let _ = cb.set_attribute("aria-label", &format!("Rule {} on", info.name));
        let _ = td.append_child(&cb);
        let _ = tr.append_child(&td);
        let name = el("td");
        name.set_class_name("rd-name");
        let label = el("label");
        let _ = label.set_attribute("for", &format!("rd-on-{i}"));
        let _ = label.append_child(&text_el("code", info.name));
        let _ = name.append_child(&label);
        let _ = tr.append_child(&name);
        let what = el("td");
        with_code_spans(&what, info.what);
        let _ = tr.append_child(&what);
        let _ = tr.append_child(&text_el("td", info.why));
        let ex = text_el("td", info.example);
        ex.set_class_name("rd-ex");
        let _ = tr.append_child(&ex);
        let n = text_el("td", "–");
        n.set_class_name("num");
        let _ = tr.append_child(&n);
        let _ = tbody.append_child(&tr);
    }
}

/// Text with `backtick` spans as `<code>` (all as text nodes).
fn with_code_spans(parent: &Element, text: &str) {
    for (k, part) in text.split('`').enumerate() {
        if part.is_empty() {
            continue;
        }
        if k % 2 == 1 {
            let _ = parent.append_child(&text_el("code", part));
        } else {
            let _ = parent.append_child(&document().create_text_node(part));
        }
    }
}

/// Switches, user rules, kept values and counts from the state.
fn render_rules() {
    let (rules, counts, counting, waiting) =
        with_state(|s| (s.rules.clone(), s.counts.clone(), s.job.is_some() || s.count_timer.is_some(), s.waiting));
    let rows = by_id("rd-rules").query_selector_all("tbody tr").ok();
    for i in 0..rows.as_ref().map_or(0, |r| r.length()) {
        let Some(tr) = rows.as_ref().and_then(|r| r.get(i)).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        let Some(name) = tr.get_attribute("data-rule") else { continue };
        let on = rules.enabled(&name);
        if let Ok(Some(cb)) = tr.query_selector("input") {
            cb.unchecked_into::<HtmlInputElement>().set_checked(on);
        }
        let n = counts.as_ref().map(|c| c.count(&name));
        let _ = tr.class_list().toggle_with_force("rd-off", !on);
        let _ = tr.class_list().toggle_with_force("rd-zero", n == Some(0));
        if let Some(cell) = tr.last_element_child() {
            cell.set_text_content(Some(&match n {
                Some(n) => fmt_int(n as usize),
                None if counting => "…".to_string(),
                None => "–".to_string(),
            }));
        }
    }

    let list = by_id("rd-custom");
    clear(&list);
    let names = (0..rules.paths.len() + rules.patterns.len()).map(|i| rules.custom_name(i));
    for (i, name) in names.enumerate() {
        let li = el("li");
        let _ = li.set_attribute("data-name", &name);
        let _ = li.append_child(&text_el("code", &name));
        let n = counts.as_ref().map(|c| fmt_int(c.count(&name) as usize)).unwrap_or_else(|| "…".into());
        let count = text_el("span", &format!("{n} replaced"));
        count.set_class_name("rd-n");
        let _ = li.append_child(&count);
        let b = text_el("button", "Remove");
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("data-remove", &i.to_string());
        let _ = b.set_attribute("aria-label", &format!("Remove {name}"));
        let _ = li.append_child(&b);
        let _ = list.append_child(&li);
    }
    set_hidden(&list, rules.paths.is_empty() && rules.patterns.is_empty());

    let list = by_id("rd-allow-list");
    clear(&list);
    for (i, v) in rules.allow.iter().enumerate() {
        let li = el("li");
        let _ = li.append_child(&text_el("span", "kept:"));
        let _ = li.append_child(&text_el("code", v));
        let b = text_el("button", "Remove");
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("data-unkeep", &i.to_string());
        let _ = b.set_attribute("aria-label", "Stop keeping this value");
        let _ = li.append_child(&b);
        let _ = list.append_child(&li);
    }
    set_hidden(&list, rules.allow.is_empty());
    set_text("rd-frag", &rules.to_fragment());

    match &counts {
        Some(c) => set_text(
            "rd-total",
            &format!(
                "{} replaced in {}{}",
                plural(c.total_replacements() as usize, "value", "values"),
                records_text(c.records as usize),
                if c.already_masked > 0 { format!("; {} already masked", fmt_int(c.already_masked as usize)) } else { String::new() }
            ),
        ),
        None if waiting => set_text("rd-total", "Counts follow once the events are loaded into the page…"),
        None if counting => set_text("rd-total", "Counting…"),
        None => set_text("rd-total", "Load logs to see what the rules replace."),
    }
    let _ = by_id("redaction").set_attribute("data-rules", &rules.to_fragment());
}

// ---------------------------------------------------------------------------------------
// Counting in slices

/// A new session was loaded: count it under the current rules, close the gate. A
/// session still loading its events (from the worker) is counted when they are in:
/// the worker's load calls this again then.
pub(super) fn on_load() {
    with_state(|s| {
        s.counts = None;
        s.waiting = false;
    });
    close_gate();
    schedule_count();
    render_rules();
}

fn schedule_count() {
    let (old, generation) = with_state(|s| {
        s.generation = s.generation.wrapping_add(1);
        s.job = None;
        (s.count_timer.take(), s.generation)
    });
    if let Some(t) = old {
        window().clear_timeout_with_handle(t);
    }
    let _ = by_id("redaction").set_attribute("data-state", "counting");
    let cb = Closure::once_into_js(move || {
        with_state(|s| s.count_timer = None);
        count_slice(generation, super::now_ms());
    });
    let t = window().set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), DEBOUNCE_MS).ok();
    with_state(|s| s.count_timer = t);
}

/// Counts for about [`SLICE_MS`], then yields; `started` is when this count began.
fn count_slice(generation: u32, started: f64) {
    if with_state(|s| s.generation) != generation {
        return;
    }
    let t0 = super::now_ms();
    let outcome = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref()?;
        let session: &Session = app.session.as_ref()?;
        STATE.with(|st| {
            let mut st = st.borrow_mut();
            let st = &mut *st;
            let mut job = st.job.take().unwrap_or_else(|| CountJob::new(session));
            if job.waiting() && session.loading() {
                // No counts from an empty event list: wait for the events.
                st.waiting = true;
                return Some(None);
            }
            st.waiting = false;
            let r = st.pass.as_ref().unwrap_or(&app.redactor);
            let mut done = false;
            while !done && super::now_ms() - t0 < SLICE_MS {
                let n = st.slice;
                let t = super::now_ms();
                done = job.step(session, r, &st.rules, n);
                // Aim for a few steps per slice.
                let took = (super::now_ms() - t).max(0.05);
                st.slice = ((n as f64 * (SLICE_MS / 3.0) / took) as usize).clamp(20, 20_000);
            }
            let progress = job.progress();
            if done {
                st.counts = Some(job.summary.clone());
            } else {
                st.job = Some(job);
            }
            Some(Some((done, progress)))
        })
    });
    let outcome = match outcome {
        Some(None) => {
            let _ = by_id("redaction").set_attribute("data-state", "waiting");
            set_hidden(&by_id("rd-progress"), true);
            set_text("rd-status", "");
            render_rules();
            return;
        }
        Some(Some(o)) => Some(o),
        None => None,
    };
    let Some((done, (at, all))) = outcome else {
        // Nothing loaded.
        let _ = by_id("redaction").remove_attribute("data-state");
        render_rules();
        return;
    };
    let bar: HtmlElement = by_id_as("rd-progress");
    if done {
        set_hidden(&bar, true);
        let _ = by_id("redaction").set_attribute("data-state", "ready");
        let ms = super::now_ms() - started;
        // Replace the progress line (and say how long it took when it was slow).
        let shown_progress = by_id("rd-status").text_content().is_some_and(|t| t.starts_with("Counting"));
        if ms > 250.0 || shown_progress {
            set_text("rd-status", &format!("Counted {} in {} s.", records_text(all), (ms / 100.0).round() / 10.0));
        }
        render_rules();
        return;
    }
    set_hidden(&bar, false);
    let p: web_sys::HtmlProgressElement = bar.unchecked_into();
    p.set_value(at as f64 / all.max(1) as f64);
    set_text("rd-status", &format!("Counting what the rules replace… {} of {} records", fmt_int(at), fmt_int(all)));
    let cb = Closure::once_into_js(move || count_slice(generation, started));
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
}


// ---------------------------------------------------------------------------------------
// Before / after preview of the selected event

/// Fills the before/after view for the selected event when "compare" is on.
pub(super) fn refresh_preview() {
    let on = by_id_as::<HtmlInputElement>("rd-compare").checked();
    let box_ = by_id("rd-preview");
    if !on {
        set_hidden(&box_, true);
        return;
    }
    let preview = with_ui(|ui, session, page| {
        let e = super::sel_event(ui)?;
        let s = session.filter(|_| !ui.synthetic)?;
        Some(with_keys(page, |r, rules| s.preview_event(e, r, rules)))
    })
    .flatten();
    let before = by_id("rd-before");
    let after = by_id("rd-after");
    clear(&before);
    clear(&after);
    match preview {
        None => {
            set_hidden(&box_, true);
        }
        Some(Err(e)) => {
            set_text("rd-preview-n", &format!("No preview: {e}"));
            set_hidden(&box_, false);
        }
        Some(Ok(p)) => {
            fill_marked(&before, &p.before, p.changes.iter().map(|c| (c.before.clone(), c.rules.join(", "))), "rd-chg rd-del");
            fill_marked(&after, &p.after, p.changes.iter().map(|c| (c.after.clone(), c.rules.join(", "))), "rd-chg rd-ins");
            set_text(
                "rd-preview-n",
                &format!(
                    "{} in this event (highlighted; hover one for the rule that replaced it).",
                    plural(p.changes.len(), "value replaced", "values replaced")
                ),
            );
            set_hidden(&box_, false);
        }
    }
}

/// `text` into `pre` as text nodes, with each range wrapped in a `<mark>` of `class`
/// titled with its rules.
fn fill_marked(pre: &Element, text: &str, ranges: impl Iterator<Item = (std::ops::Range<usize>, String)>, class: &str) {
    let mut at = 0;
    for (r, title) in ranges {
        if r.start < at || r.end > text.len() || !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
            continue;
        }
        let _ = pre.append_child(&document().create_text_node(&text[at..r.start]));
        let m = text_el("mark", &text[r.clone()]);
        m.set_class_name(class);
        let _ = m.set_attribute("title", &title);
        let _ = pre.append_child(&m);
        at = r.end;
    }
    let _ = pre.append_child(&document().create_text_node(&text[at..]));
}

// ---------------------------------------------------------------------------------------
// The export gate

/// Shows what the verifier blocked in `what`'s output. `keepable`: whether keeping a
/// value can let this output through (a share link cannot carry kept values).
pub(super) fn show_gate(what: Pending, blocked: Vec<Blocked>, keepable: bool) {
    let total: usize = blocked.iter().map(|b| b.count).sum();
    let gate = by_id("gate");
    set_text(
        "gate-h",
        &format!(
            "Not saved: the {} would still contain {} that look{} like personal data",
            what.what(),
            plural(blocked.len(), "value", "values"),
            if blocked.len() == 1 { "s" } else { "" }
        ),
    );
    set_text(
        "gate-note",
        &if keepable {
            format!("{} in all. Values are shown masked: the first two characters and the length.", plural(total, "occurrence", "occurrences"))
        } else {
            "A share link holds the summary only: its Action, client and connection names are redacted like the logs, and it cannot carry kept values. \
             Use the fix given for each value, or download the report instead, where you can keep a value."
                .to_string()
        },
    );
    let list = by_id("gate-list");
    clear(&list);
    let rules = rules();
    for (i, b) in blocked.iter().enumerate().take(MAX_GATE_ROWS) {
        let li = el("li");
        let _ = li.set_attribute("data-kind", b.kind);
        let head = el("div");
        head.set_class_name("g-what");
        let kind = text_el("span", b.kind);
        kind.set_class_name("g-kind");
        let _ = head.append_child(&kind);
        let _ = head.append_child(&text_el("code", &b.excerpt));
        let at = match (&b.place, &b.path) {
            (Some(place), _) => format!(" in the {place}"),
            (None, Some(p)) => format!(" at {p}, line {}", fmt_int(b.line)),
            (None, None) => format!(", line {}", fmt_int(b.line)),
        };
        let _ = head.append_child(&document().create_text_node(&format!(
            "{at}{}",
            if b.count > 1 { format!(" ({} times)", fmt_int(b.count)) } else { String::new() }
        )));
        let _ = li.append_child(&head);
        let hint = el("div");
        with_code_spans(&hint, &b.hint);
        hint.set_class_name("g-hint");
        let _ = li.append_child(&hint);
        let acts = el("div");
        acts.set_class_name("g-acts");
        let button = |label: &str, act: &str, aria: &str| {
            let btn = text_el("button", label);
            btn.set_class_name("small");
            let _ = btn.set_attribute("type", "button");
            let _ = btn.set_attribute("data-act", act);
            let _ = btn.set_attribute("data-i", &i.to_string());
            let _ = btn.set_attribute("aria-label", aria);
            let _ = acts.append_child(&btn);
        };
        if !rules.enabled(b.rule) {
            button(&format!("Switch on {}", b.rule), "enable", &format!("Switch on {}", b.rule));
        } else if let Some(p) = &b.path {
            button(&format!("Add path rule {p}"), "path", &format!("Add the path rule {p}"));
        }
        if keepable {
            button("Keep this value", "keep", &format!("Keep the {} value {} (add it to the allow-list)", b.kind, b.excerpt));
        }
        let _ = li.append_child(&acts);
        let _ = list.append_child(&li);
    }
    if blocked.len() > MAX_GATE_ROWS {
        let rest = &blocked[MAX_GATE_ROWS..];
        let li = text_el(
            "li",
            &format!(
                "… and {} not listed ({}). A rule fixes them all at once: most often the one named above.",
                plural(rest.len(), "more value", "more values"),
                plural(rest.iter().map(|b| b.count).sum(), "occurrence", "occurrences")
            ),
        );
        li.set_class_name("g-more");
        let _ = list.append_child(&li);
    }
    with_state(|s| {
        s.pending = Some(what);
        s.blocked = blocked;
    });
    set_hidden(&gate, false);
    let _ = gate.set_attribute("data-what", what.what());
    let g: HtmlElement = gate.unchecked_into();
    let _ = g.focus();
}

/// Hides the gate (an export went through, or the user closed it).
pub(super) fn close_gate() {
    with_state(|s| {
        s.pending = None;
        s.blocked.clear();
    });
    let gate = by_id("gate");
    set_hidden(&gate, true);
    clear(&by_id("gate-list"));
}

/// Runs the held-back export again (after a fix); it saves when now clean.
fn retry() {
    let Some(p) = with_state(|s| s.pending) else { return };
    super::exports::run(p);
}
