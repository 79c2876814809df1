#!/usr/bin/env node
// A Socket.IO 4 / Engine.IO 6 compatible server on a raw `net` server (no
// `http`, no `ws`, no socket.io): HTTP long-polling, WebSocket, the upgrade
// probe, heartbeats and Socket.IO all run in the wsframe core; this file
// only says what the application does with events.
//
//   node examples/socketio-server.mjs --port 3000 [--host 127.0.0.1]
//     [--ping-interval 25000] [--ping-timeout 20000] [--max-payload 1000000]
//     [--connect-timeout 45000] [--cors <origin>|*] [--verbose]
//
// /engine.io/  raw Engine.IO echo: every message comes back unchanged.
// /socket.io/  Socket.IO with namespaces "/" and "/custom": on connect the
//              server emits "auth" with the CONNECT payload; "message" is
//              answered with "message-back" and the same arguments;
//              "message-with-ack" is acknowledged with the same arguments.
import { parseArgs } from 'node:util';
import { SocketIoServer } from 'wsframe/node';

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

const server = new SocketIoServer({
  pingInterval: number('ping-interval'),
  pingTimeout: number('ping-timeout'),
  maxPayload: number('max-payload'),
  connectTimeout: number('connect-timeout'),
  namespaces: ['/', '/custom'],
  enginePath: '/engine.io/',
  corsOrigin: values.cors ?? null,
});

server.on('connection', (socket) => {
  // Arguments travel as JSON text with their binary attachments, untouched:
  // what the client sent is exactly what it gets back.
  socket.emitRaw('"auth"', `[${socket.authJson}]`);
  socket.onRaw(({ nameJson, argsJson, attachments, ack }) => {
    if (nameJson === '"message"') socket.emitRaw('"message-back"', argsJson, attachments);
    else if (nameJson === '"message-with-ack"' && ack) ack(argsJson, attachments);
  });
});

if (values.verbose) {
  server.on('session', (s) => console.log(`session ${s.sid} EIO=${s.protocol} ${s.transport}`));
  server.on('upgrade', (s) => console.log(`session ${s.sid} upgraded to websocket`));
  server.on('sessionClose', (s) => console.log(`session ${s.sid} closed: ${s.reason}`));
}

const { address, port } = await server.listen(Number(values.port), values.host);
console.log(`socket.io server listening on http://${address}:${port} (/socket.io/, /engine.io/)`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
