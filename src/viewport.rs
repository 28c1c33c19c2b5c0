//! Zoom, pan and hit-testing for the interactive timeline: pure arithmetic, no
//! browser. The web layer turns wheel, drag and key events into calls here and
//! draws whatever [`Viewport::view`] says.
//!
//! The visible range is kept in `f64` milliseconds (so that many small zoom steps
//! do not accumulate rounding) and always stays inside the data's full range, at
//! least [`MIN_SPAN_MS`] wide.

use crate::chart::{Frame, Mark, View};

/// The narrowest visible range: 10 ms.
pub const MIN_SPAN_MS: f64 = 10.0;

/// Zoom factor of one `+` / `-` key press or one wheel notch.
pub const KEY_ZOOM: f64 = 1.5;

/// Fraction of the visible range one arrow key press pans.
pub const KEY_PAN: f64 = 0.1;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// The full range (the most one can zoom out to).
    lo: f64,
    hi: f64,
    /// The visible range.
    t0: f64,
    t1: f64,
    /// What the view opens on and reset shows (the full range unless
    /// [`Viewport::with_home`] said otherwise).
    home: (f64, f64),
}

impl Viewport {
    pub fn new(full: View) -> Self {
        let (a, b) = full.bounds();
        let (lo, hi) = (a as f64, b as f64);
        Viewport {
            lo,
            hi,
            t0: lo,
            t1: hi,
            home: (lo, hi),
        }
    }

    /// A viewport over `full` that opens on `home` (clamped to `full`) and goes back
    /// to it on [`reset`](Self::reset): `ChartData::initial_view`, the incident
    /// without the decades a stray 1970 or 9999 date would add. Zooming out and the
    /// overview strip still reach the whole range.
    pub fn with_home(full: View, home: View) -> Self {
        let mut vp = Viewport::new(full);
        let (a, b) = home.bounds();
        vp.set_range(a as f64, b as f64);
        vp.home = (vp.t0, vp.t1);
        vp
    }

    /// The visible range, rounded to whole ms.
    pub fn view(&self) -> View {
        View {
            t0: self.t0.floor() as i64,
            t1: self.t1.ceil() as i64,
        }
    }

    pub fn full(&self) -> View {
        View {
            t0: self.lo as i64,
            t1: self.hi as i64,
        }
    }

    pub fn span(&self) -> f64 {
        self.t1 - self.t0
    }

    fn full_span(&self) -> f64 {
        self.hi - self.lo
    }

    fn min_span(&self) -> f64 {
        MIN_SPAN_MS.min(self.full_span())
    }

    /// Whether the whole range is visible.
    pub fn is_full(&self) -> bool {
        self.t0 <= self.lo && self.t1 >= self.hi
    }

    /// Zoom by `factor` (> 1 zooms in) keeping the time under `anchor` (0 = left
    /// edge of the plot, 1 = right edge) where it is.
    pub fn zoom_at(&mut self, factor: f64, anchor: f64) {
        if !factor.is_finite() || factor <= 0.0 {
            return;
        }
        let anchor = if anchor.is_finite() {
            anchor.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let span = self.span();
        let at = self.t0 + anchor * span;
        let new = (span / factor).clamp(self.min_span(), self.full_span());
        self.t0 = at - anchor * new;
        self.t1 = self.t0 + new;
        self.clamp();
    }

    /// Pan by a fraction of the visible span (positive: later).
    pub fn pan_frac(&mut self, frac: f64) {
        if frac.is_finite() {
            self.pan_ms(frac * self.span());
        }
    }

    /// Pan by `ms` (positive: later), stopping at the ends of the data.
    pub fn pan_ms(&mut self, ms: f64) {
        if !ms.is_finite() {
            return;
        }
        self.t0 += ms;
        self.t1 += ms;
        self.clamp();
    }

    /// Back to the home range (see [`Viewport::with_home`]).
    pub fn reset(&mut self) {
        (self.t0, self.t1) = self.home;
    }

    /// Shows `[a, b]` (either order), widened to the minimum span around its
    /// middle and clamped to the data.
    pub fn set_range(&mut self, a: f64, b: f64) {
        if !a.is_finite() || !b.is_finite() {
            return;
        }
        let (a, b) = (a.min(b), a.max(b));
        let min = self.min_span();
        let (a, b) = if b - a < min {
            let mid = (a + b) / 2.0;
            (mid - min / 2.0, mid + min / 2.0)
        } else {
            (a, b)
        };
        self.t0 = a;
        self.t1 = b;
        self.clamp();
    }

    /// Centres the view on `t` without changing the zoom.
    pub fn center_on(&mut self, t: f64) {
        let half = self.span() / 2.0;
        self.t0 = t - half;
        self.t1 = t + half;
        self.clamp();
    }

    fn clamp(&mut self) {
        let span = (self.t1 - self.t0).clamp(self.min_span(), self.full_span());
        if self.t0 < self.lo {
            self.t0 = self.lo;
        }
        if self.t0 + span > self.hi {
            self.t0 = self.hi - span;
        }
        self.t1 = self.t0 + span;
    }
}

/// The drawn mark nearest to pixel `(x, y)` within `max_px`, by distance in
/// pixels (ties: the earlier index). Only marks in `frame.kept` (the ones
/// actually drawn) are candidates.
pub fn nearest_mark(marks: &[Mark], frame: &Frame, x: f64, y: f64, max_px: f64) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for &i in &frame.kept {
        let Some(m) = marks.get(i) else { continue };
        let (mx, my) = frame.point(m.t, m.dur_ms);
        let d = (mx - x).hypot(my - y);
        if d <= max_px && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, i));
        }
    }
    best.map(|b| b.1)
}

/// The breach window (index into `windows`) under pixel column `x`, if any; a
/// window narrower than `min_px` counts as that wide around its middle.
pub fn window_at(windows: &[(i64, i64)], frame: &Frame, x: f64, min_px: f64) -> Option<usize> {
    windows.iter().position(|&(a, b)| {
        let (xa, _) = frame.point(a.min(b), 0.0);
        let (xb, _) = frame.point(a.max(b), 0.0);
        let mid = (xa + xb) / 2.0;
        let half = ((xb - xa) / 2.0).max(min_px / 2.0);
        (x - mid).abs() <= half
    })
}

/// Next (`forward`) or previous drawn mark in time order from `from` (a mark
/// index, or none: the first / last), among `frame.kept`.
pub fn step_mark(marks: &[Mark], kept: &[usize], from: Option<usize>, forward: bool) -> Option<usize> {
    let key = |i: usize| (marks[i].t, i);
    let mut order: Vec<usize> = kept.iter().copied().filter(|&i| i < marks.len()).collect();
    order.sort_unstable_by_key(|&i| key(i));
    let Some(cur) = from.filter(|&i| i < marks.len()) else {
        return if forward { order.first() } else { order.last() }.copied();
    };
    let k = key(cur);
    if forward {
        order.into_iter().find(|&i| key(i) > k)
    } else {
        order.into_iter().rev().find(|&i| key(i) < k)
    }
}

/// The slowest drawn mark.
pub fn slowest(marks: &[Mark], kept: &[usize]) -> Option<usize> {
    kept.iter()
        .copied()
        .filter(|&i| i < marks.len() && marks[i].dur_ms.is_finite())
        .max_by(|&a, &b| marks[a].dur_ms.total_cmp(&marks[b].dur_ms).then(b.cmp(&a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp() -> Viewport {
        Viewport::new(View { t0: 0, t1: 100_000 })
    }

    #[test]
    fn viewport_zoom_keeps_the_time_under_the_cursor() {
        let mut v = vp();
        v.zoom_at(4.0, 0.25);
        assert!((v.span() - 25_000.0).abs() < 1e-6);
        // 25 % across was 25 000 ms before and still is.
        assert!((v.t0 + 0.25 * v.span() - 25_000.0).abs() < 1e-6);
        v.zoom_at(0.5, 0.8);
        assert!((v.span() - 50_000.0).abs() < 1e-6);
        // Zooming in then out by the same factor at the same spot is a no-op.
        let before = v;
        v.zoom_at(3.0, 0.6);
        v.zoom_at(1.0 / 3.0, 0.6);
        assert!((v.t0 - before.t0).abs() < 1e-6 && (v.t1 - before.t1).abs() < 1e-6);
    }

    #[test]
    fn viewport_zoom_is_bounded() {
        let mut v = vp();
        for _ in 0..100 {
            v.zoom_at(10.0, 0.5);
        }
        assert!((v.span() - MIN_SPAN_MS).abs() < 1e-9);
        for _ in 0..100 {
            v.zoom_at(0.1, 0.9);
        }
        assert!(v.is_full());
        assert_eq!(v.view(), View { t0: 0, t1: 100_000 });
        // Bad input changes nothing.
        let before = v;
        v.zoom_at(f64::NAN, 0.5);
        v.zoom_at(0.0, 0.5);
        v.pan_ms(f64::INFINITY);
        assert_eq!(v, before);
    }

    #[test]
    fn viewport_pan_clamps_at_the_ends() {
        let mut v = vp();
        v.pan_frac(0.5);
        assert!(v.is_full(), "nothing to pan when everything is visible");
        v.zoom_at(10.0, 0.0);
        assert_eq!(v.view(), View { t0: 0, t1: 10_000 });
        v.pan_frac(-KEY_PAN);
        assert_eq!(v.view().t0, 0, "clamped at the start");
        v.pan_frac(KEY_PAN);
        assert_eq!(v.view(), View { t0: 1000, t1: 11_000 });
        v.pan_ms(1e9);
        assert_eq!(v.view(), View { t0: 90_000, t1: 100_000 });
        v.reset();
        assert!(v.is_full());
    }

    #[test]
    fn viewport_range_selection_and_centering() {
        let mut v = vp();
        v.set_range(60_000.0, 40_000.0);
        assert_eq!(v.view(), View { t0: 40_000, t1: 60_000 });
        v.set_range(50_000.0, 50_000.0);
        assert!((v.span() - MIN_SPAN_MS).abs() < 1e-9);
        v.set_range(-5_000.0, 5_000.0);
        assert_eq!(v.view().t0, 0);
        v.set_range(10_000.0, 30_000.0);
        v.center_on(99_000.0);
        assert_eq!(v.view(), View { t0: 80_000, t1: 100_000 });
    }

    fn frame(kept: Vec<usize>) -> Frame {
        // 1000 px for 0..1000 ms, 500 px for 0..1000 ms duration.
        Frame {
            plot: (0, 0, 1000, 500),
            t0: 0,
            t1: 1000,
            y: crate::chart::DurationAxis::linear(1000.0),
            kept,
        }
    }

    fn m(t: i64, d: f64) -> Mark {
        Mark {
            t,
            dur_ms: d,
            series: 0,
            failed: false,
        }
    }

    #[test]
    fn hit_test_finds_the_nearest_drawn_mark() {
        let marks = [m(100, 500.0), m(110, 520.0), m(500, 100.0), m(900, 900.0)];
        let f = frame(vec![0, 1, 2, 3]);
        // (100, 500 ms) is at pixel (100, 250).
        assert_eq!(nearest_mark(&marks, &f, 101.0, 251.0, 10.0), Some(0));
        assert_eq!(nearest_mark(&marks, &f, 109.0, 240.0, 10.0), Some(1));
        assert_eq!(nearest_mark(&marks, &f, 300.0, 300.0, 10.0), None, "too far");
        assert_eq!(nearest_mark(&marks, &f, 900.0, 50.0, 10.0), Some(3));
        // Marks not drawn are not hit.
        let f = frame(vec![1, 2]);
        assert_eq!(nearest_mark(&marks, &f, 100.0, 250.0, 15.0), Some(1));
        assert_eq!(nearest_mark(&[], &f, 100.0, 250.0, 15.0), None);
    }

    #[test]
    fn hit_test_follows_a_log_duration_axis() {
        use crate::chart::DurationAxis;
        // 500 px for 10 ms to 10 s: a decade every 166.7 px.
        let log = Frame {
            y: DurationAxis::log(10.0, 10_000.0),
            ..frame(vec![0, 1, 2])
        };
        let marks = [m(500, 40.0), m(500, 400.0), m(500, 4000.0)];
        let y_of = |d: f64| 500.0 - 500.0 * (d / 10.0).log10() / 3.0;
        for (k, mk) in marks.iter().enumerate() {
            let (x, y) = log.point(mk.t, mk.dur_ms);
            assert!(
                (x - 500.0).abs() < 1e-9 && (y - y_of(mk.dur_ms)).abs() < 1e-9,
                "{k}: ({x}, {y})"
            );
            // Pointing a few pixels off each mark finds that mark, not its neighbours
            // one decade (167 px) away.
            assert_eq!(nearest_mark(&marks, &log, 503.0, y - 4.0, 10.0), Some(k));
            // The inverse: the duration under the pointer.
            assert!((log.duration_at(y) - mk.dur_ms).abs() < 1e-9 * mk.dur_ms);
        }
        assert_eq!(log.duration_at(600.0), 10.0, "below the plot: the floor");
        assert_eq!(log.duration_at(-20.0), 10_000.0, "above: the top");
        // The same marks on a linear axis of that height are elsewhere: pointing at the
        // log position of 40 ms (400 px) finds nothing, and 40 ms and 400 ms are 18 px
        // apart at the bottom.
        let lin = Frame {
            y: DurationAxis::linear(10_000.0),
            ..frame(vec![0, 1, 2])
        };
        assert_eq!(nearest_mark(&marks, &lin, 500.0, y_of(40.0), 10.0), None);
        assert_eq!(nearest_mark(&marks, &lin, 500.0, 498.0, 3.0), Some(0));
        assert!((lin.duration_at(250.0) - 5000.0).abs() < 1e-9);
        // Durations the log axis cannot show go to its floor, never to NaN.
        for d in [0.0, -3.0, f64::NAN, 1e-300] {
            assert_eq!(log.point(0, d).1, 500.0, "{d}");
        }
    }

    #[test]
    fn hit_test_windows_and_keyboard_steps() {
        let f = frame(vec![0, 1, 2, 3]);
        let windows = [(200, 300), (600, 601)];
        assert_eq!(window_at(&windows, &f, 250.0, 6.0), Some(0));
        assert_eq!(window_at(&windows, &f, 603.0, 8.0), Some(1), "narrow windows widened");
        assert_eq!(window_at(&windows, &f, 400.0, 8.0), None);

        let marks = [m(500, 1.0), m(100, 2.0), m(900, 3.0), m(300, 50.0)];
        let kept = [0, 1, 2, 3];
        assert_eq!(step_mark(&marks, &kept, None, true), Some(1));
        assert_eq!(step_mark(&marks, &kept, None, false), Some(2));
        assert_eq!(step_mark(&marks, &kept, Some(1), true), Some(3));
        assert_eq!(step_mark(&marks, &kept, Some(3), true), Some(0));
        assert_eq!(step_mark(&marks, &kept, Some(2), true), None);
        assert_eq!(step_mark(&marks, &kept, Some(0), false), Some(3));
        assert_eq!(slowest(&marks, &kept), Some(3));
        assert_eq!(slowest(&marks, &[]), None);
    }
}
