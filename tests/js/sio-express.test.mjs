// socket.io's "How to use with express-session" guide, with only the import
// changed: an Express app and the Socket.IO server share one session
// through `io.engine.use(sessionMiddleware)`. Each step runs against
// socket.io 4.8 and wsframe/socket.io, over polling then upgrade and over
// WebSocket only, and both must observe the same.
import { test } from 'node:test';
import http from 'node:http';
import express from 'express';
import session from 'express-session';
import { io as connectClient } from 'socket.io-client';
import { upgradeRequest } from './eio-helpers.mjs';
import { TRANSPORTS, next, sameOnBoth } from './sio-both.mjs';

/** The guide's application on `lib`'s Server. */
async function startApp(lib) {
  const app = express();
  const httpServer = http.createServer(app);
  const sessionMiddleware = session({ secret: 'changeit', resave: true, saveUninitialized: true });
  app.use(sessionMiddleware);
  const io = new lib.Server(httpServer);
  app.post('/incr', (req, res) => {
    const session = req.session;
    session.count = (session.count || 0) + 1;
    res.status(200).end('' + session.count);
    io.to(session.id).emit('current count', session.count);
  });
  app.post('/logout', (req, res) => {
    const sessionId = req.session.id;
    req.session.destroy(() => {
      // disconnect all Socket.IO connections linked to this session ID
      io.in(sessionId).disconnectSockets();
      res.status(204).end();
    });
  });
  io.engine.use(sessionMiddleware);
  io.on('connection', (socket) => {
    const req = socket.request;
    socket.join(req.session.id);
    // "Modifying the session": reloaded and saved by hand.
    socket.on('incr', (callback) => {
      req.session.reload((err) => {
        if (err) return socket.disconnect();
        req.session.count++;
        req.session.save();
        callback(req.session.count);
      });
    });
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return { io, httpServer, url: `http://127.0.0.1:${httpServer.address().port}` };
}

/** A raw WebSocket upgrade to the Socket.IO path: whether its 101 sets the session cookie. */
async function upgradeSetsCookie(url) {
  const { status, headers } = await upgradeRequest(url, '/socket.io/?EIO=4&transport=websocket');
  return [status, status === 101 ? String(headers['set-cookie'] ?? '').startsWith('connect.sid=') : null];
}

async function scenario(lib, transports) {
  const { io, httpServer, url } = await startApp(lib);
  const clients = [];
  try {
    const first = await fetch(`${url}/incr`, { method: 'POST' });
    const cookie = first.headers.get('set-cookie').split(';')[0];
    const seen = { first: await first.text() };
    const client = connectClient(url, { transports, forceNew: true, reconnection: false, extraHeaders: { cookie } });
    clients.push(client);
    const counts = [];
    client.on('current count', (count) => counts.push(count));
    await next(client, 'connect');
    const post = async (path) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { cookie } });
      return [res.status, await res.text()];
    };
    seen.incr = await post('/incr');
    seen.fromSocket = await client.timeout(2000).emitWithAck('incr');
    seen.afterSocket = await post('/incr');
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen.counts = counts;
    const disconnected = next(client, 'disconnect');
    seen.logout = await post('/logout');
    seen.disconnect = (await disconnected)[0];
    seen.upgradeWithoutCookie = await upgradeSetsCookie(url);
    return seen;
  } finally {
    for (const client of clients) client.close();
    io.close();
    httpServer.closeAllConnections?.();
  }
}

for (const [name, transports] of Object.entries(TRANSPORTS)) {
  test(`the express-session guide: one session for Express and Socket.IO (${name})`, { timeout: 30_000 }, () =>
    sameOnBoth(`express-session ${name}`, (lib) => scenario(lib, transports)),
  );
}
