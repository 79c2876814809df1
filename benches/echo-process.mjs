// The echo server of benches/e2e-server.mjs in a process of its own, for the
// end-to-end benchmark and the memory tests: its port, and its memory after
// a full collection on request.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Calls `onLine` with each JSON line the child prints; other lines are ignored. */
export function jsonLines(child, onLine) {
  createInterface({ input: child.stdout }).on('line', (line) => {
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      return; // not a JSON line
    }
    onLine(parsed);
  });
  child.stderr.on('data', (d) => process.stderr.write(d));
}

/**
 * Starts the echo server with `module` ('ws', 'wsframe' or a file exporting
 * a ws-like module); `deflate` accepts permessage-deflate. `script` picks
 * another server of benches/ with the same protocol (sio-server.mjs);
 * `args` are more arguments for it.
 */
export async function startEchoProcess(module, { deflate = false, script = 'e2e-server.mjs', args = [] } = {}) {
  const file = path.join(root, 'benches', script);
  const child = spawn(process.execPath, ['--expose-gc', file, '--impl', module, ...(deflate ? ['--deflate'] : []), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const waiting = [];
  const port = await new Promise((resolve, reject) => {
    jsonLines(child, (line) => {
      if (line.port) resolve(line.port);
      else if (line.rss) waiting.shift()?.(line);
    });
    child.on('exit', (code) => reject(new Error(`${module} server exited with ${code}`)));
  });
  /** The server's memory after a full collection: rss, heapUsed, external, arrayBuffers (and wasm, for wsframe). */
  const memory = () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write('memory\n');
    });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
  return { child, port, url: `ws://127.0.0.1:${port}/`, memory, stop };
}
