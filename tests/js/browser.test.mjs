// A real browser's WebSocket (headless Chromium) against the wsframe server
// on raw `net`: sizes around every length-form boundary up to 8 MiB, text
// with 1-4 byte UTF-8, server pings (answered by the browser), fragmented
// server messages, and every close code the WebSocket API lets a page send,
// plus server-initiated closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { launchChromium, startServer, strictPage } from './helpers.mjs';

let browser;
let page;
let pageServer;
const problems = [];
before(async () => {
  // A page on 127.0.0.1 itself: Chromium blocks pages from other origins
  // (even about:blank) from opening loopback connections.
  pageServer = http.createServer((req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,"><title>wsframe</title>'),
  );
  pageServer.listen(0, '127.0.0.1');
  await once(pageServer, 'listening');
  browser = await launchChromium();
  page = await strictPage(browser, problems);
  await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);
});
after(async () => {
  await browser?.close();
  pageServer?.close();
});

test('echo of every size, text and binary, through Chromium', async () => {
  let pongs = 0;
  const s = await startServer({}, (ws) => {
    ws.on('pong', () => pongs++);
    ws.ping('are you there');
    ws.on('message', (data, isBinary) => {
      // Echo fragmented, so the browser reassembles our continuation frames.
      ws.send(data, { binary: isBinary, maxFrameSize: 10_000 });
    });
  });
  const result = await page.evaluate(async (url) => {
    const sizes = [0, 125, 126, 65535, 65536, 8 << 20];
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const next = () => new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data)));
    const out = {};
    for (const size of sizes) {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 131 + 7) & 0xff;
      const reply = next();
      ws.send(data);
      const got = new Uint8Array(await reply);
      out[size] = got.length === size && got.every((b, i) => b === data[i]);
    }
    const text = 'a é € 𝄞 中文 🎉'.repeat(2000);
    const reply = next();
    ws.send(text);
    out.text = (await reply) === text;
    ws.close(1000, 'done');
    out.close = await new Promise((resolve) => (ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean])));
    return out;
  }, s.url);
  assert.deepEqual(result, {
    0: true,
    125: true,
    126: true,
    65535: true,
    65536: true,
    [8 << 20]: true,
    text: true,
    close: [1000, 'done', true], // the close echoed with its code and reason, as ws does
  });
  assert.equal(pongs, 1, 'the browser answered our ping');
  await s.close();
  assert.deepEqual(problems, []);
});

test('close codes from the page, and closes initiated by the server', async () => {
  const received = [];
  const s = await startServer({}, (ws, request) => {
    const code = Number(new URL(request.url, 'http://x').searchParams.get('close'));
    if (code) ws.close(code, 'server says ' + code);
    ws.on('close', (c, reason) => received.push([c, reason.toString()]));
  });
  // The WebSocket API allows a page to send only 1000 and 3000-4999.
  const pageCodes = [1000, 3000, 3999, 4000, 4999];
  const serverCodes = [1000, 1001, 1003, 1008, 1011, 4000];
  const result = await page.evaluate(
    async ({ url, pageCodes, serverCodes }) => {
      const open = (u) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(u);
          ws.onopen = () => resolve(ws);
          ws.onerror = reject;
        });
      const closed = (ws) => new Promise((resolve) => (ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean])));
      const fromPage = [];
      for (const code of pageCodes) {
        const ws = await open(url);
        const done = closed(ws);
        ws.close(code, 'page says ' + code);
        fromPage.push(await done);
      }
      const fromServer = [];
      for (const code of serverCodes) {
        const ws = new WebSocket(`${url}/?close=${code}`);
        fromServer.push(await closed(ws));
      }
      return { fromPage, fromServer };
    },
    { url: s.url, pageCodes, serverCodes },
  );
  assert.deepEqual(result.fromPage, pageCodes.map((c) => [c, 'page says ' + c, true]), 'the echo carries the code and the reason');
  assert.deepEqual(result.fromServer, serverCodes.map((c) => [c, 'server says ' + c, true]));
  await new Promise((r) => setTimeout(r, 100));
  for (const code of pageCodes) assert.ok(received.some(([c, r]) => c === code && r === 'page says ' + code), `server saw ${code}`);
  await s.close();
  assert.deepEqual(problems, []);
});

test('Chromium negotiates permessage-deflate and exchanges compressed messages', async () => {
  let serverSide;
  const s = await startServer({ perMessageDeflate: { threshold: 0 } }, (ws) => {
    serverSide = ws;
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const result = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const next = () => new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data)));
    const out = { extensions: ws.extensions };
    // Context takeover across messages both ways: the same text several times.
    const text = 'compress me, again and again € 𝄞 '.repeat(4000);
    for (let i = 0; i < 3; i++) {
      const reply = next();
      ws.send(text + i);
      out['text' + i] = (await reply) === text + i;
    }
    const bytes = new Uint8Array(200_000).map((_, i) => (i % 97) + (i >> 12));
    const reply = next();
    ws.send(bytes);
    const got = new Uint8Array(await reply);
    out.binary = got.length === bytes.length && got.every((b, i) => b === bytes[i]);
    const empty = next();
    ws.send('');
    out.empty = (await empty) === '';
    ws.close(1000);
    await new Promise((resolve) => (ws.onclose = resolve));
    return out;
  }, s.url);
  assert.match(result.extensions, /^permessage-deflate/);
  assert.deepEqual({ ...result, extensions: undefined }, { extensions: undefined, text0: true, text1: true, text2: true, binary: true, empty: true });
  const plain = 3 * 'compress me, again and again € 𝄞 '.length * 4000 + 200_000;
  assert.ok(serverSide._socket.bytesRead < plain / 10, `the page sent ${serverSide._socket.bytesRead} B for ${plain} B of messages`);
  await s.close();
  assert.deepEqual(problems, []);
});
