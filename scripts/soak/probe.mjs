// Loaded into a server under soak (`node --expose-gc --import probe.mjs
// examples/...`): on each request of the soak over IPC it collects garbage
// (so the heap is what is live, not what is waiting) and reports the
// process's resident memory, JS heap, wasm linear memory, open file
// descriptors, event-loop delay and CPU time.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { wasmMemorySize } from 'wsframe';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

/** Anonymous and file-backed resident memory: which kind a step in RSS is. */
function residentParts() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { rssAnon: kib('RssAnon'), rssFile: kib('RssFile') };
}

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
    heapTotal: memory.heapTotal,
    // V8 grows its young generation under a high allocation rate and keeps it: part of RSS.
    newSpace: getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    ...residentParts(),
    wasm: wasmMemorySize(),
    fds: readdirSync('/proc/self/fd').length,
    eventLoopP99Ms,
    eventLoopMeanMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  });
});
// The IPC channel must not keep a server alive that was told to stop.
process.channel?.unref();
