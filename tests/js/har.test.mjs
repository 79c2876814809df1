// HAR files as a browser writes them: headless Chromium runs socket.io-client
// against a socket.io 4.8 server (polling, then the upgrade), a HAR is built
// from the DevTools Protocol's Network events as DevTools does, and
// wsframe's inspectHar and `wsframe inspect` read it: the polling requests'
// Engine.IO payloads, the WebSocket messages, Socket.IO events with their
// binary attachment stitched. Then Firefox ESR exports a HAR of the same
// kind of session with its own network monitor: the polling requests are
// decoded, and its WebSocket entry, which Firefox exports without the
// messages, is listed with its handshake and a warning that says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Server } from 'socket.io';
import { inspectHar } from 'wsframe';
import { launchChromium, root, strictPage } from './helpers.mjs';
import { tmpFile } from './capture-tools.mjs';
import { recordHar } from './har-recorder.mjs';
import { firefoxHarExporter } from './firefox-har.mjs';

test('a HAR of a socket.io session in Chromium: polling payloads, WebSocket messages, Socket.IO events and attachments', async () => {
  const clientBundle = readFileSync(path.join(root, 'node_modules/socket.io-client/dist/socket.io.min.js'));
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/socket.io.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(clientBundle);
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,"><script src="/socket.io.js"></script>');
    if (!req.url.startsWith('/socket.io/')) res.writeHead(404).end();
  });
  const server = new Server(httpServer);
  server.on('connection', (socket) => {
    socket.on('chat', (text, ack) => {
      socket.emit('file', text, Buffer.from([1, 2, 3]));
      ack(`got ${text}`);
    });
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}/`;
  const browser = await launchChromium();
  const problems = [];
  let har;
  try {
    const page = await strictPage(browser, problems);
    const stop = await recordHar(page);
    await page.goto(url);
    const answer = await page.evaluate(async () => {
      const socket = io({ reconnection: false });
      await new Promise((resolve) => socket.once('connect', resolve));
      if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      const file = new Promise((resolve) => socket.once('file', (text, bytes) => resolve([text, [...new Uint8Array(bytes)]])));
      const ack = await socket.timeout(5000).emitWithAck('chat', 'hi');
      const got = await file;
      socket.disconnect();
      return { ack, got };
    });
    assert.deepEqual(answer, { ack: 'got hi', got: ['hi', [1, 2, 3]] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    har = await stop();
  } finally {
    await browser.close();
    server.close();
  }
  assert.deepEqual(problems, []);
  const file = tmpFile('session.har');
  writeFileSync(file, JSON.stringify(har));

  const decoded = inspectHar(readFileSync(file, 'utf8'));
  assert.equal(decoded.creator, 'WebInspector 537.36');
  assert.equal(decoded.websockets.length, 1);
  const ws = decoded.websockets[0];
  assert.equal(ws.status, 101);
  assert.equal(ws.eio, 4);
  assert.equal(ws.socketio, true);
  assert.deepEqual(ws.messages.slice(0, 3).map((m) => [m.dir, m.text]), [['client', '2probe'], ['server', '3probe'], ['client', '5']]);
  assert.ok(ws.messages.every((m) => typeof m.time === 'number' && Math.abs(m.time - Date.now() / 1000) < 60));
  const events = ws.layers
    .filter((l) => l.socketio?.stitchedJson)
    .map((l) => [l.dir, l.socketio.kindName, JSON.parse(l.socketio.stitchedJson)]);
  assert.deepEqual(events, [
    ['client', 'EVENT', ['chat', 'hi']],
    ['server', 'BINARY_EVENT', ['file', 'hi', { _attachment: 0, bytes: 3, hex: '010203' }]],
    ['server', 'ACK', ['got hi']],
  ]);
  const attachment = ws.messages.find((m) => m.opcode === 2);
  assert.deepEqual([...attachment.data], [1, 2, 3]);
  // The polling requests before the upgrade: the open packet, the CONNECT both ways.
  const polled = decoded.polling.flatMap((p) => p.layers.map((l) => [l.dir, l.engineio?.kind, l.socketio?.kindName ?? null]));
  assert.ok(polled.some(([dir, kind]) => dir === 'server' && kind === 'open'), JSON.stringify(polled));
  assert.ok(polled.some(([dir, , sio]) => dir === 'client' && sio === 'CONNECT'), JSON.stringify(polled));
  assert.ok(polled.some(([dir, , sio]) => dir === 'server' && sio === 'CONNECT'), JSON.stringify(polled));
  assert.ok(polled.every(([, kind]) => kind), 'every polled packet decodes (the plain ok answering a POST is not a packet)');

  const cli = spawnSync(process.execPath, [path.join(root, 'pkg', 'bin', 'wsframe.mjs'), 'inspect', file], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^.*: HAR \(WebInspector 537\.36\), \d+ entries, 1 WebSocket connections, \d+ Engine\.IO polling requests/);
  assert.match(cli.stdout, /engine\.io message \| socket\.io BINARY_EVENT \/ \["file","hi",\{"_attachment":0,"bytes":3,"hex":"010203"\}\]/);
});

test("a HAR exported by Firefox's network monitor of a socket.io session: polling payloads decoded, the WebSocket handshake listed without messages (Firefox exports none), and said so", async () => {
  const clientBundle = readFileSync(path.join(root, 'node_modules/socket.io-client/dist/socket.io.min.js'));
  const exporter = firefoxHarExporter();
  const page = `<!doctype html><link rel="icon" href="data:,">${exporter.hold}<script src="/socket.io.js"></script><script>
    const socket = io({ reconnection: false });
    socket.once('connect', async () => {
      if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      await socket.timeout(5000).emitWithAck('chat', 'from firefox');
      socket.disconnect();
      fetch('/__har/done');
    });</script>`;
  const httpServer = http.createServer((req, res) => {
    if (exporter.handle(req, res)) return;
    if (req.url === '/socket.io.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(clientBundle);
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (!req.url.startsWith('/socket.io/')) res.writeHead(404).end();
  });
  const server = new Server(httpServer);
  const chats = [];
  server.on('connection', (socket) =>
    socket.on('chat', (text, ack) => {
      chats.push(text);
      ack(`got ${text}`);
    }),
  );
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  let har;
  try {
    har = await exporter.run(`http://127.0.0.1:${httpServer.address().port}`, '/');
  } finally {
    server.close();
  }
  // At most one session per Firefox started (a second one only if the first export was missed).
  assert.ok(chats.length >= 1 && chats.length <= exporter.attempts, `${chats.length} chats, ${exporter.attempts} attempts`);
  assert.ok(chats.every((chat) => chat === 'from firefox'), JSON.stringify(chats));
  assert.match(har.log.creator.name, /Firefox/);
  const file = tmpFile('firefox.har');
  writeFileSync(file, JSON.stringify(har));

  const decoded = inspectHar(readFileSync(file, 'utf8'));
  assert.match(decoded.creator, /^Firefox \d+/);
  // The upgrade: listed with its handshake, no messages, and a warning that says why.
  assert.equal(decoded.websockets.length, 1);
  const ws = decoded.websockets[0];
  assert.match(ws.url, /^ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?EIO=4&transport=websocket&sid=/);
  assert.equal(ws.status, 101);
  assert.equal(ws.eio, 4);
  assert.ok(ws.requestHeaders.some((h) => /^sec-websocket-key$/i.test(h.name)), JSON.stringify(ws.requestHeaders));
  assert.deepEqual(ws.messages, []);
  assert.deepEqual(
    decoded.diagnostics.map((d) => [d.severity, d.code]),
    [['warning', 'har_no_messages']],
  );
  assert.match(decoded.diagnostics[0].message, /not its messages \(Firefox \d/);
  // The polling requests before the upgrade, as Firefox recorded their bodies.
  const polled = decoded.polling.flatMap((p) => p.layers.map((l) => [l.dir, l.engineio?.kind, l.socketio?.kindName ?? null]));
  assert.ok(polled.some(([dir, kind]) => dir === 'server' && kind === 'open'), JSON.stringify(polled));
  assert.ok(polled.some(([dir, , sio]) => dir === 'client' && sio === 'CONNECT'), JSON.stringify(polled));
  assert.ok(polled.some(([dir, , sio]) => dir === 'server' && sio === 'CONNECT'), JSON.stringify(polled));

  // A warning is not an error: the tool exits 0 and prints it.
  const cli = spawnSync(process.execPath, [path.join(root, 'pkg', 'bin', 'wsframe.mjs'), 'inspect', file], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /: HAR \(Firefox \d[^)]*\), \d+ entries, 1 WebSocket connections, \d+ Engine\.IO polling requests/);
  assert.match(cli.stdout, /! warning har_no_messages/);
});
