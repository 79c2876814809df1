// The WebSocket codec: frames, the Connection state machine, handshakes,
// UTF-8, permessage-deflate and close payloads. The rules are the core's;
// this file converts types and reads the packed results of the two hot
// paths (Connection.receive and FrameDecoder.push), which cross into wasm
// once per chunk.
import { checkAlive, guardMethods, raw, trapFrom } from './raw.mjs';
import {
  CONNECTION_COUNT_AT,
  CONNECTION_EVENT_A_AT,
  CONNECTION_EVENT_B_AT,
  CONNECTION_EVENT_BINARY,
  CONNECTION_EVENT_CLOSE,
  CONNECTION_EVENT_END,
  CONNECTION_EVENT_ERROR,
  CONNECTION_EVENT_LEN,
  CONNECTION_EVENT_PIECE,
  CONNECTION_EVENT_PING,
  CONNECTION_EVENT_TEXT,
  CONNECTION_FLAG_PENDING,
  CONNECTION_FLAGS_AT,
  CONNECTION_HEADER_LEN,
  CONNECTION_OUTPUT_AT,
  CONNECTION_OUTPUT_LEN_AT,
  FRAMES_FIRST_BYTE_AT,
  FRAMES_HEADER_LEN,
  FRAMES_HEADER_LEN_AT,
  FRAMES_KEY_AT,
  FRAMES_MASKED_AT,
  FRAMES_OFFSET_AT,
  FRAMES_PAYLOAD_AT,
  FRAMES_PAYLOAD_LEN_AT,
  HEADER_PACKED_BYTES_SCALE,
  HEADER_PACKED_INLINE,
  HEADER_PACKED_LEN_MASK,
  SEND_MASK_KEY,
  SEND_MASK_NONE,
  SEND_MASK_RANDOM,
  SEND_MASK_SHIFT,
  SEND_NO_COMPRESS,
} from './layout.mjs';
import {
  Packed,
  copyOf,
  copyPlain,
  decoder,
  encoder,
  hasBuffer,
  joinPlain,
  memoryView,
  outputBytes,
  scratchFor,
  toBytes,
  wasmMemory,
  writeToWasm,
} from './memory.mjs';

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

const UNMASKED = Object.freeze([0, 0]);
const RANDOM_MASK = Object.freeze([2, 0]);

/** [mode, key]: mode 0 unmasked, 1 with `key` (a little-endian u32), 2 with a random key. */
function maskOf(mask) {
  if (mask === true) return RANDOM_MASK;
  if (!mask) return UNMASKED;
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
    const packed = hot(raw.encodeHeaderPacked(opcode, bytes.length, fin, rsvOf(options), 0, 0));
    const headerLength = packed & HEADER_PACKED_LEN_MASK;
    const frame = writePackedHeader(outputBytes(headerLength + bytes.length), packed, headerLength);
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
  const masking = maskOf(options.mask);
  const packed = hot(raw.encodeHeaderPacked(opcode, payloadLength, options.fin ?? true, rsvOf(options), masking[0], masking[1]));
  const headerLength = packed & HEADER_PACKED_LEN_MASK;
  return writePackedHeader(outputBytes(headerLength), packed, headerLength);
}

/** Writes the header encodeHeaderPacked returned (`packed`, `length` bytes) at the start of `out`. */
function writePackedHeader(out, packed, length) {
  if ((packed & HEADER_PACKED_INLINE) === 0) return copyScratchHeader(out, length);
  // A short header comes back in the number: a big-endian u32.
  const bytes = Math.floor(packed / HEADER_PACKED_BYTES_SCALE);
  out[0] = bytes >>> 24;
  out[1] = (bytes >>> 16) & 0xff;
  if (length > 2) {
    out[2] = (bytes >>> 8) & 0xff;
    out[3] = bytes & 0xff;
  }
  return out;
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

/** The result of a hot call that returns -1 for an error (kept by the core): the length, or the error thrown. */
function hot(length) {
  if (length < 0) throw raw.takeCallError();
  return length;
}

/** A send call's flags (layout.mjs): compression off, and the masking asked for. */
function sendFlags(options) {
  let flags = options.compress === false ? SEND_NO_COMPRESS : 0;
  const mask = options.mask;
  if (mask === false) flags |= SEND_MASK_NONE << SEND_MASK_SHIFT;
  else if (mask === true) flags |= SEND_MASK_RANDOM << SEND_MASK_SHIFT;
  else if (mask !== undefined && mask !== null) flags |= SEND_MASK_KEY << SEND_MASK_SHIFT;
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
    this.#raw.push(toBytes(chunk));
    const p = new Packed(this.#raw.resultPtr());
    const count = p.u32(0);
    const frames = new Array(count);
    let at = FRAMES_HEADER_LEN;
    for (let i = 0; i < count; i++) {
      const b0 = p.u8(at + FRAMES_FIRST_BYTE_AT);
      const masked = p.u8(at + FRAMES_MASKED_AT) === 1;
      const payloadLength = p.u32(at + FRAMES_PAYLOAD_LEN_AT);
      const start = at + FRAMES_PAYLOAD_AT;
      frames[i] = {
        fin: (b0 & 0x80) !== 0,
        rsv1: (b0 & 0x40) !== 0,
        rsv2: (b0 & 0x20) !== 0,
        rsv3: (b0 & 0x10) !== 0,
        opcode: b0 & 0x0f,
        opcodeName: OPCODE_NAMES[b0 & 0x0f] ?? 'reserved',
        masked,
        maskKey: masked ? p.copy(at + FRAMES_KEY_AT, at + FRAMES_KEY_AT + 4) : null,
        headerLength: p.u32(at + FRAMES_HEADER_LEN_AT),
        offset: p.u32(at + FRAMES_OFFSET_AT) + p.u32(at + FRAMES_OFFSET_AT + 4) * 2 ** 32,
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
    // The core allows and ignores `buffers`: no copy of the options (and no
    // `delete`, which would turn one into a slow dictionary) per connection.
    this.#buffers = !!options?.buffers && hasBuffer;
    checkAlive();
    try {
      this.#raw = new raw.RawConnection(options);
    } catch (err) {
      throw trapFrom(err);
    }
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
      if (type > CONNECTION_EVENT_BINARY) events.push(type, copy(p.memoryView, inline, inline + a, null, -1), type === CONNECTION_EVENT_CLOSE ? b : 0);
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
        case CONNECTION_EVENT_TEXT:
          events.push({ type: 'text', data: parts ? decoder.decode(joinPlain(parts, length)) : p.textAt(a, a + b) });
          break;
        case CONNECTION_EVENT_BINARY:
          events.push({ type: 'binary', data: parts ? joinPlain(parts, length) : p.copyAt(a, a + b) });
          break;
        case CONNECTION_EVENT_CLOSE:
          events.push({ type: 'close', code: b, reason: p.textAt(inline, inline + a) });
          break;
        default:
          events.push({ type: type === CONNECTION_EVENT_PING ? 'ping' : 'pong', data: p.copyAt(inline, inline + a) });
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
    this.#inflated.push(this.#copy(memoryView(), at, at + length, null, -1));
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
    // The glue's RawConnection is left unguarded for speed: its calls are
    // guarded here, once per chunk, and per call elsewhere (guardMethods below).
    checkAlive();
    try {
      return this.#readChunk(chunk, copy, onEvent);
    } catch (err) {
      throw trapFrom(err);
    }
  }
  #readChunk(chunk, copy, onEvent) {
    const bytes = toBytes(chunk);
    const inputAt = this.#raw.inputBuffer(bytes.length);
    writeToWasm(inputAt, bytes);
    this.#copy = copy;
    hot(this.#raw.receiveInputOrMinus(bytes.length, this.#onPiece));
    const ptr = this.#raw.resultPtr();
    const p = packedReader ? packedReader.at(ptr) : (packedReader = new Packed(ptr));
    p.chunk = bytes;
    p.inputAt = inputAt;
    const count = p.u32(CONNECTION_COUNT_AT);
    const outputAt = p.u32(CONNECTION_OUTPUT_AT);
    const outputLength = p.u32(CONNECTION_OUTPUT_LEN_AT);
    const pending = (p.u32(CONNECTION_FLAGS_AT) & CONNECTION_FLAG_PENDING) !== 0;
    let error = null;
    let at = CONNECTION_HEADER_LEN;
    for (let i = 0; i < count; i++) {
      const type = p.u8(at);
      const a = p.u32(at + CONNECTION_EVENT_A_AT);
      const b = p.u32(at + CONNECTION_EVENT_B_AT);
      at += CONNECTION_EVENT_LEN;
      if (type === CONNECTION_EVENT_TEXT || type === CONNECTION_EVENT_BINARY) {
        onEvent(p, type, a, b, 0, null, b);
      } else if (type === CONNECTION_EVENT_PIECE) {
        this.#pieces.push(copy(p.memoryView, a, a + b, bytes, a - inputAt));
        this.#piecesLength += b;
      } else if (type === CONNECTION_EVENT_END) {
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
      } else if (type === CONNECTION_EVENT_ERROR) {
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
    const key = flags >> SEND_MASK_SHIFT === SEND_MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
    const binary = options.binary ?? typeof data !== 'string';
    if (options.fin === false || this.#fragmenting) {
      const bytes = typeof data === 'string' ? encoder.encode(data) : toBytes(data);
      const fin = options.fin !== false;
      // Later fragments continue the message whatever their own type: its first fragment set it.
      const type = this.#fragmenting ? this.#fragmentBinary : binary;
      checkAlive();
      let length;
      try {
        writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
        length = this.#raw.sendFragmentInput(type, bytes.length, fin, flags, key);
      } catch (err) {
        throw trapFrom(err);
      }
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
  /**
   * One whole message with the connection's defaults (masked as the role
   * requires, compressed when agreed): `send(data, { binary })` without an
   * options object to read, for hot paths.
   */
  sendMessage(data, binary = typeof data !== 'string') {
    if (this.#fragmenting) return this.send(data, { binary });
    if (typeof data === 'string' && !binary) return this.#sendString(data, 0, 0, 0);
    return this.#sendBytes(toBytes(data), binary, 0, 0, 0);
  }
  sendBinary(data, maxFrameSize = 0) {
    return this.#sendBytes(toBytes(data), true, maxFrameSize, 0, 0);
  }
  // Both send paths put the payload in the connection's input buffer and
  // copy the frames out once: no allocation in wasm per message.
  #sendBytes(bytes, binary, maxFrameSize, flags, key) {
    checkAlive();
    try {
      writeToWasm(this.#raw.inputBuffer(bytes.length), bytes);
      return this.#sent(hot(this.#raw.sendInputOrMinus(binary, bytes.length, maxFrameSize, flags, key)));
    } catch (err) {
      throw trapFrom(err);
    }
  }
  #sendString(text, maxFrameSize, flags, key) {
    checkAlive();
    try {
      return this.#sendStringUnguarded(text, maxFrameSize, flags, key);
    } catch (err) {
      throw trapFrom(err);
    }
  }
  #sendStringUnguarded(text, maxFrameSize, flags, key) {
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
    return this.#sent(hot(this.#raw.sendInputOrMinus(false, written, maxFrameSize, flags, key)));
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
    const key = flags >> SEND_MASK_SHIFT === SEND_MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
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
    const key = flags >> SEND_MASK_SHIFT === SEND_MASK_KEY ? keyAsNumber(checkedKey(options.mask)) : 0;
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

// The glue's RawConnection is left unguarded (see raw.mjs): the paths that
// read and send whole messages guard themselves, once per call, above;
// every other method is guarded here.
guardMethods(Connection, ['receiveRaw', 'receive', 'send', 'sendText', 'sendMessage', 'sendBinary']);

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

export const deflateOffer = (options) => raw.deflateOffer(options);
export const negotiateDeflate = (offers, options) => raw.negotiateDeflate(offers, options);
export const acceptDeflateResponse = (extensions, options) => raw.acceptDeflateResponse(extensions, options);
export const acceptKey = (key) => raw.acceptKey(key);
export const validateRequest = (parts) => raw.validateRequest(parts);
/**
 * Validates an upgrade request as `validateRequest` does and returns only
 * what the answer depends on, `{ key, protocols, extensions }` (enough for
 * `upgradeAnswer` and `acceptResponse`): for servers that keep the head.
 */
export const upgradeOffer = (parts) => raw.upgradeOffer(parts);
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
