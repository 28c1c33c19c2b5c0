//! Native events-table benchmark (not a timed test).
//!
//! `cargo run --release --example bench_table -- 1000000` builds that many synthetic
//! rows (`chart::synthetic`, as the browser benchmark does), sorts the table by
//! duration (slowest first) and times, as means over 10 runs:
//! - a filter change the old way (what `table::select` did before `table::Sorted`:
//!   filter every row, then sort the rows that pass), and the new way
//!   (`table::Sorted`: filter within the order kept from the last sort);
//! - re-ranging the time-ordered rows to a view (an eighth of the range):
//!   `table::in_range` (a pass over the rows) and `table::in_range_for` (binary search).
//!
//! Prints a Markdown table. `--only old|new|none` runs one filter change once (or
//! only the common set-up), for `valgrind --tool=callgrind` instruction counts.

use inflight::chart::synthetic;
use inflight::table::{filter_in, in_range, in_range_for, select, Col, Query, Rows, Sorted, SynthRows};
use std::time::Instant;

fn mean_ms(runs: usize, mut f: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..runs {
        f(i);
    }
    t.elapsed().as_secs_f64() * 1000.0 / runs as f64
}

/// The table's filter before `Sorted`: filter all rows, then sort those (stable; the
/// synthetic rows all have a duration, so this is the whole comparison).
fn old_select(rows: &SynthRows, q: &Query) -> Vec<u32> {
    let all: Vec<u32> = (0..rows.len() as u32).collect();
    let mut out = filter_in(rows, &all, q);
    assert!(q.sort == Col::Duration && q.descending);
    let d = |i: u32| rows.duration(i as usize).unwrap_or(f64::NAN);
    out.sort_by(|&a, &b| d(b).total_cmp(&d(a)).then(a.cmp(&b)));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let data = synthetic(n, 0x5EED);
    let rows = SynthRows { marks: &data.marks, series: &data.series };
    let base = Query { sort: Col::Duration, descending: true, ..Query::default() };
    let query = |i: usize| Query { series: if i % 2 == 0 { Some((i / 2 % 3) as u32) } else { None }, ..base.clone() };
    let mut sorted = Sorted::default();
    sorted.select(&rows, &base);
    match only.as_deref() {
        Some("old") => {
            println!("{}", old_select(&rows, &query(0)).len());
            return;
        }
        Some("none") => return,
        Some("new") => {
            // The first sort happened above; this is one filter change.
            println!("{}", sorted.select(&rows, &query(0)).len());
            return;
        }
        _ => {}
    }
    for i in 0..4 {
        assert_eq!(sorted.select(&rows, &query(i)), old_select(&rows, &query(i)), "same rows");
    }
    let old = mean_ms(10, |i| {
        std::hint::black_box(old_select(&rows, &query(i)));
    });
    let new = mean_ms(10, |i| {
        std::hint::black_box(sorted.select(&rows, &query(i)));
    });
    let by_time = Query::default();
    let all = select(&rows, &by_time);
    let (t0, t1) = (data.marks[0].t, data.marks[n - 1].t);
    let view = |i: usize| {
        let w = (t1 - t0) / 8;
        let a = t0 + (t1 - t0 - w) * (i as i64 % 10) / 10;
        (a, a + w)
    };
    for i in 0..3 {
        let (a, b) = view(i);
        assert_eq!(in_range(&rows, &all, a, b), in_range_for(&rows, &all, &by_time, a, b));
    }
    let scan = mean_ms(10, |i| {
        let (a, b) = view(i);
        std::hint::black_box(in_range(&rows, &all, a, b));
    });
    let search = mean_ms(10, |i| {
        let (a, b) = view(i);
        std::hint::black_box(in_range_for(&rows, &all, &by_time, a, b));
    });
    println!("| rows | filter change, re-sort (ms) | filter change, kept order (ms) | ratio | re-range, scan (ms) | re-range, binary search (ms) | ratio |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {n} | {old:.1} | {new:.1} | {:.1}× | {scan:.2} | {search:.2} | {:.1}× |",
        old / new,
        scan / search
    );
}
