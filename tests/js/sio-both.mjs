// Runs the same Socket.IO scenario against socket.io 4.8's Server and
// `wsframe/socket.io`'s, driven by socket.io-client in Node, and checks that
// both give the same observations: socket.io is the reference for every
// expectation. Each scenario runs over polling-then-upgrade and over
// WebSocket only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as socketIo from 'socket.io';
import * as wsframeIo from 'wsframe/socket.io';
import { io as connectClient } from 'socket.io-client';

export const IMPLEMENTATIONS = [
  { name: 'socket.io', ...socketIo },
  { name: 'wsframe', ...wsframeIo },
];

export const TRANSPORTS = {
  polling: ['polling', 'websocket'],
  websocket: ['websocket'],
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the arguments of the next `event` on `emitter`. */
export const next = (emitter, event) => new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));

/**
 * What a scenario gets: `io` (the Server, attached to a fresh HTTP server
 * that answers other routes itself), `url`, `connect(nsp, options)` (a
 * client; resolves once connected unless `options.wait === false`),
 * `transports`.
 */
async function setUp(lib, transports, serverOptions) {
  const httpServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`app: ${req.url}`);
  });
  const io = new lib.Server(httpServer, serverOptions);
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const clients = [];
  const connect = async (nsp = '/', options = {}) => {
    const { wait = true, ...rest } = options;
    const client = connectClient(`${url}${nsp}`, { transports, forceNew: true, reconnection: false, ...rest });
    clients.push(client);
    if (wait) {
      await new Promise((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
      if (transports.length > 1 && !options.noUpgrade) {
        // Settle on the upgraded transport, so orders do not depend on polling cycles.
        if (client.io.engine.transport.name !== 'websocket') await next(client.io.engine, 'upgrade');
      }
    }
    return client;
  };
  const tearDown = async () => {
    for (const client of clients) client.close();
    await io.close();
  };
  return { io, url, connect, transports, httpServer, tearDown };
}

/**
 * Runs `run(lib)` for socket.io and then for wsframe; each resolves with
 * what it observed (JSON-like), and wsframe's must equal socket.io's.
 */
export async function sameOnBoth(label, run) {
  const seen = {};
  for (const lib of IMPLEMENTATIONS) seen[lib.name] = await run(lib);
  if (process.env.SIO_BOTH_SHOW) console.log(label, JSON.stringify(seen['socket.io']));
  assert.deepEqual(seen.wsframe, seen['socket.io'], 'wsframe/socket.io differs from socket.io');
}

/**
 * A test per transport set that runs `scenario(ctx, lib)` for socket.io
 * and for wsframe on a fresh server each (see `sameOnBoth`).
 */
export function both(title, scenario, { serverOptions = {}, timeout = 20_000, transports = Object.keys(TRANSPORTS) } = {}) {
  for (const name of transports) {
    test(`${title} (${name})`, { timeout }, () =>
      sameOnBoth(`${title} ${name}`, async (lib) => {
        const ctx = await setUp(lib, TRANSPORTS[name], serverOptions);
        try {
          return await scenario(ctx, lib);
        } finally {
          await ctx.tearDown();
        }
      }),
    );
  }
}
