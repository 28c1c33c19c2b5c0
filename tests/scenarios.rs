//! Scenario tests: generated incidents with known ground truth (culprit, windows,
//! limit), fed through the same pipeline as the app and the CLI (logs and Action
//! execution objects as two inputs), checked against that truth.

use inflight::analyze::WorkKind;
use inflight::attribution::{Cause, Culprit};
use inflight::sample::{self, Format, Incident, Scenario};
use inflight::session::{Session, Summary};

fn load(scenario: &Scenario) -> (Incident, Session, Summary) {
    let incident = sample::generate(scenario, Format::Ndjson);
    let session = Session::load(
        vec![
            ("logs.ndjson".into(), incident.text.clone().into_bytes()),
            ("executions.json".into(), incident.executions_json.clone().into_bytes()),
        ],
        None,
    );
    let summary = session.summary();
    (incident, session, summary)
}

fn first(s: &Summary, window: usize) -> &Culprit {
    &s.culprit_windows[window].culprits[0]
}

fn report(name: &str, i: &Incident, s: &Summary) {
    eprintln!("== {name}: truth windows {:?} culprits {:?} limit {} peak {}", i.truth.windows, i.truth.culprits, i.truth.limit, i.truth.peak_inflight);
    eprintln!("   limit {:?} estimated {} peak {}", s.limit, s.limit_estimated, s.peak_inflight);
    for w in &s.culprit_windows {
        eprintln!("   window {}..{} ({}, before {})", w.start_ms, w.end_ms, w.failures, w.inflight_before);
        for c in w.culprits.iter().take(3) {
            eprintln!("     {:.3} {} — {}", c.share, c.label, c.explanation);
        }
    }
    for f in &s.findings {
        eprintln!("   > {f}");
    }
}

/// Within `tol` (a fraction) of `want`.
fn near(got: u32, want: u32, tol: f64) -> bool {
    (f64::from(got) - f64::from(want)).abs() <= f64::from(want) * tol
}

#[test]
fn sample_incident() {
    let (i, session, s) = load(&Scenario::sample_incident());
    report("sample", &i, &s);
    assert_eq!(i.truth.windows.len(), 1);
    assert_eq!(s.culprit_windows.len(), 1);
    let w = &s.culprit_windows[0];
    assert!((w.start_ms - i.truth.windows[0].0).abs() <= 1_000, "{} vs {:?}", w.start_ms, i.truth.windows);
    assert!((w.end_ms - i.truth.windows[0].1).abs() <= 1_000);
    assert_eq!(w.failures, i.truth.breaches);
    let c = first(&s, 0);
    assert_eq!(c.label, "enrich-profile");
    assert_eq!(i.truth.culprits[0], "enrich-profile");
    assert_eq!(c.kind, WorkKind::Action);
    assert!(c.share > 0.8, "{}", c.share);
    assert_eq!(c.cause, Cause::ActionCode);
    let out = c.outside.expect("a baseline outside the window");
    assert!(out.p95 < 1_000 && c.inside.p95 > 10_000, "{out:?} {:?}", c.inside);
    let limit = s.limit.expect("an estimated limit");
    assert!(s.limit_estimated);
    assert!(near(limit, i.truth.limit, 0.10), "{limit} vs {}", i.truth.limit);
    assert!(s.findings[0].starts_with(&format!("Logins failed with resource_exhausted {} times between", i.truth.breaches)));
    assert!(s.findings[1].starts_with("Action enrich-profile held "), "{}", s.findings[1]);
    assert!(s.findings[1].contains("Action code"));
    // Every request is counted once: one request span per timed event, and the
    // Action runs of each request are inside it.
    assert_eq!(session.analysis.executions_joined, i.truth.executions);
    assert_eq!(session.analysis.executions_missing, 0);
    assert_eq!(session.analysis.orphan_requests.len(), 0);
    assert_eq!(s.peak_inflight, i.truth.peak_inflight);
    let actions: Vec<&str> = s.by_action.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(actions, ["enrich-profile", "add-roles"]);
}

#[test]
fn no_incident() {
    let (i, _, s) = load(&Scenario::no_incident());
    report("no_incident", &i, &s);
    assert!(i.truth.windows.is_empty());
    assert_eq!(s.breaches, 0);
    assert!(s.culprit_windows.is_empty());
    assert_eq!(s.limit, None);
    assert_eq!(s.findings.len(), 1);
    assert!(s.findings[0].starts_with("No resource_exhausted failures"), "{}", s.findings[0]);
    assert!(!s.findings[0].contains("held"));
}

#[test]
fn two_culprits() {
    let (i, _, s) = load(&Scenario::two_culprits());
    report("two_culprits", &i, &s);
    assert_eq!(i.truth.windows.len(), 2);
    assert_eq!(s.culprit_windows.len(), 2);
    for (k, w) in s.culprit_windows.iter().enumerate() {
        assert!((w.start_ms - i.truth.windows[k].0).abs() <= 1_000);
        assert!((w.end_ms - i.truth.windows[k].1).abs() <= 1_000);
        assert_eq!(first(&s, k).label, i.truth.culprits[k], "window {k}");
    }
    assert_eq!(first(&s, 0).label, "enrich-profile");
    assert_eq!(first(&s, 1).label, "add-roles");
    assert_eq!(s.findings.len(), 3);
    assert!(s.findings[1].contains("Action enrich-profile held"));
    assert!(s.findings[2].contains("Action add-roles held"));
}

#[test]
fn slow_custom_db() {
    let (i, session, s) = load(&Scenario::slow_custom_db());
    report("slow_custom_db", &i, &s);
    assert!(!i.truth.windows.is_empty());
    assert_eq!(s.culprit_windows.len(), i.truth.windows.len());
    let c = first(&s, 0);
    assert_eq!(c.label, "custom DB script (legacy-users)");
    assert_eq!(c.kind, WorkKind::Script);
    assert_eq!(c.cause, Cause::ScriptTimeouts);
    assert!(c.timeouts > 0);
    assert!(c.share > 0.5, "{}", c.share);
    // The 20 s timeout spans are in flight before the breaches: the estimate is a
    // real lower bound of the limit, not 1.
    let limit = s.limit.expect("an estimated limit");
    assert!(limit >= 20 && limit <= i.truth.limit, "{limit}");
    // Every Webtask timeout is classified: the script's own (no Actions ran) and
    // those where the script left too little time for the Actions.
    use inflight::analyze::FailureKind;
    let count = |k| session.analysis.failures.iter().filter(|f| f.kind == k).count();
    assert_eq!(count(FailureKind::ScriptTimeout) + count(FailureKind::ActionTimeout), i.truth.timeouts);
    assert_eq!(count(FailureKind::ScriptTimeout), c.timeouts);
    assert!(s.extensibility_failures.iter().any(|r| r.label == "custom DB script (legacy-users)"
        && r.kind == FailureKind::ScriptError), "wrong-password answers of the script are its failures");
    assert!(s.findings[1].starts_with("The custom DB script (legacy-users) held"), "{}", s.findings[1]);
}

#[test]
fn cold_starts() {
    let (i, _, s) = load(&Scenario::cold_starts());
    report("cold_starts", &i, &s);
    assert!(!i.truth.windows.is_empty());
    let c = first(&s, 0);
    assert_eq!(c.label, "enrich-profile");
    assert_eq!(c.cause, Cause::ColdStarts);
    assert!(c.explanation.contains("cold starts"), "{}", c.explanation);
    assert!(c.time_split.expect("stats").boot > 0.5);
    assert!(s.findings[1].contains("cold starts"), "{}", s.findings[1]);
}

/// The command-line tool on the sample (logs and executions as two files): the
/// text names the culprit, the JSON carries the ranked culprits, and unusable
/// input exits non-zero with a message.
#[test]
fn cli_analyze() {
    use std::process::Command;
    let incident = sample::generate(&Scenario::sample_incident(), Format::LogStreamNdjson);
    let dir = std::env::temp_dir().join(format!("inflight-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let logs = dir.join("logs.ndjson");
    let execs = dir.join("executions.json");
    let junk = dir.join("junk.txt");
    std::fs::write(&logs, &incident.text).unwrap();
    std::fs::write(&execs, &incident.executions_json).unwrap();
    std::fs::write(&junk, "this is not a log\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_inflight");

    let text = Command::new(bin).arg("analyze").arg(&logs).arg(&execs).output().unwrap();
    assert!(text.status.success());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.starts_with("Logins failed with resource_exhausted 156 times between 08:50:44 and 08:53:33 UTC."), "{stdout}");
    assert!(stdout.contains("Action enrich-profile held 99% of in-flight time"), "{stdout}");

    let json = Command::new(bin).arg("analyze").arg(&logs).arg(&execs).arg("--json").output().unwrap();
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let a = &v["analysis"];
    assert_eq!(a["peak_inflight"], 50);
    assert_eq!(a["estimated_limit"], 50);
    assert_eq!(a["limit_is_estimate"], true);
    assert_eq!(a["breach_windows"].as_array().unwrap().len(), 1);
    assert_eq!(a["breach_windows"][0]["failures"], 156);
    assert_eq!(a["breach_windows"][0]["culprits"][0]["label"], "enrich-profile");
    assert_eq!(a["breach_windows"][0]["culprits"][0]["cause"], "action_code");
    assert_eq!(a["by_action"][0]["label"], "enrich-profile");
    assert!(v["findings"].as_array().unwrap().len() == 2);

    // Logs alone: the same window, but no Action names to give.
    let alone = Command::new(bin).arg("analyze").arg(&logs).output().unwrap();
    let stdout = String::from_utf8_lossy(&alone.stdout);
    assert!(stdout.contains("Requests with no Action name (post-login request) held 100%"), "{stdout}");
    assert!(stdout.contains("Load the Action execution objects"), "{stdout}");

    let bad = Command::new(bin).arg("analyze").arg(&junk).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no Auth0 log events could be read"));
    let missing = Command::new(bin).arg("analyze").arg(dir.join("nope.json")).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
