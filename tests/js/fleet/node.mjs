// One node of a Socket.IO fleet, in its own process: socket.io 4.8's or
// wsframe's Server (the only difference is the import), joined to the
// others through @socket.io/redis-adapter exactly as its README shows.
// The test drives it over IPC: each message names a socket.io call to make
// on this node, and gets back what it returned.
//   node node.mjs <socket.io|wsframe> <redis url> <classic|sharded> <name>
import http from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { plain, revive } from './values.mjs';

const [impl, redisUrl, mode, name] = process.argv.slice(2);
const { Server } = await import(impl === 'wsframe' ? 'wsframe/socket.io' : 'socket.io');


// As the adapter's documentation, with the error listeners socket.io's
// guide adds (node-redis reconnects by itself; the node goes on).
const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
pubClient.on('error', (err) => console.error(`redis pub client: ${err.message}`));
subClient.on('error', (err) => console.error(`redis sub client: ${err.message}`));
await Promise.all([pubClient.connect(), subClient.connect()]);
const requestsTimeout = 1500;
const httpServer = http.createServer();
// Both documented forms: the sharded adapter's README passes it as an
// option, the classic one's calls io.adapter().
const io =
  mode === 'sharded'
    ? new Server(httpServer, { adapter: createShardedAdapter(pubClient, subClient) })
    : new Server(httpServer).adapter(createAdapter(pubClient, subClient, { requestsTimeout }));

// The application: the same code on every node.
for (const nsp of [io.of('/'), io.of('/admin')]) {
  nsp.on('connection', (socket) => {
    socket.data = { name: socket.handshake.auth.name, node: name };
    socket.on('join', (rooms, ack) => {
      socket.join(rooms);
      ack?.('joined');
    });
  });
}
io.on('greet', (...args) => {
  const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  process.send({ event: 'serverSideEmit', node: name, args });
  ack?.(`${name} got ${args[0]}`);
});

/** The broadcast operator a request selects. */
function select({ nsp = '/', to = [], except = [], local = false, volatile = false, timeout }) {
  let op = io.of(nsp);
  if (to.length) op = op.to(to);
  if (except.length) op = op.except(except);
  if (local) op = op.local;
  if (volatile) op = op.volatile;
  if (timeout !== undefined) op = op.timeout(timeout);
  return op;
}

const describeSocket = (socket) => ({
  id: socket.id,
  data: socket.data,
  rooms: [...socket.rooms].filter((room) => room !== socket.id).sort(),
  auth: socket.handshake.auth,
  hasHeaders: typeof socket.handshake.headers === 'object',
});

async function remoteSocket(request) {
  const [socket] = await io.of(request.nsp ?? '/').in(request.socketId).fetchSockets();
  if (!socket) throw new Error(`no socket ${request.socketId}`);
  return socket;
}

const operations = {
  emit: (r) => void select(r).emit(r.event, ...revive(r.args ?? [])),
  emitWithAck: async (r) => {
    try {
      return { responses: plain(await select(r).emitWithAck(r.event, ...revive(r.args ?? []))) };
    } catch (err) {
      return { error: err.message, responses: plain(err.responses) };
    }
  },
  fetchSockets: async (r) => (await select(r).fetchSockets()).map(describeSocket),
  socketsJoin: (r) => void select(r).socketsJoin(r.room),
  socketsLeave: (r) => void select(r).socketsLeave(r.room),
  disconnectSockets: (r) => void select(r).disconnectSockets(Boolean(r.close)),
  remoteEmit: async (r) => void (await remoteSocket(r)).emit(r.event, ...revive(r.args ?? [])),
  remoteEmitWithAck: async (r) => plain(await (await remoteSocket(r)).timeout(r.timeout).emitWithAck(r.event)),
  remoteJoin: async (r) => void (await remoteSocket(r)).join(r.room),
  remoteLeave: async (r) => void (await remoteSocket(r)).leave(r.room),
  remoteDisconnect: async (r) => void (await remoteSocket(r)).disconnect(Boolean(r.close)),
  serverSideEmit: (r) => void io.serverSideEmit(r.event, ...(r.args ?? [])),
  serverSideEmitCallback: (r) =>
    new Promise((resolve) => {
      io.serverSideEmit(r.event, ...(r.args ?? []), (err, responses) =>
        resolve({ error: err?.message ?? null, responses: [...responses].sort() }),
      );
    }),
  serverSideEmitWithAck: async (r) => {
    try {
      return { responses: (await io.serverSideEmitWithAck(r.event, ...(r.args ?? []))).sort() };
    } catch (err) {
      return { error: err.message, responses: err.responses };
    }
  },
  serverCount: (r) => io.of(r.nsp ?? '/').adapter.serverCount(),
  localSockets: (r) => [...io.of(r.nsp ?? '/').sockets.values()].map(describeSocket),
};

process.on('message', async (request) => {
  try {
    const value = await operations[request.op](request);
    process.send({ id: request.id, value });
  } catch (err) {
    process.send({ id: request.id, error: err.message });
  }
});

httpServer.listen(0, '127.0.0.1', () => process.send({ event: 'listening', port: httpServer.address().port }));
