// Starts Inflight. Trunk's default loader is an inline <script>, which the page's
// Content-Security-Policy (script-src 'self') forbids, so Trunk.toml turns it off
// (inject_scripts = false) and this file does the same job from a same-origin file.
// The names are stable because Trunk.toml sets filehash = false.
import init, * as inflight from './inflight.js';

// plotters measures text on wasm32 by giving a temporary <span> a `style` attribute
// (setAttribute('style', ...)), which `style-src 'self'` blocks: the measurement comes out
// wrong and every label logs a CSP error. Applying that same CSS through the CSSOM is not
// subject to the CSP, so route script-set style attributes there. Markup-borne style
// attributes (e.g. injected HTML) stay blocked, so the policy is not loosened.
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  if (String(name).toLowerCase() === 'style' && this.style) {
    this.style.cssText = String(value);
    return;
  }
  return setAttribute.call(this, name, value);
};

try {
  // #[wasm_bindgen(start)] in src/web.rs runs as part of init().
  await init({ module_or_path: new URL('./inflight_bg.wasm', import.meta.url) });
  // Benchmark mode (tests/browser/bench.mjs): synthetic data and frame timing.
  if (new URLSearchParams(location.search).has('bench')) {
    window.inflightBench = { load: inflight.bench_load, frames: inflight.bench_frames, table: inflight.bench_table, filter: inflight.bench_filter };
  }
} catch (err) {
  const box = document.getElementById('error');
  const status = document.getElementById('status');
  // A panic has already written its own message (see src/web.rs); keep it.
  if (box && box.hidden) {
    box.textContent = 'Inflight could not start: ' + String(err && err.message ? err.message : err);
    box.hidden = false;
  }
  if (status) status.textContent = '';
  document.body.setAttribute('data-failed', '1');
  console.error(err);
}
