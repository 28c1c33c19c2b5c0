//! The shareable report: one self-contained, offline HTML file.
//!
//! [`render`] turns a loaded [`Session`] into a single HTML document that a user can
//! hand to Auth0 support or a colleague: the findings in plain words (the app's
//! words, [`Summary::finding_lines`]), the numbers the app shows first, the timeline
//! as inline SVG (the same [`chart`] code the page draws with), the breach windows
//! with their ranked culprits ([`Summary::culprit_windows`]), the per-Action duration
//! table ([`Summary::by_action`]), each input's shape and time span, what redaction
//! did (rules and counts, never the key), and optionally the redacted events
//! themselves.
//!
//! # Safety of the output
//!
//! - Everything derived from logs is written through [`escape_html`] (text and
//!   attribute values alike); the chart's SVG comes from plotters, which escapes
//!   its `<text>` content.
//! - The document carries a strict Content-Security-Policy
//!   (`default-src 'none'; style-src 'unsafe-inline'; img-src data:`), has no
//!   script at all, and references no external resource: it opens from `file://`
//!   with zero network requests and prints cleanly (`@media print`).
//! - Before the HTML is returned, [`crate::verify`] scans the *final text* for
//!   emails, IP addresses, JWTs, Auth0 user ids, phones and secrets with detectors
//!   written independently of [`crate::redact`]'s rules. Anything found makes
//!   [`render`] fail, listing the values, unless the caller keeps them in
//!   [`ReportOptions::allow`].
//!
//! The core reads no clock: the caller passes [`ReportOptions::generated_at`].

use crate::analyze::LabelStats;
use crate::attribution::seconds;
use crate::chart::{self, DrawOptions};
use crate::model::{format_time, Millis};
use crate::redact::{self, Redactor};
use crate::verify::{self, Allow};
use crate::session::{count_noun, duration_text, group_digits, redacted_name, Session, Summary, WindowRow};
use std::fmt::Write as _;

/// The Content-Security-Policy of every report: no script, no fetch, inline styles
/// and `data:` images only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Chart size in the report, in CSS pixels (it scales down to the page width).
const CHART_W: u32 = 1000;
const CHART_H: u32 = 420;

/// What to put in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// When the report was made (epoch ms, UTC), shown in the header; `None`: not shown.
    pub generated_at: Option<i64>,
    /// Append the redacted events (as text) after the summary.
    pub include_events: bool,
    /// The report's title; default "Inflight report".
    pub title: Option<String>,
    /// Values the user has reviewed and chooses to keep although [`verify`] flags
    /// them (exact values; see [`crate::verify::Allow`]).
    pub allow: Vec<String>,
    /// The redaction rules (defaults, switched off, added); its allow-list is kept too.
    pub rules: crate::rules::RuleSet,
}

/// A rendered report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The whole HTML document.
    pub html: String,
    /// What redaction did over every input (also shown in the report).
    pub redaction: redact::Summary,
    /// Findings of [`verify`] that were kept because they are in [`ReportOptions::allow`].
    pub allowed: Vec<Finding>,
}

/// Something that looks like personal data, found by [`verify`] (the report's
/// author's view: it holds the value; [`crate::verify::Finding`] does not).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// `"email"`, `"ipv4"`, `"ipv6"`, `"jwt"`, `"user_id"`, … (see [`crate::verify`]).
    pub kind: &'static str,
    /// The text found.
    pub value: String,
}

/// Renders the report. Fails only when [`verify`] finds personal data in the
/// result that is not in [`ReportOptions::allow`]; the error lists what was found.
pub fn render(session: &Session, redactor: &Redactor, opts: &ReportOptions) -> Result<Report, String> {
    let (h, redaction) = render_unverified(session, redactor, opts)?;
    let mut allow = Allow::from_rules(&opts.rules);
    opts.allow.iter().for_each(|v| allow.insert(v));
    let verdict = verify::scan_with(h.as_bytes(), &allow);
    if !verdict.is_clean() {
        let labels = session.label_map(redactor, &opts.rules);
        return Err(blocked_message(&distinct(verdict.blocked, &h), &labels));
    }
    let allowed = distinct(verdict.allowed, &h);
    Ok(Report { html: h, redaction, allowed })
}

/// The report's HTML and redaction summary *before* the verifier ran, for a caller
/// that runs the verifier itself on the result (the page's export gate). Never
/// hand this out unchecked. Refused ([`crate::session::STILL_LOADING`]) while the
/// session's events are still arriving: its redaction counts (and events) would be
/// missing.
pub fn render_unverified(session: &Session, redactor: &Redactor, opts: &ReportOptions) -> Result<(String, redact::Summary), String> {
    if session.loading() {
        return Err(crate::session::STILL_LOADING.into());
    }
    // Labels (Action, client, connection and file names) as the redacted logs hold them.
    let labels = session.label_map(redactor, &opts.rules);
    let summary = session.redacted_summary(&labels);
    let (redaction, exports) = redact_inputs(session, redactor, &opts.rules, opts.include_events, &labels);
    let title = opts.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or("Inflight report");

    let mut h = String::with_capacity(64 * 1024 + exports.iter().map(|e| e.1.len() * 11 / 10).sum::<usize>());
    head(&mut h, title);
    h.push_str("<header><h1>");
    h.push_str(&escape_html(title));
    h.push_str("</h1><p class=\"meta\">");
    if let Some(t) = opts.generated_at {
        let _ = write!(h, "Generated {} by ", escape_html(&human_time(t)));
    } else {
        h.push_str("Made with ");
    }
    let _ = writeln!(
        h,
        "Inflight {} from {} ({}). Personal data was replaced or left out; see <a href=\"#redaction\">Redaction</a>.</p></header>",
        env!("CARGO_PKG_VERSION"),
        count_noun(summary.events, "event", "events"),
        escape_html(&summary.span_text),
    );

    findings_section(&mut h, &summary);
    glance_section(&mut h, &summary);
    timeline_section(&mut h, &session.redacted_chart(&labels));
    windows_section(&mut h, &summary);
    actions_section(&mut h, &summary.by_action);
    inputs_section(&mut h, &summary);
    redaction_section(&mut h, &redaction, opts.include_events, &opts.rules);
    if opts.include_events {
        events_section(&mut h, &exports);
    }
    h.push_str("<footer>Inflight report · self-contained: no scripts, no network requests.</footer>\n</body>\n</html>\n");
    Ok((h, redaction))
}

/// One finding per distinct value, with the value read from `text`.
fn distinct(found: Vec<verify::Finding>, text: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> =
        found.into_iter().map(|f| Finding { kind: f.kind, value: f.value_in(text.as_bytes()).into_owned() }).collect();
    out.sort();
    out.dedup();
    out
}

/// The error text for values the verifier blocked. The report's author sees the
/// values themselves here (they are the author's own data), never the reader.
fn blocked_message(blocked: &[Finding], labels: &crate::labels::LabelMap) -> String {
    let mut msg = format!(
        "the report would contain {} that look{} like personal data, so it was not written:",
        count_noun(blocked.len(), "value", "values"),
        if blocked.len() == 1 { "s" } else { "" }
    );
    for f in blocked.iter().take(20) {
        let _ = write!(msg, "\n  {}: {}", f.kind, f.value);
        if let Some((place, label)) = labels.origin(&f.value) {
            let _ = write!(msg, " (in the {} '{label}'", place.text());
            match place.path_rule() {
                Some(p) => {
                    let _ = write!(msg, "; the path rule {p} replaces such names)");
                }
                None => msg.push(')'),
            }
        }
    }
    if blocked.len() > 20 {
        let _ = write!(msg, "\n  … and {} more", blocked.len() - 20);
    }
    msg.push_str("\nCheck where they come from (Action names, file names, the title); keep one deliberately with --allow VALUE.");
    msg
}

/// Redacts every input; returns the merged summary and, when `keep` is set, the
/// redacted bytes of each input with its download name.
fn redact_inputs(
    session: &Session,
    redactor: &Redactor,
    rules: &crate::rules::RuleSet,
    keep: bool,
    labels: &crate::labels::LabelMap,
) -> (redact::Summary, Vec<(String, Vec<u8>)>) {
    let mut total = redact::Summary::default();
    let mut out = Vec::new();
    for (i, info) in session.ingest.sources.iter().enumerate() {
        let Some(export) = session.redact_source(i, redactor, rules) else { continue };
        total.merge(&export.summary);
        if keep {
            out.push((redacted_name(&labels.get(crate::labels::Place::File, &info.name)), export.bytes));
        }
    }
    (total, out)
}

fn head(h: &mut String, title: &str) {
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(h, "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{}</title>", escape_html(title));
    h.push_str("<style>\n");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n");
}

const STYLE: &str = r#":root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff; max-width: 1040px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.2em; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
.meta, figcaption, .note { color: #555; font-size: 0.9em; }
.findings li { margin: 4px 0; }
.findings li.alert { color: #8a0000; font-weight: 600; }
h3 { font-size: 1.02em; margin: 20px 0 4px; }
table.glance th { font-weight: 600; color: #444; border-bottom-color: #eee; padding-right: 24px; }
.window p { margin: 4px 0; max-width: 80ch; }
figure { margin: 0; }
svg { display: block; max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
table { border-collapse: collapse; margin: 4px 0 8px; font-size: 0.92em; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-weight: 600; border-bottom-color: #bbb; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f6f6; border: 1px solid #e4e4e4; padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.events span { display: block; padding: 2px 0 2px 2ch; text-indent: -2ch; border-bottom: 1px solid #e4e4e4; }
a { color: #0b5cad; }
footer { margin-top: 32px; color: #777; font-size: 0.85em; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  figure, tr, table.glance { break-inside: avoid; }
  h3 { break-after: avoid; }
  svg { border: none; }
  pre { font-size: 8pt; background: none; border: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
}
"#;

fn findings_section(h: &mut String, s: &Summary) {
    h.push_str("<section id=\"findings\"><h2>Findings</h2>\n<ul class=\"findings\">\n");
    for (i, line) in s.finding_lines().iter().enumerate() {
        // The headline names the failures when there were any, or says nothing was read
        // (once: it said so twice, as an alert and as the finding).
        let class = if i == 0 && (s.breaches > 0 || s.events == 0) { " class=\"alert\"" } else { "" };
        let _ = writeln!(h, "<li{class}>{}</li>", escape_html(line));
    }
    h.push_str("</ul></section>\n");
}

/// The numbers the app's cards show first.
fn glance_section(h: &mut String, s: &Summary) {
    let span = match (&s.first, &s.last) {
        (Some(a), Some(b)) => format!("{} (from {} to {})", s.span_text, iso_to_human(a), iso_to_human(b)),
        _ => "no dated events".to_owned(),
    };
    let limit = match s.limit {
        Some(l) if s.limit_estimated => format!("; limit about {} (estimated)", group_digits(l as usize)),
        Some(l) => format!("; limit {} (as entered)", group_digits(l as usize)),
        None => String::new(),
    };
    let peak = match &s.peak_at {
        Some(at) => format!("{}, first at {}{limit}", group_digits(s.peak_inflight as usize), iso_to_human(at)),
        None => format!("0{limit}"),
    };
    let rows = [
        ("Events read", format!("{} ({} with request timing, {} without)", group_digits(s.events), group_digits(s.timed), group_digits(s.untimed))),
        ("Time span", span),
        ("resource_exhausted failures", format!("{} in {}", group_digits(s.breaches), count_noun(s.breach_windows, "window", "windows"))),
        ("Peak in flight", peak),
        ("Duplicates dropped", group_digits(s.duplicates)),
        ("Unreadable records", match s.other_problems() {
            other if other.is_empty() => group_digits(s.unreadable),
            other => format!("{} (+ {})", group_digits(s.unreadable), other.join(", ")),
        }),
    ];
    h.push_str("<section id=\"glance\"><h2>At a glance</h2>\n<table class=\"glance\"><tbody>\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape_html(k), escape_html(&v));
    }
    h.push_str("</tbody></table></section>\n");
}

fn timeline_section(h: &mut String, data: &crate::chart::ChartData) {
    h.push_str("<section id=\"timeline\"><h2>Timeline</h2>\n<figure>\n");
    // The duration axis is Auto (log when the durations span more than two decades).
    let opts = DrawOptions::default();
    // As the page opens: on the events dated 2000–2099 when some are outside it.
    let view = data.initial_view();
    let (svg, frame) = chart::render_svg_frame(data, &view, &opts, CHART_W, CHART_H);
    let left = if frame.y.log { "left axis: duration, on a logarithmic scale" } else { "left axis: duration" };
    // Inline SVG in HTML needs no namespace declaration; dropping it keeps the
    // document free of any URL at all.
    h.push_str(&svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", " role=\"img\" aria-label=\"Timeline chart\"", 1));
    let _ = write!(h, "\n<figcaption>Each dot is one Action or script run (or a request whose logs name no Action) at its end time, coloured by name ({left}). The dark line is the number of requests in flight (right axis), the orange line the concurrency limit. Red triangles mark resource_exhausted failures; red shading, the breach windows. Times in UTC.");
    if view != data.full_view() {
        h.push_str(" The chart covers the events dated 2000–2099: those dated outside it (see the warnings) are left out.");
    }
    h.push_str("</figcaption>\n</figure></section>\n");
}

/// At most this many culprits per window, as in the app.
const CULPRITS_SHOWN: usize = 10;

fn windows_section(h: &mut String, s: &Summary) {
    h.push_str("<section id=\"windows\"><h2>Breach windows</h2>\n");
    let windows = &s.culprit_windows;
    if windows.is_empty() {
        h.push_str("<p>None: no resource_exhausted failures.</p></section>\n");
        return;
    }
    h.push_str("<table><thead><tr><th>#</th><th>from (UTC)</th><th>to</th><th class=\"n\">length</th><th class=\"n\">failures</th><th class=\"n\">in flight before</th><th>top culprit</th></tr></thead><tbody>\n");
    for (i, w) in windows.iter().enumerate() {
        let top = w.culprits.first().map(|c| format!("{} ({})", c.label, share_text(c.share))).unwrap_or_else(|| "–".into());
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#window-{n}\">{n}</a></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape_html(&human_time(w.start_ms)),
            escape_html(&clock_time(w.end_ms)),
            escape_html(&duration_text(w.end_ms - w.start_ms)),
            group_digits(w.failures),
            group_digits(w.inflight_before as usize),
            escape_html(&top),
            n = i + 1,
        );
    }
    h.push_str("</tbody></table>\n");
    let lookback = windows.first().map(|w| (w.start_ms - w.from_ms).max(0)).unwrap_or(s.lookback_ms);
    let _ = writeln!(
        h,
        "<p class=\"note\">Culprits are ranked by their share of all the time spent in flight from {} before each window to its end. \"Inside\" are their runs in that interval, \"outside\" their runs at normal times.</p>",
        escape_html(&duration_text(lookback))
    );
    for (i, w) in windows.iter().enumerate() {
        window_culprits(h, i, w);
    }
    h.push_str("</section>\n");
}

/// One window's ranked culprits, with the app's columns and the top one's explanation.
fn window_culprits(h: &mut String, i: usize, w: &WindowRow) {
    let _ = writeln!(
        h,
        "<div class=\"window\" id=\"window-{}\"><h3>Window {}: {} to {} · {} · {} in flight just before</h3>",
        i + 1,
        i + 1,
        escape_html(&human_time(w.start_ms)),
        escape_html(&clock_time(w.end_ms)),
        count_noun(w.failures, "failure", "failures"),
        group_digits(w.inflight_before as usize)
    );
    if w.culprits.is_empty() {
        h.push_str("<p>The logs hold no request timing before or during this window, so no Action or script can be named.</p></div>\n");
        return;
    }
    h.push_str("<table><thead><tr><th class=\"n\">#</th><th>Action / script</th><th class=\"n\">share of in-flight time</th><th class=\"n\">runs</th><th class=\"n\">p50 inside</th><th class=\"n\">p95 inside</th><th class=\"n\">p99 inside</th><th class=\"n\">p95 outside</th><th>where the time went</th></tr></thead><tbody>\n");
    for (k, c) in w.culprits.iter().take(CULPRITS_SHOWN).enumerate() {
        let why = c.where_text();
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            k + 1,
            escape_html(&c.label),
            share_text(c.share),
            group_digits(c.runs),
            escape_html(&seconds(c.inside.p50)),
            escape_html(&seconds(c.inside.p95)),
            escape_html(&seconds(c.inside.p99)),
            escape_html(&c.outside.map(|o| seconds(o.p95)).unwrap_or_else(|| "–".into())),
            escape_html(if why.is_empty() { "–" } else { &why }),
        );
    }
    h.push_str("</tbody></table>\n");
    if w.culprits.len() > CULPRITS_SHOWN {
        let _ = writeln!(h, "<p class=\"note\">… and {} more with smaller shares.</p>", w.culprits.len() - CULPRITS_SHOWN);
    }
    if let Some(top) = w.culprits.first() {
        let _ = writeln!(h, "<p>{}</p>", escape_html(&top.explanation));
    }
    h.push_str("</div>\n");
}

/// `99.1%`, as the app's culprit table shows a share.
fn share_text(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn actions_section(h: &mut String, rows: &[LabelStats]) {
    h.push_str("<section id=\"durations\"><h2>Per Action / script</h2>\n");
    if rows.is_empty() {
        h.push_str("<p>No timed requests.</p></section>\n");
        return;
    }
    h.push_str("<table><thead><tr><th>Action / script</th><th class=\"n\">runs</th><th class=\"n\">failed</th><th class=\"n\">p50</th><th class=\"n\">p95</th><th class=\"n\">p99</th><th class=\"n\">max</th></tr></thead><tbody>\n");
    for l in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape_html(&l.label),
            group_digits(l.count),
            group_digits(l.failures),
            escape_html(&seconds(l.p50)),
            escape_html(&seconds(l.p95)),
            escape_html(&seconds(l.p99)),
            escape_html(&seconds(l.max)),
        );
    }
    h.push_str("</tbody></table><p class=\"note\">One row per Action, Custom Database script, or request whose logs do not name the Action; slowest 95th percentile first.</p></section>\n");
}

fn inputs_section(h: &mut String, s: &Summary) {
    h.push_str("<section id=\"inputs\"><h2>Inputs</h2>\n<table><thead><tr><th>input</th><th>shape</th><th class=\"n\">size</th><th class=\"n\">events kept</th><th class=\"n\">duplicates</th><th class=\"n\">problems</th></tr></thead><tbody>\n");
    for src in &s.sources {
        let name = src.name.rsplit(['/', '\\']).next().unwrap_or(&src.name);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape_html(name),
            escape_html(&src.shape),
            bytes_text(src.bytes),
            group_digits(src.events as usize),
            group_digits(src.duplicates as usize),
            group_digits(src.problems)
        );
    }
    h.push_str("</tbody></table>\n");
    match (&s.first, &s.last) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                h,
                "<p>Time span: {} to {} ({}).</p>",
                escape_html(&iso_to_human(a)),
                escape_html(&iso_to_human(b)),
                escape_html(&s.span_text)
            );
        }
        _ => h.push_str("<p>No dated events.</p>\n"),
    }
    let _ = write!(
        h,
        "<p>{} read, {} dropped; {} with request timing.",
        count_noun(s.events, "event", "events"),
        count_noun(s.duplicates, "duplicate", "duplicates"),
        group_digits(s.timed)
    );
    if s.errors + s.warnings > 0 {
        // Problem excerpts and messages quote raw log text, so only counts go here.
        let mut counts = vec![count_noun(s.unreadable, "unreadable record", "unreadable records")];
        counts.extend(s.other_problems());
        let last = counts.pop().unwrap_or_default();
        let list = if counts.is_empty() { last } else { format!("{} and {last}", counts.join(", ")) };
        let _ = write!(h, " {list} (details left out: they quote the raw logs).");
    }
    h.push_str("</p>\n");
    if !s.type_counts.is_empty() {
        h.push_str("<table><thead><tr><th>event type</th><th>meaning</th><th class=\"n\">count</th></tr></thead><tbody>\n");
        for (code, meaning, n) in s.type_counts.iter().take(15) {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td></tr>",
                escape_html(code),
                escape_html(meaning),
                group_digits(*n)
            );
        }
        h.push_str("</tbody></table>\n");
        if s.type_counts.len() > 15 {
            let _ = writeln!(h, "<p class=\"note\">… and {} more types.</p>", group_digits(s.type_counts.len() - 15));
        }
    }
    h.push_str("</section>\n");
}

fn redaction_section(h: &mut String, r: &redact::Summary, events_included: bool, rules: &crate::rules::RuleSet) {
    h.push_str("<section id=\"redaction\"><h2>Redaction</h2>\n");
    h.push_str("<p>This report is built from the typed view of each event, which holds no personal data (no IP, user, email, user agent or session). ");
    if events_included {
        h.push_str("The events below were redacted first: ");
    } else {
        h.push_str("The raw events are not included. Redacting them (for the counts below) ");
    }
    let _ = write!(
        h,
        "replaced {} in {} with keyed pseudonyms (<code>user-…</code>, <code>ip-…</code>, <code>email-…</code>: the same value gets the same token within this report; the key is not in the report).",
        count_noun(r.total_replacements() as usize, "value", "values"),
        count_noun(r.records as usize, "record", "records")
    );
    if r.already_masked > 0 {
        let _ = write!(h, " {} arrived already masked and {} kept.", count_noun(r.already_masked as usize, "value", "values"), if r.already_masked == 1 { "was" } else { "were" });
    }
    if r.records_skipped > 0 {
        let _ = write!(h, " {} could not be scanned and {} left out.", count_noun(r.records_skipped as usize, "record", "records"), if r.records_skipped == 1 { "was" } else { "were" });
    }
    h.push_str("</p>\n");
    // User rules by name, except patterns: their text is what they hide.
    let custom = r.custom.iter().map(|(k, n)| match k.strip_prefix("pattern:") {
        Some(p) => (format!("pattern {}", rules.patterns.iter().position(|x| x.text == p).map_or(0, |i| i + 1)), *n),
        None => (k.clone(), *n),
    });
    let mut rows: Vec<(String, u64)> = r.replacements.iter().map(|(k, n)| (k.to_string(), *n)).chain(custom).collect();
    if !rows.is_empty() {
        h.push_str("<table><thead><tr><th>rule (JSON path or detector)</th><th class=\"n\">values replaced</th></tr></thead><tbody>\n");
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (rule, n) in rows {
            let _ = writeln!(h, "<tr><td><code>{}</code></td><td class=\"n\">{}</td></tr>", escape_html(&rule), group_digits(n as usize));
        }
        h.push_str("</tbody></table>\n");
    }
    if rules.disabled.is_empty() {
        h.push_str("<p class=\"note\">Every default path rule and detector ran; ");
    } else {
        let off: Vec<String> = rules.disabled.iter().map(|n| format!("<code>{}</code>", escape_html(n))).collect();
        let _ = write!(h, "<p class=\"note\">Switched off by the author: {}; every other default rule ran; ", off.join(", "));
    }
    h.push_str("rules that matched nothing are not listed. The finished report was then checked for emails, IP addresses, JWTs, Auth0 user ids, phone numbers and secrets by a separate verifier.</p></section>\n");
}

fn events_section(h: &mut String, exports: &[(String, Vec<u8>)]) {
    h.push_str("<section id=\"events\"><h2>Redacted events</h2>\n");
    for (name, bytes) in exports {
        let _ = writeln!(h, "<h3><code>{}</code></h3>", escape_html(name));
        // One block per line (one record per line in every export shape), so that
        // wrapped records stay visibly apart.
        h.push_str("<pre class=\"events\">");
        for line in String::from_utf8_lossy(bytes).lines() {
            h.push_str("<span>");
            h.push_str(&escape_html(line));
            h.push_str("</span>\n");
        }
        h.push_str("</pre>\n");
    }
    h.push_str("</section>\n");
}

/// Escapes text for HTML element content and for quoted attribute values:
/// `& < > " '`.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `2024-05-14 08:50:01 UTC` (milliseconds shown only when not zero).
pub fn human_time(ms: Millis) -> String {
    iso_to_human(&format_time(ms))
}

/// `2024-05-14T08:50:01.000Z` → `2024-05-14 08:50:01 UTC`.
fn iso_to_human(iso: &str) -> String {
    let s = iso.strip_suffix('Z').unwrap_or(iso).replacen('T', " ", 1);
    let s = s.strip_suffix(".000").unwrap_or(&s);
    format!("{s} UTC")
}

/// `08:50:01` (with `.mmm` when not zero), for the end of a range on the same day.
fn clock_time(ms: Millis) -> String {
    let h = human_time(ms);
    let h = h.strip_suffix(" UTC").unwrap_or(&h);
    h.split_once(' ').map(|(_, t)| t.to_string()).unwrap_or_else(|| h.to_string())
}

/// `812 B`, `14.2 KB`, `8.1 MB`.
fn bytes_text(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    }
}


/// Scans `text` (the finished output) with [`crate::verify::scan`]: each distinct
/// value that looks like personal data, sorted.
pub fn verify(text: &str) -> Vec<Finding> {
    distinct(verify::scan(text.as_bytes()), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_covers_text_and_attributes() {
        assert_eq!(escape_html("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
        assert_eq!(escape_html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape_html("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape_html("plain ü ✓"), "plain ü ✓");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn times_read_well() {
        assert_eq!(human_time(1_715_676_644_000), "2024-05-14 08:50:44 UTC");
        assert_eq!(human_time(1_715_676_644_539), "2024-05-14 08:50:44.539 UTC");
        assert_eq!(clock_time(1_715_676_813_052), "08:53:33.052");
    }
}
