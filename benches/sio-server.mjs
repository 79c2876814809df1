// The Socket.IO server of the end-to-end benchmarks, the same code for
// socket.io 4.8 (on ws + bufferutil) and wsframe/socket.io (the import is
// the only difference): `node benches/sio-server.mjs --impl socket.io|wsframe`.
// Every client joins "bench"; "ping" is acknowledged with its argument;
// "fanout" emits "news" to the room and acknowledges with the count. Prints
// `{"port":N}` once listening; each line "memory" on stdin is answered with
// `{"rss":B,…}` after a full garbage collection (run it with --expose-gc).
// With `--redis URL`, the node joins the others on that Redis through
// @socket.io/redis-adapter (the room's broadcast then reaches every node).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { answerControl } from './server-control.mjs';

const { values } = parseArgs({ options: { impl: { type: 'string', default: 'wsframe' }, redis: { type: 'string' } } });
const modules = { 'socket.io': 'socket.io', wsframe: 'wsframe/socket.io' };
const { Server } = await import(modules[values.impl]);
const wasmMemorySize = values.impl === 'wsframe' ? (await import('wsframe')).wasmMemorySize : undefined;

const httpServer = http.createServer();
// Long heartbeats: the benchmark measures messages, not pings.
const io = new Server(httpServer, { serveClient: false, pingInterval: 60_000, pingTimeout: 60_000, transports: ['websocket'] });
if (values.redis) {
  const pubClient = createClient({ url: values.redis });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  io.adapter(createAdapter(pubClient, subClient));
}
io.on('connection', (socket) => {
  socket.join('bench');
  socket.on('ping', (data, ack) => ack(data));
  socket.on('fanout', (data, ack) => {
    io.to('bench').emit('news', data);
    ack(io.of('/').adapter.rooms.get('bench')?.size ?? 0);
  });
});
httpServer.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: httpServer.address().port })));
answerControl(wasmMemorySize);
