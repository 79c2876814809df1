// wsframe/socket.io under input that would grow a server without bound:
// a burst of 100,000 packets on one session, 5,000 handshakes that never
// join a namespace, and a client that never reads while the server emits.
// The core's memory (wasm linear memory, which never shrinks) and the
// server's buffers must stay bounded, and the sessions must end with
// socket.io's reasons.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import WebSocket from 'ws';
import { wasmMemorySize } from 'wsframe';
import { Server } from 'wsframe/socket.io';

const MiB = 2 ** 20;

async function start(options) {
  const httpServer = http.createServer();
  const io = new Server(httpServer, options);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  return { io, port: httpServer.address().port };
}

const waitFor = async (condition, ms, what) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test('100,000 packets on one session leave the core where it was', async () => {
  const { io, port } = await start({ pingInterval: 60_000 });
  let events = 0;
  io.on('connection', (socket) => socket.on('e', () => events++));
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  await once(ws, 'open');
  ws.send('40');
  await once(io, 'connection');
  const before = wasmMemorySize();
  for (let i = 0; i < 100_000; i++) ws.send(i % 2 ? '3' : '42["e",1]');
  await waitFor(() => events === 50_000, 30_000, 'the events');
  assert.ok(wasmMemorySize() - before <= 2 * MiB, `wasm memory grew by ${wasmMemorySize() - before} bytes`);
  ws.close();
  await io.close();
});

// As with engine.io, a polling session closed by the server waits for the
// client's next GET to tell it (up to 30 s) unless the heartbeat ends it
// first: short heartbeat settings keep the test short.
test('5,000 handshakes that never join a namespace are closed', async () => {
  const { io, port } = await start({ connectTimeout: 300, pingInterval: 300, pingTimeout: 200 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const handshake = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=polling', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        })
        .on('error', reject);
    });
  const before = wasmMemorySize();
  for (let batch = 0; batch < 50; batch++) {
    const statuses = await Promise.all(Array.from({ length: 100 }, handshake));
    assert.deepEqual(new Set(statuses), new Set([200]));
  }
  assert.ok(io.engine.clientsCount > 0);
  await waitFor(() => io.engine.clientsCount === 0, 10_000, 'the sessions to close');
  assert.ok(wasmMemorySize() - before <= 8 * MiB, `wasm memory grew by ${wasmMemorySize() - before} bytes`);
  agent.destroy();
  await io.close();
});

test('a client that never reads while the server emits is dropped with "transport error"', async () => {
  const limit = 256 * 1024;
  const { io, port } = await start({ pingInterval: 60_000, pingTimeout: 1_000, maxBufferedBytes: limit });
  // A raw client: the WebSocket handshake and CONNECT, then it stops reading.
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  client.write(
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  client.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30])); // "40", masked with a zero key
  const [socket] = await once(io, 'connection');
  client.pause();
  const reason = new Promise((resolve) => socket.on('disconnect', resolve));
  const chunk = 'x'.repeat(64 * 1024);
  let emitted = 0;
  const rssBefore = process.memoryUsage().rss;
  let largest = rssBefore;
  const pump = setInterval(() => {
    for (let i = 0; i < 16 && socket.connected; i++) {
      socket.emit('data', chunk);
      emitted++;
    }
    largest = Math.max(largest, process.memoryUsage().rss);
  }, 5);
  const started = Date.now();
  assert.equal(await reason, 'transport error');
  clearInterval(pump);
  const took = Date.now() - started;
  assert.ok(took < 5_000, `dropped after ${took} ms`);
  // Past four times the limit the client is dropped at once: the server
  // never held more than a few MiB for it, however much was emitted.
  assert.ok(emitted * chunk.length > 4 * limit, `only ${emitted} emits`);
  assert.ok(largest - rssBefore < 64 * MiB, `RSS grew by ${((largest - rssBefore) / MiB).toFixed(1)} MiB`);
  client.destroy();
  await io.close();
});
