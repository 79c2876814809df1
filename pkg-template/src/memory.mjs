// Linear memory as JS sees it: views of it, copies out of it into pooled
// slabs, the scratch buffers calls share, and the packed-result reader.
import { raw } from './raw.mjs';

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
export const hasBuffer = typeof Buffer === 'function' && typeof Buffer.from === 'function';

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
export function wasmMemory() {
  if (memoryBytes.byteLength === 0) {
    memory ??= raw.__memory();
    memoryBytes = new Uint8Array(memory.buffer);
    memoryNode = hasBuffer ? Buffer.from(memory.buffer) : null;
  }
  return memoryBytes;
}

/** All of wasm memory as a Buffer in Node (as bytes elsewhere), current after wasmMemory(). */
export function memoryView() {
  wasmMemory();
  return memoryNode ?? memoryBytes;
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
export function outputBytes(length, buffers = false) {
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
export function copyOf(source, start, end, buffers = false) {
  if (end - start > SLAB_MAX) {
    const copy = Uint8Array.prototype.slice.call(source, start, end);
    return buffers && !(copy instanceof FastBuffer) ? new FastBuffer(copy.buffer) : copy;
  }
  const length = end - start;
  const out = outputBytes(length, buffers);
  // A view for set() costs more than copying a frame header byte by byte.
  if (length <= BYTEWISE_COPY_MAX) for (let i = 0; i < length; i++) out[i] = source[start + i];
  else out.set(source.subarray(start, end));
  return out;
}

// Where copying byte by byte stops being faster than set() over a
// subarray (measured on Node 20: 8 ns against 81 ns for 4 bytes, 53 against
// 81 for 32, 105 against 75 for 64).
const BYTEWISE_COPY_MAX = 32;

/** `Connection.receive`'s copies: plain Uint8Arrays (slab-backed when small). */
export const copyPlain = (memory, start, end) => copyOf(memory, start, end);

/** The parts of a message received in pieces, as one Uint8Array. */
export function joinPlain(parts, length) {
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
export function scratchFor(length) {
  if (length > scratchLength) {
    scratchAt = raw.maskScratchBuffer(length);
    scratchLength = length;
  }
  return scratchAt;
}

/** Copies `bytes` into wasm memory at `ptr` (which the caller just obtained). */
export function writeToWasm(ptr, bytes) {
  wasmMemory().set(bytes, ptr);
}

/**
 * Reads a packed result at `ptr` in wasm memory. Offsets given to `text`
 * and `copy` are relative to the result; `textAt`/`copyAt` take addresses
 * anywhere in memory. Valid until the next call into the module.
 */
export class Packed {
  constructor(ptr) {
    this.at(ptr);
    // For Connection results: the input these bytes came from, and its address.
    this.chunk = null;
    this.inputAt = 0;
  }
  /** Points this reader at another result (one reader serves a connection's calls). */
  at(ptr) {
    this.base = ptr;
    this.memory = wasmMemory();
    this.nodeMemory = memoryNode;
    this.memoryView = memoryNode ?? this.memory;
    return this;
  }
  u8(at) {
    return this.memory[this.base + at];
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

/**
 * Bytes of linear memory the module's one wasm instance holds (every
 * connection of the process shares it). Linear memory cannot shrink; what
 * wsframe frees inside it is reused.
 */
export const wasmMemorySize = () => raw.__memory().buffer.byteLength;
