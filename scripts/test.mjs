// Runs every test suite of the repository, one step after another, shows
// their output as it comes, and ends with one plain tally line:
// "N passed, M failed". Usage: node scripts/test.mjs [group ...]
// (groups: rust; with no argument, all of them).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.PATH = `${root}/node_modules/.bin:${process.env.HOME}/.cargo/bin:${process.env.PATH}`;

// kind 'cargo': counts the tests cargo reports; kind 'check': one pass or fail.
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
  { group: 'rust', name: 'cargo test (native)', kind: 'cargo', cmd: ['cargo', 'test', '--no-fail-fast'] },
  {
    group: 'rust',
    name: 'cargo test (wasm32 simd128, in Node)',
    kind: 'cargo',
    cmd: ['cargo', 'test', '--no-fail-fast', '--target', 'wasm32-unknown-unknown'],
  },
  {
    group: 'rust',
    name: 'cargo build (wasm32, simd128)',
    kind: 'check',
    cmd: ['cargo', 'build', '--release', '--lib', '--target', 'wasm32-unknown-unknown'],
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

/** Sums cargo's "test result: ... N passed; M failed" lines. */
function cargoCounts(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed/gm)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
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
  let { passed, failed } = step.kind === 'cargo' ? cargoCounts(output) : { passed: 0, failed: 0 };
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
