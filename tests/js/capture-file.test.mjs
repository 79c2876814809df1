// pcap and pcapng files as the inspector reads them, checked against
// Wireshark's own dissector: real peers (ws ↔ ws, with and without
// permessage-deflate; socket.io-client ↔ socket.io over polling then
// upgrade) talk over loopback while dumpcap or tcpdump records; tshark and
// wsframe's CaptureFile then read the same file, and every WebSocket frame
// must agree field by field (packet number, time, direction, FIN, RSV,
// opcode, mask, length, masking key, the unmasked and inflated payload,
// close code and reason). Then the file is damaged on purpose: packets
// reordered, one dropped, the file cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { WebSocket, WebSocketServer } from 'ws';
import { CaptureFile } from 'wsframe';
import { record, tmpFile, tsharkFrames, wsframeFrames } from './capture-tools.mjs';

for (const tool of ['dumpcap', 'tcpdump', 'tshark']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is missing: run \`bash scripts/setup.sh\` (it installs Debian's tcpdump and tshark)`);
  }
}

/** A ws echo server; `talk(url)` runs a ws client through every frame kind. */
async function wsSession({ deflate }) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? { threshold: 0 } : false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const port = wss.address().port;
  const talk = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { perMessageDeflate: deflate });
    await new Promise((resolve) => ws.once('open', resolve));
    const messages = ['hello', 'é'.repeat(100), 'x'.repeat(300), Buffer.from([0, 1, 2, 254, 255]), Buffer.alloc(70_000, 7)];
    for (const message of messages) {
      ws.send(message);
      await new Promise((resolve) => ws.once('message', resolve));
    }
    ws.ping(Buffer.from('are you there'));
    await new Promise((resolve) => ws.once('pong', resolve));
    ws.close(4000, 'done here');
    await new Promise((resolve) => ws.once('close', resolve));
  };
  return { port, talk, close: () => new Promise((resolve) => wss.close(resolve)) };
}

function compare(file, port) {
  const capture = new CaptureFile(readFileSync(file));
  try {
    const summary = capture.summary();
    const ws = summary.connections.filter((c) => c.kind === 'websocket' && c.server.endsWith(`:${port}`));
    assert.equal(ws.length, 1, JSON.stringify(summary.connections));
    const expected = tsharkFrames(file, port);
    const got = wsframeFrames(capture, ws[0].index);
    assert.ok(expected.length >= 12, `tshark found ${expected.length} frames`);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < expected.length; i++) {
      const { time: t1, ...want } = expected[i];
      const { time: t2, ...have } = got[i];
      assert.deepEqual(have, want, `frame ${i}`);
      assert.ok(Math.abs(t1 - t2) < 1e-6, `frame ${i} time ${t2} vs ${t1}`);
    }
    assert.equal(ws[0].frames, expected.length);
    assert.deepEqual(ws[0].diagnostics, []);
    return { summary, frames: got };
  } finally {
    capture.free();
  }
}

for (const deflate of [false, true]) {
  for (const [tool, iface, link] of [
    ['dumpcap', 'lo', 'Ethernet'],
    ['tcpdump', 'lo', 'Ethernet'],
    ['tcpdump', 'any', 'Linux cooked'],
  ]) {
    const format = tool === 'dumpcap' ? 'pcapng' : 'pcap';
    test(`ws ↔ ws${deflate ? ' with permessage-deflate' : ''}, ${tool} -i ${iface} (${format}): every frame as Wireshark's dissector reads it`, async () => {
      const session = await wsSession({ deflate });
      try {
        const file = await record({ tool, iface, port: session.port, file: tmpFile(`ws.${format}`) }, session.talk);
        const { summary } = compare(file, session.port);
        assert.equal(summary.format, format);
        assert.ok(summary.linkTypes[0].startsWith(link), summary.linkTypes.join());
      } finally {
        await session.close();
      }
    });
  }
}

/** The packets of a little-endian pcap file: its header and each record. */
function pcapRecords(bytes) {
  const records = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const length = bytes.readUInt32LE(at + 8);
    records.push(bytes.subarray(at, at + 16 + length));
    at += 16 + length;
  }
  return { header: bytes.subarray(0, 24), records };
}

/** A little-endian pcap written again in big-endian byte order, as tcpdump on a big-endian machine writes it. */
function bigEndianPcap(bytes) {
  const out = Buffer.from(bytes);
  const swap32 = (at) => out.writeUInt32BE(bytes.readUInt32LE(at), at);
  swap32(0);
  out.writeUInt16BE(bytes.readUInt16LE(4), 4);
  out.writeUInt16BE(bytes.readUInt16LE(6), 6);
  for (const at of [8, 12, 16, 20]) swap32(at);
  for (const record of pcapRecords(bytes).records) {
    const at = record.byteOffset - bytes.byteOffset;
    for (const field of [0, 4, 8, 12]) swap32(at + field);
  }
  return out;
}

/**
 * A little-endian pcapng written again in big-endian byte order: section
 * headers, interface descriptions (their timestamp resolution kept, other
 * options left out) and enhanced packets; other blocks are left out.
 */
function bigEndianPcapng(bytes) {
  const blocks = [];
  const block = (type, body) => {
    const padded = Buffer.alloc(Math.ceil(body.length / 4) * 4);
    body.copy(padded);
    const out = Buffer.alloc(12 + padded.length);
    out.writeUInt32BE(type, 0);
    out.writeUInt32BE(out.length, 4);
    padded.copy(out, 8);
    out.writeUInt32BE(out.length, out.length - 4);
    blocks.push(out);
  };
  for (let at = 0; at + 12 <= bytes.length; ) {
    const type = bytes.readUInt32LE(at);
    const length = bytes.readUInt32LE(at + 4);
    const body = bytes.subarray(at + 8, at + length - 4);
    if (type === 0x0a0d0d0a) {
      const shb = Buffer.alloc(16);
      shb.writeUInt32BE(0x1a2b3c4d, 0);
      shb.writeUInt16BE(body.readUInt16LE(4), 4);
      shb.writeUInt16BE(body.readUInt16LE(6), 6);
      shb.writeBigInt64BE(body.readBigInt64LE(8), 8);
      block(type, shb);
    } else if (type === 1) {
      const options = [];
      for (let o = 8; o + 4 <= body.length; ) {
        const code = body.readUInt16LE(o);
        const len = body.readUInt16LE(o + 2);
        if (code === 0) break;
        if (code === 9) options.push(Buffer.from([0, 9, 0, 1, body[o + 4], 0, 0, 0]));
        o += 4 + Math.ceil(len / 4) * 4;
      }
      const idb = Buffer.alloc(8);
      idb.writeUInt16BE(body.readUInt16LE(0), 0);
      idb.writeUInt32BE(body.readUInt32LE(4), 4);
      block(type, Buffer.concat([idb, ...options, ...(options.length ? [Buffer.alloc(4)] : [])]));
    } else if (type === 6) {
      const epb = Buffer.alloc(20);
      for (let f = 0; f < 20; f += 4) epb.writeUInt32BE(body.readUInt32LE(f), f);
      block(type, Buffer.concat([epb, body.subarray(20, 20 + body.readUInt32LE(12))]));
    }
    at += length;
  }
  return Buffer.concat(blocks);
}

test('mergecap joins an Ethernet and a Linux cooked capture into one pcapng of two interfaces, and both formats in big-endian order: every frame as Wireshark reads it', async () => {
  const first = await wsSession({ deflate: false });
  const second = await wsSession({ deflate: true });
  try {
    const lo = await record({ tool: 'tcpdump', iface: 'lo', port: first.port, file: tmpFile('lo.pcap') }, first.talk);
    const any = await record({ tool: 'tcpdump', iface: 'any', port: second.port, file: tmpFile('any.pcap') }, second.talk);
    const merged = tmpFile('merged.pcapng');
    execFileSync('mergecap', ['-F', 'pcapng', '-w', merged, lo, any]);
    // Wireshark's own reading: packets on two interfaces.
    const interfaces = new Set(execFileSync('tshark', ['-r', merged, '-T', 'fields', '-e', 'frame.interface_id'], { encoding: 'utf8' }).trim().split('\n'));
    assert.deepEqual([...interfaces].sort(), ['0', '1']);
    const one = compare(merged, first.port);
    const other = compare(merged, second.port);
    assert.equal(one.summary.format, 'pcapng');
    assert.deepEqual(one.summary.linkTypes.map((name) => name.split(' ')[0]).sort(), ['Ethernet', 'Linux']);
    assert.ok(other.frames.some((f) => f.rsv === 4), 'the second session is compressed');
    // The same pcapng in big-endian order: the same frames, as tshark reads them there too.
    const turned = tmpFile('merged-big-endian.pcapng');
    writeFileSync(turned, bigEndianPcapng(readFileSync(merged)));
    assert.deepEqual([...readFileSync(turned).subarray(8, 12)], [0x1a, 0x2b, 0x3c, 0x4d]);
    assert.deepEqual(compare(turned, first.port).frames, one.frames);
    assert.deepEqual(compare(turned, second.port).frames, other.frames);

    const swapped = tmpFile('big-endian.pcap');
    writeFileSync(swapped, bigEndianPcap(readFileSync(lo)));
    assert.deepEqual([...readFileSync(swapped).subarray(0, 4)], [0xa1, 0xb2, 0xc3, 0xd4]);
    const { frames } = compare(swapped, first.port);
    const { frames: native } = compare(lo, first.port);
    assert.deepEqual(frames, native);
  } finally {
    await first.close();
    await second.close();
  }
});

test('reassembly: packets reordered and one lost (pcap rewritten), and a truncated file', async () => {
  const session = await wsSession({ deflate: false });
  let file;
  try {
    file = await record({ tool: 'tcpdump', port: session.port, file: tmpFile('ws.pcap') }, session.talk);
  } finally {
    await session.close();
  }
  const original = compare(file, session.port).frames;
  const { header, records } = pcapRecords(readFileSync(file));
  // The data packets (TCP payload: Ethernet 14 + IP 20 + TCP 32 < length).
  const data = records.map((r, i) => [r, i]).filter(([r]) => r.readUInt32LE(8) > 66 + 0).map(([, i]) => i);
  assert.ok(data.length > 8);

  // Two data packets swapped: the same frames, from the same packets' bytes.
  const [a, b] = [data[3], data[4]];
  const swapped = [...records];
  [swapped[a], swapped[b]] = [swapped[b], swapped[a]];
  const reordered = tmpFile('reordered.pcap');
  writeFileSync(reordered, Buffer.concat([header, ...swapped]));
  const capture = new CaptureFile(readFileSync(reordered));
  const frames = wsframeFrames(capture, capture.summary().connections.find((c) => c.kind === 'websocket').index);
  const strip = (list) => list.map(({ packet, time, ...rest }) => rest);
  assert.deepEqual(strip(frames), strip(original));
  capture.free();

  // A data packet dropped: a gap diagnostic at its sequence number, decoding goes on.
  const lost = data[5];
  const dropped = tmpFile('lost.pcap');
  writeFileSync(dropped, Buffer.concat([header, ...records.filter((_, i) => i !== lost)]));
  const tsharkSeq = execFileSync('tshark', ['-r', file, '-o', 'tcp.relative_sequence_numbers:FALSE', '-T', 'fields', '-e', 'tcp.seq', '-e', 'tcp.len', '-Y', `frame.number==${lost + 1}`], {
    encoding: 'utf8',
  })
    .trim()
    .split('\t')
    .map(Number);
  const withGap = new CaptureFile(readFileSync(dropped));
  const connection = withGap.summary().connections.find((c) => c.kind === 'websocket');
  const gap = connection.diagnostics.find((d) => d.code === 'capture_gap');
  assert.ok(gap, JSON.stringify(connection.diagnostics));
  assert.match(gap.message, new RegExp(`^${tsharkSeq[1]} bytes the (client|server) sent at sequence number ${tsharkSeq[0]} were not captured`));
  assert.ok(withGap.inspect(connection.index, {}).order.length > 0);
  withGap.free();

  // Cut in the middle of a packet record: the packets before it are read.
  const bytes = readFileSync(file);
  const cut = new CaptureFile(bytes.subarray(0, bytes.length - 40));
  const summary = cut.summary();
  assert.deepEqual(summary.diagnostics.map((d) => d.code), ['truncated_capture']);
  assert.equal(summary.packets, records.length - 1);
  cut.free();

  // Not a capture at all.
  assert.throws(() => new CaptureFile(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { code: 'invalid_argument', message: /not a pcap or pcapng file/ });
});

test('socket.io-client ↔ socket.io 4.8, polling then upgrade (dumpcap pcapng): the polling connections, the WebSocket frames as tshark reads them, and the Socket.IO events', async () => {
  const { Server } = await import('socket.io');
  const { io } = await import('socket.io-client');
  const http = await import('node:http');
  const httpServer = http.createServer();
  const server = new Server(httpServer);
  server.on('connection', (socket) => {
    socket.on('chat', (text, ack) => {
      socket.emit('echo', text, Buffer.from([1, 2, 3]));
      ack('ok');
    });
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address();
  let file;
  try {
    file = await record({ tool: 'dumpcap', port, file: tmpFile('sio.pcapng') }, async () => {
      const client = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
      await new Promise((resolve) => client.once('connect', resolve));
      if (client.io.engine.transport.name !== 'websocket') await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
      const echoed = new Promise((resolve) => client.once('echo', resolve));
      assert.equal(await client.timeout(5000).emitWithAck('chat', 'hello'), 'ok');
      await echoed;
      client.close();
    });
  } finally {
    server.close();
  }
  const capture = new CaptureFile(readFileSync(file));
  try {
    const { connections } = capture.summary();
    const kinds = connections.map((c) => c.kind);
    assert.ok(kinds.includes('engine.io'), kinds.join());
    assert.deepEqual(kinds.filter((k) => k === 'websocket'), ['websocket']);
    const ws = connections.find((c) => c.kind === 'websocket');
    // tshark's frames (header fields and text) are wsframe's.
    const expected = tsharkFrames(file, port).map(({ time, ...f }) => f);
    const got = wsframeFrames(capture, ws.index).map(({ time, ...f }) => f);
    assert.deepEqual(got, expected);
    // Engine.IO and Socket.IO on top, from the handshake's EIO=4 and /socket.io/ path.
    const ins = capture.inspect(ws.index, {});
    assert.equal(ins.eio, 4);
    assert.equal(ins.socketio, true);
    const events = ins.layers
      .filter((l) => l.socketio?.stitchedJson)
      .map((l) => [l.dir, l.socketio.kindName, l.socketio.id ?? null, JSON.parse(l.socketio.stitchedJson)]);
    assert.deepEqual(events, [
      ['client', 'EVENT', 0, ['chat', 'hello']],
      ['server', 'BINARY_EVENT', null, ['echo', 'hello', { _attachment: 0, bytes: 3, hex: '010203' }]],
      ['server', 'ACK', 0, ['ok']],
    ]);
  } finally {
    capture.free();
  }
});

test('IPv6 over loopback, tcpdump with nanosecond timestamps: every frame as Wireshark reads it', async () => {
  const wss = new WebSocketServer({ port: 0, host: '::1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const { port } = wss.address();
  const talk = async () => {
    const ws = new WebSocket(`ws://[::1]:${port}/v6`);
    await new Promise((resolve) => ws.once('open', resolve));
    for (const message of ['one', 'two', Buffer.from([3]), 'four', 'five']) {
      ws.send(message);
      await new Promise((resolve) => ws.once('message', resolve));
    }
    ws.close(1001, 'going');
    await new Promise((resolve) => ws.once('close', resolve));
  };
  try {
    const file = await record({ tool: 'tcpdump', port, file: tmpFile('v6.pcap'), nanoseconds: true }, talk);
    assert.equal(readFileSync(file).subarray(0, 4).toString('hex'), '4d3cb2a1', 'a nanosecond pcap');
    const { summary } = compare(file, port);
    const ws = summary.connections.find((c) => c.kind === 'websocket');
    assert.match(ws.client, /^\[::1\]:\d+$/);
    assert.equal(ws.server, `[::1]:${port}`);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test("Chromium's own WebSocket ↔ a wsframe/node server with permessage-deflate (dumpcap): every frame as Wireshark reads it", async () => {
  const { WebSocketServer: WsframeServer } = await import('wsframe/node');
  const { launchChromium } = await import('./helpers.mjs');
  const server = new WsframeServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const { port } = server.address();
  const browser = await launchChromium();
  try {
    const file = await record({ tool: 'dumpcap', port, file: tmpFile('chromium.pcapng') }, async () => {
      const page = await browser.newPage();
      await page.evaluate(async (url) => {
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        await new Promise((resolve) => (ws.onopen = resolve));
        for (const message of ['from Chromium', 'ü'.repeat(300), new Uint8Array([9, 8, 7]), 'x'.repeat(70_000), 'last']) {
          ws.send(message);
          await new Promise((resolve) => (ws.onmessage = resolve));
        }
        ws.close(1000, 'done');
        await new Promise((resolve) => (ws.onclose = resolve));
      }, `ws://127.0.0.1:${port}/chromium`);
      await page.close();
    });
    const { frames } = compare(file, port);
    // Chromium compressed what it sent; the frames say so (RSV1).
    assert.ok(frames.some((f) => f.dir === 'client' && f.rsv === 4), JSON.stringify(frames.map((f) => [f.dir, f.rsv])));
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
