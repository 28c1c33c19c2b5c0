// Inflight's file reader: a module Web Worker started by the page (src/web/worker.rs).
// It loads the same wasm module as the page (Trunk.toml: filehash = false, so the names are
// stable), reads each File in 4 MiB slices into ingest's IngestStream, posts progress at
// most ~10 times a second, analyses what it read, and sends the page everything it needs
// as transferable ArrayBuffers: the summary and the analysis first (so the page can draw
// the chart at once), then the events in batches and each input's decoded text.
// Nothing is parsed or analysed twice and nothing leaves the page.
import init, { WorkerIngest } from './inflight.js';

const SLICE = 4 << 20;
const AHEAD = 4;
const PROGRESS_MS = 100;

let wasm;
try {
  wasm = await init({ module_or_path: new URL('./inflight_bg.wasm', import.meta.url) });
  self.postMessage({ type: 'ready' });
} catch (err) {
  self.postMessage({ type: 'failed', message: String(err && err.message ? err.message : err) });
}

self.onmessage = async (e) => {
  const msg = e.data;
  if (!msg || msg.type !== 'job') return;
  const { job, files, limit, concurrency } = msg;
  let ing;
  try {
    const t0 = performance.now();
    ing = new WorkerIngest(limit || 0);
    let read = 0;
    let last = 0;
    let recordsSoFar = 0;
    let pushMs = 0;
    let waitMs = 0;
    const report = (force) => {
      const now = performance.now();
      if (!force && now - last < PROGRESS_MS) return;
      last = now;
      const [source, , records, events] = ing.progress();
      self.postMessage({ type: 'progress', job, read, source, records: recordsSoFar + records, events });
    };
    // The slices read, per file: when ingest's text is exactly the file's bytes, these
    // go to the page as the text, and the text in wasm memory is not copied out.
    const slices = [];
    for (const file of files) {
      const mine = [];
      slices.push(mine);
      ing.begin(file.name, file.size);
      // Inputs over the limit are refused by begin(): do not read them at all.
      if (file.size <= (limit || Infinity)) {
        // Keep AHEAD slice reads going while this one is parsed: a single read at a time
        // left the worker waiting for the file about as long as it spent parsing.
        const reads = [];
        let ahead = 0;
        const more = () => {
          while (reads.length < AHEAD && ahead < file.size) {
            reads.push(file.slice(ahead, ahead + SLICE).arrayBuffer());
            ahead += SLICE;
          }
        };
        more();
        while (reads.length) {
          const w0 = performance.now();
          const buf = new Uint8Array(await reads.shift());
          waitMs += performance.now() - w0;
          more();
          const p0 = performance.now();
          ing.push(buf);
          pushMs += performance.now() - p0;
          mine.push(buf);
          read += buf.length;
          report(false);
        }
      } else {
        read += file.size;
      }
      report(true);
      recordsSoFar += ing.progress()[2];
    }
    const readMs = performance.now() - t0;
    const events = ing.progress()[3];
    const f0 = performance.now();
    ing.finish();
    const finishMs = performance.now() - f0;
    // The texts leave wasm memory before the analysis, which then reuses it.
    const texts = [];
    for (let i = 0; i < ing.source_count(); i++) {
      if (ing.text_is_input(i) && slices[i]) {
        ing.drop_text(i);
        texts.push(slices[i]);
      } else {
        texts.push([ing.take_text(i)]);
      }
    }
    const t1 = performance.now();
    const parts = ing.analyze(concurrency || 0);
    const t2 = performance.now();
    const head = ing.head();
    const analysisBatches = ing.analysis_batches();
    const eventBatches = ing.event_batches();
    const t3 = performance.now();
    ing.free();
    ing = undefined;
    const buffers = [head, ...analysisBatches, ...eventBatches, ...texts.flat()].map((b) => b.buffer);
    self.postMessage(
      // wasmBytes: the worker's wasm memory, which never shrinks, i.e. its peak (for benchmarks).
      {
        type: 'done', job, concurrency, parts, head, analysisBatches, eventBatches, texts,
        ms: t3 - t0, times: { readMs, waitMs, pushMs, finishMs, textMs: t1 - f0 - finishMs, analyzeMs: t2 - t1, encodeMs: t3 - t2, ms: t3 - t0 },
        records: recordsSoFar, events, wasmBytes: wasm.memory.buffer.byteLength,
      },
      buffers,
    );
  } catch (err) {
    try { ing?.free(); } catch { /* already gone */ }
    self.postMessage({ type: 'error', job, message: String(err && err.message ? err.message : err) });
  }
};
