// Loaded into a server under soak (`node --expose-gc --import probe.mjs
// examples/...`): on each request of the soak over IPC it collects garbage
// (so the heap is what is live, not what is waiting) and reports the
// process's resident memory, JS heap, wasm linear memory, open file
// descriptors, event-loop delay and CPU time.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { wasmMemorySize } from 'wsframe';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

process.on('message', (message) => {
  if (message?.type !== 'sample') return;
  // Delay is measured over the interval before the collection, which would otherwise count in it.
  const eventLoopP99Ms = delay.percentile(99) / 1e6;
  const eventLoopMeanMs = delay.mean / 1e6;
  delay.reset();
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  process.send({
    type: 'sample',
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    wasm: wasmMemorySize(),
    fds: readdirSync('/proc/self/fd').length,
    eventLoopP99Ms,
    eventLoopMeanMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  });
});
// The IPC channel must not keep a server alive that was told to stop.
process.channel?.unref();
