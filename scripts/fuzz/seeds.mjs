// Seed inputs for the fuzz targets, built from the project's fixtures (the
// shared test vectors and the recorded sessions): each seed is the target's
// control bytes (see fuzz/src/targets.rs) followed by real protocol bytes,
// so fuzzing starts from inputs that get past every parser's first checks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pcapngBlock, tcpPacket } from '../pcap-bytes.mjs';

// The seeds' captures are raw IP (link type 101): no Ethernet header.
const RAW_IP = { ethernet: false };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (name) => readFileSync(path.join(root, 'tests/fixtures', name));
const vectors = JSON.parse(fixture('vectors.json'));

const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const hex = (h) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** A Wireshark "Follow TCP Stream" hex dump as [{ client, bytes }] (server lines are indented). */
export function readDump(text) {
  const segments = [];
  for (const line of text.split('\n')) {
    const client = !/^\s/.test(line);
    const body = line.trimStart();
    if (!/^[0-9a-f]{8}\s/i.test(body)) continue;
    const digits = body.slice(10, 60).trim().split(/\s+/).filter((t) => /^[0-9a-f]{2}$/i.test(t));
    const chunk = Buffer.from(digits.join(''), 'hex');
    const last = segments.at(-1);
    if (last && last.client === client && last.continues) last.bytes = Buffer.concat([last.bytes, chunk]);
    else segments.push({ client, bytes: chunk, continues: true });
    // A dump line of fewer than 16 bytes ends the segment.
    segments.at(-1).continues = chunk.length === 16;
  }
  return segments.map(({ client, bytes }) => ({ client, bytes }));
}

const sessions = {
  deflate: readDump(fixture('capture-ws-deflate.txt').toString()),
  socketio: readDump(fixture('capture-socketio.txt').toString()),
};
const side = (session, client) => Buffer.concat(session.filter((s) => s.client === client).map((s) => s.bytes));
const handshakeEnd = (buf) => buf.indexOf('\r\n\r\n') + 4;

/** A masked client frame carrying `payload`. */
function clientFrame(opcode, payload, { fin = true, rsv1 = false } = {}) {
  const data = Buffer.from(payload);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const len = data.length < 126 ? [data.length | 0x80] : [126 | 0x80, data.length >> 8, data.length & 0xff];
  const head = Buffer.from([(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, ...len]);
  return Buffer.concat([head, key, data.map((b, i) => b ^ key[i % 4])]);
}

// ---------------------------------------------------------------------------
// Capture files

/** The session's segments as IPv4 packets, after a handshake, in order. */
function packetsOf(session) {
  const client = { ip: [10, 0, 0, 1], port: 40000 };
  const server = { ip: [10, 0, 0, 2], port: 80 };
  const seq = { client: 1000, server: 5000 };
  const packets = [
    tcpPacket(client, server, seq.client++, 0x02, Buffer.alloc(0), RAW_IP),
    tcpPacket(server, client, seq.server++, 0x12, Buffer.alloc(0), RAW_IP),
  ];
  for (const s of session) {
    const who = s.client ? 'client' : 'server';
    const [from, to] = s.client ? [client, server] : [server, client];
    packets.push(tcpPacket(from, to, seq[who], 0x18, s.bytes, RAW_IP));
    seq[who] += s.bytes.length;
  }
  return packets;
}

function pcap(packets, linkType = 101) {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(linkType, 20);
  const records = packets.map((p, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + i, 0);
    r.writeUInt32LE(i * 1000, 4);
    r.writeUInt32LE(p.length, 8);
    r.writeUInt32LE(p.length, 12);
    return Buffer.concat([r, p]);
  });
  return Buffer.concat([head, ...records]);
}

function pcapng(packets) {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(101, 0);
  idb.writeUInt32LE(65535, 4);
  const epbs = packets.map((p, i) => {
    const h = Buffer.alloc(20);
    h.writeUInt32LE(0, 0);
    h.writeUInt32LE(0x00060000, 4);
    h.writeUInt32LE(i * 1000, 8);
    h.writeUInt32LE(p.length, 12);
    h.writeUInt32LE(p.length, 16);
    return pcapngBlock(6, Buffer.concat([h, p]));
  });
  return Buffer.concat([pcapngBlock(0x0a0d0d0a, shb), pcapngBlock(1, idb), ...epbs]);
}

function har() {
  const messages = ['0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}', '40', '40{"sid":"b"}', '451-["bin",{"_placeholder":true,"num":0}]', '2', '3', '42["chat","hi"]'];
  return JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'seed', version: '1' },
      entries: [
        {
          _resourceType: 'websocket',
          startedDateTime: '2026-01-01T00:00:00.000Z',
          time: 1,
          request: { method: 'GET', url: 'ws://localhost/socket.io/?EIO=4&transport=websocket', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' }], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
          response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }], cookies: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: 0 },
          _webSocketMessages: [
            ...messages.map((data, i) => ({ type: i % 2 ? 'send' : 'receive', time: 1_700_000_000 + i / 10, opcode: 1, data })),
            { type: 'receive', time: 1_700_000_001, opcode: 2, data: Buffer.from([1, 2, 3]).toString('base64') },
          ],
        },
        {
          startedDateTime: '2026-01-01T00:00:00.000Z',
          time: 1,
          request: { method: 'GET', url: 'http://localhost/socket.io/?EIO=4&transport=polling&sid=a', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
          response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 20, mimeType: 'text/plain', text: '40\x1e42["a",1]\x1ebAQID' }, redirectURL: '', headersSize: -1, bodySize: 20 },
        },
      ],
    },
  });
}

// ---------------------------------------------------------------------------
// Seeds per target: [name, bytes]

// Frames given by their header only carry a payload of zeros.
const frameHexes = vectors.frames.map((f) => (f.hex ? hex(f.hex) : Buffer.concat([hex(f.header_hex), Buffer.alloc(Math.min(f.payload_len, 300))])));
const deflateFrames = vectors.permessage_deflate.flatMap((v) => (v.hex ? [hex(v.hex)] : (v.frames_hex ?? []).map(hex)));
const eioTexts = [
  ...vectors.engineio.v4_packets.map((p) => p.encoded).filter(Boolean),
  ...vectors.engineio.v4_payloads.map((p) => p.encoded),
];
const sioTexts = vectors.socketio.map((p) => p.encoded);
const deflateClient = side(sessions.deflate, true);
const deflateServer = side(sessions.deflate, false);
const sioClient = side(sessions.socketio, true);
const sioServer = side(sessions.socketio, false);
const utf8Texts = ['Hello', 'κόσμε', 'héllo €uro 𝄞', '\u{10ffff}\u0800\u0080'];

export const seeds = {
  frame_decoder: () => [
    ...frameHexes.map((f, i) => [`vector-${i}`, bytes([0, 0], f)]),
    ['all-vectors', bytes([0, 7], ...frameHexes)],
    ['deflate-frames', bytes([0x20, 3], ...deflateFrames)],
    ['client-session', bytes([1, 5], deflateClient.subarray(handshakeEnd(deflateClient)))],
    ['server-session', bytes([2, 2], deflateServer.subarray(handshakeEnd(deflateServer)))],
  ],
  connection: () => [
    ['client-frames', bytes([0, 0, 0x3f, 0], clientFrame(1, 'Hello'), clientFrame(2, [1, 2, 3]), clientFrame(9, 'ping'), clientFrame(1, 'frag', { fin: false }), clientFrame(0, 'ment'), clientFrame(8, [3, 0xe8, 0x62, 0x79, 0x65]))],
    ['deflate-client', bytes([2, 0, 0x3f, 3], deflateClient.subarray(handshakeEnd(deflateClient)))],
    ['deflate-server', bytes([3, 0, 0x3f, 5], deflateServer.subarray(handshakeEnd(deflateServer)))],
    ['deflate-vectors', bytes([3, 3, 0x3f, 1], ...deflateFrames)],
    ['pieces', bytes([0x22, 0, 0x3f, 2], clientFrame(1, 'é'.repeat(40)), clientFrame(2, Buffer.alloc(300, 7)))],
    ['server-vectors', bytes([1, 0, 0, 0], ...frameHexes.filter((f) => !(f[1] & 0x80)))],
  ],
  handshake: () => [
    ['server-request', bytes([0, 0], deflateClient.subarray(0, handshakeEnd(deflateClient)))],
    ['server-request-split', bytes([2, 3], sioClient.subarray(0, handshakeEnd(sioClient)))],
    ['client-response', bytes([1, 0], 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: 6eH9ZQ6hBAxHNoIwoP5rXCgjVGY=\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; server_no_context_takeover\r\n\r\n')],
    ['client-refused', bytes([1, 4], 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')],
    ['server-response', bytes([1, 0], deflateServer.subarray(0, handshakeEnd(deflateServer)))],
  ],
  http_request: () => [
    ['polling-get', bytes([0, 0], 'GET /socket.io/?EIO=4&transport=polling&t=abc HTTP/1.1\r\nHost: x\r\nCookie: io=1\r\n\r\n')],
    ['polling-post', bytes([0, 4], 'POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n42["a","b"]\x1e2')],
    ['chunked', bytes([1, 2], 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n')],
    ['upgrade', bytes([0, 1], sioClient.subarray(0, handshakeEnd(sioClient)))],
  ],
  engineio: () => [
    ...eioTexts.map((t, i) => [`v4-${i}`, bytes([0, 0], t)]),
    ...vectors.engineio.v3_payloads.map((p, i) => [`v3-${i}`, bytes([1, 3], p.encoded ?? hex(p.encoded_binary_hex))]),
    ['binary-payload', bytes([0, 2], [0, 5, 0xff, 0x34, 0x68, 0x65, 0x6c, 0x6c, 1, 3, 0xff, 4, 1, 2])],
    ['stream', bytes([0, 5], [0x00, 0x00, 0x00, 0x05], '4abcd', [0x80, 0x00, 0x00, 0x03, 1, 2, 3])],
  ],
  socketio: () => [
    ...sioTexts.map((t, i) => [`vector-${i}`, bytes([3], t)]),
    ['attachments', bytes([4], '51-/chat,7["up",{"_placeholder":true,"num":0}]', [0xff, 1, 9, 9, 9], [0xff], '2["x",{"a":[1,2.5e3,null]}]')],
    ['ack', bytes([2], '3/admin,12["ok"]', [0xff], '4{"message":"no","data":{"x":1}}')],
  ],
  server: () => [
    ['polling', bytes([1, 0], [2, 2], '40', [3, 200], [2, 18], '42["e",1]\x1e42["b"]', [6, 0], [3, 250], [3, 250], [2, 1], '3', [4, 1])],
    ['websocket', bytes([2, 0], [1, 2], '40', [1, 9], '42["e",{}]', [6, 0], [1, 3], '2', [3, 100], [5, 2], [7, 0], [0, 6], [0x88, 0x80, 0, 0, 0, 0])],
    ['websocket-deflate', bytes([2, 1], [1, 2], '40', [6, 0], [1, 5], '3ping', [3, 255], [3, 255])],
    ['engine-v3', bytes([0x0e, 0], [1, 7], '4hello!', [1, 1], '2', [3, 120])],
    ['fresh', bytes([0, 0], [0, 60], 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n', [3, 10])],
  ],
  inspect_dump: () => [
    ['deflate-dump', bytes([0, 7], fixture('capture-ws-deflate.txt'))],
    ['socketio-dump', bytes([3, 0], fixture('capture-socketio.txt'))],
    ['frames', bytes([0x44, 7], ...frameHexes)],
    ['hex-text', bytes([0, 0], frameHexes.map((f) => f.toString('hex').replace(/(..)/g, '$1 ')).join('\n'))],
    ['deflate-frames', bytes([0x84, 0x87], ...deflateFrames)],
  ],
  capture_file: () => [
    ['pcap-deflate', pcap(packetsOf(sessions.deflate))],
    ['pcap-socketio', pcap(packetsOf(sessions.socketio))],
    ['pcapng-deflate', pcapng(packetsOf(sessions.deflate))],
    ['har', Buffer.from(har())],
  ],
  utf8_differential: () => utf8Texts.map((t, i) => [`text-${i}`, bytes([i * 37], t)]),
  inflate_differential: () => [
    ...deflateFrames.map((f, i) => [`frame-${i}`, bytes([0, 0], f.subarray(2))]),
    ['flate2-text', bytes([1, 6], sioServer.subarray(0, 400))],
    ['ours-text', bytes([2, 6], deflateClient.subarray(0, 400))],
    ['ours-repeats', bytes([2, 40], 'abcabcabc'.repeat(40))],
  ],
};

/** Writes every target's seeds under `dir/<target>/`. */
export function writeSeeds(dir, targets = Object.keys(seeds)) {
  for (const target of targets) {
    const out = path.join(dir, target);
    mkdirSync(out, { recursive: true });
    for (const [name, data] of seeds[target]()) writeFileSync(path.join(out, `seed-${name}`), data);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) writeSeeds(process.argv[2] ?? path.join(root, 'fuzz/target/seeds'));
