//! The redaction panel's count (`CountJob`) holds only a small piece of redacted
//! output at a time. It used `redact::export_with`, which reserves an output as large
//! as the whole input on every step: at 200 MB the page's wasm memory went from 1.50×
//! to 2.59× the input once the panel had counted. Measured here with a counting
//! allocator (this test binary's own), so it can fail.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use inflight::redact::Redactor;
use inflight::rules::RuleSet;
use inflight::session::{CountJob, Session};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = NOW.fetch_add(l.size(), Ordering::SeqCst) + l.size();
        PEAK.fetch_max(n, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Ordering::SeqCst);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn a_count_step_holds_a_piece_of_output_not_a_copy_of_the_input() {
    let text = inflight::sample::sample_incident_ndjson();
    let input = text.len();
    assert!(input > 8 << 20, "sample is {input} bytes");
    let s = Session::load(vec![("sample.ndjson".into(), text.into_bytes())], None);
    let key = Redactor::new([7; 32]);
    let rules = RuleSet::default();
    let mut job = CountJob::new(&s);
    let before = NOW.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let mut steps = 0;
    while !job.step(&s, &key, &rules, 500) {
        steps += 1;
    }
    let extra = PEAK.load(Ordering::SeqCst) - before;
    assert!(steps > 5);
    // The redaction memo and a 256 KiB piece; before the fix, at least the input's size.
    assert!(extra < input / 4, "a count held {extra} bytes more for a {input}-byte input");
    assert_eq!(job.summary, s.redaction_summary(&key, &rules).unwrap());
}
