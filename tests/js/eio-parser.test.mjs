// wsframe/engine.io-parser against engine.io-parser 5 (protocol 4) and
// engine.io's bundled protocol 3 parser: the vectors, then random packets
// and payloads encoded by both (identical output) and decoded by the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ours from 'wsframe/engine.io-parser';
import * as official from 'engine.io-parser';
import { createRequire } from 'node:module';
import path from 'node:path';
import { decodePacketV3, decodePayloadV3, encodePacketV3, encodePayloadV3 } from 'wsframe';
import { hex, rng, root, vectors } from './helpers.mjs';

// engine.io 6 keeps its protocol 3 parser (engine.io-parser 2's) inside; it is not exported.
const officialV3 = createRequire(import.meta.url)(path.join(root, 'node_modules/engine.io/build/parser-v3/index.js'));

const TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];

/** Calls a callback-style encoder and returns what it called back with. */
const sync = (fn, ...args) => {
  let out;
  fn(...args, (value) => (out = value));
  return out;
};

// Text without unpaired surrogates (they cannot cross the wire as UTF-8)
// and without the separator (it splits payloads in both implementations).
const ALPHABET = ['a', 'Z', '0', '9', ' ', ':', '"', '\\', '\n', 'é', '€', '中', '😀', '\u0000', '\u001f', 'b', '4'];

function randomText(next, max = 12) {
  let s = '';
  const n = Math.floor(next() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

function randomPacket(next, { binaryTypes = ['message'] } = {}) {
  const roll = next();
  if (roll < 0.25) {
    const bytes = Buffer.alloc(Math.floor(next() * 20));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    return { type: binaryTypes[Math.floor(next() * binaryTypes.length)], data: bytes };
  }
  const type = TYPES[Math.floor(next() * TYPES.length)];
  return roll < 0.4 ? { type } : { type, data: randomText(next) || 'x' };
}

test('vectors: protocol 4 packets and payloads', () => {
  for (const v of vectors.engineio.v4_packets) {
    const packet = v.packet.data_hex ? { type: v.packet.type, data: hex(v.packet.data_hex) } : v.packet;
    if (v.encoded_binary_hex) {
      assert.deepEqual(Buffer.from(sync(ours.encodePacket, packet, true)), hex(v.encoded_binary_hex));
      assert.deepEqual(ours.decodePacket(hex(v.encoded_binary_hex)), packet);
    } else {
      assert.equal(sync(ours.encodePacket, packet, true), v.encoded);
      assert.deepEqual(ours.decodePacket(v.encoded), packet);
    }
  }
  for (const v of vectors.engineio.v4_payloads) {
    const packets = v.packets.map((p) => (p.data_hex ? { type: p.type, data: hex(p.data_hex) } : p));
    assert.equal(sync(ours.encodePayload, packets), v.encoded);
    assert.deepEqual(ours.decodePayload(v.encoded), packets);
  }
});

test('vectors: protocol 3 payloads (text and binary forms)', () => {
  for (const v of vectors.engineio.v3_payloads) {
    const packets = v.packets.map((p) => (p.data_hex ? { type: p.type, data: hex(p.data_hex) } : p));
    if (v.encoded_binary_hex) {
      assert.deepEqual(Buffer.from(encodePayloadV3(packets, { supportsBinary: true })), hex(v.encoded_binary_hex));
      const decoded = decodePayloadV3(hex(v.encoded_binary_hex));
      assert.equal(decoded.error, undefined);
      assert.deepEqual(
        decoded.packets.map((p) => (p.data instanceof Uint8Array ? { ...p, data: Buffer.from(p.data) } : p)),
        packets,
      );
    } else {
      assert.equal(encodePayloadV3(packets), v.encoded);
      assert.deepEqual(decodePayloadV3(v.encoded).packets, packets);
    }
  }
});

test('random packets: identical encodings, each decodes the other (protocol 4)', () => {
  const next = rng(4);
  for (let i = 0; i < 2000; i++) {
    const packet = randomPacket(next);
    for (const supportsBinary of [true, false]) {
      const mine = sync(ours.encodePacket, packet, supportsBinary);
      const theirs = sync(official.encodePacket, packet, supportsBinary);
      assert.deepEqual(mine, theirs, JSON.stringify(packet));
      for (const binaryType of ['nodebuffer', 'arraybuffer']) {
        assert.deepEqual(ours.decodePacket(theirs, binaryType), official.decodePacket(theirs, binaryType));
        assert.deepEqual(official.decodePacket(mine, binaryType), ours.decodePacket(mine, binaryType));
      }
    }
  }
});

test('random payloads: identical encodings, each decodes the other (protocol 4)', () => {
  const next = rng(44);
  for (let i = 0; i < 500; i++) {
    const packets = Array.from({ length: 1 + Math.floor(next() * 6) }, () => randomPacket(next));
    const mine = sync(ours.encodePayload, packets);
    const theirs = sync(official.encodePayload, packets);
    assert.equal(mine, theirs);
    assert.deepEqual(ours.decodePayload(theirs), official.decodePayload(theirs));
    assert.deepEqual(ours.decodePayload(mine, 'arraybuffer'), official.decodePayload(mine, 'arraybuffer'));
  }
});

test('malformed input: the error packet, like engine.io-parser', () => {
  for (const bad of ['', '7', 'x', '9hello', '€']) {
    assert.deepEqual(ours.decodePacket(bad), { type: 'error', data: 'parser error' }, JSON.stringify(bad));
    assert.deepEqual(ours.decodePacket(bad), official.decodePacket(bad));
  }
  for (const bad of ['4a\x1e\x1e4b', '4a\x1ex\x1e4b', '\x1e']) {
    assert.deepEqual(ours.decodePayload(bad), official.decodePayload(bad), JSON.stringify(bad));
  }
  // Stricter than engine.io-parser, which decodes garbage base64 to bytes.
  assert.deepEqual(ours.decodePacket('b!!!'), { type: 'error', data: 'parser error' });
  // What the core found rides along, not enumerable.
  const found = ours.decodePacket('9hello');
  assert.equal(found.code, 'engineio_invalid_packet');
  assert.equal(found.offset, 0);
  assert.match(found.detail, /^engineio_invalid_packet: /);
  assert.deepEqual(Object.keys(found), ['type', 'data']);
  const inPayload = ours.decodePayload('4a\x1e9b')[1];
  assert.equal(inPayload.code, 'engineio_invalid_packet');
  assert.equal(inPayload.offset, 3);
  assert.equal(official.decodePacket('b!!!').type, 'message');
});

test('decodePayload limits', () => {
  const payload = Array.from({ length: 10 }, () => '4x').join('\x1e');
  const limited = ours.decodePayload(payload, undefined, { maxPackets: 3 });
  assert.equal(limited.length, 4);
  assert.deepEqual(limited[3], { type: 'error', data: 'parser error' });
  assert.deepEqual(ours.decodePayload(payload, undefined, { maxBytes: 5 }), [{ type: 'error', data: 'parser error' }]);
});

async function collect(stream, inputs) {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const out = [];
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      out.push(value);
    }
  })();
  for (const input of inputs) await writer.write(input);
  await writer.close();
  await reading;
  return out;
}

const chunked = (bytes, size) => {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(new Uint8Array(bytes.subarray(i, i + size)));
  return chunks;
};

test('streams: same bytes as engine.io-parser, decodable in any chunking', async () => {
  const next = rng(7);
  // Empty binary packets encode but engine.io-parser's decoder refuses them (length 0).
  const packets = Array.from({ length: 50 }, () => randomPacket(next)).filter((p) => !(Buffer.isBuffer(p.data) && p.data.length === 0));
  packets.push({ type: 'message', data: 'x'.repeat(70_000) }, { type: 'message', data: Buffer.alloc(300, 7) });
  const mine = Buffer.concat(await collect(ours.createPacketEncoderStream(), packets.map((p) => ({ ...p }))));
  const theirs = Buffer.concat(await collect(official.createPacketEncoderStream(), packets.map((p) => ({ ...p }))));
  assert.deepEqual(mine, theirs);
  const small = mine.subarray(0, mine.indexOf(Buffer.from('xxxx')) - 3);
  for (const [bytes, size] of [[small, 1], [mine, 7], [mine, 4096]]) {
    const decoded = await collect(ours.createPacketDecoderStream(1e6, 'nodebuffer'), chunked(bytes, size));
    assert.deepEqual(decoded, await collect(official.createPacketDecoderStream(1e6, 'nodebuffer'), chunked(bytes, size)));
  }
  // Over maxPayload: the error packet, then nothing (engine.io-parser reads on, out of step).
  const tooBig = await collect(ours.createPacketDecoderStream(10, 'nodebuffer'), [new Uint8Array(mine)]);
  const theirsTooBig = await collect(official.createPacketDecoderStream(10, 'nodebuffer'), [new Uint8Array(mine)]);
  const firstError = theirsTooBig.findIndex((p) => p.type === 'error');
  assert.deepEqual(tooBig, theirsTooBig.slice(0, firstError + 1));
});

test('random packets and payloads: protocol 3 against engine.io 6 bundled parser', () => {
  const next = rng(3);
  const fromOurs = (p) => (p.data instanceof Uint8Array ? { ...p, data: Buffer.from(p.data) } : p);
  for (let i = 0; i < 500; i++) {
    const packets = Array.from({ length: 1 + Math.floor(next() * 5) }, () => randomPacket(next, { binaryTypes: TYPES }));
    for (const supportsBinary of [false, true]) {
      const theirs = sync(officialV3.encodePayload, packets, supportsBinary);
      const mine = encodePayloadV3(packets, { supportsBinary });
      assert.deepEqual(Buffer.isBuffer(theirs) ? Buffer.from(mine) : mine, theirs);
      const decoded = decodePayloadV3(theirs);
      assert.equal(decoded.error, undefined);
      const officialDecoded = [];
      officialV3.decodePayload(theirs, (packet) => officialDecoded.push(packet));
      assert.deepEqual(decoded.packets.map(fromOurs), officialDecoded);
    }
    for (const packet of packets) {
      const text = sync(officialV3.encodePacket, packet, false);
      assert.equal(encodePacketV3(packet), text);
      assert.deepEqual(fromOurs(decodePacketV3(text)), officialV3.decodePacket(text));
      if (Buffer.isBuffer(packet.data)) {
        const frame = sync(officialV3.encodePacket, packet, true);
        assert.deepEqual(Buffer.from(encodePacketV3(packet, { supportsBinary: true })), frame);
        assert.deepEqual(fromOurs(decodePacketV3(frame)), officialV3.decodePacket(frame));
      }
    }
  }
  for (const bad of ['', '5:4hello', 'x:4', '2:4a1', ':4']) {
    assert.ok(decodePayloadV3(bad).error, JSON.stringify(bad));
    const officialDecoded = [];
    officialV3.decodePayload(bad, (packet) => officialDecoded.push(packet));
    assert.equal(officialDecoded.at(-1).type, 'error', JSON.stringify(bad));
  }
});
