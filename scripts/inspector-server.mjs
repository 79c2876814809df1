// The inspector's server: the page (www/) over HTTP, and the live demo on
// the same port, on a raw `net` server. `/demo` is a WebSocket echo with
// permessage-deflate run by wsframe/node; every byte it receives and sends
// on each connection is mirrored, as it was on the wire, to the pages
// listening on `/mirror` (JSON: { conn, token, dir, data: base64 } and
// { conn, token, type: "closed" }).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'wsframe/node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

async function serveStatic(www, req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');
  const file = path.join(www, decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
  if (!file.startsWith(www + path.sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end('Not Found');
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404).end('Not Found');
  }
}

/** Starts the server; resolves with `{ port, url, close }`. */
export async function startInspectorServer({ port = 8080, host = '127.0.0.1', www = path.join(root, 'www') } = {}) {
  const mirrors = new Set();
  const broadcast = (message) => {
    const text = JSON.stringify(message);
    for (const ws of mirrors) ws.send(text);
  };

  const demo = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  demo.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  const mirror = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  mirror.on('connection', (ws) => {
    mirrors.add(ws);
    ws.on('close', () => mirrors.delete(ws));
    ws.on('error', () => {});
  });

  const web = http.createServer((req, res) => serveStatic(www, req, res));
  web.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://localhost').pathname === '/mirror') {
      mirror.handleUpgrade(req, socket, head, (ws) => mirror.emit('connection', ws, req));
    }
    else socket.destroy();
  });

  let nextConn = 0;
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (first) => {
      const line = first.subarray(0, 256).toString('latin1');
      if (!/^GET \/demo[ ?/]/.test(line)) {
        // Everything else is the page and the mirror, served by `http`.
        socket.pause();
        socket.unshift(first);
        web.emit('connection', socket);
        socket.resume();
        return;
      }
      const conn = ++nextConn;
      const token = /[?&]watch=([\w-]+)/.exec(line)?.[1] ?? '';
      const tap = (dir, data) => {
        if (data && typeof data !== 'function' && data.length) {
          broadcast({ conn, token, dir, data: Buffer.from(data).toString('base64') });
        }
      };
      tap('client', first);
      socket.on('data', (chunk) => tap('client', chunk));
      const write = socket.write.bind(socket);
      socket.write = (data, ...rest) => {
        tap('server', data);
        return write(data, ...rest);
      };
      const end = socket.end.bind(socket);
      socket.end = (data, ...rest) => {
        tap('server', data);
        return end(data, ...rest);
      };
      socket.on('close', () => broadcast({ conn, token, type: 'closed' }));
      demo.handleSocket(socket, first);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    port: address.port,
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
