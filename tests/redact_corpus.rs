//! Redaction over real inputs, end to end through `Session`: every ingest fixture
//! (`tests/fixtures/ingest/*`), every event-bearing file of the public corpus
//! (`../shared/corpus/public/`, when present) and the built-in sample incident.
//!
//! For each input: no original PII value (collected by an oracle written here, from
//! the *input*, with serde_json) survives anywhere in the redacted output; the
//! analysis of the redacted output equals that of the original; tokens are stable
//! within one key and differ across keys; the key is absent; the verifier finds
//! nothing in the default export and catches a value planted past the rules.
//!
//! `cargo test --test redact_corpus -- --nocapture` prints the per-file table.

use inflight::model::Envelope;
use inflight::redact::{self, Container, Redactor};
use inflight::rules::RuleSet;
use inflight::session::Session;
use inflight::verify;
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: [u8; 32] = *b"corpus-key-0123456789abcdefghij!";
const OTHER_KEY: [u8; 32] = *b"corpus-key-2-0123456789abcdefgh!";
/// The redactor promises to chase values of 6+ characters into free text.
const MIN_LEN: usize = 6;

/// OAuth protocol parameters in `details.qs` whose values are vocabulary.
const QS_PROTOCOL: &[&str] = &[
    "response_type", "response_mode", "scope", "prompt", "screen_hint", "code_challenge_method", "connection",
    "audience", "protocol", "ui_locales", "max_age", "display",
];

// ---------------------------------------------------------------------------
// The oracle: identity values of an input, from serde_json, independent of redact.

fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn push_scalars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(a) => a.iter().for_each(|x| push_scalars(x, out)),
        Value::Object(o) => o.values().for_each(|x| push_scalars(x, out)),
        _ => {}
    }
}

fn strings_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings_in(x, out)),
        _ => {}
    }
}

/// Emails, JWTs, dotted quads and `provider|id` in free text, with simple rules.
fn text_identities(s: &str, out: &mut Vec<String>) {
    for word in s.split(|c: char| !(c.is_ascii_alphanumeric() || "._%+-@|".contains(c))) {
        let w = word.trim_matches(|c| c == '.' || c == '|');
        if let Some((local, domain)) = w.split_once('@') {
            if !local.is_empty() && domain.contains('.') && !local.contains('|') {
                out.push(w.to_string());
            }
        }
        let parts: Vec<&str> = w.split('.').collect();
        if parts.len() == 4 && parts.iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())) {
            out.push(w.to_string());
        }
        if let Some((p, id)) = w.split_once('|') {
            if ["auth0", "github", "google-oauth2", "samlp", "oidc", "email", "sms"].contains(&p) && id.len() >= 3 {
                out.push(w.to_string());
            }
        }
    }
    for (i, _) in s.match_indices("eyJ") {
        let jwt: String = s[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
        if jwt.matches('.').count() >= 2 {
            out.push(jwt);
        }
    }
}

fn event_identities(ev: &Value, out: &mut Vec<String>) {
    for k in [
        "ip", "client_ip", "user_name", "user_id", "identity_user_id", "email", "user_agent", "hostname", "tenant_name",
        "client_id", "tenant",
    ] {
        if let Some(v) = ev.get(k) {
            push_scalars(v, out);
        }
    }
    for p in [
        &["details", "session_id"][..],
        &["details", "request", "ip"],
        &["details", "request", "userAgent"],
        &["details", "request", "auth", "user"],
        &["details", "request", "auth", "subject"],
        &["details", "request", "auth", "credentials", "jti"],
        &["details", "to"],
        &["details", "email"],
        &["details", "riskAssessment", "assessments"],
        &["location_info"],
    ] {
        if let Some(v) = at(ev, p) {
            let mut vals = Vec::new();
            push_scalars(v, &mut vals);
            // Small numbers in payloads (status codes, counts) and vocabulary stay.
            out.extend(vals.into_iter().filter(|s| s.parse::<f64>().is_err() || s.len() >= 7 || p == &["location_info"][..]));
        }
    }
    // Payloads: the values under keys that name a person or a secret (a payload
    // also echoes vocabulary such as scopes and the client name, which are kept).
    for p in [&["details", "body"][..], &["details", "query"], &["details", "response", "body"], &["details", "request", "body"]] {
        if let Some(v) = at(ev, p) {
            keyed_identities(v, out);
        }
    }
    if let Some(path) = at(ev, &["details", "request", "path"]).and_then(Value::as_str) {
        out.extend(path.split('/').filter(|s| s.contains('|') || s.contains("%7C")).map(str::to_string));
    }
    if let Some(prompts) = at(ev, &["details", "prompts"]).and_then(Value::as_array) {
        for pr in prompts {
            for k in ["user_id", "user_name", "session_id", "identity"] {
                if let Some(v) = pr.get(k) {
                    push_scalars(v, out);
                }
            }
        }
    }
    if let Some(Value::Object(qs)) = at(ev, &["details", "qs"]) {
        for (k, v) in qs {
            if !QS_PROTOCOL.contains(&k.as_str()) {
                push_scalars(v, out);
            }
        }
    }
    // Sentinel's flattened columns.
    if let Value::Object(o) = ev {
        for (k, v) in o {
            let k = k.trim_end_matches("_s");
            let flat = k.starts_with("details_") || k.starts_with("location_info_");
            let ident = ["_ip", "_email", "_user_id", "_userAgent", "_name", "_jti", "_session_id"].iter().any(|s| k.ends_with(s));
            if flat && ident {
                push_scalars(v, out);
            }
        }
    }
    let mut texts = Vec::new();
    strings_in(ev, &mut texts);
    for t in &texts {
        text_identities(t, out);
    }
}

fn keyed_identities(v: &Value, out: &mut Vec<String>) {
    const KEYS: &[&str] =
        &["email", "user_id", "password", "secret", "token", "phone", "ticket", "username", "nickname", "given_name", "family_name", "login_hint", "ip"];
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let k = k.to_ascii_lowercase();
                if KEYS.iter().any(|p| k.contains(p)) {
                    push_scalars(x, out);
                } else {
                    keyed_identities(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keyed_identities(x, out)),
        _ => {}
    }
}

/// A CSV row as an object, read with the ingest owner's CSV reader (its own code).
fn csv_object(header: &[u8], row: &[u8]) -> Value {
    let line = String::from_utf8_lossy(header);
    let line = line.trim_end();
    let delim = inflight::vendor::detect_header(line).expect("header").delimiter;
    let fields = |b: &[u8]| match inflight::vendor::parse_row(b, 0, delim, true) {
        Ok(inflight::vendor::RowScan::Row { fields, .. }) => fields.into_iter().map(|f| f.into_owned()).collect::<Vec<_>>(),
        other => panic!("row: {other:?}"),
    };
    let names = fields(line.as_bytes());
    let mut o = serde_json::Map::new();
    for (n, f) in names.into_iter().zip(fields(row)) {
        let v = serde_json::from_str::<Value>(&f).ok().filter(|v| v.is_object()).unwrap_or(Value::String(f));
        o.insert(n, v);
    }
    Value::Object(o)
}

/// Every identity value in the session's input `source`.
fn identities(s: &Session, source: usize) -> Vec<String> {
    let mut out = Vec::new();
    let header = &s.ingest.sources[source].frame.prefix;
    for ev in s.ingest.events.iter().filter(|e| e.source as usize == source) {
        let text = s.ingest.record_text(ev);
        let record: Value = if ev.envelope == Envelope::CsvRow {
            csv_object(header, text.as_bytes())
        } else {
            match serde_json::from_str(text) {
                Ok(v) => v,
                Err(_) => {
                    // Read leniently by ingest (a trailing comma, a cut-off line): the
                    // oracle falls back to free-text identities over the raw record.
                    text_identities(text, &mut out);
                    continue;
                }
            }
        };
        let mut event = at(&record, ev.envelope.prefix()).cloned().unwrap_or(Value::Null);
        if let Value::String(inner) = &event {
            event = serde_json::from_str(inner).unwrap_or(Value::String(inner.clone()));
        }
        event_identities(&event, &mut out);
        // Whatever the envelope holds around the event, free text only.
        let mut texts = Vec::new();
        strings_in(&record, &mut texts);
        for t in &texts {
            text_identities(t, &mut out);
        }
    }
    out.retain(|v| v.len() >= MIN_LEN && !redact::is_masked(v) && v != "LOG_ID");
    out.sort();
    out.dedup();
    out
}

/// Naive (ignores strings): enough for the fixtures.
fn no_trailing_commas(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let cs: Vec<char> = t.chars().collect();
    for (i, &c) in cs.iter().enumerate() {
        if c == ',' && cs[i + 1..].iter().find(|c| !c.is_whitespace()).is_some_and(|&n| n == '}' || n == ']') {
            continue;
        }
        out.push(c);
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Identity values that appear in `out` (raw, or JSON-escaped once or twice). Small
/// outputs are searched for every value as a substring; large ones (the sample
/// incident) by whole words, except values with separators, which are searched
/// as substrings.
fn survivors(ids: &[String], out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let word_char = |c: char| c.is_ascii_alphanumeric() || "._%+@|:-".contains(c);
    let words: std::collections::HashSet<&str> =
        if text.len() > 1 << 20 { text.split(|c: char| !word_char(c)).collect() } else { Default::default() };
    ids.iter()
        .filter(|id| {
            if !words.is_empty() && id.chars().all(word_char) {
                return words.contains(id.as_str()) || words.contains(id.trim_matches('.'));
            }
            let once = serde_json::to_string(id).unwrap();
            let once = &once[1..once.len() - 1];
            let twice = serde_json::to_string(once).unwrap();
            text.contains(id.as_str()) || text.contains(once) || text.contains(&twice[1..twice.len() - 1])
        })
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------
// The inputs

fn fixture_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) != Some("py"))
        .collect();
    files.sort();
    files
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    let mut files = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("elastic-integrations")) {
        files.extend(rd.flatten().map(|e| e.path()).filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("json" | "log"))));
    }
    for rel in ["azure-sentinel/Auth0AM_CL.json", "aws-eventbridge-sample/events/event.json"] {
        let p = dir.join(rel);
        if p.exists() {
            files.push(p);
        }
    }
    files.sort();
    files
}

fn export(s: &Session, source: usize, key: [u8; 32], rules: &RuleSet) -> redact::Export {
    let info = &s.ingest.sources[source];
    let container = Container { prefix: info.frame.prefix.clone(), separator: info.frame.separator.clone(), suffix: info.frame.suffix.clone() };
    let mut records: Vec<_> = s.ingest.events.iter().filter(|e| e.source as usize == source).map(|e| (e.record, e.span.clone(), e.envelope)).collect();
    records.sort_by_key(|r| r.0);
    redact::export_with(info.text.as_bytes(), &container, records.into_iter().map(|(_, s, e)| (s, e)), &Redactor::new(key), rules)
}

/// One row of the table.
struct Row {
    name: String,
    events: usize,
    redacted: u64,
    masked: u64,
    pii: usize,
    survived: usize,
}

/// Every check on one input; returns its table row.
fn check(name: &str, bytes: Vec<u8>) -> Row {
    let original = Session::load(vec![(name.to_string(), bytes.clone())], None);
    let events = original.ingest.events.len();
    let ids = identities(&original, 0);
    let e = export(&original, 0, KEY, &RuleSet::default());
    let out = &e.bytes;
    // Records ingest read leniently are written without their trailing commas; a
    // record that is still not JSON is left out rather than guessed at.
    let lenient = original
        .ingest
        .events
        .iter()
        .filter(|ev| ev.envelope != Envelope::CsvRow && serde_json::from_str::<Value>(&no_trailing_commas(original.ingest.record_text(ev))).is_err())
        .count();
    assert_eq!(e.summary.records_skipped as usize, lenient, "{name}: every strict event written");
    assert_eq!(e.summary.records as usize, events - lenient, "{name}");

    let left = survivors(&ids, out);
    let head: String = String::from_utf8_lossy(out).chars().take(3000).collect();
    assert!(left.is_empty(), "{name}: identity values in the output: {left:#?}\n{head}");

    // The key, in any spelling.
    let hex: String = KEY.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!contains(out, &KEY) && !String::from_utf8_lossy(out).contains(&hex), "{name}: key in output");

    // The analysis survives.
    let after = Session::load(vec![(name.to_string(), out.clone())], None);
    assert_eq!(after.ingest.events.len(), events - lenient, "{name}: events after");
    if lenient == 0 {
        assert_eq!(after.analysis, original.analysis, "{name}: analysis differs");
        assert_eq!(after.ingest.type_counts(), original.ingest.type_counts(), "{name}");
    }

    // Deterministic under one key, different under another.
    assert_eq!(&export(&original, 0, KEY, &RuleSet::default()).bytes, out, "{name}: stable");
    if e.summary.total_replacements() > 0 {
        assert_ne!(&export(&original, 0, OTHER_KEY, &RuleSet::default()).bytes, out, "{name}: key changes tokens");
    }

    // The default export passes the verifier.
    let found = verify::scan(out);
    let shown: Vec<String> = found.iter().map(|f| format!("{} at line {}: {}", f.kind, f.line, f.value_in(out))).collect();
    assert!(found.is_empty(), "{name}: verifier findings in the default export: {shown:#?}");

    Row { name: name.to_string(), events, redacted: e.summary.total_replacements(), masked: e.summary.already_masked, pii: ids.len(), survived: left.len() }
}

fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}\n| file | events | values redacted | already masked | PII values (oracle) | survived |\n|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("| {} | {} | {} | {} | {} | {} |", r.name, r.events, r.redacted, r.masked, r.pii, r.survived);
    }
}

#[test]
fn every_fixture_is_redacted_completely_and_keeps_its_analysis() {
    let rows: Vec<Row> = fixture_files()
        .iter()
        .filter_map(|f| {
            let bytes = std::fs::read(f).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            // Only inputs with events (some fixtures are deliberately broken).
            (!Session::load(vec![(name.clone(), bytes.clone())], None).ingest.events.is_empty()).then(|| check(&name, bytes))
        })
        .collect();
    print_table("fixtures", &rows);
    assert!(rows.len() >= 20, "fixtures with events: {}", rows.len());
    assert!(rows.iter().any(|r| r.name.ends_with(".csv")) && rows.iter().any(|r| r.name.starts_with("splunk-export")));
}

#[test]
fn every_corpus_file_is_redacted_completely_and_keeps_its_analysis() {
    let files = corpus_files();
    if files.is_empty() {
        println!("corpus absent, skipped");
        return;
    }
    let rows: Vec<Row> = files
        .iter()
        .map(|f| {
            let name = f.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public")).unwrap_or(f).display().to_string();
            check(&name, std::fs::read(f).unwrap())
        })
        .collect();
    print_table("public corpus", &rows);
    let total: u64 = rows.iter().map(|r| r.redacted).sum();
    println!("corpus: {} files, {} events, {total} values redacted, 0 survived", rows.len(), rows.iter().map(|r| r.events).sum::<usize>());
}

#[test]
fn the_sample_incident_is_clean_and_analyses_the_same() {
    let text = inflight::sample::sample_incident_ndjson();
    let row = check("sample-incident.ndjson", text.into_bytes());
    assert!(row.redacted > 0 && row.survived == 0);
    print_table("sample", &[row]);
}

#[test]
fn the_verifier_catches_values_planted_past_the_rules() {
    let text = concat!(
        r#"{"log_id":"1","type":"f","date":"2024-01-15T10:30:01.000Z","user_name":"trinity@acme.example","ip":"81.2.69.143","details":{"custom_field":"call morpheus@matrix.example"}}"#,
        "\n"
    );
    let s = Session::load(vec![("x.ndjson".into(), text.as_bytes().to_vec())], None);
    // Defaults: clean.
    assert!(verify::scan(&export(&s, 0, KEY, &RuleSet::default()).bytes).is_empty());
    // Rules switched off (a path rule alone is not enough: the detectors would still
    // catch these): the email in `user_name` and the ip get through, and are caught.
    let rules = RuleSet::new().disable("path:user_name").disable("detector:email").disable("path:ip").disable("detector:ip");
    let out = export(&s, 0, KEY, &rules).bytes;
    let v = verify::scan_with(&out, &verify::Allow::from_rules(&rules));
    let kinds: Vec<(&str, String)> = v.blocked.iter().map(|f| (f.kind, f.value_in(&out).into_owned())).collect();
    assert!(kinds.contains(&("email", "trinity@acme.example".into())), "{kinds:?}");
    assert!(kinds.contains(&("ipv4", "81.2.69.143".into())), "{kinds:?}");
    // The detector switched off: the email in an unknown key is caught.
    let rules = RuleSet::new().disable("detector:email");
    let out = export(&s, 0, KEY, &rules).bytes;
    let v = verify::scan_with(&out, &verify::Allow::from_rules(&rules));
    assert_eq!(v.blocked.len(), 1, "{:?}", v.blocked);
    assert_eq!(v.blocked[0].value_in(&out), "morpheus@matrix.example");
    assert!(!v.blocked[0].excerpt.contains("matrix"), "excerpts are masked");
    // Kept on purpose: allowed by the rule set, so the export goes through.
    let mut rules = rules;
    rules.allow("morpheus@matrix.example");
    let out = export(&s, 0, KEY, &rules).bytes;
    let v = verify::scan_with(&out, &verify::Allow::from_rules(&rules));
    assert!(v.is_clean() && v.allowed.len() == 1, "{v:?}");
    // Planted past everything, in the bytes themselves.
    let mut planted = export(&s, 0, KEY, &RuleSet::default()).bytes;
    planted.extend_from_slice(b"{\"note\":\"auth0|5f7c8ec7c33c6c004bbafe82 from 2001:db8::7\"}\n");
    let kinds: Vec<&str> = verify::scan(&planted).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["user_id", "ipv6"]);
}
