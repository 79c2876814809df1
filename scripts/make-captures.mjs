// Records real sessions between independent peers through a TCP proxy and
// writes them as Wireshark "Follow TCP Stream" hex dumps (client lines flush
// left, server lines indented), for the inspector's examples and tests:
//   tests/fixtures/capture-ws-deflate.txt  ws client <-> ws server, permessage-deflate
//   tests/fixtures/capture-socketio.txt    socket.io-client <-> socket.io server (WebSocket)
// Run once (node scripts/make-captures.mjs); the files are committed.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { Server as IoServer } from 'socket.io';
import { io } from 'socket.io-client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A proxy to `port` that records every chunk with its direction. */
async function recordingProxy(port) {
  const chunks = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.on('data', (d) => {
      chunks.push(['client', Buffer.from(d)]);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      chunks.push(['server', Buffer.from(d)]);
      client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, chunks, close: () => server.close() };
}

/** Wireshark's hex dump layout: offset per direction, 16 bytes, ASCII. */
function wiresharkDump(chunks) {
  const offsets = { client: 0, server: 0 };
  const lines = [];
  for (const [dir, bytes] of chunks) {
    for (let i = 0; i < bytes.length; i += 16) {
      const row = bytes.subarray(i, i + 16);
      const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
      const left = hex.slice(0, 8).join(' ');
      const right = hex.slice(8).join(' ');
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      const text = `${offsets[dir].toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}   ${ascii.slice(0, 8)} ${ascii.slice(8)}`;
      lines.push(dir === 'server' ? `    ${text.trimEnd()}` : text.trimEnd());
      offsets[dir] += row.length;
    }
  }
  return `${lines.join('\n')}\n`;
}

async function wsDeflateSession() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => wss.on('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data}`, { binary: isBinary }));
  });
  const proxy = await recordingProxy(wss.address().port);
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/chat`, { perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => ws.on('open', r));
  const replies = [];
  ws.on('message', (d) => replies.push(d));
  const wait = async (n) => {
    while (replies.length < n) await new Promise((r) => setTimeout(r, 10));
  };
  ws.send('Hello, inspector!');
  await wait(1);
  ws.send('Hello, inspector!');
  await wait(2);
  ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  await wait(3);
  ws.ping('are you there?');
  await new Promise((r) => ws.once('pong', r));
  ws.close(1000, 'done');
  await new Promise((r) => ws.on('close', r));
  await new Promise((r) => setTimeout(r, 50));
  proxy.close();
  wss.close();
  return proxy.chunks;
}

async function socketIoSession() {
  const httpServer = http.createServer();
  const ioServer = new IoServer(httpServer, { serveClient: false });
  ioServer.on('connection', (socket) => {
    socket.emit('welcome', { text: 'hi', n: 1 });
    socket.on('upload', (name, bytes, ack) => ack({ name, size: bytes.length }));
  });
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
  const proxy = await recordingProxy(httpServer.address().port);
  const client = io(`http://127.0.0.1:${proxy.port}`, { transports: ['websocket'], reconnection: false });
  await new Promise((r) => client.on('welcome', r));
  await client.emitWithAck('upload', 'photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  client.disconnect();
  await new Promise((r) => setTimeout(r, 100));
  proxy.close();
  ioServer.close();
  httpServer.close();
  return proxy.chunks;
}

const fixtures = path.join(root, 'tests', 'fixtures');
writeFileSync(path.join(fixtures, 'capture-ws-deflate.txt'), wiresharkDump(await wsDeflateSession()));
writeFileSync(path.join(fixtures, 'capture-socketio.txt'), wiresharkDump(await socketIoSession()));
console.log('wrote tests/fixtures/capture-ws-deflate.txt and capture-socketio.txt');
process.exit(0);
