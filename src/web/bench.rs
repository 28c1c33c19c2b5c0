//! Bench-only hook for `tests/browser/bench-redact.mjs` (not used by the page):
//! times redaction + export + the verifier on the loaded input, in the page, with
//! the page's key, and reports wasm memory. `bench_redact("stream")` is what the
//! page's download does (`exports::logs`): `Session::export_redacted_pieces` in 4 MiB
//! pieces, each through the export gate (`session::GateStream`) and into a `Blob`
//! part, so wasm memory holds the input and one piece. `bench_redact("whole")` is the
//! earlier download: `Session::export_redacted`, `session::gate` over the whole
//! output, then one `Blob` (copied through a `Uint8Array` in the JS heap).

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::Blob;

use super::worker::wasm_memory;
use super::{now_ms, APP};

/// Size of a piece in the streamed mode: the download's own.
const PIECE: usize = super::exports::LOG_PIECE;


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
        let (mut verify_ms, mut blob_ms, mut out_len) = (0.0, 0.0, 0usize);
        let (size, redact_ms, redactions, findings);
        if mode == "stream" {
            // What the page's download does (`exports::logs`).
            let rules = crate::rules::RuleSet::default();
            let mut gate = crate::session::GateStream::new(&rules);
            let parts = Array::new();
            let mut failed = None;
            let d = s
                .export_redacted_pieces(0, &app.redactor, &rules, PIECE, &mut |piece| {
                    let t = now_ms();
                    gate.push(piece);
                    let t1 = now_ms();
                    verify_ms += t1 - t;
                    if gate.is_clean() {
                        // As exports::blob_part: a view into wasm memory, copied by the Blob.
                        let view = unsafe { Uint8Array::view(piece) };
                        match Blob::new_with_u8_array_sequence(&Array::of1(&view)) {
                            Ok(b) => {
                                parts.push(&b);
                            }
                            Err(e) => failed = Some(e),
                        }
                    }
                    blob_ms += now_ms() - t1;
                    out_len += piece.len();
                })
                .map_err(|e| JsValue::from_str(&e))?;
            if let Some(e) = failed {
                return Err(e);
            }
            let t = now_ms();
            let (verdict, _) = gate.finish();
            findings = verdict.blocked.len();
            size = blob_of(&parts)?.size();
            blob_ms += now_ms() - t;
            redactions = d.redactions;
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
