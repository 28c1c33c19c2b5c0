// Inflight's file reader: a module Web Worker started by the page (src/web/worker.rs).
// It loads the same wasm module as the page (Trunk.toml: filehash = false, so the names are
// stable), reads each File in 4 MiB slices into ingest's IngestStream, posts progress at
// most ~10 times a second, and at the end sends the parsed result back as transferable
// ArrayBuffers: the events etc. in a compact binary form, and each input's decoded text.
// Nothing is parsed twice and nothing leaves the page.
import init, { WorkerIngest } from './inflight.js';

const SLICE = 4 << 20;
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
  const { job, files, limit } = msg;
  let ing;
  try {
    const t0 = performance.now();
    ing = new WorkerIngest(limit || 0);
    let read = 0;
    let last = 0;
    const report = (force) => {
      const now = performance.now();
      if (!force && now - last < PROGRESS_MS) return;
      last = now;
      const [source, , records, events] = ing.progress();
      self.postMessage({ type: 'progress', job, read, source, records: recordsSoFar + records, events });
    };
    let recordsSoFar = 0;
    for (const file of files) {
      ing.begin(file.name, file.size);
      // Inputs over the limit are refused by begin(): do not read them at all.
      if (file.size <= (limit || Infinity)) {
        // Read the next slice while this one is parsed.
        let next = file.slice(0, SLICE).arrayBuffer();
        for (let off = 0; off < file.size; off += SLICE) {
          const buf = new Uint8Array(await next);
          if (off + SLICE < file.size) next = file.slice(off + SLICE, off + 2 * SLICE).arrayBuffer();
          ing.push(buf);
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
    const meta = ing.finish();
    const texts = [];
    for (let i = 0; i < ing.source_count(); i++) texts.push(ing.take_text(i));
    const ms = performance.now() - t0;
    ing.free();
    ing = undefined;
    self.postMessage(
      // wasmBytes: the worker's wasm memory, which never shrinks, i.e. its peak (for benchmarks).
      { type: 'done', job, meta, texts, ms, readMs, records: recordsSoFar, events, wasmBytes: wasm.memory.buffer.byteLength },
      [meta.buffer, ...texts.map((t) => t.buffer)],
    );
  } catch (err) {
    try { ing?.free(); } catch { /* already gone */ }
    self.postMessage({ type: 'error', job, message: String(err && err.message ? err.message : err) });
  }
};
