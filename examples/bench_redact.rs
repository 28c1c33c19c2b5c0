//! Redaction throughput and memory, natively.
//!
//! `cargo run --release --example bench_redact -- [MB ...]` (default 200): generates a
//! synthetic incident of that size as NDJSON (`sample::Scenario::sized`), ingests it
//! (`ingest::ingest`), then times `Session::export_redacted` (redact + export under
//! the default rules) and `verify::scan` over the result, three times each (best
//! kept). Peak RSS (`VmHWM`) is reset after the input is generated where the kernel
//! allows it (`/proc/self/clear_refs`), so it measures what ingest and export hold.

use inflight::redact::Redactor;
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use std::time::Instant;

fn status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![200] } else { sizes };
    println!("| input | MB | events | redact + export s | MB/s | verify s | verify MB/s | values redacted | peak RSS MB | peak / input |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for mb in sizes {
        let text = sample::generate(&Scenario::sized(mb * 1_000_000), Format::Ndjson).text.into_bytes();
        let len = text.len();
        reset_peak();
        let session = Session::load(vec![("bench.ndjson".into(), text)], None);
        let r = Redactor::new([42; 32]);
        let mut best = f64::MAX;
        let mut best_verify = f64::MAX;
        let mut redacted = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let d = session.export_redacted(0, &r, &inflight::rules::RuleSet::default()).expect("export");
            best = best.min(t.elapsed().as_secs_f64());
            redacted = d.redactions;
            let t = Instant::now();
            let found = inflight::verify::scan(&d.bytes);
            best_verify = best_verify.min(t.elapsed().as_secs_f64());
            assert!(found.is_empty(), "the verifier found {} values, first {:?}", found.len(), found.first());
        }
        let peak = status("VmHWM:").unwrap_or(0) as f64;
        let m = len as f64 / 1e6;
        println!(
            "| NDJSON | {m:.1} | {} | {best:.3} | {:.0} | {best_verify:.3} | {:.0} | {redacted} | {:.0} | {:.2} |",
            session.ingest.events.len(),
            m / best,
            m / best_verify,
            peak / 1e6,
            peak / len as f64
        );
    }
}
