// Runs the same scenario against `ws` 8 and `wsframe/node` and checks that
// both give the same observations: ws is the reference for every
// expectation of the ws drop-in suites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import wsDefault, * as wsNamed from 'ws';
import wsframeDefault, * as wsframeNamed from 'wsframe/node';

/** Each implementation as its ESM import gives it: the default export and the named ones. */
export const IMPLEMENTATIONS = [
  { name: 'ws', default: wsDefault, ...wsNamed },
  { name: 'wsframe', default: wsframeDefault, ...wsframeNamed },
];

/**
 * A test that runs `scenario(lib)` for ws and for wsframe; each returns
 * what it observed (JSON-like), and wsframe's must equal ws's. `options.only`
 * limits it to one implementation (for behaviour wsframe adds).
 */
export function both(title, scenario, options = {}) {
  test(title, { timeout: options.timeout ?? 30_000 }, async () => {
    const seen = {};
    for (const lib of IMPLEMENTATIONS) {
      seen[lib.name] = await scenario(lib);
    }
    if (process.env.WS_BOTH_SHOW) console.log(title, JSON.stringify(seen.ws));
    assert.deepEqual(withoutAddedCodes(seen.wsframe, seen.ws), seen.ws, `wsframe/node differs from ws`);
  });
}

/**
 * `ours` with the error codes wsframe adds where ws's error has none
 * (`code: undefined` on ws's side) taken out again: wsframe gives every
 * error it raises a code, which is an addition, not a difference.
 */
function withoutAddedCodes(ours, theirs) {
  if (Array.isArray(ours) && Array.isArray(theirs)) return ours.map((v, i) => withoutAddedCodes(v, theirs[i]));
  const isRecord = (v) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
  if (isRecord(ours) && isRecord(theirs)) {
    const out = {};
    for (const [key, value] of Object.entries(ours)) {
      const added = key === 'code' && 'code' in theirs && theirs.code === undefined && typeof value === 'string';
      out[key] = added ? undefined : withoutAddedCodes(value, theirs[key]);
    }
    return out;
  }
  return ours;
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The port of a listening server. */
export const portOf = (server) => server.address().port;

/**
 * A promise for the arguments of the next `event` of `emitter` (an 'error'
 * meanwhile does not reject it), failing after `ms`.
 */
export function next(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** An error as comparable facts: class, message and code (ws's, or wsframe's where ws has none). */
export function describeError(err) {
  return { class: err.constructor.name, message: err.message, code: err.code };
}

/** What a test may compare about an event argument. */
export function plain(value) {
  if (Buffer.isBuffer(value)) return { Buffer: value.toString('hex') };
  if (value instanceof ArrayBuffer) return { ArrayBuffer: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Error) return describeError(value);
  return value;
}

let certificate;
/** A self-signed certificate for localhost, made once per run with openssl. */
export function selfSigned() {
  if (certificate) return certificate;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wsframe-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    certificate = {
      key: readFileSync(path.join(dir, 'key.pem')),
      cert: readFileSync(path.join(dir, 'cert.pem')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return certificate;
}

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/**
 * A raw TCP peer for a server on `port`: sends a handshake written by hand
 * (`extra` header lines added), then whatever the test writes, and records
 * everything the server sends until it closes the connection: the HTTP head
 * as text and the bytes after it.
 */
export async function rawClient(port, { path = '/', extra = [] } = {}) {
  const net = await import('node:net');
  const socket = net.connect(port, '127.0.0.1');
  await next(socket, 'connect');
  socket.write(
    [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${RFC_KEY}`, 'Sec-WebSocket-Version: 13', ...extra, '', ''].join('\r\n'),
  );
  const chunks = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const ended = new Promise((resolve) => socket.on('close', resolve));
  socket.on('error', () => {});
  return {
    socket,
    /** Everything received so far: `{ head, body }`. */
    received() {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      return end < 0 ? { head: all.toString('latin1'), body: Buffer.alloc(0) } : { head: all.subarray(0, end).toString('latin1'), body: all.subarray(end + 4) };
    },
    /** Waits for the server to close the connection (at most `ms`), then what it sent. */
    async closed(ms = 5000) {
      await Promise.race([ended, sleep(ms).then(() => socket.destroy())]);
      return this.received();
    },
  };
}

/** Frames in `bytes` (from a server or a client) as comparable facts. */
export async function framesOf(bytes) {
  const { FrameDecoder } = await import('wsframe');
  const decoder = new FrameDecoder();
  return decoder.push(bytes).map((f) => ({
    fin: f.fin,
    rsv1: f.rsv1,
    opcode: f.opcode,
    masked: f.masked,
    payload: Buffer.from(f.payload).toString('hex'),
  }));
}
