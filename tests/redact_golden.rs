//! Redaction output pinned byte for byte: a SHA-256 digest per input and rule set of
//! the redacted export, its summary, the verifier's findings on it and on the
//! original, and the preview of the first records, compared against
//! `tests/snapshots/redact_digests.txt`.
//!
//! The other redaction tests check *properties* (no PII survives, the analysis is
//! kept); this one checks that a change meant only to make redaction faster changes
//! no output byte. Inputs: the sample incident, generated incidents in three
//! formats, every ingest fixture and the event-bearing public corpus files (skipped,
//! with a message, when `../shared/corpus/public` is absent).
//!
//! When redaction is changed *on purpose*, re-pin with
//! `INFLIGHT_BLESS=1 cargo test --test redact_golden` and say why in the commit.

use inflight::redact::{self, Container, Redactor};
use inflight::rules::RuleSet;
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use inflight::verify;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const KEY: [u8; 32] = *b"golden-key-0123456789abcdefghij!";
const OTHER_KEY: [u8; 32] = *b"golden-key-2-0123456789abcdefgh!";
const SNAPSHOT: &str = "tests/snapshots/redact_digests.txt";

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex(&h.finalize())[..32].to_string()
}

/// The rule sets every input is redacted under.
fn rule_sets() -> Vec<(&'static str, RuleSet, [u8; 32])> {
    let mut custom = RuleSet::new().disable("detector:ip").disable("path:user_agent").disable("detector:known_value");
    custom.add_path("details.**.name").unwrap();
    custom.add_path("*.connection").unwrap();
    custom.add_pattern("acme").unwrap();
    custom.add_pattern("Mozilla*").unwrap();
    custom.add_pattern("*.example.com").unwrap();
    custom.allow("127.0.0.1");
    custom.allow("Username-Password-Authentication");
    custom.allow("enrich-profile");
    // Every detector off: the paths alone, and the verifier has findings to report.
    let mut paths_only = RuleSet::new();
    for name in [
        "detector:email", "detector:ip", "detector:jwt", "detector:bearer", "detector:opaque_token", "detector:url",
        "detector:auth_code", "detector:user_id", "detector:phone", "detector:known_value",
    ] {
        assert!(paths_only.set_enabled(name, false), "{name}");
    }
    vec![
        ("default", RuleSet::default(), KEY),
        ("default-key2", RuleSet::default(), OTHER_KEY),
        ("custom", custom, KEY),
        ("paths-only", paths_only, KEY),
    ]
}

fn findings_digest(bytes: &[u8]) -> String {
    let f = verify::scan(bytes);
    let text = format!("{f:?}");
    format!("{}:{}", f.len(), sha(&[text.as_bytes()]))
}

/// Digest lines for one input (`name`), one per rule set plus the original's scan.
fn digests(name: &str, bytes: Vec<u8>, out: &mut BTreeMap<String, String>) {
    let s = Session::load(vec![(name.to_string(), bytes)], None);
    for (si, info) in s.ingest.sources.iter().enumerate() {
        let input = info.text.as_bytes();
        out.insert(format!("{name}#{si} original-scan"), findings_digest(input));
        let container = Container {
            prefix: info.frame.prefix.clone(),
            separator: info.frame.separator.clone(),
            suffix: info.frame.suffix.clone(),
        };
        let mut records: Vec<_> = s
            .ingest
            .events
            .iter()
            .filter(|e| e.source as usize == si)
            .map(|e| (e.record, e.span.clone(), e.envelope))
            .collect();
        records.sort_by_key(|r| r.0);
        for (label, rules, key) in rule_sets() {
            let r = Redactor::new(key);
            let e = redact::export_with(input, &container, records.iter().map(|(_, sp, env)| (sp.clone(), *env)), &r, &rules);
            let summary = serde_json::to_string(&e.summary).unwrap();
            let mut previews = Vec::new();
            for (_, span, env) in records.iter().take(40) {
                let p = redact::preview(&input[span.clone()], *env, Some(&container.prefix), &r, &rules);
                previews.push(format!("{p:?}"));
            }
            let previews = previews.join("\n");
            out.insert(
                format!("{name}#{si} {label}"),
                format!(
                    "{} {} {} {}",
                    sha(&[&e.bytes]),
                    sha(&[summary.as_bytes()]),
                    findings_digest(&e.bytes),
                    sha(&[previews.as_bytes()])
                ),
            );
        }
        // The record-at-a-time entry point, under the defaults.
        let mut one = Vec::new();
        let mut sum = redact::Summary::default();
        for (_, span, env) in records.iter().take(200) {
            let _ = redact::redact_record(&input[span.clone()], env.prefix(), &Redactor::new(KEY), &mut sum, &mut one);
            one.push(b'\n');
        }
        out.insert(format!("{name}#{si} records"), format!("{} {}", sha(&[&one]), sha(&[format!("{sum:?}").as_bytes()])));
    }
}

fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| exts.is_empty() || exts.contains(&x)));
    files.sort();
    files
}

#[test]
fn redacted_output_is_byte_identical_to_the_pinned_digests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut got = BTreeMap::new();
    digests("sample-incident.ndjson", sample::sample_incident_ndjson().into_bytes(), &mut got);
    for (label, f) in [("ndjson", Format::Ndjson), ("array", Format::JsonArray), ("logstream", Format::LogStreamNdjson)] {
        let text = sample::generate(&Scenario::sized(1_500_000), f).text.into_bytes();
        digests(&format!("generated-1.5mb.{label}"), text, &mut got);
    }
    for p in files_in(&root.join("tests/fixtures/ingest"), &[]) {
        if p.extension().and_then(|x| x.to_str()) == Some("py") {
            continue;
        }
        let name = format!("fixture/{}", p.file_name().unwrap().to_string_lossy());
        digests(&name, std::fs::read(&p).unwrap(), &mut got);
    }
    let corpus = root.join("../shared/corpus/public");
    let mut corpus_files = files_in(&corpus.join("elastic-integrations"), &["json", "log"]);
    for rel in ["azure-sentinel/Auth0AM_CL.json", "aws-eventbridge-sample/events/event.json"] {
        if corpus.join(rel).exists() {
            corpus_files.push(corpus.join(rel));
        }
    }
    let have_corpus = !corpus_files.is_empty();
    if !have_corpus {
        eprintln!("NOTE: ../shared/corpus/public is absent; corpus digests are not compared");
    }
    for p in &corpus_files {
        let name = format!("corpus/{}", p.strip_prefix(&corpus).unwrap().display());
        digests(&name, std::fs::read(p).unwrap(), &mut got);
    }

    let path = root.join(SNAPSHOT);
    let text: String = got.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
    if std::env::var_os("INFLIGHT_BLESS").is_some() {
        if !have_corpus {
            panic!("INFLIGHT_BLESS needs the public corpus present so every line is written");
        }
        std::fs::write(&path, text).unwrap();
        eprintln!("wrote {} digests to {SNAPSHOT}", got.len());
        return;
    }
    let pinned: BTreeMap<String, String> = std::fs::read_to_string(&path)
        .expect("pinned digests (INFLIGHT_BLESS=1 to write them)")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut diffs = Vec::new();
    for (k, v) in &pinned {
        if k.starts_with("corpus/") && !have_corpus {
            continue;
        }
        match got.get(k) {
            Some(g) if g == v => {}
            Some(g) => diffs.push(format!("changed  {k}\n  pinned {v}\n  now    {g}")),
            None => diffs.push(format!("missing  {k}")),
        }
    }
    for k in got.keys().filter(|k| !pinned.contains_key(*k)) {
        diffs.push(format!("new      {k}"));
    }
    assert!(
        diffs.is_empty(),
        "redaction output differs from {SNAPSHOT} in {} of {} lines (re-pin with INFLIGHT_BLESS=1 only if the change is intended):\n{}",
        diffs.len(),
        pinned.len(),
        diffs.join("\n")
    );
    assert!(pinned.len() >= 50, "too few pinned digests: {}", pinned.len());
}

#[test]
fn the_chunked_export_joins_to_the_whole_export() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = vec![("sample.ndjson".to_string(), sample::sample_incident_ndjson().into_bytes())];
    for p in files_in(&root.join("tests/fixtures/ingest"), &[]) {
        inputs.push((p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
    }
    let mut checked = 0;
    for (name, bytes) in inputs {
        let s = Session::load(vec![(name.clone(), bytes)], None);
        for (si, info) in s.ingest.sources.iter().enumerate() {
            let input = info.text.as_bytes();
            let container = Container { prefix: info.frame.prefix.clone(), separator: info.frame.separator.clone(), suffix: info.frame.suffix.clone() };
            let mut records: Vec<_> = s.ingest.events.iter().filter(|e| e.source as usize == si).map(|e| (e.record, e.span.clone(), e.envelope)).collect();
            records.sort_by_key(|r| r.0);
            let (_, rules, key) = &rule_sets()[0];
            let r = Redactor::new(*key);
            let whole = redact::export_with(input, &container, records.iter().map(|(_, sp, env)| (sp.clone(), *env)), &r, rules);
            for chunk in [1, 700, 64 << 10] {
                let mut joined = Vec::new();
                let mut pieces = 0;
                let summary = redact::export_chunks_with(input, &container, records.iter().map(|(_, sp, env)| (sp.clone(), *env)), &r, rules, chunk, &mut |b| {
                    joined.extend_from_slice(b);
                    pieces += 1;
                });
                assert_eq!(joined, whole.bytes, "{name} chunk {chunk}");
                assert_eq!(summary, whole.summary, "{name} chunk {chunk}");
                if chunk == 1 && records.len() > 1 {
                    assert!(pieces >= records.len(), "{name}: {pieces} pieces for {} records", records.len());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked}");
}
