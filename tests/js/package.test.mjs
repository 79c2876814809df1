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

// Node only: a real server and client from wsframe/node echo over loopback.
const NODE_ECHO = `
  const server2 = new n.WebSocketServer({ port: 0 }, (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
  await new Promise((r) => server2.on('listening', r));
  const ws = n.connect('ws://127.0.0.1:' + server2.address().port);
  await new Promise((r) => ws.on('open', r));
  ws.send('over the wire');
  result.echo = await new Promise((r) => ws.on('message', (d) => r(d)));
  ws.close(1000);
  await new Promise((r) => ws.on('close', r));
  server2.close();`;

test('CommonJS require', () => {
  writeFileSync(
    path.join(project, 'check.cjs'),
    `const w = require('wsframe'); const n = require('wsframe/node');
     (async () => { ${CHECKS} ${NODE_ECHO} console.log(JSON.stringify(result)); })();`,
  );
  assert.deepEqual(JSON.parse(run('node', ['check.cjs'])), { ...EXPECTED, echo: 'over the wire' });
});

test('ESM import', () => {
  writeFileSync(
    path.join(project, 'check.mjs'),
    `import * as w from 'wsframe'; import * as n from 'wsframe/node';
     import def from 'wsframe'; if (typeof def.Connection !== 'function') throw new Error('default export');
     ${CHECKS} ${NODE_ECHO} console.log(JSON.stringify(result));`,
  );
  assert.deepEqual(JSON.parse(run('node', ['check.mjs'])), { ...EXPECTED, echo: 'over the wire' });
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
     import { SocketIoServer, type IoSocket } from 'wsframe/node';
     import { decodePayloadV3, type DecodedPayload } from 'wsframe';
     const decoded: eio.Packet[] = eio.decodePayload('4a');
     const v3: DecodedPayload = decodePayloadV3('2:4a');
     const packet: Packet = { type: PacketType.EVENT, nsp: '/', data: ['x'] };
     const parts: unknown[] = new Encoder().encode(packet);
     new Decoder().on('decoded', (p: Packet) => p.nsp);
     const server = new SocketIoServer({ namespaces: ['/'], pingInterval: 1000 });
     server.on('connection', (socket: IoSocket) => socket.emit('hello', 1));
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
     const server = new WebSocketServer({ port: 0 }, (ws: WebSocket) => ws.on('message', (d, binary: boolean) => ws.send(d, { binary })));
     server.on('listening', () => {
       const address = server.address();
       const port = typeof address === 'object' && address ? address.port : 0;
       const ws = connect({ host: '127.0.0.1', port });
       ws.on('open', () => ws.send('typed echo'));
       ws.on('message', (data: string | Buffer) => {
         console.log(JSON.stringify([new TextDecoder().decode(frames[0]!.payload), text, err, field?.raw, data]));
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

test('the tarball holds exactly the package files', () => {
  const files = readdirSync(path.join(project, 'node_modules', 'wsframe'), { recursive: true }).sort();
  assert.ok(files.includes('web/wsframe_bg.wasm') && files.includes('node/wsframe_bg.wasm'));
  assert.ok(!files.some((f) => f.endsWith('.gitignore') || f.startsWith('src')));
});
