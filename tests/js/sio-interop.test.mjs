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
import { WebSocketServer } from 'wsframe/node';
import { Server as WsframeIoServer } from 'wsframe/socket.io';
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

/** Sends `messages` (strings, or byte arrays sent as Buffers) over engine.io-client and checks the echoes. */
async function engineEcho(url, options, messages) {
  const socket = new EngineSocket(url, { path: '/engine.io/', ...options });
  const got = [];
  const received = new Promise((resolve) =>
    socket.on('message', (data) => {
      got.push(typeof data === 'string' ? data : Array.from(data));
      if (got.length === messages.length) resolve();
    }),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  for (const m of messages) socket.send(typeof m === 'string' ? m : Buffer.from(m));
  await received;
  assert.deepEqual(got, messages);
  socket.close();
}

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
    test(`engine.io-client, ${name}: raw messages echo`, () => engineEcho(server.url, options, ['hello', [1, 2, 3], '€ 😀']));
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

/** wsframe/node's server as engine.io's wsEngine, counting the upgrades it completes. */
function countingEngine() {
  const counter = { upgrades: 0 };
  counter.Engine = class extends WebSocketServer {
    handleUpgrade(req, socket, head, cb) {
      return super.handleUpgrade(req, socket, head, (ws, request) => {
        counter.upgrades++;
        cb(ws, request);
      });
    }
  };
  return counter;
}

for (const perMessageDeflate of [false, true]) {
  describe(`socket.io 4 with wsEngine: wsframe/node (perMessageDeflate ${perMessageDeflate})`, { timeout: 60_000 }, () => {
    let server;
    const counter = countingEngine();
    before(async () => {
      server = await startReferenceServer({ ...SETTINGS, wsEngine: counter.Engine, perMessageDeflate: perMessageDeflate && { threshold: 0 } });
    });
    after(() => server.close());
    for (const [name, options] of TRANSPORTS) {
      test(name, async () => {
        const before = counter.upgrades;
        assert.deepEqual(await scenario(io, server.url, options), EXPECTED);
        assert.ok(counter.upgrades > before, 'the WebSocket went through wsframe/node');
      });
    }
    for (const [name, options] of TRANSPORTS) {
      test(`engine.io 6 with the same wsEngine, engine.io-client, ${name}`, () =>
        engineEcho(server.url, options, ['hello', [1, 2, 3], '€ 😀'.repeat(500)]));
    }
  });
}

/**
 * The scenario run by socket.io-client in headless Chromium, on a page from
 * another origin (as in real deployments: polling goes through the server's
 * CORS answers), against the server `start()` gives; `check()` runs after
 * each transport's run.
 */
function chromiumSuite(title, start, check = () => {}) {
  describe(title, { timeout: 90_000 }, () => {
    let server;
    let pages;
    let dir;
    let browser;
    before(async () => {
      server = await start();
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
        check();
        await page.close();
      });
    }
  });
}

const chromiumEngine = countingEngine();
let upgradesBefore = 0;
chromiumSuite(
  'socket.io-client in headless Chromium against socket.io on wsframe/node (wsEngine)',
  () => startReferenceServer({ ...SETTINGS, wsEngine: chromiumEngine.Engine, perMessageDeflate: { threshold: 0 }, cors: { origin: '*' } }),
  () => {
    assert.ok(chromiumEngine.upgrades > upgradesBefore, 'the WebSocket went through wsframe/node');
    upgradesBefore = chromiumEngine.upgrades;
  },
);

chromiumSuite('socket.io-client in headless Chromium against the example server', () => startExampleServer(SETTINGS, ['--cors', '*']));

describe('socket.io-client in Node against wsframe/socket.io (the reference app, import swapped)', { timeout: 60_000 }, () => {
  let server;
  before(async () => {
    server = await startReferenceServer({ ...SETTINGS, ioServer: WsframeIoServer });
  });
  after(() => server.close());
  for (const [name, options] of TRANSPORTS) {
    test(name, async () => assert.deepEqual(await scenario(io, server.url, options), EXPECTED));
  }
});

chromiumSuite('socket.io-client in headless Chromium against wsframe/socket.io', () =>
  startReferenceServer({ ...SETTINGS, ioServer: WsframeIoServer, cors: { origin: '*' } }),
);
