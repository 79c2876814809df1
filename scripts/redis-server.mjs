// A throw-away Debian `redis-server` for a test: a free loopback port, a
// temporary directory, no persistence; stopped (or killed, and started
// again on the same port) by the test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on `port` (or rejects after `ms`). */
async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class RedisServer {
  #child = null;
  #log = '';

  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start() {
    const server = new RedisServer(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'wsframe-redis-')));
    await server.restart();
    return server;
  }

  /** Starts it (again, on the same port). */
  async restart() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning');
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (this.#log += chunk));
    child.stderr.on('data', (chunk) => (this.#log += chunk));
    const exited = new Promise((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${this.#log}`))),
    );
    exited.catch(() => {});
    this.#child = child;
    await Promise.race([waitForPort(this.port, 10_000), exited]);
  }

  /** Kills it at once (SIGKILL): clients see their connections drop. */
  async kill() {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.#child = null;
  }

  async stop() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
