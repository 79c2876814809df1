// Real clients against examples/socketio-server.mjs: socket.io-client 4 in
// Node (polling then upgrade, and WebSocket only) and in headless
// Chromium, engine.io-client for raw Engine.IO; and the socket.io server
// from npm running on wsframe/socket.io-parser, with socket.io-client using
// it too. The same scenario runs against the official server as a baseline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { Socket as EngineSocket } from 'engine.io-client';
import * as wsframeParser from 'wsframe/socket.io-parser';
import { launchChromium, root, staticServer, strictPage } from './helpers.mjs';
import { startExampleServer } from './eio-helpers.mjs';
import { startReferenceServer } from './reference-server.mjs';

const SETTINGS = { pingInterval: 25000, pingTimeout: 20000, connectTimeout: 45000 };

/**
 * The client scenario, self-contained so that it also runs in a browser
 * page: connect (and to /custom with auth), emit with ack, a binary event
 * with two attachments, a binary ack, 1000 events in a row, disconnect.
 */
async function scenario(io, url, options) {
  const log = {};
  const bytes = (value) => Array.from(new Uint8Array(value));
  const socket = io(url, { ...options, forceNew: true, reconnection: false });
  const auth = new Promise((resolve) => socket.once('auth', resolve));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  log.auth = await auth;
  log.ack = await new Promise((resolve) => socket.emit('message-with-ack', 'hello', 42, { x: [1] }, (...args) => resolve(args)));
  const back = new Promise((resolve) => socket.once('message-back', (...args) => resolve(args)));
  socket.emit('message', new Uint8Array([1, 2, 3]), { nested: new Uint8Array([4, 5]) }, 'text');
  const echoed = await back;
  log.binary = [bytes(echoed[0]), bytes(echoed[1].nested), echoed[2]];
  const binaryAck = await new Promise((resolve) => socket.emit('message-with-ack', new Uint8Array([9]), (...args) => resolve(args)));
  log.binaryAck = bytes(binaryAck[0]);
  let count = 0;
  let inOrder = true;
  const all = new Promise((resolve) =>
    socket.on('message-back', (n) => {
      if (n !== count) inOrder = false;
      if (++count === 1000) resolve();
    }),
  );
  for (let i = 0; i < 1000; i++) socket.emit('message', i);
  await all;
  log.thousand = { count, inOrder };
  const custom = io(`${url}/custom`, { ...options, forceNew: true, reconnection: false, auth: { token: 'abc' } });
  log.customAuth = await new Promise((resolve) => custom.once('auth', resolve));
  custom.disconnect();
  // Give a polling client the time to finish its upgrade.
  for (let i = 0; i < 50 && options.transports === undefined && socket.io.engine.transport.name !== 'websocket'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  log.transport = socket.io.engine.transport.name;
  const gone = new Promise((resolve) => socket.once('disconnect', resolve));
  socket.disconnect();
  log.disconnect = await gone;
  return log;
}

const EXPECTED = {
  auth: {},
  ack: ['hello', 42, { x: [1] }],
  binary: [[1, 2, 3], [4, 5], 'text'],
  binaryAck: [9],
  thousand: { count: 1000, inOrder: true },
  customAuth: { token: 'abc' },
  transport: 'websocket',
  disconnect: 'io client disconnect',
};

const TRANSPORTS = [
  ['polling, then upgrade', {}],
  ['WebSocket only', { transports: ['websocket'] }],
];

describe('socket.io-client (Node) against the example server', { timeout: 60_000 }, () => {
  let server;
  before(async () => {
    server = await startExampleServer(SETTINGS);
  });
  after(() => server.close());

  for (const [name, options] of TRANSPORTS) {
    test(name, async () => {
      assert.deepEqual(await scenario(io, server.url, options), EXPECTED);
    });
  }

  for (const [name, options] of TRANSPORTS) {
    test(`engine.io-client, ${name}: raw messages echo`, async () => {
      const socket = new EngineSocket(server.url, { path: '/engine.io/', ...options });
      const messages = [];
      const received = new Promise((resolve) =>
        socket.on('message', (data) => {
          messages.push(typeof data === 'string' ? data : Array.from(data));
          if (messages.length === 3) resolve();
        }),
      );
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send('hello');
      socket.send(Buffer.from([1, 2, 3]));
      socket.send('€ 😀');
      await received;
      assert.deepEqual(messages, ['hello', [1, 2, 3], '€ 😀']);
      socket.close();
    });
  }
});

describe('the same scenario against the official server (baseline)', { timeout: 60_000 }, () => {
  let server;
  before(async () => {
    server = await startReferenceServer(SETTINGS);
  });
  after(() => server.close());
  for (const [name, options] of TRANSPORTS) {
    test(name, async () => {
      assert.deepEqual(await scenario(io, server.url, options), EXPECTED);
    });
  }
});

describe('socket.io server and client on wsframe/socket.io-parser', { timeout: 60_000 }, () => {
  let server;
  before(async () => {
    server = await startReferenceServer({ ...SETTINGS, parser: wsframeParser });
  });
  after(() => server.close());
  for (const [name, options] of TRANSPORTS) {
    test(name, async () => {
      assert.deepEqual(await scenario(io, server.url, { ...options, parser: wsframeParser }), EXPECTED);
    });
  }
});

describe('socket.io-client in headless Chromium against the example server', { timeout: 90_000 }, () => {
  let server;
  let pages;
  let dir;
  let browser;
  before(async () => {
    // The page comes from another origin, as in real deployments: polling
    // works through the server's CORS answers (--cors).
    server = await startExampleServer(SETTINGS, ['--cors', '*']);
    dir = mkdtempSync(path.join(os.tmpdir(), 'wsframe-sio-'));
    copyFileSync(path.join(root, 'node_modules/socket.io-client/dist/socket.io.min.js'), path.join(dir, 'socket.io.js'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script src="socket.io.js"></script>');
    pages = await staticServer(dir);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, options] of TRANSPORTS) {
    test(name, async () => {
      const problems = [];
      const page = await strictPage(browser, problems);
      await page.goto(`${pages.url}/index.html`);
      const log = await page.evaluate(
        ([source, url, opts]) => new Function(`return (${source})`)()(window.io, url, opts),
        [scenario.toString(), server.url, options],
      );
      assert.deepEqual(log, EXPECTED);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
});
