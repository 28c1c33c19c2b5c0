//! Levels of detail for zoomed-out views of large data.
//!
//! A frame decimates the marks and steps in view to its pixel columns
//! ([`crate::chart::decimate_sorted`]); at a million marks a view of a quarter of
//! the data would still scan 250,000 marks and 500,000 steps. A [`LodSet`] holds
//! the same data decimated once over the full range at a few column counts
//! (4,096, then ×4 while a level still drops at least half of what it is built
//! from); a frame whose pixel columns are at least [`MIN_RATIO`] level columns
//! wide decimates the coarsest such level instead of the data (except for the two
//! level columns holding the view's ends, which are only partly in view: those
//! come from the data). Because level
//! columns are at most half a pixel column wide, each pixel column's extremes are
//! the data's, except that a level column straddling two pixel columns keeps only
//! one extreme for both: one of the two pixel columns may then show a less extreme
//! mark while its neighbour shows one at least as extreme (every mark drawn is
//! real and at its own time). Every failed mark is in every level. Work per frame is then bounded by about
//! `4 · MIN_RATIO · series · width` marks, whatever the zoom.

use crate::chart::{decimate_iter, decimate_sorted, decimate_steps, ChartData, Columns, Mark, View};

/// Column count of the coarsest level.
pub const BASE_COLUMNS: u32 = 4096;
/// Column count ratio between two levels.
pub const LEVEL_FACTOR: u32 = 4;
/// A level is used when a pixel column spans at least this many level columns.
pub const MIN_RATIO: f64 = 2.0;
/// Below this many marks no level is built (a frame scans them all quickly).
pub const MIN_MARKS: usize = 20_000;

/// One level: marks and steps decimated over the full range at `columns` columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Level {
    pub columns: u32,
    /// The full range the level was built over (its column 0 starts at `t0`).
    pub t0: i64,
    pub t1: i64,
    /// Width of one level column, ms.
    pub col_ms: f64,
    /// The kept marks, sorted by time.
    pub marks: Vec<Mark>,
    /// Index in the full data of each kept mark (ascending).
    pub idx: Vec<u32>,
    /// The decimated in-flight step function.
    pub steps: Vec<(i64, u32)>,
}

impl Level {
    /// The level columns holding `view`'s ends: a frame takes those from the data,
    /// since only part of them is in view (the level's extreme may be outside).
    fn edge_columns(&self, view: &View) -> (Columns, u32, u32) {
        let cols = Columns::new(self.t0, self.t1, self.columns);
        let (t0, t1) = view.bounds();
        (cols, cols.of(t0), cols.of(t1))
    }

    /// The marks of `view` to draw at `width_px` pixel columns, as indices into
    /// `marks` (the data this level was built from): decimated from the level's
    /// marks for the level columns wholly in view, from the data for the two at
    /// its ends. Series with `hidden[s]` are left out.
    pub fn decimate_marks(&self, marks: &[Mark], view: &View, width_px: u32, hidden: &[bool]) -> Vec<usize> {
        let (cols, c0, c1) = self.edge_columns(view);
        let (t0, t1) = view.bounds();
        let head_a = marks.partition_point(|m| m.t < t0);
        let head_b = marks.partition_point(|m| m.t <= t1 && cols.of(m.t) <= c0).max(head_a);
        let tail_a = marks.partition_point(|m| m.t < t0 || cols.of(m.t) < c1).max(head_b);
        let tail_b = marks.partition_point(|m| m.t <= t1).max(tail_a);
        let mid_a = self.marks.partition_point(|m| cols.of(m.t) <= c0);
        let mid_b = self.marks.partition_point(|m| cols.of(m.t) < c1).max(mid_a);
        let head = (head_a..head_b).map(|i| (i, &marks[i]));
        let mid = (mid_a..mid_b).map(|k| (self.idx[k] as usize, &self.marks[k]));
        let tail = (tail_a..tail_b).map(|i| (i, &marks[i]));
        decimate_iter(head.chain(mid).chain(tail), view, width_px, hidden)
    }

    /// The in-flight steps to decimate for `view`: the data's in the two end
    /// columns (and the one in force at the start), the level's in between.
    pub fn steps_for(&self, steps: &[(i64, u32)], view: &View) -> Vec<(i64, u32)> {
        let (cols, c0, c1) = self.edge_columns(view);
        let (t0, t1) = view.bounds();
        let head_a = steps.partition_point(|s| s.0 < t0).saturating_sub(1);
        let head_b = steps.partition_point(|s| s.0 <= t1 && cols.of(s.0) <= c0).max(head_a);
        let tail_a = steps.partition_point(|s| s.0 < t0 || cols.of(s.0) < c1).max(head_b);
        let tail_b = steps.partition_point(|s| s.0 <= t1).max(tail_a);
        let mid_a = self.steps.partition_point(|s| cols.of(s.0) <= c0);
        let mid_b = self.steps.partition_point(|s| cols.of(s.0) < c1).max(mid_a);
        let mut out = Vec::with_capacity(head_b - head_a + mid_b - mid_a + tail_b - tail_a);
        out.extend_from_slice(&steps[head_a..head_b]);
        out.extend_from_slice(&self.steps[mid_a..mid_b]);
        out.extend_from_slice(&steps[tail_a..tail_b]);
        out
    }
}

/// Levels, coarsest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LodSet {
    pub levels: Vec<Level>,
}

impl LodSet {
    /// Builds the levels for `data` (marks sorted by time). Small data gets none.
    pub fn build(data: &ChartData) -> LodSet {
        let mut levels = Vec::new();
        if data.marks.len() < MIN_MARKS {
            return LodSet { levels };
        }
        let full = data.full_view();
        let (t0, t1) = full.bounds();
        let span = (t1 as f64 - t0 as f64).max(1.0);
        let mut columns = BASE_COLUMNS;
        loop {
            let keep = decimate_sorted(&data.marks, 0..data.marks.len(), &full, columns, &[]);
            let steps = decimate_steps(&data.steps, &full, columns);
            // A level that keeps more than half of the marks saves little: stop.
            if keep.len() * 2 > data.marks.len() {
                break;
            }
            levels.push(Level {
                columns,
                t0,
                t1,
                col_ms: span / f64::from(columns),
                marks: keep.iter().map(|&i| data.marks[i]).collect(),
                idx: keep.into_iter().map(|i| i as u32).collect(),
                steps,
            });
            match columns.checked_mul(LEVEL_FACTOR) {
                Some(c) if c <= 1 << 24 => columns = c,
                _ => break,
            }
        }
        LodSet { levels }
    }

    /// The level to draw a view with pixel columns `px_ms` ms wide from: the
    /// coarsest whose columns are at most `px_ms / MIN_RATIO` wide. `None`: use
    /// the data itself.
    pub fn pick(&self, px_ms: f64) -> Option<&Level> {
        if !px_ms.is_finite() {
            return None;
        }
        self.levels.iter().find(|l| px_ms >= MIN_RATIO * l.col_ms)
    }

    /// Marks held over all levels (memory check).
    pub fn len(&self) -> usize {
        self.levels.iter().map(|l| l.marks.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{decimate_marks_in, sorted_range, synthetic, View};
    use std::collections::HashMap;

    /// Pixel column of `t` (the chart's float mapping).
    fn col(t: i64, view: &View, width: u32) -> u32 {
        let (t0, t1) = view.bounds();
        let c = ((t as f64 - t0 as f64) * f64::from(width) / (t1 as f64 - t0 as f64)).floor();
        c.clamp(0.0, f64::from(width - 1)) as u32
    }

    /// Decimates `view` through the LOD set as the chart does; indices into `data.marks`.
    fn through_lod(lod: &LodSet, data: &ChartData, view: &View, width: u32, hidden: &[bool]) -> (Vec<usize>, Option<u32>) {
        let (t0, t1) = view.bounds();
        let px_ms = (t1 - t0) as f64 / f64::from(width);
        match lod.pick(px_ms) {
            Some(l) => (l.decimate_marks(&data.marks, view, width, hidden), Some(l.columns)),
            None => (decimate_sorted(&data.marks, sorted_range(&data.marks, view), view, width, hidden), None),
        }
    }

    /// The guarantee: every failed mark in view is kept, every kept mark is real
    /// and in view, and for each pixel column and series the slowest (fastest)
    /// mark is kept, or else the level column it lies in straddles two pixel
    /// columns and a mark of the same series at least as slow (fast) is kept in
    /// one of those.
    fn check(data: &ChartData, lod: &LodSet, view: &View, width: u32, hidden: &[bool]) -> Option<u32> {
        let (keep, level) = through_lod(lod, data, view, width, hidden);
        let (t0, t1) = view.bounds();
        assert!(keep.windows(2).all(|w| w[0] < w[1]), "ascending, no duplicates");
        let kept: std::collections::HashSet<usize> = keep.iter().copied().collect();
        let lvl = level.and_then(|c| lod.levels.iter().find(|l| l.columns == c));
        let full = data.full_view();
        let (f0, f1) = full.bounds();
        let lcol = |t: i64, c: u32| -> i64 {
            (((t as f64 - f0 as f64) * f64::from(c) / (f1 as f64 - f0 as f64)).floor()).clamp(0.0, f64::from(c - 1)) as i64
        };
        let mut ext: HashMap<(u32, u16), (usize, usize)> = HashMap::new();
        for (i, m) in data.marks.iter().enumerate() {
            let shown = m.t >= t0 && m.t <= t1 && m.dur_ms.is_finite() && !hidden.get(m.series as usize).copied().unwrap_or(false);
            if !shown {
                assert!(!kept.contains(&i), "mark {i} kept but not shown");
                continue;
            }
            if m.failed {
                assert!(kept.contains(&i), "failed mark {i} dropped");
            }
            let e = ext.entry((col(m.t, view, width), m.series)).or_insert((i, i));
            if m.dur_ms < data.marks[e.0].dur_ms {
                e.0 = i;
            }
            if m.dur_ms > data.marks[e.1].dur_ms {
                e.1 = i;
            }
        }
        for ((pc, s), (lo, hi)) in ext {
            for (i, slower) in [(lo, false), (hi, true)] {
                if kept.contains(&i) {
                    continue;
                }
                let l = lvl.unwrap_or_else(|| panic!("extreme {i} of column {pc} series {s} dropped without a level"));
                let m = data.marks[i];
                let lc = lcol(m.t, l.columns);
                // The pixel columns the level column of `m` covers (marks are sorted).
                let (mut a, mut b) = (i, i);
                while a > 0 && lcol(data.marks[a - 1].t, l.columns) == lc {
                    a -= 1;
                }
                while b + 1 < data.marks.len() && lcol(data.marks[b + 1].t, l.columns) == lc {
                    b += 1;
                }
                let (pa, pb) = (col(data.marks[a].t, view, width), col(data.marks[b].t, view, width));
                assert!(pa < pb, "extreme {i} of pixel column {pc} dropped, its level column inside it");
                let stand_in = keep.iter().any(|&k| {
                    let o = data.marks[k];
                    let pk = col(o.t, view, width);
                    o.series == s
                        && pk >= pa
                        && pk <= pb
                        && if slower { o.dur_ms >= m.dur_ms } else { o.dur_ms <= m.dur_ms }
                });
                assert!(
                    stand_in,
                    "extreme {i} of pixel column {pc} (series {s}) dropped with no stand-in (level {} column {lc})",
                    l.columns
                );
            }
        }
        level
    }

    #[test]
    fn lod_levels_are_nested_and_bounded() {
        let data = synthetic(300_000, 11);
        let lod = LodSet::build(&data);
        assert!(lod.levels.len() >= 2, "{} levels", lod.levels.len());
        for (k, l) in lod.levels.iter().enumerate() {
            assert_eq!(l.columns, BASE_COLUMNS * LEVEL_FACTOR.pow(k as u32));
            assert!(l.marks.len() * 2 <= data.marks.len());
            assert!(l.marks.len() <= 2 * 3 * l.columns as usize + data.breaches.len());
            assert!(l.idx.windows(2).all(|w| w[0] < w[1]));
            assert!(l.marks.iter().zip(&l.idx).all(|(m, &i)| *m == data.marks[i as usize]));
            // Every failed mark is in every level.
            let failed = data.marks.iter().filter(|m| m.failed).count();
            assert_eq!(l.marks.iter().filter(|m| m.failed).count(), failed);
            assert!(l.steps.len() <= 4 * l.columns as usize + 1);
        }
        assert!(LodSet::build(&synthetic(1000, 1)).is_empty(), "small data: no levels");
    }

    #[test]
    fn lod_pick_takes_the_coarsest_fine_enough_level() {
        let data = synthetic(300_000, 3);
        let lod = LodSet::build(&data);
        let c0 = lod.levels[0].col_ms;
        assert_eq!(lod.pick(10.0 * c0).map(|l| l.columns), Some(BASE_COLUMNS));
        assert_eq!(lod.pick(2.0 * c0).map(|l| l.columns), Some(BASE_COLUMNS));
        assert_eq!(lod.pick(1.9 * c0).map(|l| l.columns), Some(BASE_COLUMNS * LEVEL_FACTOR));
        assert_eq!(lod.pick(0.0), None);
        assert_eq!(lod.pick(f64::NAN), None);
    }

    #[test]
    fn lod_frames_keep_extremes_and_failures_at_every_level() {
        let mut data = synthetic(300_000, 5);
        // Spikes and failures outside the slow spell too, and a fourth series.
        for k in (0..data.marks.len()).step_by(7919) {
            data.marks[k].dur_ms = 25_000.0 + k as f64;
            data.marks[k].series = 3;
        }
        for k in (0..data.marks.len()).step_by(30_011) {
            data.marks[k].failed = true;
        }
        let lod = LodSet::build(&data);
        let full = data.full_view();
        let (f0, f1) = full.bounds();
        let span = f1 - f0;
        let mut levels_seen = std::collections::BTreeSet::new();
        // From the full range down to views narrower than the finest level's threshold.
        for (k, frac) in [1.0, 0.6, 0.3, 0.12, 0.05, 0.02, 0.004].into_iter().enumerate() {
            let w = (span as f64 * frac) as i64;
            let t0 = f0 + (span - w) * (k as i64 % 3) / 2;
            let view = View { t0, t1: t0 + w };
            for width in [1150u32, 377] {
                levels_seen.insert(check(&data, &lod, &view, width, &[]));
                check(&data, &lod, &view, width, &[false, true]);
            }
        }
        // Every level and the raw data were exercised.
        assert!(levels_seen.contains(&None));
        for l in &lod.levels {
            assert!(levels_seen.contains(&Some(l.columns)), "level {} never used", l.columns);
        }
    }

    #[test]
    fn lod_sorted_decimation_equals_the_general_one() {
        let data = synthetic(50_000, 9);
        let full = data.full_view();
        for (view, width) in [(full, 800u32), (View { t0: full.t0 + 100_000, t1: full.t0 + 160_000 }, 333)] {
            let r = sorted_range(&data.marks, &view);
            assert_eq!(
                decimate_sorted(&data.marks, r.clone(), &view, width, &[]),
                decimate_marks_in(&data.marks, r, &view, width)
            );
        }
    }
}
