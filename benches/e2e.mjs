// End-to-end benchmark: echo servers (benches/e2e-server.mjs, wsframe/node
// and ws 8 with bufferutil, the same code) each in a process of its own,
// loaded over loopback by a generator that is neither of them
// (benches/loadgen: tokio-tungstenite on one thread; with permessage-deflate
// benches/loadgen_deflate.py: Python's websockets). Reports
// messages per second, round-trip p50/p99 and, since the generator shares
// the two cores, messages per *server* CPU-second (from /proc), and the
// server's resident memory per idle connection. Rounds alternate the
// implementations; medians are reported.
//   node benches/e2e.mjs [--rounds 3] [--quick] [--only name,...] [--json target/bench-e2e.json]
//                        [--compare name=FILE]   (a third server: another build of a ws-like module)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { RedisServer } from '../scripts/redis-server.mjs';
import { jsonLines, startEchoProcess } from './echo-process.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    compare: { type: 'string' },
    json: { type: 'string', default: path.join(root, 'target', 'bench-e2e.json') },
  },
});
const QUICK = values.quick;
const ROUNDS = QUICK ? 1 : Number(values.rounds);
const WARMUP = QUICK ? 0.3 : 1.5;
const DURATION = QUICK ? 0.7 : 5;
const IMPLEMENTATIONS = ['wsframe', 'ws'];
const MODULES = {};
if (values.compare) {
  const [name, file] = values.compare.split('=');
  IMPLEMENTATIONS.push(name);
  MODULES[name] = file;
}
const LABELS = { wsframe: 'wsframe/node', ws: 'ws 8 + bufferutil', 'socket.io': 'socket.io 4.8 (ws + bufferutil)' };
// The Socket.IO scenarios: benches/sio-server.mjs with either server, the
// loadgen's Socket.IO client, socket.io as the reference.
const SIO = { impls: ['wsframe', 'socket.io'], reference: 'socket.io', script: 'sio-server.mjs', label: 'wsframe/socket.io' };
const SIO_CLIENTS = QUICK ? '100' : '1000';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const SCENARIOS = [
  { name: 'small-1', what: '100 connections × 20 B text, 1 in flight', args: ['--connections', '100', '--size', '20', '--inflight', '1'] },
  { name: 'small-16', what: '100 connections × 20 B text, 16 in flight', args: ['--connections', '100', '--size', '20', '--inflight', '16'] },
  { name: 'binary-64k', what: '10 connections × 64 KiB binary, 4 in flight', args: ['--connections', '10', '--size', '65536', '--binary', '--inflight', '4'] },
  { name: 'binary-1m', what: '4 connections × 1 MiB binary, 1 in flight', args: ['--connections', '4', '--size', '1048576', '--binary', '--inflight', '1'] },
  { name: 'deflate-1k', what: 'permessage-deflate: 50 connections × 1 KiB text, 4 in flight', deflate: true, args: ['--connections', '50', '--size', '1024', '--inflight', '4'] },
  { name: 'deflate-64k', what: 'permessage-deflate: 10 connections × 64 KiB text, 2 in flight', deflate: true, args: ['--connections', '10', '--size', '65536', '--inflight', '2'] },
  { name: 'idle', what: '2,000 idle connections: server RSS per connection', idle: QUICK ? 100 : 2000 },
  { name: 'idle-deflate', what: '2,000 idle connections with permessage-deflate agreed', idle: QUICK ? 100 : 2000, deflate: true },
  { name: 'sio-ack', what: `Socket.IO: ${SIO_CLIENTS} clients × 50 B event with ack, 10/s each`, ...SIO, mode: 'sio-ack', args: ['--connections', SIO_CLIENTS, '--rate', '10', '--size', '50'] },
  { name: 'sio-ack-saturated', what: `Socket.IO: ${QUICK ? '50' : '500'} clients × 50 B event with ack, 100/s each (more than either server answers)`, ...SIO, mode: 'sio-ack', args: ['--connections', QUICK ? '50' : '500', '--rate', '100', '--size', '50'] },
  { name: 'sio-fanout', what: `Socket.IO: one emit to a room of ${SIO_CLIENTS} clients, 1 in flight (deliveries)`, ...SIO, mode: 'sio-fanout', args: ['--connections', SIO_CLIENTS, '--size', '50'] },
  {
    name: 'sio-fleet-fanout',
    what: `Socket.IO fleet: one emit to a room of ${SIO_CLIENTS} clients spread over 2 nodes on one Redis (@socket.io/redis-adapter), 1 in flight (deliveries; CPU of both nodes)`,
    ...SIO,
    nodes: 2,
    mode: 'sio-fanout',
    args: ['--connections', SIO_CLIENTS, '--size', '50'],
  },
  { name: 'sio-idle', what: `Socket.IO: ${SIO_CLIENTS} idle connected clients: server RSS per client`, ...SIO, idle: Number(SIO_CLIENTS), idleMode: 'sio-idle' },
];

function buildLoadgen() {
  const targetDir = path.join(root, 'target', 'loadgen');
  console.error('[e2e] cargo build --release (benches/loadgen)');
  execFileSync('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(root, 'benches', 'loadgen', 'Cargo.toml'), '--target-dir', targetDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return path.join(targetDir, 'release', 'wsframe-loadgen');
}

/** Python with `websockets` in a venv of its own (made once), for the deflate load. */
function deflateGenerator() {
  const venv = path.join(root, 'target', 'loadgen', 'py');
  const python = path.join(venv, 'bin', 'python');
  try {
    execFileSync(python, ['-c', 'import websockets'], { stdio: 'ignore' });
  } catch {
    console.error('[e2e] python venv with websockets 15.0.1 (benches/loadgen_deflate.py)');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', 'websockets==15.0.1'], { stdio: 'inherit' });
  }
  return [python, path.join(root, 'benches', 'loadgen_deflate.py')];
}

/** The generator's command for `scenario`. */
function generator(scenario) {
  return scenario.deflate ? deflateGenerator() : [buildLoadgen.path];
}

/** Seconds of CPU the process has used (user + system). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The scenario's server process(es) for `impl`: one, or `scenario.nodes` joined through one Redis. */
async function startServers(impl, scenario) {
  const options = { deflate: scenario.deflate, script: scenario.script ?? 'e2e-server.mjs' };
  if (!scenario.nodes) return [await startEchoProcess(MODULES[impl] ?? impl, options)];
  startServers.redis ??= await RedisServer.start();
  const servers = [];
  for (let i = 0; i < scenario.nodes; i++) {
    servers.push(await startEchoProcess(impl, { ...options, args: ['--redis', startServers.redis.url] }));
  }
  return servers;
}

const startServer = async (impl, scenario) => (await startServers(impl, scenario))[0];

async function echoRound(scenario, impl) {
  const servers = await startServers(impl, scenario);
  const [cmd, ...pre] = generator(scenario);
  const urls = servers.map((server) => server.url).join(',');
  const args = [...pre, scenario.mode ?? 'echo', '--url', urls, '--warmup', String(WARMUP), '--duration', String(DURATION), ...scenario.args];
  const gen = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const serversCpu = () => servers.reduce((sum, server) => sum + cpuSeconds(server.child.pid), 0);
  let cpuStart;
  let cpuEnd;
  const result = await new Promise((resolve, reject) => {
    jsonLines(gen, (line) => {
      if (line.window === 'start') cpuStart = serversCpu();
      else if (line.window === 'end') cpuEnd = serversCpu();
      else if ('messages' in line) resolve(line);
    });
    gen.on('exit', (code) => code && reject(new Error(`loadgen exited with ${code}`)));
  });
  await Promise.all(servers.map((server) => server.stop()));
  if (result.errors.length || result.mismatches || !result.messages) {
    throw new Error(`${impl} ${scenario.name}: ${JSON.stringify(result)}`);
  }
  const cpu = cpuEnd - cpuStart;
  return {
    perSecond: result.messages / result.seconds,
    perCpuSecond: cpu > 0 ? result.messages / cpu : NaN,
    serverCpu: cpu / result.seconds,
    p50: result.p50_us,
    p99: result.p99_us,
  };
}

async function idleRound(scenario, impl) {
  const server = await startServer(impl, scenario);
  await new Promise((r) => setTimeout(r, 500));
  const before = await server.memory();
  const [cmd, ...pre] = generator(scenario);
  const gen = spawn(cmd, [...pre, scenario.idleMode ?? 'idle', '--url', server.url, '--connections', String(scenario.idle)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ready = await new Promise((resolve) => jsonLines(gen, (line) => 'ready' in line && resolve(line)));
  if (ready.ready !== scenario.idle) throw new Error(`${impl} ${scenario.name}: ${JSON.stringify(ready)}`);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await server.memory();
  gen.stdin.end();
  await new Promise((r) => gen.on('exit', r));
  await server.stop();
  const per = (key) => (after[key] - before[key]) / scenario.idle;
  return { idleRss: before.rss, perConnection: per('rss'), heapPerConnection: per('heapUsed'), heapTotalPerConnection: per('heapTotal'), externalPerConnection: per('external'), wasmPerConnection: per('wasm') };
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

buildLoadgen.path = buildLoadgen();
const wanted = values.only?.split(',');
const results = [];
for (const scenario of SCENARIOS.filter((s) => !wanted || wanted.includes(s.name))) {
  const impls = scenario.impls ?? IMPLEMENTATIONS;
  const rounds = Object.fromEntries(impls.map((impl) => [impl, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so drifts of the machine fall on both.
    const order = round % 2 ? [...impls].reverse() : impls;
    for (const impl of order) {
      rounds[impl].push(scenario.idle ? await idleRound(scenario, impl) : await echoRound(scenario, impl));
    }
  }
  const summary = {};
  for (const impl of impls) {
    summary[impl] = {};
    for (const key of Object.keys(rounds[impl][0])) summary[impl][key] = median(rounds[impl].map((r) => r[key]));
  }
  results.push({ scenario: scenario.name, what: scenario.what, impls, reference: scenario.reference ?? 'ws', label: scenario.label, summary, rounds });
  console.error(`[e2e] ${scenario.name}: ${JSON.stringify(summary)}`);
}
await startServers.redis?.stop();

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
console.log(`\nEnd to end (${ROUNDS} round${ROUNDS > 1 ? 's' : ''} each, medians; ${DURATION} s windows; Node ${process.version})\n`);
console.log('| scenario | implementation | msg/s | msg per server CPU-s | server CPU | p50 | p99 | ratio (per CPU-s) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const label = (r, impl) => (impl === 'wsframe' && r.label) || LABELS[impl] || impl;
for (const r of results.filter((x) => !('perConnection' in x.summary[x.reference]))) {
  for (const impl of r.impls) {
    const s = r.summary[impl];
    const ratio = s.perCpuSecond / r.summary[r.reference].perCpuSecond;
    console.log(
      `| ${r.what} | ${label(r, impl)} | ${fmt(s.perSecond)} | ${fmt(s.perCpuSecond)} | ${fmt(s.serverCpu * 100)} % | ${fmt(s.p50 / 1000, 2)} ms | ${fmt(s.p99 / 1000, 2)} ms | ${fmt(ratio, 2)}x |`,
    );
  }
}
const idle = results.filter((x) => 'perConnection' in x.summary[x.reference]);
if (idle.length) {
  console.log('\n| scenario | implementation | idle process RSS | RSS per connection | of which JS heap | wasm memory | ratio |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  const kib = (n) => `${fmt(n / 1024, 1)} KiB`;
  for (const r of idle) {
    for (const impl of r.impls) {
      const s = r.summary[impl];
      console.log(
        `| ${r.what} | ${label(r, impl)} | ${fmt(s.idleRss / 2 ** 20, 1)} MiB | ${kib(s.perConnection)} | ${kib(s.heapPerConnection)} | ${Number.isFinite(s.wasmPerConnection) ? kib(s.wasmPerConnection) : '-'} | ${fmt(s.perConnection / r.summary[r.reference].perConnection, 2)}x |`,
      );
    }
  }
}
mkdirSync(path.dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify({ node: process.version, rounds: ROUNDS, duration: DURATION, results }, null, 2)}\n`);
