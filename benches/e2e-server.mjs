// The echo server of the end-to-end benchmarks, the same code for both
// implementations (the import is the only difference, as for a user who
// switches): `node benches/e2e-server.mjs --impl ws|wsframe|FILE [--deflate]`
// (FILE: another build of a ws-like module, for comparisons). Prints
// `{"port":N}` once listening; each line "memory" on stdin is answered with
// `{"rss":B}` after a full garbage collection (run it with --expose-gc).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { answerControl } from './server-control.mjs';

const { values } = parseArgs({
  options: {
    impl: { type: 'string', default: 'wsframe' },
    deflate: { type: 'boolean', default: false },
  },
});
const modules = { ws: 'ws', wsframe: 'wsframe/node' };
const wasmMemorySize = values.impl === 'wsframe' ? (await import('wsframe')).wasmMemorySize : undefined;
const { WebSocketServer } = modules[values.impl]
  ? await import(modules[values.impl])
  : createRequire(import.meta.url)(values.impl);

// With context takeover ws compresses every message whatever its threshold;
// threshold 0 makes wsframe do the same work for messages under 1 KiB.
const perMessageDeflate = values.deflate && { threshold: 0 };
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate, clientTracking: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
answerControl(wasmMemorySize);
