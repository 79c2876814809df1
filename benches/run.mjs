// `npm run bench`: wsframe side by side with the peers, in one process, runs
// interleaved, medians and ratios. Every implementation's output is checked
// (counts and checksums) before anything is timed. Usage:
//   node benches/run.mjs [--runs 15] [--quick] [--json target/bench.json]
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as wsframe from 'wsframe';
import * as eioOurs from 'wsframe/engine.io-parser';
import * as sioOurs from 'wsframe/socket.io-parser';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string', default: path.join(root, 'target', 'bench.json') },
  },
});
const RUNS = values.quick ? 5 : Number(values.runs);
const SCALE = values.quick ? 0.25 : 1;

/** ws's receiver and sender, loaded with or without its native add-ons. */
function loadWs(native) {
  for (const key of Object.keys(require.cache)) if (key.includes(`${path.sep}node_modules${path.sep}ws${path.sep}`)) delete require.cache[key];
  for (const name of ['WS_NO_BUFFER_UTIL', 'WS_NO_UTF_8_VALIDATE']) {
    if (native) delete process.env[name];
    else process.env[name] = '1';
  }
  const ws = require('ws');
  return { Receiver: ws.Receiver, Sender: ws.Sender };
}
const wsNative = loadWs(true);
const wsPlain = loadWs(false);
const bufferutil = require('bufferutil');
const eioOfficial = require('engine.io-parser');
const sioOfficial = require('socket.io-parser');

// A deterministic PRNG so every run sees the same data.
let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

function chunked(buffer, size = 64 * 1024) {
  const chunks = [];
  for (let at = 0; at < buffer.length; at += size) chunks.push(buffer.subarray(at, at + size));
  return chunks;
}

/** Client frames for `messages` ([kind, Buffer]), split in frames of at most `frameSize`. */
function clientStream(messages, frameSize = Infinity) {
  const client = new wsframe.Connection({ role: 'client' });
  const parts = [];
  for (const [kind, data] of messages) {
    const max = Number.isFinite(frameSize) ? frameSize : 0;
    parts.push(kind === 'text' ? client.send(data, { binary: false, maxFrameSize: max }) : client.sendBinary(data, max));
  }
  return Buffer.concat(parts);
}

/** Folds a message into a checksum (length, first and last code unit or byte). */
function fold(sum, data) {
  const n = data.length;
  if (typeof data === 'string') return (sum + n + (n ? data.charCodeAt(0) + data.charCodeAt(n - 1) : 0)) | 0;
  return (sum + n + (n ? data[0] + data[n - 1] : 0)) | 0;
}

function receiveWsframe(chunks) {
  const conn = new wsframe.Connection({ role: 'server', maxMessageSize: 256 << 20, maxFrameSize: 256 << 20 });
  let count = 0;
  let sum = 0;
  for (const chunk of chunks) {
    const { events } = conn.receive(chunk);
    for (const e of events) {
      count++;
      sum = fold(sum, e.data);
    }
  }
  conn.free();
  return [count, sum];
}

function receiveWs(ws) {
  return (chunks) => {
    const receiver = new ws.Receiver({ isServer: true, maxPayload: 0 });
    let count = 0;
    let sum = 0;
    receiver.on('message', (data, isBinary) => {
      count++;
      sum = fold(sum, isBinary ? data : data.toString());
    });
    for (const chunk of chunks) receiver.write(chunk);
    return [count, sum];
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A private copy of the input: ws unmasks in place in the chunks it is given. */
const fresh = (input) => (Array.isArray(input) ? input.map((c) => Buffer.from(c)) : input);

/** Runs every implementation `RUNS` times, interleaved; returns median seconds per run. */
function race(impls, input, expected) {
  for (const [name, fn] of Object.entries(impls)) {
    const got = JSON.stringify(fn(fresh(input)));
    if (got !== JSON.stringify(expected)) throw new Error(`${name} gave ${got}, expected ${JSON.stringify(expected)}`);
  }
  const times = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [name, fn] of Object.entries(impls)) {
      const copy = fresh(input);
      const t0 = process.hrtime.bigint();
      fn(copy);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

const results = [];
function report(title, unit, amount, medians, baseline) {
  console.log(`\n${title}`);
  const base = medians[baseline];
  for (const [name, seconds] of Object.entries(medians)) {
    const rate = amount / seconds;
    const ratio = base / seconds;
    const shown = unit === 'MB/s' ? (rate / 1e6).toFixed(0) : Math.round(rate).toLocaleString('en');
    console.log(`  ${name.padEnd(34)} ${shown.padStart(12)} ${unit.padEnd(6)} ${ratio.toFixed(2).padStart(6)}x vs ${baseline}`);
    results.push({ benchmark: title, implementation: name, unit, rate, ratio, baseline, medianSeconds: seconds });
  }
}

const receivers = {
  wsframe: receiveWsframe,
  'ws + bufferutil + utf-8-validate': receiveWs(wsNative),
  'ws (pure JS)': receiveWs(wsPlain),
};

// 1. 100k small text frames, 20-100 bytes.
{
  const n = Math.round(100_000 * SCALE);
  const texts = Array.from({ length: n }, () => {
    const len = 20 + Math.floor(random() * 81);
    return 'x'.repeat(len - 4) + 'é€'; // ASCII plus 2- and 3-byte sequences
  });
  const stream = clientStream(texts.map((t) => ['text', t]));
  const expected = [n, texts.reduce(fold, 0)];
  const medians = race(receivers, chunked(stream), expected);
  report(`receive: ${n.toLocaleString('en')} masked text frames of 20-100 B in 64 KiB chunks`, 'msg/s', n, medians, 'ws + bufferutil + utf-8-validate');
}

// 2. 2k binary frames of 64 KiB.
{
  const n = Math.round(2000 * SCALE);
  const data = Buffer.alloc(64 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (random() * 256) | 0;
  const stream = clientStream(Array.from({ length: n }, () => ['binary', data]));
  const medians = race(receivers, chunked(stream), [n, fold(0, data) * n]);
  report(`receive: ${n.toLocaleString('en')} masked binary frames of 64 KiB in 64 KiB chunks`, 'MB/s', n * data.length, medians, 'ws + bufferutil + utf-8-validate');
}

// 3. 1 MiB messages, fragmented in 16 KiB frames (text, so UTF-8 is checked across fragments).
{
  const n = Math.round(32 * SCALE);
  const text = 'abcé€𝄞 '.repeat(Math.ceil((1 << 20) / 13)).slice(0, 1 << 20);
  const stream = clientStream(Array.from({ length: n }, () => ['text', text]), 16 * 1024);
  const bytes = Buffer.byteLength(text) * n;
  const medians = race(receivers, chunked(stream), [n, fold(0, text) * n]);
  report(`receive: ${n} text messages of 1 MiB in 16 KiB frames, 64 KiB chunks`, 'MB/s', bytes, medians, 'ws + bufferutil + utf-8-validate');
}

// 4. Unmask, 16 B to 1 MiB, against bufferutil and a plain copy of the same bytes.
for (const size of [16, 256, 4096, 65536, 1 << 20]) {
  const reps = Math.max(4, Math.round(((64 << 20) / size) * SCALE));
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const buf = Buffer.alloc(size, 0x5a);
  const copy = Buffer.alloc(size);
  const impls = {
    'wsframe mask': () => {
      for (let i = 0; i < reps; i++) wsframe.mask(buf, key);
      return [buf[0], buf[size - 1]];
    },
    'bufferutil unmask': () => {
      for (let i = 0; i < reps; i++) bufferutil.unmask(buf, key);
      return [buf[0], buf[size - 1]];
    },
    'memcpy (Uint8Array.set)': () => {
      for (let i = 0; i < reps; i++) copy.set(buf);
      return [buf[0], buf[size - 1]];
    },
  };
  // An even number of XORs leaves the buffer as it was, so every run checks the same.
  const expected = [0x5a, 0x5a];
  const medians = race(impls, null, reps % 2 ? null : expected);
  report(`unmask ${size.toLocaleString('en')} B in place`, 'MB/s', reps * size, medians, 'memcpy (Uint8Array.set)');
}

// 5. Encoding one frame: wsframe.encodeFrame and Connection.send against ws's Sender.frame.
for (const [size, masked] of [
  [64, false],
  [64, true],
  [16384, false],
  [16384, true],
]) {
  const reps = Math.round(((size < 1024 ? 200_000 : 20_000) * SCALE));
  const payload = Buffer.alloc(size, 0x61);
  const key = Buffer.from([1, 2, 3, 4]);
  const impls = {
    'wsframe encodeFrameHeader + payload': () => {
      let total = 0;
      for (let i = 0; i < reps; i++) {
        // Like Sender.frame with readOnly false: the header, and the payload
        // itself (masked in place, as ws does) for a vectored write.
        const parts = masked
          ? [wsframe.encodeFrameHeader(size, { opcode: 'binary', mask: key }), wsframe.mask(payload, key)]
          : [wsframe.encodeFrameHeader(size, { opcode: 'binary' }), payload];
        total += parts.reduce((n, p) => n + p.length, 0);
      }
      return total;
    },
    'wsframe encodeFrame': () => {
      let total = 0;
      for (let i = 0; i < reps; i++) total += wsframe.encodeFrame(payload, { opcode: 'binary', mask: masked ? key : false }).length;
      return total;
    },
    // What a server (unmasked) or a client (masked, a fresh random key per frame) sends.
    'wsframe Connection.send': () => {
      const conn = new wsframe.Connection({ role: masked ? 'client' : 'server' });
      let total = 0;
      for (let i = 0; i < reps; i++) total += conn.send(payload).length;
      conn.free();
      return total;
    },
    // What wsframe/node does for a server's binary payloads from 16 KiB: header from the core, payload as given.
    ...(masked
      ? {}
      : {
          'wsframe Connection.sendBinaryHeader + payload': () => {
            const conn = new wsframe.Connection({ role: 'server' });
            let total = 0;
            for (let i = 0; i < reps; i++) total += conn.sendBinaryHeader(size).length + payload.length;
            conn.free();
            return total;
          },
        }),
    'ws Sender.frame (bufferutil)': () => {
      let total = 0;
      for (let i = 0; i < reps; i++) {
        const parts = wsNative.Sender.frame(payload, { fin: true, opcode: 2, mask: masked, maskBuffer: key, generateMask: () => {}, readOnly: false, rsv1: false });
        total += parts.reduce((n, p) => n + p.length, 0);
      }
      return total;
    },
  };
  const frameLength = size + (size < 126 ? 2 : 4) + (masked ? 4 : 0);
  const medians = race(impls, null, reps * frameLength);
  report(`encode a ${size.toLocaleString('en')} B binary frame${masked ? ', masked' : ''}`, 'frames/s', reps, medians, 'ws Sender.frame (bufferutil)');
}

// 6. Engine.IO and Socket.IO parsing: the compat entry points against the
// official parsers, on what a chat-like server sees.
{
  const n = Math.round(20_000 * SCALE);
  const packets = Array.from({ length: 10 }, (_, i) => `42["message",{"user":"u${i}","text":"${'hello é€ '.repeat(1 + i)}","n":${i}}]`);
  const payload = packets.map((p) => `4${p}`).join('\x1e');
  const decodePayloads = (parser) => () => {
    let sum = 0;
    for (let i = 0; i < n; i++) for (const p of parser.decodePayload(payload)) sum = fold(sum, p.data);
    return sum;
  };
  const expected = decodePayloads(eioOfficial)();
  report(
    `Engine.IO: decode ${n.toLocaleString('en')} polling payloads of 10 packets`,
    'payloads/s',
    n,
    race({ 'wsframe/engine.io-parser': decodePayloads(eioOurs), 'engine.io-parser': decodePayloads(eioOfficial) }, null, expected),
    'engine.io-parser',
  );
  const decodePackets = (parser) => () => {
    let sum = 0;
    for (let i = 0; i < n; i++) for (const p of packets) sum = fold(sum, parser.decodePacket(`4${p}`).data);
    return sum;
  };
  report(
    `Engine.IO: decode ${(n * 10).toLocaleString('en')} text packets`,
    'packets/s',
    n * 10,
    race({ 'wsframe/engine.io-parser': decodePackets(eioOurs), 'engine.io-parser': decodePackets(eioOfficial) }, null, decodePackets(eioOfficial)()),
    'engine.io-parser',
  );
  const encodePayloads = (parser) => () => {
    const objects = packets.map((p) => ({ type: 'message', data: p }));
    let total = 0;
    for (let i = 0; i < n; i++) parser.encodePayload(objects, (encoded) => (total += encoded.length));
    return total;
  };
  report(
    `Engine.IO: encode ${n.toLocaleString('en')} polling payloads of 10 packets`,
    'payloads/s',
    n,
    race({ 'wsframe/engine.io-parser': encodePayloads(eioOurs), 'engine.io-parser': encodePayloads(eioOfficial) }, null, encodePayloads(eioOfficial)()),
    'engine.io-parser',
  );
  const binaryPacket = Buffer.alloc(1024, 9);
  const decodeBinary = (parser) => () => {
    let sum = 0;
    for (let i = 0; i < n * 10; i++) sum = fold(sum, parser.decodePacket(binaryPacket, 'nodebuffer').data);
    return sum;
  };
  report(
    `Engine.IO: decode ${(n * 10).toLocaleString('en')} binary packets of 1 KiB (Buffers)`,
    'packets/s',
    n * 10,
    race({ 'wsframe/engine.io-parser': decodeBinary(eioOurs), 'engine.io-parser': decodeBinary(eioOfficial) }, null, decodeBinary(eioOfficial)()),
    'engine.io-parser',
  );
  const decodeSioBinary = (parser) => () => {
    const decoder = new parser.Decoder();
    let sum = 0;
    decoder.on('decoded', (packet) => (sum = fold(sum, packet.data[1].body)));
    for (let i = 0; i < n; i++) {
      decoder.add('51-["file",{"name":"a.bin","body":{"_placeholder":true,"num":0}}]');
      decoder.add(binaryPacket);
    }
    return sum;
  };
  report(
    `Socket.IO: decode ${n.toLocaleString('en')} binary events (a 1 KiB attachment each)`,
    'packets/s',
    n,
    race({ 'wsframe/socket.io-parser': decodeSioBinary(sioOurs), 'socket.io-parser': decodeSioBinary(sioOfficial) }, null, decodeSioBinary(sioOfficial)()),
    'socket.io-parser',
  );
  const decodeSio = (parser) => () => {
    const decoder = new parser.Decoder();
    let sum = 0;
    decoder.on('decoded', (packet) => (sum = fold(sum, packet.data[1].text)));
    for (let i = 0; i < n; i++) for (const p of packets) decoder.add(p.slice(1));
    return sum;
  };
  report(
    `Socket.IO: decode ${(n * 10).toLocaleString('en')} event packets`,
    'packets/s',
    n * 10,
    race({ 'wsframe/socket.io-parser': decodeSio(sioOurs), 'socket.io-parser': decodeSio(sioOfficial) }, null, decodeSio(sioOfficial)()),
    'socket.io-parser',
  );
  const binary = Buffer.alloc(1024, 7);
  const encodeSio = (parser) => () => {
    const encoder = new parser.Encoder();
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += encoder.encode({ type: 2, nsp: '/', data: ['message', { user: 'u', text: 'hello é€', n: i }] }).length;
      total += encoder.encode({ type: 2, nsp: '/', id: i, data: ['file', { name: 'a.bin', body: binary }] }).length;
    }
    return total;
  };
  report(
    `Socket.IO: encode ${(n * 2).toLocaleString('en')} events (half with a 1 KiB attachment)`,
    'packets/s',
    n * 2,
    race({ 'wsframe/socket.io-parser': encodeSio(sioOurs), 'socket.io-parser': encodeSio(sioOfficial) }, null, encodeSio(sioOfficial)()),
    'socket.io-parser',
  );
}

// 7. The Socket.IO server path: a WebSocket client's bytes, as they come
// from the socket, to event arguments. wsframe: the Rust server core reads
// frames, Engine.IO and Socket.IO in one pass and hands out the arguments'
// JSON (parsed here, as an application gets them). ws: its Receiver, then
// engine.io-parser and socket.io-parser, as a socket.io server chains them.
{
  const n = Math.round(20_000 * SCALE);
  const client = new wsframe.Connection({ role: 'client' });
  const upgrade =
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  // The CONNECT alone first: as socket.io-client, events wait for its answer.
  const connect = Buffer.concat([Buffer.from(upgrade), client.send('40')]);
  const frames = [];
  for (let i = 0; i < n; i++) frames.push(client.send(`42["message",{"user":"u${i % 10}","text":"${'hello é€ '.repeat(1 + (i % 10))}","n":${i}}]`));
  client.free();
  const wsframeChunks = [connect, ...chunked(Buffer.concat(frames))];
  const checksum = (sum, args) => fold(sum, args[0].text);
  const viaCore = (chunks) => {
    const core = new wsframe.EngineServerCore({ pingInterval: 3_600_000, pingTimeout: 3_600_000 });
    let sum = 0;
    let count = 0;
    for (const chunk of chunks) {
      core.receive(1, chunk, 0);
      for (const action of core.takeOutput()) {
        if (action.kind === 'connect') core.accept(action.socket, 0);
        if (action.kind !== 'event') continue;
        count++;
        sum = checksum(sum, JSON.parse(action.argsJson));
      }
    }
    core.free();
    return [count, sum];
  };
  // The ws path starts after the HTTP head, which Node's http parser reads there.
  const viaWs = ([first, ...rest]) => {
    const chunks = [first.subarray(upgrade.length), ...rest];
    const receiver = new wsNative.Receiver({ isServer: true, maxPayload: 0 });
    const decoder = new sioOfficial.Decoder();
    let sum = 0;
    let count = 0;
    decoder.on('decoded', (packet) => {
      if (packet.type !== sioOfficial.PacketType.EVENT) return;
      count++;
      sum = checksum(sum, packet.data.slice(1));
    });
    receiver.on('message', (data, isBinary) => {
      const packet = eioOfficial.decodePacket(isBinary ? data : data.toString());
      if (packet.type === 'message') decoder.add(packet.data);
    });
    for (const chunk of chunks) receiver.write(chunk);
    return [count, sum];
  };
  const expected = viaWs(fresh(wsframeChunks));
  const medians = race({ 'wsframe server core': viaCore, 'ws + engine.io-parser + socket.io-parser': viaWs }, wsframeChunks, expected);
  report(`Socket.IO server path: ${n.toLocaleString('en')} events from WebSocket bytes to arguments`, 'events/s', n, medians, 'ws + engine.io-parser + socket.io-parser');
}

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`;
console.log(`\n${RUNS} interleaved runs per implementation, medians. Machine: ${machine}`);

// The same as a Markdown table, for the README.
console.log('\n| benchmark | implementation | rate | ratio |\n|---|---|---:|---:|');
for (const r of results) {
  const rate = r.unit === 'MB/s' ? `${Math.round(r.rate / 1e6).toLocaleString('en')} MB/s` : `${Math.round(r.rate).toLocaleString('en')} ${r.unit}`;
  console.log(`| ${r.benchmark} | ${r.implementation} | ${rate} | ${r.ratio.toFixed(2)}x |`);
}
mkdirSync(path.dirname(values.json), { recursive: true });
writeFileSync(values.json, JSON.stringify({ machine, runs: RUNS, date: new Date().toISOString(), results }, null, 2));
