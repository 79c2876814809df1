// What `wsframe inspect` prints: connections, then each WebSocket
// connection's handshake, frames (packet, time, direction, header bits,
// length, payload) and Engine.IO / Socket.IO layers, with diagnostics, one
// line each, as tshark prints its protocols.

import { diagnosticAnswer } from '../index.mjs';

const OPCODES = { 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
const PREVIEW = 60;

export function hex(bytes, max = 32) {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}…` : shown;
}

function preview(bytes, isText) {
  if (!bytes?.length) return '';
  if (isText) {
    const text = Buffer.from(bytes).toString('utf8');
    return JSON.stringify(text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text);
  }
  return `0x${hex(bytes)}`;
}

function time(seconds, origin) {
  if (seconds === undefined || seconds === null) return '';
  return `+${(seconds - origin).toFixed(6)}`;
}

export function diagnosticLine(d, where = '') {
  const answer = diagnosticAnswer(d);
  return `  ! ${d.severity ?? 'error'} ${d.code}${where} at byte ${d.offset}: ${d.message}${answer ? ` (${answer})` : ''}`;
}

export function connectionLine(c) {
  const frames = c.kind === 'websocket' ? `  ${c.frames} frames` : '';
  return `  #${c.index} ${c.client} → ${c.server}  ${c.kind}  ${c.packets} packets  ${c.bytes[0]}/${c.bytes[1]} B${frames}`;
}

/** The layers of a data message: Engine.IO's kind, Socket.IO's packet. */
function layerText(layer) {
  const parts = [];
  if (layer.engineio) {
    const e = layer.engineio;
    parts.push(`engine.io ${e.kind ?? '?'}${e.error ? ` (${e.error})` : ''}`);
  }
  const s = layer.socketio;
  if (s) {
    const id = s.id !== null && s.id !== undefined ? ` id=${s.id}` : '';
    const data = s.stitchedJson ?? s.dataJson;
    parts.push(`socket.io ${s.kindName} ${s.nsp}${id}${data ? ` ${data.length > 200 ? `${data.slice(0, 200)}…` : data}` : ''}`);
  }
  return parts.join(' | ');
}

/** Lines for one decoded session (`ins`: an inspectCapture result). */
export function sessionLines(ins, origin = 0) {
  const lines = [];
  const h = ins.handshake;
  if (h?.requestLine) lines.push(`  > ${h.requestLine}`);
  if (h?.statusLine) {
    const accept = h.acceptOk === true ? ' (accept ok)' : h.acceptOk === false ? ' (accept WRONG)' : '';
    lines.push(`  < ${h.statusLine}${accept}${h.extensions?.length ? `  extensions: ${h.extensions.join(', ')}` : ''}`);
  }
  for (const d of h?.diagnostics ?? []) lines.push(diagnosticLine(d, ' (handshake)'));
  const layers = new Map(ins.layers.map((l) => [`${l.dir}:${l.message}`, l]));
  for (const { dir, frame: i, packet, time: t } of ins.order) {
    const f = ins[dir].frames[i];
    const arrow = dir === 'client' ? 'c→s' : 's→c';
    const bits = [f.fin ? 'FIN' : '---', f.rsv1 ? 'RSV1' : '', f.rsv2 ? 'RSV2' : '', f.rsv3 ? 'RSV3' : ''].filter(Boolean).join(' ');
    const mask = f.masked ? ` mask ${Buffer.from(f.maskKey ?? []).toString('hex')}` : '';
    const where = packet !== undefined ? `#${packet} ${time(t, origin)}  ` : '';
    const message = f.message !== null && f.message !== undefined ? ins[dir].messages[f.message] : null;
    const isText = f.opcode === 1 || (f.opcode === 0 && message?.kind === 'text');
    let payload = preview(f.payload, isText && !f.rsv1);
    if (f.close) payload = `${f.close.code ?? ''} ${f.close.name ?? ''} ${f.close.reason ? JSON.stringify(f.close.reason) : ''}`.trim();
    lines.push(`  ${where}${arrow} ${bits} ${OPCODES[f.opcode] ?? `opcode ${f.opcode}`}${mask} ${f.payloadLen} B ${payload}`.trimEnd());
    if (message && f.fin && message.compressed && message.text) lines.push(`      inflated: ${preview(Buffer.from(message.text), true)}`);
    const layer = message && f.fin ? layers.get(`${dir}:${f.message}`) : null;
    if (layer) {
      const text = layerText(layer);
      if (text) lines.push(`      ${text}`);
      for (const d of layer.socketio?.diagnostics ?? []) lines.push(diagnosticLine(d, ' (socket.io)'));
    }
    for (const d of f.diagnostics) lines.push(diagnosticLine(d, ` (${dir} frame ${i})`));
  }
  // Diagnostics not tied to a frame (the stream's end, garbage between frames).
  for (const dir of ['client', 'server']) {
    for (const d of ins[dir].diagnostics.filter((x) => x.frame === null || x.frame === undefined)) {
      lines.push(diagnosticLine(d, ` (${dir} stream)`));
    }
  }
  return lines;
}

/** Every diagnostic of a decoded session. */
export function sessionDiagnostics(ins) {
  return [
    ...(ins.handshake?.diagnostics ?? []),
    ...ins.client.diagnostics,
    ...ins.server.diagnostics,
    ...ins.layers.flatMap((l) => l.socketio?.diagnostics ?? []),
  ];
}

/** Lines for Engine.IO polling requests (a capture's or a HAR's): each request, then its packets. */
export function pollingLines(requests) {
  const lines = [];
  for (const p of requests) {
    lines.push(`  ${p.method} ${p.url}  ${p.status ?? '-'}`);
    for (const layer of p.layers) lines.push(`    ${layer.dir === 'client' ? 'c→s' : 's→c'} ${layerText(layer)}`);
  }
  return lines;
}

/** Lines for a HAR (an inspectHar result): messages, not frames. */
export function harLines(har, file) {
  const lines = [
    `${file}: HAR${har.creator ? ` (${har.creator})` : ''}, ${har.entries} entries, ${har.websockets.length} WebSocket connections, ${har.polling.length} Engine.IO polling requests (a HAR holds messages, not frames: no header bits)`,
  ];
  for (const d of har.diagnostics) lines.push(diagnosticLine(d));
  const origin = har.websockets[0]?.messages[0]?.time ?? 0;
  for (const p of har.polling) lines.push('', `entry #${p.entry}`, ...pollingLines([p]));
  for (const ws of har.websockets) {
    lines.push('', `entry #${ws.entry}  ${ws.url}  ${ws.status ?? '-'}`);
    const layers = new Map(ws.layers.map((l) => [`${l.dir}:${l.message}`, l]));
    for (const m of ws.messages) {
      const arrow = m.dir === 'client' ? 'c→s' : 's→c';
      const payload = m.text !== null && m.text !== undefined ? preview(Buffer.from(m.text), true) : preview(m.data, false);
      lines.push(`  ${m.time !== null ? time(m.time, origin) : ''}  ${arrow} ${OPCODES[m.opcode] ?? `opcode ${m.opcode}`} ${m.size} B ${payload}`);
      const layer = layers.get(`${m.dir}:${m.index}`);
      const text = layer ? layerText(layer) : '';
      if (text) lines.push(`      ${text}`);
      for (const d of layer?.socketio?.diagnostics ?? []) lines.push(diagnosticLine(d, ' (socket.io)'));
    }
  }
  return lines;
}

/** Every diagnostic of a HAR's decoding. */
export function harDiagnostics(har) {
  const layers = [...har.websockets, ...har.polling].flatMap((x) => x.layers);
  return [...har.diagnostics, ...layers.flatMap((l) => l.socketio?.diagnostics ?? [])];
}
