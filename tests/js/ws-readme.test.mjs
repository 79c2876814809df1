// Every code example of ws's README (8.23), as a test: each runs with ws and
// with wsframe/node, taking the library as its import would give it. What
// changed in the examples: ports are ephemeral (8080 → 0), remote echo
// servers are local ones, console.log writes to a log that both runs must
// fill the same way, and the examples' loose ends are tied (timers stopped,
// sockets closed).
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { PassThrough } from 'node:stream';
import { both, next, portOf, selfSigned, sleep } from './ws-both.mjs';

/** A local stand-in for the README's echo servers. */
async function echoServer(lib) {
  const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await next(wss, 'listening');
  return { url: `ws://127.0.0.1:${portOf(wss)}/path`, close: () => new Promise((r) => wss.close(r)), wss };
}

both('README: permessage-deflate options on the server, and off on a client', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];
  const wss = new WebSocketServer({
    port: 0,
    perMessageDeflate: {
      zlibDeflateOptions: {
        // See zlib defaults.
        chunkSize: 1024,
        memLevel: 7,
        level: 3,
      },
      zlibInflateOptions: {
        chunkSize: 10 * 1024,
      },
      // Other options settable:
      clientNoContextTakeover: true, // Defaults to negotiated value.
      serverNoContextTakeover: true, // Defaults to negotiated value.
      serverMaxWindowBits: 10, // Defaults to negotiated value.
      // Below options specified as default values.
      concurrencyLimit: 10, // Limits zlib concurrency for perf.
      threshold: 1024, // Size (in bytes) below which messages
      // should not be compressed if context takeover is disabled.
    },
  });
  await next(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  const url = `ws://127.0.0.1:${portOf(wss)}/path`;

  const compressed = new WebSocket(url);
  await next(compressed, 'open');
  log.push(['default client', compressed.extensions]);
  compressed.send('x'.repeat(5000));
  const [echo] = await next(compressed, 'message');
  log.push(['echo', echo.length]);
  compressed.close();

  const ws = new WebSocket(url, {
    perMessageDeflate: false,
  });
  await next(ws, 'open');
  log.push(['perMessageDeflate: false', ws.extensions]);
  ws.close();
  await next(ws, 'close');
  await new Promise((r) => wss.close(r));
  assert.deepEqual(log, [['default client', 'permessage-deflate'], ['echo', 5000], ['perMessageDeflate: false', '']]);
  return log;
});

both('README: sending and receiving text data', async (lib) => {
  const WebSocket = lib.default;
  const echo = await echoServer(lib);
  const log = [];
  const console = { log: (...args) => log.push(args.map(String).join(' ')), error: (e) => log.push(`error ${e}`) };

  const ws = new WebSocket(echo.url);

  ws.on('error', console.error);

  ws.on('open', function open() {
    ws.send('something');
  });

  ws.on('message', function message(data) {
    console.log('received: %s', data);
  });

  await next(ws, 'message');
  ws.close();
  await next(ws, 'close');
  await echo.close();
  assert.deepEqual(log, ['received: %s something']);
  return log;
});

both('README: sending binary data', async (lib) => {
  const WebSocket = lib.default;
  const echo = await echoServer(lib);

  const ws = new WebSocket(echo.url);

  ws.on('error', console.error);

  ws.on('open', function open() {
    const array = new Float32Array(5);

    for (var i = 0; i < array.length; ++i) {
      array[i] = i / 2;
    }

    ws.send(array);
  });

  const [data, isBinary] = await next(ws, 'message');
  ws.close();
  await echo.close();
  const floats = [...new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length))];
  assert.deepEqual(floats, [0, 0.5, 1, 1.5, 2]);
  return { floats, isBinary };
});

both('README: simple server', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];

  const wss = new WebSocketServer({ port: 0 });

  wss.on('connection', function connection(ws) {
    ws.on('error', console.error);

    ws.on('message', function message(data) {
      log.push(`received: ${data}`);
    });

    ws.send('something');
  });

  await next(wss, 'listening');
  const client = new WebSocket(`ws://localhost:${portOf(wss)}`);
  const [greeting] = await next(client, 'message');
  log.push(`client got: ${greeting}`);
  client.send('thanks');
  await sleep(50);
  client.close();
  await next(client, 'close');
  await new Promise((r) => wss.close(r));
  assert.deepEqual(log, ['client got: something', 'received: thanks']);
  return log;
});

both('README: external HTTPS server (self-signed, client with rejectUnauthorized: false)', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];
  const { cert, key } = selfSigned();

  const server = createHttpsServer({ cert, key });
  const wss = new WebSocketServer({ server });

  wss.on('connection', function connection(ws) {
    ws.on('error', console.error);

    ws.on('message', function message(data) {
      log.push(`received: ${data}`);
      ws.send('something');
    });
  });

  server.listen(0);
  await next(server, 'listening');
  const ws = new WebSocket(`wss://localhost:${server.address().port}`, {
    rejectUnauthorized: false,
  });
  ws.on('error', console.error);
  ws.on('open', function open() {
    ws.send('All glory to WebSockets!');
  });
  const [reply] = await next(ws, 'message');
  log.push(`reply: ${reply}`, `secure: ${ws.url.startsWith('wss:')}`);

  // With the certificate as a CA instead, verification passes too.
  const verified = new WebSocket(`wss://localhost:${server.address().port}`, { ca: cert });
  await next(verified, 'open');
  verified.close();
  // Without it, the TLS error reaches 'error', then 'close' with 1006.
  const refused = new WebSocket(`wss://localhost:${server.address().port}`);
  const closed = next(refused, 'close');
  const [tlsError] = await next(refused, 'error');
  const [code] = await closed;
  log.push(`refused: ${tlsError.code} ${code}`);

  ws.close();
  await next(ws, 'close');
  await new Promise((r) => wss.close(r));
  server.closeAllConnections?.();
  await new Promise((r) => server.close(r));
  assert.deepEqual(log, [
    'received: All glory to WebSockets!',
    'reply: something',
    'secure: true',
    'refused: DEPTH_ZERO_SELF_SIGNED_CERT 1006',
  ]);
  return log;
});

both('README: multiple servers sharing a single HTTP server', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];

  const server = createHttpServer();
  const wss1 = new WebSocketServer({ noServer: true });
  const wss2 = new WebSocketServer({ noServer: true });

  wss1.on('connection', function connection(ws) {
    ws.on('error', console.error);
    ws.send('from foo');
  });

  wss2.on('connection', function connection(ws) {
    ws.on('error', console.error);
    ws.send('from bar');
  });

  server.on('upgrade', function upgrade(request, socket, head) {
    const { pathname } = new URL(request.url, 'wss://base.url');

    if (pathname === '/foo') {
      wss1.handleUpgrade(request, socket, head, function done(ws) {
        wss1.emit('connection', ws, request);
      });
    } else if (pathname === '/bar') {
      wss2.handleUpgrade(request, socket, head, function done(ws) {
        wss2.emit('connection', ws, request);
      });
    } else {
      socket.destroy();
    }
  });

  server.listen(0);
  await next(server, 'listening');
  const base = `ws://127.0.0.1:${server.address().port}`;
  for (const path of ['/foo', '/bar', '/foo']) {
    const ws = new WebSocket(base + path);
    const [data] = await next(ws, 'message');
    log.push(`${path}: ${data}`);
    ws.close();
    await next(ws, 'close');
  }
  const other = new WebSocket(`${base}/other`);
  const closed = next(other, 'close');
  const [err] = await next(other, 'error');
  log.push(`/other: ${err.message}`);
  await closed;
  await new Promise((r) => server.close(r));
  assert.deepEqual(log, ['/foo: from foo', '/bar: from bar', '/foo: from foo', '/other: socket hang up']);
  return log;
});

both('README: client authentication in the http server\'s upgrade event', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];

  function onSocketError(err) {
    log.push(`socket error: ${err.message}`);
  }

  // The README leaves authenticate() to the reader: a token in the query here.
  function authenticate(request, next) {
    const token = new URL(request.url, 'http://x').searchParams.get('token');
    if (token === 'secret') next(null, 'alice');
    else next(new Error('unauthorized'));
  }

  const server = createHttpServer();
  const wss = new WebSocketServer({ noServer: true });

  wss.on('connection', function connection(ws, request, client) {
    ws.on('error', console.error);

    ws.on('message', function message(data) {
      log.push(`Received message ${data} from user ${client}`);
    });
  });

  server.on('upgrade', function upgrade(request, socket, head) {
    socket.on('error', onSocketError);

    // This function is not defined on purpose. Implement it with your own logic.
    authenticate(request, function next(err, client) {
      if (err || !client) {
        socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
        socket.destroy();
        return;
      }

      socket.removeListener('error', onSocketError);

      wss.handleUpgrade(request, socket, head, function done(ws) {
        wss.emit('connection', ws, request, client);
      });
    });
  });

  server.listen(0);
  await next(server, 'listening');
  const base = `ws://127.0.0.1:${server.address().port}`;
  const refused = new WebSocket(`${base}/?token=wrong`);
  refused.on('unexpected-response', (req, res) => {
    log.push(`refused: ${res.statusCode}`);
    refused.close();
  });
  refused.on('error', (e) => log.push(`refused error: ${e.message}`));
  await next(refused, 'close');
  const ws = new WebSocket(`${base}/?token=secret`);
  await next(ws, 'open');
  ws.send('hello');
  await sleep(50);
  ws.close();
  await next(ws, 'close');
  await new Promise((r) => server.close(r));
  assert.deepEqual(log, [
    'refused: 401',
    'refused error: WebSocket was closed before the connection was established',
    'Received message hello from user alice',
  ]);
  return log;
});

both('README: server broadcast, including and excluding the sender', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const received = [];

  async function run(excludeSelf) {
    const wss = new WebSocketServer({ port: 0 });

    wss.on('connection', function connection(ws) {
      ws.on('error', console.error);

      ws.on('message', function message(data, isBinary) {
        wss.clients.forEach(function each(client) {
          if ((!excludeSelf || client !== ws) && client.readyState === WebSocket.OPEN) {
            client.send(data, { binary: isBinary });
          }
        });
      });
    });

    await next(wss, 'listening');
    const url = `ws://127.0.0.1:${portOf(wss)}`;
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = new WebSocket(url);
      await next(c, 'open');
      c.got = [];
      c.on('message', (data, isBinary) => c.got.push([data.toString(), isBinary]));
      clients.push(c);
    }
    await sleep(20);
    clients[0].send('text from 0');
    clients[1].send(Buffer.from('binary from 1'));
    await sleep(100);
    received.push({ excludeSelf, size: wss.clients.size, got: clients.map((c) => c.got) });
    for (const c of clients) c.close();
    await new Promise((r) => wss.close(r));
  }

  await run(false);
  await run(true);
  assert.deepEqual(received[0].got[2], [['text from 0', false], ['binary from 1', true]]);
  assert.deepEqual(received[1].got[0], [['binary from 1', true]]);
  return received;
});

both('README: round-trip time', async (lib) => {
  const WebSocket = lib.default;
  const echo = await echoServer(lib);
  const log = [];
  let count = 0;

  const ws = new WebSocket(echo.url);

  ws.on('error', console.error);

  ws.on('open', function open() {
    log.push('connected');
    ws.send(Date.now());
  });

  ws.on('close', function close() {
    log.push('disconnected');
  });

  ws.on('message', function message(data) {
    const rtt = Date.now() - data;
    log.push(`Round-trip time is a number: ${Number.isFinite(rtt) && rtt >= 0}`);

    if (++count === 3) return ws.close();
    setTimeout(function timeout() {
      ws.send(Date.now());
    }, 10);
  });

  await next(ws, 'close');
  await echo.close();
  assert.deepEqual(log, ['connected', ...Array(3).fill('Round-trip time is a number: true'), 'disconnected']);
  return log;
});

both('README: use the Node.js streams API', async (lib) => {
  const { default: WebSocket, createWebSocketStream } = lib;
  const echo = await echoServer(lib);
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  let output = '';
  stdout.on('data', (chunk) => (output += chunk));

  const ws = new WebSocket(echo.url);

  const duplex = createWebSocketStream(ws, { encoding: 'utf8' });

  duplex.on('error', console.error);

  duplex.pipe(stdout);
  stdin.pipe(duplex);

  stdin.write('line one\n');
  stdin.write('line two\n');
  while (!output.includes('line two')) await sleep(10);
  stdin.end();
  await next(ws, 'close');
  await echo.close();
  assert.equal(output, 'line one\nline two\n');
  return output;
});

both('README FAQ: the client IP address, direct and behind a proxy', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];

  const wss = new WebSocketServer({ port: 0 });

  wss.on('connection', function connection(ws, req) {
    const ip = req.socket.remoteAddress;
    const forwarded = req.headers['x-forwarded-for']?.split(',')[0].trim();
    log.push({ ip: ip.replace(/^::ffff:/, ''), forwarded });

    ws.on('error', console.error);
    ws.close();
  });

  await next(wss, 'listening');
  const url = `ws://127.0.0.1:${portOf(wss)}`;
  const direct = new WebSocket(url);
  await next(direct, 'close');
  const proxied = new WebSocket(url, { headers: { 'X-Forwarded-For': '203.0.113.7, 10.0.0.1' } });
  await next(proxied, 'close');
  await new Promise((r) => wss.close(r));
  assert.deepEqual(log, [{ ip: '127.0.0.1', forwarded: undefined }, { ip: '127.0.0.1', forwarded: '203.0.113.7' }]);
  return log;
});

both('README FAQ: detect and close broken connections (server pings, client heartbeat)', async (lib) => {
  const { default: WebSocket, WebSocketServer } = lib;
  const log = [];
  const INTERVAL = 100;

  function heartbeat() {
    this.isAlive = true;
  }

  const wss = new WebSocketServer({ port: 0 });

  wss.on('connection', function connection(ws) {
    ws.isAlive = true;
    ws.on('error', console.error);
    ws.on('pong', heartbeat);
    ws.on('close', (code) => log.push(`server saw close ${code}`));
  });

  const interval = setInterval(function ping() {
    wss.clients.forEach(function each(ws) {
      if (ws.isAlive === false) return ws.terminate();

      ws.isAlive = false;
      ws.ping();
    });
  }, INTERVAL);

  wss.on('close', function close() {
    clearInterval(interval);
  });

  await next(wss, 'listening');
  const url = `ws://127.0.0.1:${portOf(wss)}`;

  // A live client: it answers pings (automatically) and keeps its own heartbeat.
  function clientHeartbeat() {
    clearTimeout(this.pingTimeout);

    // Use `WebSocket#terminate()`, which immediately destroys the connection,
    // instead of `WebSocket#close()`, which waits for the close timer.
    // Delay should be equal to the interval at which your server
    // sends out pings plus a conservative assumption of the latency.
    this.pingTimeout = setTimeout(() => {
      this.terminate();
    }, INTERVAL + 1000);
  }

  const client = new WebSocket(url);

  client.on('error', console.error);
  client.on('open', clientHeartbeat);
  client.on('ping', clientHeartbeat);
  client.on('close', function clear() {
    clearTimeout(this.pingTimeout);
  });

  // A broken one: it stops reading, so its pongs never come.
  const broken = new WebSocket(url, { autoPong: false });
  await next(broken, 'open');
  await sleep(INTERVAL * 4);
  log.push(`live client still open: ${client.readyState === WebSocket.OPEN}`);
  log.push(`broken client: ${broken.readyState}`);
  client.close();
  await next(client, 'close');
  // The server's 'close' may come a tick after the client's.
  await sleep(50);
  await new Promise((r) => wss.close(r));
  assert.deepEqual(log, ['server saw close 1006', 'live client still open: true', 'broken client: 3', 'server saw close 1005']);
  return log;
});
