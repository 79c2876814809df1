// `npm start`: builds the package (wasm, web build, the page's copy of it)
// and serves the frame inspector with its live demo server on 127.0.0.1.
//   npm start [-- --port 8080] [--host 127.0.0.1] [--no-build]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!values['no-build']) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
// Imported after the build: it needs the package.
const { startInspectorServer } = await import('./inspector-server.mjs');
let server;
try {
  server = await startInspectorServer({ port: Number(values.port), host: values.host });
} catch (err) {
  if (err.code !== 'EADDRINUSE') throw err;
  console.log(`port ${values.port} is taken; using a free one`);
  server = await startInspectorServer({ port: 0, host: values.host });
}
console.log(`\nwsframe inspector: ${server.url}`);
console.log(`live demo: ws://${values.host}:${server.port}/demo (echo with permessage-deflate), mirrored to the page in live mode`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)));
