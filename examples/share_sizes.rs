//! Sizes of what a user shares: the report file and the share link for the sample
//! incident, and the largest summaries that still fit in a link.
//!
//! ```text
//! cargo run --release --example share_sizes
//! ```
//!
//! Prints a Markdown table for BENCHMARKS.md ("Share link and report"). Sizes only:
//! nothing here is timed, so the figures do not depend on the machine's load.

use inflight::redact::Redactor;
use inflight::report::{self, ReportOptions};
use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use inflight::share::{self, ShareSummary, BUDGETS, MAX_LINK_CHARS};

fn main() {
    let inc = sample::generate(&Scenario::sample_incident(), Format::Ndjson);
    let logs = ("sample-incident.ndjson".to_string(), inc.text.clone().into_bytes());
    let execs = ("sample-executions.json".to_string(), inc.executions_json.clone().into_bytes());
    let both = Session::load(vec![logs.clone(), execs], None);
    let alone = Session::load(vec![logs], None);
    let key = Redactor::new([7; 32]);
    let opts = |events| ReportOptions { generated_at: Some(1_715_700_000_000), include_events: events, ..Default::default() };

    println!("| what | size |");
    println!("|---|---|");
    for (name, s) in [("logs + execution objects (the sample button)", &both), ("logs only", &alone)] {
        let r = report::render(s, &key, &opts(false)).expect("report");
        let svg = r.html.find("<svg").and_then(|a| r.html.find("</svg>").map(|b| b + 6 - a)).unwrap_or(0);
        println!("| report, sample, {name} | {} B ({} KB; inline SVG {} KB) |", r.html.len(), r.html.len() / 1024, svg / 1024);
    }
    let r = report::render(&both, &key, &opts(true)).expect("report");
    println!("| report, sample, with the redacted events | {} B ({:.1} MB) |", r.html.len(), r.html.len() as f64 / 1048576.0);
    for (name, s) in [("logs + execution objects", &both), ("logs only", &alone)] {
        let (summary, link) = share::fit(s, None).expect("the sample fits");
        println!(
            "| share link, sample, {name} | {} chars (chart {} px, {} culprits, {} Action rows) |",
            link.len(),
            summary.chart.width,
            summary.windows.iter().map(|w| w.culprits.len()).sum::<usize>(),
            summary.actions.len()
        );
        for b in &BUDGETS {
            let s2 = ShareSummary::from_session(s, None, b);
            let n = share::encode(&s2).map(|l| l.len()).unwrap_or_else(|e| e.len());
            println!("|   at budget {}px/{}w/{}c/{}a | {n} chars |", b.width, b.windows, b.culprits, b.actions);
        }
    }

    // The most Actions with 60-letter random names (they do not compress) that fit.
    let fits = |n: usize| share::fit(&Session::load(vec![("x.ndjson".into(), long_names(n, 60).into_bytes())], None), None);
    let (mut lo, mut hi) = (1usize, 400usize);
    assert!(fits(lo).is_ok() && fits(hi).is_err());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if fits(mid).is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (s, link) = fits(lo).expect("fits");
    println!(
        "| longest: Actions with 60-letter random names | {lo} Actions ({} chars, chart {} px, {} Action rows); {hi} do not fit |",
        link.len(),
        s.chart.width,
        s.actions.len()
    );
    println!("| link limit | {MAX_LINK_CHARS} chars |");
}

/// `n` Actions with random `len`-letter names, one timed run each, and one breach.
fn long_names(n: usize, len: usize) -> String {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::new();
    for i in 0..n {
        let name: String = (0..len).map(|_| char::from(b'a' + (next() % 26) as u8)).collect();
        out.push_str(&format!(
            "{{\"log_id\":\"{i}\",\"type\":\"actions_execution_failed\",\"date\":\"2024-01-15T10:{:02}:{:02}.000Z\",\"details\":{{\"action_name\":\"{name}\",\"stats\":{{\"total_request_duration_ms\":{}}}}}}}\n",
            i / 60 % 60,
            i % 60,
            500 + i
        ));
    }
    out.push_str("{\"log_id\":\"x\",\"type\":\"f\",\"date\":\"2024-01-15T10:05:00.000Z\",\"description\":\"resource_exhausted\"}\n");
    out
}
