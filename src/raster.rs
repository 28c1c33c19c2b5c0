//! A pixel layer for the parts of the interactive chart that are many small
//! shapes: request marks and the in-flight step line, over what lies beneath them
//! in the plot area (background, breach shading, grid lines).
//!
//! A software canvas spends several microseconds per path it fills (set-up,
//! anti-aliased scan conversion, a style change per series), so thousands of
//! plotters `Circle`s cost more than everything else in a frame. Here the same
//! shapes are written into one opaque RGB buffer in memory, which the chart puts
//! on any plotters backend with `DrawingBackend::blit_bitmap` (the page's canvas
//! backend does that with one `putImageData`), so a frame pays per pixel touched,
//! not per shape. Every mark is a disc of the same radius on integer centres
//! (plotters' backend coordinates), so the disc and the ring are computed once per
//! frame as coverage stamps.
//!
//! The layer is opaque (RGB, 3 bytes a pixel, what `blit_bitmap` takes on every
//! plotters backend), so it starts filled with the background colour and holds
//! everything that the marks are drawn over; colours are blended with "source
//! over" onto it. SVG output keeps plotters' vector elements.

/// `(x + 127) / 255` without a division, exact for `x <= 255 * 255` (checked
/// against the division for every such `x` in the tests).
#[inline]
fn div255(x: u32) -> u32 {
    let t = x + 128;
    (t + (t >> 8)) >> 8
}

/// An opaque RGB layer covering `w`×`h` backend pixels whose top left is `(x, y)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
    /// Row-major RGB, 3 bytes a pixel (the pixel format of `blit_bitmap`).
    pub rgb: Vec<u8>,
}

/// Per-pixel coverage (0–255) of a shape centred on a pixel corner, over a square
/// of `2 * half` pixels each way.
#[derive(Clone, Debug)]
pub struct Stamp {
    half: i32,
    cover: Vec<u8>,
}

impl Stamp {
    fn build(half: i32, f: impl Fn(f64) -> f64) -> Stamp {
        let side = (2 * half).max(0) as usize;
        let mut cover = Vec::with_capacity(side * side);
        for py in -half..half {
            for px in -half..half {
                let (dx, dy) = (f64::from(px) + 0.5, f64::from(py) + 0.5);
                let c = f((dx * dx + dy * dy).sqrt()).clamp(0.0, 1.0);
                cover.push((c * 255.0).round() as u8);
            }
        }
        Stamp { half, cover }
    }

    /// A filled disc of radius `r` px (anti-aliased edge, as a canvas `arc` + `fill`).
    pub fn disc(r: f64) -> Stamp {
        let r = if r.is_finite() { r.clamp(0.0, 64.0) } else { 0.0 };
        Stamp::build(r.ceil() as i32 + 1, |d| r + 0.5 - d)
    }

    /// A circle of radius `r` px stroked `width` px wide (as a canvas `arc` + `stroke`).
    pub fn ring(r: f64, width: f64) -> Stamp {
        let r = if r.is_finite() { r.clamp(0.0, 64.0) } else { 0.0 };
        let hw = if width.is_finite() { width.clamp(0.0, 16.0) / 2.0 } else { 0.0 };
        Stamp::build((r + hw).ceil() as i32 + 1, |d| hw + 0.5 - (d - r).abs())
    }
}

impl Layer {
    /// A layer filled with `bg`.
    pub fn new(x: i32, y: i32, w: u32, h: u32, bg: (u8, u8, u8)) -> Layer {
        let (w, h) = (w.min(1 << 14), h.min(1 << 14));
        let n = w as usize * h as usize;
        let rgb = if bg.0 == bg.1 && bg.1 == bg.2 {
            vec![bg.0; n * 3]
        } else {
            [bg.0, bg.1, bg.2].repeat(n)
        };
        Layer { x, y, w, h, rgb }
    }

    /// Blends `rgb` at opacity `a / 255` into the pixel at layer coordinates
    /// `(lx, ly)`, which must be inside.
    #[inline]
    fn blend_at(&mut self, lx: usize, ly: usize, rgb: (u8, u8, u8), a: u32) {
        if a == 0 {
            return;
        }
        let o = (ly * self.w as usize + lx) * 3;
        let p = &mut self.rgb[o..o + 3];
        let keep = 255 - a;
        let mix = |src: u8, dst: u8| -> u8 { div255(u32::from(src) * a + u32::from(dst) * keep) as u8 };
        p[0] = mix(rgb.0, p[0]);
        p[1] = mix(rgb.1, p[1]);
        p[2] = mix(rgb.2, p[2]);
    }

    /// Draws `stamp` centred on the backend pixel corner `(cx, cy)` in `rgb` at
    /// opacity `alpha` (0–1). Parts outside the layer are clipped.
    pub fn stamp(&mut self, stamp: &Stamp, cx: i32, cy: i32, rgb: (u8, u8, u8), alpha: f64) {
        let alpha = (alpha.clamp(0.0, 1.0) * 255.0).round() as u32;
        let side = 2 * stamp.half;
        let (ox, oy) = (
            cx.saturating_sub(stamp.half).saturating_sub(self.x),
            cy.saturating_sub(stamp.half).saturating_sub(self.y),
        );
        let (w, h) = (self.w as i32, self.h as i32);
        let (sx0, sx1) = (ox.saturating_neg().max(0), w.saturating_sub(ox).min(side));
        let (sy0, sy1) = (oy.saturating_neg().max(0), h.saturating_sub(oy).min(side));
        for sy in sy0..sy1 {
            let row = (sy * side) as usize;
            for sx in sx0..sx1 {
                let c = u32::from(stamp.cover[row + sx as usize]);
                if c != 0 {
                    let a = (c * alpha + 127) / 255;
                    self.blend_at((ox + sx) as usize, (oy + sy) as usize, rgb, a);
                }
            }
        }
    }

    /// Fills the backend-pixel rectangle `[x0, x1) × [y0, y1)` (clipped) in `rgb`
    /// at opacity `alpha` (0–1).
    pub fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, rgb: (u8, u8, u8), alpha: f64) {
        let alpha = (alpha.clamp(0.0, 1.0) * 255.0).round() as u32;
        let (w, h) = (self.w as i32, self.h as i32);
        let (a0, a1) = ((x0.min(x1).saturating_sub(self.x)).max(0), (x0.max(x1).saturating_sub(self.x)).min(w));
        let (b0, b1) = ((y0.min(y1).saturating_sub(self.y)).max(0), (y0.max(y1).saturating_sub(self.y)).min(h));
        if alpha >= 255 {
            for ly in b0..b1 {
                let row = ly as usize * self.w as usize * 3;
                for lx in a0..a1 {
                    let o = row + lx as usize * 3;
                    self.rgb[o..o + 3].copy_from_slice(&[rgb.0, rgb.1, rgb.2]);
                }
            }
            return;
        }
        if alpha == 0 || a0 >= a1 || b0 >= b1 {
            return;
        }
        // The same blend as `blend_at`, as a table per channel (a large translucent
        // fill, such as a breach window, is most of a frame's pixels).
        let keep = 255 - alpha;
        let table = |src: u8| -> [u8; 256] {
            let mut t = [0u8; 256];
            for (dst, v) in t.iter_mut().enumerate() {
                *v = ((u32::from(src) * alpha + dst as u32 * keep + 127) / 255) as u8;
            }
            t
        };
        let (tr, tg, tb) = (table(rgb.0), table(rgb.1), table(rgb.2));
        let stride = self.w as usize * 3;
        for ly in b0..b1 {
            let row = ly as usize * stride;
            let span = &mut self.rgb[row + a0 as usize * 3..row + a1 as usize * 3];
            for p in span.chunks_exact_mut(3) {
                p[0] = tr[usize::from(p[0])];
                p[1] = tg[usize::from(p[1])];
                p[2] = tb[usize::from(p[2])];
            }
        }
    }

    /// A polyline of horizontal and vertical segments (a step line) `width` px
    /// wide, opaque. Diagonal segments are drawn as their two legs.
    pub fn step_line(&mut self, points: &[(i32, i32)], width: u32, rgb: (u8, u8, u8)) {
        let lw = width.clamp(1, 64) as i32;
        let lo = lw / 2;
        for seg in points.windows(2) {
            let ((xa, ya), (xb, yb)) = (seg[0], seg[1]);
            // Horizontal leg at ya, then vertical leg at xb, each covering the joints.
            // Opaque: overlapping legs need no blending, so each pixel is simply set.
            if xa != xb {
                self.fill_rect(xa.min(xb) - lo, ya - lo, xa.max(xb) - lo + lw, ya - lo + lw, rgb, 1.0);
            }
            if ya != yb || xa == xb {
                self.fill_rect(xb - lo, ya.min(yb) - lo, xb - lo + lw, ya.max(yb) - lo + lw, rgb, 1.0);
            }
        }
    }

    /// The RGB value at backend pixel `(x, y)` (`None` outside).
    pub fn pixel(&self, x: i32, y: i32) -> Option<[u8; 3]> {
        let (lx, ly) = (x - self.x, y - self.y);
        if lx < 0 || ly < 0 || lx >= self.w as i32 || ly >= self.h as i32 {
            return None;
        }
        let o = (ly as usize * self.w as usize + lx as usize) * 3;
        Some([self.rgb[o], self.rgb[o + 1], self.rgb[o + 2]])
    }

    /// Pixels of exactly `rgb`.
    pub fn count(&self, rgb: [u8; 3]) -> usize {
        self.rgb.chunks_exact(3).filter(|p| *p == rgb).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 3] = [255, 255, 255];

    /// Pixels that are not the white background.
    fn painted(l: &Layer) -> usize {
        l.rgb.len() / 3 - l.count(WHITE)
    }

    #[test]
    fn raster_div255_is_the_rounded_division() {
        for x in 0..=255 * 255 {
            assert_eq!(div255(x), (x + 127) / 255, "{x}");
        }
    }

    #[test]
    fn raster_disc_covers_its_radius_only() {
        let mut l = Layer::new(100, 50, 40, 40, (255, 255, 255));
        l.stamp(&Stamp::disc(3.0), 120, 70, (0, 114, 178), 1.0);
        // The four pixels around the centre corner are fully covered, in the colour.
        for (x, y) in [(119, 69), (120, 69), (119, 70), (120, 70)] {
            assert_eq!(l.pixel(x, y), Some([0, 114, 178]), "({x}, {y})");
        }
        // 1.6 px from the corner: inside; 4.5 px: outside.
        assert_eq!(l.pixel(121, 70), Some([0, 114, 178]));
        assert_eq!(l.pixel(124, 70), Some(WHITE));
        assert_eq!(l.pixel(120, 74), Some(WHITE));
        assert_eq!(l.pixel(99, 70), None, "outside the layer");
        // An edge pixel (its centre 2.9 px from the corner) is partly covered: between.
        let edge = l.pixel(122, 71).unwrap();
        assert!(edge[0] > 0 && edge[0] < 255, "anti-aliased edge: {edge:?}");
        // Roughly the disc's area (π·3² ≈ 28 px, plus the soft edge), nothing else.
        let n = painted(&l);
        assert!((28..=44).contains(&n), "{n} pixels");
    }

    #[test]
    fn raster_blending_is_source_over_the_background() {
        let mut l = Layer::new(0, 0, 4, 4, (255, 255, 255));
        l.fill_rect(0, 0, 4, 4, (255, 0, 0), 0.8);
        l.fill_rect(0, 0, 2, 4, (0, 0, 255), 0.5);
        // Red at 0.8 over white: (255, 51, 51).
        assert_eq!(l.pixel(3, 0), Some([255, 51, 51]));
        // Blue at 0.5 (128/255) over that: (127, 25, 153).
        assert_eq!(l.pixel(0, 0), Some([127, 25, 153]));
        // A coloured background fills every pixel.
        let l = Layer::new(0, 0, 3, 2, (1, 2, 3));
        assert_eq!(l.rgb, [1, 2, 3].repeat(6));
    }

    #[test]
    fn raster_ring_is_hollow_and_clipping_is_safe() {
        let mut l = Layer::new(0, 0, 20, 20, (255, 255, 255));
        l.stamp(&Stamp::ring(4.0, 1.0), 10, 10, (0, 0, 0), 1.0);
        assert_eq!(l.pixel(10, 10), Some(WHITE), "hollow");
        assert!(l.pixel(14, 10).unwrap()[0] < 155, "on the ring: {:?}", l.pixel(14, 10));
        // Stamps and lines partly or wholly outside do not panic and draw the inside part.
        let mut l = Layer::new(10, 10, 5, 5, (255, 255, 255));
        for (cx, cy) in [(10, 10), (-100, 5), (15, 15), (12, 1000), (i32::MAX / 2, 0), (i32::MIN, i32::MAX)] {
            l.stamp(&Stamp::disc(3.0), cx, cy, (1, 2, 3), 1.0);
        }
        l.step_line(&[(-50, 12), (50, 12), (50, -40)], 3, (0, 0, 0));
        l.fill_rect(-5, -5, 100, 11, (9, 9, 9), 1.0);
        l.fill_rect(i32::MIN, i32::MIN, i32::MAX, i32::MAX, (9, 9, 9), 0.5);
        assert!(painted(&l) > 0);
        let mut empty = Layer::new(0, 0, 0, 0, (255, 255, 255));
        empty.stamp(&Stamp::disc(3.0), 0, 0, (1, 2, 3), 1.0);
        assert!(empty.rgb.is_empty());
    }

    #[test]
    fn raster_step_line_draws_both_legs_crisply() {
        let mut l = Layer::new(0, 0, 30, 30, (255, 255, 255));
        l.step_line(&[(2, 20), (10, 20), (10, 5), (25, 5)], 1, (40, 40, 40));
        assert_eq!(l.pixel(6, 20), Some([40, 40, 40]), "first horizontal");
        assert_eq!(l.pixel(6, 19), Some(WHITE), "one pixel thick");
        assert_eq!(l.pixel(10, 12), Some([40, 40, 40]), "vertical leg");
        assert_eq!(l.pixel(20, 5), Some([40, 40, 40]), "second horizontal");
        assert_eq!(l.pixel(20, 20), Some(WHITE), "nothing past the step");
        // 8 + 16 + 15 pixels (the corners shared).
        assert_eq!(l.count([40, 40, 40]), 8 + 16 + 15);
    }
}
