// The soak: the example echo server (permessage-deflate on) and the example
// Socket.IO server under mixed load for a while, from real peers, sampling
// each server's memory, file descriptors and event-loop delay:
//   npm run soak -- [--minutes N] [--interval S] [--out DIR] [--seed N]
//   node scripts/soak.mjs --judge DIR/soak.json   (judges a saved run again)
// It fails when a message is lost or altered, a malformed frame or packet
// does not end its connection, a client cannot connect, or a measure trends
// upward after the warm-up. It writes DIR/soak.json (every sample) and
// DIR/soak.png (the plot).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from '../tests/js/helpers.mjs';
import { counters, run } from './soak/load.mjs';
import { plot } from './soak/plot.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    interval: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'soak-results') },
    seed: { type: 'string', default: '1' },
    judge: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error('--minutes takes a positive number');
const durationMs = minutes * 60_000;
// Short runs sample often enough to see a trend; long ones every few seconds.
const intervalMs = Number(values.interval ?? (minutes < 2 ? 1 : 5)) * 1000;
// Memory settles once every kind of client has come and gone a few times.
const warmupMs = Math.max(10_000, durationMs * 0.2);

/** Starts an example server with the probe loaded; resolves once it says where it listens. */
function startServer(name, script, args) {
  const probe = pathToFileURL(path.join(root, 'scripts/soak/probe.mjs')).href;
  const child = spawn(process.execPath, ['--expose-gc', '--import', probe, path.join(root, script), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const port = out.match(/listening on \w+:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      if (port) resolve({ name, child, port: Number(port) });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${out}`)));
  });
}

function sample(server) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name} did not answer a sample`)), 10_000);
    server.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    server.child.send({ type: 'sample' });
  });
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Whether `measure` grows after the warm-up: the mean of the last quarter
 * of the samples against the first quarter's, beyond what `allowed(first)`
 * gives (noise, and what churn moves up and down).
 */
function trend(samples, measure, allowed, warmup) {
  const after = samples.filter((s) => s.t * 1000 >= warmup).map((s) => s[measure]);
  const quarter = Math.max(1, Math.floor(after.length / 4));
  const first = mean(after.slice(0, quarter));
  const last = mean(after.slice(-quarter));
  return { measure, first, last, growth: last - first, allowed: allowed(first), ok: after.length < 4 || last - first <= allowed(first) };
}

/**
 * The same for a running maximum (wasm linear memory never shrinks, so a
 * rare peak of demand stays as a step): whether it still grows in the
 * second half of the samples after the warm-up, beyond its highest value
 * in the first half. A leak keeps growing; a peak does not.
 */
function stillGrowing(samples, measure, allowed, warmup) {
  const after = samples.filter((s) => s.t * 1000 >= warmup).map((s) => s[measure]);
  const half = Math.floor(after.length / 2);
  const first = Math.max(...after.slice(0, Math.max(1, half)));
  const last = after.at(-1);
  return { measure, first, last, growth: last - first, allowed: allowed(first), ok: after.length < 4 || last - first <= allowed(first) };
}

const MB = 1024 * 1024;
const LIMITS = {
  // RSS less V8's young generation: V8 doubles the young generation's
  // capacity when much survives a scavenge, up to its maximum (32 MB here),
  // and keeps it; each doubling is a step in RSS that is not a leak. (The
  // old generation is in RSS, and judged by the heap in use after a GC.)
  rssLessYoungGen: [trend, (first) => Math.max(8 * MB, first * 0.1)],
  heapUsed: [trend, (first) => Math.max(4 * MB, first * 0.15)],
  wasm: [stillGrowing, (first) => Math.max(1 * MB, first * 0.05)],
  fds: [trend, () => 12],
  eventLoopP99Ms: [trend, (first) => Math.max(first, 20)],
};

/** A sample with its RSS less the young generation (runs saved before that was sampled: RSS whole). */
const withRssLessYoungGen = (sample) => ({ ...sample, rssLessYoungGen: sample.rss - (sample.newSpace ?? 0) });

/** Every measure of both servers judged, and the problems: what a run passes or fails on. */
function judge(samples, stats, warmup) {
  const verdicts = [];
  for (const name of ['echo', 'sio']) {
    const list = samples[name].map(withRssLessYoungGen);
    for (const [measure, [test, allowed]] of Object.entries(LIMITS)) verdicts.push({ server: name, ...test(list, measure, allowed, warmup) });
  }
  const problems = [];
  for (const v of verdicts) {
    if (!v.ok) problems.push(`${v.server} ${v.measure} grew from ${v.first.toFixed(1)} to ${v.last.toFixed(1)} after the warm-up (allowed ${v.allowed.toFixed(1)})`);
  }
  for (const [name, c] of Object.entries(stats)) {
    if (c.lost) problems.push(`${name}: ${c.lost} messages lost`);
    if (c.altered) problems.push(`${name}: ${c.altered} messages altered`);
    if (c.refused) problems.push(`${name}: ${c.refused} connections refused or not answered`);
    if (c.malformedLeftOpen) problems.push(`${name}: ${c.malformedLeftOpen} malformed connections left open`);
    if (c.received === 0) problems.push(`${name}: no message went through`);
  }
  return { verdicts, problems };
}

async function main() {
  const servers = await Promise.all([
    startServer('echo', 'examples/echo-server.mjs', ['--port', '0', '--deflate']),
    startServer('sio', 'examples/socketio-server.mjs', ['--port', '0', '--ping-interval', '5000', '--ping-timeout', '5000']),
  ]);
  const [echo, sio] = servers;
  const stats = { echo: counters(), sio: counters() };
  const samples = { echo: [], sio: [] };
  const started = Date.now();
  const abort = new AbortController();
  const load = run({ echoPort: echo.port, sioPort: sio.port, stats, random: rng(Number(values.seed)), signal: abort.signal });

  let last = { echo: { ...stats.echo }, sio: { ...stats.sio } };
  const takeSamples = async () => {
    const t = (Date.now() - started) / 1000;
    for (const server of servers) {
      const s = await sample(server);
      const done = stats[server.name].received - last[server.name].received;
      samples[server.name].push(withRssLessYoungGen({ t, ...s, messagesPerSecond: done / (intervalMs / 1000), ...stats[server.name] }));
    }
    last = { echo: { ...stats.echo }, sio: { ...stats.sio } };
  };
  while (Date.now() - started < durationMs) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    await takeSamples();
    const e = samples.echo.at(-1);
    const s = samples.sio.at(-1);
    const mb = (x) => (x / MB).toFixed(1);
    console.log(
      `${e.t.toFixed(0).padStart(5)} s  echo rss ${mb(e.rss)} MB (young gen ${mb(e.newSpace)}) heap ${mb(e.heapUsed)} wasm ${mb(e.wasm)} fds ${e.fds} p99 ${e.eventLoopP99Ms.toFixed(1)} ms ${e.messagesPerSecond.toFixed(0)} msg/s` +
        ` | sio rss ${mb(s.rss)} MB (young gen ${mb(s.newSpace)}) heap ${mb(s.heapUsed)} wasm ${mb(s.wasm)} fds ${s.fds} p99 ${s.eventLoopP99Ms.toFixed(1)} ms ${s.messagesPerSecond.toFixed(0)} msg/s`,
    );
  }
  abort.abort();
  await load;
  for (const server of servers) server.child.kill('SIGTERM');

  const { verdicts, problems } = judge(samples, stats, warmupMs);

  mkdirSync(values.out, { recursive: true });
  const result = { minutes, intervalMs, warmupMs, stats, verdicts, problems, samples };
  writeFileSync(path.join(values.out, 'soak.json'), JSON.stringify(result, null, 1));
  const colors = { echo: [31, 119, 180], sio: [214, 39, 40] };
  const series = (measure, scale = 1) =>
    ['echo', 'sio'].map((name) => ({
      name: name === 'echo' ? 'ECHO' : 'SOCKET.IO',
      color: colors[name],
      points: samples[name].map((s) => [s.t, s[measure] / scale]),
    }));
  plot(path.join(values.out, 'soak.png'), {
    title: `WSFRAME SOAK: ${minutes} MIN, ECHO + SOCKET.IO EXAMPLES UNDER CHURN`,
    warmupSeconds: warmupMs / 1000,
    panels: [
      { title: 'RSS (MB)', series: series('rss', MB) },
      { title: 'RSS LESS V8 YOUNG GENERATION (MB)', series: series('rssLessYoungGen', MB) },
      { title: 'JS HEAP USED AFTER GC (MB)', series: series('heapUsed', MB) },
      { title: 'WASM MEMORY (MB)', series: series('wasm', MB) },
      { title: 'OPEN FILE DESCRIPTORS', series: series('fds') },
      { title: 'EVENT-LOOP DELAY P99 (MS)', series: series('eventLoopP99Ms') },
      { title: 'MESSAGES ANSWERED PER SECOND', series: series('messagesPerSecond') },
    ],
  });

  report(result);
}

/** Prints a run's tables and verdict; exits 1 when it failed. */
function report({ stats, verdicts, problems }) {
  console.log('\n| server | opened | sent | answered | lost | altered | refused | malformed closed |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, c] of Object.entries(stats)) {
    console.log(`| ${name} | ${c.opened} | ${c.sent} | ${c.received} | ${c.lost} | ${c.altered} | ${c.refused} | ${c.malformedClosed}/${c.malformedClosed + c.malformedLeftOpen} |`);
  }
  console.log('\n| server | measure | after warm-up: first | last | allowed growth | |');
  console.log('|---|---|---|---|---|---|');
  for (const v of verdicts) {
    const f = (x) => (v.measure === 'fds' || v.measure === 'eventLoopP99Ms' ? x.toFixed(1) : `${(x / MB).toFixed(1)} MB`);
    console.log(`| ${v.server} | ${v.measure} | ${f(v.first)} | ${f(v.last)} | ${f(v.allowed)} | ${v.ok ? 'flat' : 'GROWS'} |`);
  }
  if (problems.length) {
    console.log(`\nsoak FAILED:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nsoak passed');
}

if (values.judge) {
  // Judges a saved run again (soak.json), as a run judges itself at its end.
  const saved = JSON.parse(readFileSync(values.judge, 'utf8'));
  report({ stats: saved.stats, ...judge(saved.samples, saved.stats, saved.warmupMs) });
} else {
  await main();
}
