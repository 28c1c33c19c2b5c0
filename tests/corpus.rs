//! Every event-bearing file of the public corpus (`../shared/corpus/public/`, see its
//! SOURCES.md) ingests with the event counts and types written there, and no record
//! is lost: every record is either an event, a counted duplicate, or a problem.
//!
//! The corpus is not part of this repository. When it is absent these tests say so
//! on stderr and pass without checking anything.

use inflight::ingest::{ingest, Ingest, Severity};
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    if dir.join("SOURCES.md").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: public corpus absent at {} (these checks did not run)", dir.display());
        None
    }
}

fn read(rel: &str) -> Option<Ingest> {
    let dir = corpus_dir()?;
    let path = dir.join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(ingest(vec![(rel.to_string(), bytes)]))
}

/// Checks events, duplicates and per-type counts, and that no record was lost.
fn check(rel: &str, events: usize, duplicates: usize, types: &[(&str, usize)]) {
    let Some(r) = read(rel) else { return };
    let errors: Vec<_> = r.problems.iter().filter(|p| p.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{rel}: unexpected problems {errors:?}");
    assert_eq!(r.events.len(), events, "{rel}: events");
    assert_eq!(r.duplicates, duplicates, "{rel}: duplicates");
    let records: u32 = r.sources.iter().map(|s| s.records).sum();
    assert_eq!(records as usize, events + duplicates, "{rel}: a record was lost");
    let mut got = r.type_counts();
    got.sort();
    let mut want: Vec<(String, usize)> = types.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    want.sort();
    assert_eq!(got, want, "{rel}: types");
    assert!(r.events.iter().all(|e| e.time.is_some()), "{rel}: every event has a readable date");
}

#[test]
fn elastic_ndjson_log_stream() {
    // 22 lines; line 22 repeats line 21 and line 20 repeats line 1 (whitespace differs),
    // so 20 distinct log_ids. (SOURCES.md says 21 unique; counting the ids gives 20.)
    check("elastic-integrations/auth0-ndjson.log", 20, 2, &[("s", 20)]);
}

#[test]
fn elastic_pull_responses() {
    check(
        "elastic-integrations/test-pull-responses.json",
        7,
        0,
        &[("gd_tenant_update", 1), ("sapi", 4), ("mgmt_api_read", 1), ("seccft", 1)],
    );
}

#[test]
fn elastic_login_failure() {
    check("elastic-integrations/test-login-failure.json", 5, 0, &[("f", 3), ("fu", 1), ("fp", 1)]);
}

#[test]
fn elastic_token_exchange() {
    check("elastic-integrations/test-token-xchg-success.json", 19, 2, &[("seacft", 19)]);
}

#[test]
fn elastic_small_files() {
    check("elastic-integrations/test-logout-success.json", 3, 0, &[("slo", 3)]);
    check("elastic-integrations/test-user-behaviour-fail.json", 2, 0, &[("fn", 2)]);
    check("elastic-integrations/test-signup-failure.json", 1, 0, &[("fs", 1)]);
    check("elastic-integrations/test-auth0-events.json", 1, 0, &[("sapi", 1)]);
}

#[test]
fn azure_sentinel_array_with_placeholder_ids_and_flattened_record() {
    check("azure-sentinel/Auth0AM_CL.json", 6, 0, &[("seccft", 5), ("sapi", 1)]);
}

#[test]
fn aws_eventbridge_envelope() {
    check("aws-eventbridge-sample/events/event.json", 1, 0, &[("s", 1)]);
}
