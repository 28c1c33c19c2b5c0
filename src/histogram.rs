//! A histogram of request durations with log-scaled buckets, for the marks in
//! the visible range.
//!
//! Buckets: `[0, 1 ms)` first, then four per decade (`[1, 1.78)`, `[1.78, 3.16)`,
//! `[3.16, 5.62)`, `[5.62, 10)`, `[10, 17.8)` …) up to 10⁷ ms, the last one open.
//! The bucket of each mark is computed once ([`buckets_of`]); a frame then only
//! counts bytes over the visible range, so it costs a few ms even at a million
//! marks.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::Mark;

/// Buckets per decade.
pub const PER_DECADE: u32 = 4;
/// Number of buckets: `<1 ms`, then 7 decades.
pub const BUCKETS: usize = 1 + 7 * PER_DECADE as usize;

/// The bucket of a duration (ms). Not finite or negative durations go to 0.
pub fn bucket_of(dur_ms: f64) -> u8 {
    if !(dur_ms >= 1.0) {
        return 0;
    }
    let k = (dur_ms.log10() * f64::from(PER_DECADE) + 1e-9).floor();
    (1.0 + k).min((BUCKETS - 1) as f64) as u8
}

/// Lower and upper edge (ms) of bucket `k` (the last one's upper edge is infinite).
pub fn edges(k: usize) -> (f64, f64) {
    if k == 0 {
        return (0.0, 1.0);
    }
    let e = |j: usize| 10f64.powf(j as f64 / f64::from(PER_DECADE));
    let hi = if k + 1 >= BUCKETS { f64::INFINITY } else { e(k) };
    (e(k - 1), hi)
}

/// The bucket of every mark.
pub fn buckets_of(marks: &[Mark]) -> Vec<u8> {
    marks.iter().map(|m| bucket_of(m.dur_ms)).collect()
}

/// Counts per bucket of the marks in `range` (indices into `marks` / `buckets`)
/// whose time is in `[t0, t1]`.
pub fn count(marks: &[Mark], buckets: &[u8], range: Range<usize>, t0: i64, t1: i64) -> [u64; BUCKETS] {
    let mut out = [0u64; BUCKETS];
    let end = range.end.min(marks.len()).min(buckets.len());
    for i in range.start.min(end)..end {
        let m = &marks[i];
        if m.t >= t0 && m.t <= t1 && m.dur_ms.is_finite() {
            out[usize::from(buckets[i]).min(BUCKETS - 1)] += 1;
        }
    }
    out
}

/// Is series `s` hidden (`hidden[s]`; series past the end are shown)?
fn is_hidden(hidden: &[bool], s: u16) -> bool {
    hidden.get(usize::from(s)).copied().unwrap_or(false)
}

/// [`count`] leaving out the marks of hidden series (`hidden[s]`), as the legend
/// hides them from the chart.
pub fn count_shown(
    marks: &[Mark],
    buckets: &[u8],
    range: Range<usize>,
    t0: i64,
    t1: i64,
    hidden: &[bool],
) -> [u64; BUCKETS] {
    let mut out = [0u64; BUCKETS];
    let end = range.end.min(marks.len()).min(buckets.len());
    for i in range.start.min(end)..end {
        let m = &marks[i];
        if m.t >= t0 && m.t <= t1 && m.dur_ms.is_finite() && !is_hidden(hidden, m.series) {
            out[usize::from(buckets[i]).min(BUCKETS - 1)] += 1;
        }
    }
    out
}

/// Running bucket counts per series over blocks of marks sorted by time, so that
/// counting a view costs two partial blocks plus one subtraction per series and
/// bucket, not a pass over every mark in view (a million at the full range).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Index {
    block: usize,
    series: usize,
    /// `prefix[(b * series + s) * BUCKETS + k]`: marks of series `s` in bucket `k`
    /// among the first `b` blocks (non-finite durations not counted).
    prefix: Vec<u32>,
}

impl Index {
    /// Entries held at most (×4 bytes); blocks grow to stay under it.
    const MAX_ENTRIES: usize = 4 << 20;

    /// `marks` sorted by time, `buckets` from [`buckets_of`].
    pub fn build(marks: &[Mark], buckets: &[u8]) -> Index {
        let n = marks.len().min(buckets.len());
        let series = marks.iter().map(|m| usize::from(m.series) + 1).max().unwrap_or(0);
        let per_block = (series * BUCKETS).max(1);
        let block = (n * per_block).div_ceil(Self::MAX_ENTRIES).max(1024);
        let blocks = n / block;
        let mut prefix = vec![0u32; (blocks + 1) * per_block];
        for b in 0..blocks {
            let (done, next) = prefix.split_at_mut((b + 1) * per_block);
            let row = &mut next[..per_block];
            row.copy_from_slice(&done[b * per_block..]);
            for i in b * block..(b + 1) * block {
                if marks[i].dur_ms.is_finite() {
                    row[usize::from(marks[i].series) * BUCKETS + usize::from(buckets[i]).min(BUCKETS - 1)] += 1;
                }
            }
        }
        Index { block, series, prefix }
    }

    /// Counts per bucket of the marks with time in `[t0, t1]` whose series is not
    /// hidden; the same as [`count_shown`] over all marks.
    pub fn count(&self, marks: &[Mark], buckets: &[u8], t0: i64, t1: i64, hidden: &[bool]) -> [u64; BUCKETS] {
        let n = marks.len().min(buckets.len());
        let a = marks[..n].partition_point(|m| m.t < t0);
        let b = marks[..n].partition_point(|m| m.t <= t1).max(a);
        let blocks = if self.series == 0 { 0 } else { self.prefix.len() / (self.series * BUCKETS) - 1 };
        // Whole blocks inside a..b.
        let (ba, bb) = (a.div_ceil(self.block), (b / self.block).min(blocks));
        if ba >= bb {
            return count_shown(marks, buckets, a..b, t0, t1, hidden);
        }
        let mut out = count_shown(marks, buckets, a..ba * self.block, t0, t1, hidden);
        let tail = count_shown(marks, buckets, bb * self.block..b, t0, t1, hidden);
        for k in 0..BUCKETS {
            out[k] += tail[k];
        }
        let per_block = self.series * BUCKETS;
        for s in (0..self.series).filter(|&s| !is_hidden(hidden, s as u16)) {
            let hi = &self.prefix[bb * per_block + s * BUCKETS..][..BUCKETS];
            let lo = &self.prefix[ba * per_block + s * BUCKETS..][..BUCKETS];
            for k in 0..BUCKETS {
                out[k] += u64::from(hi[k] - lo[k]);
            }
        }
        out
    }
}

/// "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s": decade labels.
pub fn decade_label(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.0} s", ms / 1000.0)
    }
}

/// The caption under the bars for `total` runs whose longest bar counts `longest`,
/// in lines that fit `avail` px as `width` measures them: one line when it fits
/// (`6,748 runs · longest bar 2,168`), else two (`6,748 runs`, `longest bar 2,168`),
/// else each line cut with `…` (never a number cut short without saying so).
pub fn caption(total: u64, longest: u64, avail: u32, width: impl Fn(&str) -> u32) -> Vec<String> {
    let group = |n: u64| crate::session::group_digits(usize::try_from(n).unwrap_or(usize::MAX));
    let runs = format!("{} {}", group(total), if total == 1 { "run" } else { "runs" });
    let bar = format!("longest bar {}", group(longest));
    let one = format!("{runs} · {bar}");
    if width(&one) <= avail {
        return vec![one];
    }
    [runs, bar]
        .into_iter()
        .map(|line| {
            if width(&line) <= avail {
                return line;
            }
            let mut cut: String = line.clone();
            while !cut.is_empty() && width(&format!("{cut}…")) > avail {
                cut.pop();
            }
            format!("{}…", cut.trim_end())
        })
        .collect()
}

/// Draws `counts` as horizontal bars: durations bottom (fast) to top (slow) on a
/// log scale, counts to the right. Shows the buckets from the fastest to the
/// slowest non-empty one. `scale` is the device pixel ratio.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    counts: &[u64; BUCKETS],
    font: &str,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let sc = if scale.is_finite() && scale > 0.0 { scale.min(16.0) } else { 1.0 };
    let px = |v: f64| (v * sc).round() as i32;
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let small = TextStyle::from((font, 12.0 * sc).into_font()).color(&RGBColor(60, 60, 60));
    let title = TextStyle::from((font, 13.0 * sc).into_font()).color(&BLACK);
    root.draw(&Text::new(
        "durations in view",
        (px(8.0), px(6.0)),
        title.pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    let total: u64 = counts.iter().sum();
    // The caption from the left edge (as the title), in as many lines as it needs.
    let longest = counts.iter().copied().max().unwrap_or(0);
    let (cap_x, line_h) = (px(8.0), px(15.0));
    let avail = u32::try_from(w - cap_x - px(4.0)).unwrap_or(0);
    let lines = caption(total, longest, avail, |t| {
        root.estimate_text_size(t, &small).map_or(u32::MAX, |(tw, _)| tw)
    });
    let extra = line_h * (lines.len() as i32 - 1);
    let (left, top, right, bottom) = (px(58.0), px(28.0), w - px(10.0), h - px(28.0) - extra);
    if total == 0 || right <= left || bottom <= top {
        root.draw(&Text::new(
            "no timed requests in view",
            (w / 2, h / 2),
            small.pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        return Ok(());
    }
    let first = counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    // Whole decades, so the labels sit at the ends.
    let pd = PER_DECADE as usize;
    let lo = if first == 0 { 0 } else { 1 + (first - 1) / pd * pd };
    let hi = (1 + last.div_ceil(pd).max(1) * pd).min(BUCKETS).max(lo + 1);
    let n = (hi - lo) as f64;
    let max = counts[lo..hi].iter().copied().max().unwrap_or(1).max(1) as f64;
    let slot = f64::from(bottom - top) / n;
    let y_of = |k: usize| bottom - ((k - lo) as f64 * slot).round() as i32;
    let bar = RGBColor(0, 114, 178);
    root.draw(&PathElement::new(vec![(left, top), (left, bottom), (right, bottom)], BLACK.stroke_width(1)))?;
    for k in lo..hi {
        let c = counts[k];
        if c == 0 {
            continue;
        }
        let len = ((c as f64 / max) * f64::from(right - left)).round().max(1.0) as i32;
        let (y0, y1) = (y_of(k + 1) + 1, y_of(k) - 1);
        root.draw(&Rectangle::new([(left + 1, y0), (left + len, y1.max(y0))], bar.mix(0.85).filled()))?;
    }
    // Decade labels at bucket edges, plus "<1 ms" for the first bucket.
    for k in lo..=hi {
        let label = if k == 0 {
            None
        } else if (k - 1) % pd == 0 {
            Some(decade_label(edges(k).0))
        } else {
            None
        };
        if let Some(label) = label {
            let y = y_of(k);
            root.draw(&PathElement::new(vec![(left - px(4.0), y), (left, y)], BLACK.stroke_width(1)))?;
            root.draw(&Text::new(label, (left - px(6.0), y), small.pos(Pos::new(HPos::Right, VPos::Center))))?;
        }
    }
    if lo == 0 {
        root.draw(&Text::new(
            "<1 ms",
            (left - px(6.0), (y_of(0) + y_of(1)) / 2),
            small.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    for (i, line) in lines.into_iter().enumerate() {
        root.draw(&Text::new(
            line,
            (cap_x, bottom + px(10.0) + line_h * i as i32),
            small.pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// The histogram as an SVG document (tests and reports).
pub fn render_svg(counts: &[u64; BUCKETS], w: u32, h: u32) -> String {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w.max(1), h.max(1))).into_drawing_area();
        let _ = draw(&root, counts, "sans-serif", 1.0).and_then(|()| root.present());
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(t: i64, d: f64) -> Mark {
        Mark { t, dur_ms: d, series: 0, failed: false }
    }

    #[test]
    fn histogram_buckets_are_log_scaled() {
        assert_eq!(bucket_of(0.0), 0);
        assert_eq!(bucket_of(0.99), 0);
        assert_eq!(bucket_of(-5.0), 0);
        assert_eq!(bucket_of(f64::NAN), 0);
        assert_eq!(bucket_of(1.0), 1);
        assert_eq!(bucket_of(1.7), 1);
        assert_eq!(bucket_of(1.8), 2);
        assert_eq!(bucket_of(9.99), 4);
        assert_eq!(bucket_of(10.0), 5, "a decade edge starts a bucket");
        assert_eq!(bucket_of(100.0), 9);
        assert_eq!(bucket_of(1000.0), 13);
        assert_eq!(bucket_of(16_500.0), 17);
        assert_eq!(bucket_of(1e12), (BUCKETS - 1) as u8, "the last bucket is open");
        // Every duration lies within its bucket's edges.
        let mut d = 0.37;
        while d < 1e8 {
            let k = usize::from(bucket_of(d));
            let (a, b) = edges(k);
            assert!(d >= a * (1.0 - 1e-9) && d < b * (1.0 + 1e-9), "{d} not in bucket {k} = [{a}, {b})");
            d *= 1.13;
        }
        assert_eq!(edges(0), (0.0, 1.0));
        assert!(edges(BUCKETS - 1).1.is_infinite());
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)] // a reversed range on purpose: it must count nothing
    fn histogram_counts_only_the_visible_range() {
        let marks: Vec<Mark> = (0..100).map(|i| mark(i * 10, (i * 37 % 5000) as f64)).collect();
        let b = buckets_of(&marks);
        let all = count(&marks, &b, 0..marks.len(), 0, 1000);
        assert_eq!(all.iter().sum::<u64>(), 100);
        let some = count(&marks, &b, 0..marks.len(), 100, 199);
        assert_eq!(some.iter().sum::<u64>(), 10);
        // A narrower index range (marks sorted by time) gives the same counts.
        assert_eq!(count(&marks, &b, 10..20, 100, 199), some);
        let expect = marks[10..20].iter().filter(|m| bucket_of(m.dur_ms) == 9).count() as u64;
        assert_eq!(some[9], expect);
        assert_eq!(count(&marks, &b, 50..10, 0, 1000).iter().sum::<u64>(), 0);
        assert_eq!(count(&marks, &b, 0..1000, 0, 1000).iter().sum::<u64>(), 100, "range is clamped");
    }

    #[test]
    fn histogram_follows_hidden_series() {
        let marks: Vec<Mark> = (0..90)
            .map(|i| Mark { t: i * 10, dur_ms: if i % 3 == 1 { 5000.0 } else { 20.0 }, series: (i % 3) as u16, failed: false })
            .collect();
        let b = buckets_of(&marks);
        let all = count_shown(&marks, &b, 0..90, 0, 1000, &[]);
        assert_eq!(all[bucket_of(5000.0) as usize], 30);
        assert_eq!(all[bucket_of(20.0) as usize], 60);
        // Series 1 (the slow one) hidden: its 30 marks are gone, nothing else.
        let shown = count_shown(&marks, &b, 0..90, 0, 1000, &[false, true]);
        assert_eq!(shown[bucket_of(5000.0) as usize], 0);
        assert_eq!(shown[bucket_of(20.0) as usize], 60);
        assert_eq!(count_shown(&marks, &b, 0..90, 0, 1000, &[true, true, true]).iter().sum::<u64>(), 0);
        assert_eq!(count_shown(&marks, &b, 0..90, 0, 1000, &[false; 3]), count(&marks, &b, 0..90, 0, 1000));
    }

    #[test]
    fn histogram_index_counts_like_a_scan() {
        // Sorted marks, four series, some non-finite durations, several blocks.
        let mut x = 0x2545_f491u64;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut t = 0;
        let marks: Vec<Mark> = (0..20_000)
            .map(|i| {
                t += rnd(3) as i64;
                let d = if i % 997 == 0 { f64::NAN } else { (rnd(20_000) as f64).powf(1.3) / 10.0 };
                Mark { t, dur_ms: d, series: rnd(4) as u16, failed: false }
            })
            .collect();
        let b = buckets_of(&marks);
        let idx = Index::build(&marks, &b);
        assert!(idx.block >= 1024 && idx.prefix.len() > 10 * BUCKETS);
        let end = marks.last().unwrap().t;
        for (t0, t1) in [(0, end), (-50, end + 50), (end / 3, end / 2), (100, 200), (end / 2, end / 2), (end, 0)] {
            for hidden in [vec![], vec![false, true], vec![true, false, true, true], vec![true; 4]] {
                let r = 0..marks.len();
                assert_eq!(idx.count(&marks, &b, t0, t1, &hidden), count_shown(&marks, &b, r, t0, t1, &hidden), "{t0}..{t1} {hidden:?}");
            }
        }
        assert_eq!(Index::build(&[], &[]).count(&[], &[], 0, 10, &[]), [0; BUCKETS]);
    }

    #[test]
    fn histogram_draws() {
        let mut counts = [0u64; BUCKETS];
        counts[9] = 120;
        counts[17] = 7;
        let svg = render_svg(&counts, 260, 300);
        assert!(svg.contains("100 ms") && svg.contains("10 s"), "decade labels");
        assert!(svg.contains("127 runs · longest bar 120"));
        let empty = render_svg(&[0; BUCKETS], 260, 300);
        assert!(empty.contains("no timed requests in view"));
        let tiny = render_svg(&counts, 3, 3);
        assert!(tiny.trim_end().ends_with("</svg>"));
    }

    /// A backend that records the text drawn and measures it as a browser's
    /// sans-serif does at worst (0.65 em a character: DejaVu Sans digits are 0.64),
    /// wider than plotters' own estimate, so a caption that fits here fits the page.
    struct Texts {
        size: (u32, u32),
        /// (text, left edge, right edge)
        drawn: std::rc::Rc<std::cell::RefCell<Vec<(String, i32, i32)>>>,
    }

    impl Texts {
        fn width(text: &str, size: f64) -> u32 {
            (text.chars().count() as f64 * 0.65 * size).ceil() as u32
        }
    }

    impl DrawingBackend for Texts {
        type ErrorType = std::fmt::Error;
        fn get_size(&self) -> (u32, u32) {
            self.size
        }
        fn ensure_prepared(&mut self) -> Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
            Ok(())
        }
        fn present(&mut self) -> Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
            Ok(())
        }
        fn draw_pixel(
            &mut self,
            _: plotters_backend::BackendCoord,
            _: plotters_backend::BackendColor,
        ) -> Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
            Ok(())
        }
        fn draw_text<S: plotters_backend::BackendTextStyle>(
            &mut self,
            text: &str,
            s: &S,
            (x, _): plotters_backend::BackendCoord,
        ) -> Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
            let w = Self::width(text, s.size()) as i32;
            let x0 = match s.anchor().h_pos {
                HPos::Left => x,
                HPos::Right => x - w,
                HPos::Center => x - w / 2,
            };
            self.drawn.borrow_mut().push((text.to_string(), x0, x0 + w));
            Ok(())
        }
        fn estimate_text_size<S: plotters_backend::BackendTextStyle>(
            &self,
            text: &str,
            s: &S,
        ) -> Result<(u32, u32), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
            Ok((Self::width(text, s.size()), s.size().ceil() as u32))
        }
    }

    fn drawn(counts: &[u64; BUCKETS], w: u32, h: u32, scale: f64) -> Vec<(String, i32, i32)> {
        let texts = std::rc::Rc::default();
        let root = Texts { size: (w, h), drawn: std::rc::Rc::clone(&texts) }.into_drawing_area();
        draw(&root, counts, "sans-serif", scale).unwrap();
        drop(root);
        std::rc::Rc::try_unwrap(texts).unwrap().into_inner()
    }

    #[test]
    fn histogram_caption_fits_the_canvas() {
        // The sample at 1280 px (a 250 px canvas): "6748 requests · longest bar 216"
        // was cut at the edge; a 45 MB file's "longest bar 15,588" read "15".
        let mut sample = [0u64; BUCKETS];
        sample[8] = 2168;
        sample[9] = 1400;
        sample[10] = 1500;
        sample[11] = 1300;
        sample[17] = 380;
        let mut big = [0u64; BUCKETS];
        big[9] = 15_588;
        big[10] = 9_000;
        big[13] = 1_200_000 - 24_588;
        for (counts, total, longest) in [(&sample, "6,748", "2,168"), (&big, "1,200,000", "1,175,412")] {
            for (w, scale) in [(250, 1.0), (358, 1.0), (500, 2.0), (180, 1.0), (1200, 1.0)] {
                let texts = drawn(counts, w, 378 * scale as u32, scale);
                for (t, x0, x1) in &texts {
                    assert!(*x0 >= 0 && *x1 <= w as i32, "{t:?} spans {x0}..{x1} in {w} px");
                }
                let caption: Vec<&str> =
                    texts.iter().map(|t| t.0.as_str()).filter(|t| t.contains("runs") || t.contains("bar")).collect();
                let joined = caption.join(" ");
                assert!(joined.contains(&format!("{total} runs")), "{w} px: {caption:?}");
                assert!(joined.contains(&format!("longest bar {longest}")), "{w} px: {caption:?}");
            }
        }
        // The text chosen for the width: one line, two, then cut with an ellipsis.
        let width = |t: &str| Texts::width(t, 12.0);
        assert_eq!(caption(6748, 2168, 1000, width), ["6,748 runs · longest bar 2,168"]);
        assert_eq!(caption(6748, 2168, 200, width), ["6,748 runs", "longest bar 2,168"]);
        assert_eq!(caption(1, 1, 1000, width), ["1 run · longest bar 1"]);
        let narrow = caption(6748, 2168, 60, width);
        assert_eq!(narrow, ["6,748…", "longes…"]);
        assert!(narrow.iter().all(|l| width(l) <= 60));
        // The SVG (what the tests and a report would show) holds the whole caption too.
        let svg = render_svg(&sample, 250, 378);
        assert!(svg.contains("6,748 runs") && svg.contains("longest bar 2,168"), "{svg}");
    }
}
