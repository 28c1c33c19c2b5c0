//! The page's session while its events are still arriving from the Web Worker
//! (`Session::from_parts`, before `Session::complete`): what needs the events (the
//! redacted logs, the report, the redaction counts, the before/after preview) is
//! refused with `session::STILL_LOADING`, never made from the empty event list; a
//! count started meanwhile waits and then counts every event; what needs only the
//! analysis (summary, chart, share link) already equals the whole session's.

use inflight::redact::Redactor;
use inflight::report::{self, ReportOptions};
use inflight::rules::RuleSet;
use inflight::session::{CountJob, Session, STILL_LOADING};
use inflight::{share, wire};

fn red() -> Redactor {
    Redactor::new([7; 32])
}

const TWO: &str = concat!(
    r#"{"log_id":"1","type":"f","date":"2024-01-15T10:30:01.000Z","ip":"81.2.69.143","user_name":"trinity@acme.example","description":"Wrong password","details":{"custom":{"plan":"gold-7731","contact":"morpheus@matrix.example"}}}"#,
    "\n",
    r#"{"log_id":"2","type":"s","date":"2024-01-15T10:30:02.000Z","ip":"81.2.69.144","user_name":"neo@acme.example","details":{"custom":{"plan":"silver-12"}}}"#,
    "\n",
);

/// `whole` as the page gets it from the worker: the head and the analysis now, the
/// events and texts later.
fn loading(whole: &Session) -> Session {
    let (head, n) = wire::decode_head(&wire::encode_head(&whole.ingest)).unwrap();
    let mut an = wire::analysis_without_vecs(&whole.analysis);
    for b in wire::encode_analysis(&whole.analysis, 1000) {
        wire::decode_analysis(&b, &mut an).unwrap();
    }
    let mut summary = whole.summary();
    summary.problems.clear();
    Session::from_parts(head, an, whole.attribution.clone(), None, Some(summary), n)
}

fn complete(part: &mut Session, whole: &Session) {
    let texts = whole.ingest.sources.iter().map(|s| s.text.clone()).collect();
    part.complete(whole.ingest.events.clone(), texts);
}

#[test]
fn outputs_that_need_the_events_wait_for_them() {
    let whole = Session::load(vec![("two.ndjson".into(), TWO.as_bytes().to_vec())], None);
    let rules = RuleSet::default();
    let mut part = loading(&whole);
    assert!(part.loading());
    assert_eq!(part.event_count(), 2);
    assert!(part.ingest.events.is_empty());

    assert_eq!(part.export_redacted(0, &red(), &rules).unwrap_err(), STILL_LOADING);
    assert!(part.redact_source(0, &red(), &rules).is_none());
    assert_eq!(part.redaction_summary(&red(), &rules).unwrap_err(), STILL_LOADING);
    assert_eq!(part.preview_event(0, &red(), &rules).unwrap_err(), STILL_LOADING);
    let opts = ReportOptions { rules: rules.clone(), ..ReportOptions::default() };
    assert_eq!(report::render_unverified(&part, &red(), &opts).unwrap_err(), STILL_LOADING);
    assert_eq!(report::render(&part, &red(), &opts).unwrap_err(), STILL_LOADING);

    // A count started while loading counts nothing (no zero counts to show) …
    let mut job = CountJob::new(&part);
    assert!(job.waiting());
    assert!(!job.step(&part, &red(), &rules, usize::MAX));
    assert!(!job.done());
    assert_eq!(job.progress(), (0, 0));
    assert_eq!(job.summary.records, 0);

    // … and counts every event once they are in.
    complete(&mut part, &whole);
    assert!(!part.loading());
    assert!(job.step(&part, &red(), &rules, usize::MAX));
    assert!(!job.waiting());
    assert_eq!(job.progress(), (2, 2));
    assert_eq!(job.summary.records, 2);
    assert_eq!(job.summary.count("path:ip"), 2);
    assert_eq!(job.summary.count("path:user_name"), 2);
    assert_eq!(job.summary.count("detector:email"), 1);
    assert_eq!(job.summary, whole.redaction_summary(&red(), &rules).unwrap());

    // Every output equals the whole session's.
    assert_eq!(part.export_redacted(0, &red(), &rules).unwrap().bytes, whole.export_redacted(0, &red(), &rules).unwrap().bytes);
    assert_eq!(part.preview_event(0, &red(), &rules).unwrap(), whole.preview_event(0, &red(), &rules).unwrap());
    assert_eq!(report::render(&part, &red(), &opts).unwrap().html, report::render(&whole, &red(), &opts).unwrap().html);
}

#[test]
fn summary_chart_and_share_link_are_whole_while_loading() {
    let text = inflight::sample::sample_incident_ndjson();
    let whole = Session::load(vec![("sample.ndjson".into(), text.into_bytes())], None);
    let part = loading(&whole);
    assert!(part.loading());
    assert_eq!(part.summary(), whole.summary());
    assert_eq!(part.chart(), whole.chart());
    assert_eq!(part.time_range(), Some((1715676300753, 1715677200325)));
    assert_eq!(part.time_range(), whole.time_range());
    // The link's time range came from the events (None while loading): regression.
    assert_eq!(share::fit(&part, None).unwrap().1, share::fit(&whole, None).unwrap().1);
}

