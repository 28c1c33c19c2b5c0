//! Redaction oracle: collect every identity value from the *input* records with an
//! independent reader (serde_json `Value`, used here in the test only), redact with
//! `redact::export`, and check that none of them appears anywhere in the output
//! bytes; that the output keeps the records' structure; and that tokens are stable
//! within one key and differ across keys.
//!
//! Runs over hand-made records covering the known hard cases, and over every
//! event-bearing file of the public corpus (`../shared/corpus/public/`) when present.

use inflight::jsonscan;
use inflight::model::Envelope;
use inflight::redact::{self, Container, Kind, Redactor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

const KEY: [u8; 32] = *b"oracle-key-0123456789abcdefghij!";
const OTHER_KEY: [u8; 32] = *b"another-key-0123456789abcdefghi!";

/// Values shorter than this are not checked (the redactor only promises to chase
/// values of 6+ characters into free text; "IP" or "neo" would hit ordinary words).
const MIN_LEN: usize = 6;

/// OAuth protocol parameters in `details.qs` whose values are vocabulary, not identity.
const QS_PROTOCOL: &[&str] = &[
    "response_type",
    "response_mode",
    "scope",
    "prompt",
    "screen_hint",
    "code_challenge_method",
    "connection",
    "audience",
    "protocol",
    "ui_locales",
    "max_age",
    "display",
];

struct Input {
    name: String,
    bytes: Vec<u8>,
    container: Container,
    records: Vec<(Range<usize>, Envelope)>,
}

// ---------------------------------------------------------------------------
// Locating records: structure from serde_json, byte spans from jsonscan.

fn elements(b: &[u8], pos: usize) -> Vec<Range<usize>> {
    assert_eq!(b[pos], b'[');
    let mut out = Vec::new();
    let mut p = jsonscan::skip_ws(b, pos + 1);
    if b[p] == b']' {
        return out;
    }
    loop {
        let end = jsonscan::skip_value(b, p).expect("element");
        out.push(p..end);
        p = jsonscan::skip_ws(b, end);
        match b[p] {
            b',' => p = jsonscan::skip_ws(b, p + 1),
            b']' => return out,
            c => panic!("unexpected {c} at {p}"),
        }
    }
}

/// Position of the value of `key` in the object at `pos`.
fn member(b: &[u8], pos: usize, key: &str) -> Option<usize> {
    assert_eq!(b[pos], b'{');
    let mut p = jsonscan::skip_ws(b, pos + 1);
    while b[p] == b'"' {
        let kend = jsonscan::skip_value(b, p).ok()?;
        let k = &b[p + 1..kend - 1];
        p = jsonscan::skip_ws(b, kend);
        assert_eq!(b[p], b':');
        p = jsonscan::skip_ws(b, p + 1);
        if k == key.as_bytes() {
            return Some(p);
        }
        p = jsonscan::skip_ws(b, jsonscan::skip_value(b, p).ok()?);
        if b[p] == b',' {
            p = jsonscan::skip_ws(b, p + 1);
        }
    }
    None
}

fn envelope_of(v: &Value) -> Envelope {
    if v.get("json").is_some() {
        Envelope::Elastic
    } else if v.get("detail").is_some() {
        Envelope::EventBridge
    } else if v.get("data").is_some() && v.get("log_id").is_some() {
        Envelope::LogStream
    } else {
        Envelope::Bare
    }
}

/// Reads an input the way ingest sees it: a JSON array, `{"events":[…]}`, one
/// object, or NDJSON.
fn locate(name: &str, bytes: Vec<u8>) -> Input {
    let (container, records) = if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
        let start = jsonscan::skip_ws(&bytes, 0);
        match &v {
            Value::Array(items) => {
                let spans = elements(&bytes, start);
                assert_eq!(spans.len(), items.len(), "{name}");
                (
                    Container::json_array(),
                    spans
                        .into_iter()
                        .zip(items)
                        .map(|(s, i)| (s, envelope_of(i)))
                        .collect(),
                )
            }
            Value::Object(o) if o.get("events").is_some_and(Value::is_array) => {
                let items = o["events"].as_array().unwrap();
                let spans = elements(&bytes, member(&bytes, start, "events").unwrap());
                assert_eq!(spans.len(), items.len(), "{name}");
                (
                    Container::paged("events"),
                    spans
                        .into_iter()
                        .zip(items)
                        .map(|(s, i)| (s, envelope_of(i)))
                        .collect(),
                )
            }
            _ => {
                let end = jsonscan::skip_value(&bytes, start).unwrap();
                (Container::single(), vec![(start..end, envelope_of(&v))])
            }
        }
    } else {
        let mut recs = Vec::new();
        let mut line_start = 0;
        for line in bytes.split(|&c| c == b'\n') {
            let p = jsonscan::skip_ws(line, 0);
            if p < line.len() {
                let v: Value = serde_json::from_slice(line).expect("ndjson line");
                let end = jsonscan::skip_value(line, p).unwrap();
                recs.push((line_start + p..line_start + end, envelope_of(&v)));
            }
            line_start += line.len() + 1;
        }
        (Container::ndjson(), recs)
    };
    Input {
        name: name.to_string(),
        bytes,
        container,
        records,
    }
}

// ---------------------------------------------------------------------------
// The oracle's own idea of identity values.

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
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                strings_in(x, out);
            }
        }
        _ => {}
    }
}

/// Emails and JWTs in free text, found with deliberately simple rules.
fn text_identities(s: &str, out: &mut Vec<String>) {
    for word in s.split(|c: char| !(c.is_ascii_alphanumeric() || "._%+-@".contains(c))) {
        let w = word.trim_matches('.');
        if let Some((local, domain)) = w.split_once('@') {
            if !local.is_empty() && domain.contains('.') {
                out.push(w.to_string());
            }
        }
    }
    for (i, _) in s.match_indices("eyJ") {
        let jwt: String = s[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
            .collect();
        if jwt.matches('.').count() >= 2 {
            out.push(jwt);
        }
    }
}

fn identities(record: &Value, envelope: Envelope) -> Vec<String> {
    let mut out = Vec::new();
    let Some(ev) = at(record, envelope.prefix()) else {
        return out;
    };
    for k in [
        "ip",
        "client_ip",
        "user_name",
        "user_id",
        "identity_user_id",
        "email",
        "user_agent",
        "hostname",
        "tenant_name",
        "client_id",
    ] {
        if let Some(v) = ev.get(k) {
            push_scalars(v, &mut out);
        }
    }
    for p in [
        &["details", "session_id"][..],
        &["details", "request", "ip"],
        &["details", "request", "userAgent"],
        &["details", "request", "auth", "user"],
        &["details", "request", "auth", "subject"],
        &["details", "body", "email"],
        &["details", "to"],
    ] {
        if let Some(v) = at(ev, p) {
            push_scalars(v, &mut out);
        }
    }
    if let Some(prompts) = at(ev, &["details", "prompts"]).and_then(Value::as_array) {
        for pr in prompts {
            for k in ["user_id", "user_name", "session_id", "identity"] {
                if let Some(v) = pr.get(k) {
                    push_scalars(v, &mut out);
                }
            }
        }
    }
    if let Some(Value::Object(qs)) = at(ev, &["details", "qs"]) {
        for (k, v) in qs {
            if !QS_PROTOCOL.contains(&k.as_str()) {
                push_scalars(v, &mut out);
            }
        }
    }
    // Sentinel's flattened columns.
    if let Value::Object(o) = ev {
        for (k, v) in o {
            let k = k.trim_end_matches("_s");
            let flat = k.starts_with("details_") || k.starts_with("location_info_");
            let ident = ["_ip", "_email", "_user_id", "_userAgent", "_name", "_jti"]
                .iter()
                .any(|s| k.ends_with(s));
            if flat && ident {
                push_scalars(v, &mut out);
            }
        }
    }
    let mut texts = Vec::new();
    strings_in(record, &mut texts);
    for t in &texts {
        text_identities(t, &mut out);
    }
    out.retain(|s| {
        s.len() >= MIN_LEN && !s.chars().all(|c| c == '*') && s != "[REDACTED]" && s != "REDACTED"
    });
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------
// Checks

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Identity values of `input` that appear in `output`: in its bytes (raw or
/// JSON-escaped), or in any of its strings once decoded (`\u0040` for `@`).
fn leaks(input: &Input, output: &[u8]) -> Vec<String> {
    let mut decoded = Vec::new();
    for rec in output_values(input, output) {
        strings_in(&rec, &mut decoded);
    }
    let mut found = Vec::new();
    for (span, env) in &input.records {
        let v: Value = serde_json::from_slice(&input.bytes[span.clone()]).unwrap();
        for id in identities(&v, *env) {
            let escaped = serde_json::to_string(&id).unwrap();
            if contains(output, id.as_bytes())
                || contains(output, &escaped.as_bytes()[1..escaped.len() - 1])
                || decoded.iter().any(|s| s.contains(id.as_str()))
            {
                found.push(id);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn is_token(s: &str) -> bool {
    match s.split_once('-') {
        Some((kind, hex)) => {
            Kind::ALL.iter().any(|k| k.as_str() == kind)
                && hex.len() == 8
                && hex
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        }
        None => false,
    }
}

/// Same keys, same array lengths, strings stay strings, bools and nulls equal,
/// numbers equal unless replaced by a token.
fn same_shape(a: &Value, b: &Value, path: &str, problems: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.keys().ne(y.keys()) {
                problems.push(format!("{path}: keys differ"));
                return;
            }
            for (k, v) in x {
                same_shape(v, &y[k], &format!("{path}.{k}"), problems);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                problems.push(format!("{path}: array length {} → {}", x.len(), y.len()));
                return;
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same_shape(v, w, &format!("{path}[{i}]"), problems);
            }
        }
        (Value::String(_), Value::String(_)) => {}
        (Value::Number(x), Value::Number(y)) if x == y => {}
        (Value::Number(_), Value::String(t)) if is_token(t) => {}
        (x, y) if x == y => {}
        (x, y) => problems.push(format!("{path}: {x} → {y}")),
    }
}

/// The output's records as `Value`s, or the input's records when `out` is the
/// input itself (the oracle's self-test); whatever parses.
fn output_values(input: &Input, out: &[u8]) -> Vec<Value> {
    if out == input.bytes.as_slice() {
        return input
            .records
            .iter()
            .filter_map(|(s, _)| serde_json::from_slice(&out[s.clone()]).ok())
            .collect();
    }
    if input.container == Container::ndjson() {
        return out
            .split(|&c| c == b'\n')
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect();
    }
    if serde_json::from_slice::<Value>(out).is_ok() {
        output_records(input, out)
    } else {
        Vec::new()
    }
}

/// Records of the output, in order, as `Value`s.
fn output_records(input: &Input, out: &[u8]) -> Vec<Value> {
    if input.container == Container::ndjson() {
        return out
            .split(|&c| c == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(|l| serde_json::from_slice(l).expect("output line parses"))
            .collect();
    }
    let v: Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("{}: output parses: {e}", input.name));
    match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.contains_key("events") => match o.remove("events") {
            Some(Value::Array(a)) => a,
            _ => panic!("events"),
        },
        other => vec![other],
    }
}

/// Runs every check on one input; returns the redacted bytes.
fn check(input: &Input) -> Vec<u8> {
    let r = Redactor::new(KEY);
    let e = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &r,
    );
    let out = &e.bytes;
    let name = &input.name;

    assert_eq!(
        e.summary.records as usize,
        input.records.len(),
        "{name}: every record written"
    );
    assert_eq!(e.summary.records_skipped, 0, "{name}");

    let leaked = leaks(input, out);
    assert!(
        leaked.is_empty(),
        "{name}: identity values in the output: {leaked:#?}"
    );

    let key_hex: String = KEY.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !contains(out, &KEY) && !contains(out, key_hex.as_bytes()),
        "{name}: key in output"
    );

    let got = output_records(input, out);
    assert_eq!(got.len(), input.records.len(), "{name}");
    for (i, ((span, _), after)) in input.records.iter().zip(&got).enumerate() {
        let before: Value = serde_json::from_slice(&input.bytes[span.clone()]).unwrap();
        let mut problems = Vec::new();
        same_shape(&before, after, "", &mut problems);
        assert!(problems.is_empty(), "{name} record {i}: {problems:#?}");
    }

    // Same key, same bytes; another key, other tokens.
    let again = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &Redactor::new(KEY),
    );
    assert_eq!(&again.bytes, out, "{name}: deterministic");
    if e.summary.total_replacements() > 0 {
        let other = redact::export(
            &input.bytes,
            &input.container,
            input.records.iter().cloned(),
            &Redactor::new(OTHER_KEY),
        );
        assert_ne!(&other.bytes, out, "{name}: key changes tokens");
    }
    e.bytes
}

// ---------------------------------------------------------------------------
// Hand-made records: the cases from the reference, one per line (NDJSON).

const JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhdXRoMHw2MTgyMjNhNCJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

fn synthetic() -> String {
    [
        // Bare event with the seed's shape and PII in every usual place.
        r#"{"date":"2024-01-15T10:30:00.000Z","type":"f","description":"resource_exhausted","ip":"190.257.209.19","user_agent":"Chrome 120.0.0 / Mac OS X 10.15.7","hostname":"acme-prod.eu.auth0.com","user_id":"auth0|5f7c8ec7c33c6c004bbafe82","user_name":"trinity@acme.example","client_id":"CLIENTabc123def456","client_name":"Acme Web","connection":"Username-Password-Authentication","audience":"https://acme-prod.eu.auth0.com/api/v2/","scope":["openid","profile"],"isMobile":false,"log_id":"90020240115103000000000000000000000000000000000000000001","_id":"90020240115103000000000000000000000000000000000000000001","details":{"actions":{"executions":["c5b35bb1-c67d-40bb-9b0d-700b6fe33dd9"]},"stats":{"total_request_duration_ms":19900,"boot_duration_ms":2},"elapsedTime":19950,"initiatedAt":1705314599000,"completedAt":1705314619000,"error":{"message":"resource_exhausted","oauthError":"access_denied","type":"oauth-authorization"},"qs":{"client_id":"CLIENTabc123def456","state":"Vz6G2zZf95/FCOQALrpvd4bS6jx5xvRos2pVldFAiw4=","nonce":"n-0S6_WzA2Mj","login_hint":"trinity@acme.example","scope":"openid profile","response_type":"code"},"session_id":"m5SgtzMKxmeNBxj_kCfUUJhzrSdfvLFu","riskAssessment":{"confidence":"low","version":"1","assessments":{"UntrustedIP":{"confidence":"low","details":{"ip":"203.0.113.77","matches":"ip_address","source":"firehol"}},"NewDevice":{"confidence":"high","details":{"device":"unknown","useragent":"Mozilla/5.0 (Macintosh) Firefox/125.0"}}}}}}"#,
        // Logout with a JWT inside a URL, escaped email, masked values, numeric user id.
        r#"{"date":"2024-01-15T10:31:00.000Z","type":"slo","description":"To: neo\u0040matrix.example","ip":"2001:db8:85a3::8a2e:370:7334","user_id":987654321,"user_name":"+14155554321","log_id":"90020240115103100000000000000000000000000000000000000002","details":{"return_to":"https://app.example.com/logout?id_token_hint=JWT&state=x","body":{"password":"*****","ticket":"[REDACTED]","email":"morpheus@matrix.example"},"code":"******************************************VM-"}}"#,
        // Log-stream wrapper, prompts with user ids, location info with numbers, client_id as an array.
        r#"{"log_id":"90020240115103200000000000000000000000000000000000000003","data":{"date":"2024-01-15T10:32:00.000Z","type":"s","client_id":["APPone111111","APPtwo222222"],"ip":"81.2.69.143","location_info":{"latitude":35.6762,"longitude":139.6503,"city_name":"Tokyo"},"details":{"prompts":[{"name":"login","user_id":"google-oauth2|112233445566","user_name":"dev@test.example","session_id":"SESSprompt0001","identity":"618223a4e3f49e006948565c","elapsedTime":10076,"initiatedAt":1635984900427}],"request":{"method":"PATCH","path":"/api/v2/users/google-oauth2|112233445566","auth":{"user":{"email":"admin@acme.example","name":"Ada Admin","user_id":"github|32487232"}},"ip":"35.167.74.121","userAgent":"Go-http-client/2.0"},"response":{"statusCode":200,"body":{"client_secret":"*****","name":"acme-tenant-name"}}},"tenant_name":"acme-tenant-name","log_id":"90020240115103200000000000000000000000000000000000000003"}}"#,
        // Sentinel flattened columns.
        r#"{"date":"2024-01-15T10:33:00.000Z","type":"sapi","ip":"198.51.100.23","details_request_ip":"198.51.100.24","details_request_method":"POST","details_request_auth_user_email":"ops@acme.example","details_request_auth_user_user_id":"auth0|opsuser0001","details_request_userAgent":"curl/8.1.2-special","isMobile_b":"false","details_response_statusCode":201,"log_id":"LOG_ID"}"#,
        // Free-text detectors in unknown fields.
        r#"{"date":"2024-01-15T10:34:00.000Z","type":"fn","description":"User (john.smith@corp.example) from 192.0.2.55 attempted 10 consecutive logins","details":{"email_type":"verify_email","to":"john.smith@corp.example","headers":{"authorization":"Bearer abcDEF123456opaque"},"error":"mail failed for auth0|deadbeef0001 Bearer zzTopSecretValue99"}}"#,
    ]
    .join("\n")
    .replace("JWT", JWT)
        + "\n"
}

#[test]
fn synthetic_records_leak_nothing_and_keep_their_shape() {
    let input = locate("synthetic", synthetic().into_bytes());
    assert_eq!(input.records.len(), 5);
    let out = check(&input);
    let text = String::from_utf8(out).unwrap();
    // Specific promises from the brief.
    assert!(
        text.contains("https://app.example.com/logout?id_token_hint=token-"),
        "{text}"
    );
    assert!(!text.contains("190.257.209.19"));
    assert!(text.contains(&format!(
        "\"ip\":\"{}\"",
        Redactor::new(KEY).token(Kind::Ip, "190.257.209.19")
    )));
    assert!(text.contains(r#""password":"*****""#) && text.contains(r#""ticket":"[REDACTED]""#));
    assert!(
        text.contains("resource_exhausted")
            && text.contains("c5b35bb1-c67d-40bb-9b0d-700b6fe33dd9")
    );
    assert!(text.contains(r#""method":"PATCH""#) && text.contains(r#""statusCode":200"#));
    assert!(text.contains(r#""confidence":"low","version":"1""#));
    // One user, one token: the email in `user_name`, `qs.login_hint` and text agree.
    let t = Redactor::new(KEY).token(Kind::Email, "trinity@acme.example");
    assert_eq!(text.matches(&t).count(), 2, "{text}");
    let t = Redactor::new(KEY).token(Kind::Email, "neo@matrix.example");
    assert!(text.contains(&format!("To: {t}")), "{text}");
}

#[test]
fn oracle_catches_an_unredacted_export() {
    // The oracle must be able to fail: the input itself, and an output with one
    // value put back, are both reported.
    let input = locate("synthetic", synthetic().into_bytes());
    let found = leaks(&input, &input.bytes);
    for v in [
        "190.257.209.19",
        "trinity@acme.example",
        "neo@matrix.example",
        JWT,
        "m5SgtzMKxmeNBxj_kCfUUJhzrSdfvLFu",
        "CLIENTabc123def456",
        "SESSprompt0001",
        "ops@acme.example",
        "198.51.100.24",
    ] {
        assert!(
            found.iter().any(|f| f == v),
            "oracle misses {v}: {found:#?}"
        );
    }
    let e = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &Redactor::new(KEY),
    );
    let mut broken = e.bytes.clone();
    broken.extend_from_slice(b"acme-prod.eu.auth0.com");
    assert_eq!(
        leaks(&input, &broken),
        vec!["acme-prod.eu.auth0.com".to_string()]
    );
    let mut problems = Vec::new();
    same_shape(
        &serde_json::json!({"a": 1, "b": true}),
        &serde_json::json!({"a": 2, "b": true}),
        "",
        &mut problems,
    );
    same_shape(
        &serde_json::json!({"b": true}),
        &serde_json::json!({"b": "user-0123abcd"}),
        "",
        &mut problems,
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn tokens_are_stable_across_records_and_differ_across_keys() {
    let input = locate("synthetic", synthetic().into_bytes());
    let a = Redactor::new(KEY);
    let b = Redactor::new(OTHER_KEY);
    let out_a = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &a,
    )
    .bytes;
    let out_b = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &b,
    )
    .bytes;
    let ta = a.token(Kind::User, "github|32487232");
    let tb = b.token(Kind::User, "github|32487232");
    assert_ne!(ta, tb);
    assert!(contains(&out_a, ta.as_bytes()) && !contains(&out_a, tb.as_bytes()));
    assert!(contains(&out_b, tb.as_bytes()) && !contains(&out_b, ta.as_bytes()));
}

// ---------------------------------------------------------------------------
// Public corpus

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public")
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("elastic-integrations")) {
        for e in rd.flatten() {
            let p = e.path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("json" | "log")) {
                files.push(p);
            }
        }
    }
    for rel in [
        "azure-sentinel/Auth0AM_CL.json",
        "aws-eventbridge-sample/events/event.json",
    ] {
        let p = dir.join(rel);
        if p.exists() {
            files.push(p);
        }
    }
    files.sort();
    files
}

#[test]
fn public_corpus_leaks_nothing_and_keeps_its_shape() {
    let files = corpus_files();
    if files.is_empty() {
        println!("corpus absent, skipped ({})", corpus_dir().display());
        return;
    }
    let mut per_rule: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut records = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let input = locate(&name, bytes);
        let e = redact::export(
            &input.bytes,
            &input.container,
            input.records.iter().cloned(),
            &Redactor::new(KEY),
        );
        check(&input);
        records += e.summary.records;
        for (k, v) in &e.summary.replacements {
            *per_rule.entry(k).or_insert(0) += v;
        }
        println!(
            "{name}: {} records, {} replacements, {} already masked",
            e.summary.records,
            e.summary.total_replacements(),
            e.summary.already_masked
        );
    }
    println!(
        "corpus: {} files, {records} records, per rule {per_rule:?}",
        files.len()
    );
    assert!(
        records >= 60,
        "expected the 69 corpus records, got {records}"
    );
}

/// `cargo test --test redact_oracle -- --ignored --nocapture show` prints the
/// redacted corpus for a human to review.
#[test]
#[ignore]
fn show_redacted_corpus() {
    for f in corpus_files() {
        let input = locate(&f.to_string_lossy(), std::fs::read(&f).unwrap());
        let e = redact::export(
            &input.bytes,
            &input.container,
            input.records.iter().cloned(),
            &Redactor::new(KEY),
        );
        println!("==== {}\n{}", input.name, String::from_utf8_lossy(&e.bytes));
    }
}

mod no_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any text in any field: no panic, the record still parses, structure kept.
        #[test]
        fn any_string_values(a in ".{0,60}", b in "[ -~]{0,60}", c in "[0-9.:@|+eyJ a-f%-]{0,40}") {
            let v = serde_json::json!({"ip": a, "description": b, "details": {"qs": {"x": c}, "return_to": a, "error": {"message": c}}, "n": 5});
            let rec = serde_json::to_vec(&v).unwrap();
            let mut out = Vec::new();
            let mut s = redact::Summary::default();
            redact::redact_record(&rec, &[], &Redactor::new(KEY), &mut s, &mut out).unwrap();
            let after: Value = serde_json::from_slice(&out).unwrap();
            let mut problems = Vec::new();
            same_shape(&v, &after, "", &mut problems);
            prop_assert!(problems.is_empty(), "{:?}", problems);
        }

        /// Arbitrary bytes: an error or a record, never a panic.
        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut out = Vec::new();
            let mut s = redact::Summary::default();
            let _ = redact::redact_record(&bytes, &["data"], &Redactor::new(KEY), &mut s, &mut out);
            let _ = redact::export(&bytes, &Container::json_array(), std::iter::once((0..bytes.len(), Envelope::LogStream)), &Redactor::new(KEY));
        }
    }
}

/// Throughput on a synthetic corpus (run with `--release --ignored --nocapture throughput`).
#[test]
#[ignore]
fn throughput() {
    let one = synthetic();
    let text = one.repeat(4000);
    let input = locate("bulk", text.into_bytes());
    let t = std::time::Instant::now();
    let e = redact::export(
        &input.bytes,
        &input.container,
        input.records.iter().cloned(),
        &Redactor::new(KEY),
    );
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} MB, {} records in {secs:.3}s: {:.0} MB/s",
        input.bytes.len() / 1_000_000,
        e.summary.records,
        input.bytes.len() as f64 / 1e6 / secs
    );
}
