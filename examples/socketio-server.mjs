#!/usr/bin/env node
// A Socket.IO 4 / Engine.IO 6 server written against socket.io's API, with
// `wsframe/socket.io` in place of `socket.io`: HTTP long-polling, WebSocket,
// the upgrade probe, heartbeats, rooms and the Socket.IO wire all run in the
// wsframe core; this file says what the application does with events.
//
//   node examples/socketio-server.mjs --port 3000 [--host 127.0.0.1]
//     [--ping-interval 25000] [--ping-timeout 20000] [--max-payload 1000000]
//     [--connect-timeout 45000] [--cors <origin>|*] [--verbose]
//
// /engine.io/  raw Engine.IO (wsframe's EngineIoServer): every message is
//              sent back unchanged.
// /socket.io/  Socket.IO with namespaces "/" and "/custom": on connect the
//              server emits "auth" with the CONNECT payload; "message" is
//              answered with "message-back" and the same arguments;
//              "message-with-ack" is acknowledged with the same arguments.
// Any other path: 404, from the HTTP server's own handler.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { EngineIoServer, Server } from 'wsframe/socket.io';
import { serveApp } from './socketio-app.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    'ping-interval': { type: 'string', default: '25000' },
    'ping-timeout': { type: 'string', default: '20000' },
    'max-payload': { type: 'string', default: '1000000' },
    'connect-timeout': { type: 'string', default: '45000' },
    cors: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

function number(name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${values[name]}`);
    process.exit(2);
  }
  return n;
}

const heartbeat = { pingInterval: number('ping-interval'), pingTimeout: number('ping-timeout') };
const cors = values.cors ? { cors: { origin: values.cors } } : {};
const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
});

const io = new Server(httpServer, {
  ...heartbeat,
  ...cors,
  maxHttpBufferSize: number('max-payload'),
  connectTimeout: number('connect-timeout'),
  allowEIO3: true,
});
serveApp(io);

const engine = new EngineIoServer({ ...heartbeat, ...cors, maxHttpBufferSize: number('max-payload'), allowEIO3: true });
engine.attach(httpServer, { path: '/engine.io' });
engine.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));

if (values.verbose) {
  for (const [name, server] of [['socket.io', io.engine], ['engine.io', engine.engine]]) {
    server.on('connection', (conn) => {
      console.log(`${name} session ${conn.id} EIO=${conn.protocol} ${conn.transport.name}`);
      conn.on('upgrade', () => console.log(`${name} session ${conn.id} upgraded to websocket`));
      conn.on('close', (reason) => console.log(`${name} session ${conn.id} closed: ${reason}`));
    });
  }
}

httpServer.listen(Number(values.port), values.host, () => {
  const { address, port } = httpServer.address();
  console.log(`socket.io server listening on http://${address}:${port} (/socket.io/, /engine.io/)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    engine.close();
    io.close(() => process.exit(0));
  });
}
