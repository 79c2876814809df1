// The WebSocket client as ws 8.23's doc/ws.md documents it, each scenario
// run with ws and with wsframe/node (see ws-both.mjs): the constructor's
// arguments and errors, the handshake's events ('upgrade',
// 'unexpected-response', 'redirect'), its options (headers, origin,
// protocols, handshakeTimeout, finishRequest, followRedirects, IPC URLs),
// and what a client does with each fault in a server's answer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { encodeFrame } from 'wsframe';
import { both, describeError, framesOf, next, sleep } from './ws-both.mjs';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const accept = (key) => createHash('sha1').update(key + GUID).digest('base64');

/** Host ports differ between runs: compared as PORT. */
function portless(value) {
  if (typeof value === 'string') return value.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
  if (Array.isArray(value)) return value.map(portless);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, portless(v)]));
  return value;
}

/**
 * Everything a client emits until 'close', in order ('unexpected-response'
 * only when asked: listening to it changes what ws does).
 */
function record(ws, { unexpected = false } = {}) {
  const events = [];
  const names = ['open', 'upgrade', 'redirect', 'message', 'ping', 'pong', 'error', 'close'];
  if (unexpected) names.push('unexpected-response');
  for (const name of names) {
    ws.on(name, (...args) => {
      if (name === 'error') events.push([name, describeError(args[0])]);
      else if (name === 'close') events.push([name, args[0], args[1].toString()]);
      else if (name === 'message') events.push([name, args[0].toString(), args[1]]);
      else if (name === 'upgrade') events.push([name, args[0].statusCode]);
      else if (name === 'unexpected-response') events.push([name, args[1].statusCode]);
      else if (name === 'redirect') events.push([name, args[0]]);
      else events.push([name]);
    });
  }
  return events;
}

/**
 * A server answering each upgrade request with `answer(request head, key)`:
 * the bytes of its response (and frames after it), written by hand.
 */
async function rawServer(answer) {
  const requests = [];
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', function onData(chunk) {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const request = head.slice(0, end);
      requests.push(request);
      const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1];
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      const chunks = [rest];
      socket.on('data', (c) => chunks.push(c));
      socket.received = () => Buffer.concat(chunks);
      server.emit('handshake', socket);
      socket.write(answer(request, key));
    });
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  return { server, requests, url: `ws://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

const switching = (key, extra = []) =>
  ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept(key)}`, ...extra, '', ''].join('\r\n');

both('constructor errors: URL, scheme, fragment, protocol version, subprotocols', (lib) => {
  const WebSocket = lib.default;
  const attempts = [
    ['not a url'],
    ['ftp://example.com'],
    ['ws://example.com/#fragment'],
    ['ws+unix:'],
    ['ws://example.com', { protocolVersion: 7 }],
    ['ws://example.com', ['a b']],
    ['ws://example.com', ['chat', 'chat']],
    ['ws://example.com', ['']],
    ['ws://example.com', [1]],
  ];
  return attempts.map((args) => {
    try {
      const ws = new WebSocket(...args);
      ws.on('error', () => {});
      ws.terminate();
      return 'accepted';
    } catch (err) {
      return { class: err.constructor.name, message: err.message };
    }
  });
});

both('while connecting: send, ping and pong throw; close() aborts with an error, then close 1006', async (lib) => {
  const server = await rawServer(() => ''); // never answers
  const ws = new lib.default(server.url);
  const events = record(ws);
  const thrown = [];
  for (const call of [() => ws.send('x'), () => ws.ping(), () => ws.pong()]) {
    try {
      call();
    } catch (err) {
      thrown.push({ class: err.constructor.name, message: err.message });
    }
  }
  const states = [ws.readyState, ws.bufferedAmount, ws.protocol, ws.extensions, ws.url];
  ws.close();
  states.push(ws.readyState);
  await next(ws, 'close');
  states.push(ws.readyState);
  await server.close();
  return portless({ thrown, states, events });
});

both("'upgrade' then 'open'; the request carries ws's headers, origin, extra headers and subprotocols", async (lib) => {
  const server = await rawServer((request, key) => switching(key, ['Sec-WebSocket-Protocol: b', 'X-Server: yes']));
  const ws = new lib.default(server.url + '/path?q=1', ['a', 'b'], {
    origin: 'https://app.example',
    headers: { 'X-Token': 't0k' },
    perMessageDeflate: false,
  });
  const events = record(ws);
  await next(ws, 'open');
  const state = [ws.protocol, ws.extensions, ws.url, ws.readyState];
  ws.terminate();
  await next(ws, 'close');
  await server.close();
  const request = server.requests[0]
    .split('\r\n')
    .filter((line) => !/^sec-websocket-key:/i.test(line))
    .sort();
  return portless({ events, state, request });
});

both('protocols given as options.protocols (string or array)', async (lib) => {
  const server = await rawServer((request, key) => switching(key, ['Sec-WebSocket-Protocol: solo']));
  const results = [];
  for (const options of [{ protocols: 'solo' }, { protocols: ['solo', 'other'] }]) {
    const ws = new lib.default(server.url, options);
    await next(ws, 'open');
    results.push(ws.protocol);
    ws.terminate();
    await next(ws, 'close');
  }
  await server.close();
  return { results, headers: server.requests.map((r) => /sec-websocket-protocol: (.*)/i.exec(r)[1]) };
});

// Faults in a server's answer, and what a client reports for each.
const ANSWERS = [
  ['a wrong Sec-WebSocket-Accept', (key) => switching('x' + key)],
  ['a subprotocol none was requested', (key) => switching(key, ['Sec-WebSocket-Protocol: chat'])],
  ['an extension when none was offered', (key) => switching(key, ['Sec-WebSocket-Extensions: permessage-deflate'])],
  ['a 403 with a body', () => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope'],
  ['a redirect not followed', () => 'HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n'],
];

both("a server's faulty answer fails the handshake: 'error' with ws's message, then close 1006", async (lib) => {
  const results = [];
  for (const [name, answer] of ANSWERS) {
    const server = await rawServer((request, key) => answer(key));
    const ws = new lib.default(server.url, { perMessageDeflate: false });
    const events = record(ws);
    await next(ws, 'close');
    results.push({ name, events, readyState: ws.readyState });
    await server.close();
  }
  return results;
});

const PROTOCOL_ANSWERS = [
  ['a subprotocol that was not offered', (key) => switching(key, ['Sec-WebSocket-Protocol: other'])],
  ['no subprotocol when one was requested', (key) => switching(key)],
  ['an extension that was not offered', (key) => switching(key, ['Sec-WebSocket-Extensions: x-custom'])],
  ['a deflate window that was not allowed', (key) => switching(key, ['Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16'])],
  ['a deflate parameter twice', (key) => switching(key, ['Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_no_context_takeover'])],
];

both('subprotocol and extension faults in the answer', async (lib) => {
  const results = [];
  for (const [name, answer] of PROTOCOL_ANSWERS) {
    const server = await rawServer((request, key) => answer(key));
    const ws = new lib.default(server.url, ['chat']);
    const events = record(ws);
    await next(ws, 'close');
    results.push({ name, events });
    await server.close();
  }
  return results;
});

both("'unexpected-response': the listener reads a 401's status, headers and body", async (lib) => {
  const server = http.createServer((req, res) => {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain' });
    res.end('log in first');
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const ws = new lib.default(`ws://127.0.0.1:${server.address().port}`);
  ws.on('error', () => {});
  const [req, res] = await next(ws, 'unexpected-response');
  let body = '';
  for await (const chunk of res) body += chunk;
  const seen = { isRequest: req instanceof http.ClientRequest, status: res.statusCode, auth: res.headers['www-authenticate'], body };
  ws.terminate();
  await next(ws, 'close');
  await new Promise((r) => server.close(r));
  return seen;
});

both('followRedirects: the redirect event, the new URL, and maxRedirects', async (lib) => {
  const target = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
  await next(target, 'listening');
  target.on('connection', (ws, req) => ws.send(`arrived at ${req.url}`));
  const hops = http.createServer((req, res) => {
    const n = Number(req.url.slice(1));
    const location = n > 1 ? `/${n - 1}` : `ws://127.0.0.1:${target.address().port}/final`;
    res.writeHead(302, { Location: location });
    res.end();
  });
  hops.listen(0, '127.0.0.1');
  await next(hops, 'listening');
  const base = `ws://127.0.0.1:${hops.address().port}`;
  const followed = new lib.default(`${base}/2`, { followRedirects: true });
  const events = record(followed);
  await next(followed, 'message');
  const url = followed.url;
  followed.close();
  await next(followed, 'close');
  const limited = new lib.default(`${base}/3`, { followRedirects: true, maxRedirects: 1 });
  const limitedEvents = record(limited);
  await next(limited, 'close');
  await new Promise((r) => target.close(r));
  await new Promise((r) => hops.close(r));
  return portless({ events, url, limitedEvents });
});

both('handshakeTimeout: a server that never answers', async (lib) => {
  const server = await rawServer(() => '');
  const ws = new lib.default(server.url, { handshakeTimeout: 100 });
  const events = record(ws);
  const started = Date.now();
  await next(ws, 'close');
  const waited = Date.now() - started >= 80;
  await server.close();
  return { events, waited };
});

both('finishRequest: headers set on the request before it is sent', async (lib) => {
  const server = await rawServer((request, key) => switching(key));
  const ws = new lib.default(server.url, {
    perMessageDeflate: false,
    finishRequest(req, websocket) {
      req.setHeader('X-Late', String(websocket instanceof lib.default));
      req.end();
    },
  });
  await next(ws, 'open');
  ws.terminate();
  await next(ws, 'close');
  await server.close();
  return /x-late: (.*)/i.exec(server.requests[0])[1];
});

both('credentials in the URL become an Authorization header', async (lib) => {
  const server = await rawServer((request, key) => switching(key));
  const ws = new lib.default(server.url.replace('ws://', 'ws://user:p%40ss@'), { perMessageDeflate: false });
  await next(ws, 'open');
  ws.terminate();
  await next(ws, 'close');
  await server.close();
  return /authorization: (.*)/i.exec(server.requests[0])[1];
});

both('ws+unix: URLs reach a server on a Unix socket', async (lib) => {
  const socketPath = path.join(os.tmpdir(), `wsframe-${process.pid}-${lib.name}.sock`);
  rmSync(socketPath, { force: true });
  const server = http.createServer();
  const wss = new lib.WebSocketServer({ server });
  wss.on('connection', (ws, req) => ws.send(`path ${req.url}`));
  server.listen(socketPath);
  await next(server, 'listening');
  const ws = new lib.default(`ws+unix:${socketPath}:/inside?x=1`);
  const [data] = await next(ws, 'message');
  ws.close();
  await next(ws, 'close');
  await new Promise((r) => server.close(r));
  rmSync(socketPath, { force: true });
  return data.toString();
});

both('frames a client sends: masking, mask: false, generateMask, fin: false, ping and pong payloads', async (lib) => {
  const server = await rawServer((request, key) => switching(key));
  const ws = new lib.default(server.url, {
    perMessageDeflate: false,
    generateMask(mask) {
      mask.fill(0x0f);
    },
  });
  const [socket] = await Promise.all([next(server.server, 'handshake').then(([s]) => s), next(ws, 'open')]);
  ws.send('whole');
  ws.send('frag', { fin: false });
  ws.ping('p');
  ws.send(Buffer.from('ment'), { fin: false });
  ws.send('!', { fin: true });
  ws.send('plain', { mask: false });
  ws.pong(Buffer.from([1, 2]));
  ws.send(new Uint8Array([7, 8, 9]));
  await sleep(100);
  ws.terminate();
  await next(ws, 'close');
  await server.close();
  return framesOf(socket.received());
});

both('faults in what a server sends: masked frames, a bad close code', async (lib) => {
  const results = [];
  for (const [name, frame] of [
    ['a masked frame', encodeFrame('hi', { mask: true })],
    ['close code 1004', encodeFrame(Buffer.from([0x03, 0xec]), { opcode: 'close' })],
    ['a text frame after a close', Buffer.concat([encodeFrame(Buffer.from([0x03, 0xe8]), { opcode: 'close' }), encodeFrame('late')])],
  ]) {
    const server = await rawServer((request, key) => Buffer.concat([Buffer.from(switching(key)), encodeFrame('first'), frame]));
    let socket;
    server.server.on('handshake', (s) => (socket = s));
    const ws = new lib.default(server.url, { perMessageDeflate: false });
    const events = record(ws);
    await next(ws, 'close');
    await sleep(20);
    results.push({ name, events, sent: await framesOf(socket.received()) });
    await server.close();
  }
  return results.map((r) => ({ ...r, sent: r.sent.map((f) => ({ ...f, payload: f.masked ? 'masked' : f.payload })) }));
});

both('permessage-deflate with a ws server: negotiated, compressed both ways, and compress: false', async (lib) => {
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await next(server, 'listening');
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const ws = new lib.default(`ws://127.0.0.1:${server.address().port}`);
  await next(ws, 'open');
  const got = [];
  ws.on('message', (data, isBinary) => got.push([data.length, isBinary, data.subarray(0, 4).toString()]));
  ws.send('a'.repeat(10_000));
  ws.send(Buffer.alloc(100_000, 'b'), { compress: false });
  ws.send('tiny');
  while (got.length < 3) await sleep(10);
  const extensions = ws.extensions;
  ws.close();
  await next(ws, 'close');
  await new Promise((r) => server.close(r));
  return { extensions, got };
});
