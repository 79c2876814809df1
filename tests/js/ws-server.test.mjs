// WebSocketServer as ws 8.23's doc/ws.md documents it, each scenario run
// with ws and with wsframe/node (see ws-both.mjs): options and their
// errors, the hooks (verifyClient, handleProtocols, shouldHandle), the
// events ('headers', 'wsClientError', 'connection', 'close'), refusals
// byte for byte, close(), and faults a raw peer commits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import http from 'node:http';
import { encodeFrame } from 'wsframe';
import { both, describeError, framesOf, next, plain, portOf, rawClient, sleep } from './ws-both.mjs';

async function listening(lib, options = {}) {
  const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await next(wss, 'listening');
  return wss;
}

const closeServer = (wss) => new Promise((resolve) => wss.close(() => resolve()));

/** A masked frame from a client. */
const clientFrame = (payload, options = {}) => Buffer.from(encodeFrame(payload, { mask: true, ...options }));

both('constructor: one and only one of port, server, noServer', (lib) => {
  const attempts = [{}, { port: 0, noServer: true }, { server: http.createServer(), noServer: true }, { port: 0, server: http.createServer() }];
  return attempts.map((options) => {
    try {
      new lib.WebSocketServer(options);
      return 'accepted';
    } catch (err) {
      return { class: err.constructor.name, message: err.message };
    }
  });
});

test('wsframe: unknown options are refused by name', async () => {
  const { WebSocketServer, WebSocket } = await import('wsframe/node');
  assert.throws(() => new WebSocketServer({ noServer: true, maxPaylaod: 10 }), {
    name: 'TypeError',
    message: 'Unknown option "maxPaylaod" for WebSocketServer',
  });
  assert.throws(() => new WebSocketServer({ noServer: true, perMessageDeflate: { treshold: 1 } }), /Unknown option "treshold"/);
  assert.throws(() => new WebSocket('ws://127.0.0.1:1', { handshakeTimout: 5 }), /Unknown option "handshakeTimout" for WebSocket/);
});

both('address(): the bound address; noServer throws', async (lib) => {
  const wss = await listening(lib);
  const address = wss.address();
  const noServer = new lib.WebSocketServer({ noServer: true });
  let thrown;
  try {
    noServer.address();
  } catch (err) {
    thrown = describeError(err);
  }
  await closeServer(wss);
  return { family: address.family, address: address.address, thrown: { class: thrown.class, message: thrown.message } };
});

both('clients: a Set of open clients, absent without clientTracking', async (lib) => {
  const wss = await listening(lib);
  const untracked = new lib.WebSocketServer({ noServer: true, clientTracking: false });
  const a = new lib.default(`ws://127.0.0.1:${portOf(wss)}`);
  const b = new lib.default(`ws://127.0.0.1:${portOf(wss)}`);
  await Promise.all([next(a, 'open'), next(b, 'open')]);
  await sleep(20);
  const sizes = [wss.clients instanceof Set, wss.clients.size];
  a.close();
  await next(a, 'close');
  await sleep(20);
  sizes.push(wss.clients.size);
  b.terminate();
  await sleep(20);
  sizes.push(wss.clients.size, untracked.clients);
  await closeServer(wss);
  return sizes;
});

both('close(cb): stops accepting, leaves clients open, then "close"; a second close reports the error', async (lib) => {
  const log = [];
  const wss = await listening(lib);
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
  wss.on('close', () => log.push('server close event'));
  const port = portOf(wss);
  const client = new lib.default(`ws://127.0.0.1:${port}`);
  await next(client, 'open');
  wss.close((err) => log.push(`close callback: ${err ?? 'no error'}`));
  client.send('still here');
  const [echo] = await next(client, 'message');
  log.push(`echo after close(): ${echo}`);
  const late = new lib.default(`ws://127.0.0.1:${port}`);
  const lateClosed = next(late, 'close');
  late.on('error', (err) => log.push(`late client: ${err.code}`));
  await lateClosed;
  client.close();
  await sleep(100);
  wss.close((err) => log.push(`second close: ${err.message}`));
  await sleep(50);
  return log;
});

both('noServer: close() emits "close" once the tracked clients are gone', async (lib) => {
  const log = [];
  const server = http.createServer();
  const wss = new lib.WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const client = new lib.default(`ws://127.0.0.1:${server.address().port}`);
  await next(client, 'open');
  await sleep(20);
  wss.on('close', () => log.push('close event'));
  wss.close();
  await sleep(50);
  log.push(`before the client left: ${log.length}`);
  client.close();
  await sleep(100);
  await new Promise((r) => server.close(r));
  return log;
});

test('handleUpgrade: cb runs once, with this upgrade\'s socket; "connection" is not emitted by it (bug fix)', async () => {
  const { WebSocketServer, default: WebSocket } = await import('wsframe/node');
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const connections = [];
  wss.on('connection', (ws, req) => connections.push(req.url));
  const callbacks = [];
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws, request) => {
      callbacks.push([request.url, req === request]);
      // ws's documented pattern: the callback emits 'connection' itself.
      wss.emit('connection', ws, request);
    });
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const port = server.address().port;
  for (const path of ['/one', '/two']) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await next(ws, 'open');
    ws.close();
    await next(ws, 'close');
  }
  assert.deepEqual(callbacks, [['/one', true], ['/two', true]]);
  assert.deepEqual(connections, ['/one', '/two'], 'each connection handled once');
  await new Promise((r) => server.close(r));
});

test('handleUpgrade: a refused upgrade never calls its callback, not even with a later client (bug fix)', async () => {
  const { WebSocketServer, default: WebSocket } = await import('wsframe/node');
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, verifyClient: ({ req }) => !req.url.includes('mallory') });
  const identities = [];
  server.on('upgrade', (req, socket, head) => {
    const user = new URL(req.url, 'http://x').searchParams.get('user');
    wss.handleUpgrade(req, socket, head, (ws) => {
      identities.push([user, ws]);
      ws.on('message', (data) => ws.send(`${user}:${data}`));
    });
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const port = server.address().port;
  const refused = new WebSocket(`ws://127.0.0.1:${port}/?user=mallory`);
  const refusedClosed = next(refused, 'close');
  const [err] = await next(refused, 'error');
  assert.equal(err.message, 'Unexpected server response: 401');
  await refusedClosed;
  const alice = new WebSocket(`ws://127.0.0.1:${port}/?user=alice`);
  await next(alice, 'open');
  alice.send('hi');
  const [reply] = await next(alice, 'message');
  assert.equal(reply.toString(), 'alice:hi');
  assert.deepEqual(identities.map(([user]) => user), ['alice'], "mallory's callback never ran");
  alice.close();
  await new Promise((r) => server.close(r));
});

test("server option with an http server: plain requests are left to it, upgrades work (bug fix)", async () => {
  const { WebSocketServer, default: WebSocket } = await import('wsframe/node');
  const server = http.createServer((req, res) => res.end(`plain ${req.url}`));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.send('upgraded'));
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const port = server.address().port;
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'plain /health');
  }
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`);
  const [data] = await next(ws, 'message');
  assert.equal(data.toString(), 'upgraded');
  ws.close();
  await next(ws, 'close');
  wss.close();
  await new Promise((r) => server.close(r));
});

both('verifyClient with one parameter: info and a boolean verdict (401 when false)', async (lib) => {
  const seen = [];
  const wss = await listening(lib, {
    verifyClient(info) {
      seen.push({
        origin: info.origin,
        secure: info.secure,
        isRequest: info.req instanceof http.IncomingMessage,
        url: info.req.url,
      });
      return info.origin === 'https://good.example';
    },
  });
  const port = portOf(wss);
  const good = new lib.default(`ws://127.0.0.1:${port}/a`, { origin: 'https://good.example' });
  await next(good, 'open');
  good.close();
  const bad = new lib.default(`ws://127.0.0.1:${port}/b`, { origin: 'https://bad.example' });
  bad.on('error', () => {});
  const [, res] = await next(bad, 'unexpected-response');
  const body = await new Promise((resolve) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve(text));
  });
  const outcome = { status: res.statusCode, headers: res.headers, body };
  bad.terminate();
  await closeServer(wss);
  return { seen, outcome };
});

both('verifyClient with two parameters: the callback refuses with code, message and headers', async (lib) => {
  const wss = await listening(lib, {
    verifyClient(info, cb) {
      setTimeout(() => {
        if (info.req.url === '/ok') cb(true);
        else if (info.req.url === '/plain') cb(false);
        else cb(false, 403, 'Go away', { 'Retry-After': 120 });
      }, 5);
    },
  });
  const port = portOf(wss);
  const results = [];
  for (const path of ['/ok', '/plain', '/no']) {
    const raw = await rawClient(port, { path });
    await sleep(100);
    const { head, body } = raw.received();
    results.push({ path, head: head.split('\r\n').filter((l) => !/^(date|sec-websocket-accept):/i.test(l)), body: body.toString('latin1') });
    raw.socket.destroy();
  }
  await closeServer(wss);
  return results;
});

both('handleProtocols(protocols: Set, req) and the default (the first offered)', async (lib) => {
  const results = [];
  const seen = [];
  const chooser = await listening(lib, {
    handleProtocols(protocols, req) {
      seen.push({ isSet: protocols instanceof Set, values: [...protocols], isRequest: req instanceof http.IncomingMessage });
      return protocols.has('b') ? 'b' : false;
    },
  });
  const plainServer = await listening(lib);
  for (const [wss, protocols] of [[chooser, ['a', 'b']], [chooser, ['a']], [plainServer, ['x', 'y']], [plainServer, []]]) {
    const ws = new lib.default(`ws://127.0.0.1:${portOf(wss)}`, protocols);
    const closed = next(ws, 'close');
    const outcome = await Promise.race([next(ws, 'open').then(() => `open "${ws.protocol}"`), next(ws, 'error').then(([e]) => e.message)]);
    results.push(outcome);
    ws.terminate();
    await closed;
  }
  await closeServer(chooser);
  await closeServer(plainServer);
  return { results, seen };
});

both("'headers': listeners change the 101 before it is written", async (lib) => {
  const wss = await listening(lib);
  const seen = [];
  wss.on('headers', (headers, req) => {
    seen.push(headers.map((h) => (h.startsWith('Sec-WebSocket-Accept') ? 'Sec-WebSocket-Accept: ...' : h)), req instanceof http.IncomingMessage);
    headers.push('Set-Cookie: session=abc');
  });
  const ws = new lib.default(`ws://127.0.0.1:${portOf(wss)}`, ['chat']);
  const opened = next(ws, 'open');
  const [res] = await next(ws, 'upgrade');
  const cookie = res.headers['set-cookie'];
  await opened;
  ws.close();
  await closeServer(wss);
  return { seen, cookie };
});

both('path option and shouldHandle(): other paths get a bare 400', async (lib) => {
  const wss = await listening(lib, { path: '/ws' });
  const results = [];
  for (const path of ['/ws', '/ws?x=1', '/other']) {
    const raw = await rawClient(portOf(wss), { path });
    await sleep(80);
    const { head, body } = raw.received();
    results.push({ path, status: head.split('\r\n')[0], body: body.length && head.startsWith('HTTP/1.1 400') ? body.toString() : '' });
    raw.socket.destroy();
  }
  class OnlyAdmins extends lib.WebSocketServer {
    shouldHandle(req) {
      return req.headers['x-role'] === 'admin';
    }
  }
  const custom = new OnlyAdmins({ port: 0, host: '127.0.0.1' });
  await next(custom, 'listening');
  for (const extra of [['X-Role: admin'], ['X-Role: guest']]) {
    const raw = await rawClient(portOf(custom), { extra });
    await sleep(80);
    results.push({ extra, status: raw.received().head.split('\r\n')[0] });
    raw.socket.destroy();
  }
  await closeServer(wss);
  await closeServer(custom);
  return results;
});

// Upgrade requests the server refuses: the whole answer must be ws's.
const REFUSED = [
  ['a POST', (r) => r.replace('GET', 'POST')],
  ['Upgrade: h2c', (r) => r.replace('Upgrade: websocket', 'Upgrade: h2c')],
  ['no key', (r) => r.replace(/Sec-WebSocket-Key: .*\r\n/, '')],
  ['a short key', (r) => r.replace(/Sec-WebSocket-Key: .*\r\n/, 'Sec-WebSocket-Key: c2hvcnQ=\r\n')],
  ['a bad subprotocol list', (r) => r.replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: a b\r\n\r\n')],
  ['a repeated subprotocol', (r) => r.replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: a, a\r\n\r\n')],
  ['a malformed extensions header', (r) => r.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: ;;\r\n\r\n')],
];

both('refused upgrade requests: status, headers and body as ws sends them', async (lib) => {
  const wss = await listening(lib, { perMessageDeflate: true });
  const net = await import('node:net');
  const base = 'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const answers = [];
  for (const [name, edit] of REFUSED) {
    const socket = net.connect(portOf(wss), '127.0.0.1');
    socket.end(edit(base));
    let answer = '';
    for await (const chunk of socket) answer += chunk;
    // wsframe adds the Allow header RFC 9110 §15.5.6 requires on a 405; ws leaves it out.
    if (lib.name === 'wsframe' && name === 'a POST') assert.match(answer, /\r\nAllow: GET\r\n/);
    answers.push([name, answer.replace('Allow: GET\r\n', '')]);
  }
  await closeServer(wss);
  return answers;
});

both("'wsClientError': the listener gets the error, socket and request, and answers itself", async (lib) => {
  const wss = await listening(lib);
  const seen = [];
  wss.on('wsClientError', (err, socket, req) => {
    seen.push({ class: err.constructor.name, message: err.message, isRequest: req instanceof http.IncomingMessage });
    socket.end('HTTP/1.1 418 I\'m a Teapot\r\n\r\n');
  });
  const raw = await rawClient(portOf(wss), { extra: ['Sec-WebSocket-Protocol: a b'] });
  const { head } = await raw.closed();
  await closeServer(wss);
  return { seen, head };
});

both('the WebSocket option: connections are instances of the given subclass', async (lib) => {
  class Tagged extends lib.default {
    tag() {
      return 'tagged';
    }
  }
  const wss = await listening(lib, { WebSocket: Tagged });
  const seen = next(wss, 'connection');
  const client = new lib.default(`ws://127.0.0.1:${portOf(wss)}`);
  const [ws] = await seen;
  await next(client, 'open');
  const result = [ws instanceof Tagged, ws instanceof lib.default, ws.tag(), ws.url];
  client.terminate();
  await closeServer(wss);
  return result;
});

// Faults a raw client commits: what the server reports ('error', then
// 'close') and the close frame it answers with, for each.
const FAULTS = [
  ['an unmasked frame', () => Buffer.from(encodeFrame('hi'))],
  ['RSV2 set', () => clientFrame('hi', { rsv2: true })],
  ['RSV1 without an extension', () => clientFrame('hi', { rsv1: true })],
  ['reserved opcode 3', () => clientFrame('', { opcode: 3 })],
  ['reserved opcode 0xB', () => clientFrame('', { opcode: 11 })],
  ['a continuation with nothing to continue', () => clientFrame('x', { opcode: 'continuation' })],
  ['a new message inside a fragmented one', () => Buffer.concat([clientFrame('a', { fin: false }), clientFrame('b')])],
  ['a fragmented ping', () => clientFrame('p', { opcode: 'ping', fin: false })],
  ['a close frame of 1 byte', () => clientFrame(Buffer.from([3]), { opcode: 'close' })],
  ['close code 1005', () => clientFrame(Buffer.from([0x03, 0xed]), { opcode: 'close' })],
  ['close code 999', () => clientFrame(Buffer.from([0x03, 0xe7]), { opcode: 'close' })],
  ['invalid UTF-8 in a text message', () => clientFrame(Buffer.from([0x68, 0xff, 0x69]), { opcode: 'text' })],
  ['invalid UTF-8 in a close reason', () => clientFrame(Buffer.from([0x03, 0xe8, 0xc3]), { opcode: 'close' })],
  ['a message over maxPayload', () => clientFrame(Buffer.alloc(2000), { opcode: 'binary' })],
  ['a fragmented message over maxPayload', () => Buffer.concat([clientFrame(Buffer.alloc(900), { opcode: 'binary', fin: false }), clientFrame(Buffer.alloc(900), { opcode: 'continuation' })])],
  ['a 64-bit length over 2^53 - 1', () => Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])],
  ['a ping of 126 bytes (16-bit length)', () => Buffer.from([0x89, 0xfe, 0x00, 0x7e, 1, 2, 3, 4])],
];

both('protocol faults from a client: the error, the close frame, and the close event', async (lib) => {
  const results = [];
  for (const [name, bytes] of FAULTS) {
    const wss = await listening(lib, { maxPayload: 1024 });
    const events = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => events.push(['message', data.toString('hex')]));
      ws.on('error', (err) => events.push(['error', describeError(err), err.constructor === Error || err.constructor === RangeError]));
      ws.on('close', (code, reason) => events.push(['close', code, reason.toString()]));
    });
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(Buffer.concat([clientFrame('before'), bytes()]));
    const { body } = await raw.closed();
    await sleep(20);
    results.push({ name, events, answer: await framesOf(body) });
    await closeServer(wss);
  }
  return results;
}, { timeout: 60_000 });

both('close handshakes started by a client: with a code, with a reason, without status', async (lib) => {
  const results = [];
  for (const payload of [Buffer.from([0x03, 0xe8]), Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('bye')]), Buffer.alloc(0)]) {
    const wss = await listening(lib);
    const events = [];
    wss.on('connection', (ws) => ws.on('close', (code, reason) => events.push([code, plain(reason), ws.readyState])));
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(clientFrame(payload, { opcode: 'close' }));
    const { body } = await raw.closed();
    await sleep(20);
    results.push({ events, answer: await framesOf(body) });
    await closeServer(wss);
  }
  return results;
});

both('pings: answered with a pong of the same payload before the "ping" event; autoPong: false answers none', async (lib) => {
  const results = [];
  for (const autoPong of [true, false]) {
    const wss = await listening(lib, { autoPong });
    const events = [];
    wss.on('connection', (ws) => {
      ws.on('ping', (data) => events.push(['ping', data.toString(), ws.bufferedAmount >= 0]));
      ws.on('message', (data) => {
        events.push(['message', data.toString()]);
        ws.send(`echo ${data}`);
      });
    });
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(Buffer.concat([clientFrame('m1'), clientFrame('hello', { opcode: 'ping' }), clientFrame('m2'), clientFrame('', { opcode: 'ping' })]));
    await sleep(100);
    raw.socket.write(clientFrame(Buffer.from([0x03, 0xe8]), { opcode: 'close' }));
    const { body } = await raw.closed();
    results.push({ autoPong, events, answer: await framesOf(body) });
    await closeServer(wss);
  }
  return results;
});

both('messages split anywhere across TCP chunks arrive whole', async (lib) => {
  const wss = await listening(lib);
  const got = [];
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => got.push([data.toString(), isBinary])));
  const raw = await rawClient(portOf(wss));
  await sleep(20);
  const bytes = Buffer.concat([clientFrame('first message'), clientFrame('frag', { fin: false }), clientFrame('ment', { opcode: 'continuation' }), clientFrame(Buffer.from('bin'), { opcode: 'binary' })]);
  for (let i = 0; i < bytes.length; i += 3) {
    raw.socket.write(bytes.subarray(i, i + 3));
    await sleep(1);
  }
  await sleep(50);
  raw.socket.destroy();
  await closeServer(wss);
  return got;
});
