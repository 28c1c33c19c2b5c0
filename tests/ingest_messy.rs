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
        "this looks like an abbreviated excerpt of an event: it has \"key\": value lines but no enclosing { … }, \
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
    assert_eq!(r.sources[0].notes[0], "mixed: 1 array, 1 object, 0 pages at the top level");
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
        [
            (Some(2), 1, 34, Severity::Warning, "record 2 has no `date`: the event is kept in the table but cannot be placed on the timeline"),
            (
                Some(3),
                1,
                47,
                Severity::Warning,
                "record 3 has no `type` and no `date` (a partial export with `fields=`?): read, but it cannot be placed on the timeline"
            )
        ]
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

/// The tester's dates.ndjson, in short: a failure with an unreadable date and one
/// with no date are kept (they are in the table), each with a warning at the value,
/// and the findings count the undated failure instead of contradicting the table.
#[test]
fn every_event_whose_time_cannot_be_read_gets_a_warning_and_the_findings_count_it() {
    let text = concat!(
        r#"{"log_id":"b1","type":"f","description":"resource_exhausted","date":"2024-05-14T09:00:02.000Z"}"#, "\n",
        r#"{"log_id":"b2","type":"f","description":"resource_exhausted","date":"14/05/2024 09:00:03"}"#, "\n",
        r#"{"log_id":"b3","type":"f","description":"resource_exhausted"}"#, "\n",
        r#"{"log_id":"b4","type":"s","date":17}"#, "\n",
    );
    let r = one(text);
    assert_eq!(r.events.len(), 4);
    let p: Vec<(Option<u32>, usize, usize, Severity, &str)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect();
    assert_eq!(
        p,
        [
            (Some(2), 2, 69, Severity::Warning, "record 2: `date` \"14/05/2024 09:00:03\" is not a readable time (ISO 8601, or epoch ms or seconds in 2000–2099): this resource_exhausted failure is kept in the table but cannot be placed on the timeline"),
            (Some(3), 3, 1, Severity::Warning, "record 3 has no `date`: this resource_exhausted failure is kept in the table but cannot be placed on the timeline"),
            (Some(4), 4, 34, Severity::Warning, "record 4: `date` \"17\" is not a readable time (ISO 8601, or epoch ms or seconds in 2000–2099): the event is kept in the table but cannot be placed on the timeline"),
        ]
    );
    assert_eq!(r.problems[0].excerpt, "…pe\":\"f\",\"description\":\"resource_exhausted\",\"date\":\"14/05/2024 09:00:03\"}");
    assert_eq!(r.problems[0].caret, 51);

    let s = inflight::session::Session::load(vec![("paste".into(), text.as_bytes().to_vec())], None);
    assert_eq!(
        s.summary().findings[0],
        "Logins failed with resource_exhausted once at 09:00:02 UTC, and 2 resource_exhausted failures without a readable date (see Problems)."
    );

    // wrongtypes.json: the only failure has `"date":"not a date"`.
    let s = inflight::session::Session::load(
        vec![("paste".into(), br#"[{"log_id":"9x","date":"not a date","type":"f","description":"resource_exhausted"}]"#.to_vec())],
        None,
    );
    assert_eq!(
        s.summary().findings,
        ["No resource_exhausted failure could be placed in time: 1 resource_exhausted failure has no readable date (see Problems), so the concurrency limit cannot be checked against it. The logs hold no request timing to measure concurrency with."]
    );
}

#[test]
fn a_date_outside_2000_to_2099_is_placed_as_written_with_a_warning() {
    let r = one(concat!(
        r#"{"log_id":"y1","type":"f","date":"9999-12-31T23:59:59.999Z","description":"resource_exhausted"}"#, "\n",
        r#"{"log_id":"y2","type":"f","date":"1970-01-01T00:00:00Z","description":"resource_exhausted"}"#, "\n",
    ));
    let times: Vec<Option<i64>> = r.events.iter().map(|e| e.time).collect();
    assert_eq!(times, [Some(0), Some(253_402_300_799_999)]);
    let m: Vec<&str> = r.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        m,
        [
            "record 1: `date` \"9999-12-31T23:59:59.999Z\" is outside 2000–2099: placed on the timeline as written, but check it",
            "record 2: `date` \"1970-01-01T00:00:00Z\" is outside 2000–2099: placed on the timeline as written, but check it",
        ]
    );
    assert_eq!((r.problems[0].line, r.problems[0].column), (1, 34));
    // The findings name both windows, in UTC explicitly (also when the page shows
    // local time), one failure each.
    let text = concat!(
        r#"{"log_id":"y1","type":"f","date":"9999-12-31T23:59:59.999Z","description":"resource_exhausted"}"#, "\n",
        r#"{"log_id":"y2","type":"f","date":"1970-01-01T00:00:00Z","description":"resource_exhausted"}"#, "\n",
    );
    let s = inflight::session::Session::load(vec![("paste".into(), text.as_bytes().to_vec())], None);
    let f = s.summary().findings;
    assert_eq!(f[0], "Logins failed with resource_exhausted 2 times in 2 windows between 1970-01-01 00:00:00 and 9999-12-31 23:59:59 UTC.");
    assert!(f[1].starts_with("In the window from 1970-01-01 00:00:00 to 1970-01-01 00:00:00 UTC (1 failure): "), "{}", f[1]);
    assert!(f[2].starts_with("In the window from 9999-12-31 23:59:59 to 9999-12-31 23:59:59 UTC (1 failure): "), "{}", f[2]);
}

/// bignum.ndjson: `1e400` made serde refuse the whole record ("number out of range").
#[test]
fn an_out_of_range_number_loses_the_field_not_the_record() {
    let r = one(r#"{"log_id":"n1","type":"s","date":"2024-05-14T09:00:01.000Z","details":{"elapsedTime":1e400,"n":-0,"x":123456789012345678901234567890}}"#);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].log_id.as_deref(), Some("n1"));
    assert_eq!(r.events[0].elapsed_ms, None);
    assert_eq!(r.problems.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.record, p.line, p.column, p.severity), (Some(1), 1, 86, Severity::Warning));
    assert_eq!(p.message, "record 1: number \"1e400\" in `details.elapsedTime` is out of range: the field is read as no value, the record is kept");
    // Two of them, in an array: both named.
    // Once the record needs the retry, every such number is named (read or not).
    let r = one(r#"[{"log_id":"n2","type":"s","date":"2024-05-14T09:00:01.000Z","details":{"v":[1,-1e999],"prompts":[{"elapsedTime":5},{"elapsedTime":-1e999}],"elapsedTime":1e400},"x":1e400}]"#);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].elapsed_ms, Some(5.0));
    let m: Vec<&str> = r.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        m,
        [
            "record 1: number \"-1e999\" in `details.v[1]` is out of range: the field is read as no value, the record is kept",
            "record 1: number \"-1e999\" in `details.prompts[1].elapsedTime` is out of range: the field is read as no value, the record is kept",
            "record 1: number \"1e400\" in `details.elapsedTime` is out of range: the field is read as no value, the record is kept",
            "record 1: number \"1e400\" in `x` is out of range: the field is read as no value, the record is kept",
        ]
    );
}

/// A JSON Schema file (the public auth0-log-schemas ones look like this) was one
/// event of type "object" with no date, silently.
#[test]
fn a_json_schema_is_not_an_auth0_log_event() {
    let text = "{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n  \"description\": \"Failed to provision a AD/LDAP connector\",\n  \"properties\": {\"type\": {\"type\": \"string\"}},\n  \"type\": \"object\"\n}\n";
    let r = one(text);
    assert!(r.events.is_empty());
    assert_eq!(r.problems.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.record, p.line, p.column, p.severity), (Some(1), 1, 1, Severity::Warning));
    assert_eq!(p.message, "record 1 is not an Auth0 log event (it looks like a JSON Schema): its `type` \"object\" is no Auth0 event type and it has no `date` or `log_id` (kept out of the analysis)");
    assert_eq!(r.sources[0].shape_text(), "single event object of 1 record: no Auth0 log events in it (see Problems)");
    // An unknown code with a date or a log_id is still an event.
    let r = one(r#"{"type":"brand_new_code","log_id":"z1"}"#);
    assert_eq!(r.events.len(), 1);
}

#[test]
fn a_record_that_is_not_an_object_is_named_in_the_users_terms() {
    // serde's own message named Inflight's type: "invalid type: string \"date\",
    // expected struct RawEvent".
    let r = one(r#"["date", {"log_id":"a","type":"s","date":"2024-01-01T00:00:00Z"}, 7]"#);
    assert_eq!(r.events.len(), 1);
    let messages: Vec<&str> = r.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    for m in &messages {
        assert!(!m.contains("RawEvent") && !m.contains("struct"), "{m}");
        assert!(m.contains("expected a JSON object (an Auth0 log event)"), "{m}");
    }
    assert_eq!(messages[0], "record 1: invalid type: string \"date\", expected a JSON object (an Auth0 log event)");
}
