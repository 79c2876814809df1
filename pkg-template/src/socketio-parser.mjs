// socket.io-parser 4 (protocol 5), same exports and behaviour, over the
// Rust codec: `new Server({ parser })` (socket.io) and `io(url, { parser })`
// (socket.io-client) take this module. The packet grammar, validation,
// attachment counting and placeholder checks run in Rust; JS keeps what
// only JS can hold (values, Buffers, Blobs) and puts attachments where the
// core says they go. Stricter than socket.io-parser: placeholder `num` must
// be an integer below the attachment count (checked before the attachments
// arrive), ack ids and counts are plain digits.
import { raw } from './raw.mjs';
import { hasBinary, isBinary, placeAttachments, stringifyWithAttachments } from './socketio-data.mjs';

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

// Headers of packets without id or attachment count, as the core wrote them.
const plainHeaders = new Map();

function plainHeader(obj) {
  if (obj.id != null || obj.attachments !== undefined || typeof obj.nsp !== 'string') return undefined;
  const key = `${obj.type}\u0000${obj.nsp}`;
  let header = plainHeaders.get(key);
  if (header === undefined) {
    header = raw.sioEncodeHeader(obj.type, obj.nsp, undefined, undefined);
    if (plainHeaders.size < 1024) plainHeaders.set(key, header);
  }
  return header;
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
      return [raw.sioEncodeHeader(type, obj.nsp, obj.id, buffers.length) + json, ...buffers];
    }
    // The header the core writes; the JSON data follows it as it is.
    const header = plainHeader(obj) ?? raw.sioEncodeHeader(obj.type, obj.nsp, obj.id, obj.attachments);
    return [obj.data == null ? header : header + JSON.stringify(obj.data, this.replacer)];
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

/** What socket.io-parser throws when the data is not JSON (or the reviver fails). */
function parseData(text, reviver) {
  try {
    return JSON.parse(text, reviver);
  } catch (cause) {
    throw Object.assign(new Error('invalid payload'), { code: 'socketio_invalid_packet', detail: String(cause) });
  }
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
      this.#pending = null;
      const [type, attachments, nspStart, nspEnd, id, dataStart] = this.#core.addText(obj);
      const packet = { type, nsp: nspStart < 0 ? '/' : obj.substring(nspStart, nspEnd) };
      if (id >= 0) packet.id = id;
      if (dataStart >= 0) packet.data = parseData(obj.substring(dataStart), this.opts.reviver);
      if (attachments > 0) {
        this.#pending = { packet, placeholders: this.#core.placeholders(), buffers: [] };
      } else {
        this.emitReserved('decoded', packet);
      }
    } else if (isBinary(obj) || obj?.base64) {
      const complete = this.#core.addBinary();
      this.#pending.buffers.push(obj);
      if (complete) {
        const { packet, placeholders, buffers } = this.#pending;
        this.#pending = null;
        packet.data = placeAttachments(packet.data, buffers, placeholders);
        this.emitReserved('decoded', packet);
      }
    } else {
      throw new Error(`Unknown type: ${obj}`);
    }
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
