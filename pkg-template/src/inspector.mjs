// The inspector's entry points: frames of any bytes, pasted dumps, captured
// sessions, and frames built field by field.
import { raw } from './raw.mjs';
import { toBytes } from './memory.mjs';

/** Frames of any bytes, valid or not, every bit with its diagnostics. */
export const inspect = (bytes, options) => raw.inspect(toBytes(bytes), options);

/** Pasted text (hex, hex dumps, base64) as `{ format, segments: [{ dir, bytes }], problems }`. */
export const parseDump = (text, defaultDir = 'client') => raw.parseDump(text, defaultDir);

/**
 * Decodes a captured session from its segments (`[{ dir: 'client' | 'server',
 * bytes }]`, in capture order): handshake, frames both ways, Engine.IO and Socket.IO.
 */
export function inspectCapture(segments, options) {
  const lengths = new Uint32Array(segments.length);
  const dirs = new Uint8Array(segments.length);
  const parts = segments.map((s, i) => {
    const bytes = toBytes(s.bytes);
    lengths[i] = bytes.length;
    dirs[i] = s.dir === 'server' ? 1 : 0;
    return bytes;
  });
  const all = new Uint8Array(lengths.reduce((n, l) => n + l, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return raw.inspectCaptureRaw(all, dirs, lengths, options);
}

/**
 * A pcap or pcapng file (bytes) read into its TCP connections:
 * `summary()` lists them, `inspect(index, options)` decodes one as
 * `inspectCapture` does (with each frame's packet number and time),
 * `segments(index)` gives its bytes each way. `free()` releases it.
 */
export class CaptureFile {
  #raw;

  constructor(bytes, options = {}) {
    const { onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('onProgress must be a function');
    this.#raw = new raw.CaptureFile(toBytes(bytes), onProgress);
  }

  summary() {
    return this.#raw.summary();
  }

  inspect(index, options) {
    return this.#raw.inspect(index, options);
  }

  segments(index) {
    return this.#raw.segments(index);
  }

  free() {
    this.#raw.free();
  }
}

/**
 * What a conforming endpoint answers a diagnostic's fault with, and the rule
 * it breaks, e.g. "close 1002, RFC 6455 §5.2" ('' when nothing applies): one
 * wording for the page and the `wsframe inspect` tool.
 */
export function diagnosticAnswer(diagnostic) {
  const { closeCode, httpStatus, section } = diagnostic;
  return [closeCode ? `close ${closeCode}` : '', httpStatus ? `HTTP ${httpStatus}` : '', section ?? ''].filter(Boolean).join(', ');
}

/** What a file is, from its first 4 KiB: 'pcap', 'pcapng', 'har', or 'text' (a dump to parse). */
export const fileKind = (bytes) => raw.fileKind(toBytes(bytes).subarray(0, 4096));

/**
 * A HAR export (its JSON text): the WebSocket entries' messages and the
 * Engine.IO polling requests, with Engine.IO and Socket.IO decoded. A HAR
 * holds messages, not frames: no header bits.
 */
export const inspectHar = (text) => raw.inspectHar(String(text));

/** A frame built field by field, valid or not (see the inspector's builder). */
export const buildFrame = (spec, payload) => raw.buildFrame(spec, toBytes(payload));
