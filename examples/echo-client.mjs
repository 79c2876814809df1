#!/usr/bin/env node
// A WebSocket client on raw `net` that drives Autobahn|Testsuite's
// fuzzingserver: it asks for the case count, runs every case (echoing each
// message back unchanged, with its type), then asks for the reports.
//
//   node examples/echo-client.mjs [--url ws://127.0.0.1:9001] [--agent wsframe]
// (defaults: $AUTOBAHN_URL, $AUTOBAHN_AGENT)
import { parseArgs } from 'node:util';
import { connect } from 'wsframe/node';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AUTOBAHN_URL ?? 'ws://127.0.0.1:9001' },
    agent: { type: 'string', default: process.env.AUTOBAHN_AGENT ?? 'wsframe' },
    quiet: { type: 'boolean', default: false },
  },
});
const base = values.url.replace(/\/$/, '');
const agent = encodeURIComponent(values.agent);

/** Opens `path`, calls `onMessage` for each message, resolves on close. */
function session(path, onMessage = () => {}) {
  return new Promise((resolve) => {
    const ws = connect(`${base}${path}`);
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('error', () => {});
    ws.on('close', (code) => resolve(code));
  });
}

let count = 0;
await session('/getCaseCount', (_ws, data) => {
  count = Number(data.toString());
});
if (!count) {
  console.error('fuzzingserver reported no cases');
  process.exit(1);
}
for (let i = 1; i <= count; i++) {
  await session(`/runCase?case=${i}&agent=${agent}`, (ws, data, isBinary) => {
    if (ws.readyState === 1) ws.send(data, { binary: isBinary });
  });
  if (!values.quiet && (i % 50 === 0 || i === count)) console.log(`ran ${i}/${count} cases`);
}
await session(`/updateReports?agent=${agent}`);
