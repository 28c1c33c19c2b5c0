//! Native ingest benchmark (not a timed test).
//!
//! `cargo run --release --example bench_ingest -- 20 200` generates synthetic
//! incidents of about 20 MB and 200 MB (`sample::Scenario::sized`) as NDJSON and as
//! a JSON array, ingests each one-shot (`ingest`) and streamed in 1 MiB slices
//! (`IngestStream`, as a Web Worker would feed it), and prints a Markdown table:
//! input, MB, seconds, MB/s, peak RSS and its ratio to the input size.
//!
//! `bench_ingest --file PATH…` ingests the given files once (all together) and
//! prints a digest of the whole result (events, problems, shapes, frames): run it
//! under `valgrind --tool=callgrind` for instruction counts, and compare digests
//! before and after a change to check that the results did not move. `--stream`
//! feeds each file in 1 MiB slices instead; `--gen MB FORMAT` writes a generated
//! input to stdout.
//!
//! Each measurement runs in a child process, so its peak RSS (`VmHWM` from
//! `/proc/self/status`, reset after the input is generated) holds only the input
//! buffer and what ingest adds to it. Add `--write` to replace the table in
//! BENCHMARKS.md.

use inflight::ingest::{ingest, IngestStream};
use inflight::sample::{generate, Format, Scenario};
use std::time::Instant;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_hwm() {
    // "5" resets the peak resident set size (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Child: generate, then measure one ingest. Prints `bytes seconds events peak_kib`.
fn child(mb: usize, format: &str, mode: &str) {
    let f = if format == "array" { Format::JsonArray } else { Format::Ndjson };
    let text = generate(&Scenario::sized(mb * 1_000_000), f).text.into_bytes();
    let bytes = text.len();
    let stream = mode == "stream";
    // In stream mode the input stays with the caller (as a File does); in one-shot
    // mode ingest takes ownership and the buffer becomes the text.
    reset_hwm();
    let start = Instant::now();
    let r = if stream {
        let mut s = IngestStream::new();
        s.begin("bench", Some(bytes));
        for chunk in text.chunks(1 << 20) {
            s.push(chunk);
        }
        s.finish()
    } else {
        ingest(vec![("bench".into(), text)])
    };
    let (events, problems) = (r.events.len(), r.problems.len());
    let secs = start.elapsed().as_secs_f64();
    let peak = vm_hwm_kib().unwrap_or(0);
    assert_eq!(problems, 0, "the generated input should read cleanly");
    // Then the analysis (what the page's worker runs next), timed on its own.
    let start = Instant::now();
    let session = inflight::session::Session::from_ingest(r, None);
    let analysis = start.elapsed().as_secs_f64();
    assert!(!session.analysis.spans.is_empty());
    println!("{bytes} {secs} {events} {peak} {analysis}");
}

/// Ingests files once and prints a digest of everything ingest reports.
fn files(paths: &[String], stream: bool) {
    use std::hash::{Hash, Hasher};
    let inputs: Vec<(String, Vec<u8>)> =
        paths.iter().map(|p| (p.clone(), std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}")))).collect();
    let total: usize = inputs.iter().map(|i| i.1.len()).sum();
    let start = Instant::now();
    let r = if stream {
        let mut s = IngestStream::new();
        for (name, bytes) in &inputs {
            s.begin(name.clone(), Some(bytes.len()));
            for chunk in bytes.chunks(1 << 20) {
                s.push(chunk);
            }
        }
        s.finish()
    } else {
        ingest(inputs)
    };
    let secs = start.elapsed().as_secs_f64();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", r.events).hash(&mut h);
    format!("{:?}", r.problems).hash(&mut h);
    format!("{:?}", r.executions).hash(&mut h);
    r.duplicates.hash(&mut h);
    for s in &r.sources {
        format!("{:?} {:?} {} {} {} {:?} {:?} {:?}", s.shape, s.gzip, s.records, s.events, s.executions, s.envelopes, s.notes, s.frame).hash(&mut h);
        s.text.hash(&mut h);
    }
    println!(
        "digest {:016x} events {} problems {} executions {} duplicates {} bytes {total} {:.3}s {:.0} MB/s",
        h.finish(),
        r.events.len(),
        r.problems.len(),
        r.executions.len(),
        r.duplicates,
        secs,
        total as f64 / 1e6 / secs
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--file") {
        let stream = args.iter().any(|a| a == "--stream");
        let paths: Vec<String> = args[1..].iter().filter(|a| *a != "--stream").cloned().collect();
        files(&paths, stream);
        return;
    }
    if args.first().map(String::as_str) == Some("--gen") {
        let f = if args.get(2).map(String::as_str) == Some("array") { Format::JsonArray } else { Format::Ndjson };
        let mb: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
        print!("{}", generate(&Scenario::sized(mb * 1_000_000), f).text);
        return;
    }
    if args.first().map(String::as_str) == Some("--child") {
        child(args[1].parse().unwrap_or(20), &args[2], &args[3]);
        return;
    }
    let write = args.iter().any(|a| a == "--write");
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![20, 200] } else { sizes };
    let exe = std::env::current_exe().expect("current exe");
    let mut table = String::from(
        "| input | MB | events | seconds | MB/s | peak RSS MB | peak / input | then analysis s |\n|---|---|---|---|---|---|---|---|\n",
    );
    for &mb in &sizes {
        for (format, label) in [("ndjson", "NDJSON"), ("array", "JSON array")] {
            for mode in ["oneshot", "stream"] {
                // Best of 3 for time; peak memory from the same runs (it does not vary).
                let mut best: Option<(usize, f64, usize, u64, f64)> = None;
                for _ in 0..3 {
                    let out = std::process::Command::new(&exe)
                        .args(["--child", &mb.to_string(), format, mode])
                        .output()
                        .expect("run child");
                    let s = String::from_utf8_lossy(&out.stdout);
                    let v: Vec<&str> = s.split_whitespace().collect();
                    if v.len() != 5 {
                        eprintln!("child failed: {}", String::from_utf8_lossy(&out.stderr));
                        continue;
                    }
                    let run = (v[0].parse().unwrap_or(0), v[1].parse().unwrap_or(0.0), v[2].parse().unwrap_or(0), v[3].parse().unwrap_or(0), v[4].parse().unwrap_or(0.0));
                    if best.is_none_or(|b| run.1 < b.1) {
                        best = Some(run);
                    }
                }
                let Some((bytes, secs, events, peak_kib, analysis)) = best else { continue };
                let mbs = bytes as f64 / 1e6;
                let peak_mb = peak_kib as f64 * 1024.0 / 1e6;
                let how = if mode == "stream" { "streamed, 1 MiB slices" } else { "one-shot" };
                let row = format!(
                    "| {label}, {how} | {mbs:.1} | {events} | {secs:.3} | {:.0} | {peak_mb:.0} | {:.2} | {analysis:.3} |\n",
                    mbs / secs,
                    peak_mb / mbs
                );
                eprint!("{row}");
                table.push_str(&row);
            }
        }
    }
    println!("{table}");
    if write {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md");
        let old = std::fs::read_to_string(path).unwrap_or_default();
        let (a, b) = ("<!-- bench_ingest:start -->", "<!-- bench_ingest:end -->");
        let new = match (old.find(a), old.find(b)) {
            (Some(i), Some(j)) if i < j => format!("{}{a}\n{table}{}", &old[..i], &old[j..]),
            _ => format!("{old}\n{a}\n{table}{b}\n"),
        };
        std::fs::write(path, new).expect("write BENCHMARKS.md");
    }
}
