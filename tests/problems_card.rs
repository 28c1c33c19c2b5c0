//! The "Unreadable records" card counts records, not problems: text that is no
//! record and a damaged gzip stream are problems of their own. The other problems
//! are said apart ("+ 1 more problem (see below)").

use std::io::Write;

use inflight::session::Session;

fn summary(name: &str, bytes: Vec<u8>) -> inflight::session::Summary {
    Session::load(vec![(name.to_string(), bytes)], None).summary()
}

fn event(i: u32) -> String {
    format!(
        r#"{{"date": "2024-06-01T10:00:0{i}.000Z", "type": "s", "description": "", "details": {{"stats": {{"total_request_duration_ms": 100}}}}, "log_id": "9000000000000000000000000000000000000000000000000000000{i}"}}"#
    )
}

#[test]
fn a_record_missing_its_brace_is_one_unreadable_record_reported_once() {
    // The tester's arr-no-open.json: record 3 lost its opening brace. It gave two
    // problems (its first string, then the `:` after it); it is reported once now.
    let records: Vec<String> = (1..=6).map(|i| if i == 3 { event(i)[1..].to_string() } else { event(i) }).collect();
    let s = summary("arr-no-open.json", format!("[\n{}\n]\n", records.join(",\n")).into_bytes());
    assert_eq!((s.sources[0].records, s.events), (6, 5));
    assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
    assert_eq!(s.problems[0].record, Some(3));
    assert_eq!(s.unreadable, 1, "one record could not be read");
    assert_eq!(s.problems_card(), ("1".to_string(), Some("record skipped (see below)".to_string())));
}

/// Record 2 cut off, then a line that is no record: two errors, one record.
fn cut_and_junk() -> Vec<u8> {
    format!("{}\n{{\"date\": \"2024-06-01T10:00:02.000Z\", \"type\":\nnot a record\n{}\n", event(1), event(3)).into_bytes()
}

#[test]
fn an_error_outside_any_record_is_one_more_problem_not_a_record() {
    let s = summary("cut.ndjson", cut_and_junk());
    assert_eq!((s.sources[0].records, s.events), (3, 2));
    assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    assert_eq!(s.problems.iter().map(|p| p.record).collect::<Vec<_>>(), [Some(2), None]);
    assert_eq!(s.unreadable, 1, "one record could not be read");
    assert_eq!(s.problems_card(), ("1".to_string(), Some("+ 1 more problem (see below)".to_string())));
}

#[test]
fn damaged_gzip_is_a_problem_not_a_record() {
    // A gzip file cut inside its last record: the damaged stream, and the cut-off record.
    let text = format!("[\n{}\n]\n", (1..=6).map(event).collect::<Vec<_>>().join(",\n"));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    // The 8-byte trailer and the end of the deflate data.
    bytes.truncate(bytes.len() - 12);
    let s = summary("trunc.json.gz", bytes);
    assert_eq!(s.events, 5);
    assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    assert_eq!(s.problems.iter().filter(|p| p.record.is_none()).count(), 1, "the gzip damage belongs to no record");
    assert_eq!(s.unreadable, 1);
    assert_eq!(s.problems_card(), ("1".to_string(), Some("+ 1 more problem (see below)".to_string())));
}

#[test]
fn the_card_names_warnings_apart_and_says_nothing_when_all_is_read() {
    // Two unreadable records, two warnings (a date outside 2000-2099 each).
    let text = [
        r#"{"log_id":"a","type":"s","date":"1970-01-01T00:00:01.000Z"}"#,
        r#"{"log_id":"b","type":"s","date":"9999-01-01T00:00:01.000Z"}"#,
        r#"{"log_id":"c" "type":"s"}"#,
        r#"{"log_id":"d","type":"s","date":"2024-06-01T10:00:00.000Z"}"#,
        r#"{"log_id":"e" "type":"s"}"#,
    ]
    .join("\n");
    let s = summary("x.ndjson", text.into_bytes());
    assert_eq!((s.errors, s.warnings, s.unreadable), (2, 2, 2), "{:?}", s.problems);
    assert_eq!(s.problems_card(), ("2".to_string(), Some("+ 2 warnings (see below)".to_string())));
    let clean = summary("ok.ndjson", event(1).into_bytes());
    assert_eq!(clean.problems_card(), ("0".to_string(), None));
    // Only unreadable records: they were skipped.
    let s = summary("y.ndjson", format!("{}\n{{\"log_id\":", event(1)).into_bytes());
    assert_eq!(s.problems_card(), ("1".to_string(), Some("record skipped (see below)".to_string())));
}

#[test]
fn the_report_counts_unreadable_records_too() {
    let session = Session::load(vec![("cut.ndjson".into(), cut_and_junk())], None);
    let opts = inflight::report::ReportOptions { generated_at: Some(0), ..Default::default() };
    let (html, _) = inflight::report::render_unverified(&session, &inflight::redact::Redactor::new([7; 32]), &opts).unwrap();
    assert!(html.contains("<tr><th>Unreadable records</th><td>1 (+ 1 more problem)</td></tr>"), "{html}");
    assert!(html.contains(" 1 unreadable record and 1 more problem (details left out"), "{html}");
}
