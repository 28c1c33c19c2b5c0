//! How much room the timeline's plot gets (the page draws no legend strip: its HTML
//! chips are the legend), and the SVG the PNG download is checked through.

use inflight::chart::{self, ChartData, DrawOptions, FrameOptions};
use plotters::prelude::*;

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
    let svg = chart::render_svg_frame(&data, &view, &opts, &fo, 1200, 500);
    assert!(svg.contains("(local, UTC+02:00)"), "title");
    assert!(svg.contains("time (local, UTC+02:00"), "axis in the zone");
    assert!(!svg.contains("enrich-profile"), "hidden series not in the legend");
    assert!(svg.contains("add-roles") && svg.contains("custom-db: login"));
    // With the default frame options it is the SVG download's drawing.
    assert_eq!(
        chart::render_svg_frame(&data, &view, &opts, &FrameOptions::default(), 1200, 500),
        chart::render_svg_view(&data, &view, &opts, 1200, 500)
    );
}
