//! Every vendor wrapper and export shape, from fixtures in `tests/fixtures/ingest/`
//! written for these tests (`make-vendor-fixtures.py` derives most of them from
//! `mgmt-array.json`: the same three synthetic events in every shape).

use inflight::ingest::{ingest, Ingest, Severity, Shape};
use inflight::model::Envelope;

fn load(name: &str) -> Ingest {
    let path = format!("{}/tests/fixtures/ingest/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ingest(vec![(name.to_string(), bytes)])
}

const ID1: &str = "90020240305090001120000000000000000000000000000000000001";

/// The three fixture events, whatever the container: no problem, exact types,
/// ids, times, timing and executions.
fn assert_three_events(r: &Ingest, shape: Shape, envelopes: &[Envelope]) {
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.sources[0].shape, shape, "{:?}", r.sources[0].notes);
    assert_eq!(r.sources[0].records, 3);
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    let got: Vec<Envelope> = r.events.iter().map(|e| e.envelope).collect();
    assert_eq!(got, envelopes);
    assert_eq!(r.events[0].log_id.as_deref(), Some(ID1));
    let times: Vec<Option<i64>> = r.events.iter().map(|e| e.time).collect();
    assert_eq!(times, [Some(1_709_629_201_120), Some(1_709_629_202_500), Some(1_709_629_203_000)]);
    assert_eq!(r.events[0].stats.as_ref().and_then(|s| s.total()), Some(812.0));
    assert_eq!(r.events[0].executions, ["a1b2c3d4-0000-4000-8000-000000000001"]);
    assert!(r.events[1].is_resource_exhausted());
    assert_eq!(r.events[1].error_message.as_deref(), Some("resource_exhausted"));
    assert_eq!(r.events[2].description, "Authorization Code for Access Token");
}

fn all(e: Envelope) -> [Envelope; 3] {
    [e; 3]
}

#[test]
fn auth0_cli_logs_list_json() {
    let r = load("cli-list.json");
    assert_three_events(&r, Shape::JsonArray, &all(Envelope::Bare));
    assert_eq!(r.sources[0].shape_text(), "JSON array of 3 records (bare events)");
    assert_eq!(
        r.sources[0].notes,
        [
            "JSON array: the input is one `[ … ]`",
            "not CSV/TSV: the input starts with `[`, a JSON value",
        ]
    );
}

#[test]
fn auth0_cli_output_with_its_heading_keeps_every_record() {
    // `auth0 logs list --json 2>&1` puts the heading line before the array.
    let r = load("cli-with-heading.txt");
    assert_eq!(r.sources[0].shape, Shape::JsonArray);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.problems.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.severity, p.record), (1, 1, Severity::Warning, None));
    assert_eq!(
        p.message,
        "text before the first JSON value was skipped (`=` where a JSON record should start; skipped to the next line that starts with `{` or `[`)"
    );
}

#[test]
fn log_stream_json_object_deliveries() {
    let r = load("stream-objects.json");
    assert_three_events(&r, Shape::Lines, &all(Envelope::LogStream));
}

#[test]
fn azure_event_grid_schema() {
    let r = load("eventgrid.json");
    assert_three_events(&r, Shape::JsonArray, &all(Envelope::CloudEvent));
    assert_eq!(r.sources[0].shape_text(), "JSON array of 3 records (Event Grid / CloudEvents data)");
}

#[test]
fn cloudevents_lines() {
    // The CloudEvents envelope has its own `type` and `time`: the inner event wins.
    assert_three_events(&load("cloudevents.ndjson"), Shape::Lines, &all(Envelope::CloudEvent));
}

#[test]
fn kibana_export_source_auth0_logs_data() {
    assert_three_events(&load("kibana-export.ndjson"), Shape::Lines, &all(Envelope::ElasticDoc));
    assert_eq!(Envelope::ElasticDoc.prefix(), ["_source", "auth0", "logs", "data"]);
}

#[test]
fn splunk_search_export_raw_string() {
    let r = load("splunk-export.ndjson");
    assert_three_events(&r, Shape::Lines, &all(Envelope::SplunkRaw));
    assert!(Envelope::SplunkRaw.embedded_string());
    assert_eq!(Envelope::SplunkRaw.prefix(), ["result", "_raw"]);
    // The span is the whole export line, envelope included.
    assert!(r.record_text(&r.events[0]).starts_with("{\"preview\":false"));
}

#[test]
fn splunk_raw_that_is_not_json_is_located_at_the_raw_key() {
    let text = "{\"result\":{\"_raw\":\"{not json\"}}\n";
    let r = ingest(vec![("s.json".into(), text.as_bytes().to_vec())]);
    assert_eq!(r.events.len(), 0);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.record, p.severity), (1, 12, Some(1), Severity::Error));
    assert_eq!(p.message, "record 1: `result._raw` does not hold a JSON event (key must be a string)");
}

#[test]
fn splunk_hec_message() {
    assert_three_events(&load("splunk-hec.ndjson"), Shape::Lines, &all(Envelope::SplunkHec));
}

#[test]
fn datadog_archive_attributes_and_attributes_data() {
    // The archive line has its own `date` (the archive time): the event's wins.
    let r = load("datadog-archive.ndjson");
    assert_three_events(&r, Shape::Lines, &[Envelope::Datadog, Envelope::Datadog, Envelope::DatadogData]);
    assert_eq!(
        r.sources[0].shape_text(),
        "JSON lines (one record per line) of 3 records (2 Datadog archive attributes, 1 Datadog archive attributes.data)"
    );
}

#[test]
fn panther_with_nanosecond_space_dates() {
    assert_three_events(&load("panther.ndjson"), Shape::Lines, &all(Envelope::Panther));
}

#[test]
fn sumo_flat_events() {
    assert_three_events(&load("sumo.ndjson"), Shape::Lines, &all(Envelope::Bare));
}

#[test]
fn sentinel_flattened_columns() {
    let r = load("sentinel-flat.json");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    assert!(r.events.iter().all(|e| e.envelope == Envelope::Flattened));
    assert_eq!(r.events[0].log_id.as_deref(), Some(ID1));
    assert_eq!(r.events[0].time, Some(1_709_629_201_120));
    assert_eq!(r.events[0].client_name.as_deref(), Some("Fixture Web App"));
    assert_eq!(r.events[0].executions, ["a1b2c3d4-0000-4000-8000-000000000001"]);
    assert_eq!(r.events[0].stats.as_ref().and_then(|s| s.total()), Some(812.0));
    assert_eq!(r.events[1].description, "Login failed");
    assert!(r.events[1].is_resource_exhausted());
    // No `date_t`: TimeGenerated is the fallback.
    assert_eq!(r.events[2].time, Some(1_709_629_203_000));
}

#[test]
fn csv_export_with_quoted_details_column() {
    let r = load("export.csv");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let s = &r.sources[0];
    assert_eq!(s.shape, Shape::Csv);
    assert_eq!(s.notes, ["CSV: the first line has 8 comma-separated column names, including type or date"]);
    assert_eq!(s.frame.prefix, b"log_id,date,type,description,client_name,connection,user_name,details\r\n");
    assert_eq!(s.frame.separator, b"\r\n");
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    assert!(r.events.iter().all(|e| e.envelope == Envelope::CsvRow));
    assert_eq!(r.events[0].log_id.as_deref(), Some(ID1));
    assert_eq!(r.events[0].time, Some(1_709_629_201_120));
    assert_eq!(r.events[0].stats.as_ref().and_then(|s| s.total()), Some(812.0));
    assert_eq!(r.events[0].executions, ["a1b2c3d4-0000-4000-8000-000000000001"]);
    assert!(r.events[1].is_resource_exhausted());
    assert_eq!(r.events[2].description, "Authorization Code for Access Token, \"quoted\"\nsecond line");
    // The span of a row is its text, without the line break.
    assert!(r.record_text(&r.events[2]).ends_with("VM-\"\"}\""));
}

#[test]
fn tsv_export_like_auth0_logs_to_csv() {
    let r = load("export.tsv");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.sources[0].shape, Shape::Tsv);
    assert_eq!(r.sources[0].shape_text(), "TSV (tab-separated) with a header row of 3 records");
    let types: Vec<&str> = r.events.iter().map(|e| e.type_code.as_str()).collect();
    assert_eq!(types, ["s", "f", "seacft"]);
    assert_eq!(r.events[0].executions, ["a1b2c3d4-0000-4000-8000-000000000001"]);
    assert!(r.events[1].is_resource_exhausted());
}

#[test]
fn csv_details_that_is_not_json_keeps_the_row() {
    let text = "type,date,details\nf,2024-03-05T09:00:02.500Z,{broken\n";
    let r = ingest(vec![("x.csv".into(), text.as_bytes().to_vec())]);
    assert_eq!(r.events.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.record, p.severity), (2, 1, Some(1), Severity::Warning));
    assert_eq!(
        p.message,
        "record 1: the `details` column is not JSON (key must be a string at line 1 column 2); read the row without it"
    );
}

#[test]
fn csv_row_with_missing_or_extra_columns_is_kept_with_a_warning_on_its_line() {
    let text = "date,type,description,ip\n2024-05-14T09:00:01.000Z,f,resource_exhausted,203.0.113.9\n2024-05-14T09:00:02.000Z,s\n2024-05-14T09:00:03.000Z,s,,203.0.113.9,extra\n";
    let r = ingest(vec![("x.csv".into(), text.as_bytes().to_vec())]);
    assert_eq!(r.events.len(), 3);
    let p: Vec<(usize, usize, Option<u32>, Severity, &str)> =
        r.problems.iter().map(|p| (p.line, p.column, p.record, p.severity, p.message.as_str())).collect();
    assert_eq!(
        p,
        [
            (3, 1, Some(2), Severity::Warning, "record 2: the row has 2 columns but the header has 4: the missing ones are read as empty"),
            (4, 1, Some(3), Severity::Warning, "record 3: the row has 5 columns but the header has 4: the extra ones are ignored"),
        ]
    );
}

#[test]
fn csv_with_an_unclosed_quote_reports_the_quote() {
    let text = "type,date,description\ns,2024-03-05T09:00:01Z,ok\nf,2024-03-05T09:00:02Z,\"never closed\n";
    let r = ingest(vec![("x.csv".into(), text.as_bytes().to_vec())]);
    assert_eq!(r.events.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.record, p.severity), (3, 24, Some(2), Severity::Error));
    assert_eq!(p.message, "record 2: quoted field is not closed before the end of the input");
}

#[test]
fn text_that_is_neither_json_nor_csv_says_why() {
    let r = ingest(vec![("x.txt".into(), b"name,age\nbob,3\n".to_vec())]);
    assert_eq!(r.sources[0].shape, Shape::NotJson);
    assert_eq!(
        r.sources[0].notes,
        [
            "not JSON: the input starts with `n`",
            "not CSV/TSV: the first line has 2 comma-separated fields but none is named type or date",
        ]
    );
}

#[test]
fn every_envelope_has_a_prefix_and_a_name() {
    for (i, e) in Envelope::ALL.iter().enumerate() {
        assert_eq!(e.index(), i);
        assert!(!e.describe().is_empty());
    }
    assert_eq!(Envelope::Datadog.prefix(), ["attributes"]);
    assert_eq!(Envelope::DatadogData.prefix(), ["attributes", "data"]);
    assert_eq!(Envelope::CloudEvent.prefix(), ["data"]);
    assert_eq!(Envelope::Panther.prefix(), ["data"]);
    assert_eq!(Envelope::SplunkHec.prefix(), ["message"]);
    assert!(Envelope::Flattened.prefix().is_empty() && Envelope::CsvRow.prefix().is_empty());
}
