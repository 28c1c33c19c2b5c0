//! Bench-only hook for `tests/browser/bench-redact.mjs` (not used by the page):
//! times redaction + export + the verifier on the loaded input, in the page, with
//! the page's key, and reports wasm memory. `bench_redact("whole")` is what the
//! download does today (`Session::export_redacted`, then the export gate
//! `session::gate` = `verify::scan_with` over the bytes, then a `Blob`); `bench_redact("stream")` hands the export to a `Blob`
//! in pieces (`redact::export_chunks_with`), scanning each piece, so wasm memory
//! holds the input and one piece instead of a second copy of the input.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::{now_ms, APP};
use crate::redact;
use crate::verify;

/// Size of a piece in the streamed mode.
const PIECE: usize = 4 << 20;

fn wasm_memory() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

fn blob_of(parts: &Array) -> Result<Blob, JsValue> {
    Blob::new_with_blob_sequence(parts)
}

/// Runs one mode (`"whole"` or `"stream"`) on input 0 and returns JSON with the
/// times (ms), sizes, findings and wasm memory before and after.
#[wasm_bindgen]
pub fn bench_redact(mode: &str) -> Result<String, JsValue> {
    let mem_before = wasm_memory();
    let r = APP.with(|app| {
        let app = app.borrow();
        let app = app.as_ref().ok_or("no app")?;
        let s = app.session.as_ref().ok_or("nothing loaded")?;
        let input = s.ingest.sources.first().ok_or("no input")?;
        let t0 = now_ms();
        let (mut verify_ms, mut blob_ms, mut out_len, mut findings) = (0.0, 0.0, 0usize, 0usize);
        let (size, redact_ms, redactions);
        if mode == "stream" {
            let container = redact::Container {
                prefix: input.frame.prefix.clone(),
                separator: input.frame.separator.clone(),
                suffix: input.frame.suffix.clone(),
            };
            let mut records: Vec<_> =
                s.ingest.events.iter().filter(|e| e.source == 0).map(|e| (e.record, e.span.clone(), e.envelope)).collect();
            records.sort_by_key(|r| r.0);
            let parts = Array::new();
            let mut failed = None;
            let summary = redact::export_chunks_with(
                input.text.as_bytes(),
                &container,
                records.into_iter().map(|(_, span, env)| (span, env)),
                &app.redactor,
                &crate::rules::RuleSet::default(),
                PIECE,
                &mut |piece| {
                    let t = now_ms();
                    findings += verify::scan(piece).len();
                    let t1 = now_ms();
                    verify_ms += t1 - t;
                    let one = Array::of1(&Uint8Array::from(piece));
                    match Blob::new_with_u8_array_sequence(&one) {
                        Ok(b) => {
                            parts.push(&b);
                        }
                        Err(e) => failed = Some(e),
                    }
                    blob_ms += now_ms() - t1;
                    out_len += piece.len();
                },
            );
            if let Some(e) = failed {
                return Err(e);
            }
            let t = now_ms();
            size = blob_of(&parts)?.size();
            blob_ms += now_ms() - t;
            redactions = summary.total_replacements() as usize;
            redact_ms = now_ms() - t0 - verify_ms - blob_ms;
        } else {
            let rules = crate::rules::RuleSet::default();
            let d = s.export_redacted(0, &app.redactor, &rules).map_err(|e| JsValue::from_str(&e))?;
            let t1 = now_ms();
            redact_ms = t1 - t0;
            // The page's export gate (verify::scan_with, findings grouped).
            let (verdict, _) = crate::session::gate(&d.bytes, &rules);
            let t2 = now_ms();
            verify_ms = t2 - t1;
            findings = verdict.blocked.len();
            let blob = Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(&d.bytes[..])))?;
            size = blob.size();
            blob_ms = now_ms() - t2;
            out_len = d.bytes.len();
            redactions = d.redactions;
        }
        let total = now_ms() - t0;
        Ok::<_, JsValue>(format!(
            "{{\"mode\":\"{mode}\",\"input\":{},\"events\":{},\"output\":{out_len},\"blob\":{size},\"redactions\":{redactions},\"findings\":{findings},\
             \"redact_ms\":{redact_ms:.1},\"verify_ms\":{verify_ms:.1},\"blob_ms\":{blob_ms:.1},\"total_ms\":{total:.1}}}",
            input.text.len(),
            s.ingest.events.len(),
        ))
    })?;
    let mem_after = wasm_memory();
    Ok(format!("{},\"wasm_before\":{mem_before},\"wasm_after\":{mem_after}}}", r.trim_end_matches('}')))
}
