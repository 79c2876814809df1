// `npm run conformance`: Autobahn|Testsuite against the examples on raw `net`.
//   server role: wstest's fuzzingclient against examples/echo-server.mjs
//   client role: examples/echo-client.mjs against wstest's fuzzingserver
// Usage: node scripts/conformance.mjs [--role server|client|both] [--cases 1.*,2.*]
//                                      [--no-deflate] [--outdir DIR]
// Every section by default, 1-13 (12-13 test permessage-deflate: about 8 minutes
// per role); --no-deflate leaves 12-13 out and the server without
// permessage-deflate (about 15 s per role). Passes when every
// case ran and is OK or INFORMATIONAL (no FAILED, NON-STRICT or UNIMPLEMENTED),
// for its behaviour and for its close (behaviorClose). Ends with the tally line "N passed, M failed" (cases).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'both' },
    cases: { type: 'string' },
    'no-deflate': { type: 'boolean', default: false },
    outdir: { type: 'string', default: path.join(root, 'target', 'autobahn') },
    timeout: { type: 'string', default: '3600' },
  },
});
const home = process.env.WSFRAME_AUTOBAHN_HOME ?? path.join(process.env.HOME, '.cache', 'wsframe', 'autobahn');
const wstest = path.join(home, 'bin', 'wstest');
execFileSync('bash', [path.join(root, 'scripts', 'autobahn', 'install.sh')], { stdio: 'inherit' });

const noDeflate = values['no-deflate'];
const cases = values.cases ? values.cases.split(',') : ['*'];
const excluded = noDeflate ? ['12.*', '13.*'] : [];
const serverArgs = noDeflate ? [] : ['--deflate'];
const deadline = Number(values.timeout) * 1000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${child.spawnargs.join(' ')} exited early`);
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

function run(cmd, args, options) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), deadline);
  done.then(() => clearTimeout(timer));
  return { child, done, log: () => log };
}

/** Reads wstest's index.json: { caseId: { behavior, behaviorClose, duration } }. */
function results(outdir, agent) {
  const file = path.join(outdir, 'index.json');
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8'))[agent] ?? {};
}

async function serverRole(outdir) {
  const port = await freePort();
  const server = run('node', [path.join(root, 'examples', 'echo-server.mjs'), '--port', String(port), '--quiet', ...serverArgs]);
  await waitForPort(port, server.child);
  const spec = {
    outdir,
    servers: [{ agent: 'wsframe-server', url: `ws://127.0.0.1:${port}` }],
    cases,
    'exclude-cases': excluded,
    'exclude-agent-cases': {},
  };
  writeFileSync(path.join(outdir, 'spec.json'), JSON.stringify(spec, null, 2));
  const fuzzer = run(wstest, ['-m', 'fuzzingclient', '-s', 'spec.json'], { cwd: outdir });
  await fuzzer.done;
  server.child.kill('SIGTERM');
  await server.done;
  writeFileSync(path.join(outdir, 'wstest.log'), fuzzer.log() + '\n--- echo server ---\n' + server.log());
  return results(outdir, 'wsframe-server');
}

async function clientRole(outdir) {
  const port = await freePort();
  const spec = { url: `ws://127.0.0.1:${port}`, outdir, cases, 'exclude-cases': excluded, 'exclude-agent-cases': {} };
  writeFileSync(path.join(outdir, 'spec.json'), JSON.stringify(spec, null, 2));
  const fuzzer = run(wstest, ['-m', 'fuzzingserver', '-s', 'spec.json'], { cwd: outdir });
  await waitForPort(port, fuzzer.child);
  const client = run('node', [
    path.join(root, 'examples', 'echo-client.mjs'),
    '--url',
    `ws://127.0.0.1:${port}`,
    '--agent',
    'wsframe-client',
    '--quiet',
  ]);
  await client.done;
  fuzzer.child.kill('SIGTERM');
  await fuzzer.done;
  writeFileSync(path.join(outdir, 'wstest.log'), fuzzer.log() + '\n--- echo client ---\n' + client.log());
  return results(outdir, 'wsframe-client');
}

function caseOrder(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? -1) !== (pb[i] ?? -1)) return (pa[i] ?? -1) - (pb[i] ?? -1);
  }
  return 0;
}

/** Prints a summary; returns { passed, failed } counted in cases. */
function summarize(role, outdir, byCase, expected) {
  const ids = Object.keys(byCase).sort(caseOrder);
  const counts = {};
  const groups = new Map();
  const bad = [];
  for (const id of ids) {
    const { behavior, behaviorClose, duration } = byCase[id];
    counts[behavior] = (counts[behavior] ?? 0) + 1;
    const group = id.split('.')[0];
    const g = groups.get(group) ?? { cases: 0, ok: 0, other: 0, ms: 0 };
    g.cases++;
    g.ms += duration ?? 0;
    const good = (b) => b === 'OK' || b === 'INFORMATIONAL';
    // The close matters too: a wrong close code or an unclean close is not a pass.
    if (good(behavior) && good(behaviorClose)) g.ok++;
    else {
      g.other++;
      bad.push(`${id} ${behavior} (close: ${behaviorClose})`);
    }
    groups.set(group, g);
  }
  const missing = expected === null ? 0 : Math.max(0, expected - ids.length);
  console.log(`\n=== Autobahn ${role} role: ${ids.length} cases  (report: ${path.join(outdir, 'index.html')})`);
  console.log('   ' + Object.entries(counts).map(([b, n]) => `${b} ${n}`).join('  '));
  for (const [group, g] of groups) {
    console.log(`   ${group.padStart(2)}.*  ${String(g.cases).padStart(4)} cases  ${String(g.ok).padStart(4)} OK/INFO  ${String(g.other).padStart(3)} other  ${(g.ms / 1000).toFixed(1).padStart(6)} s`);
  }
  for (const line of bad) console.log(`   NOT OK: ${line}`);
  if (ids.length === 0 || missing) console.log(`   INCOMPLETE: ${missing || 'all'} cases did not run (see ${path.join(outdir, 'wstest.log')})`);
  const passed = ids.length - bad.length;
  return { passed, failed: bad.length + (ids.length === 0 ? 1 : missing) };
}

/** How many cases wstest runs for the spec in `outdir`, resolved by wstest's own code. */
function expectedCount(outdir) {
  const script = [
    'import json, sys',
    'from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename',
    'from autobahntestsuite.caseset import CaseSet',
    'spec = json.load(open(sys.argv[1]))',
    'print(len(CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories).parseSpecCases(spec)))',
  ].join('\n');
  try {
    const out = execFileSync(path.join(home, 'venv', 'bin', 'python'), ['-c', script, path.join(outdir, 'spec.json')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number(out.trim()) || null;
  } catch {
    return null;
  }
}

const roles = values.role === 'both' ? ['server', 'client'] : [values.role];
let passed = 0;
let failed = 0;
for (const role of roles) {
  // Absolute: wstest runs inside the directory and resolves the spec's outdir from there.
  const outdir = path.resolve(values.outdir, role);
  mkdirSync(outdir, { recursive: true });
  const started = Date.now();
  const byCase = role === 'server' ? await serverRole(outdir) : await clientRole(outdir);
  const totals = summarize(role, outdir, byCase, expectedCount(outdir));
  console.log(`   took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  passed += totals.passed;
  failed += totals.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
