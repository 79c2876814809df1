// A trap of the wasm instance (a panic in the core) is loud, never silent:
// forced through the test-only export, it must reach every open WebSocket
// and Socket.IO socket (an 'error' with code wsframe_trap, then the close),
// both servers ('error'), and every peer (close 1011); new connections are
// refused with 500 instead of hanging, while the app's own routes still
// answer. The peers are the real `ws` and `socket.io-client`. A trap is
// once per process, so this file runs alone in its process (node --test
// gives each file its own).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { test } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import WsClient, { WebSocketServer as WsServer } from 'ws';
import { Connection, __testTrap, trapError } from 'wsframe';
import { WebSocket, WebSocketServer } from 'wsframe/node';
import { Server } from 'wsframe/socket.io';
import { root } from './helpers.mjs';

const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms).unref())]);

/** The next `event` of `emitter` (unlike events.once, an 'error' before it does not reject). */
const next = (emitter, event) => new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));

const isTrapError = (err) => err?.code === 'wsframe_trap' && err.name === 'WsframeError' && err.closeCode === 1011 && err.httpStatus === 500;

function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

test('a trap reaches every connection and server, and new connections are refused', { timeout: 30_000 }, async () => {
  // wsframe's ws-compatible server, with two `ws` clients.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const serverSockets = [];
  wss.on('connection', (ws) => {
    const seen = { error: null, closed: next(ws, 'close') };
    ws.on('error', (err) => (seen.error = err));
    ws.on('message', (data) => ws.send(data));
    serverSockets.push(seen);
  });
  const wssErrors = [];
  wss.on('error', (err) => wssErrors.push(err));
  const wsUrl = `ws://127.0.0.1:${wss.address().port}`;
  const peers = await Promise.all(
    [0, 1].map(async () => {
      const peer = new WsClient(wsUrl);
      await once(peer, 'open');
      peer.send('hello');
      await once(peer, 'message');
      return { peer, closed: next(peer, 'close') };
    }),
  );

  // wsframe's client, talking to a `ws` server.
  const wsServer = new WsServer({ port: 0, host: '127.0.0.1' });
  await once(wsServer, 'listening');
  const refereeClose = new Promise((resolve) => wsServer.on('connection', (ws) => ws.on('close', (code) => resolve(code))));
  const client = new WebSocket(`ws://127.0.0.1:${wsServer.address().port}`);
  await once(client, 'open');
  const clientSeen = { error: null, closed: next(client, 'close') };
  client.on('error', (err) => (clientSeen.error = err));

  // wsframe's Socket.IO server beside the app's own route, with a
  // WebSocket client and a long-polling one.
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/health') res.end('ok');
  });
  const io = new Server(httpServer);
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = httpServer.address().port;
  const ioErrors = [];
  io.on('error', (err) => ioErrors.push(err));
  const ioSockets = [];
  io.on('connection', (socket) => {
    const seen = { error: null, reason: null };
    seen.disconnected = new Promise((resolve) =>
      socket.on('disconnect', (reason) => {
        seen.reason = reason;
        resolve();
      }),
    );
    socket.on('error', (err) => (seen.error = err));
    ioSockets.push(seen);
  });
  const sioClients = await Promise.all(
    [['websocket'], ['polling']].map(async (transports) => {
      const c = ioClient(`http://127.0.0.1:${port}`, { transports, reconnection: false });
      await once(c, 'connect');
      return { c, disconnected: next(c, 'disconnect') };
    }),
  );
  assert.equal(ioSockets.length, 2);

  process.env.WSFRAME_TEST_TRAP = '1';
  assert.throws(() => __testTrap(), isTrapError, 'the call that traps throws the trap error');
  assert.ok(isTrapError(trapError()));
  assert.throws(() => new Connection({ role: 'server' }), isTrapError, 'later calls throw it without entering the instance');

  // Every open connection is told and closed; every peer sees 1011.
  for (const seen of serverSockets) {
    await within(seen.closed, 5000, 'server-side WebSocket close');
    assert.ok(isTrapError(seen.error), 'a server-side WebSocket got the trap error');
  }
  for (const { closed } of peers) {
    const [code] = await within(closed, 5000, 'ws peer close');
    assert.equal(code, 1011);
  }
  await within(clientSeen.closed, 35_000, 'wsframe client close');
  assert.ok(isTrapError(clientSeen.error), 'the wsframe client got the trap error');
  assert.equal(await within(refereeClose, 5000, 'ws server sees the client close'), 1011);
  for (const seen of ioSockets) {
    await within(seen.disconnected, 5000, 'Socket.IO socket disconnect');
    assert.equal(seen.reason, 'transport error');
    assert.ok(isTrapError(seen.error), 'a Socket.IO socket got the trap error');
  }
  for (const { disconnected } of sioClients) await within(disconnected, 5000, 'socket.io-client disconnect');

  // Both servers said so.
  assert.equal(wssErrors.length, 1);
  assert.ok(isTrapError(wssErrors[0]));
  assert.equal(ioErrors.length, 1);
  assert.ok(isTrapError(ioErrors[0]));

  // New connections are refused at once with 500; the app's route still answers.
  const refused = new WsClient(wsUrl);
  const [, response] = await within(once(refused, 'unexpected-response'), 2000, 'a new ws connection');
  assert.equal(response.statusCode, 500);
  refused.on('error', () => {});
  refused.terminate();
  const poll = await within(get(port, '/socket.io/?EIO=4&transport=polling'), 2000, 'a new polling handshake');
  assert.equal(poll.status, 500);
  const late = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await within(once(late, 'connect_error'), 2000, 'a new socket.io-client connection');
  late.close();
  assert.deepEqual(await get(port, '/health'), { status: 200, body: 'ok' });

  // Nothing more comes from the trap, and everything shuts down.
  assert.equal(wssErrors.length + ioErrors.length, 2);
  for (const { c } of sioClients) c.close();
  await new Promise((resolve) => wss.close(resolve));
  await new Promise((resolve) => wsServer.close(resolve));
  io.close();
  httpServer.closeAllConnections?.();
});

test('unheard, the server error ends the process: a trap is never silent', { timeout: 20_000 }, () => {
  const script = `
    import { __testTrap } from 'wsframe';
    import { WebSocketServer } from 'wsframe/node';
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('listening', () => { try { __testTrap(); } catch {} });
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, WSFRAME_TEST_TRAP: '1' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.notEqual(run.status, 0, 'the process exits with a failure');
  assert.match(run.stderr, /wsframe_trap/);
  assert.match(run.stderr, /trapped/);
});

test('without WSFRAME_TEST_TRAP=1 the test hook refuses', () => {
  const script = `import { __testTrap } from 'wsframe'; try { __testTrap(); } catch (e) { console.log(e.message); }`;
  const env = { ...process.env };
  delete env.WSFRAME_TEST_TRAP;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.match(run.stdout, /runs only with WSFRAME_TEST_TRAP=1/);
});
