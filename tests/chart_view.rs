//! What the timeline shows first and how much room its plot gets: the page draws no
//! legend strip (its HTML chips are the legend), one event dated 1970 or 9999 among
//! an incident's does not set the view the page and the report open on, and the SVG
//! the PNG download is checked through.

use inflight::chart::{self, ChartData, DrawOptions, FrameOptions, Mark, View};
use inflight::ingest::Severity;
use inflight::redact::Redactor;
use inflight::report::{self, ReportOptions};
use inflight::session::Session;
use inflight::viewport::{Viewport, KEY_ZOOM};
use plotters::prelude::*;

/// 2024-05-14T09:00:00Z.
const T: i64 = 1_715_677_200_000;
const YEAR_1970: i64 = 0;
/// 9999-12-31T23:59:59.999Z.
const YEAR_9999: i64 = 253_402_300_799_999;

fn frame_of(data: &ChartData, opts: &DrawOptions) -> chart::Frame {
    let mut buf = String::new();
    let root = SVGBackend::with_string(&mut buf, (1240, 560)).into_drawing_area();
    let f = chart::draw_frame(
        &root,
        data,
        &data.full_view(),
        opts,
        &FrameOptions::default(),
    )
    .expect("drawn");
    root.present().expect("presented");
    f
}

#[test]
fn without_the_legend_strip_the_plot_area_is_taller() {
    let data = chart::synthetic(2000, 7);
    assert!(
        data.series.len() >= 2,
        "several series: a legend row at least"
    );
    for title in [
        None,
        Some("Inflight: requests in flight over time (UTC)".to_string()),
    ] {
        let with = frame_of(
            &data,
            &DrawOptions {
                title: title.clone(),
                ..DrawOptions::default()
            },
        );
        let without = frame_of(
            &data,
            &DrawOptions {
                title: title.clone(),
                legend: false,
                ..DrawOptions::default()
            },
        );
        let height = |f: &chart::Frame| f.plot.3 - f.plot.1;
        // One legend row is 18 px plus 8 px below the rows.
        assert!(
            height(&without) >= height(&with) + 26,
            "{title:?}: {:?} vs {:?}",
            without.plot,
            with.plot
        );
        assert_eq!(without.plot.3, with.plot.3, "the bottom stays where it was");
        assert_eq!(
            (without.plot.0, without.plot.2),
            (with.plot.0, with.plot.2),
            "so do the sides"
        );
    }
    // With neither title nor legend the plot starts at the top margin.
    let bare = frame_of(
        &data,
        &DrawOptions {
            legend: false,
            ..DrawOptions::default()
        },
    );
    assert_eq!(bare.plot.1, 8);
}

fn mark(t: i64) -> Mark {
    Mark {
        t,
        dur_ms: 200.0,
        series: 0,
        failed: false,
    }
}

#[test]
fn the_initial_view_leaves_out_dates_outside_2000_to_2099_when_some_are_inside() {
    let incident = ChartData {
        marks: (0..50).map(|i| mark(T + i * 1000)).collect(),
        steps: vec![(T - 200, 1), (T + 49_000, 0)],
        breaches: vec![T + 20_000],
        windows: vec![(T + 19_000, T + 21_000)],
        series: vec!["post-login: slow".into()],
        ..ChartData::default()
    };
    // Nothing outside: the initial view is the full one.
    assert_eq!(incident.initial_view(), incident.full_view());

    for stray in [YEAR_1970, YEAR_9999] {
        let mut data = incident.clone();
        data.marks.push(mark(stray));
        data.marks.sort_by_key(|m| m.t);
        data.steps.push((stray - 200, 1));
        data.steps.push((stray, 0));
        data.steps.sort_by_key(|s| s.0);
        data.breaches.push(stray);
        data.windows.push((stray, stray));
        let full = data.full_view();
        assert!(
            full.t0 <= stray && stray <= full.t1,
            "the full view still holds {stray}"
        );
        // The incident's own view, margins and all.
        assert_eq!(
            data.initial_view(),
            incident.full_view(),
            "stray at {stray}"
        );
    }

    // Only strays: they are what there is to see.
    let strays = ChartData {
        marks: vec![mark(YEAR_1970), mark(YEAR_9999)],
        ..ChartData::default()
    };
    assert_eq!(strays.initial_view(), strays.full_view());
    // Empty data: the same one-second view at the epoch as before.
    assert_eq!(
        ChartData::default().initial_view(),
        View { t0: 0, t1: 1000 }
    );
}

/// Two timed requests and a failure on 2024-05-14, one request in 1970, one in 9999.
fn stray_dates_text() -> String {
    [
        r#"{"log_id":"a1","type":"s","date":"2024-05-14T09:00:01.000Z","details":{"elapsedTime":250}}"#,
        r#"{"log_id":"a2","type":"s","date":"2024-05-14T09:00:05.000Z","details":{"elapsedTime":900}}"#,
        r#"{"log_id":"y1","type":"s","date":"1970-01-01T00:00:00Z","details":{"elapsedTime":300}}"#,
        r#"{"log_id":"a3","type":"f","date":"2024-05-14T09:00:06.000Z","description":"resource_exhausted"}"#,
        r#"{"log_id":"y2","type":"s","date":"9999-12-31T23:59:59.999Z","details":{"elapsedTime":300}}"#,
    ]
    .join("\n")
}

#[test]
fn a_stray_date_is_warned_at_its_value_and_kept_and_the_view_opens_on_the_incident() {
    let text = stray_dates_text();
    let s = Session::load(vec![("paste".into(), text.clone().into_bytes())], None);
    assert_eq!(s.ingest.events.len(), 5, "every event kept");
    let times: Vec<Option<i64>> = s.ingest.events.iter().map(|e| e.time).collect();
    assert!(
        times.contains(&Some(YEAR_1970)) && times.contains(&Some(YEAR_9999)),
        "{times:?}"
    );

    // One warning per stray date, at its value, like any other problem.
    let p = &s.ingest.problems;
    let got: Vec<(Option<u32>, usize, usize, Severity, &str)> = p
        .iter()
        .map(|p| (p.record, p.line, p.column, p.severity, p.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(3), 3, 34, Severity::Warning, "record 3: `date` \"1970-01-01T00:00:00Z\" is outside 2000–2099: placed on the timeline as written, but check it"),
            (Some(5), 5, 34, Severity::Warning, "record 5: `date` \"9999-12-31T23:59:59.999Z\" is outside 2000–2099: placed on the timeline as written, but check it"),
        ]
    );
    for (p, (line, value)) in p.iter().zip([(2, "\"1970-01-01"), (4, "\"9999-12-31")]) {
        // The record's line (shortened past the value).
        assert!(
            text.lines()
                .nth(line)
                .unwrap()
                .starts_with(p.excerpt.trim_end_matches('…')),
            "{}",
            p.excerpt
        );
        assert!(
            p.excerpt[p.caret..].starts_with(value),
            "caret under the value: {}",
            &p.excerpt[p.caret..]
        );
    }
    let sum = s.summary();
    assert_eq!((sum.errors, sum.warnings), (0, 2));

    // The chart holds them all; the page and the report open on 2024-05-14.
    let data = s.chart();
    let mut marks: Vec<i64> = data.marks.iter().map(|m| m.t).collect();
    marks.sort_unstable();
    assert_eq!(
        marks,
        [YEAR_1970, T + 1000, T + 5000, YEAR_9999],
        "one mark per timed request"
    );
    let full = data.full_view();
    assert!(full.t0 < YEAR_1970 && full.t1 > YEAR_9999, "{full:?}");
    let view = data.initial_view();
    assert!(view.t0 > T - 60_000 && view.t1 < T + 60_000, "{view:?}");
    for m in data.marks.iter().filter(|m| (T..T + 10_000).contains(&m.t)) {
        assert!(view.t0 <= m.t && m.t <= view.t1);
    }

    // The page's viewport opens there, goes back there on reset, and zooming out
    // still reaches the whole range.
    let mut vp = Viewport::with_home(full, view);
    assert_eq!(vp.view(), view);
    assert!(!vp.is_full());
    vp.zoom_at(4.0, 0.5);
    vp.pan_frac(0.3);
    vp.reset();
    assert_eq!(vp.view(), view);
    for _ in 0..200 {
        vp.zoom_at(1.0 / KEY_ZOOM, 0.5);
    }
    assert!(vp.is_full(), "zoomed out to {:?}", vp.view());
    vp.reset();
    assert_eq!(vp.view(), view);
    // Without a home the viewport is what it was: everything, and reset to everything.
    let mut plain = Viewport::new(full);
    plain.zoom_at(4.0, 0.5);
    plain.reset();
    assert!(plain.is_full());
}

#[test]
fn the_report_chart_covers_the_incident_not_the_decades() {
    let s = Session::load(
        vec![("paste".into(), stray_dates_text().into_bytes())],
        None,
    );
    let r = report::render(&s, &Redactor::new([7; 32]), &ReportOptions::default())
        .expect("nothing personal here");
    let at = r
        .html
        .find("<section id=\"timeline\">")
        .expect("timeline section");
    let section = &r.html[at..at + r.html[at..].find("</section>").expect("section end")];
    assert!(
        section.contains("time (UTC, 2024-05-14)"),
        "the axis is one day's: {section}"
    );
    for no in ["1970", "9999", "1809", "10160"] {
        assert!(!section.contains(no), "the chart reaches {no}");
    }
    assert!(section.contains("The chart covers the events dated 2000–2099: those dated outside it (see the warnings) are left out."));

    // Without strays: no such sentence.
    let clean: String = stray_dates_text()
        .lines()
        .filter(|l| !l.contains("\"y"))
        .collect::<Vec<_>>()
        .join("\n");
    let s = Session::load(vec![("paste".into(), clean.into_bytes())], None);
    let r = report::render(&s, &Redactor::new([7; 32]), &ReportOptions::default()).expect("clean");
    assert!(!r.html.contains("dated 2000–2099"));
}

/// The PNG download is checked through this SVG before it is drawn: the same title,
/// zone and series as the image.
#[test]
fn the_svg_of_a_frame_has_its_zone_and_leaves_hidden_series_out() {
    let data = chart::synthetic(2000, 7);
    let view = data.full_view();
    let opts = DrawOptions {
        title: Some("Inflight: requests in flight over time (local, UTC+02:00)".into()),
        ..DrawOptions::default()
    };
    let fo = FrameOptions {
        tz_offset_ms: 2 * 3_600_000,
        hidden_series: vec![true],
        ..FrameOptions::default()
    };
    let svg = chart::render_svg_with(&data, &view, &opts, &fo, 1200, 500);
    assert!(svg.contains("(local, UTC+02:00)"), "title");
    assert!(svg.contains("time (local, UTC+02:00"), "axis in the zone");
    assert!(
        !svg.contains("enrich-profile"),
        "hidden series not in the legend"
    );
    assert!(svg.contains("add-roles") && svg.contains("custom-db: login"));
    // With the default frame options it is the SVG download's drawing.
    assert_eq!(
        chart::render_svg_with(&data, &view, &opts, &FrameOptions::default(), 1200, 500),
        chart::render_svg_view(&data, &view, &opts, 1200, 500)
    );
}
