//! The offline HTML report and the share link, end to end: no personal data from
//! the input, no script, no external resource, log text inert, the verifier
//! blocking what the rules missed, and share links that round-trip.

use inflight::redact::Redactor;
use inflight::report::{self, ReportOptions};
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use inflight::share::{self, ShareSummary, MAX_LINK_CHARS};
use serde_json::Value;
use std::collections::HashSet;

/// A key whose hex spelling is easy to look for.
const KEY: [u8; 32] = [
    0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc,
    0xfe, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
];

fn key_hex() -> String {
    KEY.iter().map(|b| format!("{b:02x}")).collect()
}

fn sample_text() -> String {
    sample::generate(&Scenario::sample_incident(), Format::Ndjson).text
}

fn load(name: &str, text: &str) -> Session {
    Session::load(vec![(name.to_string(), text.as_bytes().to_vec())], None)
}

fn opts(include_events: bool) -> ReportOptions {
    ReportOptions {
        generated_at: Some(1_715_700_000_000),
        include_events,
        title: Some("Login failures on 14 May".into()),
        allow: Vec::new(),
    }
}

/// Personal values in the input, collected independently of the redactor: every
/// string under a personal key, and every string that looks like an email or an
/// IPv4 address or an Auth0 user id.
fn pii_values(text: &str) -> HashSet<String> {
    const KEYS: &[&str] = &[
        "ip", "client_ip", "user_id", "user_name", "email", "user_agent", "hostname", "tenant_name", "client_id",
        "session_id", "identity", "useragent",
    ];
    fn walk(v: &Value, key: &str, out: &mut HashSet<String>) {
        match v {
            Value::String(s) => {
                let looks = s.contains('@')
                    || s.contains("auth0|")
                    || (s.split('.').count() == 4 && s.split('.').all(|p| p.parse::<u8>().is_ok()));
                if (KEYS.contains(&key) || looks) && s.len() >= 6 {
                    out.insert(s.clone());
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, k, out)),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("sample lines are JSON");
        walk(&v, "", &mut out);
    }
    out
}

/// Asserts that no value of `pii` occurs in `html`. Values without separators are
/// looked up among the HTML's word-like tokens (fast); the others by substring.
fn assert_no_pii(html: &str, pii: &HashSet<String>) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "@._|%+-".contains(c);
    let tokens: HashSet<&str> = html.split(|c: char| !is_word(c)).filter(|t| !t.is_empty()).collect();
    let mut checked = 0;
    for v in pii {
        let leaked = if v.chars().all(is_word) { tokens.contains(v.as_str()) } else { html.contains(v.as_str()) };
        assert!(!leaked, "personal value {v:?} is in the report");
        checked += 1;
    }
    assert!(checked > 100, "the oracle found only {checked} values");
}

/// Every markup tag in `html` (`<name …>`), lower-cased. Log text is escaped, so
/// these are the report's own tags and plotters' SVG elements only.
fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '!' || c == '/') {
            let end = rest.find('>').unwrap_or(rest.len());
            out.push(rest[..end].to_ascii_lowercase());
            rest = &rest[end..];
        }
    }
    out
}

fn assert_inert(html: &str) {
    const ALLOWED: &[&str] = &[
        "!doctype", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "a", "section",
        "ul", "li", "span", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "footer",
        "svg", "rect", "circle", "text", "polyline", "polygon", "line", "path", "g",
    ];
    for tag in tags(html) {
        let name = tag.trim_start_matches('/').split([' ', '\n', '/']).next().unwrap_or("").to_string();
        assert!(ALLOWED.contains(&name.as_str()), "unexpected element <{tag}>");
        assert!(!tag.contains(" src=") && !tag.contains("url(") && !tag.contains("xlink:"), "<{tag}>");
        assert!(!tag.split_whitespace().any(|a| a.starts_with("on")), "event handler in <{tag}>");
        if let Some(i) = tag.find("href=") {
            assert!(tag[i..].starts_with("href=\"#"), "external link <{tag}>");
        }
    }
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element");
    assert!(!lower.contains("url("), "a CSS url()");
    assert!(!lower.contains("@import"));
    assert!(html.contains(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">", report::CSP)));
    assert_eq!(report::CSP, "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    assert!(!html.contains(&key_hex()), "the key is in the report");
}

#[test]
fn sample_report_is_clean_and_self_contained() {
    let text = sample_text();
    let session = load("sample-incident.ndjson", &text);
    let r = report::render(&session, &Redactor::new(KEY), &opts(false)).expect("the sample report passes the verifier");
    let html = &r.html;
    assert_inert(html);
    assert!(!html.contains("http://") && !html.contains("https://"), "a URL in the summary-only report");
    assert_no_pii(html, &pii_values(&text));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg ") && html.contains("</svg>"), "the inline chart");
    assert!(html.contains("2024-05-14 15:20:00 UTC"), "the generated-at time");
    for section in ["Findings", "Timeline", "Breach windows", "Request durations by Action", "Inputs", "Redaction"] {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(html.contains("resource_exhausted"));
    assert!(html.contains("post-login request"));
    assert!(html.contains("<code>path:ip</code>"), "the redaction rules that ran");
    assert!(!html.contains("Redacted events"));
    assert!(r.redaction.total_replacements() > 1000);
    assert!(r.allowed.is_empty());
    eprintln!("sample report: {:.1} KB", html.len() as f64 / 1024.0);
    let _ = std::fs::write(std::env::temp_dir().join("inflight-sample-report.html"), html);
}

#[test]
fn report_with_events_holds_only_redacted_events() {
    // The first 600 events keep the test quick; the redaction is the same per record.
    let text: String = sample_text().lines().take(600).map(|l| format!("{l}\n")).collect();
    let session = load("part.ndjson", &text);
    let r = report::render(&session, &Redactor::new(KEY), &opts(true)).expect("verifier passes");
    assert_inert(&r.html);
    assert_no_pii(&r.html, &pii_values(&text));
    assert!(r.html.contains("<h2>Redacted events</h2>"));
    assert!(r.html.contains("part.redacted.ndjson"));
    // Pseudonyms, and JSON quotes written as entities inside the <pre>.
    assert!(r.html.contains("&quot;user_id&quot;:&quot;user-"), "tokens in the events");
    assert!(r.html.matches("&quot;log_id&quot;").count() >= 600);
}

/// Events whose log values carry HTML and script payloads.
fn hostile_logs() -> String {
    let lines = [
        r#"{"log_id":"1","type":"actions_execution_failed","date":"2024-01-15T10:30:01.000Z","description":"<b>bold</b> & <i>","client_name":"\"><img src=x onerror=alert(1)>","user_agent":"<script>alert(2)</script>","details":{"action_name":"<script>alert(1)</script>","stats":{"total_request_duration_ms":900}}}"#,
        r#"{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z","client_name":"</pre><script>alert(3)</script>","details":{"stats":{"total_request_duration_ms":700}}}"#,
        r#"{"log_id":"3","type":"f","date":"2024-01-15T10:30:03.000Z","description":"resource_exhausted","connection":"' onmouseover='alert(4)"}"#,
    ];
    lines.join("\n") + "\n"
}

#[test]
fn html_payloads_in_logs_stay_text() {
    let session = load("hostile.ndjson", &hostile_logs());
    assert_eq!(session.chart().series.first().map(String::as_str), Some("<script>alert(1)</script>"));
    let mut o = opts(true);
    o.title = Some("<script>alert(5)</script>\"'".into());
    let r = report::render(&session, &Redactor::new(KEY), &o).expect("no personal data here");
    let html = &r.html;
    assert_inert(html);
    // The Action name, in the table, the findings and the chart legend.
    assert!(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), "table cell");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\n</text>"), "SVG legend text is escaped by plotters");
    assert!(html.contains("<title>&lt;script&gt;alert(5)&lt;/script&gt;&quot;&#39;</title>"));
    // In the redacted events: the client names and description, inert.
    assert!(html.contains("\\&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), "client_name");
    assert!(html.contains("&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;"));
    assert!(html.contains("&#39; onmouseover=&#39;alert(4)"));
    assert_eq!(html.matches("</pre>").count(), html.matches("<pre class=\"events\">").count());
    assert_eq!(html.matches("</span>").count(), html.matches("<span>").count());
}

#[test]
fn svg_alone_escapes_series_names() {
    let session = load("hostile.ndjson", &hostile_logs());
    let svg = inflight::chart::render_svg(session.chart(), 800, 300);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"));
}

#[test]
fn verifier_blocks_what_the_rules_missed() {
    // An email in an Action name reaches the chart legend and the table without
    // passing through redaction (names are kept on purpose).
    let text = r#"{"log_id":"1","type":"actions_execution_failed","date":"2024-01-15T10:30:01.000Z","client_name":"Ask bob.smith@example.com","details":{"action_name":"notify ops at alice@example.com","stats":{"total_request_duration_ms":900}}}"#;
    let session = load("logs.ndjson", text);
    let err = report::render(&session, &Redactor::new(KEY), &opts(false)).expect_err("the verifier must block");
    assert!(err.contains("email: alice@example.com"), "{err}");
    assert!(err.contains("--allow"), "{err}");
    // The client_name went through the redactor's detectors in the events.
    let err = report::render(&session, &Redactor::new(KEY), &opts(true)).expect_err("still blocked");
    assert!(!err.contains("bob.smith"), "the redactor handles client_name: {err}");

    // Kept on purpose.
    let mut o = opts(false);
    o.allow = vec!["alice@example.com".into()];
    let r = report::render(&session, &Redactor::new(KEY), &o).expect("allowed");
    assert_eq!(r.allowed.len(), 1);
    assert!(r.html.contains("alice@example.com"));

    // A planted IP and user id in a file name and a title.
    let session = Session::load(vec![("from-10.1.2.3.ndjson".into(), text.as_bytes().to_vec())], None);
    let mut o = opts(false);
    o.allow = vec!["alice@example.com".into()];
    o.title = Some("auth0|5f7c8ec7c33c6c004bbafe82".into());
    let err = report::render(&session, &Redactor::new(KEY), &o).expect_err("blocked");
    assert!(err.contains("ipv4: 10.1.2.3") && err.contains("user_id: auth0|5f7c8ec7c33c6c004bbafe82"), "{err}");
}

#[test]
fn empty_and_broken_inputs_still_render() {
    for text in ["", "not json at all", "{\"log_id\":"] {
        let session = load("x.json", text);
        let r = report::render(&session, &Redactor::new(KEY), &opts(true)).expect("renders");
        assert!(r.html.contains("No Auth0 log events could be read"));
        assert_inert(&r.html);
    }
}

#[test]
fn share_link_round_trips_the_sample() {
    let session = load("sample-incident.ndjson", &sample_text());
    let (summary, link) = share::fit(&session, Some("May 14".into())).expect("the sample fits in a link");
    assert!(link.starts_with("#s=") && link.len() <= MAX_LINK_CHARS);
    let back = share::decode(&format!("https://example.org/inflight/{link}")).expect("decodes");
    assert_eq!(back, summary);
    assert_eq!(share::decode(&link).expect("fragment"), summary);
    // What it carries.
    let an = &session.analysis;
    assert_eq!(back.events, session.summary().events);
    assert_eq!(back.breaches, an.breaches.len());
    assert_eq!(back.windows.len(), an.windows.len());
    assert_eq!(back.peak, an.peak);
    assert!(!back.findings.is_empty());
    let data = back.chart.to_chart_data();
    assert_eq!(data.series, session.chart().series);
    assert_eq!(data.windows, session.chart().windows);
    assert!(!data.breaches.is_empty() && data.marks.len() > 100 && !data.steps.is_empty());
    assert_eq!(data.steps.iter().map(|s| s.1).max(), session.chart().steps.iter().map(|s| s.1).max(), "peak kept");
    // The decoded chart draws.
    let svg = inflight::chart::render_svg_view(&data, &back.chart.view(), &Default::default(), 600, 300);
    assert!(svg.contains("</svg>"));
    // No personal data in the link payload either.
    let json = serde_json::to_string(&back).expect("json");
    assert!(report::verify(&json).is_empty());
    assert!(!json.contains("sample-incident.ndjson"), "no file names in a link");
    eprintln!(
        "sample share link: {} chars, chart width {} px, {} marks, {} steps",
        link.len(),
        back.chart.width,
        data.marks.len(),
        data.steps.len()
    );
}

/// Deterministic xorshift.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A summary whose chart holds `n` marks spread over 600 columns and 4 series, with
/// noisy durations (the hard case for compression) and a step line to match.
fn synthetic(n: usize) -> ShareSummary {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = ShareSummary {
        version: share::VERSION,
        events: n,
        timed: n,
        range: Some((1_715_676_000_000, 1_715_679_600_000)),
        findings: vec!["12 requests failed with resource_exhausted in 1 window: the concurrency limit (about 50, estimated from the failures) was reached.".into()],
        types: vec![("s".into(), n), ("f".into(), 12)],
        inputs: vec![("JSON lines (one record per line) of 5398 records (bare events)".into(), n as u32)],
        windows: vec![(1_715_677_000_000, 1_715_677_100_000, 12, 50)],
        labels: (0..4).map(|i| (format!("action-{i}"), n / 4, 0, 400, 9000, 12000, 15000)).collect(),
        ..ShareSummary::default()
    };
    let c = &mut s.chart;
    c.t0 = 1_715_676_000_000;
    c.t1 = 1_715_679_600_000;
    c.width = 600;
    c.series = (0..4).map(|i| format!("action-{i}")).collect();
    let mut col = 0;
    for i in 0..n {
        let next = (i * 600 / n.max(1)) as u32;
        c.mark_cols.push(next - col);
        col = next;
        c.mark_ms.push(((rng.next() % 20_000) as u32 / 10) * 10);
        c.mark_series.push((rng.next() % 4) as u16);
    }
    for i in 0..1200u32 {
        c.step_cols.push(u32::from(i % 2 == 0));
        c.step_counts.push(((rng.next() % 60) + 1) as u32);
    }
    s
}

#[test]
fn longest_summary_that_fits_a_link() {
    // Binary search on the number of chart marks.
    let (mut lo, mut hi) = (0usize, 20_000usize);
    assert!(share::encode(&synthetic(lo)).is_ok());
    let err = share::encode(&synthetic(hi)).expect_err("too large");
    assert!(err.starts_with("summary too large for a link (") && err.ends_with("download the report file instead"), "{err}");
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if share::encode(&synthetic(mid)).is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let link = share::encode(&synthetic(lo)).expect("fits");
    assert_eq!(share::decode(&link).expect("decodes"), synthetic(lo));
    assert!(lo >= 500, "only {lo} marks fit");
    eprintln!("longest summary that fits: {lo} noisy marks + 1200 steps, {} chars", link.len());
}
