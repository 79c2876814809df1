// socket.io-parser 4 (protocol 5), same exports and behaviour, over the
// Rust codec: `new Server({ parser })` (socket.io) and `io(url, { parser })`
// (socket.io-client) take this module. The packet grammar, validation,
// attachment counting and the placeholder rule run in Rust; JS parses the
// JSON, keeps what only JS can hold (values, Buffers, Blobs), asks the core
// about each object that may be a placeholder and puts attachments where
// it says. Stricter than socket.io-parser: placeholder `num` must
// be an integer below the attachment count (checked before the attachments
// arrive), ack ids and counts are plain digits.
import { raw } from './raw.mjs';
import { wasmMemory } from './memory.mjs';
import { hasBinary, isBinary, stringifyWithAttachments } from './socketio-data.mjs';

export const protocol = 5;

export const PacketType = Object.freeze({
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
  0: 'CONNECT',
  1: 'DISCONNECT',
  2: 'EVENT',
  3: 'ACK',
  4: 'CONNECT_ERROR',
  5: 'BINARY_EVENT',
  6: 'BINARY_ACK',
});

// The starts of headers the core wrote, `<type>[<attachments>-][<nsp>,]`,
// per namespace: the ack id's digits and the JSON follow them.
const headerStarts = new Map();
const MAX_CACHED_NAMESPACES = 1024;

function headerStart(type, nsp, attachments) {
  const name = nsp ?? '/';
  const count = attachments ?? 0;
  if (typeof name !== 'string' || !(Number.isInteger(type) && type >= 0 && type < 16) || !(Number.isInteger(count) && count >= 0 && count < 16)) {
    return raw.sioHeaderBeforeId(type, name, count); // throws what the core refuses
  }
  let starts = headerStarts.get(name);
  if (starts === undefined) {
    starts = new Array(256);
    if (headerStarts.size < MAX_CACHED_NAMESPACES) headerStarts.set(name, starts);
  }
  return (starts[type * 16 + count] ??= raw.sioHeaderBeforeId(type, name, count));
}

/** A packet's header: the core's start, then the ack id (checked by the core unless a plain one). */
function header(type, nsp, id, attachments) {
  const binary = type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
  if (binary && attachments == null) return raw.sioEncodeHeader(type, nsp, id, attachments); // throws: the count is missing
  if (id == null) return headerStart(type, nsp, attachments);
  if (Number.isSafeInteger(id) && id >= 0) return headerStart(type, nsp, attachments) + id;
  return raw.sioEncodeHeader(type, nsp, id, attachments);
}

export class Encoder {
  constructor(replacer) {
    this.replacer = replacer;
  }

  /** A packet as the list of Engine.IO messages that carry it. */
  encode(obj) {
    if ((obj.type === PacketType.EVENT || obj.type === PacketType.ACK) && hasBinary(obj.data)) {
      const buffers = [];
      const json = stringifyWithAttachments(obj.data, buffers, this.replacer);
      const type = obj.type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
      return [header(type, obj.nsp, obj.id, buffers.length) + json, ...buffers];
    }
    const start = header(obj.type, obj.nsp, obj.id, obj.attachments);
    return [obj.data == null ? start : start + JSON.stringify(obj.data, this.replacer)];
  }
}

/** The subset of @socket.io/component-emitter the libraries use. */
class Emitter {
  #listeners = new Map();

  on(event, fn) {
    const list = this.#listeners.get(event) ?? [];
    list.push(fn);
    this.#listeners.set(event, list);
    return this;
  }

  addEventListener(event, fn) {
    return this.on(event, fn);
  }

  once(event, fn) {
    const wrapper = (...args) => {
      this.off(event, wrapper);
      fn.apply(this, args);
    };
    wrapper.fn = fn;
    return this.on(event, wrapper);
  }

  off(event, fn) {
    if (event === undefined) {
      this.#listeners.clear();
      return this;
    }
    if (fn === undefined) {
      this.#listeners.delete(event);
      return this;
    }
    const list = this.#listeners.get(event) ?? [];
    const at = list.findIndex((l) => l === fn || l.fn === fn);
    if (at >= 0) list.splice(at, 1);
    return this;
  }

  removeListener(event, fn) {
    return this.off(event, fn);
  }

  removeAllListeners(event) {
    return this.off(event);
  }

  removeEventListener(event, fn) {
    return this.off(event, fn);
  }

  emit(event, ...args) {
    for (const fn of [...(this.#listeners.get(event) ?? [])]) fn.apply(this, args);
    return this;
  }

  emitReserved(event, ...args) {
    return this.emit(event, ...args);
  }

  listeners(event) {
    return [...(this.#listeners.get(event) ?? [])];
  }

  hasListeners(event) {
    return (this.#listeners.get(event) ?? []).length > 0;
  }
}

/**
 * The error socket.io-parser throws for the fault the core found: its
 * message, with wsframe's finding kept in `code`, `offset` and `detail`.
 */
function asUpstreamError(error) {
  if (typeof error?.code !== 'string' || error.name !== 'WsframeError') return error;
  const upstream = new Error(error.upstreamMessage ?? error.message);
  upstream.code = error.code;
  upstream.offset = error.offset;
  upstream.detail = error.message;
  return upstream;
}

/** What socket.io-parser throws when the data is not JSON or not of the packet's shape. */
function invalidPayload(detail) {
  return Object.assign(new Error('invalid payload'), { code: 'socketio_invalid_packet', detail });
}

// Headers are short: the core reads them from the first units of a packet,
// copied into its header input as bytes while they are ASCII, and sees the
// whole text only when a header runs further.
const HEADER_GUESS = 12;
let headerInput = null;
let headerView = new Float64Array(0);

// What the core read from two-unit prefixes (`c0 * 128 + c1`, ASCII) that
// decide a header on their own, as "2[" does: a prefix the core reads as
// complete (`truncated` set) has that header whatever follows. null: the
// prefix does not decide it (or is refused: the core then says why).
const prefixHeaders = new Array(128 * 128);

function writeHeaderInput(text, limit) {
  headerInput ??= raw.sioHeaderInput();
  const at = headerInput[0];
  const m = wasmMemory();
  let n = 0;
  for (const end = Math.min(limit, text.length, headerInput[1]); n < end; n++) {
    const unit = text.charCodeAt(n);
    if (unit > 0x7f) break;
    m[at + n] = unit;
  }
  return n;
}

function headerRead() {
  // A view of linear memory is emptied when it grows.
  if (headerView.length === 0) headerView = new Float64Array(raw.__memory().buffer, raw.sioHeaderPtr(), 6);
  return headerView;
}

function prefixHeader(text, key) {
  let found = null;
  try {
    if (writeHeaderInput(text, 2) === 2 && raw.sioScanHeaderInput(2, true, 0)) {
      const header = headerRead();
      if (header[0] !== PacketType.BINARY_EVENT && header[0] !== PacketType.BINARY_ACK) found = Float64Array.from(header);
    }
  } catch {
    // refused: scanHeader asks the core about the whole packet, which throws
  }
  prefixHeaders[key] = found;
  return found;
}

/** The core's reading of a text packet's header: [type, attachments, nspStart, nspEnd, id, dataStart]. */
function scanHeader(text, maxAttachments) {
  if (text.length > 2) {
    const c0 = text.charCodeAt(0);
    const c1 = text.charCodeAt(1);
    if (c0 < 128 && c1 < 128) {
      const key = c0 * 128 + c1;
      const known = prefixHeaders[key];
      const header = known === undefined ? prefixHeader(text, key) : known;
      if (header !== null) return header;
    }
  }
  const n = writeHeaderInput(text, HEADER_GUESS);
  if (!raw.sioScanHeaderInput(n, n < text.length, maxAttachments)) raw.sioScanHeader(text, false, maxAttachments);
  return headerRead();
}

// The core's shape rule, tabulated once over what JS can tell of a parsed
// value: its kind, its first element's kind, whether that is a reserved name.
let shapes = null;

function shapeTable() {
  const kinds = raw.sioValueKinds();
  const codes = new Map(kinds.map((name, code) => [name, code]));
  const allowed = new Uint8Array(7 * kinds.length * (kinds.length + 1) * 2);
  let at = 0;
  for (let type = 0; type < 7; type++) {
    for (let data = 0; data < kinds.length; data++) {
      for (let first = 0; first <= kinds.length; first++) {
        for (const reserved of [false, true]) allowed[at++] = raw.sioShapeAllowed(type, data, first, reserved) ? 1 : 0;
      }
    }
  }
  const kindOf = (value) => (value === null ? codes.get('null') : Array.isArray(value) ? codes.get('array') : codes.get(typeof value));
  return { allowed, kindOf, width: kinds.length, array: codes.get('array'), nullCode: codes.get('null'), reserved: new Set(raw.sioReservedEvents()) };
}

/** Whether `data` (as parsed, and revived) has the shape a packet of `type` carries. */
function shapeAllowed(type, data) {
  shapes ??= shapeTable();
  const { allowed, kindOf, width, reserved } = shapes;
  const kind = kindOf(data);
  if (kind === undefined) return false; // undefined, a function: what a reviver may return
  let first = 0;
  let isReserved = 0;
  if (kind === shapes.array && data.length > 0) {
    // Whatever JSON cannot hold acts as null does: never an event name.
    first = (kindOf(data[0]) ?? shapes.nullCode) + 1;
    isReserved = typeof data[0] === 'string' && reserved.has(data[0]) ? 1 : 0;
  }
  return allowed[((type * width + kind) * (width + 1) + first) * 2 + isReserved] === 1;
}

/**
 * Where the attachments of a binary packet go in its parsed data, as
 * `[parent, key, num, …]` (parent null: the data itself): each object that
 * has a `_placeholder` member is put to the core, which says whether it is
 * a placeholder and which of `count` attachments it names, or throws. A
 * placeholder is replaced whole, so what it holds is not searched.
 */
function findPlaceholders(data, count) {
  const found = [];
  visit(data, null, null, count, found, 0);
  return found;
}

// Deeper than this, the walk goes on with a stack of its own: the data may
// nest deeper than calls can.
const MAX_CALL_DEPTH = 256;

function visit(value, parent, key, count, found, depth) {
  if (value === null || typeof value !== 'object') return;
  if (depth === MAX_CALL_DEPTH) {
    visitDeep(value, parent, key, count, found);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visit(value[i], value, i, count, found, depth + 1);
    return;
  }
  if (value._placeholder !== undefined && isPlaceholder(value, parent, key, count, found)) return;
  for (const k in value) if (Object.hasOwn(value, k)) visit(value[k], value, k, count, found, depth + 1);
}

function visitDeep(data, parent, key, count, found) {
  const stack = [data, parent, key];
  while (stack.length > 0) {
    const k = stack.pop();
    const p = stack.pop();
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i], value, i);
      continue;
    }
    if (value._placeholder !== undefined && isPlaceholder(value, p, k, count, found)) continue;
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) stack.push(value[keys[i]], value, keys[i]);
  }
}

function isPlaceholder(value, parent, key, count, found) {
  const num = raw.sioPlaceholderIndex(value._placeholder, typeof value.num === 'number' ? value.num : NaN, count);
  if (num === -2) throw raw.sioIllegalPlaceholder(value.num, count);
  if (num < 0) return false;
  found.push(parent, key, num);
  return true;
}

/** The data with each attachment where `findPlaceholders` found its placeholder. */
function putAttachments(data, buffers, placeholders) {
  for (let i = 0; i < placeholders.length; i += 3) {
    const parent = placeholders[i];
    const key = placeholders[i + 1];
    const attachment = buffers[placeholders[i + 2]];
    if (parent === null) data = attachment;
    // defineProperty: a "__proto__" key stays an own property.
    else if (key === '__proto__') Object.defineProperty(parent, key, { value: attachment, writable: true, enumerable: true, configurable: true });
    else parent[key] = attachment;
  }
  return data;
}

export class Decoder extends Emitter {
  #core;
  #pending = null;

  constructor(opts) {
    super();
    this.opts = { reviver: undefined, maxAttachments: 10, ...(typeof opts === 'function' ? { reviver: opts } : opts) };
    this.#core = new raw.SioDecoderCore({ maxAttachments: this.opts.maxAttachments });
  }

  /** One Engine.IO message: a string, or an attachment. Emits "decoded". */
  add(obj) {
    try {
      this.#add(obj);
    } catch (error) {
      throw asUpstreamError(error);
    }
  }

  #add(obj) {
    if (typeof obj === 'string') {
      if (this.#pending === null) {
        this.#addText(obj);
        return;
      }
      this.#pending = null;
      this.#core.addText(obj); // throws: attachments were awaited
    } else if (isBinary(obj) || obj?.base64) {
      const complete = this.#core.addBinary();
      this.#pending.buffers.push(obj);
      if (complete) {
        const { packet, placeholders, buffers } = this.#pending;
        this.#pending = null;
        packet.data = putAttachments(packet.data, buffers, placeholders);
        this.emitReserved('decoded', packet);
      }
    } else {
      throw new Error(`Unknown type: ${obj}`);
    }
  }

  /**
   * A text packet, its header read by the core from the first units of
   * the text and its data parsed once, here; a binary packet's
   * placeholders are found in the parsed data, each judged by the core.
   */
  #addText(text) {
    const header = scanHeader(text, this.opts.maxAttachments);
    const readType = header[0];
    const binary = readType === PacketType.BINARY_EVENT || readType === PacketType.BINARY_ACK;
    const type = readType === PacketType.BINARY_EVENT ? PacketType.EVENT : readType === PacketType.BINARY_ACK ? PacketType.ACK : readType;
    const packet = { type, nsp: header[2] < 0 ? '/' : text.substring(header[2], header[3]) };
    if (header[4] >= 0) packet.id = header[4];
    const dataStart = header[5];
    if (dataStart >= 0) {
      let data;
      try {
        data = JSON.parse(text.substring(dataStart), this.opts.reviver);
      } catch (cause) {
        this.#refuse(text, String(cause));
      }
      if (!shapeAllowed(readType, data)) this.#refuse(text, `the data of a ${PacketType[readType]} packet has the wrong shape`);
      packet.data = data;
    }
    if (!binary) {
      this.emitReserved('decoded', packet);
      return;
    }
    const attachments = header[1];
    let placeholders;
    try {
      placeholders = findPlaceholders(packet.data, attachments);
    } catch (error) {
      this.#refuse(text, error);
    }
    this.#core.awaitAttachments(readType, attachments);
    this.#pending = { packet, placeholders, buffers: [] };
  }

  /**
   * Throws for a packet whose data JS found wrong: the core's error, with
   * its offset and detail, when the core refuses the text too (otherwise
   * the reviver made the data wrong, and `reason` is thrown: an error, or
   * the detail of an "invalid payload").
   */
  #refuse(text, reason) {
    this.#core.addText(text);
    this.#core.reset();
    throw typeof reason === 'string' ? invalidPayload(reason) : reason;
  }

  /** Drops a packet whose attachments were awaited. */
  destroy() {
    this.#core.reset();
    this.#pending = null;
  }
}

/** socket.io-parser's check of a packet before it is sent. */
export function isPacketValid(packet) {
  let json;
  try {
    json = packet.data === undefined ? undefined : JSON.stringify(packet.data);
  } catch {
    return false;
  }
  return raw.sioIsPacketValid(packet.type, typeof packet.nsp === 'string', packet.id, json);
}
