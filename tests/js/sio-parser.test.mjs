// wsframe/socket.io-parser against socket.io-parser 4.2: the vectors, random
// packets encoded by both (identical messages) and decoded by the other,
// the validation both apply, and where wsframe is stricter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ours from 'wsframe/socket.io-parser';
import * as official from 'socket.io-parser';
import { inspectSocketIo } from 'wsframe';
import { hex, rng, vectors } from './helpers.mjs';

const pick = (next, list) => list[Math.floor(next() * list.length)];
const WORDS = ['a', 'chat', 'é€', '😀', '"q"', 'back\\slash', 'line\nfeed', '', '_placeholder', 'num'];

/** Random JSON-able data with Buffers sprinkled in (when `binary`). */
function randomValue(next, depth, binary) {
  const roll = next();
  if (binary && roll < 0.12) return Buffer.from(Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * 256)));
  if (depth <= 0 || roll < 0.5) {
    return pick(next, [
      () => Math.floor(next() * 1e6) - 5e5,
      () => next() * 1e3,
      () => pick(next, WORDS),
      () => next() < 0.5,
      () => null,
      () => 1e21,
      () => -0.000001,
    ])();
  }
  if (roll < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1, binary));
  const object = {};
  for (let i = Math.floor(next() * 4); i > 0; i--) object[pick(next, WORDS) + i] = randomValue(next, depth - 1, binary);
  return object;
}

function randomPacket(next) {
  const nsp = pick(next, ['/', '/', '/chat', '/a/b', '/é']);
  const id = next() < 0.3 ? Math.floor(next() * 1e6) : undefined;
  const type = pick(next, [0, 1, 2, 2, 2, 3, 3, 4]);
  const packet = { type, nsp };
  switch (type) {
    case 0:
      if (next() < 0.5) packet.data = { token: pick(next, WORDS), n: Math.floor(next() * 100) };
      break;
    case 1:
      break;
    case 2:
      packet.data = [pick(next, ['message', 'chat', 'x', 42]), ...Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, 3, true))];
      if (id !== undefined) packet.id = id;
      break;
    case 3:
      packet.data = Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, 3, true));
      packet.id = id ?? 0;
      break;
    case 4:
      packet.data = next() < 0.5 ? { message: pick(next, WORDS) } : pick(next, WORDS);
      break;
  }
  return packet;
}

/** Decodes a list of Engine.IO messages with a parser's Decoder. */
function decodeAll(parser, messages, options) {
  const decoder = new parser.Decoder(options);
  const out = [];
  decoder.on('decoded', (packet) => out.push(packet));
  for (const m of messages) decoder.add(m);
  return out;
}

const asBuffers = (messages) => messages.map((m) => (typeof m === 'string' ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength)));

test('vectors: the seeds\' Socket.IO captures', () => {
  for (const v of vectors.socketio) {
    const attachments = (v.attachments_hex ?? []).map(hex);
    const [decoded] = decodeAll(ours, [v.encoded, ...attachments]);
    const expected = structuredClone(v.packet);
    if (expected.type === 5) {
      expected.type = 2;
      expected.data = expected.data.map((d) => (d?.bytes_hex ? hex(d.bytes_hex) : d));
    }
    assert.deepEqual(decoded, expected, v.encoded);
    assert.deepEqual(asBuffers(new ours.Encoder().encode(decoded)), [v.encoded, ...attachments]);
  }
});

test('random packets: identical messages, each decodes the other', () => {
  const next = rng(5);
  for (let i = 0; i < 2000; i++) {
    const packet = randomPacket(next);
    const mine = new ours.Encoder().encode(structuredCloneWithBuffers(packet));
    const theirs = new official.Encoder().encode(structuredCloneWithBuffers(packet));
    assert.deepEqual(asBuffers(mine), asBuffers(theirs), JSON.stringify(theirs[0]));
    assert.deepEqual(decodeAll(ours, theirs), decodeAll(official, theirs), theirs[0]);
    assert.deepEqual(decodeAll(official, mine), decodeAll(ours, mine), theirs[0]);
    assert.equal(ours.isPacketValid(packet), official.isPacketValid(packet), JSON.stringify(packet));
  }
});

/** structuredClone turns Buffers into Uint8Arrays; keep them Buffers. */
function structuredCloneWithBuffers(value) {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(structuredCloneWithBuffers);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneWithBuffers(v)]));
  }
  return value;
}

test('malformed packets are refused by both', () => {
  const refused = [
    '7',
    'abc',
    '2{}',
    '2abc["x"]',
    '2[]',
    '2[{}]',
    '2["disconnect"]',
    '2["connect_error"]',
    '0[]',
    '0"x"',
    '1{}',
    '3{}',
    '4[]',
    '2["a",',
    '5["a"]',
    '50-["a"]',
    '5x-["a"]',
    '511-["a"]',
  ];
  // Out of order messages.
  const sequences = [[Buffer.from([1])], ['51-["a",{"_placeholder":true,"num":0}]', '2["b"]']];
  for (const messages of [...refused.map((text) => [text]), ...sequences]) {
    const label = JSON.stringify(messages);
    const theirs = caught(() => decodeAll(official, messages));
    assert.ok(theirs, `socket.io-parser accepts ${label}`);
    const mine = caught(() => decodeAll(ours, messages));
    // The same message; what wsframe found, in its own terms, beside it.
    assert.equal(mine?.message, theirs.message, label);
    assert.ok(mine instanceof Error && typeof mine.code === 'string' && mine.code.startsWith('socketio_'), label);
    assert.match(mine.detail, new RegExp(`^${mine.code}: `), label);
  }
  // A placeholder pointing at no attachment: socket.io-parser finds it when
  // the attachments are in, wsframe as the packet arrives; the same message.
  const placeholder = ['51-["a",{"_placeholder":true,"num":1}]', Buffer.from([1])];
  assert.equal(caught(() => decodeAll(ours, placeholder)).message, caught(() => decodeAll(official, placeholder)).message);
  assert.equal(caught(() => decodeAll(ours, placeholder)).message, 'illegal attachments');
});

/** The error `fn` throws, or undefined. */
function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

test('stricter than socket.io-parser where it is lax', () => {
  const lax = [
    // A placeholder num that is not an integer below the count: checked at once.
    ['51-["a",{"_placeholder":true,"num":0.5}]', [Buffer.from([1])]],
    ['51-["a",{"_placeholder":true,"num":"0"}]', [Buffer.from([1])]],
    // Number() accepts a space as a digit of the ack id.
    ['2 1["a"]', []],
    // Number('') is 0: socket.io-parser reads an empty message as CONNECT.
    ['', []],
  ];
  for (const [text, attachments] of lax) {
    assert.throws(() => decodeAll(ours, [text, ...attachments]), undefined, text);
  }
  // socket.io-parser reconstructs num 0.5 as undefined instead of refusing it.
  assert.deepEqual(decodeAll(official, [lax[0][0], ...lax[0][1]])[0].data, ['a', undefined]);
  // An out of range num is found before the attachments arrive.
  const decoder = new ours.Decoder();
  assert.throws(
    () => decoder.add('51-/chat,["a",{"_placeholder":true,"num":1}]'),
    (e) => e.message === 'illegal attachments' && e.code === 'socketio_invalid_attachment' && e.offset === 9 && /num 1 is not below the 1/.test(e.detail),
  );
  // The decoder is ready for the next packet.
  assert.deepEqual(decodeAll(ours, ['2["b"]']), decodeAll(official, ['2["b"]']));
});

test('binary packets: the data is parsed as socket.io-parser parses it, placeholders found in what the reviver returned', () => {
  const sameAsUpstream = (messages, options) => {
    const mine = decodeAll(ours, messages, options);
    assert.deepEqual(mine, decodeAll(official, messages, options));
    return mine;
  };
  // Nested, in arrays and objects, out of order, several, an ack with a namespace.
  sameAsUpstream(['62-/a,9[{"x":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0,"extra":1}]', Buffer.from('p'), Buffer.from('q')]);
  sameAsUpstream(['51-["e",{"_placeholder":false,"num":0},{"_placeholder":"true"},{"_placeholder":true,"num":0}]', Buffer.from('p')]);
  // A key named __proto__ stays an own property, as JSON.parse makes it.
  const [proto] = sameAsUpstream(['51-["e",{"__proto__":{"_placeholder":true,"num":0}}]', Buffer.from('p')]);
  assert.ok(Object.hasOwn(proto.data[1], '__proto__') && Buffer.isBuffer(proto.data[1].__proto__));
  assert.equal(Object.getPrototypeOf(proto.data[1]), Object.prototype);
  // What the reviver returns is searched: it can make a placeholder, or unmake one.
  const make = (key, value) => (value === 'here' ? { _placeholder: true, num: 0 } : value);
  assert.ok(Buffer.isBuffer(sameAsUpstream(['51-["e","here"]', Buffer.from('p')], make)[0].data[1]));
  // One the reviver made that names no attachment: refused as socket.io-parser refuses it.
  const bad = (key, value) => (value === 'here' ? { _placeholder: true, num: 5 } : value);
  for (const parser of [ours, official]) {
    assert.throws(() => decodeAll(parser, ['51-["e","here"]', Buffer.from('p')], bad), (e) => e.message === 'illegal attachments');
  }
  assert.throws(() => decodeAll(ours, ['51-["e","here"]'], bad), (e) => e.code === 'socketio_invalid_attachment' && /num 5 is not below the 1/.test(e.detail));
  const unmake = (key, value) => (value?._placeholder ? 'gone' : value);
  assert.deepEqual(sameAsUpstream(['51-["e",{"_placeholder":true,"num":0}]', Buffer.from('p')], unmake)[0].data, ['e', 'gone']);
  // Deeper than JS calls go: socket.io-parser overflows its stack, wsframe does not.
  const depth = 100_000;
  const deep = `51-["e",${'['.repeat(depth)}{"_placeholder":true,"num":0}${']'.repeat(depth)}]`;
  assert.throws(() => decodeAll(official, [deep, Buffer.from('p')]), RangeError);
  let value = decodeAll(ours, [deep, Buffer.from('p')])[0].data[1];
  for (let i = 0; i < depth; i++) value = value[0];
  assert.deepEqual(value, Buffer.from('p'));
});

test('attachment count is capped (maxAttachments, CVE-2026-33151)', () => {
  const many = `5100-["a",${Array.from({ length: 100 }, (_, i) => `{"_placeholder":true,"num":${i}}`).join(',')}]`;
  assert.throws(() => decodeAll(ours, [many]), (e) => e.code === 'socketio_too_many_attachments');
  const huge = '599999999999999999999-["a"]';
  assert.throws(() => decodeAll(ours, [huge]), (e) => e.code === 'socketio_too_many_attachments');
  const raised = decodeAll(ours, [many, ...Array.from({ length: 100 }, (_, i) => Buffer.from([i]))], { maxAttachments: 100 });
  assert.equal(raised[0].data[100][0], 99);
});

test('reviver and replacer are applied as socket.io-parser applies them', () => {
  const replacer = (key, value) => (typeof value === 'number' ? value * 2 : value);
  const packet = { type: 2, nsp: '/', data: ['n', 1, { x: 2 }] };
  assert.deepEqual(new ours.Encoder(replacer).encode(packet), new official.Encoder(replacer).encode(packet));
  const reviver = (key, value) => (typeof value === 'string' ? value.toUpperCase() : value);
  assert.deepEqual(decodeAll(ours, ['2["n","a"]'], reviver), decodeAll(official, ['2["n","a"]'], reviver));
});

test('inspect annotates instead of refusing', () => {
  const good = inspectSocketIo('51-/chat,7["msg",{"_placeholder":true,"num":0}]');
  assert.equal(good.kindName, 'BINARY_EVENT');
  assert.equal(good.eventJson, '"msg"');
  assert.deepEqual(good.spans.nsp, { start: 3, end: 9 });
  assert.deepEqual(good.diagnostics, []);
  const bad = inspectSocketIo('599-["disconnect",{"_placeholder":true,"num":200}]');
  assert.deepEqual(
    bad.diagnostics.map((d) => d.code),
    ['socketio_too_many_attachments', 'socketio_invalid_packet', 'socketio_invalid_attachment'],
  );
  assert.equal(bad.dataJson.startsWith('["disconnect"'), true);
});
