#!/usr/bin/env node
// wsframe/socket.io on every core of one machine, the way socket.io's guide
// ("Using with Node.js cluster") sets it up, with only the import changed:
// the primary process owns the port and hands each TCP connection to a
// worker, by session id (@socket.io/sticky), so long-polling requests of one
// session reach the worker that holds it; the workers share rooms and
// broadcasts through the primary (@socket.io/cluster-adapter).
//
//   node examples/socketio-cluster.mjs [--port 3000] [--host 127.0.0.1] [--workers 2]
//
// The application: a client gets "hello" with its worker's number, "join"
// (room, ack) puts it in a room, "shout" (room, text) sends "news" to the
// room on every worker, "count" (ack) answers how many sockets the whole
// cluster has.
import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { Server } from 'wsframe/socket.io';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: String(availableParallelism()) },
  },
});

if (cluster.isPrimary) {
  const httpServer = http.createServer();
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  setupPrimary();
  // Binary payloads between the workers need the advanced serialization.
  cluster.setupPrimary({ serialization: 'advanced' });
  let ready = 0;
  const workers = Number(values.workers);
  cluster.on('message', (_worker, message) => {
    if (message === 'ready' && ++ready === workers) {
      httpServer.listen(Number(values.port), values.host, () => {
        const { address, port } = httpServer.address();
        console.log(`Socket.IO cluster of ${workers} workers on http://${address}:${port}/socket.io/`);
      });
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies is replaced (its clients reconnect to another one),
  // unless the cluster is stopping.
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.id} exited (${signal ?? code})`);
    if (!stopping) cluster.fork();
  });
  // Stopping ends the process once the workers are gone (the adapters'
  // timers would keep it alive), or after 5 s whatever they do.
  const stop = () => {
    stopping = true;
    httpServer.close();
    const workers = Object.values(cluster.workers);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const worker of workers) {
      worker.once('exit', () => --left === 0 && process.exit(0));
      worker.kill('SIGTERM');
    }
    setTimeout(() => process.exit(0), 5000);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  io.adapter(createAdapter());
  setupWorker(io);

  const worker = cluster.worker.id;
  io.on('connection', (socket) => {
    socket.emit('hello', { worker });
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack?.(worker);
    });
    socket.on('shout', (room, text) => io.to(room).emit('news', text, { from: worker }));
    socket.on('count', async (ack) => ack((await io.fetchSockets()).length));
  });
  process.send('ready');
}
