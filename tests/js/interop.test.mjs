// Interop over loopback with the `ws` package, both ways: ws client <->
// wsframe server on raw `net`, and wsframe client <-> ws server. Payload
// sizes around every length-form boundary up to 8 MiB, 1-4 byte UTF-8,
// fragmentation, ping/pong, every valid close code from either side, the
// first frame in the handshake's chunk, a stalled reader, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { connect, WebSocketServer } from 'wsframe/node';
import { ClientHandshake, FrameDecoder, encodeFrame } from 'wsframe';
import { startServer } from './helpers.mjs';

// 16383/16384: either side of where wsframe/node writes binary payloads as given.
const SIZES = [0, 125, 126, 16383, 16384, 65535, 65536, 8 << 20];
const TEXT = 'a é € 𝄞 ' + 'x'.repeat(200) + ' 中文 🎉';
const CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];

function pattern(size) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
}

/** Resolves with the next `count` messages of `ws` as [data, isBinary]. */
function messages(ws, count) {
  return new Promise((resolve) => {
    const got = [];
    const on = (data, isBinary) => {
      got.push([data, isBinary]);
      if (got.length === count) {
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
  });
}

/** Sends a binary message of every size in SIZES through `ws`'s echo peer and checks each comes back whole. */
async function binaryEchoesEverySize(ws) {
  for (const size of SIZES) {
    const data = pattern(size);
    const reply = messages(ws, 1);
    ws.send(data);
    const [[got, isBinary]] = await reply;
    assert.equal(isBinary, true);
    assert.ok(Buffer.from(got).equals(data), `binary ${size}`);
  }
}

async function wsClient(url, options) {
  const ws = new WsClient(url, options);
  await once(ws, 'open');
  return ws;
}

async function wsframeClient(url, options) {
  const ws = connect(url, options);
  await once(ws, 'open');
  return ws;
}

async function wsEchoServer(options = {}) {
  const server = new WsServer({ port: 0, host: '127.0.0.1', ...options });
  await once(server, 'listening');
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  return { server, url: `ws://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

test('ws client <-> wsframe server: every size, text and binary, fragmented both ways', async () => {
  const s = await startServer();
  const ws = await wsClient(s.url);
  await binaryEchoesEverySize(ws);
  const reply = messages(ws, 2);
  ws.send(TEXT);
  ws.send(TEXT.repeat(5000));
  const texts = await reply;
  assert.deepEqual(texts.map(([d, b]) => [d.toString(), b]), [[TEXT, false], [TEXT.repeat(5000), false]]);
  // ws sends fragments; the echo comes back whole.
  const whole = messages(ws, 1);
  ws.send('Hel', { fin: false });
  ws.send('lo ', { fin: false });
  ws.send('𝄞', { fin: true });
  assert.equal((await whole)[0][0].toString(), 'Hello 𝄞');
  ws.close();
  await once(ws, 'close');
  await s.close();
});

test('wsframe server sends fragmented messages that ws reassembles', async () => {
  const s = await startServer({}, (ws) => {
    ws.on('message', () => {
      ws.send(pattern(100_000), { maxFrameSize: 1000 });
      ws.send(TEXT, { maxFrameSize: 3 });
    });
  });
  const ws = await wsClient(s.url);
  const got = messages(ws, 2);
  ws.send('go');
  const [[bin], [text]] = await got;
  assert.ok(bin.equals(pattern(100_000)));
  assert.equal(text.toString(), TEXT);
  ws.terminate();
  await s.close();
});

test('wsframe client <-> ws server: every size, text and binary, fragmented', async () => {
  const s = await wsEchoServer();
  const ws = await wsframeClient(s.url);
  await binaryEchoesEverySize(ws);
  const reply = messages(ws, 2);
  ws.send(TEXT);
  ws.send(TEXT.repeat(3), { maxFrameSize: 7 });
  const texts = await reply;
  assert.deepEqual(texts.map(([d, b]) => [d.toString(), b]), [[TEXT, false], [TEXT.repeat(3), false]]);
  ws.close(1000);
  const [code] = await once(ws, 'close');
  assert.equal(code, 1000);
  await s.close();
});

test('ping and pong both ways', async () => {
  let serverSide;
  const s = await startServer({}, (ws) => {
    serverSide = ws;
    ws.on('error', () => {});
  });
  const ws = await wsClient(s.url);
  await new Promise((r) => setTimeout(r, 20));
  const pong = once(ws, 'pong');
  const serverPing = once(serverSide, 'ping');
  ws.ping('from ws');
  assert.equal((await serverPing)[0].toString(), 'from ws');
  assert.equal((await pong)[0].toString(), 'from ws', 'auto-pong echoes the payload');
  const serverPong = once(serverSide, 'pong');
  serverSide.ping(Buffer.from([1, 2, 3]));
  assert.deepEqual([...(await serverPong)[0]], [1, 2, 3]);
  ws.terminate();
  await s.close();

  const w = await wsEchoServer();
  const client = await wsframeClient(w.url);
  const p = once(client, 'pong');
  client.ping('x');
  assert.equal((await p)[0].toString(), 'x');
  client.terminate();
  await w.close();
});

test('every valid close code, closed by the ws client', async () => {
  const seen = [];
  const s = await startServer({}, (ws) => ws.on('close', (code, reason) => seen.push([code, reason.toString()])));
  for (const code of CLOSE_CODES) {
    const ws = await wsClient(s.url);
    ws.close(code, 'bye ' + code);
    const [echoed] = await once(ws, 'close');
    assert.equal(echoed, code, 'the server echoes the code');
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, CLOSE_CODES.map((c) => [c, 'bye ' + c]));
  await s.close();
});

test('every valid close code, closed by the wsframe server', async () => {
  for (const code of CLOSE_CODES) {
    const s = await startServer({}, (ws) => ws.close(code, 'server ' + code));
    const ws = new WsClient(s.url);
    const [got, reason] = await once(ws, 'close');
    assert.equal(got, code);
    assert.equal(reason.toString(), 'server ' + code);
    await s.close();
  }
});

test('every valid close code, closed by the wsframe client against ws', async () => {
  const server = new WsServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const seen = [];
  server.on('connection', (ws) => ws.on('close', (code, reason) => seen.push([code, reason.toString()])));
  for (const code of CLOSE_CODES) {
    const ws = await wsframeClient(`ws://127.0.0.1:${server.address().port}`);
    ws.close(code, 'client ' + code);
    const [echoed] = await once(ws, 'close');
    assert.equal(echoed, code);
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, CLOSE_CODES.map((c) => [c, 'client ' + c]));
  await new Promise((r) => server.close(r));
});

test('server-initiated close from ws reaches the wsframe client', async () => {
  const server = new WsServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  server.on('connection', (ws) => ws.close(4321, 'done'));
  const ws = connect(`ws://127.0.0.1:${server.address().port}`);
  const [code, reason] = await once(ws, 'close');
  assert.deepEqual([code, reason.toString()], [4321, 'done']);
  await new Promise((r) => server.close(r));
});

test('frames in the same TCP chunk as the handshake are not lost', async () => {
  const s = await startServer();
  const handshake = new ClientHandshake({ host: `127.0.0.1:${s.port}`, path: '/' });
  const socket = net.connect(s.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(Buffer.concat([handshake.request, encodeFrame('first', { mask: true }), encodeFrame('second', { mask: true })]));
  const decoder = new FrameDecoder({ role: 'client' });
  let head = null;
  const frames = [];
  await new Promise((resolve) => {
    socket.on('data', (chunk) => {
      if (!head) {
        head = handshake.push(chunk);
        if (!head) return;
        chunk = head.rest;
      }
      frames.push(...decoder.push(chunk));
      if (frames.length === 2) resolve();
    });
  });
  assert.deepEqual(frames.map((f) => Buffer.from(f.payload).toString()), ['first', 'second']);
  socket.destroy();
  await s.close();
});

test('the same, for the client: frames right after the 101', async () => {
  const server = net.createServer((socket) => {
    socket.once('data', (chunk) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(chunk.toString())[1];
      const { acceptKey } = globalThis.__wsframe;
      socket.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`),
          encodeFrame('hello right away'),
        ]),
      );
    });
  });
  globalThis.__wsframe = await import('wsframe');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = connect(`ws://127.0.0.1:${server.address().port}`, { perMessageDeflate: false });
  const [data] = await once(ws, 'message');
  assert.equal(data.toString(), 'hello right away');
  ws.terminate();
  server.close();
});

test('a client that stalls reading: send reports backpressure, then everything arrives', async () => {
  const MESSAGES = 64;
  const SIZE = 1 << 20;
  let sawBackpressure = false;
  let drained = false;
  const s = await startServer({}, (ws) => {
    ws.on('message', () => {
      for (let i = 0; i < MESSAGES; i++) {
        const data = pattern(SIZE);
        data.writeUInt32BE(i, 0);
        if (!ws.send(data)) sawBackpressure = true;
      }
      assert.ok(ws.bufferedAmount > 0);
      // As in ws, the WebSocket has no 'drain' event: its socket has.
      ws._socket.once('drain', () => (drained = true));
    });
  });
  const ws = await wsClient(s.url, { maxPayload: 2 * SIZE });
  ws._socket.pause(); // stop reading
  ws.send('go');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(sawBackpressure, 'send returned false while the client did not read');
  const all = messages(ws, MESSAGES);
  ws._socket.resume();
  const got = await all;
  assert.deepEqual(got.map(([d]) => d.readUInt32BE(0)), [...Array(MESSAGES).keys()]);
  assert.ok(got.every(([d]) => d.length === SIZE));
  assert.ok(drained, "the socket's 'drain' was emitted");
  ws.terminate();
  await s.close();
});

test('refusals: 426 for a wrong version, 400 for a bad key, 403 from verifyClient, subprotocol choice', async () => {
  const s = await startServer({
    protocols: ['v2', 'v1'],
    verifyClient: ({ origin }, cb) => (origin !== 'http://evil.example' ? cb(true) : cb(false, 403, 'no')),
  });
  async function raw(request) {
    const socket = net.connect(s.port, '127.0.0.1');
    socket.end(request);
    let answer = '';
    for await (const chunk of socket) answer += chunk;
    return answer;
  }
  const base = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`;
  const v8 = await raw(base + 'Sec-WebSocket-Version: 8\r\n\r\n');
  assert.match(v8, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(v8, /\r\nSec-WebSocket-Version: 13\r\n/);
  const badKey = await raw(base.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short') + 'Sec-WebSocket-Version: 13\r\n\r\n');
  assert.match(badKey, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const evil = new WsClient(s.url, { origin: 'http://evil.example' });
  evil.on('error', () => {});
  const [req, res] = await once(evil, 'unexpected-response');
  assert.equal(res.statusCode, 403);
  req.destroy();
  const ws = await wsClient(s.url, ['v1', 'v2']);
  assert.equal(ws.protocol, 'v2', 'the server picks by its own preference among the offered');
  ws.terminate();
  // None offered that the server speaks: the 101 names none (the client may then give up, as ws does).
  const answer = await raw(base.replace('\r\n', '\r\n') + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v3\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.doesNotMatch(answer, /Sec-WebSocket-Protocol/i);
  await s.close();
});

test("http server 'upgrade' events hand sockets to wsframe", async () => {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send('http:' + d)));
  const server = http.createServer((req, res) => res.end('plain http'));
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = await wsClient(`ws://127.0.0.1:${server.address().port}/path`);
  const reply = messages(ws, 1);
  ws.send('hi');
  assert.equal((await reply)[0][0].toString(), 'http:hi');
  ws.terminate();
  await new Promise((r) => server.close(r));
});

test('close timeout destroys a peer that never answers the close', async () => {
  let serverClosed;
  const closed = new Promise((resolve) => (serverClosed = resolve));
  const s = await startServer({ closeTimeout: 200 }, (ws) => {
    ws.on('close', (code) => serverClosed(code));
    ws.close(1000, 'bye');
  });
  const socket = net.connect(s.port, '127.0.0.1');
  const handshake = new ClientHandshake({ host: 'x', path: '/' });
  socket.write(handshake.request);
  socket.on('data', () => {}); // read, but never answer the close
  const started = Date.now();
  const code = await closed;
  assert.ok(Date.now() - started >= 150, 'waited for the close timeout');
  assert.equal(code, 1006, 'no close frame came back: abnormal closure, as ws reports it');
  socket.destroy();
  await s.close();
});

test('protocol violations close with the right code and report the error', async () => {
  let serverError;
  const s = await startServer({}, (ws) => ws.on('error', (e) => (serverError = e)));
  const socket = net.connect(s.port, '127.0.0.1');
  const handshake = new ClientHandshake({ host: 'x', path: '/' });
  socket.write(Buffer.concat([handshake.request, encodeFrame('unmasked client frame')]));
  const decoder = new FrameDecoder({ role: 'client' });
  let head;
  const frames = [];
  for await (let chunk of socket) {
    if (!head) {
      head = handshake.push(chunk);
      if (!head) continue;
      chunk = head.rest;
    }
    frames.push(...decoder.push(chunk));
  }
  assert.equal(frames.length, 1);
  assert.equal(frames[0].opcode, 8);
  assert.deepEqual([...frames[0].payload], [0x03, 0xea], 'close 1002');
  assert.equal(serverError.code, 'WS_ERR_EXPECTED_MASK');
  assert.equal(serverError.wsframeCode, 'mask_missing');
  await s.close();
});

test('idle timeout closes a silent connection with 1001', async () => {
  const s = await startServer({ idleTimeout: 150 });
  const ws = await wsClient(s.url);
  const started = Date.now();
  const [code, reason] = await once(ws, 'close');
  assert.equal(code, 1001);
  assert.equal(reason.toString(), 'idle timeout');
  assert.ok(Date.now() - started >= 120);
  await s.close();
});

test('raw net mode: handshake timeout drops a client that never finishes its request', async () => {
  const server = net.createServer();
  const wss = new WebSocketServer({ server, handshakeTimeout: 150 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const s = { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
  const socket = net.connect(s.port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n'); // no blank line: the head never ends
  const started = Date.now();
  await once(socket, 'close');
  assert.ok(Date.now() - started >= 120);
  await s.close();
});
