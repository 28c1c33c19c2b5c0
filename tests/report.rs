//! The offline HTML report and the share link, end to end: no personal data from
//! the input, no script, no external resource, log text inert, the verifier
//! blocking what the rules missed, and share links that round-trip.

use inflight::redact::Redactor;
use inflight::rules::RuleSet;
use inflight::report::{self, ReportOptions};
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use inflight::share::{self, ShareCulprit, ShareSummary, ShareWindow, MAX_LINK_CHARS};
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

/// The sample incident as the app's sample button loads it: the events and, as a
/// second input, the Action execution objects they point to. Also its logs text.
fn sample_session() -> (Session, String) {
    let inc = sample::generate(&Scenario::sample_incident(), Format::Ndjson);
    let session = Session::load(
        vec![
            ("sample-incident.ndjson".into(), inc.text.clone().into_bytes()),
            ("sample-executions.json".into(), inc.executions_json.into_bytes()),
        ],
        None,
    );
    (session, inc.text)
}

fn opts(include_events: bool) -> ReportOptions {
    ReportOptions {
        generated_at: Some(1_715_700_000_000),
        include_events,
        title: Some("Login failures on 14 May".into()),
        allow: Vec::new(),
        rules: Default::default(),
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
        "ul", "li", "span", "div", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "footer",
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
    let (session, text) = sample_session();
    let r = report::render(&session, &Redactor::new(KEY), &opts(false)).expect("the sample report passes the verifier");
    let html = &r.html;
    assert_inert(html);
    assert!(!html.contains("http://") && !html.contains("https://"), "a URL in the summary-only report");
    assert_no_pii(html, &pii_values(&text));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg ") && html.contains("</svg>"), "the inline chart");
    assert!(html.contains("2024-05-14 15:20:00 UTC"), "the generated-at time");
    for section in
        ["Findings", "At a glance", "Timeline", "Breach windows", "Per Action / script", "Inputs", "Redaction"]
    {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(html.contains("<code>path:ip</code>"), "the redaction rules that ran");
    assert!(!html.contains("Redacted events"));
    assert!(r.redaction.total_replacements() > 1000);
    assert!(r.allowed.is_empty());
    assert_shows_the_analysis(html, &session);
    // The sample's ground truth, by name.
    let s = session.summary();
    assert_eq!(s.culprit_windows.len(), 1);
    assert_eq!(s.culprit_windows[0].culprits[0].label, "enrich-profile");
    assert!(html.contains("<tr><td class=\"n\">1</td><td>enrich-profile</td>"), "enrich-profile ranks first");
    assert!(html.contains("<tr><td>enrich-profile</td><td class=\"n\">"), "enrich-profile in the per-Action table");
    assert!(html.contains("<li class=\"alert\">Logins failed with resource_exhausted 156 times between 08:50:44 and 08:53:33 UTC.</li>"));
    assert!(!html.contains("post-login request"), "no per-request labels once the executions name the Actions");
    // Counts in sentences are grouped and in the right number (they read "5398 events
    // read, 0 duplicates dropped; 3374 with request timing." before).
    assert!(html.contains("<p>5,398 events read, 0 duplicates dropped; 3,374 with request timing.</p>"));
    assert!(html.contains("from 5,398 events (14 min 59 s)."), "the header's event count");
    assert!(html.contains("<td>156 in 1 window</td>"), "one window, not \"1 windows\"");
    // The duration axis is Auto: the sample's Actions run from 37 ms to 18 s, so log,
    // and the caption says so; the report of one fast Action alone stays linear.
    assert!(html.contains("request duration (log scale)"), "a log duration axis");
    assert!(html.contains("left axis: duration, on a logarithmic scale"), "the caption says log");
    let calm = load("calm.ndjson", &sample::generate(&Scenario::no_incident(), Format::Ndjson).text);
    let calm = report::render(&calm, &Redactor::new(KEY), &opts(false)).expect("renders").html;
    assert!(calm.contains("request duration (ms)") && !calm.contains("log scale") && !calm.contains("logarithmic"));
    assert!(calm.contains("(left axis: duration)"));
    eprintln!("sample report: {} bytes ({:.1} KB)", html.len(), html.len() as f64 / 1024.0);
    let _ = std::fs::write(std::env::temp_dir().join("inflight-sample-report.html"), html);
}

/// The report shows what the app shows: every finding line, every breach window
/// with its ranked culprits (the app's share text and "where the time went"), the
/// top culprit's explanation, and the per-Action table, all escaped.
fn assert_shows_the_analysis(html: &str, session: &Session) {
    let s = session.summary();
    let e = report::escape_html;
    let lines = s.finding_lines();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            html.contains(&format!(">{}</li>", e(line))),
            "finding line missing: {line}"
        );
    }
    for (i, w) in s.culprit_windows.iter().enumerate() {
        assert!(html.contains(&format!("<div class=\"window\" id=\"window-{}\"><h3>Window {}: ", i + 1, i + 1)));
        for (k, c) in w.culprits.iter().take(10).enumerate() {
            let row = format!(
                "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.1}%</td><td class=\"n\">",
                k + 1,
                e(&c.label),
                c.share * 100.0
            );
            assert!(html.contains(&row), "culprit row {row}");
            let why = c.where_text();
            if !why.is_empty() {
                assert!(html.contains(&format!("<td>{}</td></tr>", e(&why))), "where the time went: {why}");
            }
        }
        if let Some(top) = w.culprits.first() {
            assert!(html.contains(&format!("<p>{}</p>", e(&top.explanation))), "explanation");
        }
    }
    for a in &s.by_action {
        assert!(
            html.contains(&format!("<tr><td>{}</td><td class=\"n\">{}</td>", e(&a.label), inflight::session::group_digits(a.count))),
            "per-Action row {}",
            a.label
        );
    }
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
    // The breach window's culprits: the hostile Action ranks, as text.
    let sum = session.summary();
    assert_eq!(sum.culprit_windows.len(), 1);
    assert!(sum.culprit_windows[0].culprits.iter().any(|c| c.label == "<script>alert(1)</script>"));
    assert!(html.contains("</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"n\">"), "culprit cell");
    assert!(html.contains("Action &lt;script&gt;alert(1)&lt;/script&gt; held"), "explanation and findings");
    assert_shows_the_analysis(html, &session);
}

#[test]
fn svg_alone_escapes_series_names() {
    let session = load("hostile.ndjson", &hostile_logs());
    let svg = inflight::chart::render_svg(&session.chart(), 800, 300);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"));
}

#[test]
fn verifier_blocks_what_the_rules_missed() {
    // An email in an Action name: the label goes through the same detectors as the
    // logs (`details.action_name`), so the report holds the logs' token for it.
    let text = r#"{"log_id":"1","type":"actions_execution_failed","date":"2024-01-15T10:30:01.000Z","client_name":"Ask bob.smith@example.com","details":{"action_name":"notify ops at alice@example.com","stats":{"total_request_duration_ms":900}}}"#;
    let session = load("logs.ndjson", text);
    let red = Redactor::new(KEY);
    let r = report::render(&session, &red, &opts(false)).expect("labels are redacted");
    let token = red.token(inflight::redact::Kind::Email, "alice@example.com");
    assert_eq!(token, "email-fb54e520");
    assert!(r.html.contains("<td>notify ops at email-fb54e520</td>"), "per-Action table");
    assert!(r.html.contains("1 Action failures (notify ops at email-fb54e520)"), "findings");
    assert!(!r.html.contains("alice@") && !r.html.contains("bob.smith"));
    // The redacted logs hold the same token for it.
    let logs = session.export_redacted(0, &red, &RuleSet::default()).unwrap();
    assert!(String::from_utf8(logs.bytes).unwrap().contains(r#""action_name":"notify ops at email-fb54e520""#));

    // With the email detector off, the verifier blocks it.
    let off = RuleSet::default().disable("detector:email");
    let mut o = opts(false);
    o.rules = off.clone();
    let err = report::render(&session, &red, &o).expect_err("the verifier must block");
    assert!(err.contains("email: alice@example.com"), "{err}");
    assert!(err.contains("--allow"), "{err}");

    // Kept on purpose.
    o.allow = vec!["alice@example.com".into(), "bob.smith@example.com".into()];
    let r = report::render(&session, &red, &o).expect("allowed");
    assert!(r.html.contains("alice@example.com"));

    // A planted IP in a file name is redacted like a value; a user id in the title
    // (the user's own text) is blocked.
    let session = Session::load(vec![("from-10.1.2.3.ndjson".into(), text.as_bytes().to_vec())], None);
    let r = report::render(&session, &red, &opts(false)).expect("the file name is redacted");
    let ip = red.token(inflight::redact::Kind::Ip, "10.1.2.3");
    assert!(r.html.contains(&format!("<td>from-{ip}.ndjson</td>")), "{ip}");
    let mut o = opts(false);
    o.title = Some("auth0|5f7c8ec7c33c6c004bbafe82".into());
    let err = report::render(&session, &red, &o).expect_err("blocked");
    assert!(err.contains("user_id: auth0|5f7c8ec7c33c6c004bbafe82") && !err.contains("10.1.2.3"), "{err}");
}

#[test]
fn empty_and_broken_inputs_still_render() {
    for text in ["", "not json at all", "{\"log_id\":"] {
        let session = load("x.json", text);
        let r = report::render(&session, &Redactor::new(KEY), &opts(true)).expect("renders");
        assert_eq!(r.html.matches("No Auth0 log events could be read").count(), 1, "said once");
        assert!(r.html.contains("<li class=\"alert\">No Auth0 log events could be read.</li>"));
        assert_inert(&r.html);
    }
}

/// A decoded link holds the analysis' own findings, windows with ranked culprits
/// and per-Action table: the same values as the session's summary.
fn assert_link_matches_summary(back: &ShareSummary, session: &Session) {
    let s = session.summary();
    assert_eq!(back.findings, s.finding_lines(), "the app's finding lines");
    assert_eq!(back.window_count, s.culprit_windows.len());
    assert_eq!(back.action_count, s.by_action.len());
    let actions: Vec<_> = s.by_action.iter().take(back.actions.len()).map(share::action_row).collect();
    assert_eq!(back.actions, actions, "per-Action rows");
    assert!(!back.actions.is_empty() || s.by_action.is_empty());
    for bw in &back.windows {
        let w = s.culprit_windows.iter().find(|w| w.start_ms == bw.start).expect("a window of the summary");
        assert_eq!(
            (bw.end, bw.failures, bw.inflight_before, bw.from, bw.culprit_count),
            (w.end_ms, w.failures, w.inflight_before, w.from_ms, w.culprits.len())
        );
        assert!(!bw.culprits.is_empty() || w.culprits.is_empty());
        for (k, (bc, c)) in bw.culprits.iter().zip(&w.culprits).enumerate() {
            assert_eq!(bc.label, c.label);
            assert_eq!((bc.runs, bc.failures, bc.timeouts), (c.runs, c.failures, c.timeouts));
            assert_eq!(bc.inside, (c.inside.p50, c.inside.p95, c.inside.p99, c.inside.max));
            assert_eq!(bc.outside, c.outside.map(|o| (o.p50, o.p95, o.p99, o.max)));
            assert_eq!(bc.where_text, c.where_text());
            assert_eq!(bc.share_text(), format!("{:.1}%", c.share * 100.0), "the app's share text");
            assert_eq!(bc.explanation.as_deref(), (k == 0).then_some(c.explanation.as_str()));
        }
    }
}

#[test]
fn share_link_round_trips_the_sample() {
    let (session, _) = sample_session();
    let (summary, link) = share::fit(&session, Some("May 14".into())).expect("the sample fits in a link");
    assert!(link.starts_with("#s=") && link.len() <= MAX_LINK_CHARS);
    let back = share::decode(&format!("https://example.org/inflight/{link}")).expect("decodes");
    assert_eq!(back, summary);
    assert_eq!(share::decode(&link).expect("fragment"), summary);
    assert_eq!(back.chart.width, share::CHART_WIDTH, "the sample fits with the full budget");
    assert_link_matches_summary(&back, &session);
    // What it carries, by name: the sample's culprit.
    let an = &session.analysis;
    assert_eq!(back.events, session.summary().events);
    assert_eq!(back.breaches, an.breaches.len());
    assert_eq!(back.windows.len(), 1);
    assert_eq!(back.windows[0].culprits[0].label, "enrich-profile");
    assert!(back.windows[0].culprits[0].explanation.as_deref().is_some_and(|x| x.starts_with("Action enrich-profile held ")));
    assert!(back.actions.iter().any(|a| a.0 == "enrich-profile"));
    assert!(back.findings.iter().any(|f| f.starts_with("Action enrich-profile held ")), "{:?}", back.findings);
    assert_eq!(back.peak, an.peak);
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
        "sample share link: {} chars, chart width {} px, {} marks, {} steps, {} culprits",
        link.len(),
        back.chart.width,
        data.marks.len(),
        data.steps.len(),
        back.windows[0].culprits.len()
    );
}

#[test]
fn share_link_of_the_logs_alone_and_of_hostile_logs() {
    // Without the execution objects the sample's requests have no Action name.
    let session = load("sample-incident.ndjson", &sample_text());
    let (summary, link) = share::fit(&session, None).expect("fits");
    let back = share::decode(&link).expect("decodes");
    assert_eq!(back, summary);
    assert_link_matches_summary(&back, &session);

    // Log text that is markup travels as plain text (the page inserts it as text).
    let session = load("hostile.ndjson", &hostile_logs());
    let (summary, link) = share::fit(&session, Some("<b>t</b>".into())).expect("fits");
    let back = share::decode(&link).expect("decodes");
    assert_eq!(back, summary);
    assert_link_matches_summary(&back, &session);
    assert_eq!(back.windows[0].culprits[0].label, "<script>alert(1)</script>");
    assert_eq!(back.actions[0].0, "<script>alert(1)</script>");
    assert_eq!(back.title.as_deref(), Some("<b>t</b>"));
}

/// Logs with `n` Actions whose long names do not compress (random letters):
/// the per-Action table and the chart's legend outgrow any link.
fn many_long_action_names(n: usize, len: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = String::new();
    for i in 0..n {
        let name: String = (0..len).map(|_| char::from(b'a' + (rng.next() % 26) as u8)).collect();
        out.push_str(&format!(
            "{{\"log_id\":\"{i}\",\"type\":\"actions_execution_failed\",\"date\":\"2024-01-15T10:{:02}:{:02}.000Z\",\"details\":{{\"action_name\":\"{name}\",\"stats\":{{\"total_request_duration_ms\":{}}}}}}}\n",
            i / 60 % 60,
            i % 60,
            500 + i
        ));
    }
    out.push_str("{\"log_id\":\"x\",\"type\":\"f\",\"date\":\"2024-01-15T10:05:00.000Z\",\"description\":\"resource_exhausted\"}\n");
    out
}

#[test]
fn a_summary_too_large_for_a_link_says_so() {
    let session = load("many.ndjson", &many_long_action_names(200, 60));
    let err = share::fit(&session, None).expect_err("too large at every budget");
    assert!(err.starts_with("summary too large for a link ("), "{err}");
    assert!(err.ends_with(" chars, at most 8000)"), "{err}");
    // The report carries it all.
    let r = report::render(&session, &Redactor::new(KEY), &opts(false)).expect("the report is made");
    assert_eq!(r.html.matches("<tr><td>").count() >= 200, true);
    // A smaller budget is used before giving up.
    let session = load("some.ndjson", &many_long_action_names(60, 60));
    let (summary, _) = share::fit(&session, None).expect("fits with a smaller budget");
    assert!(summary.actions.len() < summary.action_count, "fewer rows than the table: {}", summary.actions.len());
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
/// noisy durations (the hard case for compression) and a step line to match, one
/// breach window with 5 ranked culprits, and a 30-row per-Action table.
fn synthetic(n: usize) -> ShareSummary {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let culprit = |i: usize, rng: &mut Rng| ShareCulprit {
        label: format!("action-{i}"),
        kind: 'a',
        share_permille: (900 / (i + 1)) as u16,
        runs: 100 + (rng.next() % 2000) as usize,
        failures: 0,
        timeouts: 0,
        inside: (400, 9000 + (rng.next() % 9000) as i64, 15000, 18000),
        outside: Some((350, 420, 800, 1200)),
        where_text: "Action code 97%".into(),
        explanation: (i == 0).then(|| "Action action-0 held 91% of in-flight time from 08:45:44 to 08:53:33 UTC (1203 runs). p95 17.8 s in the window vs 0.4 s at other times. 97% of its time was Action code (action_duration_ms): the customer's code or the API it calls is slow.".into()),
    };
    let mut s = ShareSummary {
        version: share::VERSION,
        events: n,
        timed: n,
        range: Some((1_715_676_000_000, 1_715_679_600_000)),
        findings: vec![
            "Logins failed with resource_exhausted 156 times between 08:50:44 and 08:53:33 UTC.".into(),
            "Action action-0 held 91% of in-flight time before and during that window; its p95 rose from 0.4 s to 17.8 s, almost all in Action code (the customer's code or the API it calls).".into(),
            "The concurrency limit, estimated from the in-flight count when logins failed, is about 50 (an estimate, not the tenant's configured limit).".into(),
        ],
        types: vec![("s".into(), n), ("f".into(), 12)],
        inputs: vec![("JSON lines (one record per line) of 5398 records (bare events)".into(), n as u32)],
        window_count: 1,
        action_count: 30,
        ..ShareSummary::default()
    };
    let mut w = ShareWindow {
        start: 1_715_677_000_000,
        end: 1_715_677_100_000,
        failures: 156,
        inflight_before: 50,
        from: 1_715_676_700_000,
        culprit_count: 5,
        ..ShareWindow::default()
    };
    w.culprits = (0..5).map(|i| culprit(i, &mut rng)).collect();
    s.windows = vec![w];
    s.actions = (0..30).map(|i| (format!("action-{i}"), n / 30, 0, 400, 9000 - i as i64 * 100, 12000, 15000)).collect();
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
    assert!(err.starts_with("summary too large for a link (") && err.ends_with(" chars, at most 8000)"), "{err}");
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

/// The tester's case: 200 Actions named `hook-N-notify-ops@acme-corp.com` (half of
/// them) in execution objects. The report and the share link carry each name with
/// the token the redacted execution objects hold for it; names stay distinct; the
/// user's patterns and path rules on the execution-object paths work.
#[test]
fn emails_in_action_names_are_redacted_like_the_logs() {
    let mut events = String::new();
    let mut execs = Vec::new();
    for i in 0..20 {
        events.push_str(&format!(
            "{{\"log_id\":\"L{i}\",\"date\":\"2024-05-14T09:00:{i:02}.000Z\",\"type\":\"s\",\"description\":\"\",\"details\":{{\"actions\":{{\"executions\":[\"e{i}\"]}}}}}}\n"
        ));
        let name = if i % 2 == 0 { format!("hook-{i}-notify-ops@acme-corp.com") } else { format!("action-{i}") };
        execs.push(format!(
            "{{\"id\":\"e{i}\",\"trigger_id\":\"post-login\",\"results\":[{{\"action_name\":\"{name}\",\"started_at\":\"2024-05-14T09:00:{i:02}.000Z\",\"ended_at\":\"2024-05-14T09:00:{:02}.000Z\"}}]}}",
            i + 30
        ));
    }
    let execs = format!("[{}]", execs.join(","));
    let session = Session::load(
        vec![("many.ndjson".into(), events.into_bytes()), ("many-exec.json".into(), execs.into_bytes())],
        None,
    );
    let red = Redactor::new(KEY);
    // What the redacted execution objects say each Action is called.
    let names_in_logs = |rules: &RuleSet| -> Vec<String> {
        let out = session.export_redacted(1, &red, rules).unwrap().bytes;
        let v: Value = serde_json::from_slice(&out).unwrap();
        v.as_array().unwrap().iter().map(|x| x["results"][0]["action_name"].as_str().unwrap().to_owned()).collect()
    };
    let mut email_off = RuleSet::default().disable("detector:email");
    let mut cases = vec![RuleSet::default()];
    let mut r = email_off.clone();
    r.add_pattern("acme-corp.com").unwrap();
    cases.push(r);
    let mut r = email_off.clone();
    r.add_pattern("*@acme-corp.com").unwrap();
    cases.push(r);
    let mut r = email_off.clone();
    r.add_path("results.*.action_name").unwrap();
    cases.push(r);
    email_off.add_path("**.action_name").unwrap();
    cases.push(email_off);
    // The panel's counts see the user's rules fire on the execution objects.
    let counts: Vec<u64> = cases[1..]
        .iter()
        .map(|r| session.redaction_summary(&red, r).unwrap().count(&r.custom_name(0)))
        .collect();
    assert_eq!(counts, [10, 10, 20, 20], "pattern, glob, results.*.action_name, **.action_name");
    for rules in &cases {
        let want = names_in_logs(rules);
        assert!(want.iter().all(|n| !n.contains("@acme-corp.com") && report::verify(n).is_empty()), "{rules:?}: {want:?}");
        assert_eq!(want.iter().collect::<HashSet<_>>().len(), 20, "distinct names stay distinct");
        let mut o = opts(false);
        o.rules = rules.clone();
        let r = report::render(&session, &red, &o).unwrap_or_else(|e| panic!("{rules:?}: {e}"));
        for n in &want {
            assert!(r.html.contains(&format!("<td>{}</td>", report::escape_html(n))), "{rules:?}: {n} in the per-Action table");
        }
        let labels = session.label_map(&red, rules);
        let (summary, _link) = share::fit_redacted(&session, &labels, None).unwrap_or_else(|e| panic!("{rules:?}: {e}"));
        let mut got: Vec<String> = summary.actions.iter().map(|a| a.0.clone()).collect();
        let mut want_sorted = want.clone();
        got.sort();
        want_sorted.sort();
        assert_eq!(got, want_sorted, "{rules:?}: the link's per-Action table");
        let mut legend = summary.chart.series.clone();
        legend.sort();
        assert_eq!(legend, want_sorted, "{rules:?}: the link's chart legend");
    }
    // The default rules: the email detector's token for the whole name.
    assert_eq!(names_in_logs(&RuleSet::default())[0], red.token(inflight::redact::Kind::Email, "hook-0-notify-ops@acme-corp.com"));

    // Blocked (detector off, no other rule): the gate names the Action and the fix.
    let off = RuleSet::default().disable("detector:email");
    let labels = session.label_map(&red, &off);
    let mut o = opts(false);
    o.rules = off.clone();
    let (html, _) = report::render_unverified(&session, &red, &o).unwrap();
    let (_, mut blocked) = inflight::session::gate(html.as_bytes(), &off);
    inflight::session::locate_labels(&mut blocked, &labels, &off);
    assert_eq!(blocked.len(), 10);
    let b = blocked.iter().find(|b| b.value == "hook-0-notify-ops@acme-corp.com").unwrap();
    assert_eq!(b.place.as_deref(), Some("Action name 'hook-0-notif…'"));
    assert_eq!(b.path, Some("results.*.action_name".into()));
    assert_eq!(
        b.hint,
        "It is in the Action name 'hook-0-notif…'. `detector:email` is switched off: switch it on to replace it there and in the logs."
    );
    let err = report::render(&session, &red, &o).unwrap_err();
    assert!(err.contains("email: hook-0-notify-ops@acme-corp.com (in the Action name 'hook-0-notify-ops@acme-corp.com'; the path rule results.*.action_name replaces such names)"), "{err}");
}

/// A file name holding an email is redacted in the report like a value.
#[test]
fn file_names_are_redacted() {
    let text = r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z"}"#;
    let session = Session::load(vec![("alice@victim.example-acme.csv".into(), text.as_bytes().to_vec())], None);
    let red = Redactor::new(KEY);
    let r = report::render(&session, &red, &opts(true)).expect("the file name is redacted");
    let token = red.token(inflight::redact::Kind::Email, "alice@victim.example-acme.csv");
    assert!(r.html.contains(&format!("<tr><td>{token}</td>")), "inputs table");
    assert!(!r.html.contains("alice@"));
}

/// The tester's inputs (synthetic): 200 Actions, half named `hook-N-notify-ops@acme-corp.com`,
/// and a breach window whose culprit sentence names one of them. Nothing of the
/// emails is left in the report or the link under the default rules.
#[test]
fn the_testers_many_actions_case() {
    let read = |n: &str| std::fs::read(format!("{}/tests/fixtures/labels/{n}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let session = Session::load(
        vec![("many.ndjson.gz".into(), read("many.ndjson.gz")), ("many-exec.json.gz".into(), read("many-exec.json.gz"))],
        None,
    );
    assert_eq!(session.summary().culprit_windows.len(), 1);
    let red = Redactor::new(KEY);
    let r = report::render(&session, &red, &opts(false)).expect("no email left in the report");
    assert!(!r.html.contains("acme-corp"));
    let hook0 = red.token(inflight::redact::Kind::Email, "hook-0-notify-ops@acme-corp.com");
    assert!(r.html.contains(&format!("<p>Action {hook0} held 1% of in-flight time from 08:58:00 to 09:03:19 UTC (1 run).")), "the culprit's sentence");
    let labels = session.label_map(&red, &RuleSet::default());
    let (summary, _) = share::fit_redacted(&session, &labels, None).expect("the link is made");
    assert!(!serde_json::to_string(&summary).unwrap().contains("acme-corp"));
}
