//! Fuzz target over `ingest`: never panics, and chunked input gives exactly the
//! one-shot result. Run: `cargo +nightly fuzz run ingest -- -max_total_time=600`
//! (seed corpus: `fuzz/seeds/`, copied from `tests/fixtures/ingest/`).
#![no_main]

use inflight::ingest::{ingest, Ingest, IngestStream};
use libfuzzer_sys::fuzz_target;

fn key(r: &Ingest) -> impl PartialEq + std::fmt::Debug + '_ {
    let sources: Vec<_> = r.sources.iter().map(|s| (s.shape, s.records, s.events, &s.text, &s.frame, &s.notes)).collect();
    (sources, &r.events, &r.problems, r.duplicates, &r.executions)
}

fuzz_target!(|data: &[u8]| {
    let one = ingest(vec![("fuzz".to_string(), data.to_vec())]);
    // The same bytes in slices whose size comes from the input itself.
    let step = data.first().map_or(1, |&b| b as usize % 37 + 1);
    let mut stream = IngestStream::new();
    stream.begin("fuzz", Some(data.len()));
    for chunk in data.chunks(step) {
        stream.push(chunk);
    }
    let two = stream.finish();
    assert_eq!(key(&one), key(&two), "chunked ({step}) and one-shot differ");
    // Whatever was read must index its own text.
    for e in &one.events {
        assert!(one.sources[e.source as usize].text.get(e.span.clone()).is_some());
    }
});
