// `io.engine` as socket.io's "The Server instance" page and the "How to deal
// with cookies" guide use it: 'connection_error' for every refused request
// (code, message, context), 'initial_headers' and 'headers' (the listener's
// changes reach the response), and `generateId`. Each scenario runs against
// socket.io 4.8 and wsframe/socket.io (sio-both.mjs), which must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { upgradeRequest } from './eio-helpers.mjs';
import { both, next } from './sio-both.mjs';
import { Server as EngineIoReference } from 'engine.io';
import * as socketIo from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { EngineIoServer, Server } from 'wsframe/socket.io';

const fetchText = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
};

/** A polling session opened by hand: its id. */
async function pollingSession(url) {
  const { body } = await fetchText(`${url}/socket.io/?EIO=4&transport=polling`);
  return JSON.parse(body.slice(1)).sid;
}

both('io.engine.on("connection_error"): code, message and context of every refused request', async ({ io, url }) => {
  const errors = [];
  let sid;
  io.engine.on('connection_error', (err) => {
    const { error, ...context } = err.context;
    errors.push({ url: err.req.url.replace(sid, '<sid>'), code: err.code, message: err.message, context, error: error !== undefined });
  });
  sid = await pollingSession(url);
  const answers = {
    unknownTransport: await fetchText(`${url}/socket.io/?EIO=4&transport=carrier-pigeon`),
    unknownSid: await fetchText(`${url}/socket.io/?EIO=4&transport=polling&sid=nope`),
    unknownSidPost: await fetchText(`${url}/socket.io/?EIO=4&transport=polling&sid=nope`, { method: 'POST', body: '40' }),
    eio3: await fetchText(`${url}/socket.io/?EIO=3&transport=polling`),
    badMethod: await fetchText(`${url}/socket.io/?EIO=4&transport=polling`, { method: 'PUT' }),
    wsHandshakeOverHttp: await fetchText(`${url}/socket.io/?EIO=4&transport=websocket`),
    transportMismatch: await fetchText(`${url}/socket.io/?EIO=4&transport=websocket&sid=${sid}`),
    upgradeUnknownSid: await upgradeRequest(url, '/socket.io/?EIO=4&transport=websocket&sid=nope'),
  };
  // socket.io answers this one 101, then writes its 400 onto the WebSocket;
  // wsframe answers 400 (README): only the event is compared.
  await upgradeRequest(url, '/socket.io/?EIO=3&transport=websocket');
  const shown = Object.fromEntries(Object.entries(answers).map(([k, { status, body }]) => [k, [status, body]]));
  return { shown, errors };
}, { transports: ['websocket'] });

both('io.engine.on("initial_headers" / "headers"): every response of a session, the listeners\' headers sent', async ({ io, url }) => {
  const seen = [];
  const label = (req) => {
    const q = new URL(req.url, 'http://x').searchParams;
    return [req.method, q.get('transport'), q.has('sid') ? 'sid' : '-'];
  };
  io.engine.on('initial_headers', (headers, req) => {
    seen.push(['initial_headers', ...label(req)]);
    headers['set-cookie'] = 'uid=1234; SameSite=Strict';
  });
  io.engine.on('headers', (headers, req) => {
    seen.push(['headers', ...label(req), Object.keys(headers).map((k) => k.toLowerCase()).sort()]);
    headers['x-request-seen'] = 'yes';
  });
  const handshake = await fetchText(`${url}/socket.io/?EIO=4&transport=polling`);
  const sid = JSON.parse(handshake.body.slice(1)).sid;
  const base = `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const post = await fetchText(base, { method: 'POST', body: '40' });
  const poll = await fetchText(base);
  const probe = await upgradeRequest(url, `/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  const wsOnly = await upgradeRequest(url, '/socket.io/?EIO=4&transport=websocket');
  // Refused requests tell neither event.
  await fetchText(`${url}/socket.io/?EIO=4&transport=polling&sid=nope`);
  await upgradeRequest(url, '/socket.io/?EIO=4&transport=websocket&sid=nope');
  const sent = (r) => [r.status, r.headers['set-cookie'] ?? null, r.headers['x-request-seen'] ?? null];
  return { seen, handshake: sent(handshake), post: sent(post), poll: sent(poll), probe: sent(probe), wsOnly: sent(wsOnly) };
}, { transports: ['websocket'] });

both('io.engine.generateId: a custom session id, sync or async, over either transport', async ({ io, connect, transports }) => {
  let n = 0;
  io.engine.generateId = (req) => (n++ % 2 ? Promise.resolve(`custom-${n}-${req.method}`) : `custom-${n}-${req.method}`);
  const ids = [];
  io.on('connection', (socket) => ids.push(socket.conn.id));
  const first = await connect();
  const second = await connect();
  return { ids, clients: [first.io.engine.id, second.io.engine.id], transports };
});

both('io.engine.generateId that throws or rejects: 400 and connection_error ID_GENERATION_ERROR', async ({ io, connect, url }) => {
  const errors = [];
  io.engine.on('connection_error', (err) => errors.push([err.code, err.message, err.context.name, err.context.error?.message]));
  io.engine.generateId = () => {
    throw new Error('no ids today');
  };
  const thrown = await fetchText(`${url}/socket.io/?EIO=4&transport=polling`);
  io.engine.generateId = () => Promise.reject(new Error('none tomorrow'));
  const rejected = await fetchText(`${url}/socket.io/?EIO=4&transport=polling`);
  const client = await connect('/', { wait: false });
  const [err] = await next(client, 'connect_error');
  return { thrown: [thrown.status, thrown.body], rejected: [rejected.status, rejected.body], clientError: err.message, errors: errors.slice(0, 2) };
}, { transports: ['polling'] });

test('generateId: an id a session already has, or that is not 1-128 cookie characters, is refused with 400 (wsframe)', async () => {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  try {
    const errors = [];
    io.engine.on('connection_error', (err) => errors.push([err.code, err.context.name]));
    const ids = ['taken', 'taken', 'has space', 'semi;colon', 'x'.repeat(129), 'ok:1/2'];
    io.engine.generateId = () => ids.shift();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetchText(`${url}/socket.io/?EIO=4&transport=polling`)).status);
    assert.deepEqual(statuses, [200, 400, 400, 400, 400, 200]);
    assert.deepEqual(errors, Array(4).fill([3, 'ID_GENERATION_ERROR']));
    assert.deepEqual([...Object.keys(io.engine.clients)].sort(), ['ok:1/2', 'taken']);
  } finally {
    io.close();
    httpServer.close();
  }
});

test('EngineIoServer as engine.io 6\'s Server: generateId, initial_headers/headers, connection_error', async () => {
  const run = async (Engine) => {
    const httpServer = http.createServer();
    const engine = new Engine();
    engine.attach(httpServer);
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${httpServer.address().port}`;
    const seen = [];
    engine.generateId = async () => 'eio-chosen';
    engine.on('initial_headers', (headers) => {
      seen.push('initial_headers');
      headers['x-first'] = '1';
    });
    engine.on('headers', (headers) => {
      seen.push('headers');
      headers['x-every'] = '1';
    });
    engine.on('connection', (socket) => seen.push(`connection ${socket.id}`));
    engine.on('connection_error', (err) => seen.push(`connection_error ${err.code} ${JSON.stringify(err.context)}`));
    const handshake = await fetchText(`${url}/engine.io/?EIO=4&transport=polling`);
    const refused = await fetchText(`${url}/engine.io/?EIO=4&transport=polling&sid=nope`);
    engine.close();
    httpServer.close();
    return { seen, handshake: [handshake.status, handshake.body.slice(0, 20), handshake.headers['x-first'], handshake.headers['x-every']], refused: refused.status };
  };
  assert.deepEqual(await run(EngineIoServer), await run(EngineIoReference));
});

/** Bytes the client's WebSocket read while `action` ran and `event` arrived. */
async function bytesFor(client, event, action) {
  const socket = client.io.engine.transport.ws._socket;
  const before = socket.bytesRead;
  const arrived = next(client, event);
  action();
  await arrived;
  return socket.bytesRead - before;
}

// socket.io's documentation: `compress(false)` is a modifier under which
// the next event is not compressed. socket.io 4.8's WebSocket transport (engine.io 6.6) no
// longer hands the flag to ws, so there every such event is compressed
// anyway; wsframe does what the documentation says (README). The test
// checks both, so that it notices if socket.io changes.
test('compress(false): the event goes without permessage-deflate, to one socket and to a room', async () => {
  const big = 'abcd'.repeat(4096);
  const run = async (lib) => {
    const httpServer = http.createServer();
    const io = new lib.Server(httpServer, { perMessageDeflate: true });
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    let server;
    io.on('connection', (socket) => {
      server = socket;
      socket.join('room');
    });
    const client = connectClient(`http://127.0.0.1:${httpServer.address().port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      await next(client, 'connect');
      const sizes = {
        emit: await bytesFor(client, 'big', () => server.emit('big', big)),
        emitUncompressed: await bytesFor(client, 'big', () => server.compress(false).emit('big', big)),
        room: await bytesFor(client, 'big', () => io.to('room').emit('big', big)),
        roomUncompressed: await bytesFor(client, 'big', () => io.to('room').compress(false).emit('big', big)),
        afterwards: await bytesFor(client, 'big', () => server.emit('big', big)),
      };
      return Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, n > big.length ? 'whole' : 'compressed']));
    } finally {
      client.close();
      io.close();
    }
  };
  const compressed = { emit: 'compressed', room: 'compressed', afterwards: 'compressed' };
  assert.deepEqual(await run(socketIo), { ...compressed, emitUncompressed: 'compressed', roomUncompressed: 'compressed' });
  assert.deepEqual(await run({ Server }), { ...compressed, emitUncompressed: 'whole', roomUncompressed: 'whole' });
});

both('compress(false) over polling: the answer holding only such packets is not gzipped', async ({ io, url }) => {
  const big = 'abcd'.repeat(4096);
  io.on('connection', (socket) => socket.on('go', (compress) => socket.compress(compress).emit('big', big)));
  const sid = await pollingSession(url);
  const base = `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  await fetchText(base, { method: 'POST', body: '40' });
  await fetchText(base);
  const encodings = [];
  for (const compress of [false, true]) {
    await fetchText(base, { method: 'POST', body: `42["go",${compress}]` });
    const res = await fetch(base, { headers: { 'accept-encoding': 'gzip' } });
    encodings.push([compress, res.headers.get('content-encoding'), (await res.text()).length > big.length]);
  }
  return encodings;
}, { transports: ['websocket'] });

test('initialPacket: the message after the open packet, text or binary, polling or WebSocket (EngineIoServer as engine.io)', async () => {
  const run = async (Engine, initialPacket) => {
    const httpServer = http.createServer();
    const engine = new Engine({ initialPacket });
    engine.attach(httpServer);
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${httpServer.address().port}`;
    try {
      const { body } = await fetchText(`${url}/engine.io/?EIO=4&transport=polling`);
      const [open, ...rest] = body.split('\x1e');
      const ws = new (await import('ws')).default(`${url.replace('http', 'ws')}/engine.io/?EIO=4&transport=websocket`);
      const messages = await new Promise((resolve, reject) => {
        const got = [];
        ws.on('message', (data, isBinary) => {
          got.push(isBinary ? [...data] : data.toString().replace(/"sid":"[^"]+"/, '"sid":"…"'));
          if (got.length === 2) resolve(got);
        });
        ws.on('error', reject);
      });
      ws.terminate();
      return { polling: [open.replace(/"sid":"[^"]+"/, '"sid":"…"'), ...rest], websocket: messages };
    } finally {
      engine.close();
      httpServer.close();
    }
  };
  for (const initialPacket of ['welcome', Buffer.from([1, 2, 3])]) {
    assert.deepEqual(await run(EngineIoServer, initialPacket), await run(EngineIoReference, initialPacket));
  }
});

both('initialPacket on a Socket.IO server: the client reads it as a Socket.IO packet', async ({ connect }) => {
  const client = await connect('/', { wait: false });
  const [ev, ...args] = await new Promise((resolve) => client.onAny((...got) => resolve(got)));
  return { ev, args };
}, { serverOptions: { initialPacket: '2["hello","from the handshake"]' } });

both('socket.conn: "packet", "packetCreate", "heartbeat" and "drain", as the Socket instance page shows them', async ({ io, connect }) => {
  const seen = [];
  const shown = (data) => (data === undefined ? null : typeof data === 'string' ? data : [...data]);
  let drains = 0;
  io.on('connection', (socket) => {
    socket.conn.on('packet', ({ type, data }) => seen.push(['packet', type, shown(data)]));
    // (socket.io's broadcasts add their pre-encoded frames to the options.)
    socket.conn.on('packetCreate', ({ type, data, options }) => seen.push(['packetCreate', type, shown(data), options.compress]));
    socket.conn.on('heartbeat', () => seen.push(['heartbeat']));
    socket.conn.on('drain', () => drains++);
    socket.on('hello', (text, callback) => callback(`hi ${text}`));
    socket.on('news?', () => socket.emit('news', Buffer.from([1, 2, 3])));
  });
  const client = await connect();
  await client.emitWithAck('hello', 'there');
  client.emit('news?');
  await next(client, 'news');
  io.of('/').compress(false).emit('quiet', 1);
  await next(client, 'quiet');
  await next(client.io.engine, 'ping');
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { seen, drained: drains > 0 };
}, { serverOptions: { pingInterval: 300, pingTimeout: 1000 } });
