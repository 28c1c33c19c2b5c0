//! Redaction throughput and memory, natively.
//!
//! `cargo run --release --example bench_redact -- [MB ...] [--iters N] [--digest]`
//! (default 200 MB, 3 iterations): generates a synthetic incident of that size as
//! NDJSON (`sample::Scenario::sized`), ingests it (`ingest::ingest`), then times
//! `Session::export_redacted` (redact + export under the default rules) and
//! `verify::scan` over the result, N times each (best kept). Peak RSS (`VmHWM`) is
//! reset after the input is generated where the kernel allows it
//! (`/proc/self/clear_refs`), so it measures what ingest and export hold.
//!
//! `--stream` exports with `redact::export_chunks_with` in 4 MiB pieces instead, each
//! scanned by the verifier and then dropped (as the page would hand it to a `Blob`),
//! so peak RSS shows what redaction needs besides the input and the session.
//!
//! `--digest` also prints a SHA-256 of the export and of the verifier's findings, to
//! check that a speed-up changed no output byte at full size. For instruction
//! counts: `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*run_export*' target/release/examples/bench_redact 20 --iters 1`
//! (or `'*run_verify*'`).

use inflight::redact::Redactor;
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use sha2::{Digest, Sha256};
use std::time::Instant;

fn status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Not inlined, so callgrind can count it alone (`--toggle-collect='*run_export*'`).
#[inline(never)]
fn run_export(session: &Session, r: &Redactor) -> inflight::session::Download {
    session.export_redacted(0, r, &inflight::rules::RuleSet::default()).expect("export")
}

#[inline(never)]
fn run_verify(bytes: &[u8]) -> Vec<inflight::verify::Finding> {
    inflight::verify::scan(bytes)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes = Vec::new();
    let mut iters = 3;
    let mut digest = false;
    let mut stream = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iters" => iters = it.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            "--digest" => digest = true,
            "--stream" => stream = true,
            n => sizes.extend(n.parse::<usize>().ok()),
        }
    }
    if sizes.is_empty() {
        sizes.push(200);
    }
    println!("| input | MB | events | output MB | redact + export s | MB/s | verify s | verify MB/s | values redacted | peak RSS MB | peak / input |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for mb in sizes {
        let text = sample::generate(&Scenario::sized(mb * 1_000_000), Format::Ndjson).text.into_bytes();
        let len = text.len();
        reset_peak();
        let session = Session::load(vec![("bench.ndjson".into(), text)], None);
        let r = Redactor::new([42; 32]);
        let mut best = f64::MAX;
        let mut best_verify = f64::MAX;
        let mut redacted = 0;
        let mut out_len = 0;
        if stream {
            let info = &session.ingest.sources[0];
            let container = inflight::redact::Container {
                prefix: info.frame.prefix.clone(),
                separator: info.frame.separator.clone(),
                suffix: info.frame.suffix.clone(),
            };
            let mut records: Vec<_> = session.ingest.events.iter().map(|e| (e.record, e.span.clone(), e.envelope)).collect();
            records.sort_by_key(|r| r.0);
            for i in 0..iters {
                let mut verify_s = 0.0;
                let mut sha = Sha256::new();
                let mut found = 0;
                let mut len = 0;
                let t = Instant::now();
                let summary = inflight::redact::export_chunks_with(
                    info.text.as_bytes(),
                    &container,
                    records.iter().map(|(_, s, e)| (s.clone(), *e)),
                    &r,
                    &inflight::rules::RuleSet::default(),
                    4 << 20,
                    &mut |piece| {
                        let v = Instant::now();
                        found += run_verify(piece).len();
                        verify_s += v.elapsed().as_secs_f64();
                        if digest {
                            sha.update(piece);
                        }
                        len += piece.len();
                    },
                );
                let total = t.elapsed().as_secs_f64();
                best = best.min(total - verify_s);
                best_verify = best_verify.min(verify_s);
                redacted = summary.total_replacements() as usize;
                assert_eq!(found, 0, "the verifier found {found} values");
                out_len = len;
                if digest && i == 0 {
                    eprintln!("{mb} MB (streamed): export sha256 {} ({len} bytes)", hex(&sha.finalize()));
                }
            }
        }
        for i in 0..if stream { 0 } else { iters } {
            let t = Instant::now();
            let d = run_export(&session, &r);
            best = best.min(t.elapsed().as_secs_f64());
            redacted = d.redactions;
            out_len = d.bytes.len();
            let t = Instant::now();
            let found = run_verify(&d.bytes);
            best_verify = best_verify.min(t.elapsed().as_secs_f64());
            assert!(found.is_empty(), "the verifier found {} values, first {:?}", found.len(), found.first());
            if digest && i == 0 {
                eprintln!("{mb} MB: export sha256 {} ({} bytes), findings {}", hex(&Sha256::digest(&d.bytes)), d.bytes.len(), found.len());
            }
        }
        let peak = status("VmHWM:").unwrap_or(0) as f64;
        let m = len as f64 / 1e6;
        println!(
            "| NDJSON{} | {m:.1} | {} | {:.1} | {best:.3} | {:.0} | {best_verify:.3} | {:.0} | {redacted} | {:.0} | {:.2} |",
            if stream { " (streamed)" } else { "" },
            session.ingest.events.len(),
            out_len as f64 / 1e6,
            m / best,
            m / best_verify,
            peak / 1e6,
            peak / len as f64
        );
    }
}
