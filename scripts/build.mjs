// `npm run build`: the wasm builds (wasm-pack, Node and web targets) and the
// npm package assembled in pkg/ from them and pkg-template/.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { breakdown } from './wasm-size.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { pathToFileURL } from 'node:url';
import { makeExamples } from './www-examples.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const template = path.join(root, 'pkg-template');
const pkg = path.join(root, 'pkg');
// npm's binaryen must come first: Debian's wasm-opt 108 miscompiles this output.
process.env.PATH = `${root}/node_modules/.bin:${process.env.HOME}/.cargo/bin:${process.env.PATH}`;

const version = /^version = "(.+)"$/m.exec(readFileSync(path.join(root, 'Cargo.toml'), 'utf8'))[1];

function wasmPack(target, cargoArgs = [], name = target) {
  const out = path.join(root, 'target', 'wasm-pack', name);
  console.log(`[build] wasm-pack build --target ${target} ${cargoArgs.join(' ')}`);
  execFileSync(
    'wasm-pack',
    ['build', '--release', '--target', target, '--out-dir', out, '--out-name', 'wsframe', '--no-pack', '--no-gitignore', '--weak-refs', ...(cargoArgs.length ? ['--', ...cargoArgs] : [])],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  // cargo's own output, names intact, is overwritten by the next build: read it now.
  const unoptimised = path.join(root, 'target', 'wasm32-unknown-unknown', 'release', 'wsframe.wasm');
  const summary = breakdown(path.join(out, 'wsframe_bg.wasm'), unoptimised);
  writeFileSync(path.join(out, 'size.txt'), `${summary}\n`);
  console.log(`[build] ${name}: ${summary}`);
  return out;
}

function copyBuild(from, to, type) {
  mkdirSync(to, { recursive: true });
  for (const file of ['wsframe.js', 'wsframe.d.ts', 'wsframe_bg.wasm']) cpSync(path.join(from, file), path.join(to, file));
  writeFileSync(path.join(to, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}

// The raw wasm-bindgen modules and the package's own name stay imports.
const externals = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: /^(\.\/(node|web|codec)\/wsframe\.js|wsframe|wsframe\/socket\.io)$/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function bundle(entry, outfile, format, platform) {
  await esbuild.build({
    entryPoints: [path.join(template, 'src', entry)],
    outfile: path.join(pkg, outfile),
    bundle: true,
    format,
    platform,
    target: platform === 'node' ? 'node18' : 'es2022',
    plugins: [externals],
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const nodeBuild = wasmPack('nodejs');
// Browsers get no Engine.IO/Socket.IO server (it needs sockets anyway); the
// codec build (wsframe/codec) has no permessage-deflate, Engine.IO or inspector.
// `--node-only` reuses the last web builds (for quick rounds on Node code).
const reuse = (name, args) => {
  const last = path.join(root, 'target', 'wasm-pack', name);
  return process.argv.includes('--node-only') && existsSync(path.join(last, 'wsframe_bg.wasm')) ? last : wasmPack('web', args, name);
};
const webBuild = reuse('web', ['--no-default-features', '--features', 'inspector']);
const codecBuild = reuse('codec', ['--no-default-features']);

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
copyBuild(nodeBuild, path.join(pkg, 'node'), 'commonjs');
copyBuild(webBuild, path.join(pkg, 'web'), 'module');
copyBuild(codecBuild, path.join(pkg, 'codec'), 'module');

await bundle('index-node.mjs', 'index.cjs', 'cjs', 'node');
await bundle('node-entry.cjs', 'node.cjs', 'cjs', 'node');
await bundle('socket.io-entry.cjs', 'socket.io.cjs', 'cjs', 'node');
await bundle('index-browser.mjs', 'browser.mjs', 'esm', 'browser');
await bundle('index-codec.mjs', 'codec.mjs', 'esm', 'neutral');
await bundle('engine.io-parser-node.mjs', 'engine.io-parser.cjs', 'cjs', 'node');
await bundle('engine.io-parser-browser.mjs', 'engine.io-parser.browser.mjs', 'esm', 'browser');
await bundle('socket.io-parser-node.mjs', 'socket.io-parser.cjs', 'cjs', 'node');
await bundle('socket.io-parser-browser.mjs', 'socket.io-parser.browser.mjs', 'esm', 'browser');
// ESM in Node re-exports the CommonJS build, so `import` and `require` share one wasm instance.
writeFileSync(path.join(pkg, 'index.mjs'), "export * from './index.cjs';\nexport { default } from './index.cjs';\n");
// As ws's ESM wrapper: the class as the default export, its parts by name.
writeFileSync(
  path.join(pkg, 'node.mjs'),
  "import WebSocket from './node.cjs';\n" +
    'export const { WebSocketServer, Server, createWebSocketStream, connect, createServer, SocketIoServer, EngineIoServer } = WebSocket;\n' +
    'export { WebSocket };\nexport default WebSocket;\n',
);
// As socket.io's ESM wrapper.
writeFileSync(
  path.join(pkg, 'socket.io.mjs'),
  "import io from './socket.io.cjs';\n" +
    'export const { Server, Namespace, Socket, BroadcastOperator, RemoteSocket, Adapter, SessionAwareAdapter, EngineIoServer } = io;\nexport default io;\n',
);
for (const name of ['engine.io-parser', 'socket.io-parser']) {
  writeFileSync(path.join(pkg, `${name}.mjs`), `export * from './${name}.cjs';\n`);
}

for (const file of ['index.d.ts', 'browser.d.ts', 'codec.d.ts', 'node.d.cts', 'node.d.mts', 'socket.io.d.ts', 'engine.io-parser.d.ts', 'socket.io-parser.d.ts', 'README.md']) {
  cpSync(path.join(template, file), path.join(pkg, file));
}
// socket.io's `serveClient`: the socket.io-client release's bundles, as
// socket.io ships them, with their licence and version (for the ETag).
const clientDist = path.join(root, 'node_modules', 'socket.io-client');
mkdirSync(path.join(pkg, 'client-dist'));
for (const file of readdirSync(path.join(clientDist, 'dist'))) cpSync(path.join(clientDist, 'dist', file), path.join(pkg, 'client-dist', file));
cpSync(path.join(clientDist, 'LICENSE'), path.join(pkg, 'client-dist', 'LICENSE'));
const { name: clientName, version: clientVersion } = JSON.parse(readFileSync(path.join(clientDist, 'package.json'), 'utf8'));
writeFileSync(path.join(pkg, 'client-dist', 'version.json'), `${JSON.stringify({ name: clientName, version: clientVersion })}\n`);
// The command-line tool (`wsframe inspect FILE`), as written.
cpSync(path.join(template, 'bin'), path.join(pkg, 'bin'), { recursive: true });
chmodSync(path.join(pkg, 'bin', 'wsframe.mjs'), 0o755);
const manifest = JSON.parse(readFileSync(path.join(template, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(path.join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// Sizes, as shipped.
const sizes = {};
for (const file of ['node/wsframe_bg.wasm', 'web/wsframe_bg.wasm', 'codec/wsframe_bg.wasm', 'index.cjs', 'browser.mjs', 'codec.mjs', 'node.cjs', 'web/wsframe.js', 'codec/wsframe.js', 'node/wsframe.js']) {
  const bytes = readFileSync(path.join(pkg, file));
  sizes[file] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
writeFileSync(path.join(root, 'target', 'pkg-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
for (const [file, s] of Object.entries(sizes)) console.log(`[build] ${file.padEnd(22)} ${String(s.bytes).padStart(8)} B  gzip ${String(s.gzip).padStart(7)} B`);

// The repository's examples, tests and benches import the package by name.
const link = path.join(root, 'node_modules', 'wsframe');
mkdirSync(path.dirname(link), { recursive: true });
let linked = false;
try {
  linked = lstatSync(link).isSymbolicLink();
} catch {}
if (!linked) {
  rmSync(link, { recursive: true, force: true });
  symlinkSync(path.relative(path.dirname(link), pkg), link, 'dir');
}
console.log(`[build] pkg/ is wsframe@${version}${existsSync(link) ? ' (linked as node_modules/wsframe)' : ''}`);

// The inspector page (www/) runs on the web build: copy it next to the page
// with the examples, so www/ works from any static file server.
const lib = path.join(root, 'www', 'lib');
rmSync(lib, { recursive: true, force: true });
mkdirSync(path.join(lib, 'web'), { recursive: true });
cpSync(path.join(pkg, 'browser.mjs'), path.join(lib, 'browser.mjs'));
for (const file of ['wsframe.js', 'wsframe_bg.wasm', 'package.json']) cpSync(path.join(pkg, 'web', file), path.join(lib, 'web', file));
const wsframe = await import(pathToFileURL(path.join(pkg, 'index.mjs')).href);
writeFileSync(path.join(lib, 'examples.json'), JSON.stringify(makeExamples(root, wsframe)));
console.log('[build] www/lib: the web build and the inspector examples');
