//! Native timeline-frame benchmark (not a timed test): what a frame asks of the canvas.
//!
//! `cargo run --release --example bench_frame -- 1000000` draws the browser
//! benchmark's frames (`tests/browser/bench.mjs`: 80 zooming, 80 panning, 1280×900
//! page, so a 1240×560 chart canvas) on a backend that only counts calls, two ways:
//! - `elements`: marks and the in-flight line as plotters elements, one level of
//!   detail (the coarsest) — close to the code before the pixel layer;
//! - `layer`: plot area (grid, shading, marks, line) rasterized into a
//!   `raster::Layer` and put on the backend with one `blit_bitmap`, all levels of
//!   detail (what the page does now).
//!
//! Prints a Markdown table of backend calls per frame (each is at least one canvas
//! call from wasm; a circle is four, with a colour string), bitmap pixels, and the
//! native time of a frame's work (everything but the canvas: decimation, layout,
//! rasterizing), mean and p95.
//! `--mode elements|layer` draws one way only (`--mode none`: only the set-up), for
//! `valgrind --tool=callgrind` instruction counts of the wasm-side work.
//! `--y-scale auto|linear|log` picks the duration axis (default auto, as the page;
//! the synthetic data's wide views come out log, its narrow ones linear).

use inflight::chart::{draw_frame_with, synthetic, DrawOptions, Extras, FrameOptions, YScale};
use inflight::lod::LodSet;
use inflight::viewport::Viewport;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

#[derive(Default, Clone, Copy)]
struct Calls {
    circles: u64,
    paths: u64,
    rects: u64,
    polygons: u64,
    texts: u64,
    other: u64,
    blits: u64,
    blit_pixels: u64,
}

impl Calls {
    fn total(&self) -> u64 {
        self.circles + self.paths + self.rects + self.polygons + self.texts + self.other + self.blits
    }
}

struct Counting {
    size: (u32, u32),
    calls: Calls,
}

#[derive(Debug)]
struct NoError;
impl std::fmt::Display for NoError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("no error")
    }
}
impl std::error::Error for NoError {}

type R = Result<(), DrawingErrorKind<NoError>>;

impl DrawingBackend for Counting {
    type ErrorType = NoError;
    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> R {
        Ok(())
    }
    fn present(&mut self) -> R {
        Ok(())
    }
    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> R {
        self.calls.other += 1;
        Ok(())
    }
    fn draw_line<S: BackendStyle>(&mut self, _: BackendCoord, _: BackendCoord, _: &S) -> R {
        self.calls.paths += 1;
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(&mut self, _: BackendCoord, _: BackendCoord, _: &S, _: bool) -> R {
        self.calls.rects += 1;
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, _: &S) -> R {
        std::hint::black_box(path.into_iter().count());
        self.calls.paths += 1;
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(&mut self, _: BackendCoord, _: u32, _: &S, _: bool) -> R {
        self.calls.circles += 1;
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, _: &S) -> R {
        std::hint::black_box(vert.into_iter().count());
        self.calls.polygons += 1;
        Ok(())
    }
    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, _: &T, _: BackendCoord) -> R {
        std::hint::black_box(text.len());
        self.calls.texts += 1;
        Ok(())
    }
    fn blit_bitmap(&mut self, _: BackendCoord, (w, h): (u32, u32), src: &[u8]) -> R {
        std::hint::black_box(src.len());
        self.calls.blits += 1;
        self.calls.blit_pixels += u64::from(w) * u64::from(h);
        Ok(())
    }
    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, s: &T) -> Result<(u32, u32), DrawingErrorKind<NoError>> {
        Ok(((text.chars().count() as f64 * s.size() * 0.55) as u32, (s.size() * 1.2) as u32))
    }
}

/// Draws the 160 benchmark frames; returns calls summed, each frame's time (ms) and
/// how many frames had a log duration axis.
fn run(data: &inflight::chart::ChartData, lod: &LodSet, raster: bool, y_scale: YScale) -> (Calls, Vec<f64>, usize) {
    let opts = DrawOptions { y_scale, ..DrawOptions::default() };
    let mut log = 0;
    let mut vp = Viewport::new(data.full_view());
    let mut calls = Calls::default();
    let mut ms = Vec::new();
    let fo = FrameOptions { sorted: true, ..FrameOptions::default() };
    for kind in ["zoom", "pan"] {
        vp.reset();
        if kind == "pan" {
            vp.zoom_at(8.0, 0.0);
        }
        for i in 0..80u32 {
            if kind == "pan" {
                vp.pan_frac(if (i / 40) % 2 == 1 { -0.02 } else { 0.02 });
            } else {
                vp.zoom_at(if (i / 20) % 2 == 1 { 1.0 / 1.25 } else { 1.25 }, 0.37);
            }
            let start = std::time::Instant::now();
            let backend = Counting { size: (1240, 560), calls: Calls::default() };
            let root = backend.into_drawing_area();
            let ex = Extras { lod: Some(lod), raster };
            let frame = draw_frame_with(&root, data, &vp.view(), &opts, &fo, ex).expect("drawn");
            drop(root);
            log += usize::from(frame.y.log);
            ms.push(start.elapsed().as_secs_f64() * 1e3);
            // The counts live in the backend, which the drawing area owns: read them back.
            calls = add(calls, COUNTS.with(|c| c.take()));
        }
    }
    (calls, ms, log)
}

thread_local! {
    static COUNTS: std::cell::Cell<Calls> = const {
        std::cell::Cell::new(Calls { circles: 0, paths: 0, rects: 0, polygons: 0, texts: 0, other: 0, blits: 0, blit_pixels: 0 })
    };
}

impl Drop for Counting {
    fn drop(&mut self) {
        let c = self.calls;
        COUNTS.with(|x| x.set(add(x.get(), c)));
    }
}

fn add(a: Calls, b: Calls) -> Calls {
    Calls {
        circles: a.circles + b.circles,
        paths: a.paths + b.paths,
        rects: a.rects + b.rects,
        polygons: a.polygons + b.polygons,
        texts: a.texts + b.texts,
        other: a.other + b.other,
        blits: a.blits + b.blits,
        blit_pixels: a.blit_pixels + b.blit_pixels,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let mode = args.iter().position(|a| a == "--mode").and_then(|i| args.get(i + 1)).cloned();
    let y_scale = args
        .iter()
        .position(|a| a == "--y-scale")
        .and_then(|i| args.get(i + 1))
        .map(|s| YScale::parse(s).expect("--y-scale auto|linear|log"))
        .unwrap_or_default();
    let data = synthetic(n, 0x5EED);
    let all = LodSet::build(&data);
    let one = LodSet { levels: all.levels.iter().take(1).cloned().collect() };
    let frames = 160.0;
    let mut rows = Vec::new();
    for (name, lod, raster) in [("elements", &one, false), ("layer", &all, true)] {
        if mode.as_deref().is_some_and(|m| m != name) {
            continue;
        }
        let (c, ms, log) = run(&data, lod, raster, y_scale);
        rows.push((name, c, ms, log));
    }
    println!("| requests | frames drawn as | circles | paths | rects | polygons | texts | bitmaps | backend calls / frame | bitmap pixels / frame | native ms / frame: mean / p95 | log axis frames ({}) |", y_scale.name());
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, c, mut ms, log) in rows {
        let f = |v: u64| format!("{:.0}", v as f64 / frames);
        ms.sort_by(f64::total_cmp);
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        let p95 = ms[(ms.len() * 95 / 100).min(ms.len() - 1)];
        println!(
            "| {n} | {name} | {} | {} | {} | {} | {} | {} | {} | {} | {mean:.2} / {p95:.2} | {log} of {frames} |",
            f(c.circles),
            f(c.paths),
            f(c.rects),
            f(c.polygons),
            f(c.texts),
            f(c.blits),
            f(c.total()),
            f(c.blit_pixels),
        );
    }
}
