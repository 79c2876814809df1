// The cluster example (examples/socketio-cluster.mjs): wsframe/socket.io
// in two worker processes behind Node's cluster, sticky sessions by
// session id (@socket.io/sticky) and @socket.io/cluster-adapter. Clients
// that start on long-polling (each request of a session must reach the
// same worker) and upgrade, and polling-only clients, on both workers; a
// room broadcast reaches all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { root } from './helpers.mjs';
import { waitFor } from './fleet/fleet.mjs';

test('cluster example: 2 workers, sticky long-polling then upgrade, a room broadcast reaches clients on both workers', { timeout: 60_000 }, async () => {
  const example = spawn(process.execPath, [path.join(root, 'examples', 'socketio-cluster.mjs'), '--port', '0', '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  example.stderr.on('data', (chunk) => (output += chunk));
  const url = await new Promise((resolve, reject) => {
    example.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /on (http:\/\/\S+?)\/socket\.io\//.exec(output);
      if (match) resolve(match[1]);
    });
    example.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`the example did not listen within 20 s: ${output}`)), 20_000).unref();
  });
  const clients = [];
  try {
    const transports = [['polling', 'websocket'], ['polling', 'websocket'], ['polling'], ['polling', 'websocket'], ['polling'], ['polling', 'websocket']];
    for (const t of transports) {
      const client = connectClient(url, { transports: t, forceNew: true, reconnection: false });
      client.news = [];
      client.on('news', (text, meta) => client.news.push([text, meta]));
      client.hello = new Promise((resolve) => client.once('hello', resolve));
      clients.push(client);
      await new Promise((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
    }
    const workers = await Promise.all(clients.map((client) => client.hello.then(({ worker }) => worker)));
    assert.deepEqual([...new Set(workers)].sort(), [1, 2], `least-connection spreads the clients: ${workers}`);
    // Every request of a polling session reached its worker (or the
    // session would be unknown there: a 400 and a disconnect).
    for (const client of clients) assert.equal(await client.timeout(5000).emitWithAck('join', 'lobby'), workers[clients.indexOf(client)]);
    const upgrading = clients.filter((_, i) => transports[i].includes('websocket'));
    await waitFor(() => upgrading.every((client) => client.io.engine.transport.name === 'websocket'), 'the upgrades');
    assert.equal(await clients[0].timeout(5000).emitWithAck('count'), clients.length);

    const shouter = clients[workers.indexOf(2)];
    shouter.emit('shout', 'lobby', 'hi all');
    await waitFor(() => clients.every((client) => client.news.length === 1), 'the room broadcast at every client');
    for (const client of clients) assert.deepEqual(client.news, [['hi all', { from: 2 }]]);
    for (const client of clients) assert.equal(client.connected, true);
  } finally {
    for (const client of clients) client.close();
    const exited = new Promise((resolve) => example.once('exit', resolve));
    example.kill('SIGTERM');
    // It stops within 5 s by itself; a test must not wait longer.
    const killer = setTimeout(() => example.kill('SIGKILL'), 10_000);
    const [code, signal] = await exited.then(() => [example.exitCode, example.signalCode]);
    clearTimeout(killer);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, `the example did not stop on SIGTERM: ${output}`);
  }
});
