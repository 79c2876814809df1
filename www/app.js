// The frame inspector. Every decoding decision is made by the wsframe core
// (parseDump, inspectCapture, buildFrame); this file only lays out what the
// core reports, keeps the frame list fast, and moves bytes in live mode.
import init, * as w from './lib/browser.mjs';
import { CaptureWorker, download, hexDump, kindOf, readWithProgress } from './files.js';

const $ = (id) => document.getElementById(id);
const ROW = 24;
const HEX_SHOWN = 4096;
const textDecoder = new TextDecoder('utf-8', { fatal: false });

const state = {
  capture: null,
  rows: [],
  selected: -1,
  streams: { client: new Uint8Array(0), server: new Uint8Array(0) },
  examples: [],
  live: null,
  liveSegments: null,
  /** A capture file or HAR being shown: { kind: 'capture', summary } or { kind: 'har', har }. */
  source: null,
  worker: null,
};

function setStatus(text, bad = false) {
  const el = $('status');
  el.textContent = text;
  el.style.color = bad ? '#ffb4b4' : '';
}

// ----- small DOM helpers -----

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const hex = (bytes, max = Infinity) =>
  Array.from(bytes.subarray(0, Math.min(bytes.length, max)), (b) => b.toString(16).padStart(2, '0')).join(' ') +
  (bytes.length > max ? ' …' : '');

function kv(pairs) {
  const dl = el('dl', { class: 'kv' });
  for (const [key, value, attr] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', { text: key }), el('dd', { 'data-k': attr ?? key, text: String(value) }));
  }
  return dl;
}

// ----- input -----

function segmentsFromInputs() {
  if (state.liveSegments) return { segments: state.liveSegments, info: 'live' };
  const info = [];
  const segments = [];
  const problems = [];
  for (const [id, dir] of [
    ['client-input', 'client'],
    ['server-input', 'server'],
  ]) {
    const text = $(id).value;
    if (!text.trim()) continue;
    const dump = w.parseDump(text, dir);
    info.push(`${dir === 'client' ? 'left' : 'right'}: ${dump.format}`);
    segments.push(...dump.segments);
    for (const p of dump.problems) problems.push(`${dir} input line ${p.line}: ${p.message}`);
  }
  return { segments, info: info.join(', '), problems };
}

function captureOptions() {
  const options = {};
  const eio = $('opt-eio').value;
  if (eio !== 'auto') options.eio = Number(eio);
  const sio = $('opt-sio').value;
  if (sio !== 'auto') options.socketio = sio === 'on';
  const deflate = $('opt-deflate').value;
  if (deflate) {
    const d = { windowBits: Number.parseInt(deflate, 10), noContextTakeover: deflate.endsWith('n') };
    options.clientDeflate = d;
    options.serverDeflate = d;
  }
  return options;
}

let decodeTimer = null;
function scheduleDecode(delay = 150) {
  clearTimeout(decodeTimer);
  decodeTimer = setTimeout(decode, delay);
}

async function decode() {
  if (state.source?.kind === 'capture') return decodeConnection();
  if (state.source?.kind === 'har') return showHarEntry();
  try {
    const { segments, info, problems = [] } = segmentsFromInputs();
    const started = performance.now();
    const capture = w.inspectCapture(segments, captureOptions());
    showCapture(capture, segments.length ? `${info} · ${capture.clientBytes.length + capture.serverBytes.length} bytes · decoded in ${(performance.now() - started).toFixed(0)} ms` : '', problems);
  } catch (err) {
    setStatus(`cannot decode: ${err.message}`, true);
  }
}

/** Lays out a decoded session (from pasted text, live mode or a capture file's connection). */
function showCapture(capture, info, problems = []) {
  state.capture = capture;
  state.streams = { client: capture.clientBytes, server: capture.serverBytes };
  state.rows = capture.order.map((o, i) => rowOf(capture, o, i));
  $('input-info').textContent = info;
  renderList();
  renderHandshake();
  renderDiagnostics(problems);
  const keep = state.selected >= 0 && state.selected < state.rows.length ? state.selected : state.rows.length ? 0 : -1;
  select(keep, false);
  setStatus(`${state.rows.length} frame${state.rows.length === 1 ? '' : 's'}`);
}

/** What a conforming endpoint answers a diagnostic's fault with, and the rule's section. */
function answerOf(d) {
  const answer = w.diagnosticAnswer(d);
  return answer ? ` (${answer})` : '';
}

function worst(diagnostics) {
  if (diagnostics.some((d) => d.severity === 'error')) return 'error';
  if (diagnostics.some((d) => d.severity === 'warning')) return 'warning';
  return 'ok';
}

function layerOf(capture, dir, message) {
  return capture.layers.find((l) => l.dir === dir && l.message === message);
}

/** Problems the upper layers found in a message, as diagnostics. */
function layerDiagnostics(capture, dir, frame) {
  if (frame.message === null || frame.message === undefined) return [];
  const messages = (dir === 'client' ? capture.client : capture.server).messages;
  if (messages[frame.message]?.frames[0] !== frame.index) return [];
  const layer = layerOf(capture, dir, frame.message);
  const out = [];
  if (layer?.engineio?.error) {
    out.push({ severity: 'error', code: 'engineio_invalid_packet', message: `Engine.IO: ${layer.engineio.error}`, offset: frame.payloadOffset });
  }
  for (const d of layer?.socketio?.diagnostics ?? []) {
    out.push({ severity: 'error', code: d.code, message: `Socket.IO: ${d.message} (at byte ${d.offset} of the packet)`, offset: frame.payloadOffset });
  }
  return out;
}

function rowOf(capture, order, i) {
  const frame = (order.dir === 'client' ? capture.client : capture.server).frames[order.frame];
  const diagnostics = [...frame.diagnostics, ...layerDiagnostics(capture, order.dir, frame)];
  return { i, dir: order.dir, frame, diagnostics, status: worst(diagnostics), packet: order.packet, time: order.time };
}

// ----- frame list (virtualised: only the visible rows exist) -----

const list = () => $('frame-list');

function renderList() {
  $('frame-spacer').style.height = `${state.rows.length * ROW}px`;
  // From a capture file, a frame's place is its packet; from a HAR, its time.
  $('col-where').textContent = state.rows[0]?.har ? 'time' : state.rows[0]?.packet !== undefined ? 'packet' : 'offset';
  const counts = { client: 0, server: 0, error: 0, warning: 0 };
  for (const r of state.rows) {
    counts[r.dir]++;
    if (r.status !== 'ok') counts[r.status]++;
  }
  const unit = state.rows[0]?.har?.request ? 'packet' : state.rows[0]?.har ? 'message' : 'frame';
  $('list-summary').textContent = state.rows.length
    ? `${state.rows.length} ${unit}${state.rows.length === 1 ? '' : 's'} (${counts.client} client → server, ${counts.server} server → client) · ${counts.error} with errors · ${counts.warning} with warnings`
    : 'No frames.';
  drawRows();
}

function drawRows() {
  const box = list();
  const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 5);
  const last = Math.min(state.rows.length, Math.ceil((box.scrollTop + box.clientHeight) / ROW) + 5);
  for (const node of [...box.querySelectorAll('.row')]) node.remove();
  const fragment = document.createDocumentFragment();
  for (let i = first; i < last; i++) fragment.append(rowNode(state.rows[i]));
  box.append(fragment);
}

/** A row of the list: its place, direction, then the given cells. */
function rowShell(row, cells, data = {}) {
  return el(
    'div',
    {
      class: 'row',
      role: 'option',
      id: `row-${row.i}`,
      'aria-selected': row.i === state.selected ? 'true' : 'false',
      'data-index': row.i,
      'data-dir': row.dir,
      'data-status': row.status,
      ...data,
      style: `top:${row.i * ROW}px`,
      onclick: () => select(row.i, true),
    },
    el('span', { text: String(row.i) }),
    el('span', { class: `dir-${row.dir}`, text: row.dir === 'client' ? '→' : '←', title: row.dir === 'client' ? 'client → server' : 'server → client' }),
    ...cells,
  );
}

function rowNode(row) {
  if (row.har) return harRowNode(row);
  const f = row.frame;
  const status = row.status === 'ok' ? 'ok' : `${row.diagnostics.length} ${row.status === 'error' ? 'error' : 'warning'}${row.diagnostics.length > 1 ? 's' : ''}`;
  return rowShell(
    row,
    [
      el('span', { text: row.packet !== undefined ? `#${row.packet}` : String(f.offset), title: row.time !== undefined ? `packet ${row.packet}, ${captureTime(row.time)}` : null }),
      el('span', { text: f.fin ? '1' : '0' }),
      el('span', { text: f.opcodeName }),
      el('span', { text: String(f.payloadLen) }),
      el('span', { text: f.masked ? 'yes' : '' }),
      el('span', { text: f.rsv1 ? 'yes' : '' }),
      el('span', { text: f.message ?? '' }),
      el('span', { class: `st-${row.status}`, text: status }),
    ],
    { 'data-opcode': f.opcodeName },
  );
}

function select(index, focusList) {
  state.selected = index;
  const box = list();
  if (index >= 0) {
    const top = index * ROW;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + ROW > box.scrollTop + box.clientHeight) box.scrollTop = top + ROW - box.clientHeight;
    box.setAttribute('aria-activedescendant', `row-${index}`);
  }
  drawRows();
  renderDetail();
  if (focusList) box.focus({ preventScroll: true });
}

function onListKey(event) {
  if (!state.rows.length) return;
  const page = Math.max(1, Math.floor(list().clientHeight / ROW) - 1);
  const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = Math.min(state.rows.length - 1, Math.max(0, (state.selected < 0 ? 0 : state.selected) + moves[event.key]));
  select(Number.isFinite(next) ? next : 0, true);
}

// ----- the selected frame -----

function streamOf(dir) {
  return state.streams[dir];
}

function bitTable(frame) {
  const fields = Object.fromEntries(frame.fields.map((f) => [f.name, f]));
  const stream = streamOf(state.rows[state.selected].dir);
  const b0 = stream[frame.offset] ?? 0;
  const b1 = stream[frame.offset + 1] ?? 0;
  const bits = [...b0.toString(2).padStart(8, '0'), ...b1.toString(2).padStart(8, '0')];
  const groups = [
    ['fin', 'FIN', 1],
    ['rsv1', 'RSV1', 1],
    ['rsv2', 'RSV2', 1],
    ['rsv3', 'RSV3', 1],
    ['opcode', 'opcode', 4],
    ['mask', 'MASK', 1],
    ['payloadLength', 'payload len', 7],
  ];
  const head = el('tr', {}, ...bits.map((_, i) => el('th', { text: String(i % 8), scope: 'col' })));
  const bitsRow = el('tr', {}, ...bits.map((b, i) => el('td', { class: `f-${groups[bitGroup(i)][0]}`, text: b })));
  const names = el('tr');
  const values = el('tr');
  for (const [name, label, width] of groups) {
    const f = fields[name];
    names.append(el('td', { colspan: width, class: `name f-${name}`, text: label, 'data-field': name }));
    values.append(el('td', { colspan: width, class: `name f-${name}`, title: f?.meaning ?? '', 'data-field': name, text: f ? f.value : '' }));
  }
  return el('table', { class: 'bits', 'aria-label': 'Bytes 0 and 1, bit by bit' }, el('thead', {}, head), el('tbody', {}, bitsRow, names, values));
}

function bitGroup(i) {
  return i < 4 ? i : i < 8 ? 4 : i === 8 ? 5 : 6;
}

function fieldTable(frame) {
  const table = el('table', { class: 'fields' }, el('thead', {}, el('tr', {}, ...['field', 'bytes / bits', 'raw', 'value', 'meaning'].map((t) => el('th', { text: t })))));
  const body = el('tbody');
  for (const f of frame.fields) {
    // A payload's bit count past 2^53 comes as a decimal string.
    const bits = Number(f.bits);
    const where = bits % 8 === 0 && f.bit === 0 ? `${f.offset}…${f.offset + bits / 8 - 1}` : `${f.offset}, bit ${f.bit}${bits > 1 ? `-${f.bit + bits - 1}` : ''}`;
    body.append(
      el(
        'tr',
        { 'data-field': f.name, class: `f-row`, onmouseenter: () => highlightField(f.name, true), onmouseleave: () => highlightField(f.name, false) },
        el('td', { text: f.name }),
        el('td', { class: 'mono', text: where }),
        el('td', { class: 'mono', text: f.raw.length > 48 ? `${f.raw.slice(0, 48)}…` : f.raw }),
        el('td', { class: 'mono', text: f.value.length > 80 ? `${f.value.slice(0, 80)}…` : f.value }),
        el('td', { text: f.meaning }),
      ),
    );
  }
  table.append(body);
  return table;
}

/** Which field each byte of the frame belongs to (header bytes 0-1 hold several). */
function byteFields(frame) {
  const owner = new Map();
  for (const f of frame.fields) {
    const first = f.offset;
    const last = f.offset + Math.max(0, Math.ceil((f.bit + Number(f.bits)) / 8) - 1);
    for (let o = first; o <= last && o < frame.offset + HEX_SHOWN; o++) {
      const names = owner.get(o) ?? [];
      names.push(f.name);
      owner.set(o, names);
    }
  }
  return owner;
}

function hexView(frame, dir, errorOffsets) {
  const stream = streamOf(dir);
  const end = Math.min(stream.length, frame.payloadOffset + frame.available, frame.offset + HEX_SHOWN);
  const owner = byteFields(frame);
  const view = el('div', { class: 'hexview', 'aria-label': 'Frame bytes' });
  for (let line = frame.offset; line < end; line += 16) {
    const row = el('div', { class: 'line' }, el('span', { class: 'off', text: line.toString(16).padStart(8, '0') }));
    for (let o = line; o < Math.min(end, line + 16); o++) {
      const names = owner.get(o) ?? ['payload'];
      row.append(
        el('span', {
          class: `b f-${names[0]}${errorOffsets.has(o) ? ' err' : ''}`,
          'data-offset': o,
          'data-fields': names.join(' '),
          title: `byte ${o}: ${names.join(', ')}`,
          text: stream[o].toString(16).padStart(2, '0'),
          onmouseenter: () => names.forEach((n) => highlightField(n, true)),
          onmouseleave: () => names.forEach((n) => highlightField(n, false)),
        }),
      );
    }
    view.append(row);
  }
  if (frame.payloadOffset + frame.available > end) view.append(el('div', { class: 'empty', text: `… ${frame.payloadOffset + frame.available - end} more bytes (download the payload below)` }));
  return view;
}

function highlightField(name, on) {
  for (const node of $('detail').querySelectorAll(`[data-field="${name}"], .b[data-fields~="${name}"]`)) node.classList.toggle('hl', on);
}

function downloadPayload(frame, dir) {
  const stream = streamOf(dir);
  const bytes = stream.slice(frame.payloadOffset, frame.payloadOffset + frame.available);
  if (frame.maskKey) w.mask(bytes, new Uint8Array(frame.maskKey));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = el('a', { href: url, download: `frame-${state.selected}-payload.bin` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function payloadSection(frame, dir) {
  const shown = frame.payload;
  const text = textDecoder.decode(shown);
  const parts = [];
  if (frame.masked) {
    parts.push(
      el('div', {}, el('h3', { text: 'Payload as sent (masked)' }), el('pre', { id: 'payload-masked-hex', text: hex(frame.maskedPayload, 512) })),
      el('div', {}, el('h3', { text: `Unmasked with key ${hex(new Uint8Array(frame.maskKey ?? []))}` }), el('pre', { id: 'payload-hex', text: hex(shown, 512) })),
    );
  } else {
    parts.push(el('div', {}, el('h3', { text: 'Payload (hex)' }), el('pre', { id: 'payload-hex', text: hex(shown, 512) })));
  }
  parts.push(el('div', {}, el('h3', { text: frame.rsv1 ? 'Payload as text (compressed bytes)' : 'Payload as text' }), el('pre', { id: 'payload-text', text })));
  return el(
    'section',
    {},
    el('div', { class: 'payloads' }, ...parts),
    el('p', {}, el('button', { type: 'button', onclick: () => downloadPayload(frame, dir), text: `Download the payload (${frame.available} bytes${frame.masked ? ', unmasked' : ''})` })),
  );
}

function messageSection(capture, dir, frame) {
  if (frame.close) {
    return el(
      'section',
      {},
      el('h3', { text: 'Close' }),
      kv([
        ['code', frame.close.code ?? '(none)', 'close-code'],
        ['name', frame.close.name, 'close-name'],
        ['reason', frame.close.reason || '(empty)', 'close-reason'],
      ]),
    );
  }
  if (frame.message === null || frame.message === undefined) return null;
  const message = (dir === 'client' ? capture.client : capture.server).messages[frame.message];
  if (!message) return null;
  const body = message.text ?? hex(message.data, 256);
  return el(
    'section',
    {},
    el('h3', { text: `Message ${message.index}` }),
    kv([
      ['kind', message.kind, 'message-kind'],
      ['frames', message.frames.join(', '), 'message-frames'],
      ['size on the wire', `${message.size} bytes`, 'message-size'],
      ['compressed', message.compressed ? 'yes (permessage-deflate)' : 'no', 'message-compressed'],
      ['inflated', message.inflatedSize !== null && message.inflatedSize !== undefined ? `${message.inflatedSize} bytes` : null, 'message-inflated'],
      ['complete', message.complete ? 'yes' : 'no (final frame missing)', 'message-complete'],
    ]),
    el('pre', { class: 'text-out', id: 'message-text', text: message.truncated ? `${body}…` : body }),
    layersSection(capture, dir, message.index),
  );
}

function jsonTree(value, key) {
  const label = key === undefined ? [] : [el('span', { class: 'k', text: JSON.stringify(key) }), ': '];
  if (value && typeof value === 'object') {
    if (!Array.isArray(value) && '_attachment' in value) {
      return el('div', { class: 'leaf' }, ...label, el('span', { class: 'att', text: `⟨attachment ${value._attachment}: ${value.bytes} bytes, ${value.hex}⟩` }));
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const open = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    return el('details', { open: true }, el('summary', {}, ...label, open), ...entries.map(([k, v]) => jsonTree(v, k)));
  }
  const cls = typeof value === 'string' ? 's' : 'n';
  return el('div', { class: 'leaf' }, ...label, el('span', { class: cls, text: JSON.stringify(value) }));
}

function layersSection(capture, dir, messageIndex) {
  const layer = layerOf(capture, dir, messageIndex);
  if (!layer) return null;
  const out = el('div');
  const eio = layer.engineio;
  if (eio) {
    out.append(
      el('h3', { text: `Engine.IO v${eio.version}` }),
      eio.error
        ? el('p', { class: 'diag', id: 'eio-error', text: eio.error })
        : kv([
            ['type', eio.kind, 'eio-type'],
            ['data', eio.text ?? (eio.hex ? `binary: ${eio.hex}` : '(none)'), 'eio-data'],
            ['size', `${eio.size} bytes`, 'eio-size'],
          ]),
    );
  }
  if (layer.attachmentOf) {
    out.append(el('p', { id: 'sio-attachment', text: `Socket.IO attachment ${layer.attachmentOf[1]} of message ${layer.attachmentOf[0]}` }));
  }
  const sio = layer.socketio;
  if (sio) {
    out.append(
      el('h3', { text: 'Socket.IO' }),
      kv([
        ['type', sio.kindName, 'sio-type'],
        ['namespace', sio.nsp, 'sio-nsp'],
        ['ack id', sio.id, 'sio-id'],
        ['event', sio.eventJson ? JSON.parse(sio.eventJson) : null, 'sio-event'],
        ['attachments', sio.attachments, 'sio-attachments'],
        ['attachment messages', sio.attachmentMessages.length ? sio.attachmentMessages.join(', ') : null, 'sio-attachment-messages'],
      ]),
    );
    for (const d of sio.diagnostics) out.append(el('p', { class: 'diag', text: `${d.message} (byte ${d.offset} of the packet)` }));
    const json = sio.stitchedJson ?? sio.dataJson;
    if (json) {
      const data = JSON.parse(json);
      const args = sio.eventJson && Array.isArray(data) ? data.slice(1) : data;
      out.append(el('div', { class: 'json', id: 'sio-args', 'data-json': JSON.stringify(args) }, jsonTree(args, sio.eventJson ? 'arguments' : 'data')));
    }
  }
  return out;
}

function renderDetail() {
  const detail = $('detail');
  detail.replaceChildren();
  const row = state.rows[state.selected];
  if (!row) {
    detail.append(el('p', { class: 'empty', text: 'Choose an example, paste a capture, or start live mode.' }));
    return;
  }
  if (row.har) return renderHarDetail(detail, row);
  const { frame, dir } = row;
  const errorOffsets = new Set(row.diagnostics.map((d) => d.offset));
  detail.append(
    el('h2', { text: `Frame ${row.i} · ${dir === 'client' ? 'client → server' : 'server → client'} · ${frame.opcodeName}` }),
    kv([
      ['opcode', `${frame.opcodeName} (0x${frame.opcode.toString(16)})`, 'opcode'],
      ['FIN', frame.fin ? '1 (final)' : '0 (more follow)', 'fin'],
      ['payload length', `${frame.payloadLen} bytes (${frame.lengthForm} form)`, 'length'],
      ['masked', frame.masked ? `yes, key ${hex(new Uint8Array(frame.maskKey))}` : 'no', 'masked'],
      ['compressed (RSV1)', frame.rsv1 ? 'yes' : 'no', 'compressed'],
      ['offset', `byte ${frame.offset} of the ${dir}'s stream, header ${frame.headerLen} bytes`, 'offset'],
      ['packet', row.packet !== undefined ? `#${row.packet} (the packet that completed the frame), ${captureTime(row.time)}` : null, 'packet'],
      ['complete', frame.complete ? 'yes' : `no: ${frame.available} of ${frame.payloadLen} payload bytes present`, 'complete'],
    ]),
  );
  if (row.diagnostics.length) {
    const ul = el('ul', { id: 'frame-diagnostics' });
    for (const d of row.diagnostics) {
      ul.append(el('li', { class: `diag ${d.severity}`, 'data-code': d.code, text: `${d.code}: ${d.message} — byte ${d.offset}${d.bit !== null && d.bit !== undefined ? `, bit ${d.bit}` : ''}${answerOf(d)}` }));
    }
    detail.append(el('h3', { text: 'Diagnostics' }), ul);
  }
  detail.append(el('h3', { text: 'Bytes 0-1' }), bitTable(frame), el('h3', { text: 'Fields' }), fieldTable(frame), el('h3', { text: 'Bytes' }), hexView(frame, dir, errorOffsets));
  detail.append(payloadSection(frame, dir));
  const message = messageSection(state.capture, dir, frame);
  if (message) detail.append(message);
}

// ----- handshake and diagnostics -----

function renderHandshake() {
  const box = $('handshake');
  box.replaceChildren();
  const h = state.capture?.handshake;
  if (!h) {
    box.append(el('p', { class: 'empty', text: 'No HTTP upgrade in the input.' }));
    return;
  }
  const deflate = h.deflate
    ? `client → server: ${h.deflate.clientMaxWindowBits}-bit window${h.deflate.clientNoContextTakeover ? ', no context takeover' : ''}; server → client: ${h.deflate.serverMaxWindowBits}-bit window${h.deflate.serverNoContextTakeover ? ', no context takeover' : ''}`
    : null;
  box.append(
    kv([
      ['request', h.requestLine, 'hs-request'],
      ['response', h.statusLine, 'hs-status'],
      ['Sec-WebSocket-Key', h.key, 'hs-key'],
      ['Sec-WebSocket-Accept', h.accept, 'hs-accept'],
      ['accept check', h.acceptOk === null || h.acceptOk === undefined ? null : h.acceptOk ? `valid (SHA-1 of the key + GUID = ${h.acceptExpected})` : `INVALID: expected ${h.acceptExpected}`, 'hs-accept-check'],
      ['subprotocols offered', h.offeredProtocols.join(', '), 'hs-offered-protocols'],
      ['subprotocol chosen', h.protocol, 'hs-protocol'],
      ['extensions offered', h.offeredExtensions.join(', '), 'hs-offered-extensions'],
      ['extensions agreed', h.extensions.join(', '), 'hs-extensions'],
      ['permessage-deflate', deflate, 'hs-deflate'],
      ['Engine.IO (path EIO=)', h.eio ? `v${h.eio}` : null, 'hs-eio'],
    ]),
  );
  const heads = [];
  if (h.requestHeaders.length) heads.push(`${h.requestLine}\n${h.requestHeaders.map((x) => `${x.name}: ${x.value}`).join('\n')}`);
  if (h.responseHeaders.length) heads.push(`${h.statusLine}\n${h.responseHeaders.map((x) => `${x.name}: ${x.value}`).join('\n')}`);
  box.append(el('details', {}, el('summary', { text: 'Heads' }), el('pre', { class: 'headers', text: heads.join('\n\n') })));
}

function renderDiagnostics(inputProblems) {
  const list = $('diagnostics');
  list.replaceChildren();
  const capture = state.capture;
  const items = inputProblems.map((message) => ({ severity: 'error', code: 'input', message }));
  for (const d of capture.handshake?.diagnostics ?? []) items.push({ ...d, dir: 'handshake' });
  for (const row of state.rows) for (const d of row.diagnostics) items.push({ ...d, dir: row.dir, row: row.i });
  // Diagnostics not tied to a frame (a truncated header at the end).
  for (const dir of ['client', 'server']) {
    // (A HAR entry has messages only: no streams.)
    for (const d of capture[dir]?.diagnostics ?? []) {
      if (d.frame === null || d.frame === undefined || !state.rows.some((r) => r.dir === dir && r.frame.index === d.frame)) items.push({ ...d, dir });
    }
  }
  $('diag-count').textContent = items.length ? `(${items.length})` : '(none)';
  for (const d of items) {
    const where = d.dir === 'handshake' ? 'handshake' : d.dir ? `${d.dir === 'client' ? 'client → server' : 'server → client'} byte ${d.offset}${d.bit !== null && d.bit !== undefined ? ` bit ${d.bit}` : ''}` : '';
    list.append(
      el(
        'li',
        { class: `diag ${d.severity}`, 'data-code': d.code, 'data-offset': d.offset ?? '', 'data-dir': d.dir ?? '' },
        `${d.code}: ${d.message}${where ? ` — ${where}` : ''}${answerOf(d)}${d.row !== undefined ? ' ' : ''}`,
        d.row !== undefined ? el('button', { type: 'button', text: `frame ${d.row}`, onclick: () => select(d.row, true) }) : null,
      ),
    );
  }
}

// ----- examples -----

async function loadExamples() {
  const response = await fetch('lib/examples.json');
  state.examples = await response.json();
  const select = $('examples');
  let group = null;
  let optgroup = null;
  for (const ex of state.examples) {
    if (ex.group !== group) {
      group = ex.group;
      optgroup = el('optgroup', { label: group });
      select.append(optgroup);
    }
    optgroup.append(el('option', { value: ex.id, text: ex.title }));
  }
}

function showExample(id) {
  const ex = state.examples.find((e) => e.id === id);
  if (!ex) return;
  leaveFile();
  stopLive();
  $('examples').value = id;
  $('client-input').value = ex.client ?? '';
  $('server-input').value = ex.server ?? '';
  $('opt-eio').value = ex.options?.eio ?? 'auto';
  $('opt-sio').value = ex.options?.socketio ?? 'auto';
  $('opt-deflate').value = ex.options?.deflate ?? '';
  state.selected = ex.select ?? 0;
  decode();
  if (location.hash !== `#example=${id}`) history.replaceState(null, '', `#example=${id}`);
}

// ----- live mode -----

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function startLive() {
  leaveFile();
  const token = Math.random().toString(36).slice(2, 10);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const mirror = new WebSocket(`${scheme}://${location.host}/mirror`);
  state.liveSegments = [];
  state.selected = -1;
  $('live').hidden = false;
  $('live-toggle').setAttribute('aria-pressed', 'true');
  $('live-state').textContent = 'connecting…';
  const opened = await new Promise((resolve) => {
    mirror.onopen = () => resolve(true);
    mirror.onerror = () => resolve(false);
  });
  if (!opened) {
    $('live-state').textContent = 'Live mode needs the demo server: run `npm start` and open the page it prints.';
    state.liveSegments = null;
    return;
  }
  mirror.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.token !== token) return;
    if (m.data) {
      const bytes = base64Bytes(m.data);
      const last = state.liveSegments.at(-1);
      if (last && last.dir === m.dir) last.bytes = concat(last.bytes, bytes);
      else state.liveSegments.push({ dir: m.dir, bytes });
      scheduleDecode(30);
    }
    if (m.type === 'closed') $('live-state').textContent = 'the demo connection is closed';
  };
  const demo = new WebSocket(`${scheme}://${location.host}/demo?watch=${token}`);
  demo.binaryType = 'arraybuffer';
  demo.onopen = () => ($('live-state').textContent = 'connected: messages you send are echoed, compressed (permessage-deflate)');
  demo.onclose = (e) => ($('live-state').textContent = `closed (${e.code})`);
  state.live = { mirror, demo };
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function stopLive() {
  if (!state.live && !state.liveSegments) return;
  state.live?.demo.close(1000, 'bye');
  state.live?.mirror.close();
  state.live = null;
  state.liveSegments = null;
  $('live').hidden = true;
  $('live-toggle').setAttribute('aria-pressed', 'false');
}

// ----- builder -----

const OPCODES = ['continuation', 'text', 'binary', '0x3 (reserved)', '0x4 (reserved)', '0x5 (reserved)', '0x6 (reserved)', '0x7 (reserved)', 'close', 'ping', 'pong', '0xB (reserved)', '0xC (reserved)', '0xD (reserved)', '0xE (reserved)', '0xF (reserved)'];

function builtFrame() {
  const kind = document.querySelector('input[name="b-kind"]:checked').value;
  const text = $('b-payload').value;
  let payload;
  if (kind === 'hex') {
    const dump = w.parseDump(text || '', 'client');
    if (dump.problems.length) throw new Error(dump.problems[0].message);
    payload = dump.segments[0]?.bytes ?? new Uint8Array(0);
  } else {
    payload = new TextEncoder().encode(text);
  }
  const keyText = $('b-key').value.trim();
  let mask = null;
  if ($('b-mask').checked) {
    if (!/^[0-9a-fA-F]{8}$/.test(keyText)) throw new Error('the masking key is 8 hex digits');
    mask = keyText.match(/../g).map((h) => Number.parseInt(h, 16));
  }
  return w.buildFrame(
    {
      fin: $('b-fin').checked,
      rsv1: $('b-rsv1').checked,
      rsv2: $('b-rsv2').checked,
      rsv3: $('b-rsv3').checked,
      opcode: Number($('b-opcode').value),
      mask,
      length: $('b-length').value,
    },
    payload,
  );
}

function updateBuilder() {
  try {
    $('b-output').textContent = hex(builtFrame());
  } catch (err) {
    $('b-output').textContent = `(${err.message})`;
  }
}

function sendBuilt(dir) {
  try {
    stopLive();
    const id = dir === 'client' ? 'client-input' : 'server-input';
    const box = $(id);
    box.value = `${box.value.trim()}\n${hex(builtFrame())}`.trim();
    state.selected = Number.MAX_SAFE_INTEGER;
    decode();
    select(state.rows.length - 1, true);
  } catch (err) {
    setStatus(err.message, true);
  }
}

// ----- wiring -----

function wire() {
  for (const id of ['client-input', 'server-input']) {
    const box = $(id);
    box.addEventListener('input', () => scheduleDecode());
    box.addEventListener('dragover', (e) => {
      e.preventDefault();
      box.classList.add('dragover');
    });
    box.addEventListener('dragleave', () => box.classList.remove('dragover'));
    box.addEventListener('drop', async (e) => {
      e.preventDefault();
      box.classList.remove('dragover');
      const file = e.dataTransfer.files[0];
      if (file) await loadFile(file, id === 'client-input' ? 'client' : 'server');
    });
  }
  $('file-input').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) await loadFile(file, $('file-dir').value);
  });
  for (const id of ['opt-eio', 'opt-sio', 'opt-deflate']) $(id).addEventListener('change', () => decode());
  $('decode').addEventListener('click', () => decode());
  $('connection').addEventListener('change', () => decode());
  $('export-hex').addEventListener('click', () => exportHexDump());
  $('export-json').addEventListener('click', () => exportMessages());
  // A file dropped anywhere on the page: its kind decides where it goes.
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', async (e) => {
    if (e.defaultPrevented) return;
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) await loadFile(file, $('file-dir').value);
  });
  $('clear').addEventListener('click', () => {
    leaveFile();
    stopLive();
    $('client-input').value = '';
    $('server-input').value = '';
    $('examples').value = '';
    decode();
  });
  $('examples').addEventListener('change', (e) => e.target.value && showExample(e.target.value));
  $('live-toggle').addEventListener('click', () => (state.live || state.liveSegments ? stopLive() : startLive()));
  $('live-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.live?.demo.send($('live-message').value);
  });
  $('live-binary').addEventListener('click', () => state.live?.demo.send(new TextEncoder().encode($('live-message').value)));
  $('live-close').addEventListener('click', () => state.live?.demo.close(1000, 'closed from the inspector'));
  const box = list();
  box.addEventListener('scroll', () => drawRows(), { passive: true });
  box.addEventListener('keydown', onListKey);
  const opcode = $('b-opcode');
  OPCODES.forEach((name, i) => opcode.append(el('option', { value: i, text: `${i} ${name}`, selected: i === 1 })));
  $('builder').addEventListener('input', updateBuilder);
  $('b-random').addEventListener('click', () => {
    $('b-key').value = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
    updateBuilder();
  });
  $('b-send-client').addEventListener('click', () => sendBuilt('client'));
  $('b-send-server').addEventListener('click', () => sendBuilt('server'));
  window.addEventListener('hashchange', () => {
    const m = /#example=([\w-]+)/.exec(location.hash);
    if (m) showExample(m[1]);
  });
}

async function loadFile(file, dir) {
  const kind = kindOf(new Uint8Array(await file.slice(0, 4096).arrayBuffer()));
  if (kind === 'capture') return openCapture(file);
  if (kind === 'har') return openHar(file);
  leaveFile();
  const bytes = new Uint8Array(await file.arrayBuffer());
  // A text file is a dump to parse; anything else is the bytes themselves.
  const text = textDecoder.decode(bytes);
  const printable = bytes.length > 0 && !text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  $(dir === 'client' ? 'client-input' : 'server-input').value = printable ? text : hex(bytes);
  decode();
}

// ----- capture files and HAR exports (decoded in a worker) -----

const captureTime = (seconds) => (seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').replace('Z', ` UTC (+${((seconds - (state.source?.origin ?? seconds)) * 1000).toFixed(3)} ms)`) : 'no time');

function showProgress(label, fraction) {
  const bar = $('load-progress');
  bar.hidden = fraction === null;
  if (fraction === undefined) bar.removeAttribute('value');
  else if (fraction !== null) bar.value = fraction;
  if (label) setStatus(label);
}

function leaveFile() {
  state.source = null;
  $('file-bar').hidden = true;
}

async function openCapture(file) {
  stopLive();
  state.worker ??= new CaptureWorker();
  try {
    const buffer = await readWithProgress(file, (f) => showProgress(`reading ${file.name}: ${(f * 100).toFixed(0)} %`, f));
    const decoding = (f) => showProgress(`decoding ${file.name} (${(file.size / 1e6).toFixed(1)} MB): ${(f * 100).toFixed(0)} %`, f);
    decoding(0);
    const started = performance.now();
    const summary = await state.worker.open(buffer, decoding);
    showProgress(null, null);
    const memory = await state.worker.memory();
    state.source = { kind: 'capture', name: file.name, summary, origin: summary.connections[0]?.firstTime ?? 0, ms: performance.now() - started, memory };
    const picker = $('connection');
    picker.replaceChildren(
      ...summary.connections.map((c) =>
        el('option', { value: c.index, text: `#${c.index} ${c.client} → ${c.server} · ${c.kind}${c.kind === 'websocket' ? ` · ${c.frames} frames` : ''} · ${c.packets} packets${c.diagnostics.length ? ` · ${c.diagnostics.length} problems` : ''}` }),
      ),
    );
    const first = summary.connections.find((c) => c.kind === 'websocket') ?? summary.connections[0];
    if (first) picker.value = String(first.index);
    $('export-hex').hidden = false;
    $('file-bar').hidden = false;
    $('client-input').value = '';
    $('server-input').value = '';
    await decodeConnection();
  } catch (err) {
    showProgress(null, null);
    setStatus(`cannot read ${file.name}: ${err.message}`, true);
  }
}

async function decodeConnection() {
  const source = state.source;
  const index = Number($('connection').value);
  const connection = source.summary.connections[index];
  if (!connection) {
    showCapture(w.inspectCapture([], {}), `${source.name}: no TCP connections`, source.summary.diagnostics.map((d) => d.message));
    return;
  }
  if (connection.kind === 'engine.io') {
    // Long-polling: HTTP requests whose bodies are Engine.IO payloads.
    state.capture = { layers: [], handshake: null };
    state.rows = pollingRows(connection.polling);
    $('input-info').textContent = `${source.name}: connection #${index}, ${connection.polling.length} Engine.IO polling requests`;
    renderList();
    renderHarHandshake(null);
    renderDiagnostics(connection.diagnostics.map((d) => `${d.code}: ${d.message}`));
    select(state.rows.length ? 0 : -1, false);
    setStatus(`${state.rows.length} packets`);
    return;
  }
  const capture = await state.worker.inspect(index, captureOptions());
  const fileNotes = [...source.summary.diagnostics, ...connection.diagnostics].map((d) => `${d.code}: ${d.message}`);
  showCapture(
    capture,
    `${source.name}: ${source.summary.format}, ${source.summary.packets} packets (${[...new Set(source.summary.linkTypes)].join(', ')}), ${source.summary.connections.length} connections · read in ${source.ms.toFixed(0)} ms · decoder memory ${(source.memory / 1e6).toFixed(0)} MB`,
    fileNotes,
  );
}

async function openHar(file) {
  stopLive();
  state.worker ??= new CaptureWorker();
  try {
    showProgress(`reading ${file.name}…`, undefined);
    const har = await state.worker.har(await file.text());
    showProgress(null, null);
    const entries = [...har.websockets.map((x) => ({ ...x, kind: 'websocket' })), ...har.polling.map((x) => ({ ...x, kind: 'polling' }))].sort((a, b) => a.entry - b.entry);
    state.source = { kind: 'har', name: file.name, har, entries, origin: har.websockets[0]?.messages[0]?.time ?? 0 };
    $('connection').replaceChildren(
      ...entries.map((e, i) =>
        el('option', { value: i, text: e.kind === 'websocket' ? `entry #${e.entry} WebSocket ${e.url} · ${e.messages.length} messages` : `entry #${e.entry} ${e.method} ${e.url} · ${e.layers.length} packets` }),
      ),
    );
    const first = entries.findIndex((e) => e.kind === 'websocket');
    $('connection').value = String(Math.max(0, first));
    // A HAR has no bytes of the wire to dump.
    $('export-hex').hidden = true;
    $('file-bar').hidden = false;
    showHarEntry();
  } catch (err) {
    showProgress(null, null);
    setStatus(`cannot read ${file.name}: ${err.message}`, true);
  }
}

/** Engine.IO polling requests (a capture's or a HAR's) as rows: one per packet, with its layers. */
function pollingRows(requests) {
  const rows = [];
  for (const request of requests) {
    for (const layer of request.layers) {
      const har = { dir: layer.dir, index: layer.message, time: null, opcode: 1, size: layer.engineio?.size ?? 0, text: layer.engineio?.text ?? null, data: new Uint8Array(0), request: `${request.method} ${request.url}` };
      rows.push({ i: rows.length, har, dir: layer.dir, layer, diagnostics: [], status: layer.engineio?.error || layer.socketio?.diagnostics.length ? 'error' : 'ok' });
    }
  }
  return rows;
}

/** A HAR entry: its messages (WebSocket) or packets (polling) as rows. */
function showHarEntry() {
  const { har, entries, name } = state.source;
  const entry = entries[Number($('connection').value)];
  const rows = [];
  if (entry?.kind === 'websocket') {
    for (const m of entry.messages) {
      const layer = entry.layers.find((l) => l.dir === m.dir && l.message === m.index);
      rows.push({ i: rows.length, har: m, dir: m.dir, layer, diagnostics: [], status: layer?.engineio?.error || layer?.socketio?.diagnostics.length ? 'error' : 'ok' });
    }
  } else if (entry) {
    rows.push(...pollingRows([entry]));
  }
  state.capture = { layers: entry?.layers ?? [], handshake: null };
  state.rows = rows;
  $('input-info').textContent = `${name}: HAR${har.creator ? ` (${har.creator})` : ''}, ${har.entries} entries — a HAR holds messages, not frames: no header bits to show`;
  renderList();
  renderHarHandshake(entry);
  renderDiagnostics(har.diagnostics.map((d) => `${d.code}: ${d.message}`));
  select(rows.length ? 0 : -1, false);
  setStatus(`${rows.length} message${rows.length === 1 ? '' : 's'}`);
}

function renderHarHandshake(entry) {
  const box = $('handshake');
  box.replaceChildren();
  if (!entry) return;
  const pairs = [
    ['request', `${entry.method ?? 'GET'} ${entry.url}`, 'hs-request'],
    ['response', entry.status, 'hs-status'],
    ['started', entry.started, 'hs-started'],
    ['Engine.IO (URL EIO=)', entry.eio ? `v${entry.eio}` : null, 'hs-eio'],
  ];
  box.append(kv(pairs));
  const heads = [entry.requestHeaders, entry.responseHeaders].filter((h) => h?.length).map((h) => h.map((x) => `${x.name}: ${x.value}`).join('\n'));
  if (heads.length) box.append(el('details', {}, el('summary', { text: 'Heads' }), el('pre', { class: 'headers', text: heads.join('\n\n') })));
}

const HAR_OPCODES = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

function harRowNode(row) {
  const m = row.har;
  return rowShell(row, [
    el('span', { text: m.time ? `+${((m.time - state.source.origin) * 1000).toFixed(0)}ms` : '' }),
    el('span', { text: '' }),
    el('span', { text: row.layer?.socketio?.kindName ?? row.layer?.engineio?.kind ?? HAR_OPCODES[m.opcode] ?? String(m.opcode) }),
    el('span', { text: String(m.size) }),
    el('span', { text: '' }),
    el('span', { text: '' }),
    el('span', { text: String(m.index) }),
    el('span', { class: `st-${row.status}`, text: row.status === 'ok' ? 'ok' : 'error' }),
  ]);
}

function renderHarDetail(detail, row) {
  const m = row.har;
  detail.append(
    el('h2', { text: `${m.request ? 'Packet' : 'Message'} ${row.i} · ${row.dir === 'client' ? 'client → server' : 'server → client'} · ${m.request ? (row.layer?.engineio?.kind ?? '?') : (HAR_OPCODES[m.opcode] ?? m.opcode)}` }),
    el('p', {
      class: 'note',
      id: 'har-note',
      text: m.request
        ? 'An Engine.IO packet of a long-polling request or answer body: HTTP, no WebSocket frames.'
        : 'From a HAR export: the browser recorded messages, not frames (no FIN, RSV, mask or length bits; compressed messages appear inflated).',
    }),
    kv([
      ['time', m.time ? captureTime(m.time) : null, 'har-time'],
      ['size', `${m.size} bytes`, 'har-size'],
    ]),
    el('h3', { text: 'Payload' }),
    el('pre', { class: 'payload', id: 'har-payload', text: m.text ?? hex(m.data, HEX_SHOWN) }),
  );
  if (m.request) detail.append(kv([['request', m.request, 'har-request']]));
  const layers = row.layer ? layersSection({ layers: [row.layer] }, row.dir, row.layer.message) : null;
  if (layers) detail.append(layers);
}

async function exportHexDump() {
  if (state.source?.kind !== 'capture') return;
  const index = Number($('connection').value);
  download(`${state.source.name}-connection-${index}.txt`, hexDump(await state.worker.segments(index)));
}

/** Messages are shown cut at a few KiB; an export carries them whole (up to 64 MiB each). */
const EXPORT_MAX_PAYLOAD = 64 << 20;

async function exportMessages() {
  if (!state.capture) return;
  const options = { ...captureOptions(), maxPayload: EXPORT_MAX_PAYLOAD };
  let capture = state.capture;
  if (state.source?.kind === 'capture') capture = await state.worker.inspect(Number($('connection').value), options);
  else if (!state.source) capture = w.inspectCapture(segmentsFromInputs().segments, options);
  const plain = (bytes) => Array.from(bytes ?? [], (b) => b.toString(16).padStart(2, '0')).join('');
  let messages;
  if (state.source?.kind === 'har') {
    messages = state.rows.map((r) => ({ dir: r.dir, index: r.har.index, time: r.har.time, opcode: r.har.opcode, text: r.har.text, hex: r.har.text === null ? plain(r.har.data) : undefined, engineio: r.layer?.engineio ?? null, socketio: r.layer?.socketio ?? null }));
  } else {
    messages = ['client', 'server'].flatMap((dir) =>
      capture[dir].messages.map((m) => {
        const layer = layerOf(capture, dir, m.index);
        const frame = capture[dir].frames[m.frames[m.frames.length - 1]];
        const order = capture.order.find((o) => o.dir === dir && o.frame === frame?.index);
        return { dir, index: m.index, packet: order?.packet, time: order?.time, kind: m.kind, size: m.size, compressed: m.compressed, text: m.text ?? undefined, hex: m.text === null || m.text === undefined ? plain(m.data) : undefined, engineio: layer?.engineio ?? null, socketio: layer?.socketio ?? null };
      }),
    );
    messages.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  }
  download(`${state.source?.name ?? 'capture'}-messages.json`, `${JSON.stringify(messages, null, 2)}\n`, 'application/json');
}

async function main() {
  await init();
  wire();
  updateBuilder();
  await loadExamples();
  const m = /#example=([\w-]+)/.exec(location.hash);
  if (m) showExample(m[1]);
  else decode();
  document.body.dataset.ready = 'true';
}

main().catch((err) => setStatus(`failed to start: ${err.message}`, true));
