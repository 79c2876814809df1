// The codec API of the `wsframe` package, over the raw wasm bindings.
// Protocol rules all live in the Rust core; this file converts types and
// reads the packed results of the two hot paths (Connection.receive and
// FrameDecoder.push), which cross into wasm once per chunk.
import { raw } from './raw.mjs';
import { placeAttachments, stringifyWithAttachments } from './socketio-data.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const hasBuffer = typeof Buffer === 'function' && typeof Buffer.from === 'function';

/**
 * Errors thrown or reported by wsframe are `Error`s named "WsframeError"
 * with `code` (stable string), `closeCode`, `offset` and `httpStatus`.
 * `err instanceof WsframeError` recognises them.
 */
export class WsframeError extends Error {
  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === 'WsframeError' && typeof value.code === 'string';
  }
}

/** Bytes of a Uint8Array, any ArrayBuffer view, an ArrayBuffer, or a string (UTF-8). */
export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) {
    return new Uint8Array(data);
  }
  if (data === undefined || data === null) return new Uint8Array(0);
  throw new TypeError('expected a Uint8Array, ArrayBuffer, ArrayBuffer view or string');
}

let memory;
let memoryBytes = new Uint8Array(0);
let memoryNode = null;
/**
 * All of wasm memory as bytes. The view is kept between calls; when memory
 * grows, its old buffer is detached (length 0) and the view is made anew.
 */
function wasmMemory() {
  if (memoryBytes.byteLength === 0) {
    memory ??= raw.__memory();
    memoryBytes = new Uint8Array(memory.buffer);
    memoryNode = hasBuffer ? Buffer.from(memory.buffer) : null;
  }
  return memoryBytes;
}

// Byte results of up to SLAB_MAX bytes are views into a shared slab, as
// Node's pooled Buffers are: a typed array over 64 bytes needs a backing
// store of its own, which costs several times the copy that fills it. Views
// never overlap. Bigger results get memory of their own.
const SLAB_SIZE = 16 * 1024;
const SLAB_MAX = 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** Node's Buffer class without its checks (what Buffer.prototype.slice makes). */
const FastBuffer = hasBuffer ? Buffer[Symbol.species] : Uint8Array;

/** A fresh Uint8Array (a Buffer with `buffers`) of `length` bytes for a result; the caller fills it. */
function outputBytes(length, buffers = false) {
  const Type = buffers ? FastBuffer : Uint8Array;
  if (length > SLAB_MAX) return new Type(length);
  // A caller may have transferred a result's buffer away, detaching the slab.
  if (slabUsed + length > SLAB_SIZE || slab.byteLength === 0) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Type(slab, slabUsed, length);
  // 8-byte alignment, so a caller can lay a Float64Array or BigUint64Array over a result.
  slabUsed = (slabUsed + length + 7) & ~7;
  return out;
}

/** A copy of `source[start..end]` in memory of its own (or of the slab); a Buffer with `buffers`. */
function copyOf(source, start, end, buffers = false) {
  if (end - start > SLAB_MAX) {
    const copy = Uint8Array.prototype.slice.call(source, start, end);
    return buffers && !(copy instanceof FastBuffer) ? new FastBuffer(copy.buffer) : copy;
  }
  const out = outputBytes(end - start, buffers);
  out.set(source.subarray(start, end));
  return out;
}

/** `Connection.receive`'s copies: plain Uint8Arrays (slab-backed when small). */
const copyPlain = (memory, start, end) => copyOf(memory, start, end);

/** The parts of a message received in pieces, as one Uint8Array. */
function joinPlain(parts, length) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

let scratchAt = 0;
let scratchLength = 0;
/**
 * The address of the core's scratch buffer, with room for `length` bytes.
 * The buffer only ever grows, and wasm addresses never move, so the address
 * stays good until a bigger request: most calls need no crossing for it.
 */
function scratchFor(length) {
  if (length > scratchLength) {
    scratchAt = raw.maskScratchBuffer(length);
    scratchLength = length;
  }
  return scratchAt;
}

/** Copies `bytes` into wasm memory at `ptr` (which the caller just obtained). */
function writeToWasm(ptr, bytes) {
  wasmMemory().set(bytes, ptr);
}

/**
 * Reads a packed result at `ptr` in wasm memory. Offsets given to `text`
 * and `copy` are relative to the result; `textAt`/`copyAt` take addresses
 * anywhere in memory. Valid until the next call into the module.
 */
class Packed {
  constructor(ptr, length) {
    this.at(ptr, length);
    // For Connection results: the input these bytes came from, and its address.
    this.chunk = null;
    this.inputAt = 0;
  }
  /** Points this reader at another result (one reader serves a connection's calls). */
  at(ptr, length) {
    this.base = ptr;
    this.memory = wasmMemory();
    this.bytes = this.memory.subarray(ptr, ptr + length);
    this.nodeMemory = memoryNode;
    this.memoryView = memoryNode ?? this.memory;
    return this;
  }
  u32(at) {
    const m = this.memory;
    const i = this.base + at;
    return (m[i] | (m[i + 1] << 8) | (m[i + 2] << 16) | (m[i + 3] << 24)) >>> 0;
  }
  text(start, end) {
    return this.textAt(this.base + start, this.base + end);
  }
  copy(start, end) {
    return copyOf(this.memory, this.base + start, this.base + end);
  }
  textAt(start, end) {
    return this.nodeMemory ? this.nodeMemory.toString('utf8', start, end) : decoder.decode(this.memory.subarray(start, end));
  }
  copyAt(start, end) {
    return copyOf(this.memory, start, end);
  }
}

const OPCODES = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };
const OPCODE_NAMES = ['continuation', 'text', 'binary', null, null, null, null, null, 'close', 'ping', 'pong'];

function opcodeOf(value, fallback) {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const bits = OPCODES[value];
  if (bits === undefined) throw new TypeError(`unknown opcode ${JSON.stringify(value)}`);
  return bits;
}

function rsvOf(o) {
  return (o.rsv1 ? 4 : 0) | (o.rsv2 ? 2 : 0) | (o.rsv3 ? 1 : 0);
}

const keyAsNumber = (k) => (k[0] | (k[1] << 8) | (k[2] << 16) | (k[3] << 24)) >>> 0;

/** The key's bytes; the core throws its WsframeError if it is not 4 bytes. */
function checkedKey(key) {
  const k = toBytes(key);
  if (k.length !== 4) raw.mask(new Uint8Array(0), k, 0);
  return k;
}

/** [mode, key]: mode 0 unmasked, 1 with `key` (a little-endian u32), 2 with a random key. */
function maskOf(mask) {
  if (mask === true) return [2, 0];
  if (!mask) return [0, 0];
  return [1, keyAsNumber(checkedKey(mask))];
}

let headerPtr;
/** Copies the header the last encodeHeaderScratch call wrote into `out` (at most 14 bytes). */
function copyScratchHeader(out, length) {
  headerPtr ??= raw.headerScratchPtr();
  const m = wasmMemory();
  for (let i = 0; i < length; i++) out[i] = m[headerPtr + i];
  return out;
}

/**
 * Encodes one frame. `payload`: bytes or a string (UTF-8).
 * Options: `opcode` (number or "text" | "binary" | "close" | "ping" | "pong" |
 * "continuation"; default text for strings, binary otherwise), `fin`
 * (default true), `rsv1`/`rsv2`/`rsv3`, `mask` (true = random key, or a
 * 4-byte key). Any frame can be built, valid or not.
 */
export function encodeFrame(payload, options = {}) {
  const bytes = toBytes(payload);
  const opcode = opcodeOf(options.opcode, typeof payload === 'string' ? 1 : 2);
  const [mode, key] = maskOf(options.mask);
  const fin = options.fin ?? true;
  if (mode === 0) {
    // Only the header comes from wasm; the payload is copied once, here.
    const headerLength = raw.encodeHeaderScratch(opcode, bytes.length, fin, rsvOf(options), 0, 0);
    const frame = copyScratchHeader(outputBytes(headerLength + bytes.length), headerLength);
    frame.set(bytes, headerLength);
    return frame;
  }
  // Masked: the payload goes into wasm once, is masked there behind its header, and comes out once.
  const scratch = scratchFor(14 + bytes.length);
  writeToWasm(scratch + 14, bytes);
  const start = raw.encodeFrameScratch(opcode, bytes.length, fin, rsvOf(options), mode, key);
  return copyOf(wasmMemory(), start, scratch + 14 + bytes.length);
}

/** Encodes only the header of a frame whose payload has `payloadLength` bytes (same options). */
export function encodeFrameHeader(payloadLength, options = {}) {
  const opcode = opcodeOf(options.opcode, 2);
  const [mode, key] = maskOf(options.mask);
  const headerLength = raw.encodeHeaderScratch(opcode, payloadLength, options.fin ?? true, rsvOf(options), mode, key);
  return copyScratchHeader(outputBytes(headerLength), headerLength);
}

/** XORs `data` in place with a 4-byte `key`, `data[0]` being payload byte `offset`. Returns `data`. */
export function mask(data, key, offset = 0) {
  const bytes = toBytes(data);
  const k = checkedKey(key);
  const ptr = scratchFor(bytes.length);
  writeToWasm(ptr, bytes);
  raw.maskScratch(bytes.length, keyAsNumber(k), offset);
  bytes.set(wasmMemory().subarray(ptr, ptr + bytes.length));
  return data;
}

// Send flags (src/wasm/protocol.rs): bit 0 leaves the message uncompressed,
// bits 1-2 choose the masking.
const SEND_NO_COMPRESS = 1;
const MASK_NONE = 1;
const MASK_RANDOM = 2;
const MASK_KEY = 3;

function sendFlags(options) {
  let flags = options.compress === false ? SEND_NO_COMPRESS : 0;
  const mask = options.mask;
  if (mask === false) flags |= MASK_NONE << 1;
  else if (mask === true) flags |= MASK_RANDOM << 1;
  else if (mask !== undefined && mask !== null) flags |= MASK_KEY << 1;
  return flags;
}

/** Strings up to this many UTF-16 units are sent without encodeInto when ASCII. */
const SHORT_TEXT = 256;
/** Strings up to this many UTF-16 units are encoded straight into wasm memory. */
const ENCODE_IN_PLACE = 64 * 1024;

/**
 * Incremental frame decoder. `push(chunk)` returns every frame the chunk
 * completes: `{ fin, rsv1, rsv2, rsv3, opcode, opcodeName, masked, maskKey,
 * headerLength, offset, payload }` (payload unmasked). Throws WsframeError.
 * Options: `role` ("server": frames come from a client and must be masked;
 * "client"; omitted: either), `maxFrameSize`, `allowedRsv`, `strictLength`.
 */
export class FrameDecoder {
  #raw;
  constructor(options) {
    this.#raw = new raw.RawFrameDecoder(options);
  }
  push(chunk) {
    const length = this.#raw.push(toBytes(chunk));
    const p = new Packed(this.#raw.resultPtr(), length);
    const count = p.u32(0);
    const frames = new Array(count);
    let at = 4;
    for (let i = 0; i < count; i++) {
      const b0 = p.bytes[at];
      const masked = p.bytes[at + 1] === 1;
      const payloadLength = p.u32(at + 18);
      const start = at + 22;
      frames[i] = {
        fin: (b0 & 0x80) !== 0,
        rsv1: (b0 & 0x40) !== 0,
        rsv2: (b0 & 0x20) !== 0,
        rsv3: (b0 & 0x10) !== 0,
        opcode: b0 & 0x0f,
        opcodeName: OPCODE_NAMES[b0 & 0x0f] ?? 'reserved',
        masked,
        maskKey: masked ? p.copy(at + 2, at + 6) : null,
        headerLength: p.u32(at + 6),
        offset: p.u32(at + 10) + p.u32(at + 14) * 2 ** 32,
        payload: p.copy(start, start + payloadLength),
      };
      at = start + payloadLength;
    }
    return frames;
  }
  /** Throws `truncated_frame` if the stream ended inside a frame. */
  finish() {
    this.#raw.finish();
  }
  get offset() {
    return this.#raw.offset;
  }
  /** Releases the wasm memory now (otherwise it is released when collected). */
  free() {
    this.#raw.free();
  }
}

/** Reads the core's packed results: one for every connection, as the core has one result buffer. */
let packedReader = null;

/**
 * One WebSocket connection as a sans-I/O state machine. Feed it what the
 * peer sent with `receive(chunk)`; it returns `{ events, output, error,
 * pending }`: the events the chunk completed, bytes to write back now
 * (pongs) or null, the WsframeError the peer's bytes violated the protocol
 * with or null, and whether a close is owed. When `pending`, handle the
 * events first (replies to them may still be sent), then call `flush()` and
 * write what it returns: the close reply, or the close frame that fails the
 * connection. Sending methods return the bytes to write.
 *
 * Events: `{ type: "text", data: string }`, `{ type: "binary", data:
 * Uint8Array }`, `{ type: "ping" | "pong", data: Uint8Array }`,
 * `{ type: "close", code, reason }` (code 1005 when the frame had none).
 *
 * Options: `role` ("server" | "client", required), `maxFrameSize`,
 * `maxMessageSize`, `maxFragments`, `maxBufferedBytes`, `autoPong`
 * (default true), `strictLength`.
 */
export class Connection {
  #raw;
  #buffers = false;
  /**
   * Options as below, and `buffers` (Node): byte results are Buffers
   * (sharing a slab when small, as pooled Buffers do), which sockets take
   * without converting them.
   */
  constructor(options) {
    if (options?.buffers !== undefined) {
      this.#buffers = !!options.buffers && hasBuffer;
      options = { ...options };
      delete options.buffers;
    }
    this.#raw = new raw.RawConnection(options);
  }
  /**
   * `receive` for bindings that shape their own events: returns `{ events,
   * output, error, pending }` where `events` is flat, three entries per
   * event (`type`: 1 text, 2 binary, 8 close, 9 ping, 10 pong; `data`;
   * `code`: the close code, else 0). Payloads are made by the caller's
   * `copy(memory, start, end, chunk, offset)`: `memory` views wasm memory (a
   * Buffer in Node) and is valid only during that call, so `copy` must copy
   * or place the bytes; when `offset` is not -1 they are the (unmasked)
   * bytes of `chunk` from `offset` on, which the caller may write back into
   * `chunk` to hand out a view of it. A message that came in pieces is made
   * by `join(parts, length)`. Text is not decoded.
   */
  receiveRaw(chunk, copy, join) {
    const events = [];
    const result = this.#read(chunk, copy, (p, type, a, b, inline, parts, length) => {
      if (type > 2) events.push(type, copy(p.memoryView, inline, inline + a, null, -1), type === 8 ? b : 0);
      else if (parts) events.push(type, join(parts, length), 0);
      else events.push(type, copy(p.memoryView, a, a + b, p.chunk, a - p.inputAt), 0);
    });
    result.events = events;
    return result;
  }
  receive(chunk) {
    const events = [];
    const result = this.#read(chunk, copyPlain, (p, type, a, b, inline, parts, length) => {
      switch (type) {
        case 1:
          events.push({ type: 'text', data: parts ? decoder.decode(joinPlain(parts, length)) : p.textAt(a, a + b) });
          break;
        case 2:
          events.push({ type: 'binary', data: parts ? joinPlain(parts, length) : p.copyAt(a, a + b) });
          break;
        case 8:
          events.push({ type: 'close', code: b, reason: p.textAt(inline, inline + a) });
          break;
        default:
          events.push({ type: type === 9 ? 'ping' : 'pong', data: p.copyAt(inline, inline + a) });
      }
    });
    result.events = events;
    return result;
  }
  // The message being received in pieces: the pieces from the input so far,
  // and the inflated ones the core handed over during calls.
  #pieces = [];
  #piecesLength = 0;
  #inflated = [];
  #copy = copyPlain;
  #onPiece = (at, length) => {
    wasmMemory();
    this.#inflated.push(this.#copy(memoryNode ?? memoryBytes, at, at + length, null, -1));
  };
  /**
   * Feeds `chunk` to the core and walks its packed result, calling
   * `onEvent(packed, type, a, b, inline, parts, length)` for each message
   * and control frame. Each packed event is u8 type, u32 a, u32 b: whole
   * messages (1 text, 2 binary) and pieces (3) lie in the input (a =
   * address, b = length; `packed.chunk` and `packed.inputAt` tell where
   * the input came from); 4 ends a message of pieces (a = its type; b = how many
   * of them were inflated output, handed to #onPiece), reported as type a
   * with its `parts` and `length`; control frames (8 close, 9 ping, 10 pong)
   * follow inline at address `inline` (a = length; b = close code).
   */
  #read(chunk, copy, onEvent) {
    const bytes = toBytes(chunk);
    const inputAt = this.#raw.inputBuffer(bytes.length);
    writeToWasm(inputAt, bytes);
    this.#copy = copy;
    const length = this.#raw.receiveInput(bytes.length, this.#onPiece);
    const ptr = this.#raw.resultPtr();
    const p = packedReader ? packedReader.at(ptr, length) : (packedReader = new Packed(ptr, length));
    p.chunk = bytes;
    p.inputAt = inputAt;
    const count = p.u32(0);
    const outputAt = p.u32(4);
    const outputLength = p.u32(8);
    const pending = (p.u32(12) & 1) === 1;
    let error = null;
    let at = 16;
    for (let i = 0; i < count; i++) {
      const type = p.bytes[at];
      const a = p.u32(at + 1);
      const b = p.u32(at + 5);
      at += 9;
      if (type === 1 || type === 2) {
        onEvent(p, type, a, b, 0, null, b);
      } else if (type === 3) {
        this.#pieces.push(copy(p.memoryView, a, a + b, bytes, a - inputAt));
        this.#piecesLength += b;
      } else if (type === 4) {
        let parts;
        let total = 0;
        if (b > 0) {
          parts = this.#inflated.splice(0, b);
          for (const part of parts) total += part.length;
        } else {
          [parts, total] = [this.#pieces, this.#piecesLength];
        }
        this.#pieces = [];
        this.#piecesLength = 0;
        onEvent(p, a, 0, 0, 0, parts, total);
      } else if (type === 255) {
        error = this.#raw.takeError();
      } else {
        onEvent(p, type, a, b, p.base + at, null, a);
        at += a;
      }
    }
    const output = outputLength ? copyOf(p.memory, p.base + outputAt, p.base + outputAt + outputLength, this.#buffers) : null;
    p.chunk = null;
    return { events: null, output, error, pending };
  }
  /** The close owed after a `receive` flagged `pending` (reply or failure), or null. */
  flush() {
    const bytes = this.#raw.flush();
    return bytes.length ? bytes : null;
  }
  /**
   * Frames a message: a string as text, bytes as binary. Returns the bytes
   * to write. Options: `binary` (the type, whatever `data` is),
   * `maxFrameSize` (split into frames of at most this payload), `compress`
   * (false: this message goes uncompressed), `mask` (undefined: as the
   * role requires; false: unmasked; true: a random key; or a 4-byte key),
   * `fin` (false: a fragment of a message continued by later sends; the
   * first fragment gives the type, the one with `fin` ends it).
   */
  send(data, options = {}) {
    const flags = sendFlags(options);
    const key = flags >> 1 === MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
    const binary = options.binary ?? typeof data !== 'string';
    if (options.fin === false || this.#fragmenting) {
      const bytes = typeof data === 'string' ? encoder.encode(data) : toBytes(data);
      writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
      const fin = options.fin !== false;
      // Later fragments continue the message whatever their own type: its first fragment set it.
      const type = this.#fragmenting ? this.#fragmentBinary : binary;
      const length = this.#raw.sendFragmentInput(type, bytes.length, fin, flags, key);
      this.#fragmenting = !fin;
      this.#fragmentBinary = type;
      return this.#sent(length);
    }
    if (typeof data === 'string' && !binary) return this.#sendString(data, options.maxFrameSize ?? 0, flags, key);
    return this.#sendBytes(toBytes(data), binary, options.maxFrameSize ?? 0, flags, key);
  }
  #fragmenting = false;
  #fragmentBinary = false;
  sendText(text) {
    return this.#sendString(text, 0, 0, 0);
  }
  sendBinary(data, maxFrameSize = 0) {
    return this.#sendBytes(toBytes(data), true, maxFrameSize, 0, 0);
  }
  // Both send paths put the payload in the connection's input buffer and
  // copy the frames out once: no allocation in wasm per message.
  #sendBytes(bytes, binary, maxFrameSize, flags, key) {
    writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
    return this.#sent(this.#raw.sendInput(binary, bytes.length, maxFrameSize, flags, key));
  }
  #sendString(text, maxFrameSize, flags, key) {
    const length = text.length;
    // Encoding in place needs room for the worst case, 3 bytes per UTF-16
    // unit; for long strings that would triple wasm memory, which never shrinks.
    if (length > ENCODE_IN_PLACE) return this.#sendBytes(encoder.encode(text), false, maxFrameSize, flags, key);
    // Unpaired surrogates become U+FFFD, as TextEncoder and the WebSocket API do.
    const room = length * 3;
    const at = this.#raw.inputBuffer(room);
    const m = wasmMemory();
    let written = 0;
    if (length <= SHORT_TEXT) {
      // An ASCII head is stored unit by unit: cheaper than the view encodeInto needs.
      for (; written < length; written++) {
        const unit = text.charCodeAt(written);
        if (unit > 0x7f) break;
        m[at + written] = unit;
      }
    }
    if (written < length) {
      const rest = written ? text.slice(written) : text;
      written += encoder.encodeInto(rest, m.subarray(at + written, at + room)).written;
    }
    return this.#sent(this.#raw.sendInput(false, written, maxFrameSize, flags, key));
  }
  #sent(length) {
    const at = this.#raw.sentPtr();
    return copyOf(wasmMemory(), at, at + length, this.#buffers);
  }
  /**
   * Starts a binary message of `length` bytes without copying its payload:
   * returns the frame header to write, after which the caller writes the
   * payload unchanged; or null when the payload must pass through the
   * connection (a client masks it, compression changes it): then `send` it.
   */
  sendBinaryHeader(length) {
    const headerLength = this.#raw.sendBinaryHeader(length);
    return headerLength ? this.#sent(headerLength) : null;
  }
  /**
   * `sendBinaryHeader` for either type: the header of a one-frame message
   * of `length` bytes whose payload the caller writes after it, unchanged,
   * or null when it must go through `send`. Options: `binary` (default
   * true); `check`, the payload's bytes, for text that must be checked
   * (text encoded from a string needs none); `compress` (false: this
   * message uncompressed).
   */
  sendHeader(length, options = {}) {
    let check = false;
    if (options.check) {
      const bytes = toBytes(options.check);
      writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
      check = true;
    }
    const flags = options.compress === false ? SEND_NO_COMPRESS : 0;
    const headerLength = this.#raw.sendHeaderInput(options.binary ?? true, length, check, flags);
    return headerLength ? this.#sent(headerLength) : null;
  }
  /** One fragment of a message sent piece by piece; `fin` ends it. */
  sendFragment(data, { binary = typeof data !== 'string', fin = false } = {}) {
    return this.#raw.sendFragment(toBytes(data), binary, fin);
  }
  /** A ping (payload at most 125 bytes). Options: `mask` as for `send`. */
  ping(data, options) {
    return this.#control(false, data, options);
  }
  /** A pong (payload at most 125 bytes). Options: `mask` as for `send`. */
  pong(data, options) {
    return this.#control(true, data, options);
  }
  #control(pong, data, options = {}) {
    const bytes = toBytes(data);
    const flags = sendFlags(options);
    const key = flags >> 1 === MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
    writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
    return this.#sent(this.#raw.sendControlInput(pong, bytes.length, flags, key));
  }
  /**
   * Starts or answers the closing handshake; no code sends no status. The
   * reason is a string or UTF-8 bytes (at most 123). Options: `mask` as for `send`.
   */
  close(code, reason = '', options = {}) {
    const bytes = toBytes(reason);
    const flags = sendFlags(options);
    const key = flags >> 1 === MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
    writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
    return this.#sent(this.#raw.closeInput(code ?? 0, bytes.length, flags, key));
  }
  /** "open" | "closeReceived" | "closing" | "closed" | "failing" | "failed". */
  get state() {
    return this.#raw.state;
  }
  get role() {
    return this.#raw.role;
  }
  get bytesReceived() {
    return this.#raw.bytesReceived;
  }
  free() {
    this.#raw.free();
  }
}

/** Reads an upgrade request as it arrives (see ServerHandshake.push). */
export class ServerHandshake {
  #raw;
  constructor(options) {
    this.#raw = new raw.ServerHandshake(options);
  }
  push(chunk) {
    return this.#raw.push(toBytes(chunk));
  }
  /** Reads the head only: `{ method, path, httpMinor, headers, rest }`, not yet judged (see `validateRequest`). */
  pushHead(chunk) {
    return this.#raw.pushHead(toBytes(chunk));
  }
  free() {
    this.#raw.free();
  }
}

/** The client side of the opening handshake: `request` to send, `push` the answer. */
export class ClientHandshake {
  #raw;
  constructor(options) {
    this.#raw = new raw.ClientHandshake(options);
  }
  get request() {
    return this.#raw.request;
  }
  get key() {
    return this.#raw.key;
  }
  push(chunk) {
    return this.#raw.push(toBytes(chunk));
  }
  /** Checks an answer parsed elsewhere: `status` and `[name, value]` pairs. */
  checkResponse(status, headers) {
    return this.#raw.checkResponse(status, headers);
  }
  free() {
    this.#raw.free();
  }
}

/** Streaming UTF-8 validation (throws WsframeError `invalid_utf8` at the first bad byte). */
export class Utf8Validator {
  #raw = new raw.Utf8Validator();
  push(chunk) {
    this.#raw.push(toBytes(chunk));
  }
  finish() {
    this.#raw.finish();
  }
  reset() {
    this.#raw.reset();
  }
  get position() {
    return this.#raw.position;
  }
  free() {
    this.#raw.free();
  }
}

/** Inflates the messages of one permessage-deflate direction, with context between them. */
export class Inflater {
  #raw;
  constructor(options) {
    this.#raw = new raw.Inflater(options);
  }
  /** Inflates one message's payload (its frames' payloads joined). Throws WsframeError. */
  inflateMessage(payload) {
    return this.#raw.inflateMessage(toBytes(payload));
  }
  free() {
    this.#raw.free();
  }
}

/**
 * Bytes of linear memory the module's one wasm instance holds (every
 * connection of the process shares it). Linear memory cannot shrink; what
 * wsframe frees inside it is reused.
 */
export const wasmMemorySize = () => raw.__memory().buffer.byteLength;

export const deflateOffer = (options) => raw.deflateOffer(options);
export const negotiateDeflate = (offers, options) => raw.negotiateDeflate(offers, options);
export const acceptDeflateResponse = (extensions, options) => raw.acceptDeflateResponse(extensions, options);
export const acceptKey = (key) => raw.acceptKey(key);
export const validateRequest = (parts) => raw.validateRequest(parts);
export const acceptResponse = (request, options) => raw.acceptResponse(request, options);
/**
 * The server's whole answer to a validated request: `{ lines, protocol,
 * extensions, deflate }` (see the README). Options: `protocol` (omitted: the
 * first offered; null: none), `deflate` (permessage-deflate preferences, to
 * negotiate it), `headers`.
 */
export const upgradeAnswer = (request, options) => raw.upgradeAnswer(request, options);
export const rejectResponse = (status, body, headers) => raw.rejectResponse(status, body, headers);
export const rejectionFor = (error) => raw.rejectionFor(error);
export const isValidUtf8 = (bytes) => raw.isValidUtf8(toBytes(bytes));
export const isValidCloseCode = (code) => raw.isValidCloseCode(code);
export const closeCodeName = (code) => raw.closeCodeName(code);
export const parseClosePayload = (payload) => raw.parseClosePayload(toBytes(payload));
/** A close frame's payload; `reason` is a string or UTF-8 bytes. */
export const encodeClosePayload = (code, reason = '') => raw.encodeClosePayload(code, toBytes(reason));
export const inspect = (bytes, options) => raw.inspect(toBytes(bytes), options);

// ----- Engine.IO protocol 3 (engine.io-parser 5 dropped it) -----

const isBinaryValue = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);
const packetData = (data) => (data == null ? undefined : isBinaryValue(data) ? toBytes(data) : String(data));
const packetsFor = (packets) => packets.map((p) => ({ type: p.type, data: packetData(p.data) }));

/**
 * A protocol 3 packet as text (`<digit>[data]`, binary as `b<digit><base64>`),
 * or with `supportsBinary` and binary data as a WebSocket binary message
 * (a type byte, then the bytes).
 */
export function encodePacketV3(packet, { supportsBinary = false } = {}) {
  if (supportsBinary && isBinaryValue(packet.data)) {
    return raw.eioEncodeBinaryMessage(packet.type, toBytes(packet.data), 3);
  }
  return raw.eioEncodePacket(packet.type, packetData(packet.data), 3);
}

/** Decodes a protocol 3 packet (a string, or bytes of a binary message); throws WsframeError. */
export function decodePacketV3(data) {
  return typeof data === 'string' ? raw.eioDecodePacket(data, 3) : raw.eioDecodeBinaryMessage(toBytes(data), 3);
}

/**
 * A protocol 3 polling payload: `<length in UTF-16 units>:<packet>...` as a
 * string, or with `supportsBinary` and binary data the binary form as bytes.
 */
export function encodePayloadV3(packets, { supportsBinary = false } = {}) {
  return raw.eioEncodePayloadV3(packetsFor(packets), supportsBinary);
}

/**
 * Decodes a protocol 3 polling payload (string, or bytes of the binary
 * form): `{ packets, error? }`. `limits`: `{ maxBytes, maxPackets }`.
 */
export function decodePayloadV3(data, limits) {
  return typeof data === 'string'
    ? raw.eioDecodePayload(data, 3, limits)
    : raw.eioDecodePayloadBinary(toBytes(data), limits);
}

// ----- Socket.IO -----

/** Lenient Socket.IO packet parse for display (spans, every diagnostic). */
export const inspectSocketIo = (text, options) => raw.sioInspect(text, options);

/**
 * JSON for Socket.IO data with binary values (ArrayBuffer, views, Blob)
 * replaced by placeholders: `{ json, attachments }`.
 */
export function deconstructSocketIoData(data) {
  const attachments = [];
  const json = stringifyWithAttachments(data, attachments);
  return { json, attachments };
}

/** Parses `json` and puts each attachment where the core's placeholders say. */
export const reconstructSocketIoData = (json, attachments, placeholders) =>
  placeAttachments(JSON.parse(json), attachments, placeholders);

// ----- Engine.IO / Socket.IO server core -----

const OUTPUT_KINDS = [null, 'write', 'end', 'open', 'upgrade', 'close', 'connect', 'event', 'ack', 'disconnect', 'attachment'];

/**
 * The sans-I/O Engine.IO + Socket.IO server: feed it each connection's
 * bytes, call `tick(now)` at `nextDeadline`, carry out `takeOutput()`.
 * Options: pingInterval, pingTimeout, maxPayload, maxPackets,
 * connectTimeout, upgradeTimeout, enginePath, socketioPath, namespaces,
 * maxAttachments, allowEio3, corsOrigin.
 */
export class EngineServerCore {
  #raw;

  constructor(options) {
    if (typeof raw.RawServer !== 'function') {
      throw new Error('EngineServerCore runs in Node: the browser build of wsframe has no server');
    }
    this.#raw = new raw.RawServer(options);
  }

  receive(conn, bytes, now) {
    this.#raw.receive(conn, toBytes(bytes), now);
  }

  closed(conn, now) {
    this.#raw.closed(conn, now);
  }

  tick(now) {
    this.#raw.tick(now);
  }

  /** When `tick` is due (ms), or undefined. */
  get nextDeadline() {
    const at = this.#raw.nextDeadline();
    return at < 0 ? undefined : at;
  }

  get sessionCount() {
    return this.#raw.sessionCount;
  }

  /**
   * Actions in order: `{ kind: 'write', conn, bytes }`, `{ kind: 'end', conn }`,
   * `{ kind: 'open' | 'upgrade' | 'close', sid, ... }` (sessions),
   * `{ kind: 'connect', socket, id, nsp, authJson }`,
   * `{ kind: 'event', socket, nameJson, argsJson, ack, attachments, placeholders }`,
   * `{ kind: 'ack', socket, id, argsJson, attachments, placeholders }`,
   * `{ kind: 'disconnect', socket, reason }`.
   */
  takeOutput() {
    const packed = this.#raw.takeOutput();
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    const actions = [];
    let at = 0;
    while (at + 9 <= packed.length) {
      const kind = OUTPUT_KINDS[packed[at]];
      const id = view.getUint32(at + 1, true);
      const len = view.getUint32(at + 5, true);
      const body = packed.subarray(at + 9, at + 9 + len);
      at += 9 + len;
      if (kind === 'write') actions.push({ kind, conn: id, bytes: body });
      else if (kind === 'end') actions.push({ kind, conn: id });
      else if (kind === 'attachment') actions[actions.length - 1].attachments.push(body);
      else {
        const meta = JSON.parse(decoder.decode(body));
        if (kind === 'event' || kind === 'ack') meta.attachments = [];
        const socket = kind === 'open' || kind === 'upgrade' || kind === 'close' ? {} : { socket: id };
        actions.push({ kind, ...socket, ...meta });
      }
    }
    return actions;
  }

  /** Sends an event; returns its ack id when `wantAck`. */
  emit(socket, nameJson, argsJson, attachments = [], wantAck = false, now = 0) {
    const id = this.#raw.emit(socket, nameJson, argsJson, attachments.map(toBytes), wantAck, now);
    return id < 0 ? undefined : id;
  }

  ack(socket, id, argsJson, attachments = [], now = 0) {
    this.#raw.ack(socket, id, argsJson, attachments.map(toBytes), now);
  }

  disconnect(socket, now = 0) {
    this.#raw.disconnect(socket, now);
  }

  free() {
    this.#raw.free();
  }
}

// ----- Captures (the inspector) -----

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

/** A frame built field by field, valid or not (see the inspector's builder). */
export const buildFrame = (spec, payload) => raw.buildFrame(spec, toBytes(payload));
