//! How much room the timeline's plot gets: the page draws no legend strip (its HTML
//! chips are the legend).

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
