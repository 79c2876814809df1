// The official servers configured as the issue describes, on one port:
// engine.io 6 at /engine.io/ (a raw echo server) and socket.io 4 at
// /socket.io/ (namespaces / and /custom, "auth", "message-back",
// "message-with-ack"). Protocol tests run against it and against
// examples/socketio-server.mjs alike, so "behaves like the official
// server" is checked, not assumed. `parser` replaces socket.io-parser;
// `wsEngine` replaces ws (e.g. with wsframe/node's WebSocketServer);
// `perMessageDeflate` and `cors` are passed on.
import http from 'node:http';
import { Server as EngineServer } from 'engine.io';
import { Server as IoServer } from 'socket.io';
import { serveApp } from '../../examples/socketio-app.mjs';

export async function startReferenceServer({
  pingInterval = 25000,
  pingTimeout = 20000,
  maxPayload = 1e6,
  connectTimeout = 45000,
  parser,
  wsEngine,
  perMessageDeflate,
  cors,
  ioServer = IoServer,
} = {}) {
  const httpServer = http.createServer();
  const engines = wsEngine ? { wsEngine } : {};
  if (perMessageDeflate !== undefined) engines.perMessageDeflate = perMessageDeflate;
  if (cors) engines.cors = cors;
  const engine = new EngineServer({ pingInterval, pingTimeout, maxHttpBufferSize: maxPayload, allowEIO3: true, path: '/engine.io/', ...engines });
  engine.attach(httpServer, { path: '/engine.io/' });
  engine.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  const io = new ioServer(httpServer, {
    pingInterval,
    pingTimeout,
    maxHttpBufferSize: maxPayload,
    connectTimeout,
    allowEIO3: true,
    serveClient: false,
    ...(parser ? { parser } : {}),
    ...engines,
  });
  serveApp(io);
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        io.close();
        engine.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections?.();
      }),
  };
}
