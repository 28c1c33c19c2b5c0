//! Puts a [`crate::raster::Layer`] (the chart's marks and in-flight line, drawn
//! in memory) on a canvas: one `putImageData` into a reused off-screen canvas,
//! then one `drawImage`, which blends it over what is already drawn.

use std::cell::RefCell;

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::raster::Layer;

thread_local! {
    static SCRATCH: RefCell<Option<(HtmlCanvasElement, CanvasRenderingContext2d)>> = const { RefCell::new(None) };
}

fn scratch(w: u32, h: u32) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            let canvas: HtmlCanvasElement = super::document().create_element("canvas").ok()?.dyn_into().ok()?;
            let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
            *s = Some((canvas, ctx));
        }
        let (canvas, ctx) = s.as_ref()?;
        // Only grow: resizing clears, and putImageData overwrites the part used.
        if canvas.width() < w {
            canvas.set_width(w);
        }
        if canvas.height() < h {
            canvas.set_height(h);
        }
        Some((canvas.clone(), ctx.clone()))
    })
}

/// Blends `layer` onto `ctx` at its position.
pub(super) fn blit(ctx: &CanvasRenderingContext2d, layer: &Layer) {
    if layer.w == 0 || layer.h == 0 {
        return;
    }
    let Some((canvas, sctx)) = scratch(layer.w, layer.h) else { return };
    let Ok(img) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&layer.rgba), layer.w, layer.h) else {
        return;
    };
    if sctx.put_image_data(&img, 0.0, 0.0).is_err() {
        return;
    }
    let (w, h) = (f64::from(layer.w), f64::from(layer.h));
    let _ = ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &canvas,
        0.0,
        0.0,
        w,
        h,
        f64::from(layer.x),
        f64::from(layer.y),
        w,
        h,
    );
}
