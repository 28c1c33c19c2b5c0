//! The timeline chart: request durations, in-flight count and limit breaches.
//!
//! [`draw`] works on any plotters [`DrawingBackend`]: the web layer passes a
//! `plotters-canvas` backend, [`render_svg`] uses plotters' SVG backend for
//! reports and tests. The chart knows nothing about log parsing: callers build a
//! [`ChartData`] (the analysis module does) and pick a [`View`] (zoom range).
//!
//! Layout, inside the plot area:
//! - x: time, UTC. Tick spacing and label format adapt to the visible span
//!   (`YYYY-MM-DD`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.mmm`, see [`time_scale`]);
//!   the axis caption says "UTC" and the date(s) on screen.
//! - left y: request duration (ms, or s when the slowest visible request takes 10 s
//!   or more); each request is a small circle at its end time, coloured by series
//!   (Okabe–Ito palette); failed requests get a dark ring.
//! - right y: in-flight requests, a step line, with the concurrency limit as a
//!   horizontal line (solid when known, dashed and labelled "estimated limit ≈ N"
//!   when inferred).
//! - breach windows are shaded light red, and every breach (`resource_exhausted`
//!   failure) is a red triangle along the top edge.
//! - a legend strip above the plot.
//!
//! Drawing cost depends on the pixel width, not on the number of requests:
//! [`decimate_marks`] keeps per pixel column and series only the fastest and the
//! slowest request (plus every failed one), and [`decimate_steps`] keeps per
//! column the first, lowest, highest and last step. Breaches are never dropped.
//!
//! Text: plotters only measures text (for layout) and leaves drawing it to the
//! backend. Natively, with plotters' `ttf`/`ab_glyph` features off, it measures
//! with a built-in width estimate and the SVG backend writes `<text>` elements
//! (escaped), so no font file is needed. On wasm32 plotters measures through the
//! DOM and the canvas backend draws with `fillText`, i.e. the browser's fonts; SVG
//! output measures with the native estimate on every platform (`SameTextSize`), so
//! the page's SVG and report equal the CLI's.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use plotters::coord::ranged1d::{BoldPoints, KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, Drawable, PointCollection};
use plotters_backend::{BackendCoord, DrawingErrorKind};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Everything the chart draws. Times are epoch milliseconds, UTC.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartData {
    /// One mark per timed request.
    pub marks: Vec<Mark>,
    /// Legend names, indexed by [`Mark::series`] (text from logs: drawn as text only).
    pub series: Vec<String>,
    /// In-flight step function, sorted by time: `(time, count from then on)`.
    pub steps: Vec<(i64, u32)>,
    /// Times of the breaches (`resource_exhausted` failures).
    pub breaches: Vec<i64>,
    /// Time ranges during which the limit was breached, shaded.
    pub windows: Vec<(i64, i64)>,
    /// The concurrency limit, if known or estimated.
    pub limit: Option<Limit>,
}

/// One timed request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    /// End time, epoch ms.
    pub t: i64,
    /// Duration in milliseconds.
    pub dur_ms: f64,
    /// Index into [`ChartData::series`].
    pub series: u16,
    /// The request failed.
    pub failed: bool,
}

/// The tenant's concurrency limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Maximum number of requests in flight.
    pub value: u32,
    /// Inferred from the data rather than known.
    pub estimated: bool,
}

/// The visible time range, epoch ms. Any pair is accepted: reversed ends are
/// swapped and an empty range is widened to one second (see [`View::bounds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Start of the visible range.
    pub t0: i64,
    /// End of the visible range.
    pub t1: i64,
}

impl View {
    /// The range actually drawn: ordered, and at least 1 ms wide (an empty range
    /// becomes the second centred on it).
    pub fn bounds(&self) -> (i64, i64) {
        let (a, b) = if self.t0 <= self.t1 {
            (self.t0, self.t1)
        } else {
            (self.t1, self.t0)
        };
        if a == b {
            (a.saturating_sub(500), b.saturating_add(500))
        } else {
            (a, b)
        }
    }
}

/// How the duration (left) axis is scaled: the user's choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YScale {
    /// Logarithmic when the durations drawn span more than two decades (see
    /// [`auto_is_log`]), else linear.
    #[default]
    Auto,
    Linear,
    Log,
}

impl YScale {
    /// All choices, in the order the page's control lists them and `L` cycles.
    pub const ALL: [YScale; 3] = [YScale::Auto, YScale::Linear, YScale::Log];

    /// Stable name (the page's `<option>` values).
    pub fn name(self) -> &'static str {
        match self {
            YScale::Auto => "auto",
            YScale::Linear => "linear",
            YScale::Log => "log",
        }
    }

    /// The choice named `name` ([`YScale::name`]), if any.
    pub fn parse(name: &str) -> Option<YScale> {
        YScale::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The next choice: Auto → Linear → Log → Auto.
    pub fn next(self) -> YScale {
        match self {
            YScale::Auto => YScale::Linear,
            YScale::Linear => YScale::Log,
            YScale::Log => YScale::Auto,
        }
    }
}

/// [`YScale::Auto`] draws a log axis when the 99th percentile of the durations
/// drawn is more than this many times their 1st percentile (two decades).
pub const AUTO_LOG_RATIO: f64 = 100.0;

/// Width of the left axis' label area on a log scale and under Auto (layout px;
/// 64 for a forced linear axis): room for labels with units ("500 ms") beside the
/// axis title.
const LOG_AXIS_W: i32 = 84;

/// The lowest floor of a log duration axis, ms: shorter durations (0 ms,
/// sub-millisecond) are drawn on it.
pub const LOG_FLOOR_MS: f64 = 1.0;

/// Does [`YScale::Auto`] pick a log axis for these durations? Yes when the 99th
/// percentile over the 1st (nearest rank; durations under [`LOG_FLOOR_MS`]
/// count as that) is more than [`AUTO_LOG_RATIO`]. Non-finite durations are
/// left out; fewer than two durations give linear.
pub fn auto_is_log(durations: impl IntoIterator<Item = f64>) -> bool {
    let mut v: Vec<f64> = durations
        .into_iter()
        .filter(|d| d.is_finite())
        .map(|d| d.max(LOG_FLOOR_MS))
        .collect();
    if v.len() < 2 {
        return false;
    }
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    let rank = |p: usize| (v.len() * p).div_ceil(100).clamp(1, v.len()) - 1;
    let (r1, r99) = (rank(1), rank(99));
    let p99 = *v.select_nth_unstable_by(r99, f64::total_cmp).1;
    let p1 = *v[..=r99].select_nth_unstable_by(r1, f64::total_cmp).1;
    p99 > AUTO_LOG_RATIO * p1
}

/// The largest of 1, 2, 5 × 10^k (k ≥ 0) at or below `ms`; [`LOG_FLOOR_MS`] for
/// anything below that (and for NaN).
pub fn nice_floor(ms: f64) -> f64 {
    if ms.is_nan() || ms <= LOG_FLOOR_MS {
        return LOG_FLOOR_MS;
    }
    let ms = ms.min(1e300);
    let mut base = 10f64.powi(ms.log10().floor() as i32);
    // log10 may land a hair off at exact powers of ten.
    if base > ms {
        base /= 10.0;
    }
    for f in [5.0, 2.0, 1.0] {
        if f * base <= ms * (1.0 + 1e-9) {
            return (f * base).max(LOG_FLOOR_MS);
        }
    }
    base.max(LOG_FLOOR_MS)
}

/// Tick values of a log axis over `[lo, hi]` (ms), at most `max_ticks` of them
/// (at least the decade ticks are tried): 1, 2, 5 per decade when they fit, else
/// 1 per decade, else every 2nd, 3rd, … decade.
pub fn log_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if !(lo > 0.0 && lo.is_finite() && hi.is_finite() && hi >= lo) {
        return Vec::new();
    }
    let max_ticks = max_ticks.max(1);
    let (k0, k1) = (lo.log10().floor() as i32 - 1, hi.log10().ceil() as i32 + 1);
    let within = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let all: Vec<f64> = (k0..=k1)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|f| nice(f, k)))
        .filter(|&v| within(v))
        .collect();
    if all.len() <= max_ticks {
        return all;
    }
    let decades: Vec<i32> = (k0..=k1).filter(|&k| within(nice(1.0, k))).collect();
    if decades.is_empty() {
        // Less than a decade and room for fewer ticks than its 1-2-5 values.
        return all.into_iter().take(max_ticks).collect();
    }
    let every = decades.len().div_ceil(max_ticks).max(1);
    decades
        .iter()
        .filter(|&&k| k.rem_euclid(every as i32) == 0)
        .map(|&k| nice(1.0, k))
        .collect()
}

/// `f` × 10^k, exact for the values ticks use (10^k by integer powers is exact
/// up to 10^22; 10f64.powi(-3) is not 0.001 in binary either way).
fn nice(f: f64, k: i32) -> f64 {
    if k >= 0 {
        f * 10f64.powi(k)
    } else {
        f / 10f64.powi(-k)
    }
}

/// A duration (left) axis label on a log axis: `1 ms`, `20 ms`, `500 ms`, `1 s`,
/// `20 s` (the units change along the axis, so each label carries its own).
pub fn log_label(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{} s", duration_label(ms, true))
    } else {
        format!("{} ms", duration_label(ms, false))
    }
}

/// How a frame maps durations (ms) to the plot's height: linear from 0 to `hi`,
/// or logarithmic from `lo` (> 0) to `hi`. Durations outside are drawn at the
/// nearer end (0 ms, sub-millisecond and NaN at the bottom), never at -inf or NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DurationAxis {
    pub log: bool,
    /// Duration at the bottom of the plot (0 on a linear axis).
    pub lo: f64,
    /// Duration at the top of the plot.
    pub hi: f64,
    /// `ln lo` and `1 / (ln hi - ln lo)` (log only), so a mark costs one `ln`.
    ln_lo: f64,
    inv_span: f64,
}

impl Default for DurationAxis {
    fn default() -> Self {
        DurationAxis::linear(1000.0)
    }
}

impl DurationAxis {
    /// Linear from 0 to `hi` (> 0; anything else gives 1 s).
    pub fn linear(hi: f64) -> DurationAxis {
        let hi = if hi.is_finite() && hi > 0.0 {
            hi
        } else {
            1000.0
        };
        DurationAxis {
            log: false,
            lo: 0.0,
            hi,
            ln_lo: 0.0,
            inv_span: 1.0 / hi,
        }
    }

    /// Logarithmic from `lo` to `hi`; `lo` at least [`LOG_FLOOR_MS`], `hi` at
    /// least twice `lo`.
    pub fn log(lo: f64, hi: f64) -> DurationAxis {
        let lo = if lo.is_finite() && lo > LOG_FLOOR_MS {
            lo
        } else {
            LOG_FLOOR_MS
        }
        .min(1e250);
        let hi = if hi.is_finite() && hi > 2.0 * lo {
            hi
        } else {
            2.0 * lo
        };
        let ln_lo = lo.ln();
        DurationAxis {
            log: true,
            lo,
            hi,
            ln_lo,
            inv_span: 1.0 / (hi.ln() - ln_lo),
        }
    }

    /// The axis a frame draws for the `durations` of the marks it draws: for
    /// [`YScale::Auto`] log when [`auto_is_log`], else linear. Linear: 0 to 1.15 ×
    /// the longest (1 s when none is above 0). Log: from the 1-2-5 value at or below
    /// the shortest duration above 0 divided by 1.3 (at least [`LOG_FLOOR_MS`]) to
    /// 1.3 × the longest, at least one decade.
    pub fn fit(scale: YScale, durations: impl Iterator<Item = f64> + Clone) -> DurationAxis {
        let log = match scale {
            YScale::Linear => false,
            YScale::Log => true,
            YScale::Auto => auto_is_log(durations.clone()),
        };
        let finite = durations.filter(|d| d.is_finite());
        let max = finite.clone().fold(0.0f64, f64::max);
        if !log {
            return DurationAxis::linear(if max > 0.0 { max * 1.15 } else { 1000.0 });
        }
        let min = finite.filter(|&d| d > 0.0).fold(f64::INFINITY, f64::min);
        if !min.is_finite() {
            return DurationAxis::log(LOG_FLOOR_MS, 1000.0);
        }
        let lo = nice_floor(min / 1.3);
        DurationAxis::log(lo, (max * 1.3).max(10.0 * lo))
    }

    /// `d` moved inside the axis (NaN to the bottom).
    #[inline]
    pub fn clamp(&self, d: f64) -> f64 {
        if d >= self.hi {
            self.hi
        } else if d > self.lo {
            d
        } else {
            self.lo
        }
    }

    /// Where `d` sits: 0 at the bottom, 1 at the top (clamped).
    #[inline]
    pub fn frac(&self, d: f64) -> f64 {
        let d = self.clamp(d);
        if self.log {
            (d.ln() - self.ln_lo) * self.inv_span
        } else {
            d * self.inv_span
        }
    }

    /// The duration at fraction `f` of the height (the inverse of [`Self::frac`]
    /// inside the axis; `f` is clamped to 0..=1).
    pub fn at(&self, f: f64) -> f64 {
        let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
        if f == 0.0 {
            self.lo
        } else if f == 1.0 {
            self.hi
        } else if self.log {
            (self.ln_lo + f / self.inv_span)
                .exp()
                .clamp(self.lo, self.hi)
        } else {
            f * self.hi
        }
    }

    /// The duration halfway up the plot.
    pub fn mid(&self) -> f64 {
        self.at(0.5)
    }

    /// The axis title.
    fn title(&self, seconds: bool) -> &'static str {
        match (self.log, seconds) {
            (true, _) => "request duration (log scale)",
            (false, true) => "request duration (s)",
            (false, false) => "request duration (ms)",
        }
    }
}

impl Ranged for DurationAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if !self.log {
            // Exactly plotters' own `0.0..hi`, so a linear chart is unchanged.
            return plotters::coord::types::RangedCoordf64::from(0.0..self.hi).map(value, limit);
        }
        // The same rounding as plotters' linear axis, over ln.
        let len = limit.1 - limit.0;
        let f = self.frac(*value);
        if len > 0 {
            limit.0 + (f64::from(len) * f + 1e-3).floor() as i32
        } else {
            limit.0 + (f64::from(len) * f - 1e-3).ceil() as i32
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if self.log {
            log_ticks(self.lo, self.hi, hint.max_num_points())
        } else {
            plotters::coord::types::RangedCoordf64::from(0.0..self.hi).key_points(hint)
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Drawing options.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawOptions {
    /// A title above the legend.
    pub title: Option<String>,
    /// Draw the legend strip.
    pub legend: bool,
    /// Radius of a request mark, in pixels.
    pub mark_radius: u32,
    /// CSS / plotters font family for all text.
    pub font: &'static str,
    /// Device pixels per layout pixel (`window.devicePixelRatio` for a hi-DPI
    /// canvas): multiplies text sizes, margins, mark sizes and line widths.
    /// Values that are not finite and positive count as 1.
    pub scale: f64,
    /// The duration axis: linear, logarithmic, or chosen per frame ([`YScale::Auto`]).
    pub y_scale: YScale,
}

impl Default for DrawOptions {
    fn default() -> Self {
        DrawOptions {
            title: None,
            legend: true,
            mark_radius: 3,
            font: "sans-serif",
            scale: 1.0,
            y_scale: YScale::Auto,
        }
    }
}

impl ChartData {
    /// Everything but the marks (for a view that brings its own, decimated or filtered).
    pub fn without_marks(&self) -> ChartData {
        ChartData {
            marks: Vec::new(),
            series: self.series.clone(),
            steps: self.steps.clone(),
            breaches: self.breaches.clone(),
            windows: self.windows.clone(),
            limit: self.limit,
        }
    }

    /// Is there anything to draw over time (a mark, a step, a breach or a window)?
    pub fn has_time(&self) -> bool {
        !(self.marks.is_empty() && self.steps.is_empty() && self.breaches.is_empty() && self.windows.is_empty())
    }

    /// A view covering every mark, step, breach and window, with a 2% margin.
    /// Empty data gives a one-second view at the epoch.
    pub fn full_view(&self) -> View {
        self.view_of(|_| true).unwrap_or(View { t0: 0, t1: 1000 })
    }

    /// The view a timeline opens on: what [`full_view`](Self::full_view) covers,
    /// less any time outside [`crate::model::PLAUSIBLE`] (2000–2099) when something
    /// is inside it. One event dated 1970 or 9999 among those of an incident in
    /// 2024 would otherwise stretch the axis over decades and put every real mark
    /// in one pixel column. Equals `full_view()` when nothing is outside.
    pub fn initial_view(&self) -> View {
        let p = crate::model::PLAUSIBLE;
        self.view_of(|t| p.contains(&t)).unwrap_or_else(|| self.full_view())
    }

    /// The 2%-padded bounds of the times that `keep` accepts (a window counts when
    /// both its ends are kept), or `None` when it accepts none. No copies: it runs
    /// over a million marks on every load and reset.
    fn view_of(&self, keep: impl Fn(i64) -> bool) -> Option<View> {
        let times = self
            .marks
            .iter()
            .map(|m| m.t)
            .chain(self.steps.iter().map(|s| s.0))
            .chain(self.breaches.iter().copied())
            .filter(|&t| keep(t))
            .chain(self.windows.iter().filter(|w| keep(w.0) && keep(w.1)).flat_map(|w| [w.0, w.1]));
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for t in times {
            lo = lo.min(t);
            hi = hi.max(t);
        }
        if lo > hi {
            return None;
        }
        let pad = (hi.saturating_sub(lo) / 50).max(1);
        Some(View { t0: lo.saturating_sub(pad), t1: hi.saturating_add(pad) })
    }
}

/// Okabe–Ito colour-blind-friendly palette, without vermillion (kept for breaches)
/// and black (the in-flight line).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];
/// Breach markers and windows.
pub const BREACH_COLOR: RGBColor = RGBColor(200, 0, 0);
pub const INFLIGHT_COLOR: RGBColor = RGBColor(40, 40, 40);
pub const LIMIT_COLOR: RGBColor = RGBColor(213, 94, 0);
const GRID_COLOR: RGBColor = RGBColor(232, 232, 232);

/// Colour of a series.
pub fn series_color(series: u16) -> RGBColor {
    PALETTE[usize::from(series) % PALETTE.len()]
}

/// Maps times to pixel columns of `[t0, t1]` (t1 > t0) with `width` columns, in
/// floating point (an i128 division per mark is a slow library call on wasm32).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Columns {
    t0: f64,
    scale: f64,
    last: f64,
}

impl Columns {
    pub(crate) fn new(t0: i64, t1: i64, width: u32) -> Self {
        let w = f64::from(width.max(1));
        let span = (t1 as f64 - t0 as f64).max(1.0);
        Columns {
            t0: t0 as f64,
            scale: w / span,
            last: w - 1.0,
        }
    }
    #[inline]
    pub(crate) fn of(&self, t: i64) -> u32 {
        let c = ((t as f64 - self.t0) * self.scale).floor();
        if c.is_nan() {
            0
        } else {
            c.clamp(0.0, self.last) as u32
        }
    }
}

/// Pixel column of `t` in `[t0, t1]` (t1 > t0), for `width` columns.
#[cfg(test)]
fn column(t: i64, t0: i64, t1: i64, width: u32) -> u32 {
    Columns::new(t0, t1, width).of(t)
}

/// Indices (ascending) of the marks worth drawing in `view` at `width_px` columns:
/// per pixel column and series the marks with the smallest and the largest
/// duration, and every failed mark. Marks outside the view or with a non-finite
/// duration are left out.
pub fn decimate_marks(marks: &[Mark], view: &View, width_px: u32) -> Vec<usize> {
    decimate_marks_in(marks, 0..marks.len(), view, width_px)
}

/// The range of `marks` (sorted by time) that can fall inside `view`.
pub fn sorted_range(marks: &[Mark], view: &View) -> Range<usize> {
    let (t0, t1) = view.bounds();
    let a = marks.partition_point(|m| m.t < t0);
    let b = marks.partition_point(|m| m.t <= t1).max(a);
    a..b
}

/// Like [`decimate_marks`], looking only at `marks[range]` (callers whose marks
/// are sorted by time pass [`sorted_range`], so that the work follows what is in
/// view, not the whole data set). Returned indices are into `marks`.
pub fn decimate_marks_in(
    marks: &[Mark],
    range: Range<usize>,
    view: &View,
    width_px: u32,
) -> Vec<usize> {
    decimate_unsorted(marks, range, view, width_px, &[])
}

/// Is series `s` hidden (`hidden[s]`; series past the end are shown)?
#[inline]
fn is_hidden(hidden: &[bool], s: u16) -> bool {
    hidden.get(usize::from(s)).copied().unwrap_or(false)
}

fn decimate_unsorted(
    marks: &[Mark],
    range: Range<usize>,
    view: &View,
    width_px: u32,
    hidden: &[bool],
) -> Vec<usize> {
    const DENSE_SERIES: usize = 16;
    const NONE: u32 = u32::MAX;
    let (t0, t1) = view.bounds();
    let cols = Columns::new(t0, t1, width_px);
    let width = width_px.max(1) as usize;
    let range = range.start.min(marks.len())..range.end.min(marks.len());
    let base = range.start;
    // Dense (column, series) table for the first series, a map for the rest.
    let mut dense: Vec<(u32, u32)> = vec![(NONE, NONE); width * DENSE_SERIES];
    let mut sparse: HashMap<(u32, u16), (usize, usize)> = HashMap::new();
    let mut keep = Vec::new();
    for (k, m) in marks[range].iter().enumerate() {
        if m.t < t0 || m.t > t1 || !m.dur_ms.is_finite() || is_hidden(hidden, m.series) {
            continue;
        }
        let i = base + k;
        if m.failed {
            keep.push(i);
        }
        let col = cols.of(m.t);
        if usize::from(m.series) < DENSE_SERIES {
            let slot = &mut dense[col as usize * DENSE_SERIES + usize::from(m.series)];
            if slot.0 == NONE {
                *slot = (i as u32, i as u32);
            } else {
                if m.dur_ms < marks[slot.0 as usize].dur_ms {
                    slot.0 = i as u32;
                }
                if m.dur_ms > marks[slot.1 as usize].dur_ms {
                    slot.1 = i as u32;
                }
            }
        } else {
            sparse
                .entry((col, m.series))
                .and_modify(|(lo, hi)| {
                    if m.dur_ms < marks[*lo].dur_ms {
                        *lo = i;
                    }
                    if m.dur_ms > marks[*hi].dur_ms {
                        *hi = i;
                    }
                })
                .or_insert((i, i));
        }
    }
    for &(lo, hi) in &dense {
        if lo != NONE {
            keep.push(lo as usize);
            keep.push(hi as usize);
        }
    }
    keep.extend(sparse.values().flat_map(|&(lo, hi)| [lo, hi]));
    keep.sort_unstable();
    keep.dedup();
    keep
}

/// [`decimate_marks_in`] for marks sorted by time, leaving out the series
/// `hidden` marks (`hidden[s]`): the same result (the extremes of each pixel
/// column and series, every failed mark, ascending), in one pass with no
/// per-width table and no final sort, so its cost follows the marks in `range`.
pub fn decimate_sorted(
    marks: &[Mark],
    range: Range<usize>,
    view: &View,
    width_px: u32,
    hidden: &[bool],
) -> Vec<usize> {
    let range = range.start.min(marks.len())..range.end.min(marks.len());
    decimate_iter(range.map(|i| (i, &marks[i])), view, width_px, hidden)
}

/// [`decimate_sorted`] over `(index, mark)` pairs in time order (so that a frame
/// can splice marks from a level of detail with marks from the data).
pub(crate) fn decimate_iter<'m>(
    marks: impl Iterator<Item = (usize, &'m Mark)>,
    view: &View,
    width_px: u32,
    hidden: &[bool],
) -> Vec<usize> {
    /// Per series and column: the fastest and the slowest mark, with durations.
    #[derive(Clone, Copy)]
    struct Slot {
        lo: usize,
        lo_d: f64,
        hi: usize,
        hi_d: f64,
    }
    const EMPTY: Slot = Slot { lo: usize::MAX, lo_d: 0.0, hi: 0, hi_d: 0.0 };
    let (t0, t1) = view.bounds();
    let cols = Columns::new(t0, t1, width_px);
    let mut out: Vec<usize> = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut touched: Vec<u16> = Vec::new();
    let mut group_start = 0;
    let mut col_now = u32::MAX;
    let flush = |out: &mut Vec<usize>, slots: &mut Vec<Slot>, touched: &mut Vec<u16>, group_start: &mut usize| {
        for &s in touched.iter() {
            let slot = &mut slots[usize::from(s)];
            out.push(slot.lo);
            out.push(slot.hi);
            *slot = EMPTY;
        }
        touched.clear();
        let group = &mut out[*group_start..];
        group.sort_unstable();
        let mut n = 0;
        for k in 0..group.len() {
            if k == 0 || group[k] != group[n - 1] {
                group[n] = group[k];
                n += 1;
            }
        }
        out.truncate(*group_start + n);
        *group_start = out.len();
    };
    for (i, m) in marks {
        if m.t < t0 || m.t > t1 || !m.dur_ms.is_finite() || is_hidden(hidden, m.series) {
            continue;
        }
        let col = cols.of(m.t);
        if col != col_now {
            flush(&mut out, &mut slots, &mut touched, &mut group_start);
            col_now = col;
        }
        if m.failed {
            out.push(i);
        }
        let s = usize::from(m.series);
        if s >= slots.len() {
            slots.resize(s + 1, EMPTY);
        }
        let slot = &mut slots[s];
        if slot.lo == usize::MAX {
            *slot = Slot { lo: i, lo_d: m.dur_ms, hi: i, hi_d: m.dur_ms };
            touched.push(m.series);
        } else {
            if m.dur_ms < slot.lo_d {
                slot.lo = i;
                slot.lo_d = m.dur_ms;
            }
            if m.dur_ms > slot.hi_d {
                slot.hi = i;
                slot.hi_d = m.dur_ms;
            }
        }
    }
    flush(&mut out, &mut slots, &mut touched, &mut group_start);
    out
}

/// Every mark in `marks[range]` inside `view` with a finite duration: what is
/// drawn with decimation switched off (for benchmarks).
pub fn all_marks_in(marks: &[Mark], range: Range<usize>, view: &View) -> Vec<usize> {
    let (t0, t1) = view.bounds();
    let range = range.start.min(marks.len())..range.end.min(marks.len());
    range
        .filter(|&i| {
            let m = &marks[i];
            m.t >= t0 && m.t <= t1 && m.dur_ms.is_finite()
        })
        .collect()
}

/// The in-flight step function reduced for `view` at `width_px` columns: the
/// value in force at the start of the view (as a step at `t0`), then per pixel
/// column the first, lowest, highest and last step, in their original order.
/// The result is still a step function; within one column it differs from the
/// input only between extremes that are kept.
pub fn decimate_steps(steps: &[(i64, u32)], view: &View, width_px: u32) -> Vec<(i64, u32)> {
    let (t0, t1) = view.bounds();
    let cols = Columns::new(t0, t1, width_px);
    let mut out = Vec::new();
    let first = steps.partition_point(|s| s.0 < t0);
    // Steps are sorted by time: the last one before the view is in force at t0.
    if let Some(&(_, c)) = steps[..first].last() {
        out.push((t0, c));
    }
    let mut group: Vec<(i64, u32)> = Vec::new();
    let mut group_col = None;
    let flush = |group: &mut Vec<(i64, u32)>, out: &mut Vec<(i64, u32)>| {
        if group.is_empty() {
            return;
        }
        let n = group.len();
        let lo = (0..n).min_by_key(|&i| group[i].1).unwrap_or(0);
        let hi = (0..n).max_by_key(|&i| group[i].1).unwrap_or(0);
        let mut idx = [0, lo, hi, n - 1];
        idx.sort_unstable();
        let mut last = None;
        for i in idx {
            if last != Some(i) {
                out.push(group[i]);
                last = Some(i);
            }
        }
        group.clear();
    };
    let end = steps.partition_point(|s| s.0 <= t1).max(first);
    for &s in &steps[first..end] {
        let col = cols.of(s.0);
        if group_col != Some(col) {
            flush(&mut group, &mut out);
            group_col = Some(col);
        }
        group.push(s);
    }
    flush(&mut group, &mut out);
    out
}

/// How time labels are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// `YYYY-MM-DD`
    Date,
    /// `HH:MM` (a tick at midnight shows `MM-DD` instead)
    Minute,
    /// `HH:MM:SS`
    Second,
    /// `HH:MM:SS.mmm`
    Milli,
}

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Tick spacings below one day, in ms.
const SUBDAY_STEPS: [i64; 26] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    SECOND,
    2 * SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
];

/// Tick spacing (ms) and label format for a visible span of `span_ms` with at
/// most `max_ticks` labels. Spans over 36 hours get whole-day ticks labelled with
/// dates; shorter spans get the finest format their tick spacing needs.
pub fn time_scale(span_ms: i64, max_ticks: usize) -> (i64, TimeFormat) {
    let span = span_ms.max(1);
    let max_ticks = max_ticks.max(1) as i64;
    if span > 36 * HOUR {
        let days = (span - 1) / DAY + 1;
        let mut k = 1i64;
        'find: loop {
            for m in [1, 2, 5] {
                if let Some(step) = k.checked_mul(m) {
                    if days / step <= max_ticks {
                        break 'find (step * DAY, TimeFormat::Date);
                    }
                }
            }
            match k.checked_mul(10) {
                Some(next) if next < i64::MAX / DAY => k = next,
                _ => break (k * DAY, TimeFormat::Date),
            }
        }
    } else {
        let step = SUBDAY_STEPS
            .iter()
            .copied()
            .find(|&s| span / s <= max_ticks)
            .unwrap_or(DAY);
        let format = if step % MINUTE == 0 {
            TimeFormat::Minute
        } else if step % SECOND == 0 {
            TimeFormat::Second
        } else {
            TimeFormat::Milli
        };
        (step, format)
    }
}

/// Broken-down UTC time, for any `t` (no overflow near the ends of the range:
/// year 9999 plus the view's margin used to come out as a raw number).
fn utc(t: i64) -> crate::model::Civil {
    crate::model::civil(t)
}

/// `YYYY-MM-DD` of `t`.
pub fn format_date(t: i64) -> String {
    utc(t).date_text()
}

/// A time label for `t` (epoch ms) in the given format, UTC.
pub fn format_time(t: i64, format: TimeFormat) -> String {
    let d = utc(t);
    match format {
        TimeFormat::Date => format_date(t),
        TimeFormat::Minute if t.rem_euclid(DAY) == 0 => {
            format!("{:02}-{:02}", d.month, d.day)
        }
        TimeFormat::Minute => format!("{:02}:{:02}", d.hour, d.minute),
        TimeFormat::Second => format!("{:02}:{:02}:{:02}", d.hour, d.minute, d.second),
        TimeFormat::Milli => format!("{:02}:{:02}:{:02}.{:03}", d.hour, d.minute, d.second, d.milli),
    }
}

/// `UTC`, or `UTC+02:00` / `UTC-05:30` for a fixed offset in ms.
pub fn zone_label(offset_ms: i64) -> String {
    if offset_ms == 0 {
        return "UTC".into();
    }
    let m = offset_ms.unsigned_abs() / 60_000;
    let sign = if offset_ms < 0 { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The time axis: linear over `[t0, t1]`, ticks at multiples of `step` in the
/// time zone `offset` ms east of UTC (0: UTC), labelled in that zone.
#[derive(Clone, Debug)]
struct TimeAxis {
    t0: i64,
    t1: i64,
    step: i64,
    format: TimeFormat,
    offset: i64,
}

impl TimeAxis {
    fn ticks(&self) -> Vec<i64> {
        let step = i128::from(self.step.max(1));
        let off = i128::from(self.offset);
        let (t0, t1) = (i128::from(self.t0) + off, i128::from(self.t1) + off);
        let mut t = t0.div_euclid(step) * step;
        if t < t0 {
            t += step;
        }
        let mut out = Vec::new();
        while t <= t1 && out.len() < 1000 {
            out.push((t - off) as i64);
            t += step;
        }
        out
    }
}

impl Ranged for TimeAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = i64;

    fn map(&self, value: &i64, limit: (i32, i32)) -> i32 {
        let span = (self.t1 as f64 - self.t0 as f64).max(1.0);
        let f = (*value as f64 - self.t0 as f64) / span;
        let px = f64::from(limit.0) + f * f64::from(limit.1 - limit.0);
        px.round().clamp(-1e7, 1e7) as i32
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<i64> {
        self.ticks()
    }

    fn range(&self) -> Range<i64> {
        self.t0..self.t1
    }
}

impl ValueFormatter<i64> for TimeAxis {
    fn format(value: &i64) -> String {
        format_time(*value, TimeFormat::Milli)
    }
    fn format_ext(&self, value: &i64) -> String {
        format_time(value.saturating_add(self.offset), self.format)
    }
}

/// Durations axis unit: milliseconds or seconds.
fn duration_label(ms: f64, seconds: bool) -> String {
    if seconds {
        let s = ms / 1000.0;
        if (s - s.round()).abs() < 1e-9 {
            format!("{s:.0}")
        } else {
            format!("{s:.1}")
        }
    } else if (ms - ms.round()).abs() < 1e-9 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

/// Legend text from logs can be long: cut at `max` characters.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// One legend entry.
enum Swatch {
    Dot(RGBColor),
    Ring,
    Line(RGBColor),
    Dashed(RGBColor),
    Triangle,
    Shade,
}

const LEGEND_ROW: i32 = 18;
const LEGEND_SWATCH: i32 = 22;

/// Converts layout pixels to device pixels.
#[derive(Clone, Copy)]
struct Scale(f64);

impl Scale {
    fn new(s: f64) -> Self {
        Scale(if s.is_finite() && s > 0.0 {
            s.min(16.0)
        } else {
            1.0
        })
    }
    fn px(self, v: i32) -> i32 {
        (f64::from(v) * self.0).round() as i32
    }
    fn line(self, v: u32) -> u32 {
        ((f64::from(v) * self.0).round() as u32).max(1)
    }
    fn font(self, v: u32) -> f64 {
        f64::from(v) * self.0
    }
}

/// Lays the legend out in rows of `width` pixels; returns (x, row) per shown item.
fn layout_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
    width: i32,
    font: &TextStyle,
    sc: Scale,
) -> Result<Vec<(i32, i32)>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut pos = Vec::new();
    let (mut x, mut row) = (sc.px(8), 0);
    for (_, text) in items {
        let (tw, _) = root.estimate_text_size(text, font)?;
        let w = sc.px(LEGEND_SWATCH + 16) + tw as i32;
        if x > sc.px(8) && x + w > width {
            x = sc.px(8);
            row += 1;
        }
        pos.push((x, row));
        x += w;
    }
    Ok(pos)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
    pos: &[(i32, i32)],
    font: &TextStyle,
    sc: Scale,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for ((swatch, text), &(x, row)) in items.iter().zip(pos) {
        let y = sc.px(4 + row * LEGEND_ROW + LEGEND_ROW / 2);
        let (sx, ex) = (x, x + sc.px(LEGEND_SWATCH - 6));
        let cx = (sx + ex) / 2;
        let r = sc.line(4);
        match swatch {
            Swatch::Dot(c) => area.draw(&Circle::new((cx, y), r, c.filled()))?,
            Swatch::Ring => {
                area.draw(&Circle::new((cx, y), r, RGBColor(150, 150, 150).filled()))?;
                area.draw(&Circle::new((cx, y), r + 1, BLACK.stroke_width(sc.line(1))))?;
            }
            Swatch::Line(c) => area.draw(&PathElement::new(
                vec![(sx, y), (ex, y)],
                c.stroke_width(sc.line(2)),
            ))?,
            Swatch::Dashed(c) => area.draw(&DashedPathElement::new(
                vec![(sx, y), (ex, y)],
                sc.px(4),
                sc.px(3),
                c.stroke_width(sc.line(2)),
            ))?,
            Swatch::Triangle => area.draw(&breach_triangle((cx, y - sc.px(4)), sc))?,
            Swatch::Shade => area.draw(&Rectangle::new(
                [(sx, y - sc.px(6)), (ex, y + sc.px(6))],
                BREACH_COLOR.mix(0.15).filled(),
            ))?,
        }
        area.draw(&Text::new(
            text.clone(),
            (x + sc.px(LEGEND_SWATCH), y),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// A downward triangle whose tip is 8 px below `top`.
fn breach_triangle(top: (i32, i32), sc: Scale) -> Polygon<(i32, i32)> {
    let (x, y) = top;
    let (half, tall) = (sc.px(5), sc.px(8));
    Polygon::new(
        vec![(x - half, y), (x + half, y), (x, y + tall)],
        BREACH_COLOR.filled(),
    )
}

/// What an interactive view adds to [`DrawOptions`].
#[derive(Clone, Debug, PartialEq)]
pub struct FrameOptions {
    /// Reduce marks and steps to what the pixel columns can show (on by default;
    /// off only to measure what decimation saves).
    pub decimate: bool,
    /// The caller promises `data.marks` is sorted by time, so the marks in view
    /// are found by binary search.
    pub sorted: bool,
    /// Label times in a zone this many ms east of UTC (0: UTC).
    pub tz_offset_ms: i64,
    /// Marks to highlight (the selected event).
    pub selected: Vec<usize>,
    /// A breach window to shade more strongly (index into `data.windows`).
    pub selected_window: Option<usize>,
    /// Series hidden in the legend (`hidden_series[s]`; series past the end are shown):
    /// their marks are neither drawn nor kept.
    pub hidden_series: Vec<bool>,
}

/// What the interactive canvas adds to [`draw_frame_with`].
#[derive(Default)]
pub struct Extras<'a> {
    /// Levels of detail for `data` (used when decimating sorted marks).
    pub lod: Option<&'a crate::lod::LodSet>,
    /// Rasterize the plot area's background, breach shading, grid lines, marks and
    /// in-flight line into one opaque [`Layer`](crate::raster::Layer) and put it on
    /// the backend with [`DrawingBackend::blit_bitmap`] instead of drawing them as
    /// plotters elements (for a canvas whose backend blits in one call; the SVG
    /// backend would write a `<rect>` per pixel, so SVG keeps the vector elements).
    pub raster: bool,
}

/// An opaque RGB image put on the backend as it is, with
/// [`DrawingBackend::blit_bitmap`] (plotters' `BitMapElement` needs its bitmap
/// backend feature; this is the same call).
struct Bitmap<'a> {
    pos: (i32, i32),
    size: (u32, u32),
    rgb: &'a [u8],
}

impl<'a> PointCollection<'a, (i32, i32)> for &'a Bitmap<'_> {
    type Point = &'a (i32, i32);
    type IntoIter = std::iter::Once<&'a (i32, i32)>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.pos)
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Bitmap<'_> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        match points.next() {
            Some(pos) if self.size.0 > 0 && self.size.1 > 0 => backend.blit_bitmap(pos, self.size, self.rgb),
            _ => Ok(()),
        }
    }
}

impl Default for FrameOptions {
    fn default() -> Self {
        FrameOptions {
            decimate: true,
            sorted: false,
            tz_offset_ms: 0,
            selected: Vec::new(),
            selected_window: None,
            hidden_series: Vec::new(),
        }
    }
}

/// Where things ended up on the canvas, for hit-testing (backend pixels).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    /// Plot area: left, top, right, bottom.
    pub plot: (i32, i32, i32, i32),
    /// The time range drawn.
    pub t0: i64,
    pub t1: i64,
    /// How durations map to the plot's height (linear or log, bottom and top).
    pub y: DurationAxis,
    /// Indices of the marks drawn.
    pub kept: Vec<usize>,
}

impl Frame {
    /// Pixel position of a time and a duration.
    pub fn point(&self, t: i64, dur_ms: f64) -> (f64, f64) {
        let (l, top, r, b) = self.plot;
        let span = (self.t1 as f64 - self.t0 as f64).max(1.0);
        let x = f64::from(l) + (t as f64 - self.t0 as f64) / span * f64::from(r - l);
        let y = f64::from(b) - self.y.frac(dur_ms) * f64::from(b - top);
        (x, y)
    }
    /// The duration at pixel row `y` (the inverse of [`Frame::point`]'s mapping,
    /// clamped to the axis).
    pub fn duration_at(&self, y: f64) -> f64 {
        let (_, top, _, b) = self.plot;
        self.y.at((f64::from(b) - y) / f64::from((b - top).max(1)))
    }
    /// The time at pixel column `x`.
    pub fn time_at(&self, x: f64) -> f64 {
        let (l, _, r, _) = self.plot;
        let f = (x - f64::from(l)) / f64::from((r - l).max(1));
        self.t0 as f64 + f * (self.t1 as f64 - self.t0 as f64)
    }
    /// Is the pixel inside the plot area?
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let (l, t, r, b) = self.plot;
        x >= f64::from(l) && x <= f64::from(r) && y >= f64::from(t) && y <= f64::from(b)
    }
}

/// Draws the chart of `data` over `view` on `root`.
///
/// Never panics on empty data or an empty view: with no request in view the
/// axes are drawn with a "no timed requests in this range" note, and data with
/// nothing timed at all (see [`ChartData::has_time`]) gets an empty state with no
/// axes ([`EMPTY_TITLE`]) instead of an axis at the epoch.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    view: &View,
    opts: &DrawOptions,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_frame(root, data, view, opts, &FrameOptions::default()).map(|_| ())
}

/// [`draw`] with interactive options; returns where the plot went.
pub fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    view: &View,
    opts: &DrawOptions,
    fo: &FrameOptions,
) -> Result<Frame, DrawingAreaErrorKind<DB::ErrorType>> {
    draw_frame_with(root, data, view, opts, fo, Extras::default())
}

/// [`draw_frame`] with levels of detail and a pixel layer (see [`Extras`]).
pub fn draw_frame_with<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    view: &View,
    opts: &DrawOptions,
    fo: &FrameOptions,
    ex: Extras<'_>,
) -> Result<Frame, DrawingAreaErrorKind<DB::ErrorType>> {
    let (t0, t1) = view.bounds();
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let sc = Scale::new(opts.scale);
    let font = TextStyle::from((opts.font, sc.font(14)).into_font()).color(&BLACK);
    let small = TextStyle::from((opts.font, sc.font(13)).into_font()).color(&RGBColor(50, 50, 50));
    if !data.has_time() {
        return draw_empty(root, opts, sc, (t0, t1));
    }

    // Margins shrink on tiny canvases so the plot area never goes negative.
    // Each axis keeps its full width (tick numbers plus title) down to phone
    // widths: at 420 px the right one was w/12 ≈ 32 px and its title sat on the
    // tick numbers.
    // The left axis is wider on a log scale: its labels carry their unit
    // ("500 ms"). Auto keeps that width whichever axis a frame turns out to have,
    // so the plot does not move when Auto switches while zooming, panning or hiding
    // a series.
    let left_w = if opts.y_scale == YScale::Linear {
        64
    } else {
        LOG_AXIS_W
    };
    let left = sc.px(left_w).min(w / 4).max(0);
    let right = sc.px(48).min(w / 5).max(0);
    let bottom = (h / 8).clamp(0, sc.px(44));
    let plot_w = (w - left - right - sc.px(10)).max(1) as u32;

    // Data reduced to what the pixels can show: from the coarsest level of detail
    // fine enough for this zoom, else from the data. `keep` indexes `marks`.
    let hidden = &fo.hidden_series[..];
    let px_ms = (t1 as f64 - t0 as f64) / f64::from(plot_w);
    let level = match ex.lod {
        Some(lod) if fo.decimate && fo.sorted => lod.pick(px_ms),
        _ => None,
    };
    let marks = &data.marks[..];
    let range = if fo.sorted {
        sorted_range(marks, view)
    } else {
        0..marks.len()
    };
    let keep = if let Some(l) = level {
        l.decimate_marks(marks, view, plot_w, hidden)
    } else if fo.decimate && fo.sorted {
        decimate_sorted(marks, range, view, plot_w, hidden)
    } else if fo.decimate {
        decimate_unsorted(marks, range, view, plot_w, hidden)
    } else {
        let mut all = all_marks_in(marks, range, view);
        all.retain(|&i| !is_hidden(hidden, marks[i].series));
        all
    };
    // The duration axis fits the marks drawn (decimation keeps each column's
    // shortest and longest, so their extremes are the view's), and Auto picks log
    // or linear from their spread.
    let y = DurationAxis::fit(opts.y_scale, keep.iter().map(|&i| marks[i].dur_ms));
    let steps = if let Some(l) = level {
        decimate_steps(&l.steps_for(&data.steps, view), view, plot_w)
    } else if fo.decimate {
        decimate_steps(&data.steps, view, plot_w)
    } else {
        let a = data.steps.partition_point(|s| s.0 < t0);
        let b = data.steps.partition_point(|s| s.0 <= t1).max(a);
        let mut v: Vec<(i64, u32)> = data.steps[..a].last().map(|s| (t0, s.1)).into_iter().collect();
        v.extend_from_slice(&data.steps[a..b]);
        v
    };
    let breaches: Vec<i64> = data
        .breaches
        .iter()
        .copied()
        .filter(|&t| t >= t0 && t <= t1)
        .collect();
    let span = t1.saturating_sub(t0);
    let px_ms = (span / i64::from(plot_w)).max(1);
    let windows: Vec<(usize, i64, i64)> = data
        .windows
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| (i, a.min(b), a.max(b)))
        .filter(|&(_, a, b)| b >= t0 && a <= t1)
        .map(|(i, a, b)| {
            let (a, b) = (a.max(t0), b.min(t1));
            (i, a, b.max(a.saturating_add(px_ms)).min(t1))
        })
        .collect();

    // Legend items (only for what is present), then the header height.
    let mut items: Vec<(Swatch, String)> = Vec::new();
    let mut series_present: Vec<u16> = keep.iter().map(|&i| marks[i].series).collect();
    series_present.sort_unstable();
    series_present.dedup();
    const MAX_SERIES_IN_LEGEND: usize = 12;
    for &s in series_present.iter().take(MAX_SERIES_IN_LEGEND) {
        let name = data
            .series
            .get(usize::from(s))
            .map(|n| shorten(n, 40))
            .unwrap_or_else(|| format!("series {s}"));
        items.push((Swatch::Dot(series_color(s)), name));
    }
    if series_present.len() > MAX_SERIES_IN_LEGEND {
        items.push((
            Swatch::Dot(RGBColor(150, 150, 150)),
            format!("+{} more", series_present.len() - MAX_SERIES_IN_LEGEND),
        ));
    }
    if keep.iter().any(|&i| marks[i].failed) {
        items.push((Swatch::Ring, "failed request".into()));
    }
    if !steps.is_empty() {
        items.push((Swatch::Line(INFLIGHT_COLOR), "in flight".into()));
    }
    if let Some(l) = data.limit {
        let sw = if l.estimated {
            Swatch::Dashed(LIMIT_COLOR)
        } else {
            Swatch::Line(LIMIT_COLOR)
        };
        items.push((sw, "concurrency limit".into()));
    }
    if !breaches.is_empty() {
        items.push((Swatch::Triangle, "resource_exhausted".into()));
    }
    if !windows.is_empty() {
        items.push((Swatch::Shade, "limit breached".into()));
    }
    let legend_pos = if opts.legend && !items.is_empty() {
        layout_legend(root, &items, w, &small, sc)?
    } else {
        Vec::new()
    };
    let legend_rows = legend_pos.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let title_h = if opts.title.is_some() { sc.px(22) } else { 0 };
    let header = (title_h + sc.px(legend_rows * LEGEND_ROW + if legend_rows > 0 { 8 } else { 0 }))
        .min(h / 3);

    let (head, body) = root.split_vertically(header);
    if let Some(title) = &opts.title {
        head.draw(&Text::new(
            title.clone(),
            (w / 2, sc.px(4)),
            TextStyle::from((opts.font, sc.font(18)).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    if !legend_pos.is_empty() {
        let (_, legend_area) = head.split_vertically(title_h);
        draw_legend(&legend_area, &items, &legend_pos, &small, sc)?;
    }

    // Axes ranges (the duration axis `y` is fitted above).
    let max_dur = keep.iter().map(|&i| marks[i].dur_ms).fold(0.0f64, f64::max);
    let (y_lo, y_top) = (y.lo, y.hi);
    let seconds = max_dur >= 10_000.0;
    let max_inflight = steps.iter().map(|s| s.1).max().unwrap_or(0);
    let max_inflight = max_inflight.max(data.limit.map_or(0, |l| l.value));
    let y2_top = (f64::from(max_inflight) * 1.15).ceil() as u32;
    let y2_top = y2_top.max(max_inflight.saturating_add(1)).max(2);

    let max_ticks = (plot_w / sc.line(100)).clamp(2, 12) as usize;
    let (step, format) = time_scale(span, max_ticks);
    let axis = TimeAxis {
        t0,
        t1,
        step,
        format,
        offset: 0,
    };
    let off = fo.tz_offset_ms;
    let axis = TimeAxis { offset: off, ..axis };
    let zone = if off == 0 {
        "UTC".to_string()
    } else {
        format!("local, {}", zone_label(off))
    };
    let (d0, d1) = (format_date(t0.saturating_add(off)), format_date(t1.saturating_add(off)));
    let x_desc = match format {
        TimeFormat::Date => format!("time ({zone})"),
        _ if d0 == d1 => format!("time ({zone}, {d0})"),
        _ => format!("time ({zone}, {d0} to {d1})"),
    };

    let mut chart = ChartBuilder::on(&body)
        .margin_top(sc.px(8))
        .margin_left(sc.px(5))
        .margin_right(sc.px(5))
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .right_y_label_area_size(right)
        .build_cartesian_2d(axis.clone(), y)?
        .set_secondary_coord(axis, 0u32..y2_top);
    // Linear: plotters' own choice of about 6 ticks. Log: 1-2-5 per decade while
    // labels stay 20 px apart, else fewer (see `log_ticks`).
    let y_labels = if y.log {
        let (_, yr) = chart.plotting_area().get_pixel_range();
        usize::try_from((yr.end - yr.start) / sc.px(20).max(1))
            .unwrap_or(0)
            .clamp(2, 24)
    } else {
        6
    };

    // Marks by series and the in-flight step line, continued to the right edge.
    let r = sc.line(opts.mark_radius);
    let mut by_series: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for &i in &keep {
        by_series.entry(marks[i].series).or_default().push(i);
    }
    let point = |i: usize| {
        let m = &marks[i];
        (m.t, y.clamp(m.dur_ms))
    };
    let mut line = Vec::new();
    if let Some(&first) = steps.first() {
        line.push(first);
        for w in steps.windows(2) {
            line.push((w[1].0, w[0].1));
            line.push(w[1]);
        }
        if let Some(&(t, c)) = steps.last() {
            if t < t1 {
                line.push((t1, c));
            }
        }
        for p in line.iter_mut() {
            p.1 = p.1.min(y2_top);
        }
    }
    // With a pixel layer, everything in the plot area under the axes and labels
    // goes on the backend first as one bitmap: background, grid lines at plotters'
    // own key points, breach shading, marks, the in-flight line (the order of the
    // elements below).
    if ex.raster {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let pad = r as i32 + sc.line(1) as i32 + 2;
        let (x0, y0) = ((xr.start - pad).max(0), (yr.start - pad).max(0));
        let (x1, y1) = ((xr.end + pad).min(w), (yr.end + pad).min(h));
        let mut layer = crate::raster::Layer::new(x0, y0, (x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32, (255, 255, 255));
        let rgb = |c: RGBColor| (c.0, c.1, c.2);
        let spec = chart.as_coord_spec();
        for kx in spec.x_spec().key_points(BoldPoints(max_ticks)) {
            let (x, _) = chart.backend_coord(&(kx, 0.0));
            layer.fill_rect(x, yr.start, x + 1, yr.end, rgb(GRID_COLOR), 1.0);
        }
        for ky in spec.y_spec().key_points(BoldPoints(y_labels)) {
            let (_, y) = chart.backend_coord(&(t0, ky));
            layer.fill_rect(xr.start, y, xr.end, y + 1, rgb(GRID_COLOR), 1.0);
        }
        for &(i, a, b) in &windows {
            let alpha = if fo.selected_window == Some(i) { 0.18 } else { 0.12 };
            let (pa, pb) = (chart.backend_coord(&(a, y_top)), chart.backend_coord(&(b, y_lo)));
            layer.fill_rect(pa.0, pa.1, pb.0, pb.1, rgb(BREACH_COLOR), alpha);
        }
        let disc = crate::raster::Stamp::disc(f64::from(r));
        let ring = crate::raster::Stamp::ring(f64::from(r + 1), f64::from(sc.line(1)));
        for failed in [false, true] {
            for (s, idx) in &by_series {
                let color = rgb(series_color(*s));
                for &i in idx.iter().filter(|&&i| marks[i].failed == failed) {
                    let (x, y) = chart.backend_coord(&point(i));
                    if failed {
                        layer.stamp(&disc, x, y, color, 1.0);
                        layer.stamp(&ring, x, y, (0, 0, 0), 1.0);
                    } else {
                        layer.stamp(&disc, x, y, color, 0.8);
                    }
                }
            }
        }
        let secondary = chart.borrow_secondary();
        let mut pts: Vec<(i32, i32)> = Vec::with_capacity(line.len());
        for p in &line {
            let q = secondary.backend_coord(p);
            if pts.last() != Some(&q) {
                pts.push(q);
            }
        }
        layer.step_line(&pts, sc.line(1), rgb(INFLIGHT_COLOR));
        root.draw(&Bitmap {
            pos: (layer.x, layer.y),
            size: (layer.w, layer.h),
            rgb: &layer.rgb,
        })?;
    }

    let y_fmt = |v: &f64| {
        if y.log {
            log_label(*v)
        } else {
            duration_label(*v, seconds)
        }
    };
    let mut mesh = chart.configure_mesh();
    if ex.raster {
        mesh.disable_mesh();
    }
    mesh.max_light_lines(0)
        .bold_line_style(GRID_COLOR)
        .x_labels(max_ticks)
        .y_labels(y_labels)
        .y_label_formatter(&y_fmt)
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .x_desc(x_desc)
        .y_desc(y.title(seconds))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_labels(6)
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .y_desc("requests in flight")
        .draw()?;

    // Breach windows, behind everything else.
    if !ex.raster {
        chart.draw_series(windows.iter().map(|&(i, a, b)| {
            let alpha = if fo.selected_window == Some(i) { 0.18 } else { 0.12 };
            Rectangle::new([(a, y_lo), (b, y_top)], BREACH_COLOR.mix(alpha).filled())
        }))?;
    }
    if let Some(&(_, a, b)) = windows.iter().find(|w| fo.selected_window == Some(w.0)) {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(a, y_lo), (b, y_top)],
            BREACH_COLOR.stroke_width(sc.line(2)),
        )))?;
    }

    // Request marks, one series at a time, failed ones last so they stay visible,
    // then the in-flight step line on the secondary axis, continued to the right edge.
    if !ex.raster {
        for (s, idx) in &by_series {
            let color = series_color(*s).mix(0.8).filled();
            chart.draw_series(
                idx.iter()
                    .filter(|&&i| !marks[i].failed)
                    .map(|&i| Circle::new(point(i), r, color)),
            )?;
        }
        for (s, idx) in &by_series {
            let color = series_color(*s).filled();
            chart.draw_series(idx.iter().filter(|&&i| marks[i].failed).map(|&i| {
                EmptyElement::at(point(i))
                    + Circle::new((0, 0), r, color)
                    + Circle::new((0, 0), r + 1, BLACK.stroke_width(sc.line(1)))
            }))?;
        }
        if !line.is_empty() {
            chart.draw_secondary_series(LineSeries::new(
                line,
                INFLIGHT_COLOR.stroke_width(sc.line(1)),
            ))?;
        }
    }

    // The limit, labelled at the right end.
    if let Some(l) = data.limit {
        let v = l.value.min(y2_top);
        let style = LIMIT_COLOR.stroke_width(sc.line(2));
        if l.estimated {
            chart.draw_secondary_series(DashedLineSeries::new(
                vec![(t0, v), (t1, v)],
                sc.px(8),
                sc.px(5),
                style,
            ))?;
        } else {
            chart.draw_secondary_series(LineSeries::new(vec![(t0, v), (t1, v)], style))?;
        }
        let label = if l.estimated {
            format!("estimated limit ≈ {}", crate::session::group_digits(l.value as usize))
        } else {
            format!("limit {}", crate::session::group_digits(l.value as usize))
        };
        // On a white box so that dense marks do not hide it.
        let style = font
            .color(&LIMIT_COLOR)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        let (tw, th) = body.estimate_text_size(&label, &style)?;
        let (tw, th) = (tw as i32, th as i32);
        chart.draw_secondary_series(std::iter::once(
            EmptyElement::at((t1, v))
                + Rectangle::new(
                    [(-tw - sc.px(9), -th - sc.px(5)), (-sc.px(3), -sc.px(2))],
                    WHITE.mix(0.85).filled(),
                )
                + Text::new(label, (-sc.px(6), -sc.px(3)), style),
        ))?;
    }

    // Every breach, as a red triangle pointing down from the top edge.
    chart.draw_series(
        breaches
            .iter()
            .map(|&t| EmptyElement::at((t, y_top)) + breach_triangle((0, 0), sc)),
    )?;

    // The selected event: a guide line and a thick ring.
    for &i in &fo.selected {
        let Some(m) = data.marks.get(i) else { continue };
        if m.t < t0 || m.t > t1 || !m.dur_ms.is_finite() {
            continue;
        }
        let (t, d) = (m.t, y.clamp(m.dur_ms));
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(t, y_lo), (t, y_top)],
            sc.px(3),
            sc.px(3),
            BLACK.mix(0.5).stroke_width(sc.line(1)),
        )))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((t, d))
                + Circle::new((0, 0), r + sc.line(4), WHITE.stroke_width(sc.line(3)))
                + Circle::new((0, 0), r + sc.line(3), BLACK.stroke_width(sc.line(2))),
        ))?;
    }

    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let frame = Frame {
        plot: (xr.start, yr.start, xr.end, yr.end),
        t0,
        t1,
        y,
        kept: keep.clone(),
    };

    if keep.is_empty() {
        let note = if data.marks.is_empty() {
            "no timed requests"
        } else {
            "no timed requests in this range"
        };
        chart.draw_series(std::iter::once(Text::new(
            note,
            (t0 + span / 2, y.mid()),
            font.color(&RGBColor(110, 110, 110))
                .pos(Pos::new(HPos::Center, VPos::Center)),
        )))?;
    }
    Ok(frame)
}

/// The empty state's headline.
pub const EMPTY_TITLE: &str = "No timed requests to draw";
/// The empty state's explanation.
pub const EMPTY_TEXT: &str = "None of the events has a duration (Action or script execution timing, \
elapsedTime, or start and end times), so there is no timeline. The tables still list every event.";

/// The chart with nothing timed: the title, if any, and a framed note in the
/// middle; no axes (there is no time range to show).
fn draw_empty<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    opts: &DrawOptions,
    sc: Scale,
    (t0, t1): (i64, i64),
) -> Result<Frame, DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let title_h = if let Some(title) = &opts.title {
        root.draw(&Text::new(
            title.clone(),
            (w / 2, sc.px(4)),
            TextStyle::from((opts.font, sc.font(18)).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        sc.px(22)
    } else {
        0
    };
    let (l, t, r, b) = (sc.px(8), title_h + sc.px(8), w - sc.px(8), h - sc.px(8));
    if r > l && b > t {
        root.draw(&Rectangle::new([(l, t), (r, b)], RGBColor(246, 247, 249).filled()))?;
        root.draw(&Rectangle::new([(l, t), (r, b)], RGBColor(210, 214, 220).stroke_width(sc.line(1))))?;
    }
    let mid = (t + b) / 2;
    let head = TextStyle::from((opts.font, sc.font(16)).into_font())
        .color(&RGBColor(60, 60, 60))
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    root.draw(&Text::new(EMPTY_TITLE, (w / 2, mid - sc.px(4)), head))?;
    // The explanation, wrapped to the frame's width.
    let body = TextStyle::from((opts.font, sc.font(13)).into_font())
        .color(&RGBColor(90, 90, 90))
        .pos(Pos::new(HPos::Center, VPos::Top));
    let max_w = (r - l - sc.px(24)).max(1) as u32;
    let mut lines: Vec<String> = Vec::new();
    for word in EMPTY_TEXT.split(' ') {
        let wider = match lines.last() {
            Some(line) => format!("{line} {word}"),
            None => word.to_string(),
        };
        let fits = root.estimate_text_size(&wider, &body)?.0 <= max_w;
        match lines.last_mut() {
            Some(line) if fits => *line = wider,
            _ => lines.push(word.to_string()),
        }
    }
    for (k, line) in lines.into_iter().enumerate() {
        root.draw(&Text::new(line, (w / 2, mid + sc.px(4) + sc.px(18) * k as i32), body.clone()))?;
    }
    Ok(Frame {
        plot: (l, t, r.max(l), b.max(t)),
        t0,
        t1,
        y: DurationAxis::default(),
        kept: Vec::new(),
    })
}

/// The overview strip: the whole time range (`full`) between pixel columns
/// `x0..x1` of `root` (pass the main plot's, so both line up), the in-flight
/// count as a filled profile, breach windows shaded, breaches as ticks, and the
/// visible range `sel` as a framed window with the rest dimmed.
pub fn draw_overview<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    full: &View,
    sel: &View,
    x0: i32,
    x1: i32,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let sc = Scale::new(scale);
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let (x0, x1) = (x0.clamp(0, w.max(1) - 1), x1.clamp(0, w));
    let x1 = x1.max(x0 + 1);
    let (top, bottom) = (sc.px(2), h - sc.px(2));
    let (t0, t1) = full.bounds();
    let px = |t: i64| -> i32 {
        let f = (t as f64 - t0 as f64) / (t1 as f64 - t0 as f64).max(1.0);
        (f64::from(x0) + f * f64::from(x1 - x0)).round().clamp(-1e6, 1e6) as i32
    };
    root.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        RGBColor(246, 247, 249).filled(),
    ))?;
    for &(a, b) in &data.windows {
        let (a, b) = (px(a.min(b)), px(a.max(b)));
        root.draw(&Rectangle::new(
            [(a, top), (b.max(a + 2), bottom)],
            BREACH_COLOR.mix(0.25).filled(),
        ))?;
    }
    // In-flight profile: per column the highest count.
    let width = (x1 - x0).max(1) as u32;
    let steps = decimate_steps(&data.steps, full, width);
    let max = steps.iter().map(|s| s.1).max().unwrap_or(0).max(1);
    let mut col_max = vec![0u32; width as usize + 1];
    for (k, s) in steps.iter().enumerate() {
        let end = steps.get(k + 1).map_or(t1, |n| n.0);
        let (a, b) = ((px(s.0) - x0).max(0), (px(end) - x0).max(0));
        for c in a..=b.min(width as i32) {
            let slot = &mut col_max[c as usize];
            *slot = (*slot).max(s.1);
        }
    }
    let ih = f64::from(bottom - top);
    let mut poly = vec![(x0, bottom)];
    for (c, &v) in col_max.iter().enumerate() {
        let y = bottom - (f64::from(v) / f64::from(max) * ih * 0.9).round() as i32;
        poly.push((x0 + c as i32, y));
    }
    poly.push((x1, bottom));
    root.draw(&Polygon::new(poly, INFLIGHT_COLOR.mix(0.35).filled()))?;
    for &t in &data.breaches {
        let x = px(t);
        root.draw(&PathElement::new(
            vec![(x, top), (x, top + sc.px(6))],
            BREACH_COLOR.stroke_width(sc.line(1)),
        ))?;
    }
    // The visible range (none when there is no time range at all).
    if !data.has_time() {
        return Ok(());
    }
    let (s0, s1) = sel.bounds();
    let (a, b) = (px(s0).max(x0), px(s1).min(x1));
    let b = b.max(a + sc.px(2));
    let dim = RGBColor(40, 60, 90).mix(0.18).filled();
    if a > x0 {
        root.draw(&Rectangle::new([(x0, top), (a, bottom)], dim))?;
    }
    if b < x1 {
        root.draw(&Rectangle::new([(b, top), (x1, bottom)], dim))?;
    }
    root.draw(&Rectangle::new(
        [(a, top), (b, bottom)],
        RGBColor(36, 87, 197).stroke_width(sc.line(2)),
    ))?;
    Ok(())
}

/// A synthetic data set of `n` requests for benchmarks: three series over
/// `n / 50` seconds (at least a minute), log-normal-ish durations with a slow
/// spell, the exact in-flight steps, a breach every 2000 requests in the spell,
/// and an estimated limit. Deterministic for a given `seed`; marks sorted by time.
pub fn synthetic(n: usize, seed: u64) -> ChartData {
    let mut x = seed | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let t_start: i64 = 1_715_676_300_000; // 2024-05-14T08:45:00Z
    let span = ((n as i64) * 20).max(60_000);
    let (slow_a, slow_b) = (t_start + span / 3, t_start + span / 2);
    let mut marks = Vec::with_capacity(n);
    let mut breaches = Vec::new();
    for k in 0..n {
        let t = t_start + (k as i64 * span) / (n.max(1) as i64) + (rnd() * 10.0) as i64;
        let series = (rnd() * 3.0) as u16;
        let mut dur = (40.0 * (3.0 * rnd()).exp()).min(30_000.0);
        if series == 0 && t > slow_a && t < slow_b {
            dur += 8_000.0 * rnd();
        }
        let failed = t > slow_a && t < slow_b && k % 2000 == 0;
        if failed {
            breaches.push(t);
        }
        marks.push(Mark { t, dur_ms: dur.round(), series, failed });
    }
    marks.sort_by_key(|m| m.t);
    let mut edges: Vec<(i64, i32)> = Vec::with_capacity(2 * n);
    for m in &marks {
        edges.push((m.t - m.dur_ms as i64, 1));
        edges.push((m.t, -1));
    }
    edges.sort_unstable();
    let mut steps: Vec<(i64, u32)> = Vec::with_capacity(edges.len());
    let mut c: i64 = 0;
    for (t, d) in edges {
        c += i64::from(d);
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = c.max(0) as u32,
            _ => steps.push((t, c.max(0) as u32)),
        }
    }
    let windows = if breaches.is_empty() {
        Vec::new()
    } else {
        vec![(breaches[0], *breaches.last().unwrap_or(&breaches[0]))]
    };
    let peak = steps.iter().map(|s| s.1).max().unwrap_or(0);
    ChartData {
        marks,
        series: vec!["post-login: enrich-profile".into(), "post-login: add-roles".into(), "custom-db: login".into()],
        steps,
        breaches,
        windows,
        limit: Some(Limit { value: (peak * 9 / 10).max(1), estimated: true }),
    }
}

/// The chart of `data` over its full view as an SVG document of `w`×`h` pixels.
///
/// Text is written as escaped `<text>` elements, so names from logs cannot
/// inject markup.
pub fn render_svg(data: &ChartData, w: u32, h: u32) -> String {
    render_svg_view(data, &data.full_view(), &DrawOptions::default(), w, h)
}

/// Like [`render_svg`], with an explicit view and options.
pub fn render_svg_view(
    data: &ChartData,
    view: &View,
    opts: &DrawOptions,
    w: u32,
    h: u32,
) -> String {
    render_svg_frame(data, view, opts, w, h).0
}

/// [`render_svg_view`], also returning where things went (the [`Frame`]: which
/// duration axis [`YScale::Auto`] chose, the marks drawn).
pub fn render_svg_frame(
    data: &ChartData,
    view: &View,
    opts: &DrawOptions,
    w: u32,
    h: u32,
) -> (String, Frame) {
    svg_with_frame(data, view, opts, &FrameOptions::default(), w, h)
}

/// Like [`render_svg_view`], with the interactive options too (a time zone, hidden
/// series): the SVG of what [`draw_frame`] puts on another backend.
pub fn render_svg_with(data: &ChartData, view: &View, opts: &DrawOptions, fo: &FrameOptions, w: u32, h: u32) -> String {
    svg_with_frame(data, view, opts, fo, w, h).0
}

fn svg_with_frame(data: &ChartData, view: &View, opts: &DrawOptions, fo: &FrameOptions, w: u32, h: u32) -> (String, Frame) {
    let mut buf = String::new();
    let result = {
        let root = SameTextSize(SVGBackend::with_string(&mut buf, (w.max(1), h.max(1))))
            .into_drawing_area();
        draw_frame(&root, data, view, opts, fo).and_then(|f| root.present().map(|()| f))
    };
    // The SVG string backend has no I/O and text is only estimated, so drawing
    // cannot fail; should it ever, the partial document is still well formed.
    debug_assert!(result.is_ok(), "SVG drawing failed: {result:?}");
    let frame = result.unwrap_or_default();
    (buf, frame)
}

/// An SVG backend that measures text the same way on every platform: plotters'
/// own font-less estimate (what native builds use anyway), not the browser's fonts,
/// which plotters reads on wasm32. So the SVG (and the report that holds it) made in
/// the page equals the one the CLI makes; a viewer draws the text with its own fonts
/// either way.
struct SameTextSize<'a>(SVGBackend<'a>);

type SvgErr = <SVGBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for SameTextSize<'_> {
    type ErrorType = SvgErr;
    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: plotters_backend::BackendCoord, c: plotters_backend::BackendColor) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_pixel(p, c)
    }
    fn draw_line<S: plotters_backend::BackendStyle>(&mut self, a: plotters_backend::BackendCoord, b: plotters_backend::BackendCoord, s: &S) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_line(a, b, s)
    }
    fn draw_rect<S: plotters_backend::BackendStyle>(&mut self, a: plotters_backend::BackendCoord, b: plotters_backend::BackendCoord, s: &S, fill: bool) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_rect(a, b, s, fill)
    }
    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = plotters_backend::BackendCoord>>(&mut self, path: I, s: &S) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_path(path, s)
    }
    fn draw_circle<S: plotters_backend::BackendStyle>(&mut self, c: plotters_backend::BackendCoord, r: u32, s: &S, fill: bool) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_circle(c, r, s, fill)
    }
    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = plotters_backend::BackendCoord>>(&mut self, vert: I, s: &S) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.fill_polygon(vert, s)
    }
    fn draw_text<S: plotters_backend::BackendTextStyle>(&mut self, text: &str, s: &S, pos: plotters_backend::BackendCoord) -> Result<(), plotters_backend::DrawingErrorKind<SvgErr>> {
        self.0.draw_text(text, s, pos)
    }
    fn estimate_text_size<S: plotters_backend::BackendTextStyle>(&self, text: &str, s: &S) -> Result<(u32, u32), plotters_backend::DrawingErrorKind<SvgErr>> {
        // As plotters 0.3's `style/font/naive.rs`: em = size / 1.24², 0.7 em per
        // byte wide, from -em to 0.24 em high.
        let em = s.size() / 1.24 / 1.24;
        let w = (em * 0.7 * text.len() as f64).round();
        let h = (em * 0.24).round() + em.round();
        Ok((w.max(0.0) as u32, h.max(0.0) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (attributes, content) of every `<text>` element of an SVG document.
    fn svg_texts(svg: &str) -> Vec<(&str, &str)> {
        svg.split("<text")
            .skip(1)
            .map(|c| {
                let (attrs, rest) = c.split_once('>').unwrap();
                (attrs, rest.split("</text>").next().unwrap().trim())
            })
            .collect()
    }

    /// The number in attribute `k` of an element's attribute text.
    fn svg_attr(attrs: &str, k: &str) -> f64 {
        let i = attrs.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
        attrs[i..].split('"').next().unwrap().parse().unwrap()
    }
    use proptest::prelude::*;

    /// Deterministic xorshift for bulk test data.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn mark(t: i64, dur_ms: f64, series: u16, failed: bool) -> Mark {
        Mark {
            t,
            dur_ms,
            series,
            failed,
        }
    }

    /// Checks that for every (column, series) the min and max duration are among
    /// the kept marks, and that every failed mark in view is kept.
    fn check_marks(marks: &[Mark], view: &View, width: u32, keep: &[usize]) {
        let (t0, t1) = view.bounds();
        assert!(
            keep.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        let mut all: HashMap<(u32, u16), (f64, f64)> = HashMap::new();
        let mut kept: HashMap<(u32, u16), Vec<f64>> = HashMap::new();
        for (i, m) in marks.iter().enumerate() {
            let inside = m.t >= t0 && m.t <= t1 && m.dur_ms.is_finite();
            if !inside {
                assert!(!keep.contains(&i), "mark {i} outside the view was kept");
                continue;
            }
            let key = (column(m.t, t0, t1, width), m.series);
            let e = all.entry(key).or_insert((m.dur_ms, m.dur_ms));
            e.0 = e.0.min(m.dur_ms);
            e.1 = e.1.max(m.dur_ms);
            if keep.binary_search(&i).is_ok() {
                kept.entry(key).or_default().push(m.dur_ms);
            } else {
                assert!(!m.failed, "failed mark {i} dropped");
            }
        }
        for (key, (lo, hi)) in all {
            let k = kept.get(&key).expect("column with marks kept nothing");
            assert!(k.contains(&lo), "min of {key:?} dropped");
            assert!(k.contains(&hi), "max of {key:?} dropped");
        }
    }

    #[test]
    fn chart_decimation_keeps_extremes_and_failures() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let marks: Vec<Mark> = (0..5000)
            .map(|_| {
                mark(
                    rng.below(60_000) as i64,
                    rng.below(30_000) as f64 / 7.0,
                    rng.below(3) as u16,
                    rng.below(50) == 0,
                )
            })
            .collect();
        for (view, width) in [
            (View { t0: 0, t1: 60_000 }, 100),
            (
                View {
                    t0: 10_000,
                    t1: 20_000,
                },
                37,
            ),
            (View { t0: 5, t1: 5 }, 10),
            (View { t0: 50_000, t1: 0 }, 1),
        ] {
            let keep = decimate_marks(&marks, &view, width);
            check_marks(&marks, &view, width, &keep);
        }
    }

    #[test]
    fn chart_decimation_output_bounded_by_width() {
        let mut rng = Rng(42);
        let marks: Vec<Mark> = (0..100_000)
            .map(|i| mark(i * 36, rng.below(5000) as f64, rng.below(3) as u16, false))
            .collect();
        let view = View {
            t0: 0,
            t1: 3_600_000,
        };
        let width = 800;
        let keep = decimate_marks(&marks, &view, width);
        assert!(keep.len() <= 2 * 800 * 3, "kept {}", keep.len());
        assert!(keep.len() >= 800 * 3, "kept {}", keep.len());
        check_marks(&marks, &view, width, &keep);
        // Failed marks come on top of the bound, all of them.
        let mut marks = marks;
        for m in marks.iter_mut().step_by(1000) {
            m.failed = true;
        }
        let keep = decimate_marks(&marks, &view, width);
        assert!(keep.len() <= 2 * 800 * 3 + 100);
        check_marks(&marks, &view, width, &keep);
    }

    #[test]
    fn chart_decimation_skips_bad_durations_and_empty_input() {
        let view = View { t0: 0, t1: 10 };
        assert!(decimate_marks(&[], &view, 100).is_empty());
        assert!(decimate_marks(&[mark(5, 1.0, 0, false)], &view, 0) == vec![0]);
        let marks = [mark(5, f64::NAN, 0, true), mark(5, f64::INFINITY, 0, false)];
        assert!(decimate_marks(&marks, &view, 100).is_empty());
        assert!(decimate_steps(&[], &view, 100).is_empty());
    }

    /// Value of a step function at `t` (0 before the first step).
    fn value_at(steps: &[(i64, u32)], t: i64) -> u32 {
        steps.iter().rev().find(|s| s.0 <= t).map_or(0, |s| s.1)
    }

    fn check_steps(steps: &[(i64, u32)], view: &View, width: u32, out: &[(i64, u32)]) {
        let (t0, t1) = view.bounds();
        assert!(out.len() <= 4 * width as usize + 1, "{} steps", out.len());
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order kept");
        // Extremes per column are kept, as are the first and last step.
        let mut cols: HashMap<u32, (u32, u32)> = HashMap::new();
        for &(t, c) in steps.iter().filter(|s| s.0 >= t0 && s.0 <= t1) {
            let e = cols.entry(column(t, t0, t1, width)).or_insert((c, c));
            e.0 = e.0.min(c);
            e.1 = e.1.max(c);
        }
        for (col, (lo, hi)) in cols {
            let here: Vec<u32> = out
                .iter()
                .filter(|s| s.0 >= t0 && column(s.0, t0, t1, width) == col)
                .map(|s| s.1)
                .collect();
            assert!(here.contains(&lo) && here.contains(&hi), "column {col}");
        }
        // The value in force at the view start and at the view end are unchanged.
        if steps.iter().any(|s| s.0 < t0) {
            assert_eq!(out[0], (t0, value_at(steps, t0 - 1)));
        }
        if !out.is_empty() {
            assert_eq!(value_at(out, t1), value_at(steps, t1));
        }
    }

    #[test]
    fn chart_step_decimation_keeps_extremes() {
        let mut rng = Rng(7);
        let mut t = 0;
        let mut c: u32 = 0;
        let steps: Vec<(i64, u32)> = (0..200_000)
            .map(|_| {
                t += rng.below(20) as i64;
                c = if rng.below(2) == 0 {
                    c.saturating_sub(1)
                } else {
                    c + 1
                };
                if rng.below(10_000) == 0 {
                    c += 50; // spikes must survive
                }
                (t, c)
            })
            .collect();
        let end = t;
        for (view, width) in [
            (View { t0: 0, t1: end }, 640),
            (
                View {
                    t0: end / 3,
                    t1: end / 2,
                },
                300,
            ),
            (
                View {
                    t0: end / 2,
                    t1: end / 2,
                },
                50,
            ),
        ] {
            let out = decimate_steps(&steps, &view, width);
            check_steps(&steps, &view, width, &out);
        }
    }

    proptest! {
        #[test]
        fn chart_decimation_properties(
            raw in proptest::collection::vec((0i64..2000, 0u32..500, 0u16..3, any::<bool>()), 0..300),
            t0 in -100i64..1500, len in 0i64..2500, width in 0u32..60,
        ) {
            let marks: Vec<Mark> = raw.iter().map(|&(t, d, s, f)| mark(t, f64::from(d), s, f)).collect();
            let view = View { t0, t1: t0 + len };
            check_marks(&marks, &view, width, &decimate_marks(&marks, &view, width));
            let mut steps: Vec<(i64, u32)> = raw.iter().map(|&(t, d, _, _)| (t, d)).collect();
            steps.sort_by_key(|s| s.0);
            check_steps(&steps, &view, width.max(1), &decimate_steps(&steps, &view, width.max(1)));
        }
    }

    proptest! {
        #[test]
        fn chart_sorted_decimation_matches_general(
            raw in proptest::collection::vec((0i64..2000, 0u32..500, 0u16..4, any::<bool>()), 0..300),
            t0 in -100i64..1500, len in 0i64..2500, width in 0u32..60, hide in proptest::collection::vec(any::<bool>(), 0..5),
        ) {
            let mut marks: Vec<Mark> = raw.iter().map(|&(t, d, s, f)| mark(t, f64::from(d), s, f)).collect();
            marks.sort_by_key(|m| m.t);
            let view = View { t0, t1: t0 + len };
            let r = sorted_range(&marks, &view);
            let a = decimate_sorted(&marks, r.clone(), &view, width, &hide);
            prop_assert_eq!(&a, &decimate_unsorted(&marks, r, &view, width, &hide));
            prop_assert!(a.iter().all(|&i| !is_hidden(&hide, marks[i].series)));
        }
    }

    const T: i64 = 1_714_566_896_789; // 2024-05-01T12:34:56.789Z

    #[test]
    fn chart_label_format_follows_zoom() {
        assert_eq!(time_scale(3 * DAY, 10).1, TimeFormat::Date);
        assert_eq!(time_scale(3 * DAY, 10).0 % DAY, 0);
        assert_eq!(time_scale(10 * MINUTE, 10), (MINUTE, TimeFormat::Minute));
        assert_eq!(time_scale(2 * MINUTE, 10).1, TimeFormat::Second);
        assert_eq!(time_scale(5 * SECOND, 10), (500, TimeFormat::Milli));
        assert_eq!(time_scale(0, 10).1, TimeFormat::Milli);
        assert_eq!(time_scale(400 * DAY, 10).1, TimeFormat::Date);
        assert_eq!(time_scale(i64::MAX, 10).1, TimeFormat::Date);

        assert_eq!(format_time(T, TimeFormat::Date), "2024-05-01");
        assert_eq!(format_time(T, TimeFormat::Minute), "12:34");
        assert_eq!(format_time(T, TimeFormat::Second), "12:34:56");
        assert_eq!(format_time(T, TimeFormat::Milli), "12:34:56.789");
        assert_eq!(
            format_time(T - T.rem_euclid(DAY), TimeFormat::Minute),
            "05-01"
        );
        assert_eq!(format_time(i64::MAX, TimeFormat::Second), "07:12:55");
        assert_eq!(format_date(i64::MAX), "+292278994-08-17");

        // Ticks are aligned multiples of the step, inside the view.
        let axis = TimeAxis {
            t0: T,
            t1: T + 10 * MINUTE,
            step: MINUTE,
            format: TimeFormat::Minute,
            offset: 0,
        };
        let ticks = axis.ticks();
        assert_eq!(ticks.len(), 10);
        assert!(ticks
            .iter()
            .all(|t| t % MINUTE == 0 && *t >= T && *t <= T + 10 * MINUTE));
        assert_eq!(axis.format_ext(&ticks[0]), "12:35");
    }

    /// A small fixed incident: two series, one failure, a climb to the limit,
    /// three breaches inside one window.
    fn small() -> ChartData {
        let base = T - T.rem_euclid(MINUTE); // 12:34:00
        let mut marks = Vec::new();
        for i in 0..40i64 {
            let slow = (15..28).contains(&i);
            marks.push(mark(
                base + i * 1500,
                if slow {
                    2500.0 + (i * 97 % 700) as f64
                } else {
                    120.0 + (i * 37 % 90) as f64
                },
                (i % 2) as u16,
                i == 22,
            ));
        }
        let mut steps = vec![(base, 0)];
        for (k, c) in [1u32, 3, 6, 10, 10, 7, 4, 2, 1, 0].iter().enumerate() {
            steps.push((base + 15_000 + k as i64 * 5000, *c));
        }
        ChartData {
            marks,
            series: vec![
                "post-login: enrich-profile".into(),
                "custom-db: login".into(),
            ],
            steps,
            breaches: vec![base + 31_000, base + 33_500, base + 36_000],
            windows: vec![(base + 30_000, base + 40_000)],
            limit: Some(Limit {
                value: 10,
                estimated: true,
            }),
        }
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    #[test]
    fn chart_labels_are_dates_from_1970_to_9999_and_beyond() {
        // The tester's futuredate.ndjson: 1970-01-01 and 9999-12-31T23:59:59.999Z.
        // The range label read "1809-05-27 01:26:24.001 UTC → 258470346815998
        // 258470346815998 UTC" (the view's 2 % margin went past year 9999, where
        // the `time` crate gives up).
        let (t0, t1) = (0i64, 253_402_300_799_999i64);
        let margin = (t1 - t0) / 50;
        assert_eq!(format_date(t0 - margin), "1809-05-27");
        assert_eq!(format_date(t1 + margin), "+10160-08-06");
        assert_eq!(format_time(t1 + margin, TimeFormat::Milli), "22:33:35.998");
        assert_eq!(format_date(t1), "9999-12-31");
        assert_eq!(format_time(t1, TimeFormat::Milli), "23:59:59.999");
        let (step, format) = time_scale(t1 + 2 * margin, 10);
        assert_eq!(format, TimeFormat::Date);
        let axis = TimeAxis { t0: t0 - margin, t1: t1 + margin, step, format, offset: 0 };
        let labels: Vec<String> = axis.ticks().iter().map(|t| axis.format_ext(t)).collect();
        assert!(!labels.is_empty());
        for l in &labels {
            let c = l.trim_start_matches('+');
            assert!(c.len() >= 10 && c.as_bytes()[c.len() - 3] == b'-', "{l}");
        }
        // The whole chart draws.
        let mut d = small();
        d.marks = vec![mark(t0, 100.0, 0, true), mark(t1, 200.0, 0, true)];
        d.steps = vec![(t0, 1), (t0 + 100, 0), (t1 - 200, 1), (t1, 0)];
        d.breaches = vec![t0, t1];
        d.windows = vec![(t0, t0), (t1, t1)];
        let svg = render_svg(&d, 800, 400);
        assert!(svg.contains("1970"), "{}", &svg[..svg.len().min(400)]);
        assert!(!svg.contains("253402300799999"));
    }

    #[test]
    fn chart_right_axis_title_clears_its_tick_numbers_at_phone_width() {
        // At 420 px the page's canvas is about 380 px wide.
        for w in [380u32, 800] {
            let svg = render_svg(&small(), w, 300);
            // (attributes, content) of every <text>.
            let texts = svg_texts(&svg);
            let num = svg_attr;
            let all: Vec<String> = texts.iter().map(|(a, c)| format!("{a} | {c}")).collect();
            let title = texts.iter().find(|(_, c)| *c == "requests in flight").unwrap_or_else(|| panic!("{}", all.join("\n")));
            let title_x = num(title.0, "x");
            // The in-flight tick numbers: the numbers right of the plot area.
            let plot_right = f64::from(w) / 2.0;
            let size = num(title.0, "font-size");
            let tick_right = texts
                .iter()
                .filter(|(a, c)| num(a, "x") > plot_right && c.parse::<u32>().is_ok() && !a.contains("end"))
                .map(|(a, c)| num(a, "x") + 0.6 * size * c.len() as f64)
                .fold(0.0f64, f64::max);
            assert!(tick_right > plot_right, "{w}: no tick numbers found\n{}", all.join("\n"));
            // The title is turned 90° about (x, y) and shifted by dy = 0.76em, so its
            // glyphs span about x - 0.76em to x (baseline to cap height).
            assert!(title_x - 0.76 * size > tick_right, "{w}: title at {title_x}, numbers end at {tick_right}\n{}", all.join("\n"));
        }
    }

    #[test]
    fn chart_small_svg_matches_snapshot() {
        let svg = render_svg(&small(), 800, 400);
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        // Three breach triangles plus the one in the legend.
        let red = format!(
            "fill=\"#{:02X}{:02X}{:02X}\"",
            BREACH_COLOR.0, BREACH_COLOR.1, BREACH_COLOR.2
        );
        let triangles = svg
            .lines()
            .filter(|l| l.contains("<polygon") && l.contains(&red))
            .count();
        assert_eq!(triangles, 3 + 1, "breach markers");
        assert_eq!(count(&svg, "estimated limit ≈ 10"), 1);
        assert_eq!(count(&svg, "custom-db: login"), 1);
        assert!(svg.contains("time (UTC, 2024-05-01)"));
        assert!(svg.contains("\n12:34:30\n"), "HH:MM:SS ticks");

        assert_snapshot("chart_small.svg", &svg);
    }

    /// `svg` equals the reviewed `tests/snapshots/<name>` (written instead when
    /// `UPDATE_SNAPSHOTS` is set, for a review of the change).
    fn assert_snapshot(name: &str, svg: &str) {
        let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, svg).expect("write snapshot");
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)"));
        assert!(want == svg, "chart differs from {path}; review, then UPDATE_SNAPSHOTS=1");
    }

    /// The built-in sample as the page's button loads it: the events and, as a
    /// second input, the Action execution objects (so marks are named by Action).
    fn sample_chart() -> ChartData {
        let inc = crate::sample::generate(
            &crate::sample::Scenario::sample_incident(),
            crate::sample::Format::Ndjson,
        );
        crate::session::Session::load(
            vec![
                ("sample-incident.ndjson".into(), inc.text.into_bytes()),
                (
                    "sample-executions.json".into(),
                    inc.executions_json.into_bytes(),
                ),
            ],
            None,
        )
        .chart()
    }

    fn scaled(y_scale: YScale) -> DrawOptions {
        DrawOptions {
            y_scale,
            ..DrawOptions::default()
        }
    }

    /// [`small`] with a fast Action as the second series (37–67 ms, like the sample's
    /// add-roles) and the slow spell of the first at 5–8 s.
    fn wide() -> ChartData {
        let mut d = small();
        for (i, m) in d.marks.iter_mut().enumerate() {
            if m.series == 1 {
                m.dur_ms = 37.0 + (i * 11 % 31) as f64;
            } else if m.dur_ms > 1000.0 {
                m.dur_ms = 5000.0 + (i * 613 % 3000) as f64;
            }
        }
        d.series[1] = "post-login: add-roles".into();
        d
    }

    #[test]
    fn chart_log_ticks_are_1_2_5_per_decade_and_thin_out() {
        assert_eq!(
            log_ticks(1.0, 1000.0, 20),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        // The sample's axis: 37 ms to 18.5 s.
        let y = DurationAxis::fit(YScale::Log, [37.0, 18_517.0].into_iter());
        assert_eq!((y.lo, y.hi), (20.0, 18_517.0 * 1.3));
        assert_eq!(
            log_ticks(y.lo, y.hi, 20),
            [20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0]
        );
        // Through plotters' `Ranged`, as the mesh asks for them.
        assert_eq!(y.key_points(BoldPoints(20)), log_ticks(y.lo, y.hi, 20));
        // No room for 1-2-5: one tick a decade; no room for every decade: every 2nd, 3rd.
        assert_eq!(
            log_ticks(1.0, 100_000.0, 8),
            [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0]
        );
        assert_eq!(log_ticks(1.0, 1e8, 5), [1.0, 100.0, 1e4, 1e6, 1e8]);
        assert_eq!(log_ticks(1.0, 1e8, 3), [1.0, 1000.0, 1e6]);
        // Less than a decade, and sub-millisecond values (exact decimals).
        assert_eq!(log_ticks(150.0, 900.0, 6), [200.0, 500.0]);
        assert_eq!(log_ticks(150.0, 900.0, 1), [200.0]);
        assert_eq!(log_ticks(0.1, 1.0, 9), [0.1, 0.2, 0.5, 1.0]);
        assert_eq!(log_ticks(2.0, 2.0, 9), [2.0]);
        for (lo, hi) in [
            (f64::NAN, 10.0),
            (0.0, 10.0),
            (-1.0, 10.0),
            (10.0, 1.0),
            (1.0, f64::INFINITY),
        ] {
            assert!(log_ticks(lo, hi, 5).is_empty(), "{lo}..{hi}");
        }
        // Labels carry their unit, as the axis spans ms and s.
        let labels: Vec<String> = [1.0, 2.0, 50.0, 500.0, 1000.0, 2000.0, 20_000.0]
            .map(log_label)
            .into();
        assert_eq!(
            labels,
            ["1 ms", "2 ms", "50 ms", "500 ms", "1 s", "2 s", "20 s"]
        );
        // Floors: 1-2-5 values, never under 1 ms.
        for (x, want) in [
            (28.5, 20.0),
            (7.0, 5.0),
            (1000.0, 1000.0),
            (999.9, 500.0),
            (0.3, 1.0),
            (0.0, 1.0),
            (f64::NAN, 1.0),
            (-4.0, 1.0),
            (1.0, 1.0),
            (2.0, 2.0),
        ] {
            assert_eq!(nice_floor(x), want, "{x}");
        }
        // A forced log axis over a narrow range still spans a decade, so it has ticks.
        let narrow = DurationAxis::fit(YScale::Log, [120.0, 180.0].into_iter());
        assert_eq!((narrow.lo, narrow.hi), (50.0, 500.0));
        assert_eq!(
            narrow.key_points(BoldPoints(12)),
            [50.0, 100.0, 200.0, 500.0]
        );
        // A linear axis keeps plotters' own ticks.
        let lin = DurationAxis::fit(YScale::Linear, [120.0, 3000.0].into_iter());
        assert_eq!(
            lin.key_points(BoldPoints(6)),
            plotters::coord::types::RangedCoordf64::from(0.0..3450.0).key_points(BoldPoints(6))
        );
    }

    #[test]
    fn chart_log_axis_lifts_fast_actions_off_the_time_axis() {
        let d = wide();
        let view = d.full_view();
        let draw = |s| render_svg_frame(&d, &view, &scaled(s), 800, 400);
        let ((svg_lin, lin), (svg_log, log)) = (draw(YScale::Linear), draw(YScale::Log));
        assert!(!lin.y.log && log.y.log);
        assert!(svg_log.contains("request duration (log scale)") && !svg_lin.contains("log scale"));
        assert!(svg_lin.contains("request duration (ms)"));
        // A 65 ms mark and a 5 s mark of the data.
        let fast = d
            .marks
            .iter()
            .position(|m| m.dur_ms == 65.0)
            .expect("a 65 ms mark");
        let slow = d
            .marks
            .iter()
            .position(|m| (5000.0..5300.0).contains(&m.dur_ms))
            .expect("a 5 s mark");
        let y = |f: &Frame, i: usize| f.point(d.marks[i].t, d.marks[i].dur_ms).1;
        let bottom = |f: &Frame| f64::from(f.plot.3);
        for f in [&lin, &log] {
            assert!(f.kept.contains(&fast) && f.kept.contains(&slow));
        }
        // Log: the two are far apart, and the fast one is well off the time axis and
        // apart from add-roles' own fastest and slowest.
        assert!(
            y(&log, fast) - y(&log, slow) >= 150.0,
            "log: {} px apart",
            y(&log, fast) - y(&log, slow)
        );
        assert!(
            bottom(&log) - y(&log, fast) >= 40.0,
            "log: 65 ms {} px above the axis",
            bottom(&log) - y(&log, fast)
        );
        let (y37, y67) = (log.point(view.t0, 37.0).1, log.point(view.t0, 67.0).1);
        assert!(
            y37 - y67 >= 20.0,
            "log: 37 ms and 67 ms {} px apart",
            y37 - y67
        );
        // Linear: the 5 s mark is far from the 65 ms one as well (that is not what goes
        // wrong); the 65 ms mark sits on the time axis, and 37 ms and 67 ms are one dot.
        assert!(y(&lin, fast) - y(&lin, slow) >= 150.0);
        assert!(
            bottom(&lin) - y(&lin, fast) < 4.0,
            "linear: 65 ms {} px above the axis",
            bottom(&lin) - y(&lin, fast)
        );
        let (y37, y67) = (lin.point(view.t0, 37.0).1, lin.point(view.t0, 67.0).1);
        assert!(
            y37 - y67 < 3.0,
            "linear: 37 ms and 67 ms {} px apart",
            y37 - y67
        );
        // The SVG draws the 65 ms mark where the frame (hit-testing) says it is.
        let (x, yf) = log.point(d.marks[fast].t, d.marks[fast].dur_ms);
        let near = svg_log
            .lines()
            .filter(|l| l.starts_with("<circle"))
            .any(|l| {
                let (cx, cy) = (attr(l, "cx").unwrap_or(-99), attr(l, "cy").unwrap_or(-99));
                (f64::from(cx) - x).abs() <= 1.0 && (f64::from(cy) - yf).abs() <= 1.0
            });
        assert!(near, "no circle at ({x:.1}, {yf:.1}) in the SVG");
        // Ticks with units along the log axis.
        for t in ["\n20 ms\n", "\n100 ms\n", "\n1 s\n", "\n5 s\n"] {
            assert!(svg_log.contains(t), "tick {t:?}");
        }
    }

    #[test]
    fn chart_log_axis_title_clears_its_labels() {
        // Log labels carry units ("500 ms"): in the page (DejaVu Sans, about 11.3 px
        // at scale 1) "500 ms" is 42 px wide, and at the linear axis' 64 px it touched
        // the axis title. Widths of the glyphs the labels use, in em, as DejaVu Sans.
        let em = |c: char| match c {
            '0'..='9' => 0.636,
            'm' => 0.974,
            's' => 0.521,
            _ => 0.32,
        };
        for (w, h, opts) in [
            (380u32, 300u32, scaled(YScale::Log)),
            (800, 400, scaled(YScale::Log)),
            (
                1600,
                800,
                DrawOptions {
                    scale: 2.0,
                    ..scaled(YScale::Log)
                },
            ),
        ] {
            let svg = render_svg_view(&wide(), &wide().full_view(), &opts, w, h);
            let texts = svg_texts(&svg);
            let num = svg_attr;
            let title = texts
                .iter()
                .find(|(_, c)| *c == "request duration (log scale)")
                .expect("the title");
            let size = num(title.0, "font-size");
            // The title is turned 270° about (x, y) and shifted by dy = 0.76em: its
            // glyphs span about x to x + 1 em.
            let title_right = num(title.0, "x") + size;
            let labels: Vec<(f64, f64)> = texts
                .iter()
                .filter(|(a, c)| {
                    a.contains("text-anchor=\"end\"") && (c.ends_with(" ms") || c.ends_with(" s"))
                })
                .map(|(a, c)| (num(a, "x"), c.chars().map(em).sum::<f64>() * size))
                .collect();
            assert!(labels.len() >= 3, "{w}: {labels:?}");
            for (end, width) in labels {
                assert!(
                    end - width >= title_right + 4.0,
                    "{w}: a label from {:.1} to {end}, the title ends at {title_right:.1}",
                    end - width
                );
            }
        }
    }

    #[test]
    fn chart_auto_scale_keeps_the_plot_in_place_when_it_switches() {
        // The sample with add-roles hidden is 220 ms to 18 s (linear), with it 37 ms
        // to 18 s (log): Auto switches, the plot area stays put (it moved 20 px when
        // the left axis took the width of the axis drawn, and so did every mark while
        // panning across a switch).
        let d = sample_chart();
        let view = d.full_view();
        let frame = |scale, hidden: Vec<bool>| {
            let mut svg = String::new();
            let root = SVGBackend::with_string(&mut svg, (1200, 500)).into_drawing_area();
            let fo = FrameOptions {
                hidden_series: hidden,
                ..FrameOptions::default()
            };
            draw_frame(&root, &d, &view, &scaled(scale), &fo).unwrap()
        };
        let (both, slow) = (
            frame(YScale::Auto, vec![]),
            frame(YScale::Auto, vec![true, false]),
        );
        assert!(both.y.log && !slow.y.log, "Auto switches");
        assert_eq!(both.plot, slow.plot);
        // Forced Linear keeps the narrower axis; Log has Auto's.
        let lin = frame(YScale::Linear, vec![]);
        assert_eq!(lin.plot.0 + (LOG_AXIS_W - 64), both.plot.0);
        assert_eq!(frame(YScale::Log, vec![true, false]).plot, both.plot);
    }

    #[test]
    fn chart_log_svg_matches_snapshot() {
        let svg = render_svg_view(&wide(), &wide().full_view(), &scaled(YScale::Log), 800, 400);
        // Auto picks the same axis for these durations (37 ms to 8 s).
        assert_eq!(svg, render_svg(&wide(), 800, 400));
        assert_snapshot("chart_log.svg", &svg);
    }

    #[test]
    fn chart_auto_scale_is_log_for_the_sample_and_linear_for_a_narrow_range() {
        assert!(!auto_is_log([]));
        assert!(!auto_is_log([5.0]));
        assert!(!auto_is_log([0.0, 0.0, 0.0]), "all on the floor");
        assert!(!auto_is_log([0.0, 50.0]), "0 ms counts as 1 ms: 50×");
        assert!(auto_is_log([0.0, 300.0]));
        assert!(
            !auto_is_log([10.0, 1000.0]),
            "exactly two decades is linear"
        );
        assert!(auto_is_log([10.0, 1001.0]));
        assert!(!auto_is_log([f64::NAN, f64::INFINITY, 1.0, 50.0]));
        // One outlier in a thousand does not make the spread.
        let mostly: Vec<f64> = (0..1000)
            .map(|i| {
                if i == 500 {
                    60_000.0
                } else {
                    100.0 + f64::from(i % 50)
                }
            })
            .collect();
        assert!(!auto_is_log(mostly.iter().copied()));

        let d = sample_chart();
        assert_eq!(d.series, ["add-roles", "enrich-profile"]);
        let full = d.full_view();
        let (svg, f) = render_svg_frame(&d, &full, &DrawOptions::default(), 1200, 500);
        assert!(
            f.y.log,
            "auto: the sample's durations (37 ms to 18 s) span 2.7 decades"
        );
        assert!(svg.contains("request duration (log scale)"));
        assert!(!svg.contains("NaN"));
        // The sample's first minute, before the slow API: 37 ms to about 400 ms, linear.
        let calm = View {
            t0: full.t0,
            t1: full.t0 + MINUTE,
        };
        let (svg, f) = render_svg_frame(&d, &calm, &DrawOptions::default(), 1200, 500);
        assert!(!f.kept.is_empty());
        assert!(
            !f.y.log && svg.contains("request duration (ms)"),
            "calm minute: linear"
        );
        // add-roles alone over the whole sample: linear.
        let fast = ChartData {
            marks: d.marks.iter().filter(|m| m.series == 0).copied().collect(),
            ..d.without_marks()
        };
        assert!(
            !render_svg_frame(&fast, &full, &DrawOptions::default(), 1200, 500)
                .1
                .y
                .log
        );
        assert!(
            !render_svg_frame(
                &small(),
                &small().full_view(),
                &DrawOptions::default(),
                800,
                400
            )
            .1
            .y
            .log,
            "small: 25×"
        );
        // Forced choices win over the spread.
        assert!(
            render_svg_frame(
                &small(),
                &small().full_view(),
                &scaled(YScale::Log),
                800,
                400
            )
            .1
            .y
            .log
        );
        assert!(
            !render_svg_frame(&d, &full, &scaled(YScale::Linear), 1200, 500)
                .1
                .y
                .log
        );
        // The page's control names and the L key's cycle.
        for s in YScale::ALL {
            assert_eq!(YScale::parse(s.name()), Some(s));
        }
        assert_eq!(YScale::parse("Log"), None);
        assert_eq!(YScale::Auto.next().next().next(), YScale::Auto);
        assert_eq!(YScale::Auto.next(), YScale::Linear);
        assert_eq!(YScale::Linear.next(), YScale::Log);
        assert_eq!(YScale::default(), YScale::Auto);
    }

    #[test]
    fn chart_sample_add_roles_is_hit_under_the_log_axis() {
        let d = sample_chart();
        let view = d.full_view();
        let (_, f) = render_svg_frame(&d, &view, &scaled(YScale::Log), 1200, 500);
        let (_, lin) = render_svg_frame(&d, &view, &scaled(YScale::Linear), 1200, 500);
        // Every drawn add-roles mark is found at its place by hit-testing, and is at
        // least 30 px above the time axis (on the linear axis: at most 3 px).
        let mut hits = 0;
        for &k in f.kept.iter().filter(|&&k| d.marks[k].series == 0) {
            let (x, y) = f.point(d.marks[k].t, d.marks[k].dur_ms);
            assert!(
                f64::from(f.plot.3) - y >= 30.0,
                "add-roles mark {k} at {y:.0}"
            );
            let hit = crate::viewport::nearest_mark(&d.marks, &f, x, y, 1.0).expect("hit");
            assert_eq!(
                d.marks[hit].series, 0,
                "mark {k} at ({x:.0}, {y:.0}) hit {hit}"
            );
            let (_, ly) = lin.point(d.marks[k].t, d.marks[k].dur_ms);
            assert!(f64::from(lin.plot.3) - ly <= 3.0);
            hits += 1;
        }
        assert!(hits > 100, "{hits} add-roles marks drawn");
    }

    #[test]
    fn chart_log_axis_draws_zero_and_sub_ms_durations_on_its_floor() {
        let mut d = wide();
        for (i, v) in [0.0, 0.3, -5.0, 1e-300, f64::MIN_POSITIVE]
            .into_iter()
            .enumerate()
        {
            d.marks[i].dur_ms = v;
        }
        for s in YScale::ALL {
            let (svg, f) = render_svg_frame(&d, &d.full_view(), &scaled(s), 800, 400);
            for bad in ["NaN", "inf"] {
                assert!(!svg.contains(bad), "{s:?}: {bad} in the SVG");
            }
            assert_eq!(f.kept.len(), d.marks.len());
            for &k in &f.kept {
                let (x, y) = f.point(d.marks[k].t, d.marks[k].dur_ms);
                assert!(
                    x.is_finite() && y.is_finite() && f.contains(x, y),
                    "{s:?}: mark {k} at ({x}, {y})"
                );
            }
            if f.y.log {
                assert_eq!(f.y.lo, LOG_FLOOR_MS, "{s:?}");
                for k in 0..5 {
                    assert_eq!(
                        f.point(d.marks[k].t, d.marks[k].dur_ms).1,
                        f64::from(f.plot.3),
                        "{s:?}: mark {k} on the floor"
                    );
                }
            }
        }
        // All durations 0 (or none at all): a 1 ms to 1 s log axis.
        let zero = ChartData {
            marks: d.marks.iter().map(|m| Mark { dur_ms: 0.0, ..*m }).collect(),
            ..d.without_marks()
        };
        let (svg, f) = render_svg_frame(&zero, &zero.full_view(), &scaled(YScale::Log), 800, 400);
        assert_eq!((f.y.lo, f.y.hi), (1.0, 1000.0));
        assert!(!svg.contains("NaN") && svg.contains("\n1 ms\n") && svg.contains("\n1 s\n"));
        let none = ChartData {
            marks: Vec::new(),
            ..d.without_marks()
        };
        let (svg, f) = render_svg_frame(&none, &none.full_view(), &scaled(YScale::Log), 800, 400);
        assert!(f.y.log && !svg.contains("NaN") && svg.contains("no timed requests"));
        // The mapping itself.
        let y = DurationAxis::log(10.0, 10_000.0);
        for (d, want) in [
            (f64::NAN, 0.0),
            (-1.0, 0.0),
            (0.0, 0.0),
            (10.0, 0.0),
            (100.0, 1.0 / 3.0),
            (f64::INFINITY, 1.0),
            (1e9, 1.0),
        ] {
            assert!((y.frac(d) - want).abs() < 1e-12, "{d}: {}", y.frac(d));
        }
        for d in [10.0, 37.0, 1234.5, 10_000.0] {
            assert!((y.at(y.frac(d)) - d).abs() < 1e-9 * d, "{d}");
        }
        assert_eq!(
            (y.at(f64::NAN), y.at(-3.0), y.at(7.0)),
            (10.0, 10.0, 10_000.0)
        );
        assert!((y.mid() - 316.227_766).abs() < 1e-3);
        let bad = DurationAxis::log(f64::NAN, 0.0);
        assert_eq!((bad.lo, bad.hi), (LOG_FLOOR_MS, 2.0));
        assert!(bad.frac(0.0) == 0.0 && bad.frac(5.0) == 1.0);
    }

    #[test]
    fn chart_log_axis_keeps_the_same_marks_and_every_columns_log_extremes() {
        let data = synthetic(60_000, 5);
        let lod = crate::lod::LodSet::build(&data);
        let full = data.full_view();
        let zoom = View {
            t0: full.t0 + (full.t1 - full.t0) / 3,
            t1: full.t0 + (full.t1 - full.t0) / 3 + 20_000,
        };
        let fo = FrameOptions {
            sorted: true,
            ..FrameOptions::default()
        };
        for view in [full, zoom] {
            for raster in [false, true] {
                let frame = |s| {
                    let mut svg = String::new();
                    let root = SVGBackend::with_string(&mut svg, (1200, 500)).into_drawing_area();
                    draw_frame_with(
                        &root,
                        &data,
                        &view,
                        &scaled(s),
                        &fo,
                        Extras {
                            lod: Some(&lod),
                            raster,
                        },
                    )
                    .unwrap()
                };
                let (lin, log, auto) = (
                    frame(YScale::Linear),
                    frame(YScale::Log),
                    frame(YScale::Auto),
                );
                assert!(log.y.log && !lin.y.log && auto.y.log);
                // The log axis' labels are wider, so its plot is narrower (Auto's as
                // wide as Log's); the marks are those of decimating at each plot's
                // width, whatever the axis.
                assert!(log.plot.2 - log.plot.0 < lin.plot.2 - lin.plot.0);
                assert_eq!((auto.plot, &auto.kept), (log.plot, &log.kept));
                for f in [&lin, &log] {
                    let w = (f.plot.2 - f.plot.0) as u32;
                    let px_ms = (view.bounds().1 - view.bounds().0) as f64 / f64::from(w);
                    let want = match lod.pick(px_ms) {
                        Some(l) => l.decimate_marks(&data.marks, &view, w, &[]),
                        None => decimate_sorted(
                            &data.marks,
                            sorted_range(&data.marks, &view),
                            &view,
                            w,
                            &[],
                        ),
                    };
                    assert_eq!(f.kept, want, "the marks of decimating at the plot's width");
                }
                // Every failed mark in view is drawn.
                let (t0, t1) = view.bounds();
                let failed = data
                    .marks
                    .iter()
                    .filter(|m| m.failed && m.t >= t0 && m.t <= t1)
                    .count();
                assert_eq!(
                    log.kept.iter().filter(|&&k| data.marks[k].failed).count(),
                    failed
                );
            }
        }
        // Per pixel column and series, the marks with the lowest and the highest
        // place on the log axis are among those decimation keeps (log is monotonic,
        // and clamping to the floor only makes ties).
        let mut marks = data.marks.clone();
        for m in marks.iter_mut().step_by(101) {
            m.dur_ms = 0.0;
        }
        for (view, width) in [(full, 1078), (zoom, 640), (full, 97)] {
            let keep = decimate_sorted(&marks, sorted_range(&marks, &view), &view, width, &[]);
            let y = DurationAxis::fit(YScale::Log, keep.iter().map(|&k| marks[k].dur_ms));
            assert!(y.log);
            let (t0, t1) = view.bounds();
            let mut all: HashMap<(u32, u16), (f64, f64)> = HashMap::new();
            let mut kept: HashMap<(u32, u16), (f64, f64)> = HashMap::new();
            for (i, m) in marks
                .iter()
                .enumerate()
                .filter(|(_, m)| m.t >= t0 && m.t <= t1)
            {
                let key = (column(m.t, t0, t1, width), m.series);
                let f = y.frac(m.dur_ms);
                let add = |map: &mut HashMap<(u32, u16), (f64, f64)>| {
                    let e = map.entry(key).or_insert((f, f));
                    *e = (e.0.min(f), e.1.max(f));
                };
                add(&mut all);
                if keep.binary_search(&i).is_ok() {
                    add(&mut kept);
                }
            }
            assert_eq!(all, kept, "{view:?} at {width} columns");
        }
    }

    #[test]
    fn chart_log_frames_paint_each_mark_where_hit_testing_looks() {
        let data = synthetic(60_000, 3);
        let lod = crate::lod::LodSet::build(&data);
        let view = data.full_view();
        let fo = FrameOptions {
            sorted: true,
            ..FrameOptions::default()
        };
        let mut svg = String::new();
        let (f, layers) = {
            let backend = Blits {
                svg: SVGBackend::with_string(&mut svg, (1200, 500)),
                blits: Vec::new(),
            };
            let root = backend.into_drawing_area();
            let f = draw_frame_with(
                &root,
                &data,
                &view,
                &scaled(YScale::Log),
                &fo,
                Extras {
                    lod: Some(&lod),
                    raster: true,
                },
            )
            .unwrap();
            drop(root);
            (f, LAST_BLITS.with(|b| b.take()))
        };
        assert!(f.y.log);
        let layer = &layers[0];
        for &k in f.kept.iter().step_by(53) {
            let m = data.marks[k];
            let (x, y) = f.point(m.t, m.dur_ms);
            let p = layer
                .pixel(x.round() as i32, y.round() as i32)
                .expect("inside the layer");
            assert_ne!(
                p,
                [255, 255, 255],
                "mark {k} ({} ms) at ({x:.0}, {y:.0}) not painted",
                m.dur_ms
            );
        }
        // Grid lines at the log ticks, in the layer: 1-2-5 values.
        let (_, top, _, bottom) = f.plot;
        let x = f.plot.0 + 3;
        let grid_rows: Vec<i32> = (top..bottom)
            .filter(|&y| layer.pixel(x, y) == Some([232, 232, 232]))
            .collect();
        let ticks = log_ticks(f.y.lo, f.y.hi, 24);
        assert!(
            grid_rows.len() >= ticks.len().min(8),
            "{grid_rows:?} for {ticks:?}"
        );
        for row in grid_rows {
            let d = f.duration_at(f64::from(row));
            assert!(
                ticks.iter().any(|t| (d / t - 1.0).abs() < 0.05),
                "grid row {row} at {d:.1} ms is no tick of {ticks:?}"
            );
        }
        assert!(svg.contains("request duration (log scale)"));
    }

    #[test]
    fn chart_known_limit_is_solid_and_labelled() {
        let mut data = small();
        data.limit = Some(Limit {
            value: 12,
            estimated: false,
        });
        let svg = render_svg(&data, 640, 360);
        assert!(svg.contains("\nlimit 12\n"));
        assert!(!svg.contains("estimated"));
    }

    #[test]
    fn chart_scale_multiplies_sizes() {
        let opts = |scale| DrawOptions {
            scale,
            ..DrawOptions::default()
        };
        let data = small();
        let view = data.full_view();
        let one = render_svg_view(&data, &view, &opts(1.0), 800, 400);
        let two = render_svg_view(&data, &view, &opts(2.0), 1600, 800);
        // plotters writes font-size as size / 1.24: 14 px and 28 px labels.
        let size = |px: f64| format!("font-size=\"{}\"", px / 1.24);
        assert!(one.contains(&size(14.0)) && !one.contains(&size(28.0)));
        assert!(two.contains(&size(28.0)) && !two.contains(&size(14.0)));
        assert!(
            two.contains("\n12:34:30\n"),
            "same ticks at twice the pixels"
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(render_svg_view(&data, &view, &opts(bad), 800, 400), one);
        }
    }

    #[test]
    fn chart_escapes_series_names() {
        let mut data = small();
        data.series[0] = "<script>alert(1)</script> & co".into();
        let svg = render_svg(&data, 800, 400);
        assert!(!svg.contains("<script"), "unescaped series name");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    }

    #[test]
    fn chart_empty_and_degenerate_inputs_do_not_panic() {
        let empty = ChartData::default();
        let svg = render_svg(&empty, 800, 400);
        assert!(svg.contains(EMPTY_TITLE), "the empty state says why");
        for (w, h) in [(0, 0), (1, 1), (30, 20), (200, 100)] {
            let svg = render_svg(&small(), w, h);
            assert!(svg.trim_end().ends_with("</svg>"), "{w}x{h}");
        }
        let opts = DrawOptions {
            title: Some("incident".into()),
            ..DrawOptions::default()
        };
        let data = small();
        let t = data.marks[0].t;
        for view in [
            View { t0: t, t1: t },
            View {
                t0: t + 5000,
                t1: t,
            },
            View { t0: 0, t1: 1 },
            View {
                t0: i64::MIN,
                t1: i64::MAX,
            },
        ] {
            let svg = render_svg_view(&data, &view, &opts, 800, 400);
            assert!(svg.trim_end().ends_with("</svg>"), "{view:?}");
        }
        let svg = render_svg_view(&data, &View { t0: 0, t1: 1 }, &opts, 800, 400);
        assert!(svg.contains("no timed requests in this range"));
        // Marks only, steps only, breaches only.
        let parts = [
            ChartData {
                marks: data.marks.clone(),
                ..ChartData::default()
            },
            ChartData {
                steps: data.steps.clone(),
                ..ChartData::default()
            },
            ChartData {
                breaches: data.breaches.clone(),
                ..ChartData::default()
            },
        ];
        for d in parts {
            assert!(render_svg(&d, 500, 300).trim_end().ends_with("</svg>"));
        }
    }

    #[test]
    fn chart_with_nothing_timed_shows_an_empty_state_not_an_epoch_axis() {
        let empty = ChartData { series: vec!["post-login: a".into()], limit: Some(Limit { value: 5, estimated: false }), ..ChartData::default() };
        assert!(!empty.has_time());
        let opts = DrawOptions { title: Some("incident".into()), ..DrawOptions::default() };
        let svg = render_svg_view(&empty, &empty.full_view(), &opts, 800, 400);
        assert!(svg.contains(EMPTY_TITLE), "headline");
        assert!(svg.contains("None of the events has a duration"), "explanation");
        assert!(svg.contains("incident"), "title kept");
        for no in ["1970", "00:00", "request duration", "requests in flight", "time (UTC"] {
            assert!(!svg.contains(no), "empty chart still shows {no:?}");
        }
        // The explanation is wrapped inside the canvas width.
        assert!(count(&svg, "<text") >= 4, "{svg}");
        // Anything timed gets the real chart back.
        for d in [
            ChartData { steps: vec![(T, 1), (T + 10, 0)], ..ChartData::default() },
            ChartData { breaches: vec![T], ..ChartData::default() },
            small(),
        ] {
            assert!(d.has_time());
            let svg = render_svg(&d, 800, 400);
            assert!(!svg.contains(EMPTY_TITLE) && svg.contains("time (UTC"));
        }
        // Tiny canvases do not panic.
        for (w, h) in [(1, 1), (20, 10)] {
            assert!(render_svg(&empty, w, h).trim_end().ends_with("</svg>"));
        }
    }

    #[test]
    fn chart_full_view_covers_data() {
        let data = small();
        let v = data.full_view();
        assert!(v.t0 < data.marks[0].t && v.t1 > data.marks[39].t);
        assert_eq!(ChartData::default().full_view(), View { t0: 0, t1: 1000 });
    }

    #[test]
    fn chart_local_time_shifts_ticks_and_labels() {
        assert_eq!(zone_label(0), "UTC");
        assert_eq!(zone_label(2 * HOUR), "UTC+02:00");
        assert_eq!(zone_label(-(5 * HOUR + 30 * MINUTE)), "UTC-05:30");
        // UTC+05:30: hour ticks fall on local whole hours, labelled in local time.
        let off = 5 * HOUR + 30 * MINUTE;
        let axis = TimeAxis {
            t0: T,
            t1: T + 3 * HOUR,
            step: HOUR,
            format: TimeFormat::Minute,
            offset: off,
        };
        let ticks = axis.ticks();
        assert!(!ticks.is_empty());
        assert!(ticks.iter().all(|t| (t + off) % HOUR == 0));
        assert_eq!(axis.format_ext(&ticks[0]), "19:00"); // 12:34 UTC is 18:04 local
        let data = small();
        let fo = FrameOptions { tz_offset_ms: 2 * HOUR, ..FrameOptions::default() };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
            let frame = draw_frame(&root, &data, &data.full_view(), &DrawOptions::default(), &fo).unwrap();
            assert!(frame.plot.0 < frame.plot.2 && frame.plot.1 < frame.plot.3);
            assert!(!frame.kept.is_empty());
            // Frame maps times and durations inside the plot.
            let m = data.marks[0];
            let (x, y) = frame.point(m.t, m.dur_ms);
            assert!(frame.contains(x, y));
            assert!((frame.time_at(x) - m.t as f64).abs() < (frame.t1 - frame.t0) as f64 / 100.0);
        }
        assert!(svg.contains("time (local, UTC+02:00, 2024-05-01)"), "zone in the caption");
        assert!(svg.contains("\n14:34:30\n"), "local tick labels");
    }

    #[test]
    fn chart_overview_and_undecimated_draws() {
        let data = small();
        let full = data.full_view();
        let sel = View { t0: full.t0 + 10_000, t1: full.t0 + 20_000 };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (600, 50)).into_drawing_area();
            draw_overview(&root, &data, &full, &sel, 60, 560, 1.0).unwrap();
        }
        assert!(svg.contains("<polygon"));
        let mut sorted = data.clone();
        sorted.marks.sort_by_key(|m| m.t);
        for fo in [
            FrameOptions { decimate: false, ..FrameOptions::default() },
            FrameOptions { sorted: true, selected: vec![3], selected_window: Some(0), ..FrameOptions::default() },
        ] {
            let mut svg = String::new();
            let root = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
            let f = draw_frame(&root, &sorted, &full, &DrawOptions::default(), &fo).unwrap();
            if !fo.decimate {
                assert_eq!(f.kept.len(), sorted.marks.len());
            }
        }
        // Sorted ranges find exactly the marks in view.
        let r = sorted_range(&sorted.marks, &sel);
        let (a, b) = sel.bounds();
        assert!(sorted.marks[r.clone()].iter().all(|m| m.t >= a && m.t <= b));
        assert_eq!(r.len(), sorted.marks.iter().filter(|m| m.t >= a && m.t <= b).count());
    }

    /// An SVG backend that keeps what is blitted instead of writing a `<rect>` per pixel.
    struct Blits<'a> {
        svg: SVGBackend<'a>,
        blits: Vec<(BackendCoord, (u32, u32), Vec<u8>)>,
    }

    impl DrawingBackend for Blits<'_> {
        type ErrorType = <SVGBackend<'static> as DrawingBackend>::ErrorType;
        fn get_size(&self) -> (u32, u32) {
            self.svg.get_size()
        }
        fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.ensure_prepared()
        }
        fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.present()
        }
        fn draw_pixel(&mut self, p: BackendCoord, c: plotters_backend::BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_pixel(p, c)
        }
        fn draw_line<S: plotters_backend::BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_line(a, b, s)
        }
        fn draw_rect<S: plotters_backend::BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S, fill: bool) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_rect(a, b, s, fill)
        }
        fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, p: I, s: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_path(p, s)
        }
        fn draw_circle<S: plotters_backend::BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, fill: bool) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_circle(c, r, s, fill)
        }
        fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, v: I, s: &S) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.fill_polygon(v, s)
        }
        fn draw_text<S: plotters_backend::BackendTextStyle>(&mut self, t: &str, s: &S, p: BackendCoord) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.svg.draw_text(t, s, p)
        }
        fn estimate_text_size<S: plotters_backend::BackendTextStyle>(&self, t: &str, s: &S) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
            self.svg.estimate_text_size(t, s)
        }
        fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.blits.push((pos, size, src.to_vec()));
            Ok(())
        }
    }

    /// Draws `data` over `view` into an SVG string with the given extras; returns
    /// the frame, the SVG and the bitmaps blitted (position, size, RGB).
    #[allow(clippy::type_complexity)]
    fn svg_frame(data: &ChartData, view: &View, fo: &FrameOptions, ex: Extras<'_>) -> (Frame, String, Vec<crate::raster::Layer>) {
        let mut svg = String::new();
        let (frame, layers) = {
            let backend = Blits { svg: SVGBackend::with_string(&mut svg, (1200, 500)), blits: Vec::new() };
            let root = backend.into_drawing_area();
            let frame = draw_frame_with(&root, data, view, &DrawOptions::default(), fo, ex).unwrap();
            drop(root);
            (frame, LAST_BLITS.with(|b| b.take()))
        };
        (frame, svg, layers)
    }

    thread_local! {
        static LAST_BLITS: std::cell::RefCell<Vec<crate::raster::Layer>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    impl Drop for Blits<'_> {
        fn drop(&mut self) {
            let layers = self.blits.drain(..).map(|((x, y), (w, h), rgb)| {
                let mut l = crate::raster::Layer::new(x, y, w, h, (255, 255, 255));
                l.rgb = rgb;
                l
            });
            LAST_BLITS.with(|b| b.borrow_mut().extend(layers));
        }
    }

    #[test]
    fn chart_layer_frames_draw_the_kept_marks_as_pixels() {
        let data = synthetic(60_000, 3);
        let lod = crate::lod::LodSet::build(&data);
        assert!(!lod.is_empty());
        let view = data.full_view();
        let fo = FrameOptions { sorted: true, ..FrameOptions::default() };
        let (f_el, svg_el, none) = svg_frame(&data, &view, &fo, Extras::default());
        assert!(none.is_empty(), "vector frames blit nothing");
        let (f_lay, svg_lay, layers) = svg_frame(&data, &view, &fo, Extras { lod: Some(&lod), raster: true });
        assert!(count(&svg_el, "<circle") > 1000, "marks as plotters circles");
        assert!(count(&svg_lay, "<circle") < 10, "only legend swatches left as circles");
        assert!(svg_lay.len() * 4 < svg_el.len(), "no per-mark or per-step elements left");
        assert_eq!(layers.len(), 1, "one blit_bitmap a frame");
        let layer = &layers[0];
        assert_eq!(layer.rgb.len(), layer.w as usize * layer.h as usize * 3, "RGB, as blit_bitmap takes");
        // Same plot, same slowest mark (the level keeps every column's extremes).
        assert_eq!(f_el.plot, f_lay.plot);
        let (l, t, r, b) = f_lay.plot;
        assert!(layer.x <= l && layer.y <= t && layer.x + layer.w as i32 >= r && layer.y + layer.h as i32 >= b);
        let slow = |f: &Frame| crate::viewport::slowest(&data.marks, &f.kept).unwrap();
        assert_eq!(data.marks[slow(&f_el)].dur_ms, data.marks[slow(&f_lay)].dur_ms);
        // Every kept mark is painted in a colour, at its place.
        for &k in f_lay.kept.iter().step_by(97) {
            let m = data.marks[k];
            let (x, y) = f_lay.point(m.t, m.dur_ms);
            let p = layer.pixel(x.round() as i32, y.round() as i32).expect("inside the layer");
            assert_ne!(p, [255, 255, 255], "mark {k} at ({x:.0}, {y:.0}) not painted");
        }
        let failed = f_lay.kept.iter().copied().find(|&k| data.marks[k].failed).expect("a failed mark");
        let (x, y) = f_lay.point(data.marks[failed].t, data.marks[failed].dur_ms);
        // The ring: black at partial coverage over white or the disc. Over white that is a
        // neutral grey, which no series colour, grid line or the in-flight line is.
        let (cx, cy) = (x.round() as i32, y.round() as i32);
        let grey = (cx - 6..cx + 6)
            .flat_map(|px| (cy - 6..cy + 6).map(move |py| (px, py)))
            .filter_map(|(px, py)| layer.pixel(px, py))
            .filter(|p| p[0] < 200 && p[0] > 40 && p[0] == p[1] && p[1] == p[2])
            .count();
        assert!(grey >= 8, "failed mark has a dark ring: {grey} grey pixels");
        // The in-flight line is in the layer, opaque and dark.
        let dark = layer.count([40, 40, 40]);
        assert!(dark > 500, "{dark} in-flight pixels");

        // What the vector frame draws as grid lines and breach shading is in the
        // layer, at the same places, and not in the SVG.
        let grid = "stroke=\"#E8E8E8\"";
        assert!(count(&svg_el, grid) >= 4 && count(&svg_lay, grid) == 0, "grid lines");
        let gx: Vec<i32> = svg_el
            .lines()
            .filter(|s| s.starts_with("<line") && s.contains(grid))
            .filter_map(|s| {
                let x1 = attr(s, "x1")?;
                (Some(x1) == attr(s, "x2")).then_some(x1)
            })
            .collect();
        assert!(gx.len() >= 2, "vertical grid lines in the SVG: {gx:?}");
        for x in gx {
            let mid = (t + b) / 2;
            let col: Vec<[u8; 3]> = (mid - 20..mid + 20).filter_map(|y| layer.pixel(x, y)).collect();
            // Grey, or grey under the breach shading.
            let on = |p: &[u8; 3]| *p == [232, 232, 232] || *p == [228, 204, 204];
            assert!(col.iter().any(on), "grid line at x = {x} in the layer: {col:?}");
        }
        let (wa, wb) = data.windows[0];
        let (xa, _) = f_lay.point(wa, 0.0);
        let (xb, _) = f_lay.point(wb, 0.0);
        let shade = layer.pixel(((xa + xb) / 2.0).round() as i32, t + 2).unwrap();
        assert_eq!(shade, [248, 224, 224], "breach window shaded 0.12 red over white, in the layer");
        assert!(svg_el.contains("opacity=\"0.12\" fill=\"#C80000\"") && !svg_lay.contains("opacity=\"0.12\""));

        // Hidden series: none of their marks kept, nor named in the legend.
        let fo = FrameOptions { hidden_series: vec![true, false, false], ..fo };
        let (f_hid, svg_hid, _) = svg_frame(&data, &view, &fo, Extras { lod: Some(&lod), raster: true });
        assert!(!f_hid.kept.is_empty());
        assert!(f_hid.kept.iter().all(|&k| data.marks[k].series != 0));
        assert!(!svg_hid.contains(&data.series[0]) && svg_hid.contains(&data.series[1]));
        let (f_hid_el, _, _) = svg_frame(&data, &view, &fo, Extras::default());
        assert!(f_hid_el.kept.iter().all(|&k| data.marks[k].series != 0));
        let fo_all = FrameOptions { decimate: false, ..fo };
        let (f_all, _, _) = svg_frame(&data, &view, &fo_all, Extras::default());
        assert_eq!(f_all.kept.len(), data.marks.iter().filter(|m| m.series != 0).count());
    }

    /// The integer value of attribute `name` in one SVG element line.
    fn attr(line: &str, name: &str) -> Option<i32> {
        let at = line.find(&format!(" {name}=\""))? + name.len() + 3;
        let rest = &line[at..];
        rest[..rest.find('"')?].parse().ok()
    }

    #[test]
    fn chart_synthetic_data_is_sorted_and_bounded() {
        let d = synthetic(20_000, 7);
        assert_eq!(d.marks.len(), 20_000);
        assert!(d.marks.windows(2).all(|w| w[0].t <= w[1].t));
        assert!(d.steps.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(d.steps.last().map(|s| s.1), Some(0), "everything ends");
        assert!(!d.breaches.is_empty() && d.windows.len() == 1);
        let view = d.full_view();
        let keep = decimate_marks_in(&d.marks, sorted_range(&d.marks, &view), &view, 800);
        assert!(keep.len() <= 2 * 800 * 3 + d.breaches.len());
        assert_eq!(synthetic(1000, 7), synthetic(1000, 7));
    }
}
