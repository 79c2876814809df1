// Runs every test suite of the repository, one step after another, shows
// their output as it comes, and ends with one plain tally line:
// "N passed, M failed". Usage: node scripts/test.mjs [group ...]
// (groups: rust, wasm, js, e2e, bench, soak, conformance; with no argument, all of them).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.PATH = `${root}/node_modules/.bin:${process.env.HOME}/.cargo/bin:${process.env.PATH}`;

// How each step's result is counted:
//   cargo: cargo's "test result: ... N passed; M failed" lines (also wasm-pack's)
//   node:  node:test's "ℹ pass N" / "ℹ fail M" summary
//   tally: the step's own last "N passed, M failed" line
//   check: the whole step is one pass or one fail
const steps = [
  { group: 'rust', name: 'cargo fmt --check', kind: 'check', cmd: ['cargo', 'fmt', '--check'] },
  {
    group: 'rust',
    name: 'cargo clippy (native)',
    kind: 'check',
    cmd: ['cargo', 'clippy', '--all-targets', '--', '-D', 'warnings'],
  },
  {
    group: 'rust',
    name: 'cargo clippy (wasm32)',
    kind: 'check',
    cmd: ['cargo', 'clippy', '--target', 'wasm32-unknown-unknown', '--all-targets', '--', '-D', 'warnings'],
  },
  {
    group: 'rust',
    name: 'cargo clippy (wasm32, browser build)',
    kind: 'check',
    cmd: ['cargo', 'clippy', '--target', 'wasm32-unknown-unknown', '--no-default-features', '--features', 'inspector', '--', '-D', 'warnings'],
  },
  {
    group: 'rust',
    name: 'cargo clippy (wasm32, codec build)',
    kind: 'check',
    cmd: ['cargo', 'clippy', '--target', 'wasm32-unknown-unknown', '--no-default-features', '--', '-D', 'warnings'],
  },
  // The fuzz targets' bodies are also compiled (and clippy-checked) by the
  // main crate's tests/fuzz_corpora.rs, which replays their corpora.
  { group: 'rust', name: 'cargo fmt --check (fuzz targets)', kind: 'check', cmd: ['cargo', 'fmt', '--check', '--manifest-path', 'fuzz/Cargo.toml'] },
  { group: 'rust', name: 'cargo test (native)', kind: 'cargo', cmd: ['cargo', 'test', '--no-fail-fast'] },
  { group: 'wasm', name: 'wasm-pack test --node', kind: 'cargo', cmd: ['wasm-pack', 'test', '--node'] },
  {
    group: 'wasm',
    name: 'wasm-pack test --headless --chrome',
    kind: 'cargo',
    cmd: ['wasm-pack', 'test', '--headless', '--chrome'],
  },
  {
    group: 'wasm',
    name: 'wasm-pack test --headless --firefox',
    kind: 'cargo',
    cmd: ['wasm-pack', 'test', '--headless', '--firefox'],
  },
  { group: 'js', name: 'npm run build (pkg/)', kind: 'check', cmd: ['node', 'scripts/build.mjs'] },
  {
    group: 'js',
    name: 'node --test tests/js',
    kind: 'node',
    cmd: ['node', '--test', '--test-reporter=spec', '--test-concurrency=1', 'tests/js/'],
  },
  {
    group: 'e2e',
    name: 'inspector e2e (Chromium)',
    kind: 'node',
    cmd: ['node', '--test', '--test-reporter=spec', '--test-concurrency=1', 'tests/e2e/'],
  },
  // Short runs of the benchmarks: they build, run, and check every echo
  // (timing is not judged here; `npm run bench` reports it).
  {
    group: 'bench',
    name: 'cargo fmt + clippy (benches/loadgen)',
    kind: 'check',
    cmd: ['bash', '-c', 'cargo fmt --check --manifest-path benches/loadgen/Cargo.toml && cargo clippy --release --quiet --manifest-path benches/loadgen/Cargo.toml --target-dir target/loadgen -- -D warnings'],
  },
  { group: 'bench', name: 'micro benchmarks (quick)', kind: 'check', cmd: ['node', 'benches/run.mjs', '--quick', '--json', 'target/bench-quick.json'] },
  { group: 'bench', name: 'end-to-end benchmark (quick)', kind: 'check', cmd: ['node', 'benches/e2e.mjs', '--quick', '--json', 'target/bench-e2e-quick.json'] },
  // Thirty seconds of the soak (npm run soak runs it for longer).
  { group: 'soak', name: 'soak, 30 s (echo + Socket.IO examples)', kind: 'check', cmd: ['node', 'scripts/soak.mjs', '--minutes', '0.5', '--out', 'target/soak-quick'] },
  {
    group: 'conformance',
    name: 'Autobahn sections 1-10, both roles',
    kind: 'tally',
    cmd: ['node', 'scripts/conformance.mjs', '--no-deflate'],
  },
  {
    // A sample of the compression sections (all of them: npm run conformance).
    group: 'conformance',
    name: 'Autobahn 12.1 + 13.1 (deflate), server',
    kind: 'tally',
    cmd: ['node', 'scripts/conformance.mjs', '--role', 'server', '--cases', '12.1.*,13.1.*', '--outdir', 'target/autobahn-deflate-sample'],
  },
];

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (stream, sink) =>
      stream.on('data', (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    child.on('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Sums every match of `pattern` (groups: passed, failed). */
function sum(output, pattern) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(pattern)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

function counts(kind, output) {
  switch (kind) {
    case 'cargo':
      return sum(output, /^test result: \w+\. (\d+) passed; (\d+) failed/gm);
    case 'node': {
      const passed = /^ℹ pass (\d+)$/m.exec(output);
      const failed = /^ℹ fail (\d+)$/m.exec(output);
      return { passed: Number(passed?.[1] ?? 0), failed: Number(failed?.[1] ?? 0) };
    }
    case 'tally': {
      const all = [...output.matchAll(/^(\d+) passed, (\d+) failed$/gm)];
      const last = all.at(-1);
      return { passed: Number(last?.[1] ?? 0), failed: Number(last?.[2] ?? 0) };
    }
    default:
      return { passed: 0, failed: 0 };
  }
}

const wanted = new Set(process.argv.slice(2));
const selected = steps.filter((s) => wanted.size === 0 || wanted.has(s.group));
if (selected.length === 0) {
  console.error(`no test group matches ${[...wanted].join(', ')}`);
  process.exit(2);
}

const results = [];
for (const step of selected) {
  console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
  const started = Date.now();
  const { code, output } = await run(step.cmd);
  let { passed, failed } = counts(step.kind, output);
  if (step.kind === 'check') {
    code === 0 ? passed++ : failed++;
  } else if (code !== 0 && failed === 0) {
    failed = 1; // did not build or crashed before reporting
  }
  results.push({ name: step.name, passed, failed, seconds: (Date.now() - started) / 1000 });
}

console.log('\n=== summary');
for (const r of results) {
  const verdict = r.failed ? 'FAIL' : 'ok  ';
  console.log(`${verdict} ${r.name.padEnd(40)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed ${r.seconds.toFixed(1).padStart(7)} s`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
