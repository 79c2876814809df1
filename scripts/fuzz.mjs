// Runs the cargo fuzz targets (fuzz/fuzz_targets) for a while each:
//   npm run fuzz -- [target ...] [--minutes N] [--jobs J] [--save]
// Each target starts from its committed corpus (fuzz/corpus/<target>) and
// from seeds built from the fixtures (scripts/fuzz/seeds.mjs), with its
// dictionary, under memory and time limits that follow from the limits the
// targets configure. At the end the corpus is minimised; --save writes the
// minimised corpus back into fuzz/corpus (to commit). A crash, a timeout or
// going past the memory limit fails the run and leaves the input under
// fuzz/artifacts/<target>/; copy it into fuzz/regressions/<target>/ so that
// `cargo test` replays it for good.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSeeds } from './fuzz/seeds.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fuzzDir = path.join(root, 'fuzz');
const work = path.join(fuzzDir, 'target/work');

/** Dictionaries per target (fuzz/dict), joined when there are several. */
const dictionaries = {
  frame_decoder: ['websocket'],
  connection: ['websocket'],
  handshake: ['http'],
  http_request: ['http'],
  engineio: ['engineio'],
  socketio: ['socketio'],
  server: ['http', 'engineio', 'socketio', 'websocket'],
  inspect_dump: ['websocket', 'http', 'engineio'],
  capture_file: ['capture', 'http', 'websocket'],
  utf8_differential: [],
  inflate_differential: [],
};
const targets = Object.keys(dictionaries);

// The largest input libFuzzer makes: capture files need room for a few packets.
const maxLen = { capture_file: 16384 };

// No single allocation past 32 MiB: the targets cap messages at 64 KiB and
// inflating at 256 KiB, so anything near this is a limit not kept. The whole
// process stays under 2 GiB with AddressSanitizer's shadow and quarantine.
const MALLOC_LIMIT_MB = 32;
const RSS_LIMIT_MB = 2048;
// One input taking 10 s (with debug assertions) is a hang.
const TIMEOUT_S = 10;

function parseArgs(argv) {
  const options = { minutes: 1, jobs: 1, save: false, targets: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--minutes') options.minutes = Number(argv[++i]);
    else if (arg === '--jobs') options.jobs = Number(argv[++i]);
    else if (arg === '--save') options.save = true;
    else if (targets.includes(arg)) options.targets.push(arg);
    else throw new Error(`unknown argument ${arg} (targets: ${targets.join(', ')})`);
  }
  if (!(options.minutes > 0)) throw new Error('--minutes takes a positive number');
  if (options.targets.length === 0) options.targets = targets;
  return options;
}

/** cargo fuzz needs nightly features: the nightly toolchain if there is one, else stable told to allow them. */
function toolchain() {
  const list = execFileSync('rustup', ['toolchain', 'list'], { encoding: 'utf8' });
  return /^nightly/m.test(list) ? { args: ['+nightly'], env: {} } : { args: [], env: { RUSTC_BOOTSTRAP: '1' } };
}

function ensureCargoFuzz() {
  try {
    execFileSync('cargo', ['fuzz', '--version'], { stdio: 'ignore' });
  } catch {
    console.log('installing cargo-fuzz from crates.io');
    execFileSync('cargo', ['install', 'cargo-fuzz', '--locked'], { stdio: 'inherit' });
  }
}

function dictionaryFor(target) {
  const names = dictionaries[target];
  if (names.length === 0) return [];
  const file = path.join(work, `${target}.dict`);
  writeFileSync(file, names.map((n) => readFileSync(path.join(fuzzDir, 'dict', `${n}.dict`), 'utf8')).join('\n'));
  return [`-dict=${file}`];
}

/** Runs `binary` with `args`, returning its output and the CPU seconds it used. */
function run(binary, args, logFile) {
  return new Promise((resolve) => {
    // bash's `time` reports the child's CPU time, which is what the report is about.
    const child = spawn('bash', ['-c', 'TIMEFORMAT="cpu-seconds %U %S"; time "$@"', 'bash', binary, ...args], {
      cwd: fuzzDir,
      env: { ...process.env, ASAN_OPTIONS: 'quarantine_size_mb=64:malloc_context_size=2:detect_leaks=0' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => {
      writeFileSync(logFile, output);
      const cpu = output.match(/cpu-seconds ([\d.]+) ([\d.]+)/);
      resolve({ code, output, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN });
    });
  });
}

async function fuzzOne(target, options, binaries) {
  const corpus = path.join(work, 'corpus', target);
  const seeds = path.join(work, 'seeds');
  const committed = path.join(fuzzDir, 'corpus', target);
  const artifacts = path.join(fuzzDir, 'artifacts', target);
  for (const dir of [corpus, committed, artifacts]) mkdirSync(dir, { recursive: true });
  writeSeeds(seeds, [target]);
  const binary = path.join(binaries, target);
  const seconds = Math.round(options.minutes * 60);
  const result = await run(
    binary,
    [
      corpus,
      committed,
      path.join(seeds, target),
      `-max_total_time=${seconds}`,
      `-rss_limit_mb=${RSS_LIMIT_MB}`,
      `-malloc_limit_mb=${MALLOC_LIMIT_MB}`,
      `-timeout=${TIMEOUT_S}`,
      `-max_len=${maxLen[target] ?? 4096}`,
      `-artifact_prefix=${artifacts}/`,
      '-print_final_stats=1',
      ...dictionaryFor(target),
    ],
    path.join(work, `${target}.log`),
  );
  const last = [...result.output.matchAll(/^#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)\s+cov: (\d+) ft: (\d+) corp: (\d+)/gm)].at(-1);
  const runs = Number(result.output.match(/stat::number_of_executed_units:\s+(\d+)/)?.[1] ?? last?.[1] ?? 0);
  const peak = Number(result.output.match(/stat::peak_rss_mb:\s+(\d+)/)?.[1] ?? 0);
  const found = readdirSync(artifacts).filter((f) => /^(crash|timeout|oom|leak|slow-unit)-/.test(f));
  const failed = result.code !== 0 || found.some((f) => !f.startsWith('slow-unit'));

  // Minimise: the smallest set of inputs with the same coverage.
  const minimised = path.join(work, 'min', target);
  rmSync(minimised, { recursive: true, force: true });
  mkdirSync(minimised, { recursive: true });
  await run(binary, ['-merge=1', `-max_len=${maxLen[target] ?? 4096}`, `-rss_limit_mb=${RSS_LIMIT_MB}`, minimised, committed, corpus], path.join(work, `${target}.merge.log`));
  const kept = readdirSync(minimised).length;
  if (options.save && !failed) {
    rmSync(committed, { recursive: true, force: true });
    cpSync(minimised, committed, { recursive: true });
  }
  return {
    target,
    cpuMinutes: +(result.cpu / 60).toFixed(1),
    runs,
    coverage: Number(last?.[2] ?? 0),
    features: Number(last?.[3] ?? 0),
    corpus: kept,
    peakRssMb: peak,
    artifacts: found,
    failed,
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  ensureCargoFuzz();
  const chain = toolchain();
  // Debug assertions on: an overflow found here is a bug even where release wraps.
  execFileSync('cargo', [...chain.args, 'fuzz', 'build', '--debug-assertions', '--release'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...chain.env },
  });
  const binaries = path.join(fuzzDir, 'target/x86_64-unknown-linux-gnu/release');
  mkdirSync(work, { recursive: true });
  const queue = [...options.targets];
  const results = [];
  const lanes = Array.from({ length: Math.max(1, options.jobs) }, async () => {
    while (queue.length) {
      const target = queue.shift();
      console.log(`fuzzing ${target} for ${options.minutes} min`);
      const r = await fuzzOne(target, options, binaries);
      console.log(`${r.failed ? 'FAIL' : 'ok  '} ${target}: ${r.runs} runs, cov ${r.coverage}, ft ${r.features}, corpus ${r.corpus}, ${r.cpuMinutes} CPU-min, peak ${r.peakRssMb} MB${r.artifacts.length ? `, artifacts: ${r.artifacts.join(' ')}` : ''}`);
      results.push(r);
    }
  });
  await Promise.all(lanes);
  results.sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));
  writeFileSync(path.join(work, 'report.json'), JSON.stringify({ minutes: options.minutes, results }, null, 2));
  console.log('\n| target | CPU-min | executions | coverage (edges) | features | corpus | peak RSS MB | result |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.target} | ${r.cpuMinutes} | ${r.runs} | ${r.coverage} | ${r.features} | ${r.corpus} | ${r.peakRssMb} | ${r.failed ? `FAILED (${r.artifacts.join(', ') || 'see log'})` : '0 crashes, 0 timeouts, 0 OOM'} |`);
  }
  if (results.some((r) => r.failed)) process.exit(1);
}

if (!existsSync(path.join(fuzzDir, 'Cargo.toml'))) throw new Error('fuzz/Cargo.toml is missing');
await main();
