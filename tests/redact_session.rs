//! The rule set through `Session`, as the page's redaction panel and the CLI use it:
//! counts per rule follow the rules (a rule switched off counts nothing, a user path
//! rule counts what it replaced), counting in steps equals counting at once, the
//! export gate (`session::gate`) blocks what a switched-off rule lets through and
//! accepts a value kept on the allow-list, the preview locates every change, and the
//! export's MIME type follows the input's shape.

use inflight::redact::Redactor;
use inflight::rules::{RuleSet, DEFAULT_RULES};
use inflight::session::{self, CountJob, Session};

const KEY: [u8; 32] = [7; 32];

fn red() -> Redactor {
    Redactor::new(KEY)
}

fn load(name: &str, text: &str) -> Session {
    Session::load(vec![(name.to_string(), text.as_bytes().to_vec())], None)
}

const TWO: &str = concat!(
    r#"{"log_id":"1","type":"f","date":"2024-01-15T10:30:01.000Z","ip":"81.2.69.143","user_name":"trinity@acme.example","description":"Wrong password","details":{"custom":{"plan":"gold-7731","contact":"morpheus@matrix.example"}}}"#,
    "\n",
    r#"{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z","ip":"81.2.69.144","user_name":"neo@acme.example","details":{"custom":{"plan":"silver-12"}}}"#,
    "\n",
);

#[test]
fn counts_follow_the_rules() {
    let s = load("two.ndjson", TWO);
    let all = s.redaction_summary(&red(), &RuleSet::default()).unwrap();
    assert_eq!(all.records, 2);
    assert_eq!(all.count("path:ip"), 2);
    assert_eq!(all.count("path:user_name"), 2);
    assert_eq!(all.count("detector:email"), 1, "the contact email: {all:?}");

    // path:ip off: the ip detector takes over, the path rule counts nothing.
    let off = s.redaction_summary(&red(), &RuleSet::new().disable("path:ip")).unwrap();
    assert_eq!((off.count("path:ip"), off.count("detector:ip")), (0, 2));
    // Both off: nobody replaces them.
    let off = s.redaction_summary(&red(), &RuleSet::new().disable("path:ip").disable("detector:ip")).unwrap();
    assert_eq!((off.count("path:ip"), off.count("detector:ip")), (0, 0));
    assert_eq!(off.total_replacements(), all.total_replacements() - 2);

    // A user path rule: its own count, and the value is replaced in the export.
    let mut rules = RuleSet::new();
    rules.add_path("details.custom.plan").unwrap();
    let with = s.redaction_summary(&red(), &rules).unwrap();
    assert_eq!(with.count("path:details.custom.plan"), 2);
    assert_eq!(with.total_replacements(), all.total_replacements() + 2);
    let out = String::from_utf8(s.export_redacted(0, &red(), &rules).unwrap().bytes).unwrap();
    assert!(!out.contains("gold-7731") && !out.contains("silver-12"), "{out}");
    let plain = String::from_utf8(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().bytes).unwrap();
    assert!(plain.contains("gold-7731"), "the default rules keep it: {plain}");
}

#[test]
fn counting_in_steps_equals_counting_at_once() {
    let text = inflight::sample::sample_incident_ndjson();
    let s = load("sample.ndjson", &text);
    let mut rules = RuleSet::new().disable("detector:email");
    rules.add_path("details.prompts.*.name").unwrap();
    let whole = s.redaction_summary(&red(), &rules).unwrap();
    // The same as the export's own summary.
    assert_eq!(whole, s.redact_source(0, &red(), &rules).unwrap().summary);
    for step in [1, 7, 500] {
        let mut job = CountJob::new(&s);
        let mut steps = 0;
        while !job.step(&s, &red(), &rules, step) {
            steps += 1;
            let (done, all) = job.progress();
            assert!(done < all);
        }
        assert_eq!(job.summary, whole, "step {step}");
        assert_eq!(steps, s.ingest.events.len().div_ceil(step) - 1);
    }
    assert!(whole.count("path:details.prompts.*.name") > 1000, "{whole:?}");
    assert_eq!(whole.count("detector:email"), 0);
}

#[test]
fn several_inputs_count_together() {
    let s = Session::load(
        vec![("a.ndjson".into(), TWO.as_bytes().to_vec()), ("b.json".into(), format!("[{}]", TWO.lines().next().unwrap().replace("\"1\"", "\"9\"")).into_bytes())],
        None,
    );
    let sum = s.redaction_summary(&red(), &RuleSet::default()).unwrap();
    assert_eq!(sum.records, 3);
    assert_eq!(sum.count("path:ip"), 3);
    let mut job = CountJob::new(&s);
    while !job.step(&s, &red(), &RuleSet::default(), 2) {}
    assert_eq!(job.summary, sum);
}

#[test]
fn the_gate_blocks_what_a_switched_off_rule_lets_through_until_kept() {
    let s = load("two.ndjson", TWO);
    // Defaults: clean.
    let d = s.export_redacted(0, &red(), &RuleSet::default()).unwrap();
    let (verdict, blocked) = session::gate(&d.bytes, &RuleSet::default());
    assert!(verdict.is_clean() && blocked.is_empty(), "{blocked:?}");

    // The email detector off: the contact email (under a key no path rule covers) gets through.
    let rules = RuleSet::new().disable("detector:email");
    let d = s.export_redacted(0, &red(), &rules).unwrap();
    let (verdict, blocked) = session::gate(&d.bytes, &rules);
    assert!(!verdict.is_clean());
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    let b = &blocked[0];
    assert_eq!((b.kind, b.value.as_str(), b.count, b.line), ("email", "morpheus@matrix.example", 1, 1));
    assert_eq!(b.excerpt, "mo… (23 chars)");
    assert_eq!(b.path.as_deref(), Some("details.custom.contact"));
    assert_eq!(b.rule, "detector:email");
    assert!(b.hint.contains("`detector:email` is switched off"), "{}", b.hint);

    // Kept on purpose: the redactor leaves it and the verifier accepts it.
    let mut kept = rules.clone();
    kept.allow("morpheus@matrix.example");
    let d = s.export_redacted(0, &red(), &kept).unwrap();
    assert!(String::from_utf8_lossy(&d.bytes).contains("morpheus@matrix.example"));
    let (verdict, blocked) = session::gate(&d.bytes, &kept);
    assert!(verdict.is_clean() && blocked.is_empty());
    assert_eq!(verdict.allowed.len(), 1);

    // Or fixed with a path rule at the path the gate names (detector still off).
    let mut fixed = rules.clone();
    fixed.add_path("details.custom.contact").unwrap();
    let d = s.export_redacted(0, &red(), &fixed).unwrap();
    assert!(session::gate(&d.bytes, &fixed).0.is_clean());

    // With every rule on but the value planted where no rule looks, the hint names the path.
    let planted = TWO.replace("Wrong password", "Wrong password").replace("\"plan\":\"gold-7731\"", "\"plan\":\"call +44 20 7946 0958\"");
    let s2 = load("p.ndjson", &planted);
    let rules = RuleSet::new().disable("detector:phone");
    let d = s2.export_redacted(0, &red(), &rules).unwrap();
    let (_, blocked) = session::gate(&d.bytes, &rules);
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(blocked[0].kind, "phone");
    assert_eq!(blocked[0].path, None, "the phone is part of a longer string");
}

#[test]
fn the_gate_groups_repeated_values() {
    let text = (0..5)
        .map(|i| format!(r#"{{"log_id":"{i}","type":"s","date":"2024-01-15T10:30:0{i}.000Z","details":{{"prompts":[{{"who":"neo@acme.example"}}]}}}}"#))
        .collect::<Vec<_>>()
        .join("\n");
    let s = load("five.ndjson", &text);
    let rules = RuleSet::new().disable("detector:email");
    let d = s.export_redacted(0, &red(), &rules).unwrap();
    let (verdict, blocked) = session::gate(&d.bytes, &rules);
    assert_eq!(verdict.blocked.len(), 5);
    assert_eq!(blocked.len(), 1);
    assert_eq!((blocked[0].count, blocked[0].line), (5, 1));
    assert_eq!(blocked[0].path.as_deref(), Some("details.prompts.*.who"));
    assert!(blocked[0].hint.contains("switched off"));
    // With the detector on there is nothing to block; the path hint shows when the rule is on.
    let on = RuleSet::new();
    let fake = d.bytes.clone();
    let (_, blocked) = session::gate(&fake, &on);
    assert!(blocked[0].hint.contains("add the path rule `details.prompts.*.who`"), "{}", blocked[0].hint);
}

#[test]
fn preview_locates_every_change_in_both_texts() {
    let s = load("two.ndjson", TWO);
    let mut rules = RuleSet::new();
    rules.add_path("details.custom.plan").unwrap();
    let e = s.ingest.events.iter().position(|e| e.log_id.as_deref() == Some("1")).unwrap();
    let p = s.preview_event(e, &red(), &rules).unwrap();
    assert!(p.before.contains("\n  \"ip\": \"81.2.69.143\","), "{}", p.before);
    let before: Vec<&str> = p.changes.iter().map(|c| &p.before[c.before.clone()]).collect();
    let after: Vec<&str> = p.changes.iter().map(|c| &p.after[c.after.clone()]).collect();
    assert!(before.contains(&"\"81.2.69.143\"") || before.contains(&"81.2.69.143"), "{before:?}");
    assert!(before.iter().any(|b| b.contains("gold-7731")), "{before:?}");
    assert!(before.iter().any(|b| b.contains("morpheus@matrix.example")), "{before:?}");
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(b, a);
        assert!(a.contains("ip-") || a.contains("email-") || a.contains("text-") || a.contains("user-"), "{a}");
    }
    let rules_fired: Vec<&str> = p.changes.iter().flat_map(|c| c.rules.iter().map(String::as_str)).collect();
    assert!(rules_fired.contains(&"path:details.custom.plan"), "{rules_fired:?}");
    assert!(rules_fired.contains(&"path:ip"), "{rules_fired:?}");
    // Outside the changes, both texts are the same.
    let strip = |t: &str, rs: Vec<std::ops::Range<usize>>| {
        let mut out = String::new();
        let mut at = 0;
        for r in rs {
            out.push_str(&t[at..r.start]);
            out.push('#');
            at = r.end;
        }
        out.push_str(&t[at..]);
        out
    };
    assert_eq!(
        strip(&p.before, p.changes.iter().map(|c| c.before.clone()).collect()),
        strip(&p.after, p.changes.iter().map(|c| c.after.clone()).collect())
    );
    // The pretty text is the record's JSON.
    let v: serde_json::Value = serde_json::from_str(&p.before).unwrap();
    assert_eq!(v["details"]["custom"]["plan"], "gold-7731");
    let v: serde_json::Value = serde_json::from_str(&p.after).unwrap();
    assert!(v["details"]["custom"]["plan"].as_str().unwrap().starts_with("text-"));
    // The allow-list keeps a value out of the changes.
    let mut kept = rules.clone();
    kept.allow("81.2.69.143");
    let p2 = s.preview_event(e, &red(), &kept).unwrap();
    assert_eq!(p2.changes.len(), p.changes.len() - 1);
    assert!(s.preview_event(99, &red(), &rules).is_err());
}

#[test]
fn preview_of_non_ascii_and_empty_containers() {
    let text = r#"{"log_id":"1","type":"s","date":"2024-01-15T10:30:01.000Z","description":"Grüße an José","user_name":"josé@exämple.com","details":{"a":{},"b":[ ],"c":[1,2]}}"#;
    let s = load("u.ndjson", text);
    let p = s.preview_event(0, &red(), &RuleSet::default()).unwrap();
    assert!(p.before.contains("\"a\": {},") && p.before.contains("\"b\": [],"), "{}", p.before);
    assert!(p.before.contains("Grüße an José"));
    for c in &p.changes {
        assert!(p.before.is_char_boundary(c.before.start) && p.before.is_char_boundary(c.before.end));
        assert!(p.after.is_char_boundary(c.after.start) && p.after.is_char_boundary(c.after.end));
    }
    assert!(p.changes.iter().any(|c| p.before[c.before.clone()].contains("josé@exämple.com")), "{p:?}");
}

#[test]
fn export_mime_follows_the_input_shape() {
    let s = load("two.ndjson", TWO);
    assert_eq!(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().mime, "application/x-ndjson");
    let arr = format!("[{}]", TWO.trim_end().replace('\n', ","));
    let s = load("two.json", &arr);
    assert_eq!(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().mime, "application/json");
    let single = TWO.lines().next().unwrap();
    let s = load("one.json", single);
    assert_eq!(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().mime, "application/json");
    let csv = "date,type,description,ip\n2024-01-15T10:30:01.000Z,s,ok,81.2.69.143\n";
    let s = load("x.csv", csv);
    assert_eq!(s.ingest.events.len(), 1, "{:?}", s.ingest.problems);
    assert_eq!(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().mime, "text/csv");
}

#[test]
fn every_default_rule_name_is_a_count_key() {
    // The panel looks counts up by the names it lists.
    let text = inflight::sample::sample_incident_ndjson();
    let s = load("sample.ndjson", &text);
    let sum = s.redaction_summary(&red(), &RuleSet::default()).unwrap();
    for name in sum.replacements.keys() {
        assert!(DEFAULT_RULES.iter().any(|r| r.name == *name), "{name} is not a listed rule");
    }
    assert!(sum.count("path:user_name") > 0 && sum.count("path:ip") > 0);
}

/// `inflight redact` and `inflight report` take the same rule set (`--rules`, the
/// page's saved form) and run the same gate; their output equals the session's.
#[test]
fn cli_redact_and_report_use_the_rules_and_the_gate() {
    use std::process::Command;
    let bin = env!("CARGO_BIN_EXE_inflight");
    let dir = std::env::temp_dir().join(format!("inflight-redact-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.ndjson");
    std::fs::write(&file, TWO).unwrap();

    // Same bytes as the session under the passphrase's key.
    let ok = Command::new(bin).args(["redact", "--passphrase", "team secret"]).arg(&file).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let s = load("two.ndjson", TWO);
    let want = s.export_redacted(0, &Redactor::from_passphrase("team secret"), &RuleSet::default()).unwrap().bytes;
    assert_eq!(ok.stdout, want);

    // A rule switched off: the gate blocks, lists the value masked, writes nothing.
    let blocked = Command::new(bin).args(["redact", "--passphrase", "p", "--rules", "v=1&off=detector:email"]).arg(&file).output().unwrap();
    assert_eq!(blocked.status.code(), Some(1));
    assert!(blocked.stdout.is_empty());
    let err = String::from_utf8_lossy(&blocked.stderr);
    assert!(err.contains("line 1: email mo… (23 chars)") && err.contains("detector:email"), "{err}");
    assert!(!err.contains("morpheus@matrix.example"), "the value itself is not printed: {err}");

    // Kept with --allow: written, and the value is there.
    let kept = Command::new(bin)
        .args(["redact", "--passphrase", "p", "--rules", "v=1&off=detector:email", "--allow", "morpheus@matrix.example"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    assert!(String::from_utf8_lossy(&kept.stdout).contains("morpheus@matrix.example"));
    // The allow-list can come in the fragment too, with a user path rule.
    let frag = "v=1&off=detector:email&path=details.custom.plan&allow=morpheus%40matrix.example";
    let out = Command::new(bin).args(["redact", "--passphrase", "p", "--rules", frag]).arg(&file).output().unwrap();
    assert!(out.status.success());
    let want = s.export_redacted(0, &Redactor::from_passphrase("p"), &RuleSet::from_fragment(frag).unwrap()).unwrap().bytes;
    assert_eq!(out.stdout, want);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("gold-7731"));

    // A bad fragment is a clear error.
    let bad = Command::new(bin).args(["redact", "--rules", "v=1&path=a..b"]).arg(&file).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--rules: `a..b`: empty segment"), "{}", String::from_utf8_lossy(&bad.stderr));

    // The report: same rules, a fixed time, the same HTML as the library makes.
    let html = dir.join("r.html");
    let rep = Command::new(bin)
        .current_dir(&dir)
        .args(["report", "two.ndjson", "--passphrase", "p", "--generated-at", "1715700000000", "--rules", "v=1&path=details.custom.plan", "-o"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(rep.status.success(), "{}", String::from_utf8_lossy(&rep.stderr));
    let mut rules = RuleSet::new();
    rules.add_path("details.custom.plan").unwrap();
    let opts = inflight::report::ReportOptions { generated_at: Some(1_715_700_000_000), rules, ..Default::default() };
    let want = inflight::report::render(&s, &Redactor::from_passphrase("p"), &opts).unwrap().html;
    assert_eq!(std::fs::read_to_string(&html).unwrap(), want);
    assert!(want.contains("<code>path:details.custom.plan</code></td><td class=\"n\">2</td>"), "the user rule is in the report's table");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_report_names_patterns_by_number_and_lists_rules_switched_off() {
    let s = load("two.ndjson", TWO);
    let mut rules = RuleSet::new().disable("path:user_agent");
    rules.add_pattern("gold-7731").unwrap();
    let opts = inflight::report::ReportOptions { generated_at: Some(1_715_700_000_000), rules, ..Default::default() };
    let r = inflight::report::render(&s, &red(), &opts).unwrap();
    assert!(!r.html.contains("gold-7731"), "a pattern's text is what it hides");
    assert!(r.html.contains("<code>pattern 1</code></td><td class=\"n\">1</td>"), "{}", &r.html[r.html.find("id=\"redaction\"").unwrap()..]);
    assert!(r.html.contains("Switched off by the author: <code>path:user_agent</code>"));
}

/// Two Action execution objects (`GET /api/v2/actions/executions/{id}`) with personal
/// data in an error message, a URL's query and the Action's logs.
const EXECUTIONS: &str = r#"[
{"id":"exec-1","trigger_id":"post-login","status":"final","created_at":"2024-01-15T10:30:01.000Z","updated_at":"2024-01-15T10:30:09.500Z",
 "results":[{"action_name":"enrich-profile","started_at":"2024-01-15T10:30:01.000Z","ended_at":"2024-01-15T10:30:09.500Z",
   "error":{"id":"e1","msg":"CRM timeout for trinity@acme.example","url":"https://crm.example/api?email=trinity%40acme.example"},
   "response":{"logs":"lookup from 81.2.69.143 failed\n","stats":{"total_request_duration_ms":8500}}}]},
{"id":"exec-2","trigger_id":"post-login","status":"final","created_at":"2024-01-15T10:30:02.000Z","updated_at":"2024-01-15T10:30:02.040Z",
 "results":[{"action_name":"add-roles","started_at":"2024-01-15T10:30:02.000Z","ended_at":"2024-01-15T10:30:02.040Z",
   "response":{"logs":"roles for neo@acme.example\n"}}]}
]"#;

/// Regression: the redacted download of an execution-objects file was the container
/// alone (`[]`): only events were exported, and such a file holds none.
#[test]
fn an_execution_objects_file_exports_its_executions_redacted() {
    let s = load("executions.json", EXECUTIONS);
    assert_eq!((s.ingest.events.len(), s.ingest.executions.len()), (0, 2));
    let d = s.export_redacted(0, &red(), &RuleSet::default()).unwrap();
    let out = String::from_utf8(d.bytes.clone()).unwrap();
    assert_eq!(d.mime, "application/json");
    assert_eq!(d.redactions, 4, "{out}");
    for pii in ["trinity@acme.example", "trinity%40acme.example", "81.2.69.143", "neo@acme.example"] {
        assert!(!out.contains(pii), "{pii} survived: {out}");
    }
    assert!(session::gate(&d.bytes, &RuleSet::default()).0.is_clean(), "{out}");
    // It reads back as the same execution objects, with the same times.
    let back = load("executions.redacted.json", &out);
    assert_eq!(back.ingest.problems.len(), 0, "{:?}", back.ingest.problems);
    let strip = |x: &inflight::model::ActionExecution| {
        let mut x = x.clone();
        x.span = 0..0;
        for r in &mut x.results {
            r.error = r.error.as_ref().map(|_| String::new());
        }
        x
    };
    let (a, b): (Vec<_>, Vec<_>) = (s.ingest.executions.iter().map(strip).collect(), back.ingest.executions.iter().map(strip).collect());
    assert_eq!(a, b);
    assert_eq!(back.ingest.executions[0].id, "exec-1");
    // The panel counts them too, and the streamed export gives the same bytes.
    assert_eq!(s.redaction_summary(&red(), &RuleSet::default()).unwrap().total_replacements(), 4);
    let mut joined = Vec::new();
    let p = s.export_redacted_pieces(0, &red(), &RuleSet::default(), 1, &mut |b| joined.extend_from_slice(b)).unwrap();
    assert_eq!((joined, p.redactions, p.file_name), (d.bytes, 4, d.file_name));
}

/// Events and execution objects in one input are exported in input order.
#[test]
fn events_and_executions_in_one_input_keep_their_order() {
    let x = r#"{"id":"exec-9","trigger_id":"post-login","results":[{"action_name":"a","started_at":"2024-01-15T10:30:01.000Z","ended_at":"2024-01-15T10:30:02.000Z"}]}"#;
    let text = format!("{}{x}\n{}", TWO.lines().next().unwrap().to_string() + "\n", TWO.lines().nth(1).unwrap());
    let s = load("mixed.ndjson", &text);
    assert_eq!((s.ingest.events.len(), s.ingest.executions.len()), (2, 1));
    let out = String::from_utf8(s.export_redacted(0, &red(), &RuleSet::default()).unwrap().bytes).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("\"log_id\":\"1\"") && lines[1] == x && lines[2].contains("\"log_id\":\"2\""), "{out}");
}

/// The page's streamed download gates its pieces as they come: the verdict (every
/// finding with its whole-output offset and line) and the grouped list equal the
/// gate over the joined output, for every fixture and the sample, down to one record
/// per piece.
#[test]
fn the_streamed_gate_equals_the_gate_over_the_whole_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = vec![("sample.ndjson".to_string(), inflight::sample::sample_incident_ndjson().into_bytes())];
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/ingest")).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for p in files.iter().filter(|p| p.extension().is_some_and(|x| x != "py")) {
        inputs.push((p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()));
    }
    inputs.push(("executions.json".into(), EXECUTIONS.as_bytes().to_vec()));
    // Every detector off (so the verifier finds things), and the defaults with a kept value.
    let mut paths_only = RuleSet::new();
    for name in DEFAULT_RULES.iter().map(|r| r.name).filter(|n| n.starts_with("detector:")) {
        paths_only.set_enabled(name, false);
    }
    let mut nothing = RuleSet::new();
    for name in DEFAULT_RULES.iter().map(|r| r.name) {
        nothing.set_enabled(name, false);
    }
    let mut kept = nothing.clone();
    kept.allow("81.2.69.143");
    kept.allow("trinity@acme.example");
    let (mut compared, mut with_findings) = (0, 0);
    for (name, bytes) in inputs {
        let s = Session::load(vec![(name.clone(), bytes)], None);
        for source in 0..s.ingest.sources.len() {
            for rules in [RuleSet::default(), paths_only.clone(), nothing.clone(), kept.clone()] {
                let whole = s.export_redacted(source, &red(), &rules).unwrap();
                let want = session::gate(&whole.bytes, &rules);
                for piece in [1, 700, 64 << 10] {
                    let mut g = session::GateStream::new(&rules);
                    let mut joined = Vec::new();
                    s.export_redacted_pieces(source, &red(), &rules, piece, &mut |b| {
                        g.push(b);
                        joined.extend_from_slice(b);
                    })
                    .unwrap();
                    assert_eq!(joined, whole.bytes, "{name} piece {piece}");
                    let got = g.finish();
                    if got != want {
                        let first = |a: &[String], b: &[String]| a.iter().zip(b).position(|(x, y)| x != y).map(|i| (a[i].clone(), b[i].clone()));
                        let dbg = |v: &(inflight::verify::Verdict, Vec<session::Blocked>)| {
                            let mut l: Vec<String> = v.0.blocked.iter().chain(&v.0.allowed).map(|f| format!("{f:?}")).collect();
                            l.extend(v.1.iter().map(|b| format!("{b:?}")));
                            l
                        };
                        let (a, b) = (dbg(&got), dbg(&want));
                        panic!("{name} piece {piece}: {} vs {} entries, first difference {:?}", a.len(), b.len(), first(&a, &b));
                    }
                    compared += 1;
                }
                with_findings += usize::from(!want.0.blocked.is_empty());
            }
        }
    }
    assert!(compared >= 300 && with_findings >= 40, "{compared} {with_findings}");
}
