#!/usr/bin/env node
// A WebSocket echo server on a raw `net` server (no `http`, no `ws`): every
// text or binary message is sent back unchanged, with its type. This is the
// testee for Autobahn|Testsuite's fuzzingclient.
//
//   node examples/echo-server.mjs --port 9001 [--host 127.0.0.1] [--deflate]
// --deflate accepts permessage-deflate (RFC 7692) with default parameters.
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'wsframe/node';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9001' },
    host: { type: 'string', default: '127.0.0.1' },
    quiet: { type: 'boolean', default: false },
    deflate: { type: 'boolean', default: false },
  },
});

const server = new WebSocketServer({ port: Number(values.port), host: values.host, perMessageDeflate: values.deflate });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {}); // protocol errors close the connection; nothing else to do
});
server.on('listening', () => {
  const { address, port } = server.address();
  if (!values.quiet) console.log(`echo server listening on ws://${address}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
