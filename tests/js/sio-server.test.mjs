// socket.io's documented server examples ("Emit cheatsheet", "Rooms",
// "Middlewares", "Namespaces", acknowledgements with timeouts,
// `fetchSockets`, the handshake, attaching to an HTTP server) with only the
// import changed: every scenario runs against socket.io 4.8 and against
// wsframe/socket.io, and both must observe the same (sio-both.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { both, next, sleep } from './sio-both.mjs';
import { request } from './eio-helpers.mjs';
import { Server } from 'wsframe/socket.io';

/** Collects `event` on each client as [label, ...args], for `ms`. */
function collect(clients, event) {
  const got = [];
  for (const [label, client] of Object.entries(clients)) client.on(event, (...args) => got.push([label, ...args]));
  return got;
}

const sorted = (list) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

both('emit cheatsheet: to one, to all, to all but the sender, rooms, except, to a socket id', async ({ io, connect }) => {
  const sockets = [];
  io.on('connection', (socket) => sockets.push(socket));
  const clients = { a: await connect(), b: await connect(), c: await connect() };
  const byId = Object.fromEntries(Object.entries(clients).map(([label, c]) => [c.id, label]));
  const server = Object.fromEntries(sockets.map((s) => [byId[s.id], s]));
  server.a.join('game');
  server.b.join(['game', 'lobby']);
  server.c.join('lobby');
  const got = collect(clients, 'news');
  server.a.emit('news', 'basic', 1, 2, 'abc');
  io.emit('news', 'everyone');
  server.a.broadcast.emit('news', 'all but a');
  io.in('game').emit('news', 'game');
  server.a.to('game').emit('news', 'game but a');
  io.to(['game', 'lobby']).emit('news', 'game or lobby, once');
  io.to('game').except('lobby').emit('news', 'game except lobby');
  io.except('game').emit('news', 'except game');
  io.to(server.c.id).emit('news', 'private to c');
  server.b.to(server.a.id).emit('news', 'b to a');
  io.of('/').to('nobody').emit('news', 'nobody');
  await sleep(150);
  return sorted(got);
});

both('emit with binary values and acknowledgements both ways', async ({ io, connect }) => {
  const seen = [];
  io.on('connection', (socket) => {
    socket.on('upload', (file, meta, callback) => {
      seen.push(['upload', Buffer.isBuffer(file), [...file], meta]);
      callback({ status: 'ok', echo: file });
    });
    socket.emit('question', 'how?', Buffer.from([9, 8]), (answer) => seen.push(['answer', answer]));
  });
  const client = await connect('/', { wait: false });
  client.on('question', (text, bytes, callback) => callback(`${text} ${[...new Uint8Array(bytes)]}`));
  await next(client, 'connect');
  const reply = await client.emitWithAck('upload', new Uint8Array([1, 2, 3]), { name: 'f' });
  await sleep(50);
  return { seen, reply: { ...reply, echo: [...new Uint8Array(reply.echo)] } };
});

both('acks with timeout: socket.timeout().emit, emitWithAck, io.timeout().emit from every client', async ({ io, connect }) => {
  const results = [];
  const sockets = [];
  io.on('connection', (socket) => sockets.push(socket));
  const quiet = await connect();
  const polite = await connect();
  polite.on('ping-me', (callback) => callback('pong'));
  quiet.on('ping-me', () => {});
  const [quietSocket, politeSocket] = [sockets.find((s) => s.id === quiet.id), sockets.find((s) => s.id === polite.id)];
  await new Promise((resolve) =>
    quietSocket.timeout(100).emit('ping-me', (err, answer) => {
      results.push(['quiet', err?.message, answer]);
      resolve();
    }),
  );
  results.push(['polite', await politeSocket.timeout(1000).emitWithAck('ping-me')]);
  results.push(['polite without timeout', await politeSocket.emitWithAck('ping-me')]);
  await quietSocket
    .timeout(100)
    .emitWithAck('ping-me')
    .catch((err) => results.push(['rejected', err.message]));
  const all = await new Promise((resolve) => io.timeout(150).emit('ping-me', (err, answers) => resolve([err?.message ?? null, answers])));
  results.push(['all with one silent', all]);
  quiet.off('ping-me');
  quiet.on('ping-me', (callback) => callback('late but here'));
  results.push(['all answer', sorted(await io.timeout(1000).emitWithAck('ping-me'))]);
  results.push(['nobody', await io.to('empty').timeout(100).emitWithAck('ping-me')]);
  return results;
});

both('rooms: socket.rooms, the adapter maps and their events, leaving on disconnect', async ({ io, connect }) => {
  const events = [];
  const adapter = io.of('/').adapter;
  const ownIds = new Set();
  const ownId = (room) => (ownIds.has(room) ? 'own id' : room);
  io.use((socket, next) => {
    ownIds.add(socket.id);
    next();
  });
  for (const name of ['create-room', 'join-room', 'leave-room', 'delete-room']) {
    adapter.on(name, (room, id) => events.push([name, ownId(room), id === undefined ? null : 'id']));
  }
  const observed = {};
  io.on('connection', (socket) => {
    socket.join('room1');
    socket.join(['room2', 'room3']);
    socket.leave('room3');
    observed.rooms = [...socket.rooms].map((r) => (r === socket.id ? 'own id' : r));
    observed.sizes = Object.fromEntries([...adapter.rooms].filter(([r]) => r !== socket.id).map(([r, s]) => [r, s.size]));
    socket.on('disconnecting', (reason) => {
      observed.disconnecting = [reason, [...socket.rooms].length];
    });
    socket.on('disconnect', (reason) => {
      observed.disconnect = [reason, [...socket.rooms].length];
    });
  });
  const client = await connect();
  await sleep(20);
  const closed = new Promise((resolve) => io.once('connection', () => {}) && setTimeout(resolve, 100));
  client.disconnect();
  await closed;
  observed.roomsLeft = adapter.rooms.size;
  observed.events = events;
  return observed;
});

both('middlewares: io.use in order, next(err) refuses with message and data, socket.use per packet', async ({ io, connect }) => {
  const order = [];
  io.use((socket, next) => {
    order.push(['first', socket.handshake.auth.token ?? null]);
    next();
  });
  io.use((socket, next) => {
    order.push(['second']);
    if (socket.handshake.auth.token !== 'secret') {
      const err = new Error('not authorized');
      err.data = { content: 'Please retry later' };
      next(err);
      return;
    }
    socket.data.user = 'alice';
    next();
  });
  const packets = [];
  io.on('connection', (socket) => {
    order.push(['connection', socket.data.user]);
    socket.use(([event, ...args], next) => {
      if (event === 'forbidden') return next(new Error('unauthorized event'));
      next();
    });
    socket.on('error', (err) => packets.push(['error', err.message]));
    socket.on('allowed', (...args) => packets.push(['allowed', ...args]));
    socket.on('forbidden', () => packets.push(['forbidden reached the listener']));
  });
  const refused = await connect('/', { auth: { token: 'wrong' }, wait: false });
  const [err] = await next(refused, 'connect_error');
  const client = await connect('/', { auth: { token: 'secret' } });
  client.emit('forbidden', 1);
  client.emit('allowed', 2);
  await sleep(50);
  return { order, refused: [err.message, err.data], packets };
});

both('namespaces: io.of, dynamic namespaces from a RegExp and a function, invalid namespace', async ({ io, connect }) => {
  const seen = [];
  io.of('/orders').on('connection', (socket) => seen.push(['orders', socket.nsp.name]));
  const parent = io.of(/^\/dynamic-\d+$/);
  parent.use((socket, next) => {
    seen.push(['parent middleware', socket.nsp.name]);
    next();
  });
  parent.on('connection', (socket) => seen.push(['dynamic', socket.nsp.name]));
  io.of((name, auth, next) => next(null, name === '/fn' && auth.ok === true)).on('connection', (socket) => seen.push(['fn', socket.nsp.name]));
  io.on('new_namespace', (nsp) => seen.push(['new_namespace', nsp.name]));
  await connect('/orders');
  const dynamic = await connect('/dynamic-101');
  await connect('/fn', { auth: { ok: true } });
  const bad = await connect('/dynamic-abc', { wait: false });
  const [badErr] = await next(bad, 'connect_error');
  const refused = await connect('/fn-other', { wait: false, auth: { ok: true } });
  const [fnErr] = await next(refused, 'connect_error');
  const news = next(dynamic, 'news');
  parent.emit('news', 'to every child');
  seen.push(['child got', ...(await news)]);
  seen.push(['invalid', badErr.message, fnErr.message]);
  return seen;
});

both('fetchSockets, socketsJoin, socketsLeave, disconnectSockets', async ({ io, connect }) => {
  io.on('connection', (socket) => {
    socket.data.name = socket.handshake.auth.name;
    socket.join('all');
  });
  const alice = await connect('/', { auth: { name: 'alice' } });
  const bob = await connect('/', { auth: { name: 'bob' } });
  const ids = { [alice.id]: 'alice', [bob.id]: 'bob' };
  const describe = (sockets) =>
    sockets.map((s) => [ids[s.id], s.data.name, [...s.rooms].map((r) => ids[r] ?? r).sort(), s.handshake.auth]).sort();
  const out = {};
  out.all = describe(await io.fetchSockets());
  io.in(alice.id).socketsJoin(['vip', 'vip2']);
  out.vip = describe(await io.in('vip').fetchSockets());
  io.socketsLeave('vip2');
  io.except('vip').socketsJoin('regular');
  out.after = describe(await io.fetchSockets());
  out.count = (await io.allSockets()).size;
  const reasons = [];
  alice.on('disconnect', (reason) => reasons.push(['alice', reason]));
  bob.on('disconnect', (reason) => reasons.push(['bob', reason]));
  io.in('vip').disconnectSockets();
  await sleep(100);
  io.disconnectSockets(true);
  await sleep(100);
  out.reasons = reasons;
  out.left = (await io.fetchSockets()).length;
  return out;
});

both('the handshake: headers, query, auth, url, address, xdomain, secure, time, issued', async ({ io, connect }) => {
  let handshake;
  io.on('connection', (socket) => (handshake = socket.handshake));
  await connect('/', { query: { room: 'r1' }, auth: { token: 't' }, extraHeaders: { 'x-app': 'demo' } });
  return {
    header: handshake.headers['x-app'],
    host: typeof handshake.headers.host,
    query: { room: handshake.query.room, EIO: handshake.query.EIO, transport: handshake.query.transport },
    auth: handshake.auth,
    url: handshake.url.split('?')[0],
    address: handshake.address,
    xdomain: handshake.xdomain,
    secure: handshake.secure,
    time: typeof handshake.time === 'string' && !Number.isNaN(Date.parse(handshake.time)),
    issued: typeof handshake.issued === 'number',
  };
});

both('disconnect reasons on both sides', async ({ io, connect }) => {
  const log = [];
  io.on('connection', (socket) => {
    socket.on('disconnect', (reason) => log.push(['server', socket.handshake.auth.n, reason]));
    socket.on('kick', () => socket.disconnect());
    socket.on('kick hard', () => socket.disconnect(true));
  });
  const one = await connect('/', { auth: { n: 1 } });
  one.on('disconnect', (reason) => log.push(['client', 1, reason]));
  one.disconnect();
  await sleep(100);
  const two = await connect('/', { auth: { n: 2 } });
  two.on('disconnect', (reason) => log.push(['client', 2, reason]));
  two.emit('kick');
  await sleep(100);
  const three = await connect('/', { auth: { n: 3 } });
  three.on('disconnect', (reason) => log.push(['client', 3, reason]));
  three.emit('kick hard');
  await sleep(100);
  const four = await connect('/', { auth: { n: 4 } });
  four.on('disconnect', (reason) => log.push(['client', 4, reason]));
  await io.close();
  await sleep(100);
  return sorted(log);
});

both('socket.conn: the transport, its "upgrade" event, and "close" with its reason', async ({ io, connect }) => {
  const log = [];
  io.on('connection', (socket) => {
    const { conn } = socket;
    log.push(['connection', conn.transport.name]);
    conn.on('upgrade', (transport) => log.push(['upgrade', transport.name, conn.transport.name]));
    conn.on('close', (reason) => log.push(['close', reason]));
    socket.on('which', (ack) => ack([conn.transport.name, socket.client.conn === conn]));
  });
  const client = await connect('/');
  log.push(['ack', await client.emitWithAck('which')]);
  client.disconnect();
  await sleep(200);
  return log;
});

both('reserved event names are refused as socket.io refuses them', async ({ io, connect }) => {
  const errors = [];
  const socket = await new Promise((resolve) => {
    io.once('connection', resolve);
    connect();
  });
  for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
    try {
      socket.emit(name);
    } catch (err) {
      errors.push(err.message);
    }
    try {
      io.emit(name);
    } catch (err) {
      errors.push(err.message);
    }
  }
  for (const name of ['connection', 'new_namespace']) {
    try {
      io.serverSideEmit(name);
    } catch (err) {
      errors.push(err.message);
    }
  }
  return errors;
});

both('onAny, prependAny, offAny, onAnyOutgoing', async ({ io, connect }) => {
  const log = [];
  io.on('connection', (socket) => {
    const first = (event, ...args) => log.push(['any', event, ...args]);
    socket.onAny(first);
    socket.prependAny((event) => log.push(['prepended', event]));
    socket.onAnyOutgoing((event, ...args) => log.push(['outgoing', event, ...args]));
    socket.on('drop any', () => socket.offAny(first));
    socket.on('echo', (x) => socket.emit('echoed', x));
  });
  const client = await connect();
  client.emit('echo', 5);
  await next(client, 'echoed');
  client.emit('drop any');
  await sleep(30);
  client.emit('echo', 6);
  await next(client, 'echoed');
  io.emit('to all', 7);
  await next(client, 'to all');
  return log;
});

both('the HTTP server keeps its other routes; Engine.IO errors for bad requests', async ({ url, io }) => {
  const get = async (path, init) => {
    const res = await fetch(`${url}${path}`, init);
    return [res.status, res.headers.get('content-type'), await res.text()];
  };
  io.engine.on('connection_error', () => {});
  return {
    health: await get('/health'),
    unknownTransport: await get('/socket.io/?EIO=4&transport=carrier-pigeon'),
    unknownSid: await get('/socket.io/?EIO=4&transport=polling&sid=nope'),
    eio3: await get('/socket.io/?EIO=3&transport=polling'),
    badMethod: await get('/socket.io/?EIO=4&transport=polling', { method: 'PUT' }),
    wsHandshakeOverHttp: await get('/socket.io/?EIO=4&transport=websocket'),
  };
}, { transports: ['websocket'] });

both('allowRequest refuses with 403 and its message; cors with a named origin and credentials', async ({ url }) => {
  const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example', 'x-pass': 'no' } });
  const refused = [handshake.status, await handshake.text()];
  const ok = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example', 'x-pass': 'yes' } });
  await ok.text();
  const preflight = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  });
  return {
    refused,
    ok: [ok.status, ok.headers.get('access-control-allow-origin'), ok.headers.get('access-control-allow-credentials')],
    preflight: [preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-methods')],
  };
}, {
  transports: ['websocket'],
  serverOptions: {
    allowRequest: (req, callback) => callback(req.headers['x-pass'] === 'yes' ? null : 'go away', req.headers['x-pass'] === 'yes'),
    cors: { origin: 'https://app.example', credentials: true },
  },
});

// Spaced out: socket.io also drops a volatile packet while the previous
// WebSocket write is still in flight (an artefact of its transport, listed
// in the README's differences).
both('volatile emits and compress flags reach idle connected clients', async ({ io, connect }) => {
  const client = await connect();
  const got = collect({ client }, 'tick');
  const [socket] = await io.fetchSockets();
  const steps = [
    () => io.volatile.emit('tick', 1),
    () => io.compress(false).emit('tick', 2),
    () => socket.volatile.emit('tick', 3),
    () => socket.compress(true).emit('tick', 4),
    () => socket.broadcast.volatile.emit('tick', 'not to itself'),
  ];
  for (const step of steps) {
    step();
    await sleep(40);
  }
  return got;
});

/** A GET to the server (eio-helpers' `request`), its body decoded as its content-encoding says. */
async function fetchRaw(url, headers = {}) {
  const { port, pathname, search } = new URL(url);
  const got = await request({ port }, 'GET', pathname + search, undefined, { headers, binary: true });
  const decode = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync, deflate: zlib.inflateSync }[got.headers['content-encoding']];
  return decode ? { ...got, body: decode(got.body) } : got;
}

// No client connects: one run is enough.
both('serveClient: the client bundle under the path, its ETag and 304, compressed as accepted, other files left to the engine', async ({ io, url }) => {
  const out = { serveClient: io.serveClient() };
  const bundle = readFileSync(new URL('../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url));
  const pick = ({ status, headers, body }) => ({
    status,
    type: headers['content-type'] ?? null,
    etag: headers.etag ?? null,
    cache: headers['cache-control'] ?? null,
    encoding: headers['content-encoding'] ?? null,
    cors: headers['access-control-allow-origin'] ?? null,
    bytes: body.length,
  });
  const plain = await fetchRaw(`${url}/socket.io/socket.io.min.js`);
  out.plain = pick(plain);
  out.sameBytes = plain.body.equals(bundle);
  for (const encoding of ['gzip', 'deflate', 'br']) {
    const got = await fetchRaw(`${url}/socket.io/socket.io.min.js?v=1`, { 'accept-encoding': encoding, origin: 'http://app.example' });
    out[encoding] = { ...pick(got), sameBytes: got.body.equals(bundle) };
  }
  out.map = pick(await fetchRaw(`${url}/socket.io/socket.io.js.map`));
  out.esm = pick(await fetchRaw(`${url}/socket.io/socket.io.esm.min.js`));
  out.notModified = pick(await fetchRaw(`${url}/socket.io/socket.io.js`, { 'if-none-match': plain.headers.etag }));
  out.weakNotModified = (await fetchRaw(`${url}/socket.io/socket.io.js`, { 'if-none-match': `W/${plain.headers.etag}` })).status;
  out.otherEtag = (await fetchRaw(`${url}/socket.io/socket.io.js`, { 'if-none-match': '"0.0.1"' })).status;
  out.unknownFile = (await fetchRaw(`${url}/socket.io/socket.io.dev.js`)).status;
  out.appRoute = (await fetchRaw(`${url}/socket.io.js`)).body.toString();
  return out;
}, { serverOptions: { cors: { origin: 'http://app.example' } }, transports: ['websocket'] });

both('serveClient: false leaves the bundle\'s path to the engine', async ({ io, url }) => {
  const got = await fetchRaw(`${url}/socket.io/socket.io.js`);
  return { serveClient: io.serveClient(), status: got.status, body: got.body.toString() };
}, { serverOptions: { serveClient: false }, transports: ['websocket'] });

// wsframe's own guarantees (no socket.io counterpart to compare with).

test('unknown and unsupported options are refused by name', () => {
  assert.throws(() => new Server({ pingIntervall: 1 }), /Unknown option "pingIntervall"/);
  assert.throws(() => new Server({ parser: {} }), /"parser" option/);
  assert.throws(() => new Server({ wsEngine: class {} }), /"wsEngine" option/);
  assert.throws(() => new Server({ perMessageDeflate: { thresold: 0 } }), /thresold/);
  assert.throws(() => new Server(http.createServer(), { perMessageDeflate: { zlibDeflateOptions: { level: 12 } } }), /compression level must be 0 to 9/);
  assert.doesNotThrow(() => new Server({ serveClient: false, allowEIO3: true, cors: { origin: '*' } }).close());
});

test('a Server created with a port listens on it; io.listen too', async () => {
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));
  const io = new Server(port);
  await next(io.httpServer, 'listening');
  const res = await fetch(`http://127.0.0.1:${port}/other`);
  assert.equal(res.status, 404);
  await io.close();
});

both('io.engine.use: middlewares see every request and upgrade, their headers are sent', async ({ io, connect, url }) => {
  io.engine.use((req, res, next) => {
    req.user = 'u1';
    res.setHeader('x-middleware', 'yes');
    next();
  });
  let user;
  io.on('connection', (socket) => (user = socket.request.user));
  await connect();
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  await polling.text();
  const upgraded = await new Promise((resolve, reject) => {
    const req = http.request(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve([res.statusCode, res.headers['x-middleware']]);
    });
    req.on('error', reject);
    req.end();
  });
  return { user, polling: polling.headers.get('x-middleware'), upgraded };
});

both('malformed packets: socket.io\'s disconnect reasons', async ({ io, url }) => {
  const reasons = [];
  io.on('connection', (socket) => socket.on('disconnect', (reason) => reasons.push(reason)));
  const WebSocket = (await import('ws')).default;
  for (const bad of ['x', '42abc', '4{', '9']) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await next(ws, 'open');
    ws.send('40');
    await new Promise((resolve) => ws.on('message', (data) => String(data).startsWith('40') && resolve()));
    ws.send(bad);
    const [code] = await next(ws, 'close');
    reasons.push([bad, code]);
  }
  await sleep(50);
  return reasons;
}, { transports: ['websocket'] });

both("the HTTP server's own handler keeps serving every other route", async ({ url }) => {
  const statuses = [];
  for (const path of ['/health', '/api/items?x=1', '/socket.io-not-really', '/socket.iox/']) {
    const res = await fetch(`${url}${path}`);
    statuses.push([path, res.status, await res.text()]);
  }
  return statuses;
}, { transports: ['websocket'] });

both('perMessageDeflate: events, binary values and acks compressed both ways', async ({ io, connect }) => {
  io.on('connection', (socket) => {
    socket.on('echo', (text, bytes, ack) => ack(text.length, [...bytes].length, text.slice(0, 10)));
    socket.emit('hello', 'x'.repeat(5000), Buffer.alloc(3000, 7));
  });
  const client = await connect('/', { wait: false });
  const hello = next(client, 'hello');
  await next(client, 'connect');
  const [text, bytes] = await hello;
  const answer = await client.emitWithAck('echo', 'y'.repeat(4000), new Uint8Array(2000));
  return { text: text.length, bytes: [bytes.byteLength, new Uint8Array(bytes)[0]], answer };
}, { serverOptions: { perMessageDeflate: { threshold: 0 } } });

// engine.io hands perMessageDeflate to ws; wsframe's core takes the same options.
for (const [label, perMessageDeflate] of [
  ['true', true],
  ['ws\'s options', { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12, zlibDeflateOptions: { level: 1, memLevel: 7 } }],
]) {
  both(`perMessageDeflate (${label}): the answer to ws's offer, and events both ways`, async ({ io, url, connect }) => {
    const WebSocket = (await import('ws')).default;
    const offers = {};
    for (const [name, options] of [['default offer', {}], ['a server window asked for', { perMessageDeflate: { serverMaxWindowBits: 11 } }]]) {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, options);
      ws.on('error', () => {});
      const [res] = await next(ws, 'upgrade');
      // The same parameters, in any order (ws lists them in the order it
      // met them; RFC 7692 gives the order no meaning).
      offers[name] = res.headers['sec-websocket-extensions']?.split(/;\s*/).sort() ?? null;
      ws.terminate();
    }
    io.on('connection', (socket) => socket.on('echo', (text, ack) => ack(text.length, text.slice(-3))));
    const client = await connect('/');
    const answer = await client.emitWithAck('echo', `${'z'.repeat(6000)}end`);
    return { offers, answer };
  }, { serverOptions: { perMessageDeflate }, transports: ['websocket'] });
}

test('perMessageDeflate: agreed with a client that offers it, only when the server allows it', async () => {
  const WebSocket = (await import('ws')).default;
  const agreed = [];
  for (const perMessageDeflate of [false, true]) {
    const httpServer = http.createServer();
    const io = new Server(httpServer, { perMessageDeflate });
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const ws = new WebSocket(`ws://127.0.0.1:${httpServer.address().port}/socket.io/?EIO=4&transport=websocket`);
    await next(ws, 'open');
    agreed.push(ws.extensions);
    ws.close();
    await io.close();
  }
  assert.deepEqual(agreed, ['', 'permessage-deflate']);
});

both('cookie: the session id on the polling handshake answer (none on a WebSocket 101)', async ({ url }) => {
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const sid = JSON.parse((await polling.text()).slice(1)).sid;
  const upgraded = await new Promise((resolve, reject) => {
    const req = http.request(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.headers['set-cookie']);
    });
    req.on('error', reject);
    req.end();
  });
  const shape = (cookie) => String(cookie).replace(/=[A-Za-z0-9_-]{20};/, '=SID;');
  return { polling: shape(polling.headers.get('set-cookie')), named: polling.headers.get('set-cookie').includes(`=${sid};`), upgraded: shape(upgraded) };
}, { transports: ['websocket'], serverOptions: { cookie: { name: 'io', path: '/', httpOnly: true, sameSite: 'strict' } } });

both('cleanupEmptyChildNamespaces: an emptied dynamic namespace goes, and comes back on the next client', async ({ io, connect }) => {
  const log = [];
  io.of(/^\/dyn-\d+$/).on('connection', (socket) => {
    socket.join('r');
    socket.on('ping', (ack) => ack(socket.nsp.name));
  });
  io.on('new_namespace', (nsp) => log.push(['new', nsp.name]));
  for (let round = 0; round < 2; round++) {
    const client = await connect('/dyn-1');
    log.push(['ack', await client.emitWithAck('ping')]);
    client.disconnect();
    await sleep(50);
    log.push(['present', io._nsps.has('/dyn-1')]);
  }
  return log;
}, { serverOptions: { cleanupEmptyChildNamespaces: true }, transports: ['websocket'] });

test('attached to an HTTP/2 server (with HTTP/1.1 allowed): HTTP/2 polling and socket.io-client over TLS, as socket.io', async () => {
  const http2 = await import('node:http2');
  const { selfSigned } = await import('./ws-both.mjs');
  const { io: connectClient } = await import('socket.io-client');
  const { Server: Reference } = await import('socket.io');
  const seen = {};
  for (const [name, Lib] of [['socket.io', Reference], ['wsframe', Server]]) {
    const { key, cert } = selfSigned();
    const h2 = http2.createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => res.end('app'));
    const io = new Lib(h2);
    io.on('connection', (socket) => socket.on('ping', (ack) => ack(socket.conn.transport.name)));
    await new Promise((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const origin = `https://127.0.0.1:${h2.address().port}`;
    // A handshake over HTTP/2.
    const session = http2.connect(origin, { ca: cert });
    const handshake = await new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/socket.io/?EIO=4&transport=polling' });
      let body = '';
      let status;
      stream.on('response', (headers) => (status = headers[':status']));
      stream.on('data', (chunk) => (body += chunk));
      stream.on('end', () => resolve([status, body[0], JSON.parse(body.slice(1)).upgrades]));
      stream.on('error', reject);
    });
    session.close();
    // socket.io-client over TLS: HTTP/1.1 polling, then the upgrade.
    const client = connectClient(origin, { ca: cert, forceNew: true, reconnection: false });
    await next(client, 'connect');
    if (client.io.engine.transport.name !== 'websocket') await next(client.io.engine, 'upgrade');
    const transport = await client.emitWithAck('ping');
    client.close();
    seen[name] = { handshake, transport };
    await io.close();
  }
  assert.deepEqual(seen.wsframe, seen['socket.io']);
  assert.deepEqual(seen.wsframe, { handshake: [200, '0', ['websocket']], transport: 'websocket' });
});

both('emitReserved / emitUntyped on a namespace and a socket reach its own listeners, not the clients', async ({ io, connect }) => {
  const seen = [];
  io.of('/').on('custom', (x) => seen.push(['namespace', x]));
  io.on('connection', (socket) => {
    socket.on('custom', (x) => seen.push(['socket', x]));
    socket.emitReserved('custom', 1);
    socket.emitUntyped('custom', 2);
  });
  const client = await connect();
  client.on('custom', (x) => seen.push(['client', x]));
  io.of('/').emitReserved('custom', 3);
  io.of('/').emitUntyped('custom', 4);
  await sleep(100);
  return seen;
});

// The "How to use with JWT" / passport guides' shape: an `io.engine.use`
// middleware that looks at the handshake only (`req._query.sid`) and refuses
// with its own HTTP answer.
both('io.engine.use: a handshake-only middleware that refuses with 401', async ({ io, connect, url }) => {
  io.engine.use((req, res, next) => {
    const isHandshake = req._query.sid === undefined;
    if (!isHandshake) return next();
    if (req.headers.authorization === 'Bearer good') {
      req.user = { name: 'alice' };
      next();
    } else {
      res.writeHead(401);
      res.end();
    }
  });
  io.on('connection', (socket) => socket.emit('whoami', socket.request.user));
  const good = await connect('/', { wait: false, extraHeaders: { authorization: 'Bearer good' } });
  const [user] = await next(good, 'whoami');
  const bad = await connect('/', { wait: false, extraHeaders: { authorization: 'Bearer bad' } });
  const [err] = await next(bad, 'connect_error');
  const raw = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  return { user, error: err.message, rawStatus: raw.status };
});

// "How to register a global middleware": every namespace, dynamic ones too.
both('a global middleware registered on new_namespace, dynamic namespaces included', async ({ io, connect }) => {
  const seen = [];
  io.on('new_namespace', (namespace) => {
    namespace.use((socket, next) => {
      seen.push(`middleware ${socket.nsp.name}`);
      next();
    });
  });
  io.of(/^\/room-\d+$/).on('connection', (socket) => seen.push(`connection ${socket.nsp.name}`));
  io.of('/static').on('connection', (socket) => seen.push(`connection ${socket.nsp.name}`));
  await connect('/room-1');
  await connect('/static');
  await connect('/room-2');
  return seen;
});

// "How to upload a file": a Buffer in an event, under `maxHttpBufferSize`
// (the guide raises it to 1e8); one over the limit ends the connection.
both('uploading a file: under maxHttpBufferSize it arrives whole, over it the client is dropped', async ({ io, connect }) => {
  const seen = [];
  io.on('connection', (socket) => {
    socket.on('upload', (file, callback) => {
      seen.push(['upload', file.length, file[0], file[file.length - 1]]);
      callback({ message: 'success' });
    });
    socket.on('disconnect', (reason) => seen.push(['server disconnect', reason]));
  });
  const client = await connect();
  const file = Buffer.alloc(300_000, 7);
  file[file.length - 1] = 9;
  seen.push(['ack', await client.timeout(5000).emitWithAck('upload', file)]);
  const closed = next(client, 'disconnect');
  client.emit('upload', Buffer.alloc(600_000, 1));
  seen.push(['client disconnect', (await closed)[0]]);
  await sleep(200);
  return seen;
}, { serverOptions: { maxHttpBufferSize: 500_000 } });
