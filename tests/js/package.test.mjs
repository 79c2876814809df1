// The package as a user gets it: `npm pack` of pkg/, installed into a fresh
// project, then used from CommonJS, ESM, TypeScript (strict), an esbuild
// browser bundle and a plain <script type="module"> page in headless
// Chromium. Each one encodes and decodes real frames, not just loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { launchChromium, root, staticServer, strictPage } from './helpers.mjs';

let project;
const run = (cmd, args, cwd = project) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  project = mkdtempSync(path.join(os.tmpdir(), 'wsframe-consumer-'));
  const packed = run('npm', ['pack', '--silent', '--pack-destination', project], path.join(root, 'pkg')).trim().split('\n').pop();
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${packed}`]);
});
after(() => rmSync(project, { recursive: true, force: true }));

// The same checks in every environment: RFC 6455 §5.7 bytes both ways, a
// client->server exchange through two Connections, and an error object.
const CHECKS = `
  const rfc = Uint8Array.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  const encoded = w.encodeFrame('Hello', { mask: Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]) });
  const [frame] = new w.FrameDecoder({ role: 'server' }).push(rfc);
  const client = new w.Connection({ role: 'client' });
  const server = new w.Connection({ role: 'server' });
  const received = server.receive(client.send('héllo 𝄞'));
  const bad = server.receive(w.encodeFrame('unmasked'));
  const result = {
    encodes: encoded.length === rfc.length && encoded.every((b, i) => b === rfc[i]),
    decodes: new TextDecoder().decode(frame.payload),
    exchange: received.events[0].data,
    error: [bad.error instanceof w.WsframeError, bad.error.code, bad.error.closeCode],
    accept: w.acceptKey('dGhlIHNhbXBsZSBub25jZQ=='),
  };`;
const EXPECTED = {
  encodes: true,
  decodes: 'Hello',
  exchange: 'héllo 𝄞',
  error: [true, 'mask_missing', 1002],
  accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
};

// Node only: a real server and client from wsframe/node echo over loopback,
// written as with ws: the module is the WebSocket class, carrying the rest.
const NODE_ECHO = `
  const server2 = new n.WebSocketServer({ port: 0 });
  server2.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
  await new Promise((r) => server2.on('listening', r));
  const ws = new n('ws://127.0.0.1:' + server2.address().port);
  await new Promise((r) => ws.on('open', r));
  ws.send('over the wire');
  result.echo = await new Promise((r) => ws.on('message', (d) => r(d.toString())));
  result.shape = [typeof n, n.WebSocket === n, n.Server === n.WebSocketServer, typeof n.createWebSocketStream, n.OPEN];
  ws.close(1000);
  await new Promise((r) => ws.on('close', r));
  server2.close();`;
const NODE_EXPECTED = { echo: 'over the wire', shape: ['function', true, true, 'function', 1] };

test('CommonJS require', () => {
  writeFileSync(
    path.join(project, 'check.cjs'),
    `const w = require('wsframe'); const n = require('wsframe/node');
     (async () => { ${CHECKS} ${NODE_ECHO} console.log(JSON.stringify(result)); })();`,
  );
  assert.deepEqual(JSON.parse(run('node', ['check.cjs'])), { ...EXPECTED, ...NODE_EXPECTED });
});

test('ESM import', () => {
  writeFileSync(
    path.join(project, 'check.mjs'),
    `import * as w from 'wsframe'; import n, { WebSocket, WebSocketServer, createWebSocketStream } from 'wsframe/node';
     import def from 'wsframe'; if (typeof def.Connection !== 'function') throw new Error('default export');
     if (WebSocket !== n || WebSocketServer !== n.WebSocketServer || createWebSocketStream !== n.createWebSocketStream) throw new Error('named exports');
     ${CHECKS} ${NODE_ECHO} console.log(JSON.stringify(result));`,
  );
  assert.deepEqual(JSON.parse(run('node', ['check.mjs'])), { ...EXPECTED, ...NODE_EXPECTED });
});

test('ESM and CommonJS share one instance', () => {
  writeFileSync(
    path.join(project, 'same.mjs'),
    `import { createRequire } from 'node:module'; import * as esm from 'wsframe';
     const cjs = createRequire(import.meta.url)('wsframe');
     console.log(esm.Connection === cjs.Connection);`,
  );
  assert.equal(run('node', ['same.mjs']).trim(), 'true');
});

test('wsframe/engine.io-parser and wsframe/socket.io-parser: require, import, TypeScript', () => {
  const body = `
    const out = [];
    eio.encodePacket({ type: 'message', data: 'hi' }, false, (s) => out.push(s));
    out.push(eio.decodePayload('4a\\x1ebAQID').map((p) => p.type + ':' + (typeof p.data === 'string' ? p.data : [...p.data])));
    const packets = [];
    const decoder = new sio.Decoder();
    decoder.on('decoded', (p) => packets.push(p));
    for (const m of new sio.Encoder().encode({ type: sio.PacketType.EVENT, nsp: '/', data: ['e', new Uint8Array([7])] })) decoder.add(m);
    out.push(packets[0].type, packets[0].data[0], [...packets[0].data[1]], sio.isPacketValid({ type: 2, nsp: '/', data: ['disconnect'] }));
    console.log(JSON.stringify(out));`;
  const expected = ['4hi', ['message:a', 'message:1,2,3'], 2, 'e', [7], false];
  writeFileSync(
    path.join(project, 'compat.cjs'),
    `const eio = require('wsframe/engine.io-parser'); const sio = require('wsframe/socket.io-parser'); ${body}`,
  );
  assert.deepEqual(JSON.parse(run('node', ['compat.cjs'])), expected);
  writeFileSync(
    path.join(project, 'compat.mjs'),
    `import * as eio from 'wsframe/engine.io-parser'; import * as sio from 'wsframe/socket.io-parser'; ${body}`,
  );
  assert.deepEqual(JSON.parse(run('node', ['compat.mjs'])), expected);
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  writeFileSync(
    path.join(project, 'compat.mts'),
    `import * as eio from 'wsframe/engine.io-parser';
     import { Decoder, Encoder, PacketType, type Packet } from 'wsframe/socket.io-parser';
     import { SocketIoServer, EngineIoServer } from 'wsframe/node';
     import type { Socket as IoSocket, EngineSocket } from 'wsframe/socket.io';
     import { decodePayloadV3, type DecodedPayload } from 'wsframe';
     const decoded: eio.Packet[] = eio.decodePayload('4a');
     const v3: DecodedPayload = decodePayloadV3('2:4a');
     const packet: Packet = { type: PacketType.EVENT, nsp: '/', data: ['x'] };
     const parts: unknown[] = new Encoder().encode(packet);
     new Decoder().on('decoded', (p: Packet) => p.nsp);
     const server = new SocketIoServer({ pingInterval: 1000 });
     server.on('connection', (socket: IoSocket) => socket.emit('hello', 1));
     new EngineIoServer().on('connection', (socket: EngineSocket) => socket.on('message', (data) => socket.send(data)));
     console.log(decoded.length, v3.packets.length, parts.length);`,
  );
  writeFileSync(
    path.join(project, 'tsconfig.compat.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        noEmit: true,
        typeRoots: [path.join(root, 'node_modules', '@types')],
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['compat.mts'],
    }),
  );
  run(tsc, ['-p', 'tsconfig.compat.json']);
});

test('TypeScript: tsc --strict over a sample using the types, then run it', () => {
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        outDir: 'ts-out',
        typeRoots: [path.join(root, 'node_modules', '@types')],
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['sample.mts'],
    }),
  );
  writeFileSync(
    path.join(project, 'sample.mts'),
    `import * as w from 'wsframe';
     import { connect, WebSocketServer, type WebSocket } from 'wsframe/node';
     const frames: w.Frame[] = new w.FrameDecoder({ role: 'client' }).push(w.encodeFrame('typed'));
     const conn: w.Connection = new w.Connection({ role: 'server', maxMessageSize: 1 << 20 });
     const r: w.ReceiveResult = conn.receive(w.encodeFrame('x', { mask: true }));
     const first: w.ConnectionEvent | undefined = r.events[0];
     const text: string = first && first.type === 'text' ? first.data : '';
     const err: w.WsframeError | null = r.error;
     const anatomy: w.Inspection = w.inspect(w.encodeFrame('y'));
     const field: w.Field | undefined = anatomy.frames[0]?.fields.find((f) => f.name === 'opcode');
     const server = new WebSocketServer({ port: 0 });
     server.on('connection', (ws: WebSocket) => ws.on('message', (d, binary: boolean) => ws.send(d, { binary })));
     server.on('listening', () => {
       const address = server.address();
       const port = typeof address === 'object' && address ? address.port : 0;
       const ws = connect(\`ws://127.0.0.1:\${port}\`);
       ws.on('open', () => ws.send('typed echo'));
       ws.on('message', (data) => {
         console.log(JSON.stringify([new TextDecoder().decode(frames[0]!.payload), text, err, field?.raw, data.toString()]));
         ws.close(1000);
         server.close();
       });
     });`,
  );
  run(tsc, ['--noEmit', '-p', 'tsconfig.json']);
  run(tsc, ['-p', 'tsconfig.json']);
  assert.deepEqual(JSON.parse(run('node', ['ts-out/sample.mjs'])), ['typed', 'x', null, '0001', 'typed echo']);
  // And the types catch mistakes.
  writeFileSync(path.join(project, 'wrong.mts'), `import { Connection } from 'wsframe'; new Connection({ role: 'peer' });`);
  writeFileSync(
    path.join(project, 'tsconfig.wrong.json'),
    JSON.stringify({ extends: './tsconfig.json', files: ['wrong.mts'] }),
  );
  assert.throws(
    () => run(tsc, ['--noEmit', '-p', 'tsconfig.wrong.json']),
    (e) => /"peer"' is not assignable/.test(e.stdout),
  );
});

// A program typed the way @types/ws types ws, with only the import to change.
const WS_TYPED = (from) => `
  import WebSocket, { WebSocketServer, createWebSocketStream } from '${from}';
  import type { IncomingMessage } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Duplex } from 'node:stream';
  const seen: unknown[] = [];
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: { zlibDeflateOptions: { level: 3, memLevel: 7 }, threshold: 1024, concurrencyLimit: 10 },
    verifyClient: (info: { origin: string; secure: boolean; req: IncomingMessage }, cb: (res: boolean, code?: number) => void) =>
      cb(info.req.url === '/typed'),
    handleProtocols: (protocols: Set<string>, req: IncomingMessage) => (protocols.has('typed') && req.url ? 'typed' : false),
    maxPayload: 1 << 20,
    clientTracking: true,
  });
  wss.on('headers', (headers: string[], req: IncomingMessage) => headers.push('X-Typed: ' + req.url));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    seen.push(req.headers['x-client'], ws.protocol);
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      ws.send(data, { binary: isBinary, compress: false }, (err?: Error) => {
        if (err) seen.push(err.message);
      });
    });
    ws.on('ping', (data: Buffer) => ws.pong(data));
    ws.on('error', (err: Error) => seen.push(err.message));
  });
  function asStream(ws: WebSocket): Duplex {
    return createWebSocketStream(ws, { encoding: 'utf8' });
  }
  wss.on('listening', () => {
    const { port } = wss.address() as AddressInfo;
    const client = new WebSocket('ws://127.0.0.1:' + port + '/typed', ['typed'], {
      handshakeTimeout: 2000,
      headers: { 'X-Client': 'ts' },
      perMessageDeflate: false,
    });
    client.binaryType = 'arraybuffer';
    client.on('upgrade', (res: IncomingMessage) => seen.push(res.headers['x-typed']));
    client.onopen = () => client.send(Buffer.from('typed bytes'));
    client.addEventListener('message', (event: WebSocket.MessageEvent) => {
      seen.push(Buffer.from(event.data as ArrayBuffer).toString(), client.readyState === WebSocket.OPEN, typeof asStream);
      client.close(1000, 'done');
    });
    client.on('close', (code: number, reason: Buffer) => {
      seen.push(code, reason.toString(), wss.clients.size >= 0);
      wss.close(() => console.log(JSON.stringify(seen)));
    });
  });`;

/**
 * Compiles `program(reference)` inside the repository, where the reference
 * package and its types are installed, then `program(ours)` against the
 * installed package, and runs the latter; returns what it printed, parsed.
 */
function typedAgainstBoth(program, reference, ours, name) {
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const compilerOptions = {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    typeRoots: [path.join(root, 'node_modules', '@types')],
    types: ['node'],
    skipLibCheck: false,
  };
  const referenceDir = path.join(root, 'target', `ts-${name}`);
  mkdirSync(referenceDir, { recursive: true });
  writeFileSync(path.join(referenceDir, 'typed.mts'), program(reference));
  writeFileSync(
    path.join(referenceDir, 'tsconfig.json'),
    // The reference's own declarations are its business.
    JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: true, noEmit: true }, files: ['typed.mts'] }),
  );
  run(tsc, ['-p', 'tsconfig.json'], referenceDir);
  writeFileSync(path.join(project, `${name}.mts`), program(ours));
  writeFileSync(
    path.join(project, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: `${name}-out` }, files: [`${name}.mts`] }),
  );
  run(tsc, ['-p', `tsconfig.${name}.json`]);
  return JSON.parse(run('node', [`${name}-out/${name}.mjs`]));
}

test('TypeScript: a program typed against @types/ws compiles against ws and wsframe/node alike, and runs', () => {
  // The server sees the connection before the client reads the 101.
  assert.deepEqual(typedAgainstBoth(WS_TYPED, 'ws', 'wsframe/node', 'ws-typed'), ['ts', 'typed', '/typed', 'typed bytes', true, 'function', 1000, 'done', true]);
});

// A server typed the way socket.io's own types type it, with only the import to change.
const SIO_TYPED = (from) => `
  import { createServer } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import { Server, type Socket } from '${from}';
  const httpServer = createServer((req, res) => res.end('app'));
  const io = new Server(httpServer, { cors: { origin: 'https://app.example', credentials: true }, pingInterval: 1000, connectTimeout: 2000 });
  io.use((socket: Socket, next: (err?: Error) => void) => (socket.handshake.auth.token === 'no' ? next(new Error('refused')) : next()));
  const seen: unknown[] = [];
  io.on('connection', (socket: Socket) => {
    socket.join(['a', 'b']);
    socket.to('a').except('b').emit('typed', 1, { two: 2 });
    socket.timeout(100).emit('question', (err: Error | null, answer: unknown) => seen.push(err?.message, answer));
    socket.on('disconnect', (reason: string) => seen.push(reason));
  });
  io.of(/^\\/dynamic-\\d+$/).on('connection', (socket: Socket) => socket.emit('hi'));
  httpServer.listen(0, '127.0.0.1', async () => {
    const { port } = httpServer.address() as AddressInfo;
    const res = await fetch('http://127.0.0.1:' + port + '/socket.io/?EIO=4&transport=polling');
    seen.push(res.status, (await res.text())[0], (await io.fetchSockets()).length, io.engine.clientsCount);
    io.close(() => console.log(JSON.stringify(seen)));
  });`;

test('TypeScript: a socket.io server compiles against socket.io and wsframe/socket.io alike, and runs', () => {
  assert.deepEqual(typedAgainstBoth(SIO_TYPED, 'socket.io', 'wsframe/socket.io', 'sio-typed'), [200, '0', 0, 1]);
});

// socket.io's TypeScript page: the typed-events generics (event maps for
// both directions, inter-server events, socket data), acknowledgements with
// and without timeout, and what the types refuse (@ts-expect-error lines
// fail the build if a type lets them through).
const SIO_GENERICS = (from) => `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket, type Namespace, type RemoteSocket } from '${from}';

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}
interface ClientToServerEvents {
  hello: () => void;
  add: (a: number, b: number, callback: (sum: number) => void) => void;
}
interface InterServerEvents {
  ping: (n: number) => void;
}
interface SocketData {
  name: string;
  age: number;
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer);
const seen: unknown[] = [];
io.on('connection', (socket) => {
  socket.emit('noArg');
  socket.emit('basicEmit', 1, '2', Buffer.from([3]));
  socket.emit('withAck', '4', (e) => {
    seen.push(e + 1);
  });
  io.emit('noArg');
  io.to('room1').emit('basicEmit', 1, '2', Buffer.from([3]));
  socket.on('hello', () => {});
  socket.on('add', (a, b, callback) => callback(a + b));
  socket.on('disconnect', (reason) => seen.push(reason.length));
  socket.data.name = 'john';
  socket.data.age = 42;
  socket.timeout(1000).emit('withAck', '4', (err, e) => seen.push(err?.message, e + 1));
  io.timeout(1000).emit('withAck', '4', (err, responses) => seen.push(err?.message, responses.length));
  void socket.timeout(1000).emitWithAck('withAck', '4').then((e: number) => seen.push(e));
  void io.timeout(1000).emitWithAck('withAck', '4').then((all: number[]) => seen.push(all.length));
});
// What the types refuse, as socket.io's refuse it.
io.on('connection', (socket) => {
  // @ts-expect-error: not an event the server emits
  socket.emit('nope');
  // @ts-expect-error: a number is expected first
  socket.emit('basicEmit', 'one', '2', Buffer.from([3]));
  // @ts-expect-error: not a field of SocketData
  socket.data.nickname = 'x';
  // @ts-expect-error: the client sends no such event
  socket.on('bye', () => {});
  // @ts-expect-error: not an inter-server event
  io.serverSideEmit('pong');
});
io.serverSideEmit('ping', 1);
io.on('ping', (n) => seen.push(n + 1));
const typed: Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = io.of('/typed');
typed.use((socket: Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>, next) => {
  socket.data.age = 1;
  next();
});
async function everyone(): Promise<string[]> {
  const sockets: RemoteSocket<ServerToClientEvents, SocketData>[] = await io.fetchSockets();
  for (const s of sockets) s.emit('noArg');
  return sockets.map((s) => s.data.name);
}
// Untyped servers keep working with any event.
const loose = new Server();
loose.on('connection', (socket) => socket.emit('anything', 1, { two: 2 }, () => {}));

httpServer.listen(0, '127.0.0.1', async () => {
  const { port } = httpServer.address() as AddressInfo;
  const res = await fetch('http://127.0.0.1:' + port + '/socket.io/?EIO=4&transport=polling');
  seen.push(res.status, (await everyone()).length);
  io.close(() => console.log(JSON.stringify(seen)));
});
`;

test('TypeScript: socket.io\'s typed events compile against socket.io and wsframe/socket.io alike, and run', () => {
  assert.deepEqual(typedAgainstBoth(SIO_GENERICS, 'socket.io', 'wsframe/socket.io', 'sio-generics'), [200, 0]);
});

async function browserResult(url) {
  const browser = await launchChromium();
  const problems = [];
  try {
    const page = await strictPage(browser, problems);
    await page.goto(url);
    await page.waitForFunction(() => window.__result || window.__error, null, { timeout: 30_000 });
    const value = await page.evaluate(() => window.__result ?? { error: window.__error });
    return { value, problems };
  } finally {
    await browser.close();
  }
}

const PAGE_SCRIPT = (importFrom) => `
  import init, * as w from '${importFrom}';
  try {
    await init();
    ${CHECKS}
    window.__result = result;
  } catch (e) { window.__error = String(e && e.stack || e); }`;

test('esbuild browser bundle in headless Chromium', async () => {
  const dist = path.join(project, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(project, 'app.mjs'), PAGE_SCRIPT('wsframe'));
  await esbuild.build({
    entryPoints: [path.join(project, 'app.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: path.join(dist, 'app.js'),
    absWorkingDir: project,
    logLevel: 'warning',
  });
  // esbuild leaves new URL('wsframe_bg.wasm', import.meta.url) alone: ship the wasm next to the bundle.
  cpSync(path.join(project, 'node_modules', 'wsframe', 'web', 'wsframe_bg.wasm'), path.join(dist, 'wsframe_bg.wasm'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="app.js"></script>');
  const server = await staticServer(project);
  try {
    const { value, problems } = await browserResult(`${server.url}/dist/index.html`);
    assert.deepEqual(value, EXPECTED);
    assert.deepEqual(problems, []);
  } finally {
    await server.close();
  }
});

test('a plain <script type="module"> page importing the web build', async () => {
  writeFileSync(
    path.join(project, 'plain.html'),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">${PAGE_SCRIPT('./node_modules/wsframe/browser.mjs')}</script>`,
  );
  const server = await staticServer(project);
  try {
    const { value, problems } = await browserResult(`${server.url}/plain.html`);
    assert.deepEqual(value, EXPECTED);
    assert.deepEqual(problems, []);
  } finally {
    await server.close();
  }
});

test('npx wsframe inspect: the command-line tool from the installed package', () => {
  writeFileSync(path.join(project, 'frames.txt'), '< 81 05 48 65 6c 6c 6f\n');
  const out = run('npx', ['--no-install', 'wsframe', 'inspect', 'frames.txt']);
  assert.match(out, /s→c FIN text 5 B "Hello"/);
});

test('the tarball holds exactly the package files', () => {
  const files = readdirSync(path.join(project, 'node_modules', 'wsframe'), { recursive: true }).sort();
  assert.ok(files.includes('web/wsframe_bg.wasm') && files.includes('node/wsframe_bg.wasm'));
  assert.ok(!files.some((f) => f.endsWith('.gitignore') || f.startsWith('src')));
});
