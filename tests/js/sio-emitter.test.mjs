// socket.io's "Redis emitter" page: a process that is not a Socket.IO
// server (`@socket.io/redis-emitter`) emits through Redis to the clients of
// the servers on it (`@socket.io/redis-adapter`). The same steps against a
// socket.io 4.8 server and a wsframe/socket.io one, each on its own
// `redis-server` the test starts; both must observe the same.
import { test } from 'node:test';
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import { io as connectClient } from 'socket.io-client';
import { RedisServer } from '../../scripts/redis-server.mjs';
import { next, sameOnBoth, sleep } from './sio-both.mjs';

async function scenario(lib) {
  const redis = await RedisServer.start();
  const pubClient = createClient({ url: redis.url });
  const subClient = pubClient.duplicate();
  const emitterClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect(), emitterClient.connect()]);
  const httpServer = http.createServer();
  const io = new lib.Server(httpServer).adapter(createAdapter(pubClient, subClient));
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const seen = [];
  io.on('connection', (socket) => socket.join(socket.handshake.auth.rooms));
  io.of('/custom');
  io.on('ping', (...args) => seen.push(['server', 'ping', ...args]));
  const clients = {};
  try {
    for (const [name, nsp, rooms] of [['a', '/', ['room1']], ['b', '/', ['room1', 'room2']], ['c', '/custom', []]]) {
      const client = connectClient(`${url}${nsp}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { rooms } });
      client.onAny((ev, ...args) => seen.push([name, ev, ...args.map((a) => (Buffer.isBuffer(a) || a instanceof ArrayBuffer ? [...new Uint8Array(a)] : a))]));
      client.on('disconnect', (reason) => seen.push([name, 'disconnect', reason]));
      clients[name] = client;
      await next(client, 'connect');
    }
    const emitter = new Emitter(emitterClient);
    const settle = () => sleep(150);
    emitter.emit('hello', 'world');
    await settle();
    emitter.to('room1').except('room2').emit('room1 only', 1);
    await settle();
    emitter.of('/custom').emit('binary', Buffer.from([1, 2, 3]));
    await settle();
    emitter.socketsJoin('room3');
    await settle();
    emitter.to('room3').emit('joined', true);
    await settle();
    emitter.serverSideEmit('ping', 42);
    await settle();
    emitter.in('room2').disconnectSockets();
    await settle();
    return [...seen].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  } finally {
    for (const client of Object.values(clients)) client.close();
    io.close();
    await Promise.allSettled([pubClient.quit(), subClient.quit(), emitterClient.quit()]);
    await redis.stop();
  }
}

test('the Redis emitter reaches the clients of a server on the adapter, as with socket.io', { timeout: 30_000 }, () =>
  sameOnBoth('redis-emitter', scenario),
);
