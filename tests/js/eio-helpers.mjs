// Helpers for the Engine.IO / Socket.IO suites: the example server as a
// child process, the official servers in-process, raw HTTP requests and
// WebSocket connections that show every packet.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { root } from './helpers.mjs';
import { startReferenceServer } from './reference-server.mjs';

export const SHORT = { pingInterval: 300, pingTimeout: 200, connectTimeout: 1000 };

/** examples/socketio-server.mjs on an ephemeral port. */
export async function startExampleServer(settings = SHORT, extraArgs = []) {
  const args = [
    path.join(root, 'examples', 'socketio-server.mjs'),
    '--port', '0',
    '--ping-interval', String(settings.pingInterval),
    '--ping-timeout', String(settings.pingTimeout),
    '--connect-timeout', String(settings.connectTimeout),
    ...(settings.maxPayload ? ['--max-payload', String(settings.maxPayload)] : []),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`example server exited with ${code}: ${out}`)));
  });
  return {
    kind: 'wsframe',
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** The official engine.io 6 / socket.io 4 servers, configured the same way. */
export async function startOfficialServer(settings = SHORT) {
  return { kind: 'official', ...(await startReferenceServer(settings)) };
}

/** One HTTP request on its own connection: `{ status, headers, body }` (body a string, or a Buffer with `binary`). */
export function request(server, method, target, body, { headers = {}, binary = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: target, agent: false, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, body: binary ? all : all.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A raw WebSocket upgrade request to `path` on `url`'s port: `{ status,
 * headers, body }` (the socket is dropped after a 101).
 */
export function upgradeRequest(url, path) {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polling helpers bound to an endpoint path and protocol. */
export function polling(server, endpoint = '/engine.io/', eio = 4) {
  const base = (sid, extra = '') =>
    `${endpoint}?EIO=${eio}&transport=polling${sid ? `&sid=${encodeURIComponent(sid)}` : ''}${extra}`;
  return {
    base,
    async handshake(extra = '') {
      const r = await request(server, 'GET', base(null, extra));
      if (r.status !== 200) throw new Error(`handshake ${r.status}: ${r.body}`);
      const text = eio === 4 ? r.body : r.body.slice(r.body.indexOf(':') + 1);
      return { ...r, open: JSON.parse(text.slice(1)), text };
    },
    get: (sid, options) => request(server, 'GET', base(sid), undefined, options),
    post: (sid, body, options) => request(server, 'POST', base(sid), body, options),
  };
}

/**
 * A WebSocket (the `ws` package) whose messages queue up: `next()` resolves
 * with the next one (string for text, Buffer for binary), `closed` with
 * `{ code }`, `upgradeStatus` with the HTTP status of the handshake. Pings
 * (`2`) are answered and skipped unless `autoPong` is false.
 */
export function wsConnect(server, target, { autoPong = true } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${target}`);
  const queue = [];
  const waiters = [];
  const deliver = (item) => (waiters.length ? waiters.shift()(item) : queue.push(item));
  ws.on('message', (data, isBinary) => {
    // Heartbeats are answered, not queued, so tests see only what they ask about.
    if (autoPong && !isBinary && data.toString() === '2') return ws.send('3');
    deliver(isBinary ? Buffer.from(data) : data.toString('utf8'));
  });
  ws.on('error', () => {});
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  const upgradeStatus = new Promise((resolve) => {
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode);
      res.resume();
      ws.terminate();
    });
    ws.on('upgrade', (res) => resolve(res.statusCode));
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => {}); // only a failure for tests that wait for it
  return {
    ws,
    closed,
    upgradeStatus,
    opened,
    next(timeout = 2000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message')), timeout);
        waiters.push((item) => {
          clearTimeout(timer);
          resolve(item);
        });
      });
    },
    /** Resolves with the messages that arrive within `ms`. */
    async drain(ms = 150) {
      await new Promise((r) => setTimeout(r, ms));
      return queue.splice(0);
    },
    send: (data) => ws.send(data),
    close: () => ws.terminate(),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
