//! The rule set in use: switching default rules off, user path rules and patterns,
//! the allow-list, request paths, embedded (Splunk `_raw`) events, CSV rows, the
//! preview, and the saved fragment.

use inflight::model::Envelope;
use inflight::redact::{self, Container, Kind, Redactor, Summary};
use inflight::rules::{RuleSet, DEFAULT_RULES};
use serde_json::Value;

const KEY: [u8; 32] = [9; 32];

fn red() -> Redactor {
    Redactor::new(KEY)
}

fn run(record: &str, rules: &RuleSet) -> (Value, Summary) {
    let mut out = Vec::new();
    let mut s = Summary::default();
    redact::redact_record_with(record.as_bytes(), &[], &red(), rules, &mut s, &mut out).expect("redacts");
    (serde_json::from_slice(&out).expect("still JSON"), s)
}

const EVENT: &str = r#"{"type":"s","date":"2024-01-15T10:30:00.000Z","ip":"81.2.69.143","user_name":"neo@test.example","description":"Welcome back neo@test.example","client_name":"Acme Web","details":{"body":{"company":"Acme Corp","note":"cus_12345","count":3},"custom":{"email":"trinity@test.example","plan":"gold"},"stats":{"total_request_duration_ms":812}}}"#;

#[test]
fn defaults_switch_off_one_by_one() {
    let (v, s) = run(EVENT, &RuleSet::default());
    assert!(v["ip"].as_str().unwrap().starts_with("ip-"));
    assert_eq!(s.count("path:ip"), 1);
    let (v, s) = run(EVENT, &RuleSet::new().disable("path:ip"));
    // The ip detector still catches it: a path rule off is not a leak by itself.
    assert!(v["ip"].as_str().unwrap().starts_with("ip-"));
    assert_eq!((s.count("path:ip"), s.count("detector:ip")), (0, 1));
    let (v, _) = run(EVENT, &RuleSet::new().disable("path:ip").disable("detector:ip"));
    assert_eq!(v["ip"], "81.2.69.143");
    let (v, s) = run(EVENT, &RuleSet::new().disable("detector:email"));
    // The email in the description is still the `user_name` value, found again.
    assert_eq!(v["description"], format!("Welcome back {}", red().token(Kind::Email, "neo@test.example")));
    assert_eq!(s.count("detector:known_value"), 1);
    assert_eq!(v["details"]["custom"]["email"], "trinity@test.example");
    // Timings and vocabulary survive either way.
    assert_eq!(v["details"]["stats"]["total_request_duration_ms"], 812);
    assert_eq!(v["client_name"], "Acme Web");
}

#[test]
fn user_path_rules_patterns_and_the_allow_list() {
    let mut rules = RuleSet::new();
    rules.add_path("details.*.plan").unwrap();
    rules.add_pattern("Acme").unwrap();
    rules.add_pattern("cus_*").unwrap();
    let (v, s) = run(EVENT, &rules);
    assert!(v["details"]["custom"]["plan"].as_str().unwrap().starts_with("text-"));
    assert_eq!(s.count("path:details.*.plan"), 1);
    // Literal: each occurrence, inside kept strings.
    let acme = red().token(Kind::Text, "Acme");
    assert_eq!(v["client_name"], format!("{acme} Web"));
    assert_eq!(s.count("pattern:Acme"), 1, "details.body is already replaced whole: {s:?}");
    // Numbers and booleans under a user path rule: numbers are replaced too.
    let mut r2 = RuleSet::new();
    r2.add_path("details.stats.**").unwrap();
    let (v, _) = run(EVENT, &r2);
    assert!(v["details"]["stats"]["total_request_duration_ms"].as_str().unwrap().starts_with("text-"));
    // Allow-list: exact values are kept by every rule and detector.
    let mut r3 = RuleSet::new();
    r3.allow("neo@test.example");
    r3.allow("81.2.69.143");
    let (v, s) = run(EVENT, &r3);
    assert_eq!(v["ip"], "81.2.69.143");
    assert_eq!(v["user_name"], "neo@test.example");
    assert_eq!(v["description"], "Welcome back neo@test.example");
    assert!(v["details"]["custom"]["email"].as_str().unwrap().starts_with("email-"));
    assert_eq!(s.count("path:user_name"), 0);
    // Glob on whole values.
    let (v, _) = run(r#"{"details":{"x":"cus_12345","y":"a cus_1"}}"#, &rules);
    assert!(v["details"]["x"].as_str().unwrap().starts_with("text-"));
    assert_eq!(v["details"]["y"], "a cus_1");
}

#[test]
fn request_paths_keep_the_route() {
    let rec = r#"{"type":"sapi","details":{"request":{"method":"PATCH","path":"/api/v2/users/google-oauth2%7C1122334455/roles","query":{}}}}"#;
    let (v, s) = run(rec, &RuleSet::default());
    let t = red().token(Kind::User, "google-oauth2|1122334455");
    assert_eq!(v["details"]["request"]["path"], format!("/api/v2/users/{t}/roles"));
    assert_eq!(v["details"]["request"]["method"], "PATCH");
    assert_eq!(s.count("path:details.request.path"), 1);
    let (v, _) = run(r#"{"details":{"request":{"path":"/api/v2/clients/aI61p8I8aFjmYRliLW"}}}"#, &RuleSet::default());
    assert_eq!(v["details"]["request"]["path"], format!("/api/v2/clients/{}", red().token(Kind::Id, "aI61p8I8aFjmYRliLW")));
    let (v, _) = run(r#"{"details_request_path_s":"/api/v2/users/auth0|abc123"}"#, &RuleSet::default());
    assert!(v["details_request_path_s"].as_str().unwrap().starts_with("/api/v2/users/user-"));
}

#[test]
fn an_event_embedded_as_a_string_is_redacted_as_json() {
    let inner = r#"{"type":"f","ip":"192.0.2.10","user_agent":"Chrome 120.0.0 / Mac OS X","description":"To: neo@test.example","details":{"stats":{"total_request_duration_ms":812}}}"#;
    let rec = serde_json::json!({"preview": false, "result": {"_raw": inner, "host": "splunk-1"}});
    let text = serde_json::to_string(&rec).unwrap();
    let mut out = Vec::new();
    let mut s = Summary::default();
    redact::redact_record_with(text.as_bytes(), Envelope::SplunkRaw.prefix(), &red(), &RuleSet::default(), &mut s, &mut out).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let raw: Value = serde_json::from_str(v["result"]["_raw"].as_str().unwrap()).expect("still an event inside");
    assert_eq!(raw["ip"], red().token(Kind::Ip, "192.0.2.10"));
    assert!(raw["user_agent"].as_str().unwrap().starts_with("ua-"));
    assert_eq!(raw["description"], format!("To: {}", red().token(Kind::Email, "neo@test.example")));
    assert_eq!(raw["details"]["stats"]["total_request_duration_ms"], 812);
    assert_eq!(v["result"]["host"], "splunk-1");
    assert_eq!(s.records, 1);
    // A string that is not an event after all is replaced whole.
    let mut out = Vec::new();
    redact::redact_record_with(br#"{"result":{"_raw":"user neo logged in"}}"#, Envelope::SplunkRaw.prefix(), &red(), &RuleSet::default(), &mut s, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("\"_raw\":\"text-"));
}

#[test]
fn csv_rows_are_redacted_by_column_and_quoted_back() {
    let header = "log_id,date,type,user_name,ip,details\n";
    let rows = [
        r#"1,2024-03-05T09:00:01.120Z,s,alice@example.com,192.0.2.10,"{""session_id"":""fixtureSession01"",""stats"":{""total_request_duration_ms"":812}}""#,
        "2,2024-03-05T09:00:02.000Z,f,,,",
    ];
    let input = format!("{header}{}\n{}\n", rows[0], rows[1]);
    let b = input.as_bytes();
    let first = header.len()..header.len() + rows[0].len();
    let second = first.end + 1..first.end + 1 + rows[1].len();
    let container = Container { prefix: header.as_bytes().to_vec(), separator: b"\n".to_vec(), suffix: b"\n".to_vec() };
    let e = redact::export(b, &container, [(first, Envelope::CsvRow), (second, Envelope::CsvRow)].into_iter(), &red());
    let text = String::from_utf8(e.bytes).unwrap();
    assert_eq!(e.summary.records, 2, "{text}");
    assert!(!text.contains("alice@example.com") && !text.contains("192.0.2.10") && !text.contains("fixtureSession01"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], header.trim_end());
    assert!(lines[1].starts_with("1,2024-03-05T09:00:01.120Z,s,email-"), "{text}");
    assert!(lines[1].contains(r#"""total_request_duration_ms"":812"#), "{text}");
    assert_eq!(lines[2], rows[1], "an untouched row is copied through");
    // The redacted CSV reads back with the same events.
    let s = inflight::session::Session::load(vec![("x.csv".into(), text.clone().into_bytes())], None);
    assert_eq!(s.ingest.events.len(), 2, "{text}");
}

#[test]
fn trailing_commas_are_dropped_not_the_record() {
    let input = br#"[{"type":"s","ip":"10.1.2.3",},{"type":"f"}]"#;
    let spans = [(1..30usize, Envelope::Bare), (31..43, Envelope::Bare)];
    assert_eq!(&input[spans[0].0.clone()], br#"{"type":"s","ip":"10.1.2.3",}"#);
    let e = redact::export(input, &Container::json_array(), spans.into_iter(), &red());
    assert_eq!(e.summary.records, 2);
    let v: Value = serde_json::from_slice(&e.bytes).unwrap();
    assert!(v[0]["ip"].as_str().unwrap().starts_with("ip-"));
}

#[test]
fn preview_marks_every_change() {
    let p = redact::preview(EVENT.as_bytes(), Envelope::Bare, None, &red(), &RuleSet::default()).unwrap();
    let v: Value = serde_json::from_str(&p.redacted).unwrap();
    assert!(v["ip"].as_str().unwrap().starts_with("ip-"));
    assert!(!p.changes.is_empty());
    for c in &p.changes {
        assert!(p.redacted[c.after.clone()].starts_with('"'), "{c:?}");
        assert!(EVENT[c.before.clone()].starts_with('"') && !c.rules.is_empty(), "{c:?}");
    }
    let ip = p.changes.iter().find(|c| &EVENT[c.before.clone()] == "\"81.2.69.143\"").expect("the ip");
    assert_eq!(ip.rules, ["path:ip"]);
    let d = p.changes.iter().find(|c| EVENT[c.before.clone()].starts_with("\"Welcome")).expect("the description");
    assert_eq!(d.rules, ["detector:email"]);
    // Same key, same tokens as the export.
    let mut out = Vec::new();
    redact::redact_record(EVENT.as_bytes(), &[], &red(), &mut Summary::default(), &mut out).unwrap();
    assert_eq!(p.redacted.as_bytes(), out.as_slice());
    assert!(redact::preview(b"{oops", Envelope::Bare, None, &red(), &RuleSet::default()).is_err());
}

#[test]
fn every_rule_name_the_redactor_counts_is_a_documented_default() {
    let records = [
        EVENT,
        r#"{"client_ip":"1.2.3.4","user_id":"auth0|x12345","identity_user_id":"123456789","email":"a@b.co","user_agent":"UA 1","hostname":"h.auth0.com","tenant_name":"t1","tenant":"t2","client_id":"c1234567","session_connection":"s1","tracking_id":"tr1","organization_name":"Org","location_info":{"city":"X"},"security_context":{"ja3":"771"},"body":{"a":"b"},"query":{"a":"b"},"\u0069p":"5.6.7.8"}"#,
        r#"{"details":{"session_id":"s1","refresh_token":{"id":"r1"},"access_token_jti":"j1","qs":{"state":"s"},"query":{"q":"x"},"request":{"ip":"1.2.3.4","path":"/api/v2/users/a1"},"response":{"body":{"x":"y"}},"prompts":[{"user_id":"u1"}],"riskAssessment":{"a":"b"},"error":{"payload":{"a":"b"}},"email":"e@x.io","to":"t@x.io","phone_number":"+14155550000","device_id":"d1","code":"c0de","authenticator":{"a":"b"},"enrollment":{"a":"b"},"invitation":{"a":"b"},"headers":{"a":"b"},"session_metadata":{"a":"b"},"actor":{"sub":"x"}}}"#,
        r#"{"client_id":"c1234567","description":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl Bearer abcdef123456 github|1234567 +1 415 555 4321 10.0.0.1","details":{"return_to":"https://a.example/cb?code=abc123&state=xyz789&u=https://user:pw@h.example/","api_token":"abcdefghijabcdefghijabcdefghij0123456789","mobile_phone":"415 555 4321","note":"c1234567 again"}}"#,
    ];
    let mut total = Summary::default();
    for r in records {
        let (_, s) = run(r, &RuleSet::default());
        total.merge(&s);
    }
    let mut out = Vec::new();
    redact::redact_record(br#"{"log_id":"1","data":{},"account":"123","source":"aws.partner/auth0.com/x","resources":["arn:1"]}"#, &["data"], &red(), &mut total, &mut out).unwrap();
    for name in total.replacements.keys() {
        assert!(DEFAULT_RULES.iter().any(|r| r.name == *name), "{name} is not in rules::DEFAULT_RULES");
    }
    let missing: Vec<&str> = DEFAULT_RULES.iter().map(|r| r.name).filter(|n| total.count(n) == 0).collect();
    assert!(missing.is_empty(), "rules that never fired in this test: {missing:?}");
}

#[test]
fn the_readme_documents_every_default_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Redaction").nth(1).expect("a Redaction section").split("\n## ").next().unwrap();
    for r in DEFAULT_RULES {
        assert!(section.contains(&format!("`{}`", r.name)), "README's Redaction section lacks `{}`", r.name);
    }
}

#[test]
fn the_fragment_restores_the_same_redaction() {
    let mut rules = RuleSet::new().disable("detector:email");
    rules.add_path("details.*.plan").unwrap();
    rules.add_pattern("Acme").unwrap();
    rules.allow("81.2.69.143");
    let back = RuleSet::from_fragment(&rules.to_fragment()).unwrap();
    assert_eq!(run(EVENT, &back).0, run(EVENT, &rules).0);
    // The fragment holds no value from the data except what was typed.
    let f = rules.to_fragment();
    for v in ["neo", "trinity", "gold", "812"] {
        assert!(!f.contains(v), "{f}");
    }
}
