// socket.io's `parser` option ("Custom parser" in socket.io's docs): the
// same scenarios against socket.io 4.8 and wsframe/socket.io, each with the
// parser on both sides, and wsframe's observations must equal socket.io's.
// Parsers: socket.io-msgpack-parser (the docs' first example, binary
// messages, Dates and Buffers anywhere in the data) and the docs' JSON
// parser written out (text messages, its own validation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as msgpackParser from 'socket.io-msgpack-parser';
import * as wsframeParser from 'wsframe/socket.io-parser';
import { Server } from 'wsframe/socket.io';
import { both, next, sleep } from './sio-both.mjs';

/** The parser of the "Implementing your own parser" section: one JSON text per packet. */
const jsonParser = {
  Encoder: class {
    encode(packet) {
      return [JSON.stringify(packet)];
    }
  },
  Decoder: class extends EventEmitter {
    add(chunk) {
      const packet = JSON.parse(chunk);
      if (!jsonPacketValid(packet)) throw new Error('invalid format');
      this.emit('decoded', packet);
    }
    destroy() {}
  },
};

function jsonPacketValid({ type, data, nsp, id }) {
  if (typeof nsp !== 'string' || !(id === undefined || Number.isInteger(id))) return false;
  switch (type) {
    case 0:
      return data === undefined || typeof data === 'object';
    case 1:
      return data === undefined;
    case 2:
      return Array.isArray(data) && data.length > 0;
    case 3:
      return Array.isArray(data);
    case 4:
      return typeof data === 'object';
    default:
      return false;
  }
}

/** Values as they arrived, Buffers and Dates named (deepEqual would not tell them apart in JSON). */
function shape(value) {
  if (Buffer.isBuffer(value)) return { buffer: [...value] };
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return { bytes: [...new Uint8Array(value)] };
  if (value instanceof Date) return { date: value.toISOString() };
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value;
}

both('socket.io-msgpack-parser: the docs\' example, binary data, Dates and acks both ways', async ({ io, connect }) => {
  const seen = [];
  io.on('connection', (socket) => {
    seen.push(['auth', shape(socket.handshake.auth)]);
    socket.on('hello', (...args) => seen.push(['hello', shape(args)]));
    socket.on('with-ack', (a, b, ack) => {
      seen.push(['with-ack', shape([a, b])]);
      ack({ at: new Date(0), bytes: Buffer.from([9, 8]) }, 'second');
    });
    socket.emit('welcome', { n: 1, nested: [Buffer.from('hi')] }, (...answer) => seen.push(['client answered', shape(answer)]));
  });
  const client = await connect('/', { parser: msgpackParser, auth: { token: 'abc', bin: Buffer.from([1]) }, wait: false });
  // Listening before the CONNECT answer: the welcome follows it at once.
  const welcome = await new Promise((resolve) => client.once('welcome', (data, ack) => {
    ack('thanks', Buffer.from([7]));
    resolve(data);
  }));
  client.emit('hello');
  client.emit('hello', 'you', 42, null, [true]);
  const answer = await client.emitWithAck('with-ack', new Date(1000), { deep: { er: Buffer.from([3, 4]) } });
  await sleep(50);
  return { seen, welcome: shape(welcome), answer: shape(answer), id: client.id === [...io.sockets.sockets.keys()][0] };
}, { serverOptions: { parser: msgpackParser } });

both('socket.io-msgpack-parser: middleware refusals, namespaces, rooms, broadcasts with acks, disconnects', async ({ io, connect }) => {
  const seen = [];
  io.use((socket, next) => {
    if (socket.handshake.auth.token === 'ok') next();
    else next(Object.assign(new Error('not authorized'), { data: { code: 7, raw: Buffer.from([5]) } }));
  });
  io.of('/admin').on('connection', (socket) => seen.push(['admin', shape(socket.handshake.auth)]));
  io.on('connection', (socket) => {
    socket.join(socket.handshake.auth.room);
    socket.on('disconnect', (reason) => seen.push(['disconnect', socket.handshake.auth.room, reason]));
    socket.on('kick', () => socket.disconnect());
  });
  const refused = await connect('/', { parser: msgpackParser, auth: { token: 'no' }, wait: false });
  const [err] = await next(refused, 'connect_error');
  seen.push(['connect_error', err.message, shape(err.data)]);
  const unknown = await connect('/nowhere', { parser: msgpackParser, auth: { token: 'ok' }, wait: false });
  const [unknownErr] = await next(unknown, 'connect_error');
  seen.push(['unknown namespace', unknownErr.message]);
  const a = await connect('/', { parser: msgpackParser, auth: { token: 'ok', room: 'a' } });
  const b = await connect('/', { parser: msgpackParser, auth: { token: 'ok', room: 'b' } });
  await connect('/admin', { parser: msgpackParser, auth: { token: 'ok', admin: true } });
  const got = { a: [], b: [] };
  for (const [name, client] of Object.entries({ a, b })) {
    client.on('news', (...args) => got[name].push(shape(args)));
    client.on('question', (q, ack) => ack(`${name}:${q}`, Buffer.from(name)));
  }
  io.to('a').emit('news', 'only a', Buffer.from([1]));
  io.except('a').emit('news', 'all but a');
  io.emit('news', { everyone: new Date(0) });
  const answers = await io.timeout(2000).emitWithAck('question', 'q1');
  seen.push(['answers', shape(answers).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))]);
  await sleep(50);
  a.emit('kick');
  const [reason] = await next(a, 'disconnect');
  b.disconnect();
  await sleep(100);
  return { seen, got, reason };
}, { serverOptions: { parser: msgpackParser } });

both('the docs\' JSON parser: text messages, and a message it cannot decode', async ({ io, connect }) => {
  const seen = [];
  io.on('connection', (socket) => {
    socket.on('error', (err) => seen.push(['error', err.message]));
    socket.on('disconnect', (reason) => seen.push(['disconnect', reason]));
    socket.on('echo', (value, ack) => ack(value));
  });
  const client = await connect('/', { parser: jsonParser });
  seen.push(['echo', await client.emitWithAck('echo', { a: [1, 'é', null] })]);
  // A raw Engine.IO message that is not JSON: the server's Decoder throws.
  client.io.engine.write('not json');
  await next(client, 'disconnect');
  await sleep(100);
  return seen;
}, { serverOptions: { parser: jsonParser } });

both('wsframe/socket.io-parser as the parser: the default wire', async ({ io, connect }) => {
  io.on('connection', (socket) => socket.on('echo', (value, ack) => ack(value)));
  const client = await connect('/', { parser: wsframeParser });
  return shape(await client.emitWithAck('echo', { bin: Buffer.from([1, 2]), n: 1 }));
}, { serverOptions: { parser: wsframeParser } });

test('a parser without an Encoder and a Decoder class is refused', () => {
  assert.throws(() => new Server({ parser: {} }), /"parser" option is a module with an Encoder and a Decoder/);
  assert.throws(() => new Server({ parser: { Encoder: class {} } }), /"parser" option/);
});
