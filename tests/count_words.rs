//! Counts in sentences have thousands separators (through `session::count_noun` and
//! `group_digits`): the findings, the culprit explanations, the limit line and the
//! report's prose read "2,599 times", "1,666 runs", "limit 10,000", never "2599".

use inflight::redact::Redactor;
use inflight::report::{self, ReportOptions};
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;

/// Numbers of four digits or more written without a separator, outside dates and
/// clock times (`2024-05-14`, `08:50:44.539`) and decimals.
fn ungrouped(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let before = start.checked_sub(1).map(|k| b[k]);
        let after = b.get(i).copied();
        let part_of = |c: Option<u8>| matches!(c, Some(b',' | b'.' | b':' | b'-' | b'T' | b'Z' | b'_' | b'/'));
        if i - start >= 4 && !part_of(before) && !part_of(after) {
            out.push(text[start.saturating_sub(20)..(i + 12).min(text.len())].to_string());
        }
    }
    out
}

fn session(scenario: &Scenario, limit: Option<u32>) -> Session {
    let inc = sample::generate(scenario, Format::Ndjson);
    Session::load(
        vec![
            ("incident.ndjson".into(), inc.text.into_bytes()),
            ("executions.json".into(), inc.executions_json.into_bytes()),
        ],
        limit,
    )
}

fn prose(s: &Session) -> Vec<String> {
    let sum = s.summary();
    let mut out = sum.finding_lines();
    for w in &sum.culprit_windows {
        for c in &w.culprits {
            out.push(c.explanation.clone());
            out.push(c.where_text());
        }
    }
    out
}

#[test]
fn the_findings_group_their_counts() {
    // The sample at three times the traffic: thousands of failures and of runs.
    let mut busy = Scenario::sample_incident();
    busy.logins_per_s = 12.0;
    let s = session(&busy, Some(10_000));
    let sum = s.summary();
    let failures: usize = sum.culprit_windows.iter().map(|w| w.failures).sum();
    assert!(failures >= 1000, "{failures} failures");
    let lines = prose(&s);
    let text = lines.join("\n");
    assert_eq!(ungrouped(&text), Vec::<String>::new(), "{text}");
    assert!(text.contains(&format!("resource_exhausted {} times", inflight::session::group_digits(failures))), "{text}");
    assert!(text.contains("Concurrency limit: 10,000, as entered."), "{text}");
    // The sample itself: '(1666 runs)' in the culprit's explanation.
    let s = session(&Scenario::sample_incident(), None);
    let text = prose(&s).join("\n");
    assert!(text.contains("(1,666 runs)"), "{text}");
    assert_eq!(ungrouped(&text), Vec::<String>::new(), "{text}");
}

#[test]
fn the_report_prose_groups_its_counts() {
    let mut busy = Scenario::sample_incident();
    busy.logins_per_s = 12.0;
    let s = session(&busy, Some(10_000));
    let opts = ReportOptions { generated_at: Some(1_715_700_000_000), ..Default::default() };
    let (html, _) = report::render_unverified(&s, &Redactor::new([7; 32]), &opts).unwrap();
    // The report's text outside the chart's SVG, its tags and its style.
    let body = &html[html.find("<body").unwrap()..];
    let mut text = String::new();
    let mut rest = body;
    while let Some(a) = rest.find("<svg") {
        text.push_str(&rest[..a]);
        rest = &rest[rest[a..].find("</svg>").map_or(rest.len(), |e| a + e + 6)..];
    }
    text.push_str(rest);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    assert_eq!(ungrouped(&plain), Vec::<String>::new(), "{plain}");
}

#[test]
fn ungrouped_finds_what_it_should() {
    assert_eq!(ungrouped("failed 2599 times at 08:50:44.539 on 2024-05-14"), ["failed 2599 times at 08"]);
    assert!(ungrouped("1,666 runs, limit 10,000, 0.5 s, 2024-05-14T08:45:00.753Z").is_empty());
}
