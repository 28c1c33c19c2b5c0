//! The events table against the sample incident, as the page builds it: one row per
//! mark (an Action run, or a request when no Action is named) and one per event
//! without a mark; the Action filter finds every run of an Action; a row and its mark
//! select each other; the detail of a row describes that row's run.

use std::collections::HashMap;

use inflight::sample::{self, Format, Scenario};
use inflight::session::Session;
use inflight::table::{self, Col, EventRows, Linked, Query, Rows};

/// The sample as the page's button loads it: events and their execution objects.
fn sample_session() -> Session {
    let inc = sample::generate(&Scenario::sample_incident(), Format::Ndjson);
    Session::load(
        vec![
            ("sample-incident.ndjson".into(), inc.text.into_bytes()),
            (
                "sample-executions.json".into(),
                inc.executions_json.into_bytes(),
            ),
        ],
        None,
    )
}

/// The marks linked to events as the page links them (`web::rebuild_ui_data`).
fn linked(s: &Session) -> Linked {
    let span_event: Vec<usize> = s
        .analysis
        .work
        .iter()
        .map(|w| w.event.unwrap_or(usize::MAX))
        .collect();
    Linked::from_chart(s.chart(), &span_event, s.event_count())
}

fn runs_by_name(s: &Session) -> HashMap<String, usize> {
    let mut runs: HashMap<String, usize> = HashMap::new();
    for w in &s.analysis.work {
        *runs
            .entry(s.analysis.work_labels[w.label as usize].name.clone())
            .or_default() += 1;
    }
    runs
}

#[test]
fn the_action_filter_finds_every_run_of_that_action() {
    let s = sample_session();
    let l = linked(&s);
    let rows = EventRows {
        events: &s.ingest.events,
        linked: &l,
    };
    let runs = runs_by_name(&s);
    assert!(
        runs["add-roles"] > 1000 && runs["enrich-profile"] > 1000,
        "{runs:?}"
    );
    // The per-Action table counts the same runs.
    let by_action: HashMap<String, usize> = s
        .summary()
        .by_action
        .iter()
        .map(|a| (a.label.clone(), a.count))
        .collect();
    for (name, series) in l.data.series.iter().zip(0u32..) {
        let sel = table::select(
            &rows,
            &Query {
                series: Some(series),
                ..Query::default()
            },
        );
        assert_eq!(sel.len(), runs[name], "rows for {name}");
        assert_eq!(
            sel.len(),
            by_action[name],
            "the per-Action table's count for {name}"
        );
        assert!(sel
            .iter()
            .all(|&r| rows.text(r as usize, Col::Series) == name));
    }
}

#[test]
fn one_row_per_mark_with_its_own_time_duration_and_action() {
    let s = sample_session();
    let l = linked(&s);
    let rows = EventRows {
        events: &s.ingest.events,
        linked: &l,
    };
    // Every mark is exactly one row: its end (where it sits on the timeline), its
    // duration and its Action; every event without a mark is a row of its own.
    let mut marks: Vec<(i64, u64, String)> = l
        .data
        .marks
        .iter()
        .map(|m| {
            (
                m.t,
                m.dur_ms.to_bits(),
                l.data.series[usize::from(m.series)].clone(),
            )
        })
        .collect();
    let mut shown: Vec<(i64, u64, String)> = (0..rows.len())
        .filter_map(|i| {
            Some((
                rows.time(i)?,
                rows.duration(i)?.to_bits(),
                rows.text(i, Col::Series).to_string(),
            ))
        })
        .collect();
    marks.sort();
    shown.sort();
    assert_eq!(shown.len(), marks.len(), "one row per mark");
    assert_eq!(shown, marks);
    let unmarked = l.event_mark.iter().filter(|&&k| k == table::NONE).count();
    assert!(
        unmarked > 100,
        "the sample has events without a duration: {unmarked}"
    );
    assert_eq!(
        rows.len(),
        l.data.marks.len() + unmarked,
        "and one row per event without one"
    );
    // While the events are still arriving (the page's worker load), no rows.
    assert_eq!(EventRows { events: &[], linked: &l }.len(), 0);
    // The table opens in time order (the timeline's), without a sort.
    let order = table::select(&rows, &Query::default());
    let times: Vec<Option<i64>> = order.iter().map(|&r| rows.time(r as usize)).collect();
    assert!(
        times.is_sorted_by_key(|t| (t.is_none(), *t)),
        "time order, untimed last"
    );
}

#[test]
fn a_row_and_its_mark_select_each_other_and_the_detail_describes_that_run() {
    let s = sample_session();
    let l = linked(&s);
    let events = &s.ingest.events;
    let rows = EventRows { events, linked: &l };
    // The tester's login: the first event ran add-roles, then enrich-profile.
    let e = 0;
    let marks = l.marks_of(e);
    let names: Vec<&str> = marks
        .iter()
        .map(|&k| l.data.series[usize::from(l.data.marks[k].series)].as_str())
        .collect();
    assert_eq!(names, ["add-roles", "enrich-profile"]);
    let mut seen = Vec::new();
    for (&k, name) in marks.iter().zip(names) {
        let m = l.data.marks[k];
        // Mark → row → the same mark, and the row shows that run.
        let r = l.mark_row(k).expect("every mark has a row");
        assert_eq!(l.row_mark(r), Some(k));
        assert_eq!(l.row_event(r), Some(e));
        assert_eq!(rows.text(r, Col::Series), name);
        assert_eq!(rows.duration(r), Some(m.dur_ms));
        assert_eq!(
            rows.time(r),
            Some(m.t),
            "the row's time is the run's end, where its mark is"
        );
        assert_eq!(
            rows.text(r, Col::Type),
            events[e].type_code,
            "and the event's columns"
        );
        // The detail (and tooltip) of the row: that Action, its duration and times,
        // then its event, labelled as such.
        let lines = table::describe_row(&l, Some(events), r, &|_| 0);
        let text: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(text[0], name, "{text:?}");
        let start = m.t - m.dur_ms.round() as i64;
        assert_eq!(
            text[1],
            format!(
                "{} · ran {}",
                table::fmt_dur(m.dur_ms),
                table::fmt_span(start, m.t, &|_| 0)
            )
        );
        assert_eq!(
            text[2],
            format!(
                "its event: type s Successful login, logged {}",
                table::fmt_when(events[e].time.unwrap(), 0)
            ),
            "{text:?}"
        );
        seen.push(r);
    }
    assert_ne!(seen[0], seen[1], "two Actions, two rows");
    assert_eq!(
        l.event_row(e),
        Some(marks[1]),
        "the event stands for its slowest run"
    );
    // Events without a mark: their own rows, both ways.
    for r in l.data.marks.len()..rows.len() {
        let e = l.row_event(r).unwrap();
        assert_eq!(l.row_mark(r), None);
        assert_eq!(l.event_row(e), Some(r));
        assert_eq!(rows.time(r), events[e].time);
        let lines = table::describe_row(&l, Some(events), r, &|_| 0);
        assert!(lines[1].0.starts_with("no duration · "), "{lines:?}");
    }
    // Times in another zone are labelled with it.
    let lines = table::describe_row(&l, Some(events), marks[0], &|_| 2 * 3_600_000);
    assert!(lines[1].0.ends_with("UTC+02:00"), "{lines:?}");
    // A run across a clock change names the zone at each end.
    let m = l.data.marks[marks[0]];
    let zone = |t: i64| if t < m.t { 3_600_000 } else { 2 * 3_600_000 };
    let span = table::fmt_span(m.t - 59, m.t, &zone);
    assert!(span.contains(" UTC+01:00 → ") && span.ends_with(" UTC+02:00"), "{span}");
}
