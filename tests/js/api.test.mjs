// The package's codec API from Node: vectors, any chunking, the packed hot
// paths (including payloads that make wasm memory grow), errors as
// WsframeError, handshake helpers and inspection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wsframe from 'wsframe';
import { hex, vectors } from './helpers.mjs';

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
