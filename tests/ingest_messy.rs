//! Messy input: field types that differ from the docs, date forms, broken pastes,
//! oversize input, several overlapping files. Each case asserts the exact events and
//! the exact problem (line, column, record, severity, message).

use inflight::ingest::{ingest, Ingest, IngestStream, Severity, Shape, MAX_INPUT_BYTES};
use inflight::model::Envelope;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ingest/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> Ingest {
    ingest(vec![(name.to_string(), fixture(name))])
}

fn one(text: &str) -> Ingest {
    ingest(vec![("paste".to_string(), text.as_bytes().to_vec())])
}

#[test]
fn field_types_that_differ_lose_no_record() {
    let r = load("messy.json");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.sources[0].records, 11);
    let ids: Vec<&str> = r.events.iter().filter_map(|e| e.log_id.as_deref()).collect();
    assert_eq!(ids, ["m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11"]);
    let base = 1_709_629_200_000; // 2024-03-05T09:00:00Z
    let times: Vec<i64> = r.events.iter().map(|e| e.time.unwrap() - base).collect();
    // ISO with ms, without ms, with a +01:00 zone, nanoseconds, space separator with
    // nanoseconds, space without fraction, epoch ms number, epoch ms string, -0000,
    // ISO, one fraction digit.
    assert_eq!(times, [1000, 2000, 3000, 4123, 5000, 6000, 7000, 8000, 9000, 10_000, 11_500]);
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    // m10 misspells `type`: the record is kept, with an empty type.
    assert_eq!(types, ["seccft", "f", "s", "s", "fn", "fn", "f", "s", "brand_new_code", "", "s"]);
    assert!(r.events[1].is_resource_exhausted());
    assert_eq!(r.events[3].client_name.as_deref(), Some("App A"));
    assert_eq!(r.events[4].error_message, None); // details is a string
    assert_eq!(r.events[5].error_message.as_deref(), Some("plain string error"));
    assert!(r.events[7].stats.is_none() && r.events[7].executions.is_empty());
    assert!(r.events.iter().all(|e| e.envelope == Envelope::Bare));
}

#[test]
fn trailing_commas_inside_a_record_are_recovered_with_a_warning_each() {
    let r = load("trailing-comma.json");
    let ids: Vec<&str> = r.events.iter().filter_map(|e| e.log_id.as_deref()).collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert!(r.events[1].is_resource_exhausted());
    let rows: Vec<(Option<u32>, usize, usize, Severity, &str)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect();
    assert_eq!(
        rows,
        [
            (Some(2), 11, 34, Severity::Warning, "record 2: trailing comma (ignored)"),
            (Some(2), 12, 40, Severity::Warning, "record 2: trailing comma (ignored)"),
        ]
    );
    assert_eq!(r.problems[0].excerpt.chars().nth(r.problems[0].caret), Some(','));
}

#[test]
fn a_broken_paste_recovers_the_trailing_comma_record_and_reports_the_cut_one() {
    let r = load("broken-paste.ndjson");
    let ids: Vec<&str> = r.events.iter().filter_map(|e| e.log_id.as_deref()).collect();
    assert_eq!(ids, ["b1", "b2", "b3"]);
    assert_eq!(r.sources[0].records, 4);
    let rows: Vec<(Option<u32>, usize, usize, Severity, &str)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect();
    assert_eq!(
        rows,
        [
            (Some(2), 2, 95, Severity::Warning, "record 2: trailing comma (ignored)"),
            (Some(4), 4, 67, Severity::Error, "record 4: string is not closed before the end of the line"),
        ]
    );
}

#[test]
fn a_record_cut_off_at_the_end_of_an_array() {
    let r = one("[\n{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\"},\n{\"type\":\"f\",\"date\":");
    assert_eq!(r.events.len(), 1);
    let rows: Vec<(Option<u32>, usize, usize, Severity, &str)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect();
    assert_eq!(rows, [(Some(2), 3, 20, Severity::Error, "record 2 is cut off: the input ends inside it")]);
}

#[test]
fn the_abbreviated_excerpt_is_named_as_such() {
    let r = load("abbreviated-excerpt.txt");
    assert_eq!(r.events.len(), 0);
    assert_eq!(r.sources[0].shape, Shape::NotJson);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.record, p.severity), (1, 3, None, Severity::Error));
    assert_eq!(
        p.message,
        "this looks like an abbreviated excerpt of an event: it has `\"key\": value` lines but no enclosing `{ … }`, \
         so no record can be read from it. Paste whole records (the complete JSON of each event)."
    );
    assert_eq!(p.excerpt, "  \"client_name\": \"masked\",");
    assert_eq!(p.caret, 2);
    assert_eq!(r.sources[0].notes, ["not JSON: the first line is a `\"key\": value` pair outside any object"]);
}

#[test]
fn input_too_large_is_refused_before_reading_with_a_clear_message() {
    let text = b"{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\"}\n".repeat(100);
    let limit = 1000;
    // Size known up front (a File): refused before any byte is copied.
    let mut s = IngestStream::with_limit(limit);
    s.begin("big.ndjson", Some(text.len()));
    let p = s.push(&text);
    assert_eq!((p.text_bytes, p.records), (0, 0));
    let r = s.finish();
    assert_eq!(r.sources[0].shape, Shape::TooLarge);
    assert_eq!(r.events.len(), 0);
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].severity, Severity::Error);
    assert_eq!(
        r.problems[0].message,
        "input too large: it is 0.0 MiB, and this page reads at most 0.0 MiB per file. Nothing was read from it. \
         Split the export into smaller files (for example by date range) and drop them together."
    );
    // Size unknown: refused when the limit is crossed; what was read is dropped.
    let mut s = IngestStream::with_limit(limit);
    s.begin("big.ndjson", None);
    for chunk in text.chunks(300) {
        s.push(chunk);
    }
    let r = s.finish();
    assert_eq!((r.sources[0].shape, r.events.len(), r.sources[0].text.len()), (Shape::TooLarge, 0, 0));
    assert!(r.problems[0].message.starts_with("input too large: it is more than 0.0 MiB"), "{}", r.problems[0].message);
    assert_eq!(MAX_INPUT_BYTES, 1 << 30);
}

#[test]
fn gzip_that_inflates_past_the_limit_is_refused() {
    use std::io::Write;
    let text = b"{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\"}\n".repeat(100);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&text).unwrap();
    let gz = enc.finish().unwrap();
    let mut s = IngestStream::with_limit(1000);
    s.begin("big.ndjson.gz", Some(gz.len()));
    s.push(&gz);
    let r = s.finish();
    assert_eq!(r.sources[0].shape, Shape::TooLarge);
    assert!(r.sources[0].gzip);
    assert!(r.problems[0].message.starts_with("input too large: it inflates to more than 0.0 MiB"), "{}", r.problems[0].message);
}

#[test]
fn overlapping_pages_in_mixed_containers_are_deduplicated() {
    // An API page (array) and a stream delivery (NDJSON of {log_id, data}) that
    // overlap on one event, plus the same page again: 3 distinct events.
    let r = ingest(vec![
        ("page-1.json".into(), fixture("page-1.json")),
        ("page-2.ndjson".into(), fixture("page-2.ndjson")),
        ("page-1 (copy).json".into(), fixture("page-1.json")),
    ]);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    assert_eq!(r.duplicates, 3);
    let shapes: Vec<Shape> = r.sources.iter().map(|s| s.shape).collect();
    assert_eq!(shapes, [Shape::JsonArray, Shape::Lines, Shape::JsonArray]);
    // The first delivery is kept.
    assert_eq!((r.events[1].source, r.events[1].envelope), (0, Envelope::Bare));
    assert_eq!((r.events[2].source, r.events[2].envelope), (1, Envelope::LogStream));
}

#[test]
fn an_array_and_lines_pasted_together_are_mixed() {
    let r = one("[{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\"}]\n{\"type\":\"f\",\"date\":\"2024-03-05T09:00:02Z\"}\n");
    assert_eq!(r.sources[0].shape, Shape::Mixed);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.sources[0].notes[0], "mixed: 1 arrays, 1 objects, 0 pages at the top level");
}

#[test]
fn partial_projection_without_type_or_date_is_kept_with_a_warning() {
    let r = one("[{\"date\":\"2024-03-05T09:00:01Z\"},{\"type\":\"f\"},{\"log_id\":\"p3\",\"description\":\"only this\"}]");
    assert_eq!(r.events.len(), 3);
    assert_eq!(r.events[2].log_id.as_deref(), Some("p3"));
    let rows: Vec<(Option<u32>, usize, usize, Severity, &str)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect();
    assert_eq!(
        rows,
        [(
            Some(3),
            1,
            47,
            Severity::Warning,
            "record 3 has no `type` and no `date` (a partial export with `fields=`?): read, but it cannot be placed on the timeline"
        )]
    );
}

#[test]
fn invalid_utf8_and_a_bom_do_not_lose_records() {
    let mut bytes = b"\xef\xbb\xbf{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\",\"description\":\"caf\xe9\"}\n".to_vec();
    bytes.extend_from_slice(b"{\"type\":\"f\",\"date\":\"2024-03-05T09:00:02Z\"}\n");
    let r = ingest(vec![("latin1.ndjson".into(), bytes)]);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.events[0].description, "caf\u{fffd}");
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.severity), (1, 64, Severity::Warning));
    assert_eq!(p.message, "input is not valid UTF-8; invalid bytes were replaced with U+FFFD");
}
