//! Each container shape, from its own small fixture in `tests/fixtures/ingest/`
//! (written for these tests; the same three events in every shape).

use inflight::ingest::{ingest, Ingest, Severity, Shape};
use inflight::model::Envelope;

fn load(name: &str) -> Ingest {
    let path = format!("{}/tests/fixtures/ingest/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ingest(vec![(name.to_string(), bytes)])
}

/// The three fixture events, whatever the container.
fn assert_three_events(r: &Ingest, shape: Shape, envelope: Envelope) {
    assert_eq!(r.sources[0].shape, shape);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.events.len(), 3);
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    assert!(r.events.iter().all(|e| e.envelope == envelope));
    assert_eq!(r.events[0].log_id.as_deref(), Some("90020240305090001120000000000000000000000000000000000001"));
    assert_eq!(r.events[0].time, Some(1_709_629_201_120));
    assert_eq!(r.events[0].stats.as_ref().and_then(|s| s.total()), Some(812.0));
    assert_eq!(r.events[0].executions, ["a1b2c3d4-0000-4000-8000-000000000001"]);
    assert!(r.events[1].is_resource_exhausted());
}

#[test]
fn management_api_array() {
    assert_three_events(&load("mgmt-array.json"), Shape::JsonArray, Envelope::Bare);
}

#[test]
fn ndjson_of_bare_events() {
    assert_three_events(&load("events.ndjson"), Shape::Lines, Envelope::Bare);
}

#[test]
fn log_stream_json_lines() {
    assert_three_events(&load("stream-lines.ndjson"), Shape::Lines, Envelope::LogStream);
}

#[test]
fn log_stream_json_array() {
    assert_three_events(&load("stream-array.json"), Shape::JsonArray, Envelope::LogStream);
}

#[test]
fn paged_object_with_totals() {
    assert_three_events(&load("paged.json"), Shape::Paged, Envelope::Bare);
}

#[test]
fn single_event_object() {
    let r = load("single-event.json");
    assert_eq!(r.sources[0].shape, Shape::Single);
    assert_eq!(r.events.len(), 1);
    assert!(r.events[0].is_resource_exhausted());
}

#[test]
fn a_broken_paste_keeps_every_complete_record_and_names_the_bad_ones() {
    let r = load("broken-paste.ndjson");
    let ids: Vec<&str> = r.events.iter().filter_map(|e| e.log_id.as_deref()).collect();
    // Record 2's only fault is a trailing comma: it is read again without it.
    assert_eq!(ids, ["b1", "b2", "b3"]);
    assert_eq!(r.sources[0].records, 4);
    let rows: Vec<(Option<u32>, usize, usize, Severity)> =
        r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity)).collect();
    // Record 2: the caret is on the trailing comma, column 95.
    // Record 4: cut off inside the key `"descr` at the end of line 4 (column 67).
    assert_eq!(rows, [(Some(2), 2, 95, Severity::Warning), (Some(4), 4, 67, Severity::Error)]);
    assert!(r.problems[0].message.contains("trailing comma"), "{}", r.problems[0].message);
    assert!(r.problems[1].message.contains("not closed") || r.problems[1].message.contains("cut off"));
}

#[test]
fn an_abbreviated_excerpt_is_reported_not_silently_dropped() {
    // The shape of the seed article's excerpt: keys without the enclosing braces.
    let r = load("abbreviated-excerpt.txt");
    assert_eq!(r.events.len(), 0);
    assert_eq!(r.sources[0].shape, Shape::NotJson);
    let first = &r.problems[0];
    assert_eq!((first.line, first.column, first.severity), (1, 3, Severity::Error));
    assert_eq!(first.excerpt.chars().nth(first.caret), Some('"'));
}
