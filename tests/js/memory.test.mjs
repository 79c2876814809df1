// Memory comes back: after a 64 MiB message, a deflate bomb stopped at the
// limit and 10,000 connections that opened and closed, the echo
// server's wasm linear memory has not grown past what one socket chunk
// needs (linear memory never shrinks, so growth is what would stay), and
// its RSS is not above what ws's is after the same traffic. Each server
// runs in a process of its own (benches/e2e-server.mjs), ws beside it. And an
// idle connection holds little wasm memory.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startEchoProcess } from '../../benches/echo-process.mjs';

const MiB = 2 ** 20;
/** What linear memory may grow by: the shared call buffers sized to a few socket chunks. */
const WASM_GROWTH_LIMIT = 4 * MiB;
/** RSS measured after a full collection still moves by a few MiB run to run. */
const RSS_SLACK = 16 * MiB;

/** Runs `traffic(url)` against each implementation's server; returns the growth of each memory figure. */
async function growthAfter(traffic, { deflate = false } = {}) {
  const growth = {};
  for (const impl of ['wsframe', 'ws']) {
    const server = await startEchoProcess(impl, { deflate });
    try {
      const before = await server.memory();
      await traffic(server.url);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.memory(); // the second collection frees what the first one found unreachable
      const after = await server.memory();
      growth[impl] = { rss: after.rss - before.rss, wasm: after.wasm - before.wasm };
    } finally {
      await server.stop();
    }
  }
  const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(`RSS growth: wsframe ${mib(growth.wsframe.rss)}, ws ${mib(growth.ws.rss)}; wasm memory growth ${mib(growth.wsframe.wasm)}`);
  return growth;
}

function assertCameBack(growth) {
  assert.ok(growth.wsframe.wasm <= WASM_GROWTH_LIMIT, `wasm memory grew by ${growth.wsframe.wasm} bytes`);
  assert.ok(growth.wsframe.rss <= Math.max(growth.ws.rss, 0) + RSS_SLACK, `RSS grew by ${growth.wsframe.rss} bytes, ws's by ${growth.ws.rss}`);
}

test('a 64 MiB message passes through without growing wasm memory', async () => {
  const growth = await growthAfter(async (url) => {
    const client = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 });
    await once(client, 'open');
    const message = Buffer.alloc(64 * MiB, 0x5a);
    client.send(message);
    const [echoed] = await once(client, 'message');
    assert.ok(message.equals(echoed));
    client.close();
    await once(client, 'close');
  });
  assertCameBack(growth);
});

test('a deflate bomb stopped at maxPayload leaves no memory behind', async () => {
  const growth = await growthAfter(
    async (url) => {
      const client = new WebSocket(url, { perMessageDeflate: true });
      await once(client, 'open');
      // 160 MiB of zeros deflate to about 160 KiB; the default maxPayload is 100 MiB.
      client.send(Buffer.alloc(160 * MiB), { compress: true });
      const [code] = await once(client, 'close');
      assert.equal(code, 1009);
    },
    { deflate: true },
  );
  assertCameBack(growth);
});

test('10,000 connections that open, echo and close leave no memory behind', async () => {
  const growth = await growthAfter(async (url) => {
    for (let batch = 0; batch < 20; batch++) {
      const clients = Array.from({ length: 500 }, () => new WebSocket(url, { perMessageDeflate: false }));
      await Promise.all(clients.map((c) => once(c, 'open')));
      await Promise.all(
        clients.map(async (c, i) => {
          c.send(`hello ${i}`);
          const [data] = await once(c, 'message');
          assert.equal(data.toString(), `hello ${i}`);
          c.close();
          await once(c, 'close');
        }),
      );
    }
  });
  assertCameBack(growth);
});

test('an idle connection holds less than 450 bytes of wasm memory', () => {
  // A fresh instance (a process of its own), so that the connections cannot
  // fit in memory freed by earlier tests and hide what they take.
  const script = `
    const w = require('wsframe');
    const keep = [];
    const before = w.wasmMemorySize();
    for (let i = 0; i < 20000; i++) keep.push(new w.Connection({ role: 'server' }));
    console.log((w.wasmMemorySize() - before) / keep.length);`;
  const perConnection = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  console.log(`wasm memory per idle Connection: ${perConnection} bytes`);
  // 534 before the connection's and the binding's error fields were boxed; 423 after.
  assert.ok(perConnection > 0 && perConnection < 450, `${perConnection} bytes per connection`);
});

/**
 * socket.io-client clients (WebSocket only) in a process of their own:
 * `connect(count)` resolves once `count` more are connected; `stop()` ends them.
 */
async function socketIoClients(url) {
  const script = `
    import { io } from 'socket.io-client';
    import { createInterface } from 'node:readline';
    createInterface({ input: process.stdin }).on('line', (line) => {
      const count = Number(line);
      let connected = 0;
      for (let i = 0; i < count; i++) {
        const client = io(${JSON.stringify(url)}, { transports: ['websocket'], forceNew: true, reconnection: false });
        client.once('connect', () => ++connected === count && console.log('ready'));
        client.once('connect_error', (err) => { console.error(err.message); process.exit(1); });
      }
    }).on('close', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`clients exited with ${code}`);
  });
  return {
    connect: (count) => {
      child.stdin.write(`${count}\n`);
      return Promise.race([new Promise((resolve) => child.stdout.once('data', resolve)), failed]);
    },
    stop: () => {
      child.stdin.end();
      return once(child, 'exit');
    },
  };
}

test('an idle Socket.IO client costs at most half the JS heap it costs socket.io 4.8', async () => {
  const CLIENTS = 1000;
  const perClient = {};
  for (const impl of ['wsframe', 'socket.io']) {
    const server = await startEchoProcess(impl, { script: 'sio-server.mjs' });
    const clients = await socketIoClients(`http://127.0.0.1:${server.port}`);
    try {
      // A first few warm the server up (compiled code, first-use caches), so
      // that the difference is what each further client holds.
      await clients.connect(50);
      await server.memory();
      const before = await server.memory();
      await clients.connect(CLIENTS);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.memory();
      const after = await server.memory();
      perClient[impl] = (after.heapUsed - before.heapUsed) / CLIENTS;
    } finally {
      await clients.stop();
      await server.stop();
    }
  }
  const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
  console.log(`JS heap per idle Socket.IO client: wsframe ${kib(perClient.wsframe)}, socket.io ${kib(perClient['socket.io'])}`);
  assert.ok(perClient['socket.io'] > 0, 'socket.io holds something per client');
  assert.ok(perClient.wsframe <= perClient['socket.io'] / 2, `wsframe ${kib(perClient.wsframe)} per client against socket.io's ${kib(perClient['socket.io'])}`);
});
