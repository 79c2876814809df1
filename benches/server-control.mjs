// What every benchmark server process does besides serving (the protocol of
// benches/echo-process.mjs): each line "memory" on stdin is answered with
// the process's memory after a full garbage collection (run it with
// --expose-gc), as one JSON line; SIGTERM ends it.
import { createInterface } from 'node:readline';

/** `wasmMemorySize`: wsframe's, to report its linear memory too (or undefined). */
export function answerControl(wasmMemorySize) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line !== 'memory') return;
    globalThis.gc?.();
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    console.log(JSON.stringify({ rss, heapTotal, heapUsed, external, arrayBuffers, wasm: wasmMemorySize?.() }));
  });
  process.on('SIGTERM', () => process.exit(0));
}
