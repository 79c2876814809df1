// permessage-deflate (RFC 7692) against real peers: the `ws` package with
// perMessageDeflate as server and as client, for every combination of
// context takeover on/off and window bits 9, 12 and 15, messages from 0 B
// to 1 MiB, whole and fragmented; plus the helpers, and a decompression
// bomb against the Node server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { connect } from 'wsframe/node';
import * as wsframe from 'wsframe';
import { hex, startServer, vectors } from './helpers.mjs';

const SIZES = [0, 1, 1000, 100_000, 1 << 20];
const COMBOS = [];
for (const bits of [9, 12, 15]) {
  for (const serverNoContextTakeover of [false, true]) {
    for (const clientNoContextTakeover of [false, true]) {
      COMBOS.push({ serverMaxWindowBits: bits, clientMaxWindowBits: bits, serverNoContextTakeover, clientNoContextTakeover });
    }
  }
}

function payload(size, seed) {
  // Compressible but not trivial: words with a changing mix.
  const words = ['alpha', 'beta', 'gamma', 'delta', 'é€', '𝄞', String(seed)];
  let s = '';
  for (let i = 0; s.length < size; i++) s += words[(i * 7 + seed) % words.length] + (i % 13 === 0 ? '\n' : ' ');
  return Buffer.from(s).subarray(0, size);
}

/** Sends every size as binary and (valid) text, whole and fragmented; checks the echoes. */
async function exchange(ws, send) {
  const expected = [];
  for (const [i, size] of SIZES.entries()) {
    const bin = payload(size, i);
    const text = 'héllo ' + payload(size, i + 10).toString('latin1');
    expected.push([bin, true], [text, false], [bin, true]);
    send(ws, bin, { binary: true });
    send(ws, text, {});
    send(ws, bin, { binary: true, fragmented: true });
  }
  const got = [];
  await new Promise((resolve) => {
    ws.on('message', (data, isBinary) => {
      got.push([data, isBinary]);
      if (got.length === expected.length) resolve();
    });
  });
  for (const [i, [data, isBinary]] of got.entries()) {
    const [want, wantBinary] = expected[i];
    assert.equal(isBinary, wantBinary, `message ${i}`);
    if (isBinary) assert.ok(Buffer.from(data).equals(want), `binary message ${i} (${want.length} B)`);
    else assert.equal(data.toString(), want, `text message ${i}`);
  }
}

test('helpers: offer, negotiate, accept, and the Inflater on the RFC vectors', () => {
  assert.equal(wsframe.deflateOffer(), 'permessage-deflate; client_max_window_bits');
  const request = new wsframe.ServerHandshake().push(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=10\r\n\r\n',
  );
  const agreed = wsframe.negotiateDeflate(request.extensions, {});
  assert.equal(agreed.response, 'permessage-deflate; server_max_window_bits=10', 'the invalid first offer was skipped');
  assert.equal(agreed.params.serverMaxWindowBits, 10);
  assert.equal(wsframe.negotiateDeflate(request.extensions, { clientMaxWindowBits: 10 }), null, 'the client did not offer client_max_window_bits');
  const params = wsframe.acceptDeflateResponse([{ name: 'permessage-deflate', params: [{ name: 'client_max_window_bits', value: '9' }] }], {});
  assert.deepEqual(params, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 9 });
  assert.throws(
    () => wsframe.acceptDeflateResponse([{ name: 'permessage-deflate', params: [{ name: 'bogus', value: null }] }], {}),
    { code: 'invalid_extensions' },
  );
  const inflater = new wsframe.Inflater();
  const [hello, again] = vectors.permessage_deflate.find((v) => v.texts).frames_hex.map((h) => hex(h).subarray(2));
  assert.equal(Buffer.from(inflater.inflateMessage(hello)).toString(), 'Hello');
  assert.equal(Buffer.from(inflater.inflateMessage(again)).toString(), 'Hello', 'context taken over');
  const event = vectors.permessage_deflate.find((v) => v.payload_hex);
  assert.equal(Buffer.from(new wsframe.Inflater().inflateMessage(hex(event.payload_hex))).toString(), event.text);
});

for (const combo of COMBOS) {
  const name = `bits ${combo.serverMaxWindowBits}, server ${combo.serverNoContextTakeover ? 'no ' : ''}takeover, client ${combo.clientNoContextTakeover ? 'no ' : ''}takeover`;

  test(`wsframe client -> ws server with perMessageDeflate (${name})`, async () => {
    const server = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { ...combo, threshold: 0 } });
    await once(server, 'listening');
    server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    const ws = connect(`ws://127.0.0.1:${server.address().port}`, { perMessageDeflate: { threshold: 0 }, maxPayload: 4 << 20 });
    await once(ws, 'open');
    assert.match(ws.extensions, /^permessage-deflate/);
    await exchange(ws, (w, data, o) =>
      o.fragmented ? w.send(data, { binary: o.binary, maxFrameSize: 16384 }) : w.send(data, { binary: o.binary }),
    );
    assert.ok(ws._socket.bytesRead < 2 * (1 << 20), `compressed on the wire: read ${ws._socket.bytesRead} B`);
    ws.close(1000);
    await once(ws, 'close');
    await new Promise((r) => server.close(r));
  });

  test(`ws client with perMessageDeflate -> wsframe server (${name})`, async () => {
    const s = await startServer({ perMessageDeflate: { ...combo, threshold: 0 }, maxPayload: 4 << 20 });
    const ws = new WsClient(s.url, { perMessageDeflate: { threshold: 0, ...combo }, maxPayload: 4 << 20 });
    await once(ws, 'open');
    assert.match(ws.extensions, /^permessage-deflate/);
    await exchange(ws, (w, data, o) => {
      if (!o.fragmented) return w.send(data, { binary: o.binary });
      // Three fragments: RSV1 on the first frame only.
      const third = Math.ceil(data.length / 3);
      w.send(data.subarray(0, third), { binary: true, fin: false });
      w.send(data.subarray(third, 2 * third), { binary: true, fin: false });
      w.send(data.subarray(2 * third), { binary: true, fin: true });
    });
    assert.ok(ws._socket.bytesRead < 2 * (1 << 20), `compressed on the wire: read ${ws._socket.bytesRead} B`);
    ws.close(1000);
    await once(ws, 'close');
    await s.close();
  });
}

test('the server answers offers Chromium-style and ws-style, and declines what it cannot honour', async () => {
  const s = await startServer({ perMessageDeflate: { clientMaxWindowBits: 10 } });
  async function answer(offer) {
    const socket = net.connect(s.port, '127.0.0.1');
    socket.end(
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`,
    );
    let text = '';
    for await (const chunk of socket) text += chunk.toString('latin1');
    return /\r\nSec-WebSocket-Extensions: ([^\r]*)\r\n/.exec(text)?.[1] ?? null;
  }
  assert.equal(await answer('permessage-deflate; client_max_window_bits'), 'permessage-deflate; client_max_window_bits=10');
  assert.equal(await answer('permessage-deflate'), null, 'cannot ask this client to limit its window');
  assert.equal(await answer('permessage-deflate; client_max_window_bits=9'), 'permessage-deflate; client_max_window_bits=9');
  await s.close();
});

test('a decompression bomb is cut at maxPayload with 1009, memory near the limit', async () => {
  const LIMIT = 16 << 20;
  let serverError;
  const s = await startServer({ perMessageDeflate: true, maxPayload: LIMIT }, (ws) => ws.on('error', (e) => (serverError = e)));
  // A DEFLATE stream of length-258 distance-1 matches: inflates to 1 GiB.
  const runs = Math.floor((1 << 30) / 258);
  const bits = [];
  const put = (value, n) => {
    for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
  };
  const code = (value, n) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  put(0, 1);
  put(1, 2);
  code(0b0011_0000, 8);
  // Enough of the stream to pass the limit several times over (the rest never matters).
  for (let i = 0; i < Math.min(runs, 400_000); i++) {
    code(0b1100_0101, 8);
    code(0, 5);
  }
  const deflate = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => (deflate[i >> 3] |= b << (i & 7)));
  const frame = wsframe.encodeFrame(deflate, { opcode: 'binary', rsv1: true, mask: true });
  const handshake = new wsframe.ClientHandshake({ host: 'x', extensions: 'permessage-deflate' });
  const socket = net.connect(s.port, '127.0.0.1');
  const rssBefore = process.memoryUsage().rss;
  socket.write(handshake.request);
  let head;
  const decoder = new wsframe.FrameDecoder({ role: 'client' });
  const frames = [];
  socket.on('data', (chunk) => {
    if (!head) {
      head = handshake.push(chunk);
      if (!head) return;
      assert.equal(head.extensions[0]?.name, 'permessage-deflate');
      socket.write(frame);
      chunk = head.rest;
    }
    frames.push(...decoder.push(chunk));
  });
  await once(socket, 'close');
  const grown = process.memoryUsage().rss - rssBefore;
  assert.equal(frames.at(-1).opcode, 8);
  assert.deepEqual([...frames.at(-1).payload], [0x03, 0xf1], 'closed with 1009');
  assert.equal(serverError?.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  assert.equal(serverError?.wsframeCode, 'message_too_big');
  assert.ok(grown < LIMIT + (48 << 20), `resident memory grew by ${grown} B for a ${LIMIT} B limit`);
  await s.close();
});
