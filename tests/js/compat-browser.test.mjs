// The browser builds of wsframe/engine.io-parser and wsframe/socket.io-parser
// in headless Chromium, side by side with the official parsers' browser
// builds (bundled by esbuild, which follows their "browser" field):
// ArrayBuffer, typed arrays and Blob in, both binary types out, the
// asynchronous base64 of Blobs, Socket.IO attachments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { launchChromium, root, staticServer, strictPage } from './helpers.mjs';

let dir;
let pages;
let browser;
let page;
const problems = [];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wsframe-compat-'));
  const pkg = path.join(root, 'pkg');
  for (const file of ['engine.io-parser.browser.mjs', 'socket.io-parser.browser.mjs']) cpSync(path.join(pkg, file), path.join(dir, file));
  mkdirSync(path.join(dir, 'web'));
  for (const file of ['wsframe.js', 'wsframe_bg.wasm', 'package.json']) cpSync(path.join(pkg, 'web', file), path.join(dir, 'web', file));
  writeFileSync(path.join(dir, 'official-entry.mjs'), "export * as eio from 'engine.io-parser';\nexport * as sio from 'socket.io-parser';\n");
  await esbuild.build({
    entryPoints: [path.join(dir, 'official-entry.mjs')],
    outfile: path.join(dir, 'official.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    nodePaths: [path.join(root, 'node_modules')],
    logLevel: 'warning',
  });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><title>compat</title>');
  pages = await staticServer(dir);
  browser = await launchChromium();
  page = await strictPage(browser, problems);
  await page.goto(`${pages.url}/index.html`);
});

after(async () => {
  await browser?.close();
  await pages?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('engine.io-parser in a browser: same results as the official browser build', async () => {
  const result = await page.evaluate(async () => {
    const ours = await import('/engine.io-parser.browser.mjs');
    const { eio: theirs } = await import('/official.js');
    const show = async (value) => {
      if (value instanceof Blob) return { blob: Array.from(new Uint8Array(await value.arrayBuffer())) };
      if (value instanceof ArrayBuffer) return { arraybuffer: Array.from(new Uint8Array(value)) };
      if (ArrayBuffer.isView(value)) return { view: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
      return value;
    };
    const encode = (parser, packet, supportsBinary) => new Promise((resolve) => parser.encodePacket(packet, supportsBinary, resolve));
    const payload = (parser, packets) => new Promise((resolve) => parser.encodePayload(packets, resolve));
    const packets = [
      { type: 'message', data: 'héllo 😀' },
      { type: 'ping' },
      { type: 'message', data: new Uint8Array([1, 2, 3]).buffer },
      { type: 'message', data: new Uint8Array([9, 8, 7, 6]).subarray(1, 3) },
      { type: 'message', data: new Blob([new Uint8Array([0xff, 0, 0x80])]) },
    ];
    const out = [];
    for (const packet of packets) {
      for (const supportsBinary of [true, false]) {
        out.push([await show(await encode(ours, packet, supportsBinary)), await show(await encode(theirs, packet, supportsBinary))]);
      }
    }
    out.push([await payload(ours, packets), await payload(theirs, packets)]);
    for (const binaryType of ['arraybuffer', 'blob']) {
      for (const text of ['bAQID', '4hello', '2', 'x']) {
        const a = ours.decodePacket(text, binaryType);
        const b = theirs.decodePacket(text, binaryType);
        out.push([{ type: a.type, data: await show(a.data) }, { type: b.type, data: await show(b.data) }]);
      }
      const mine = ours.decodePayload('4a\x1ebAQID\x1e3', binaryType);
      const official = theirs.decodePayload('4a\x1ebAQID\x1e3', binaryType);
      out.push([await Promise.all(mine.map(async (p) => ({ type: p.type, data: await show(p.data) }))), await Promise.all(official.map(async (p) => ({ type: p.type, data: await show(p.data) })))]);
    }
    return out;
  });
  for (const [mine, official] of result) assert.deepEqual(mine, official);
  assert.deepEqual(problems, []);
});

test('socket.io-parser in a browser: ArrayBuffer and Blob attachments', async () => {
  const result = await page.evaluate(async () => {
    const ours = await import('/socket.io-parser.browser.mjs');
    const { sio: theirs } = await import('/official.js');
    const bytes = async (v) => Array.from(new Uint8Array(v instanceof Blob ? await v.arrayBuffer() : v instanceof ArrayBuffer ? v : v.buffer));
    const packet = () => ({
      type: 2,
      nsp: '/room',
      id: 4,
      data: ['upload', new Uint8Array([1, 2]).buffer, { file: new Blob([new Uint8Array([3, 4, 5])]) }],
    });
    const encoded = async (parser) => {
      const parts = new parser.Encoder().encode(packet());
      return Promise.all(parts.map((p) => (typeof p === 'string' ? p : bytes(p))));
    };
    const decoded = async (parser, messages) => {
      const decoder = new parser.Decoder();
      const out = [];
      decoder.on('decoded', (p) => out.push(p));
      for (const m of messages) decoder.add(m);
      const p = out[0];
      return { type: p.type, nsp: p.nsp, id: p.id, name: p.data[0], first: await bytes(p.data[1]), second: await bytes(p.data[2].file) };
    };
    const messages = ['52-/room,4["upload",{"_placeholder":true,"num":0},{"file":{"_placeholder":true,"num":1}}]', new Uint8Array([1, 2]).buffer, new Uint8Array([3, 4, 5]).buffer];
    return {
      encoded: [await encoded(ours), await encoded(theirs)],
      decoded: [await decoded(ours, messages), await decoded(theirs, messages)],
    };
  });
  assert.deepEqual(result.encoded[0], result.encoded[1]);
  assert.deepEqual(result.decoded[0], result.decoded[1]);
  assert.deepEqual(result.decoded[0].second, [3, 4, 5]);
  assert.deepEqual(problems, []);
});
