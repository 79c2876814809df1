// Capture files and HAR exports in the inspector page (headless Chromium):
// a pcapng recorded from a real ws session opens from the file picker, its
// connections in the picker and its frames (each with the packet that
// completed it) as tshark counts them; a HAR of a socket.io session from
// Chromium shows its messages (no frame bits) with Socket.IO decoded; the
// exports round-trip; a 100 MB pcapng decodes in the worker while the page
// keeps drawing frames. Screenshots go to target/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Server } from 'socket.io';
import { WebSocket, WebSocketServer } from 'ws';
import { CaptureFile, parseDump } from 'wsframe';
import { root } from '../js/helpers.mjs';
import { record, recordSocketIoChat, tmpFile, tsharkFrames } from '../js/capture-tools.mjs';
import { recordHar } from '../js/har-recorder.mjs';
import { openInspector } from './page.mjs';
import { writeSyntheticPcapng } from './synthetic-pcapng.mjs';

const shots = path.join(root, 'target', 'e2e');
let inspector;
let browser;
let page;

before(async () => {
  inspector = await openInspector({ acceptDownloads: true });
  ({ browser, page } = inspector);
});

after(async () => {
  const { problems } = inspector;
  await inspector?.close();
  assert.deepEqual(problems, []);
});

async function wsCapture() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const { port } = wss.address();
  const file = await record({ tool: 'dumpcap', port, file: tmpFile('page.pcapng') }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/page`, { perMessageDeflate: true });
    await new Promise((resolve) => ws.once('open', resolve));
    for (const message of ['hello page', Buffer.from([1, 2, 3]), 'z'.repeat(5000)]) {
      ws.send(message);
      await new Promise((resolve) => ws.once('message', resolve));
    }
    ws.close(1000, 'bye');
    await new Promise((resolve) => ws.once('close', resolve));
  });
  await new Promise((resolve) => wss.close(resolve));
  return { file, port };
}

const rowTexts = () => page.locator('.row').evaluateAll((nodes) => nodes.map((n) => [...n.children].map((c) => c.textContent)));

describe('files in the page', () => {
  test('a pcapng from dumpcap: connections, frames with packet numbers as tshark counts them, export round trip', async () => {
    const { file, port } = await wsCapture();
    await page.setInputFiles('#file-input', file);
    await page.waitForSelector('#file-bar:not([hidden])');
    await page.waitForFunction(() => document.querySelectorAll('.row').length > 0);
    const options = await page.locator('#connection option').allTextContents();
    assert.ok(options.some((o) => / · websocket · \d+ frames · \d+ packets/.test(o)), options.join('\n'));
    const expected = tsharkFrames(file, port);
    assert.match(await page.locator('#list-summary').textContent(), new RegExp(`^${expected.length} frames`));
    const rows = await rowTexts();
    assert.deepEqual(rows.map((r) => r[2]), expected.slice(0, rows.length).map((f) => `#${f.packet}`));
    await page.click('#row-0');
    assert.match(await page.locator('#detail [data-k="packet"]').textContent(), new RegExp(`^#${expected[0].packet} \\(the packet that completed the frame\\), 20\\d\\d-`));
    assert.match(await page.locator('#input-info').textContent(), /page\.pcapng: pcapng, \d+ packets \(Ethernet\), 1 connections/);
    assert.equal(await page.locator('#col-where').textContent(), 'packet');
    assert.doesNotMatch(await page.locator('#status').textContent(), /cannot/);
    await page.screenshot({ path: path.join(shots, 'capture-file.png'), fullPage: true });

    // The hex dump export reads back as the same bytes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-hex')]);
    const dump = parseDump(readFileSync(await download.path(), 'utf8'), 'client');
    const capture = new CaptureFile(readFileSync(file));
    const want = capture.segments(0);
    capture.free();
    const joined = (segments, dir) => Buffer.concat(segments.filter((s) => s.dir === dir).map((s) => Buffer.from(s.bytes)));
    for (const dir of ['client', 'server']) assert.deepEqual(joined(dump.segments, dir), joined(want, dir), dir);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const messages = JSON.parse(readFileSync(await json.path(), 'utf8'));
    assert.deepEqual(messages.filter((m) => m.dir === 'client').map((m) => m.text ?? m.hex), ['hello page', '010203', 'z'.repeat(5000)]);
    assert.ok(messages.every((m) => typeof m.packet === 'number'));
  });

  test('a HAR of a socket.io session from Chromium: messages without frame bits, Socket.IO decoded', async () => {
    const httpServer = http.createServer((req, res) => {
      if (req.url === '/socket.io.js') return res.writeHead(200).end(readFileSync(path.join(root, 'node_modules/socket.io-client/dist/socket.io.min.js')));
      if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,"><script src="/socket.io.js"></script>');
    });
    const io = new Server(httpServer);
    io.on('connection', (socket) => socket.on('chat', (text, ack) => {
      socket.emit('file', text, Buffer.from([7, 8]));
      ack('ok');
    }));
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    const stop = await recordHar(other);
    await other.goto(`http://127.0.0.1:${httpServer.address().port}/`);
    await other.evaluate(async () => {
      const socket = io({ reconnection: false });
      await new Promise((resolve) => socket.once('connect', resolve));
      if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      const file = new Promise((resolve) => socket.once('file', resolve));
      await socket.timeout(5000).emitWithAck('chat', 'from the page');
      await file;
      socket.disconnect();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const har = await stop();
    await other.close();
    io.close();
    const file = tmpFile('page.har');
    writeFileSync(file, JSON.stringify(har));

    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => /HAR/.test(document.querySelector('#input-info').textContent));
    const options = await page.locator('#connection option').allTextContents();
    assert.ok(options.some((o) => /WebSocket ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?EIO=4&transport=websocket/.test(o)), options.join('\n'));
    assert.ok(options.some((o) => /GET http:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?EIO=4&transport=polling/.test(o)), options.join('\n'));
    assert.doesNotMatch(await page.locator('#status').textContent(), /cannot/);
    assert.match(await page.locator('#list-summary').textContent(), /^\d+ messages \(/);
    const kinds = (await rowTexts()).map((r) => r[4]);
    assert.ok(kinds.includes('EVENT') && kinds.includes('BINARY_EVENT') && kinds.includes('ACK'), kinds.join());
    await page.click(`#row-${kinds.indexOf('BINARY_EVENT')}`);
    assert.match(await page.locator('#har-note').textContent(), /messages, not frames/);
    assert.equal(await page.locator('#detail [data-k="sio-type"]').textContent(), 'BINARY_EVENT');
    assert.deepEqual(JSON.parse(await page.locator('#sio-args').getAttribute('data-json')), ['from the page', { _attachment: 0, bytes: 2, hex: '0708' }]);
    await page.screenshot({ path: path.join(shots, 'har.png'), fullPage: true });
    // A polling request of the same HAR: its packets, CONNECT among them.
    const polling = options.findIndex((o) => / POST http:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?EIO=4&transport=polling/.test(o));
    await page.selectOption('#connection', String(polling));
    await page.waitForFunction(() => /packets? \(/.test(document.querySelector('#list-summary').textContent));
    assert.ok((await rowTexts()).some((r) => r[4] === 'CONNECT'));
  });

  test('a pcapng of socket.io-client ↔ socket.io on long-polling only: the Engine.IO connections, their packets and Socket.IO events', async () => {
    const { file } = await recordSocketIoChat({ name: 'polling.pcapng', transports: ['polling'], text: 'by polling' });
    await page.setInputFiles('#file-input', file);
    // The file bar is already showing from the test before (its HAR): wait
    // for this capture's connections instead.
    await page.waitForFunction(() => [...document.querySelectorAll('#connection option')].some((o) => / · engine\.io · /.test(o.textContent)));
    const options = await page.locator('#connection option').allTextContents();
    const polling = options.map((o, i) => [o, i]).filter(([o]) => / · engine\.io · /.test(o));
    assert.ok(polling.length >= 1, options.join('\n'));
    assert.ok(options.every((o) => !/ · websocket · /.test(o)), options.join('\n'));
    // Every packet of every polling connection, with its Engine.IO and Socket.IO kinds.
    const kinds = [];
    let event = null;
    for (const [, index] of polling) {
      await page.selectOption('#connection', String(index));
      await page.waitForFunction((i) => new RegExp(`connection #${i}, \\d+ Engine\\.IO polling requests`).test(document.querySelector('#input-info').textContent), index);
      const rows = (await rowTexts()).map((r) => r[4]);
      kinds.push(...rows);
      if (rows.includes('EVENT')) {
        // The event's arguments, decoded from the POST body.
        await page.click(`#row-${rows.indexOf('EVENT')}`);
        event = [await page.locator('#detail [data-k="sio-event"]').textContent(), ...JSON.parse(await page.locator('#sio-args').getAttribute('data-json'))];
      }
    }
    for (const kind of ['open', 'CONNECT', 'EVENT', 'ACK']) assert.ok(kinds.includes(kind), `${kind} in ${kinds.join()}`);
    assert.deepEqual(event, ['chat', 'by polling']);
    assert.doesNotMatch(await page.locator('#status').textContent(), /cannot/);
  });

  test('a 100 MB pcapng decodes in the worker while the page keeps drawing its progress', async () => {
    const file = tmpFile('big.pcapng');
    const frames = writeSyntheticPcapng(file, { megabytes: 100 });
    // Count the page's animation frames (a blocked main thread stops them),
    // and note the progress bar's value while the status says it decodes.
    await page.evaluate(() => {
      window.gaps = [];
      window.decoding = [];
      let last = performance.now();
      const tick = (now) => {
        window.gaps.push(now - last);
        last = now;
        const bar = document.querySelector('#load-progress');
        if (/^decoding/.test(document.querySelector('#status').textContent) && !bar.hidden && bar.hasAttribute('value')) window.decoding.push(bar.value);
        if (!window.stopTicking) requestAnimationFrame(tick);
      };
      window.stopTicking = false;
      requestAnimationFrame(tick);
    });
    const started = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction((n) => new RegExp(`^${n} frames`).test(document.querySelector('#list-summary').textContent), frames, { timeout: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    const gaps = await page.evaluate(() => {
      window.stopTicking = true;
      return window.gaps;
    });
    const worst = Math.max(...gaps);
    const decoding = await page.evaluate(() => window.decoding);
    const shown = [...new Set(decoding)];
    console.log(`100 MB pcapng: ${frames} frames in ${seconds.toFixed(1)} s; longest pause of the page ${worst.toFixed(0)} ms over ${gaps.length} animation frames; decoding progress drawn at ${shown.map((f) => f.toFixed(2)).join(' ')}`);
    // The bar moves while the worker decodes: it is told, not guessed.
    assert.ok(shown.length >= 3 && shown.some((f) => f > 0.05 && f < 0.95), `decoding progress ${shown}`);
    assert.ok(decoding.every((f, i) => i === 0 || f >= decoding[i - 1]), `progress went back: ${decoding}`);
    assert.ok(gaps.length > 10, `${gaps.length} animation frames`);
    assert.ok(worst < 1500, `the page froze for ${worst.toFixed(0)} ms`);
    // The worker's memory after reading the file: a couple of times its size
    // (the file's bytes, then the connections' streams).
    const info = await page.locator('#input-info').textContent();
    const memory = Number(/decoder memory (\d+) MB/.exec(info)?.[1]) * 1e6;
    const size = statSync(file).size;
    console.log(`decoder memory ${(memory / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB file`);
    assert.ok(memory > size && memory < 3 * size, info);
    // The list stays fluid: scroll to the end and select the last frame.
    await page.locator('#frame-list').evaluate((box) => (box.scrollTop = box.scrollHeight));
    await page.click(`#row-${frames - 1}`);
    assert.equal(await page.locator('#detail [data-k="length"]').textContent(), '65536 bytes (64-bit form)');
  });
});
