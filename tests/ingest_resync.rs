//! Recovery after a damaged record: the reader resynchronises at the next
//! plausible record start, reports the damaged record once (at its own line and
//! column), counts it, and reads every good record after it. The inputs in
//! `tests/fixtures/damaged/` are a tester's synthetic files (each named after its
//! fault); the one-line array of 40,000 records is generated here.

use inflight::ingest::{ingest, Ingest, IngestStream, Severity, Shape};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/damaged/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn one(name: &str, bytes: &[u8]) -> Ingest {
    ingest(vec![(name.to_string(), bytes.to_vec())])
}

fn chunked(name: &str, bytes: &[u8], step: usize) -> Ingest {
    let mut s = IngestStream::new();
    s.begin(name, Some(bytes.len()));
    for c in bytes.chunks(step) {
        s.push(c);
    }
    s.finish()
}

/// Everything observable about a result, for comparing one-shot with chunked.
fn key(r: &Ingest) -> String {
    let sources: Vec<_> = r.sources.iter().map(|s| (s.shape, s.records, s.events, &s.frame, &s.notes, s.envelopes)).collect();
    format!("{sources:?}\n{:?}\n{:?}\n{}", r.events, r.problems, r.duplicates)
}

type Row<'a> = (Option<u32>, usize, usize, Severity, &'a str);

fn rows(r: &Ingest) -> Vec<Row<'_>> {
    r.problems.iter().map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str())).collect()
}

/// Reads a fixture one-shot and in slices of several sizes (all must agree) and
/// checks the shape, the record count, the log_ids read and the exact problems.
fn check(name: &str, shape: Shape, records: u32, ids: &[&str], want: &[Row]) -> Ingest {
    let bytes = fixture(name);
    let r = one(name, &bytes);
    for step in [1, 2, 7, 64, 1000] {
        assert_eq!(key(&r), key(&chunked(name, &bytes, step)), "{name}: slices of {step} bytes read differently");
    }
    assert_eq!(r.sources[0].shape, shape, "{name}");
    assert_eq!(r.sources[0].records, records, "{name}: {}", r.sources[0].shape_text());
    let got: Vec<&str> = r.events.iter().filter_map(|e| e.log_id.as_deref()).map(|id| &id[id.len() - 1..]).collect();
    assert_eq!(got, ids, "{name}: log_ids read (last digit)");
    assert_eq!(rows(&r), want, "{name}");
    r
}

const CUT: &str = "is cut off: it ends here without its closing `}`; what follows is read on its own";

#[test]
fn ndjson_line_cut_after_a_comma_loses_only_that_line() {
    let msg = format!("record 3 {CUT}");
    let r = check("nd-trunc-comma.ndjson", Shape::Lines, 8, &["1", "2", "4", "5", "6", "7", "8"], &[(Some(3), 3, 37, Severity::Error, &msg)]);
    assert_eq!(r.sources[0].shape_text(), "JSON lines (one record per line) of 8 records (bare events)");
    // The caret is just after the line's last visible character, the comma.
    let p = &r.problems[0];
    assert_eq!(p.excerpt.chars().nth(p.caret - 1), Some(','), "{p:?}");
}

#[test]
fn ndjson_line_cut_after_an_object_key_loses_only_that_line() {
    let msg = format!("record 3 {CUT}");
    check("nd-trunc-object.ndjson", Shape::Lines, 8, &["1", "2", "4", "5", "6", "7", "8"], &[(Some(3), 3, 80, Severity::Error, &msg)]);
}

#[test]
fn ndjson_line_without_its_closing_brace_loses_only_that_line() {
    let msg = format!("record 3 {CUT}");
    check("nd-no-close.ndjson", Shape::Lines, 6, &["1", "2", "4", "5", "6"], &[(Some(3), 3, 196, Severity::Error, &msg)]);
}

#[test]
fn ndjson_line_cut_in_a_string_still_loses_only_that_line() {
    check(
        "nd-trunc-string.ndjson",
        Shape::Lines,
        8,
        &["1", "2", "4", "5", "6", "7", "8"],
        &[(Some(3), 3, 41, Severity::Error, "record 3: string is not closed before the end of the line")],
    );
}

const NO_OPEN: &str = "does not start with `{`: it begins with a `\"key\": value` pair (its opening brace is missing); skipped to the next record";

#[test]
fn ndjson_line_without_its_opening_brace_is_a_counted_record() {
    let msg = format!("record 3 {NO_OPEN}");
    check("nd-no-open.ndjson", Shape::Lines, 6, &["1", "2", "4", "5", "6"], &[(Some(3), 3, 1, Severity::Error, &msg)]);
}

#[test]
fn ndjson_missing_braces_on_two_lines_are_two_records_reported() {
    // Line 3 lacks its `}`, line 5 its `{`: before, lines 3 to 5 were read as one
    // record (their braces balance) and lines 4 and 5 went unreported.
    let (m3, m5) = (format!("record 3 {CUT}"), format!("record 5 {NO_OPEN}"));
    check(
        "missing-braces.ndjson",
        Shape::Lines,
        7,
        &["1", "2", "4", "6", "7"],
        &[(Some(3), 3, 706, Severity::Error, &m3), (Some(5), 5, 1, Severity::Error, &m5)],
    );
}

#[test]
fn array_element_without_its_closing_brace_loses_only_that_element() {
    let msg = format!("record 3 {CUT}");
    let r = check("arr-no-close.json", Shape::JsonArray, 6, &["1", "2", "4", "5", "6"], &[(Some(3), 4, 197, Severity::Error, &msg)]);
    assert_eq!(r.sources[0].shape_text(), "JSON array of 6 records (bare events)");
}

#[test]
fn array_element_without_its_opening_brace_is_reported_once() {
    let msg = format!("record 3 {NO_OPEN}");
    check("arr-no-open.json", Shape::JsonArray, 6, &["1", "2", "4", "5", "6"], &[(Some(3), 4, 1, Severity::Error, &msg)]);
}

#[test]
fn array_missing_braces_on_two_lines_are_two_records_reported() {
    let (m3, m5) = (format!("record 3 {CUT}"), format!("record 5 {NO_OPEN}"));
    check(
        "missing-braces.json",
        Shape::JsonArray,
        7,
        &["1", "2", "4", "6", "7"],
        &[(Some(3), 4, 707, Severity::Error, &m3), (Some(5), 6, 1, Severity::Error, &m5)],
    );
}

#[test]
fn csv_unclosed_quote_loses_only_its_row() {
    let r = check(
        "bad.csv",
        Shape::Csv,
        8,
        &["1", "2", "3", "4", "5", "7", "8"],
        &[
            (Some(4), 5, 1, Severity::Warning, "record 4: the row has 9 columns but the header has 7: the extra ones are ignored"),
            (
                Some(6),
                7,
                28,
                Severity::Error,
                "record 6: quoted field is not closed at the end of its line (the next line is a row of its own); the row was skipped",
            ),
        ],
    );
    let p = &r.problems[1];
    assert_eq!(p.excerpt.chars().nth(p.caret), Some('"'), "{p:?}");
}

#[test]
fn csv_quoted_field_holding_a_line_break_is_still_one_row() {
    let text = "date,type,description,log_id\n\
                2024-06-01T10:00:01.000Z,f,\"first line\nsecond line\",c1\n\
                2024-06-01T10:00:02.000Z,s,plain,c2\n";
    let r = one("x.csv", text.as_bytes());
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.events[0].description, "first line\nsecond line");
    for step in [1, 5] {
        assert_eq!(key(&r), key(&chunked("x.csv", text.as_bytes(), step)));
    }
}

#[test]
fn csv_unclosed_quote_at_the_end_names_the_row_and_reads_the_lines_after_it() {
    // The line after the broken row is no whole row (wrong column count): the quote
    // runs to the end of the input, and that line is read as a row of its own.
    let text = "date,type,log_id\n2024-06-01T10:00:01.000Z,s,\"a1\n2024-06-01T10:00:02.000Z,s\n";
    let r = one("x.csv", text.as_bytes());
    assert_eq!(r.sources[0].records, 2);
    assert_eq!(r.events.len(), 1);
    assert_eq!(
        rows(&r),
        [
            (Some(1), 2, 28, Severity::Error, "record 1: quoted field is not closed before the end of the input"),
            (Some(2), 3, 1, Severity::Warning, "record 2: the row has 2 columns but the header has 3: the missing ones are read as empty"),
        ]
    );
    for step in [1, 3] {
        assert_eq!(key(&r), key(&chunked("x.csv", text.as_bytes(), step)));
    }
}

/// The tester's `huge-line-err.json`: 40,000 records on one line, `"type":}` in
/// record 20,001 (its braces close early, so `,"description":…` follows it).
fn huge_line() -> Vec<u8> {
    let mut s = String::with_capacity(12_300_000);
    s.push('[');
    for i in 0..40_000u32 {
        if i > 0 {
            s.push(',');
        }
        let ty = if i == 20_000 { "}" } else { "\"s\"" };
        s.push_str(&format!(
            "{{\"date\":\"2024-06-01T10:{:02}:{:02}.{:03}Z\",\"type\":{ty},\"description\":\"\",\"client_name\":\"Web App\",\"ip\":\"203.0.113.{}\",\
             \"user_name\":\"user{i}@corp-example.com\",\"details\":{{\"stats\":{{\"total_request_duration_ms\":{}}},\"actions\":{{\"executions\":[\"e{i}\"]}}}},\
             \"log_id\":\"90020240601{i:045}\"}}",
            i % 3600 / 60,
            i % 60,
            i % 1000,
            i % 250 + 1,
            100 + i % 500
        ));
    }
    s.push(']');
    s.into_bytes()
}

#[test]
fn one_line_array_resumes_after_a_record_closed_too_early() {
    let bytes = huge_line();
    assert_eq!(bytes.len(), 12_280_499);
    let r = one("huge-line-err.json", &bytes);
    assert_eq!(r.sources[0].shape, Shape::JsonArray);
    assert_eq!(r.sources[0].records, 40_000);
    assert_eq!(r.events.len(), 39_999);
    assert_eq!(rows(&r), [(Some(20_001), 1, 6_129_184, Severity::Error, "record 20001: expected value")]);
    assert!(!r.events.iter().any(|e| e.log_id.as_deref() == Some(&format!("90020240601{:045}", 20_000)[..])));
    // Slices that end inside the damaged record, in its tail and elsewhere.
    for step in [1 << 20, 6_129_190, 4096 + 7] {
        assert_eq!(key(&r), key(&chunked("huge-line-err.json", &bytes, step)), "slices of {step}");
    }
}

fn event(n: u32) -> String {
    format!(
        r#"{{"date":"2024-06-01T10:00:{n:02}.000Z","type":"s","description":"ok, {{fine}}","details":{{"prompts":[{{"name":"a","elapsedTime":1}},{{"name":"b","elapsedTime":2}}],"stats":{{"total_request_duration_ms":{n}}}}},"log_id":"id{n}"}}"#
    )
}

fn ids(r: &Ingest) -> Vec<&str> {
    r.events.iter().filter_map(|e| e.log_id.as_deref()).collect()
}

fn agree(text: &str) -> Ingest {
    let r = one("paste", text.as_bytes());
    for step in [1, 3, 50] {
        assert_eq!(key(&r), key(&chunked("paste", text.as_bytes(), step)), "slices of {step}");
    }
    r
}

#[test]
fn valid_pretty_printed_input_is_never_split() {
    let values: Vec<serde_json::Value> = (1..=4).map(|n| serde_json::from_str(&event(n)).unwrap()).collect();
    let pretty = serde_json::to_string_pretty(&values).unwrap();
    // Python's json.dumps(indent=0): nested objects of an array start at column 1.
    let flush: String = pretty.lines().map(|l| l.trim_start()).collect::<Vec<_>>().join("\n");
    // Pretty objects one after another (log-stream "JSON object" deliveries).
    let objects: String = values.iter().map(|v| serde_json::to_string_pretty(v).unwrap() + "\n").collect();
    let flush_objects: String = objects.lines().map(|l| l.trim_start()).collect::<Vec<_>>().join("\n");
    for text in [pretty, flush, objects, flush_objects] {
        let r = agree(&text);
        assert!(r.problems.is_empty(), "{:?}\n{text}", r.problems);
        assert_eq!(ids(&r), ["id1", "id2", "id3", "id4"]);
        assert_eq!(r.sources[0].records, 4);
    }
}

#[test]
fn pretty_printed_array_element_without_its_closing_brace_loses_only_that_element() {
    let values: Vec<serde_json::Value> = (1..=4).map(|n| serde_json::from_str(&event(n)).unwrap()).collect();
    let pretty = serde_json::to_string_pretty(&values).unwrap();
    // Element 2 ends `  },` at the elements' indentation: drop that `}`.
    let second = pretty.match_indices("\n  },\n").nth(1).unwrap().0;
    let text = format!("{}\n  ,\n{}", &pretty[..second], &pretty[second + "\n  },\n".len()..]);
    let r = agree(&text);
    assert_eq!(ids(&r), ["id1", "id3", "id4"]);
    assert_eq!(r.sources[0].records, 4);
    let errors: Vec<_> = r.problems.iter().filter(|p| p.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{:?}", r.problems);
    assert_eq!(errors[0].record, Some(2));
}

#[test]
fn one_line_array_element_cut_inside_a_string_loses_only_that_element() {
    // Record 2 is cut in the middle of a string and record 3 follows at once: the
    // string's quote then pairs with record 3's, so brackets and strings cannot be
    // counted from there; the next record is recognised by its shape instead.
    let e2 = event(2);
    let cut = &e2[..e2.find("ok, ").unwrap() + 3];
    let text = format!("[{},{cut},{},{}]", event(1), event(3), event(4));
    let r = agree(&text);
    assert_eq!(ids(&r), ["id1", "id3", "id4"]);
    assert_eq!(r.sources[0].records, 4);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let p = &r.problems[0];
    assert_eq!((p.record, p.line, p.severity), (Some(2), 1, Severity::Error), "{p:?}");
}

#[test]
fn ndjson_record_closed_too_early_is_reported_once() {
    let bad = event(2).replace(r#""type":"s""#, r#""type":}"#);
    let text = format!("{}\n{bad}\n{}\n", event(1), event(3));
    let r = agree(&text);
    assert_eq!(ids(&r), ["id1", "id3"]);
    assert_eq!(r.sources[0].records, 3);
    assert_eq!(rows(&r), [(Some(2), 2, 43, Severity::Error, "record 2: expected value")]);
    let p = &r.problems[0];
    assert_eq!(p.excerpt.chars().nth(p.caret), Some('}'), "{p:?}");
}

/// A layout: its name, each record's text in it, and how the records are joined.
type Layout = (&'static str, Vec<String>, fn(&[String]) -> String);

/// Eight sample events laid out as JSON lines, arrays (one per line, one line,
/// pretty-printed), pretty objects one after another, and a Management API page.
fn layouts(records: &[String]) -> Vec<Layout> {
    let pretty = |r: &String, indent: &str| {
        let v: serde_json::Value = serde_json::from_str(r).unwrap();
        serde_json::to_string_pretty(&v).unwrap().lines().map(|l| format!("{indent}{l}")).collect::<Vec<_>>().join("\n")
    };
    let flat = records.to_vec();
    let pretty0: Vec<String> = records.iter().map(|r| pretty(r, "")).collect();
    let pretty2: Vec<String> = records.iter().map(|r| pretty(r, "  ")).collect();
    vec![
        ("ndjson", flat.clone(), |t| t.join("\n") + "\n"),
        ("array, one per line", flat.clone(), |t| format!("[\n{}\n]\n", t.join(",\n"))),
        ("array, one line", flat.clone(), |t| format!("[{}]", t.join(","))),
        ("array, pretty", pretty2, |t| format!("[\n{}\n]\n", t.join(",\n"))),
        ("pretty objects", pretty0, |t| t.join("\n") + "\n"),
        ("page", flat, |t| format!("{{\"start\":0,\"limit\":100,\"length\":8,\"total\":8,\"logs\":[{}]}}", t.join(","))),
    ]
}

/// A record cut off anywhere, or missing its first `{` or its last `}`, costs that
/// record alone, in every layout: it is counted and reported once, every other
/// record is read, and any slicing reads the same.
#[test]
fn one_damaged_record_costs_only_itself_in_every_layout() {
    let sample = inflight::sample::sample_incident_ndjson();
    let records: Vec<String> = sample.lines().skip(100).take(8).map(String::from).collect();
    let want: Vec<String> = records.iter().map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap()["log_id"].as_str().unwrap().to_string()).collect();
    let mut cases = 0;
    for (layout, texts, join) in layouts(&records) {
        for k in [1, 6] {
            let t = texts[k].as_bytes();
            let open = t.iter().position(|&c| c == b'{').unwrap();
            let mut damaged: Vec<(String, Vec<u8>)> =
                vec![("no `}`".into(), t[..t.len() - 1].to_vec()), ("no `{`".into(), [&t[..open], &t[open + 1..]].concat())];
            for cut in (open + 1..t.len() - 1).step_by(t.len() / 17 + 1) {
                damaged.push((format!("cut at byte {cut}"), t[..cut].to_vec()));
            }
            for (what, bytes) in damaged {
                let mut all = texts.clone();
                all[k] = String::from_utf8(bytes).unwrap();
                let text = join(&all);
                let r = one("x", text.as_bytes());
                let case = format!("{layout}, record {} {what}", k + 1);
                let mut ids_want: Vec<&str> = want.iter().map(String::as_str).collect();
                ids_want.remove(k);
                let mut ids_got = ids(&r);
                ids_got.sort();
                ids_want.sort();
                assert_eq!(ids_got, ids_want, "{case}: {:?}", rows(&r));
                assert_eq!(r.sources[0].records, 8, "{case}: {:?}", rows(&r));
                let errors: Vec<_> = r.problems.iter().filter(|p| p.severity == Severity::Error).collect();
                assert_eq!(errors.len(), 1, "{case}: {:?}", rows(&r));
                assert_eq!(errors[0].record, Some(k as u32 + 1), "{case}: {:?}", rows(&r));
                for step in [61, 997] {
                    assert_eq!(key(&r), key(&chunked("x", text.as_bytes(), step)), "{case}: slices of {step}");
                }
                cases += 1;
            }
        }
    }
    assert!(cases > 200, "{cases}");
}

#[test]
fn a_line_that_is_no_record_after_a_cut_one_is_reported_on_its_own() {
    let e2 = event(2);
    let cut = &e2[..e2.find("\"description\"").unwrap()];
    let text = format!("{}\n{cut}\nnot a record\n{}\n", event(1), event(3));
    let r = agree(&text);
    assert_eq!(ids(&r), ["id1", "id3"]);
    assert_eq!(r.sources[0].records, 3);
    let msg = format!("record 2 {CUT}");
    assert_eq!(
        rows(&r),
        [
            (Some(2), 2, cut.len() + 1, Severity::Error, msg.as_str()),
            (None, 3, 1, Severity::Error, "`n` where a JSON record should start; skipped to the next line that starts with `{` or `[`"),
        ]
    );
}

#[test]
fn text_between_two_records_on_one_line_does_not_hide_the_next_one() {
    let text = format!("[{},{} x {},{}]", event(1), event(2), event(3), event(4));
    let r = agree(&text);
    assert_eq!(ids(&r), ["id1", "id2", "id3", "id4"]);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].message, "expected `,` or `]` after record 2, found `x`");
}
