// socket.io's "Connection state recovery" documentation with only the import
// changed: each scenario runs against socket.io 4.8 and wsframe/socket.io
// (sio-both.mjs), driven by socket.io-client, which sends the private id
// and the last offset it saw when it reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { both, next } from './sio-both.mjs';
import { Server, SessionAwareAdapter } from 'wsframe/socket.io';
import { SessionAwareAdapter as ForeignSessionAwareAdapter } from 'socket.io-adapter';

const RECOVERY = { serverOptions: { connectionStateRecovery: {} } };
// Long enough for the server to see the disconnect (and emit what the
// client will miss) before the client is back.
const RECONNECT = { reconnection: true, reconnectionDelay: 300, reconnectionDelayMax: 300, randomizationFactor: 0 };

/** An event's arguments with the offset socket.io appends (a string, last) checked and named. */
function withOffset(args) {
  const last = args[args.length - 1];
  return typeof last === 'string' && last.length > 0 ? [...args.slice(0, -1), '<offset>'] : [...args, '<no offset>'];
}

/** Records every event the client gets (and its 'connect'), in order. */
function record(client) {
  const seen = [];
  client.onAny((event, ...args) => seen.push([event, ...withOffset(args)]));
  client.on('connect', () => seen.push(['connect', client.recovered]));
  return seen;
}

async function recoveredAfterTransportClose({ io, connect }) {
  const out = { connections: [] };
  const disconnected = [];
  io.on('connection', (socket) => {
    out.connections.push({ recovered: socket.recovered, rooms: [...socket.rooms].map((r) => (r === socket.id ? '<id>' : r)).sort(), data: { ...socket.data } });
    if (!socket.recovered) {
      socket.join(['news', 'sports']);
      socket.data.name = 'ada';
    }
    socket.on('disconnect', (reason) => disconnected.push([socket, reason]));
  });
  const client = await connect('/', RECONNECT);
  const firstId = client.id;
  const seen = record(client);
  io.to('news').emit('a', 1);
  await next(client, 'a');
  const [serverSocket] = io.of('/').sockets.values();
  const gone = new Promise((resolve) => serverSocket.once('disconnect', (reason) => {
    // While the client is away: stored for its rooms, or not.
    io.to('news').emit('b', 2);
    io.emit('c', { n: 3 });
    io.to('elsewhere').emit('not for it');
    io.except('sports').emit('not for it either');
    io.volatile.emit('volatile, not stored');
    io.timeout(50).emit('with an ack, not stored', () => {});
    serverSocket.emit('to its id', 4);
    resolve(reason);
  }));
  client.io.engine.close();
  out.reason = await gone;
  await next(client, 'connect');
  io.to('sports').emit('after', 5);
  await next(client, 'after');
  out.seen = seen;
  out.sameId = client.id === firstId;
  out.recoveredOnClient = client.recovered;
  const [restored] = io.of('/').sockets.values();
  out.restoredId = restored.id === firstId;
  out.rooms = [...restored.rooms].map((r) => (r === restored.id ? '<id>' : r)).sort();
  out.data = restored.data;
  out.adapterRooms = [...io.of('/').adapter.rooms.keys()].map((r) => (r === restored.id ? '<id>' : r)).sort();
  return out;
}

both('a client that lost its connection gets its id, rooms, data and the events it missed back', recoveredAfterTransportClose, RECOVERY);

// An adapter written for socket.io: socket.io-adapter's own SessionAwareAdapter.
both('the same with socket.io-adapter\'s SessionAwareAdapter given as the adapter', recoveredAfterTransportClose, {
  serverOptions: { connectionStateRecovery: {}, adapter: ForeignSessionAwareAdapter },
});

both('a session that cannot be recovered connects as a new one', async ({ io, connect }) => {
  const out = {};
  io.on('connection', (socket) => {
    out.recovered = socket.recovered;
    out.auth = socket.handshake.auth;
  });
  // A private id the server never gave, and an offset it never sent.
  const client = await connect('/', { auth: { pid: 'not-a-session', offset: 'not-an-offset', token: 't' } });
  out.clientRecovered = client.recovered;
  // The pid in the CONNECT answer is a new one: a later reconnection could use it.
  out.hasPid = typeof client._pid === 'string' && client._pid.length > 0 && client._pid !== 'not-a-session';
  return out;
}, RECOVERY);

both('middlewares run for a recovered socket when skipMiddlewares is false, and may refuse it', async ({ io, connect }) => {
  const out = { middleware: [] };
  let refuse = false;
  io.use((socket, next) => {
    out.middleware.push(socket.recovered);
    next(refuse ? Object.assign(new Error('no more'), { data: { retry: false } }) : undefined);
  });
  io.on('connection', (socket) => socket.join('room'));
  const client = await connect('/', RECONNECT);
  // The client asks for its session back only once it has an offset.
  io.emit('hello');
  await next(client, 'hello');
  const [serverSocket] = io.of('/').sockets.values();
  const gone = new Promise((resolve) => serverSocket.once('disconnect', resolve));
  client.io.engine.close();
  await gone;
  await next(client, 'connect');
  out.recovered = client.recovered;
  const [again] = io.of('/').sockets.values();
  const goneAgain = new Promise((resolve) => again.once('disconnect', resolve));
  refuse = true;
  client.io.engine.close();
  await goneAgain;
  const [error] = await next(client, 'connect_error');
  out.error = [error.message, error.data];
  client.io.reconnection(false);
  return out;
}, { serverOptions: { connectionStateRecovery: { skipMiddlewares: false } } });

both('without recovery, events carry no offset and the CONNECT answer no pid; an event from a middleware comes before connect', async ({ io, connect }) => {
  io.use((socket, next) => {
    socket.emit('early', 1);
    next();
  });
  io.on('connection', (socket) => socket.emit('late', 2));
  const client = await connect('/', { wait: false });
  const seen = [];
  client.onAny((event, ...args) => seen.push([event, ...args]));
  client.on('connect', () => seen.push(['connect']));
  await next(client, 'late');
  return { seen, pid: client._pid ?? null };
});

test('connectionStateRecovery: socket.io\'s defaults in io.opts, SessionAwareAdapter by default, options checked', async () => {
  const given = { connectionStateRecovery: {} };
  const io = new Server(given);
  assert.deepEqual(io.opts.connectionStateRecovery, { maxDisconnectionDuration: 120000, skipMiddlewares: true });
  assert.ok(io.of('/').adapter instanceof SessionAwareAdapter);
  const plain = new Server({});
  assert.ok(!(plain.of('/').adapter instanceof SessionAwareAdapter));
  assert.equal(new Server({ connectionStateRecovery: { maxDisconnectionDuration: 1000 } }).of('/').adapter.maxDisconnectionDuration, 1000);
  assert.throws(() => new Server({ connectionStateRecovery: { maxDisconnectionDuration: -1 } }), /maxDisconnectionDuration/);
  await Promise.all([io.close(), plain.close()]);
});

test('SessionAwareAdapter: sessions past maxDisconnectionDuration, and offsets no longer held, are not restored', async () => {
  const io = new Server({ connectionStateRecovery: { maxDisconnectionDuration: 1000 } });
  const adapter = io.of('/').adapter;
  const opts = (rooms, except = []) => ({ rooms: new Set(rooms), except: new Set(except), flags: {} });
  adapter.broadcast({ type: 2, data: ['first'] }, opts([]));
  const offset = adapter.packets[0].id;
  adapter.broadcast({ type: 2, data: ['for a'] }, opts(['a']));
  adapter.broadcast({ type: 2, data: ['not for b'] }, opts([], ['b']));
  adapter.broadcast({ type: 2, data: ['for c'] }, opts(['c']));
  adapter.broadcast({ type: 2, data: ['acked'], id: 7 }, opts([]));
  adapter.broadcast({ type: 2, data: ['volatile'] }, { ...opts([]), flags: { volatile: true } });
  assert.equal(adapter.packets.length, 4, 'acked and volatile events are not stored');
  assert.equal(new Set(adapter.packets.map((p) => p.id)).size, 4, 'offsets are unique');
  adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['s1', 'a', 'b'], data: { x: 1 } });
  const session = await adapter.restoreSession('p1', offset);
  assert.deepEqual(session.missedPackets.map((data) => data[0]), ['for a']);
  assert.deepEqual([session.sid, session.rooms, session.data], ['s1', ['s1', 'a', 'b'], { x: 1 }]);
  assert.equal(await adapter.restoreSession('p1', 'unknown offset'), null);
  assert.equal(await adapter.restoreSession('unknown pid', offset), null);
  adapter.sessions.get('p1').disconnectedAt -= 1001;
  assert.equal(await adapter.restoreSession('p1', offset), null, 'expired');
  assert.equal(adapter.sessions.has('p1'), false);
  await io.close();
});
