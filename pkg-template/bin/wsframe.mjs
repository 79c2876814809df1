#!/usr/bin/env node
// wsframe from a terminal, for servers and CI logs where no browser is at
// hand:
//   wsframe inspect FILE [--json] [--connection N] [--eio 3|4|0]
// FILE is a pcap or pcapng capture, a HAR export, or a text dump (hex,
// Wireshark's or xxd's hex dump, base64; `>` / `<` mark the client's and
// the server's lines); the kind is read from the content, not the name. Prints the TCP
// connections, then every WebSocket frame with its Engine.IO / Socket.IO
// layers and diagnostics; exits with 1 when a diagnostic is an error, 2
// when the file cannot be read.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CaptureFile, fileKind, inspectCapture, inspectHar, parseDump } from '../index.mjs';
import { connectionLine, diagnosticLine, harDiagnostics, harLines, pollingLines, sessionDiagnostics, sessionLines } from './inspect-text.mjs';

const USAGE = 'usage: wsframe inspect FILE [--json] [--connection N] [--eio 3|4|0]';

function fail(message, code = 2) {
  console.error(message);
  process.exit(code);
}

const [command, ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === undefined) {
  console.log(USAGE);
  process.exit(command === undefined ? 2 : 0);
}
if (command !== 'inspect') fail(`unknown command ${JSON.stringify(command)}\n${USAGE}`);

let parsed;
try {
  parsed = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, connection: { type: 'string' }, eio: { type: 'string' } },
  });
} catch (err) {
  fail(`${err.message}\n${USAGE}`);
}
const { values, positionals } = parsed;
if (positionals.length !== 1) fail(USAGE);
const [file] = positionals;
let bytes;
try {
  bytes = readFileSync(file);
} catch (err) {
  fail(`cannot read ${file}: ${err.message}`);
}
const options = {};
if (values.eio !== undefined) {
  if (!['0', '3', '4'].includes(values.eio)) fail('--eio is 3, 4 or 0 (none)');
  options.eio = Number(values.eio);
}
const only = values.connection === undefined ? undefined : Number(values.connection);
if (only !== undefined && !Number.isInteger(only)) fail('--connection is a connection number');

const kind = fileKind(bytes);
const report = kind === 'pcap' || kind === 'pcapng' ? captureReport(bytes) : kind === 'har' ? harReport(bytes.toString('utf8')) : dumpReport(bytes.toString('utf8'));

if (values.json) {
  // Bytes as hex: JSON has no bytes, and a person reads hex.
  const replacer = (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value);
  console.log(JSON.stringify(report.json, replacer, 2));
} else {
  console.log(report.lines.join('\n'));
}
process.exit(report.diagnostics.some((d) => (d.severity ?? 'error') === 'error') ? 1 : 0);

function captureReport(data) {
  let capture;
  try {
    capture = new CaptureFile(data);
  } catch (err) {
    fail(`${file}: ${err.message}`);
  }
  const summary = capture.summary();
  const lines = [
    `${file}: ${summary.format}, ${summary.packets} packets (${[...new Set(summary.linkTypes)].join(', ') || 'no interface'}), ${summary.connections.length} TCP connections${summary.skipped ? `, ${summary.skipped} other packets` : ''}`,
  ];
  const diagnostics = [...summary.diagnostics];
  for (const d of summary.diagnostics) lines.push(diagnosticLine(d));
  for (const c of summary.connections) lines.push(connectionLine(c));
  if (only !== undefined && !summary.connections[only]) fail(`${file} has no connection ${only}`);
  const chosen = summary.connections.filter((c) => (only === undefined ? ['websocket', 'engine.io'].includes(c.kind) : c.index === only));
  const connections = [];
  const origin = summary.connections[0]?.firstTime ?? 0;
  for (const c of chosen) {
    lines.push('', `connection #${c.index}  ${c.client} → ${c.server}  ${c.kind}`);
    for (const d of c.diagnostics) lines.push(diagnosticLine(d));
    diagnostics.push(...c.diagnostics);
    if (c.kind === 'engine.io') {
      // Long-polling: HTTP requests whose bodies are Engine.IO payloads.
      lines.push(...pollingLines(c.polling));
      diagnostics.push(...c.polling.flatMap((p) => p.layers.flatMap((l) => l.socketio?.diagnostics ?? [])));
      connections.push(c);
      continue;
    }
    const inspection = capture.inspect(c.index, options);
    lines.push(...sessionLines(inspection, origin));
    diagnostics.push(...sessionDiagnostics(inspection));
    connections.push({ ...c, inspection });
  }
  capture.free();
  return { lines, diagnostics, json: { file, ...summary, connections: summary.connections.map((c) => connections.find((x) => x.index === c.index) ?? c) } };
}

function harReport(json) {
  let har;
  try {
    har = inspectHar(json);
  } catch (err) {
    fail(`${file}: ${err.message}`);
  }
  return { lines: harLines(har, file), diagnostics: harDiagnostics(har), json: { file, format: 'har', ...har } };
}

function dumpReport(text) {
  const dump = parseDump(text, 'client');
  if (dump.segments.length === 0) fail(`${file}: neither a capture file nor a hex, hex dump or base64 text`);
  const inspection = inspectCapture(dump.segments, options);
  const lines = [`${file}: ${dump.format} dump, ${dump.segments.length} segments`];
  for (const p of dump.problems) lines.push(`  ! warning dump line ${p.line}: ${p.message}`);
  lines.push(...sessionLines(inspection));
  return { lines, diagnostics: sessionDiagnostics(inspection), json: { file, format: dump.format, problems: dump.problems, inspection } };
}
