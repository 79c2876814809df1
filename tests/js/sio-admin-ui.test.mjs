// socket.io's Admin UI (`@socket.io/admin-ui`, its `instrument(io)` as the
// "Admin UI" page shows it) on wsframe/socket.io: what the dashboard
// receives (the features, the sockets, their rooms, data and events, the
// server's statistics from the per-packet events) must be what it receives
// from socket.io 4.8 for the same application and clients.
import { test } from 'node:test';
import http from 'node:http';
import { instrument } from '@socket.io/admin-ui';
import { io as connectClient } from 'socket.io-client';
import { TRANSPORTS, next, sameOnBoth, sleep } from './sio-both.mjs';

async function scenario(lib, transports) {
  const httpServer = http.createServer();
  const io = new lib.Server(httpServer);
  instrument(io, { auth: false, mode: 'development' });
  io.on('connection', (socket) => {
    socket.join('lobby');
    socket.data.name = 'bob';
    socket.on('hi', (n) => socket.emit('yo', n + 1));
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const clients = [];
  const client = (nsp) => {
    const c = connectClient(`${url}${nsp}`, { transports, forceNew: true, reconnection: false });
    clients.push(c);
    return c;
  };
  try {
    const admin = client('/admin');
    const got = [];
    const ids = new Map();
    // Socket ids differ from run to run: each is shown as the order it was first seen in.
    const id = (value) => {
      if (!ids.has(value)) ids.set(value, `socket${ids.size}`);
      return ids.get(value);
    };
    const config = next(admin, 'config');
    const allSockets = next(admin, 'all_sockets');
    for (const ev of ['socket_connected', 'socket_updated', 'room_joined', 'event_received', 'event_sent', 'socket_disconnected']) {
      admin.on(ev, (...args) => got.push([ev, ...args.slice(0, -1).map((a) => (typeof a === 'string' && a.length === 20 ? id(a) : a))]));
    }
    const stats = [];
    admin.on('server_stats', (s) => stats.push(s));
    const [{ supportedFeatures }] = await config;
    const [initial] = await allSockets;
    // The dashboard's own upgrade first, so the order of what follows does not depend on timing.
    if (transports.length > 1 && admin.io.engine.transport.name !== 'websocket') await next(admin.io.engine, 'upgrade');
    await sleep(100);
    const user = client('/');
    await next(user, 'connect');
    if (transports.length > 1 && user.io.engine.transport.name !== 'websocket') await next(user.io.engine, 'upgrade');
    user.emit('hi', 1);
    await next(user, 'yo');
    // The dashboard's "join" on one socket, then its disconnect.
    admin.emit('join', '/', 'vip', user.id);
    await sleep(100);
    admin.emit('_disconnect', '/', false, user.id);
    await next(user, 'disconnect');
    // The statistics go out every 2 s: wait for one that saw all of this.
    const before = stats.length;
    while (stats.length === before) await sleep(100);
    const last = stats[stats.length - 1];
    const totals = {};
    for (const s of stats) {
      for (const e of s.aggregatedEvents) totals[e.type] = (totals[e.type] ?? 0) + e.count;
    }
    const socketConnected = got.find(([ev, s]) => ev === 'socket_connected' && s.nsp === '/');
    return {
      supportedFeatures,
      initial: initial.map((s) => [s.nsp, s.rooms.length, s.data]),
      events: got.filter(([ev]) => ev !== 'socket_connected').map((e) => JSON.stringify(e)),
      connected: socketConnected && {
        rooms: socketConnected[1].rooms.length,
        data: socketConnected[1].data,
        transport: socketConnected[1].transport,
        handshake: Object.keys(socketConnected[1].handshake).sort(),
      },
      stats: { clientsCount: last.clientsCount, namespaces: last.namespaces, totals },
    };
  } finally {
    for (const c of clients) c.close();
    io.close();
  }
}

for (const [name, transports] of Object.entries(TRANSPORTS)) {
  test(`the Admin UI's view of an application (${name})`, { timeout: 30_000 }, () =>
    sameOnBoth(`admin-ui ${name}`, (lib) => scenario(lib, transports)),
  );
}
