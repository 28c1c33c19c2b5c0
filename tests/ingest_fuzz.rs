//! "Mutated inputs never panic": a stable, bounded stand-in for the cargo-fuzz
//! target in `fuzz/` (which needs nightly). Random byte flips, truncations,
//! insertions and splices of the fixture files go through `ingest`, one-shot and
//! chunked; nothing may panic, both must agree, and every event's span must index
//! its input's text. The regression inputs the fuzzer found are in
//! `tests/fixtures/fuzz/` and are ingested here too.

use inflight::ingest::{ingest, Ingest, IngestStream};
use proptest::prelude::*;

fn files(dir: &str) -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut v: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    v.sort();
    v.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn check(bytes: &[u8], step: usize) {
    let one = ingest(vec![("m".into(), bytes.to_vec())]);
    let mut s = IngestStream::new();
    s.begin("m", Some(bytes.len()));
    for c in bytes.chunks(step.max(1)) {
        s.push(c);
    }
    let two = s.finish();
    spans_ok(&one);
    spans_ok(&two);
    // Damaged gzip: how many bytes inflate before the damage is noticed depends on
    // where the chunks end (the decoder flushes at different points), so one-shot and
    // chunked may recover different amounts. Both must still say the gzip is damaged.
    let damaged = |r: &Ingest| r.problems.iter().any(|p| p.message.starts_with("gzip data is damaged"));
    if damaged(&one) || damaged(&two) {
        assert!(damaged(&one) && damaged(&two), "only one way of reading saw the damaged gzip");
        return;
    }
    assert_eq!(format!("{:?}{:?}", one.events, one.problems), format!("{:?}{:?}", two.events, two.problems));
    assert_eq!(one.sources[0].text, two.sources[0].text);
}

/// Regression (found by `mutated_fixtures_never_panic`): gzip whose deflate stream
/// is damaged a few bytes in. One-shot recovered 0 bytes, chunked recovered 7, and
/// the equality check failed; both report the damage.
#[test]
fn damaged_gzip_is_reported_one_shot_and_chunked() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"{\"type\":\"s\",\"date\":\"2024-01-15T10:30:00.000Z\"}\n".repeat(50).as_slice()).unwrap();
    let mut gz = enc.finish().unwrap();
    let mid = gz.len() / 2;
    gz[mid] ^= 0xff;
    gz[mid + 1] ^= 0x55;
    for step in [1, 7, 64, gz.len()] {
        check(&gz, step);
    }
    let one = ingest(vec![("m".into(), gz)]);
    assert!(one.problems.iter().any(|p| p.message.starts_with("gzip data is damaged")), "{:?}", one.problems);
}

fn spans_ok(r: &Ingest) {
    for e in &r.events {
        assert!(r.sources[e.source as usize].text.get(e.span.clone()).is_some(), "span {:?} out of its text", e.span);
    }
    for p in &r.problems {
        assert!(p.caret <= p.excerpt.chars().count());
        assert!(p.line >= 1 && p.column >= 1);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b"{".to_vec(), b"}".to_vec(), b"[".to_vec(), b"]".to_vec(), b",".to_vec(), b"\"".to_vec(), b"\\".to_vec(),
        b"\n".to_vec(), b"\x1f\x8b".to_vec(), b"\xff".to_vec(), b"\xe9".to_vec(), b"\"_raw\":\"{".to_vec(),
        b"\"data\":{".to_vec(), b"type,date\n".to_vec(), b"\"logs\":[".to_vec(), b",}".to_vec(), b"\r\n".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop_oneof![interesting, prop::collection::vec(any::<u8>(), 1..8)]).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), any::<usize>(), 1usize..200).prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = b.len().max(1);
        match m {
            Mutation::Flip(i, x) if !b.is_empty() => b[i % len] ^= x | 1,
            Mutation::Truncate(i) => b.truncate(i % len),
            Mutation::Insert(i, s) => {
                let at = (i % len).min(b.len());
                b.splice(at..at, s.iter().copied());
            }
            Mutation::Delete(i, n) if !b.is_empty() => {
                let at = i % len;
                b.drain(at..(at + n).min(b.len()));
            }
            Mutation::Splice(a, c, n) if !b.is_empty() => {
                let from = a % len;
                let piece: Vec<u8> = b[from..(from + n).min(b.len())].to_vec();
                let at = (c % len).min(b.len());
                b.splice(at..at, piece);
            }
            _ => {}
        }
    }
    b
}

#[test]
fn fuzzer_regression_inputs_are_read_without_panic() {
    let found = files("fuzz");
    if found.is_empty() {
        eprintln!("no regression inputs in tests/fixtures/fuzz/");
    }
    for bytes in found {
        for step in [1, 3, 64, usize::MAX] {
            check(&bytes, step);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6), step in 1usize..100, zip in any::<bool>()) {
        let all = files("ingest");
        let mut bytes = apply(all[pick % all.len()].clone(), &muts);
        if zip {
            use std::io::Write;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&bytes).unwrap();
            bytes = enc.finish().unwrap();
            // A damaged gzip stream, sometimes.
            if pick % 3 == 0 && bytes.len() > 20 {
                let n = bytes.len();
                bytes[n / 2] ^= 0x55;
            }
        }
        check(&bytes, step);
    }
}
