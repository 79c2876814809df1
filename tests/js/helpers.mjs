// Helpers for the node:test suites: servers on ephemeral loopback ports,
// the vectors, and headless Chromium.
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'wsframe/node';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const vectors = JSON.parse(readFileSync(path.join(root, 'tests', 'fixtures', 'vectors.json'), 'utf8'));

export const hex = (s) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');

/** A small seeded PRNG (mulberry32): random tests that reproduce. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A wsframe server on 127.0.0.1:0; `setup(ws, request)` runs per connection. */
export async function startServer(options = {}, setup = echo) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  server.on('connection', (ws, request) => setup(ws, request));
  await once(server, 'listening');
  const { port } = server.address();
  return { server, port, url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Echoes every message back with its type. */
export function echo(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
}

/** Serves `dir` over HTTP on 127.0.0.1:0 with the MIME types modules and wasm need. */
export async function staticServer(dir) {
  const types = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
  };
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Headless Debian Chromium through playwright-core (no browser download). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that fails the test on any page error or console error. */
export async function strictPage(browser, problems) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return page;
}
