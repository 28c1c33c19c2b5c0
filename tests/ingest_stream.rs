//! Streaming: any chunking of any fixture (and of a generated incident, gzip
//! included) gives exactly the result of one-shot `ingest`.

use inflight::ingest::{ingest, Ingest, IngestStream};
use proptest::prelude::*;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/tests/fixtures/ingest", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|x| x != "py"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    let sample = inflight::sample::generate(&inflight::sample::Scenario::sample_incident(), inflight::sample::Format::JsonArray);
    v.push(("sample.json".into(), sample.text.into_bytes()));
    v
}

fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b).unwrap();
    enc.finish().unwrap()
}

/// Everything observable about a result.
fn key(r: &Ingest) -> String {
    let sources: Vec<_> =
        r.sources.iter().map(|s| (&s.name, s.shape, s.records, s.events, s.gzip, s.bytes, &s.text, &s.frame, &s.notes, s.envelopes)).collect();
    format!("{sources:?}\n{:?}\n{:?}\n{}\n{:?}", r.events, r.problems, r.duplicates, r.executions)
}

fn chunked(inputs: &[(String, Vec<u8>)], sizes: &[usize], hint: bool) -> Ingest {
    let mut s = IngestStream::new();
    let mut k = 0;
    for (name, bytes) in inputs {
        s.begin(name.clone(), hint.then_some(bytes.len()));
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = sizes[k % sizes.len()].clamp(1, rest.len());
            k += 1;
            let p = s.push(&rest[..n]);
            assert!(p.bytes_read <= bytes.len());
            rest = &rest[n..];
        }
    }
    s.finish()
}

#[test]
fn one_byte_chunks_of_every_fixture_match_one_shot() {
    for (name, bytes) in fixtures() {
        let one = ingest(vec![(name.clone(), bytes.clone())]);
        // One byte at a time re-scans a record once per byte: keep that to the small
        // fixtures, and slice the generated incident more coarsely.
        let size = if bytes.len() > 20_000 { 97 } else { 1 };
        let two = chunked(&[(name.clone(), bytes.clone())], &[size], false);
        assert_eq!(key(&one), key(&two), "{name}");
        let gz = gzip(&bytes);
        let one = ingest(vec![(name.clone(), gz.clone())]);
        let two = chunked(&[(name.clone(), gz)], &[size], true);
        assert_eq!(key(&one), key(&two), "{name} (gzip)");
    }
}

#[test]
fn progress_counts_records_as_they_complete() {
    let mut s = IngestStream::new();
    s.begin("x.ndjson", None);
    let a: &[u8] = b"{\"type\":\"s\",\"date\":\"2024-03-05T09:00:01Z\"}\n{\"type\":\"f\",";
    let b: &[u8] = b"\"date\":\"2024-03-05T09:00:02Z\"}\n";
    let p = s.push(a);
    assert_eq!((p.source, p.bytes_read, p.records, p.events), (0, 55, 1, 1));
    let p = s.push(b);
    assert_eq!((p.bytes_read, p.text_bytes, p.records, p.events), (86, 86, 2, 2));
    s.begin("y.json", None);
    let p = s.push(b"[");
    assert_eq!((p.source, p.records, p.events), (1, 0, 2));
    let r = s.finish();
    assert_eq!(r.sources.len(), 2);
    assert_eq!(r.events.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_chunks_match_one_shot(pick in 0usize..1000, sizes in prop::collection::vec(1usize..200, 1..8), zip in any::<bool>(), hint in any::<bool>()) {
        let all = fixtures();
        // Two inputs at once, so de-duplication across inputs is covered too.
        let a = &all[pick % all.len()];
        let b = &all[(pick / 7) % all.len()];
        let mut inputs = vec![a.clone(), b.clone()];
        if zip {
            for i in inputs.iter_mut() {
                i.1 = gzip(&i.1);
            }
        }
        let one = ingest(inputs.clone());
        let two = chunked(&inputs, &sizes, hint);
        prop_assert_eq!(key(&one), key(&two));
    }
}
