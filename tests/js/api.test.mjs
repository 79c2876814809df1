// The package's codec API from Node: vectors, any chunking, the packed hot
// paths (including payloads that make wasm memory grow), errors as
// WsframeError, handshake helpers and inspection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wsframe from 'wsframe';
import { createRequire } from 'node:module';
import { hex, vectors } from './helpers.mjs';

const { Sender } = createRequire(import.meta.url)('ws');

const { Connection, FrameDecoder, WsframeError, encodeFrame, encodeFrameHeader } = wsframe;

test('accept keys from RFC 6455 and the seeds', () => {
  for (const { key, accept } of vectors.handshake_accept) assert.equal(wsframe.acceptKey(key), accept);
});

test('frame vectors decode to their fields, in one chunk and byte by byte', () => {
  for (const v of vectors.frames.filter((f) => f.hex)) {
    const wire = hex(v.hex);
    const [frame] = new FrameDecoder().push(wire);
    assert.equal(frame.fin, v.fin, v.name);
    assert.equal(frame.opcode, v.opcode, v.name);
    assert.equal(frame.masked, v.masked, v.name);
    if (v.mask_hex) assert.deepEqual(Buffer.from(frame.maskKey), hex(v.mask_hex));
    if (v.payload_utf8 !== undefined) assert.equal(Buffer.from(frame.payload).toString(), v.payload_utf8);
    const decoder = new FrameDecoder();
    const frames = [];
    for (const byte of wire) frames.push(...decoder.push(Uint8Array.of(byte)));
    assert.deepEqual(frames, [frame], v.name);
    // Our encoder gives the same bytes back.
    const again = encodeFrame(frame.payload, { opcode: frame.opcode, fin: frame.fin, mask: frame.maskKey ?? false });
    assert.deepEqual(Buffer.from(again), wire, v.name);
  }
});

test('encodeFrame forms: text, binary, random mask, header only, any frame', () => {
  assert.deepEqual(Buffer.from(encodeFrame('Hello')), hex('810548656c6c6f'));
  assert.deepEqual(Buffer.from(encodeFrame(new Uint8Array(256))).subarray(0, 4), hex('827e0100'));
  assert.deepEqual(Buffer.from(encodeFrameHeader(65536)), hex('827f0000000000010000'));
  const masked = encodeFrame('Hello', { mask: true });
  assert.equal(masked[1], 0x85);
  assert.equal(Buffer.from(new FrameDecoder().push(masked)[0].payload).toString(), 'Hello');
  // The builder makes invalid frames on purpose (for the inspector).
  const bad = encodeFrame(new Uint8Array(200), { opcode: 'ping', fin: false, rsv2: true });
  assert.deepEqual([...bad.subarray(0, 2)], [0x29, 126]);
  assert.throws(() => encodeFrame('x', { opcode: 16 }), (e) => e instanceof WsframeError && e.code === 'invalid_argument');
  // The header's hot call returns -1 when refused; the core's error is thrown.
  assert.throws(() => encodeFrameHeader(-1), (e) => e instanceof WsframeError && /payloadLength/.test(e.message));
  assert.throws(() => encodeFrameHeader(5, { mask: new Uint8Array(3) }), (e) => e instanceof WsframeError && /4 bytes/.test(e.message));
  assert.deepEqual(Buffer.from(encodeFrameHeader(5, { mask: new Uint8Array([1, 2, 3, 4]) })), hex('828501020304'));
});

test('encodeFrameHeader and encodeFrame write the headers ws Sender.frame writes, at every length form', () => {
  const lengths = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20];
  const forms = [
    { opcode: 2, fin: true, rsv1: false },
    { opcode: 1, fin: false, rsv1: true },
    { opcode: 0, fin: true, rsv1: false },
    { opcode: 9, fin: true, rsv1: false },
  ];
  for (const length of lengths) {
    const payload = Buffer.alloc(length, 7);
    for (const form of forms) {
      const [header] = Sender.frame(payload, { ...form, mask: false, readOnly: false });
      const options = { opcode: form.opcode, fin: form.fin, rsv1: form.rsv1 };
      assert.deepEqual(Buffer.from(encodeFrameHeader(length, options)), header, `${length} ${JSON.stringify(form)}`);
      assert.deepEqual(Buffer.from(encodeFrame(payload, options).subarray(0, header.length)), header, `${length} ${JSON.stringify(form)}`);
      const key = Buffer.from([9, 8, 7, 6]);
      const [maskedHeader] = Sender.frame(Buffer.from(payload), { ...form, mask: true, maskBuffer: key, generateMask: () => {}, readOnly: false });
      assert.deepEqual(Buffer.from(encodeFrameHeader(length, { ...options, mask: key })), maskedHeader);
    }
  }
});

test('an options object whose getter throws fails that call only, and the instance goes on', () => {
  const throwing = (base, name) => Object.defineProperty({ ...base }, name, { enumerable: true, get: () => { throw new Error(`no ${name}`); } });
  for (let i = 0; i < 3; i++) {
    assert.throws(() => new Connection(throwing({ role: 'server' }, 'maxFrameSize')), /no maxFrameSize/);
    assert.throws(() => wsframe.validateRequest(throwing({ method: 'GET', path: '/' }, 'headers')), /no headers/);
  }
  // The calls after them read their options as usual (a name table left
  // borrowed by the exception would make every later call trap).
  const server = new Connection({ role: 'server', maxFrameSize: 4 });
  const client = new Connection({ role: 'client' });
  assert.equal(server.receive(client.send('12345')).error.code, 'frame_too_big');
});

test('a server connection turns client frames into events, whatever the chunking', () => {
  const client = new Connection({ role: 'client' });
  const wire = Buffer.concat([
    client.send('héllo €𝄞'),
    client.send(new Uint8Array([0, 1, 2])),
    client.sendFragment('frag', { fin: false }),
    client.ping('p'),
    client.sendFragment('ment', { fin: true }),
    client.close(1000, 'bye'),
  ]);
  for (const size of [1, 2, 5, 13, wire.length]) {
    const server = new Connection({ role: 'server' });
    const events = [];
    let output = Buffer.alloc(0);
    let pending = false;
    for (let at = 0; at < wire.length; at += size) {
      const r = server.receive(wire.subarray(at, at + size));
      events.push(...r.events);
      if (r.output) output = Buffer.concat([output, r.output]);
      assert.equal(r.error, null);
      pending ||= r.pending;
    }
    assert.deepEqual(events, [
      { type: 'text', data: 'héllo €𝄞' },
      { type: 'binary', data: new Uint8Array([0, 1, 2]) },
      { type: 'ping', data: new Uint8Array([112]) },
      { type: 'text', data: 'fragment' },
      { type: 'close', code: 1000, reason: 'bye' },
    ], `chunk size ${size}`);
    assert.deepEqual([...output], [0x8a, 1, 112], 'the ping was answered at once');
    assert.ok(pending);
    assert.deepEqual(Buffer.from(server.flush()), hex('880203e8'), 'the close reply waits for flush');
    assert.equal(server.state, 'closed');
  }
});

/** A frame as RFC 6455 §5.2 lays it out, built here by hand. */
function rfcFrame(firstByte, payload, maskKey = null) {
  const len = payload.length;
  const maskBit = maskKey ? 0x80 : 0;
  let head;
  if (len < 126) head = Buffer.from([firstByte, maskBit | len]);
  else if (len < 65536) head = Buffer.from([firstByte, maskBit | 126, len >> 8, len & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = firstByte;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!maskKey) return Buffer.concat([head, payload]);
  const masked = Buffer.from(payload.map((b, i) => b ^ maskKey[i % 4]));
  return Buffer.concat([head, Buffer.from(maskKey), masked]);
}

test('sent messages are the frames RFC 6455 lays out, for any text and size', () => {
  const server = new Connection({ role: 'server' });
  const texts = [
    '',
    'Hello',
    'héllo €𝄞',
    'a'.repeat(100) + '€ after an ASCII head',
    'x'.repeat(300),
    'lone \ud800 surrogate',
    'é'.repeat(70_000),
  ];
  for (const text of texts) {
    // Buffer.from encodes as the WebSocket API does: unpaired surrogates become U+FFFD.
    const expected = rfcFrame(0x81, Buffer.from(text, 'utf8'));
    assert.ok(Buffer.from(server.sendText(text)).equals(expected), text.slice(0, 20));
    assert.ok(Buffer.from(server.send(text)).equals(expected), text.slice(0, 20));
  }
  assert.deepEqual(Buffer.from(server.sendText('Hello')), hex('810548656c6c6f'), 'RFC 6455 §5.7');
  for (const size of [0, 1, 125, 126, 1024, 1025, 65535, 65536]) {
    const payload = Buffer.alloc(size, size & 0xff);
    assert.ok(Buffer.from(server.sendBinary(payload)).equals(rfcFrame(0x82, payload)), `${size} B`);
  }
  const ten = Buffer.from('0123456789');
  assert.deepEqual(
    Buffer.from(server.send(ten, { maxFrameSize: 4 })),
    Buffer.concat([rfcFrame(0x02, ten.subarray(0, 4)), rfcFrame(0x00, ten.subarray(4, 8)), rfcFrame(0x80, ten.subarray(8))]),
  );
  assert.deepEqual(
    Buffer.from(server.send('héllo', { maxFrameSize: 3 })),
    Buffer.concat([rfcFrame(0x01, Buffer.from('hé')), rfcFrame(0x80, Buffer.from('llo'))]),
    'text is split on byte counts, the whole message being valid UTF-8',
  );
  assert.throws(
    () => server.send(Buffer.from([0x68, 0xff]), { binary: false }),
    (e) => e instanceof WsframeError && e.code === 'invalid_argument',
  );
  // A client masks every frame with a fresh key (RFC 6455 §5.3).
  const client = new Connection({ role: 'client' });
  const keys = new Set();
  for (const text of texts) {
    const frame = Buffer.from(client.sendText(text));
    const payloadAt = frame.length - Buffer.byteLength(text);
    const key = frame.subarray(payloadAt - 4, payloadAt);
    keys.add(key.toString('hex'));
    assert.ok(frame.equals(rfcFrame(0x81, Buffer.from(text, 'utf8'), key)), text.slice(0, 20));
  }
  assert.equal(keys.size, texts.length);
  server.close(1000);
  assert.throws(() => server.sendText('late'), (e) => e instanceof WsframeError && e.code === 'invalid_state');
});

test('a server starts a large binary message with its header alone', () => {
  const server = new Connection({ role: 'server' });
  for (const size of [0, 125, 126, 65535, 65536, 1 << 20]) {
    const payload = Buffer.alloc(size, 0x5a);
    const header = server.sendBinaryHeader(size);
    assert.ok(Buffer.concat([header, payload]).equals(rfcFrame(0x82, payload)), `${size} B`);
  }
  assert.equal(new Connection({ role: 'client' }).sendBinaryHeader(100), null, 'a client must mask the payload');
  const deflate = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, threshold: 1024 };
  const compressing = new Connection({ role: 'server', deflate });
  assert.equal(compressing.sendBinaryHeader(1024), null, 'compressed at the threshold');
  assert.deepEqual(Buffer.from(compressing.sendBinaryHeader(1023)), hex('827e03ff'));
  assert.throws(() => server.sendBinaryHeader(-1), (e) => e instanceof WsframeError && e.code === 'invalid_argument');
  server.sendFragment(new Uint8Array(1), { fin: false });
  assert.throws(() => server.sendBinaryHeader(1), (e) => e instanceof WsframeError && e.code === 'invalid_state');
});

test('results never share bytes, and outlive a transferred buffer', () => {
  // Small results are views into shared slabs: each must keep its own bytes.
  const server = new Connection({ role: 'server' });
  const client = new Connection({ role: 'client' });
  const kept = [];
  for (let i = 0; i < 3000; i++) {
    const payload = Buffer.alloc(1 + (i % 700), i & 0xff);
    kept.push([payload, server.sendBinary(payload), encodeFrame(payload)]);
    const r = server.receive(client.ping(payload.subarray(0, 125)));
    kept.push([payload.subarray(0, 125), r.events[0].data, null]);
  }
  for (const [payload, frame, built] of kept) {
    if (built) {
      assert.ok(Buffer.from(frame).equals(rfcFrame(0x82, payload)));
      assert.ok(Buffer.from(built).equals(rfcFrame(0x82, payload)));
    } else {
      assert.ok(Buffer.from(frame).equals(payload), 'ping payload');
    }
  }
  // Transferring a result's buffer detaches what shares it; later results are unaffected.
  const first = server.sendText('first');
  structuredClone(first, { transfer: [first.buffer] });
  assert.equal(first.length, 0, 'detached');
  assert.deepEqual(Buffer.from(server.sendText('Hello')), hex('810548656c6c6f'));
  assert.deepEqual(Buffer.from(encodeFrame('Hello')), hex('810548656c6c6f'));
});

test('large messages survive wasm memory growth between calls', () => {
  const client = new Connection({ role: 'client' });
  const server = new Connection({ role: 'server' });
  const big = Buffer.alloc(8 << 20, 7);
  big[123] = 9;
  const wire = Buffer.concat([client.send(big), client.send('after')]);
  const events = [];
  for (let at = 0; at < wire.length; at += 65536) events.push(...server.receive(wire.subarray(at, at + 65536)).events);
  assert.equal(events.length, 2);
  assert.equal(events[0].data.length, big.length);
  assert.ok(Buffer.from(events[0].data).equals(big));
  assert.deepEqual(events[1], { type: 'text', data: 'after' });
});

test('protocol errors come back with the events before them, then flush sends the close', () => {
  const server = new Connection({ role: 'server' });
  const ok = encodeFrame('ok', { mask: true });
  const r = server.receive(Buffer.concat([ok, encodeFrame('unmasked')]));
  assert.deepEqual(r.events, [{ type: 'text', data: 'ok' }]);
  assert.ok(r.error instanceof WsframeError);
  assert.ok(r.error instanceof Error);
  assert.equal(r.error.code, 'mask_missing');
  assert.equal(r.error.closeCode, 1002);
  assert.equal(r.error.offset, ok.length + 1);
  assert.equal(server.state, 'failing');
  // A reply to "ok" may still go out before the failure.
  assert.deepEqual(Buffer.from(server.send('ok')), hex('81026f6b'));
  assert.deepEqual(Buffer.from(server.flush()), hex('880203ea'));
  assert.equal(server.state, 'failed');
  assert.throws(() => server.send('late'), { code: 'invalid_state' });
});

test('buffers: true makes byte results Buffers, the options object read as given', () => {
  const options = Object.freeze({ role: 'server', buffers: true, maxMessageSize: 1000 });
  const server = new Connection(options);
  const frame = server.send('hi');
  assert.ok(Buffer.isBuffer(frame));
  assert.deepEqual([...frame], [0x81, 0x02, 0x68, 0x69]);
  // The limits given beside it still hold.
  const client = new Connection({ role: 'client' });
  assert.equal(server.receive(client.send(Buffer.alloc(1001))).error?.code, 'message_too_big');
  const plain = new Connection({ role: 'server' });
  const bytes = plain.send('hi');
  assert.ok(bytes instanceof Uint8Array && !Buffer.isBuffer(bytes));
  assert.throws(() => new Connection({ role: 'server', buffers: true, buffer: true }), /unknown field `buffer`/);
  for (const c of [server, client, plain]) c.free();
});

test('limits are options and unknown options are refused', () => {
  const server = new Connection({ role: 'server', maxMessageSize: 10 });
  const r = server.receive(encodeFrame(new Uint8Array(11), { mask: true }).subarray(0, 8));
  assert.equal(r.error.code, 'message_too_big');
  assert.equal(r.error.closeCode, 1009);
  assert.throws(() => new Connection({ role: 'server', maxPaylod: 10 }), { code: 'invalid_argument' });
  assert.throws(() => new Connection({ role: 'both' }), { code: 'invalid_argument' });
});

test('invalid UTF-8 fails as soon as the bad byte arrives', () => {
  const server = new Connection({ role: 'server' });
  const frame = encodeFrame(Buffer.from('abc\xffdef', 'latin1'), { opcode: 'text', mask: true });
  assert.equal(server.receive(frame.subarray(0, 9)).error, null);
  const r = server.receive(frame.subarray(9, 10));
  assert.equal(r.error.code, 'invalid_utf8');
  assert.equal(r.error.closeCode, 1007);
  assert.equal(r.error.offset, 9);
});

test('server and client handshakes, and refusals with the right status', () => {
  const client = new wsframe.ClientHandshake({ host: 'example.com', path: '/chat', protocols: ['chat', 'superchat'] });
  const server = new wsframe.ServerHandshake();
  const request = server.push(Buffer.concat([client.request, hex('8180')]));
  assert.equal(request.path, '/chat');
  assert.deepEqual(request.protocols, ['chat', 'superchat']);
  assert.deepEqual([...request.rest], [0x81, 0x80]);
  const answer = wsframe.acceptResponse(request, { protocol: 'chat' });
  const response = client.push(answer);
  assert.equal(response.status, 101);
  assert.equal(response.protocol, 'chat');
  assert.throws(() => wsframe.acceptResponse(request, { protocol: 'nope' }), { code: 'invalid_argument' });

  const bad = new wsframe.ServerHandshake();
  let error;
  try {
    bad.push('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n');
  } catch (e) {
    error = e;
  }
  assert.equal(error.code, 'invalid_key');
  assert.equal(error.httpStatus, 400);
  assert.match(Buffer.from(wsframe.rejectionFor(error)).toString(), /^HTTP\/1\.1 400 Bad Request\r\n/);
});

test('validateRequest and upgradeOffer judge a parsed request alike, its headers as pairs or as rawHeaders', () => {
  const rawHeaders = ['Host', 'example.com', 'Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version', '13', 'Sec-WebSocket-Protocol', 'chat, superchat', 'Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'];
  const pairs = [];
  for (let i = 0; i < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
  const parts = (headers) => ({ method: 'GET', path: '/chat', httpMinor: 1, headers });
  const request = wsframe.validateRequest(parts(pairs));
  assert.deepEqual(wsframe.validateRequest(parts(rawHeaders)), request);
  assert.deepEqual(request.headers, pairs);
  const offer = wsframe.upgradeOffer(parts(rawHeaders));
  assert.deepEqual(offer, { key: request.key, protocols: ['chat', 'superchat'], extensions: request.extensions });
  assert.deepEqual(wsframe.upgradeOffer(parts(pairs)), offer);
  // The answer to the offer is the answer to the request: RFC 6455's sample key and accept.
  const options = { protocol: 'superchat', deflate: {} };
  const answer = wsframe.upgradeAnswer(offer, options);
  assert.deepEqual(answer, wsframe.upgradeAnswer(request, options));
  assert.ok(answer.lines.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), answer.lines.join('|'));
  // Refusals are the same, with the same status.
  const badKey = rawHeaders.map((h) => (h === 'dGhlIHNhbXBsZSBub25jZQ==' ? 'short' : h));
  for (const judge of [wsframe.validateRequest, wsframe.upgradeOffer]) {
    assert.throws(() => judge(parts(badKey)), { code: 'invalid_key', httpStatus: 400 });
    assert.throws(() => judge({ ...parts(pairs), method: 'POST' }), { httpStatus: 405 });
    // A name without its value, and lists that mix the two forms, are not headers.
    assert.throws(() => judge(parts(rawHeaders.slice(0, -1))), { code: 'invalid_argument' });
    assert.throws(() => judge(parts(['Host', ['a', 'b']])), { code: 'invalid_argument' });
    assert.throws(() => judge(parts([['Host', 'a'], 'Upgrade'])), { code: 'invalid_argument' });
  }
});

test('utf8, close and mask helpers', () => {
  assert.equal(wsframe.isValidUtf8('€'), true);
  assert.equal(wsframe.isValidUtf8(hex('eda080')), false);
  assert.equal(wsframe.isValidCloseCode(1000), true);
  assert.equal(wsframe.isValidCloseCode(1005), false);
  assert.equal(wsframe.closeCodeName(1001), 'Going Away');
  assert.deepEqual(wsframe.parseClosePayload(hex('03e9')), { code: 1001, reason: '' });
  assert.deepEqual(wsframe.parseClosePayload(new Uint8Array()), { code: 1005, reason: '' });
  assert.throws(() => wsframe.parseClosePayload(hex('03ed')), { code: 'invalid_close_code', closeCode: 1002 });
  const data = Buffer.from('Hello');
  wsframe.mask(data, hex('37fa213d'));
  assert.deepEqual(data, hex('7f9f4d5158'));
  const v = new wsframe.Utf8Validator();
  v.push(hex('e282'));
  assert.throws(() => v.finish(), { code: 'invalid_utf8' });
});

test('inspect shows a frame whose 64-bit length is past 2^53 (the length as a decimal string)', () => {
  const anatomy = wsframe.inspect(hex('827f 0020000000000000 4141'), { direction: 'server' });
  assert.equal(anatomy.frames.length, 1);
  const [frame] = anatomy.frames;
  assert.equal(frame.payloadLen, '9007199254740992');
  assert.equal(BigInt(frame.payloadLen), 2n ** 53n);
  assert.equal(frame.available, 2);
  assert.equal(frame.complete, false);
  assert.equal(frame.fields.find((f) => f.name === 'payload').bits, '72057594037927936');
  assert.equal(wsframe.inspect(hex('827e 0002 4141'), { direction: 'server' }).frames[0].payloadLen, 2);
});

test('inspect gives field spans and diagnostics', () => {
  const anatomy = wsframe.inspect(hex('818537fa213d7f9f4d5158 8102 6869'), { direction: 'client' });
  assert.equal(anatomy.frames.length, 2);
  const [first] = anatomy.frames;
  assert.equal(first.opcodeName, 'text');
  assert.equal(Buffer.from(first.payload).toString(), 'Hello');
  const key = first.fields.find((f) => f.name === 'maskingKey');
  assert.deepEqual([key.offset, key.bit, key.bits, key.raw], [2, 0, 32, '37fa213d']);
  assert.deepEqual(anatomy.diagnostics.map((d) => [d.code, d.offset, d.closeCode]), [['mask_missing', 12, 1002]]);
});

test('a message of one frame split over inputs arrives whole, whatever the split, text and binary', () => {
  const client = new Connection({ role: 'client' });
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff));
  const text = 'é€𝄞x'.repeat(6000);
  const wire = Buffer.concat([client.send(binary), client.ping('mid'), client.send(text), client.send('tail')]);
  // Splits anywhere: in headers, early and late in payloads, several per message.
  const random = ((seed) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32))(7);
  for (let round = 0; round < 40; round++) {
    const cuts = [...new Set(Array.from({ length: 1 + (round % 5) }, () => Math.floor(random() * wire.length)))].sort((a, b) => a - b);
    const server = new Connection({ role: 'server' });
    const events = [];
    let at = 0;
    for (const cut of [...cuts, wire.length]) {
      const r = server.receive(wire.subarray(at, cut));
      assert.equal(r.error, null);
      events.push(...r.events);
      at = cut;
    }
    assert.equal(events.length, 4, `cuts ${cuts}`);
    assert.ok(Buffer.from(events[0].data).equals(binary), `binary, cuts ${cuts}`);
    assert.ok(events[0].data instanceof Uint8Array && !Buffer.isBuffer(events[0].data));
    assert.deepEqual(events[1], { type: 'ping', data: new Uint8Array([109, 105, 100]) });
    assert.equal(events[2].data, text, `text, cuts ${cuts}`);
    assert.equal(events[3].data, 'tail');
    server.free();
  }
  client.free();
});

test('a frame header alone does not make a receiver hold what the peer has not sent', () => {
  // 300 connections each receive a header declaring 256 KiB and 100 bytes of it.
  const client = new Connection({ role: 'client' });
  const start = client.send(Buffer.alloc(256 * 1024, 1)).subarray(0, 14 + 100);
  client.free();
  globalThis.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  const servers = [];
  for (let i = 0; i < 300; i++) {
    const server = new Connection({ role: 'server' });
    assert.deepEqual(server.receive(start).events, []);
    servers.push(server);
  }
  const held = process.memoryUsage().arrayBuffers - before;
  // A receiver that allocated each declared length up front would hold 75 MiB here.
  assert.ok(held < 8 * 1024 * 1024, `${(held / 1048576).toFixed(1)} MiB held for 300 × 100 bytes received`);
  for (const server of servers) server.free();
});
