// socket.io's `parser` option: the application's own Socket.IO wire format
// (socket.io-msgpack-parser, a JSON parser, …), any module with
// socket.io-parser's `Encoder` and `Decoder`. The core hands each Engine.IO
// message of a Socket.IO session to that session's Decoder here, as it
// arrives, and is told each packet's type, namespace and ack id, so that
// socket.io's rules (namespaces, pending CONNECTs, awaited acks, closing
// on a bad packet) stay in Rust while the data, which only the parser
// understands, stays in JS under a token until the core says which socket
// it is for. What wsframe sends is encoded by the parser: events and acks
// here, the core's own CONNECT answers, CONNECT_ERRORs and DISCONNECTs
// through the codec it is given.
import { EventEmitter } from 'node:events';
import * as defaultParser from '../socketio-parser.mjs';

const CONNECT = 0;
const EVENT = 2;
const ACK = 3;
const CONNECT_ERROR = 4;
const BINARY_EVENT = 5;
const BINARY_ACK = 6;

/**
 * Whether `parser` needs this path: any parser but wsframe's own
 * socket.io-parser (the core's format).
 */
export function isCustomParser(parser) {
  if (parser === undefined) return false;
  if (typeof parser?.Encoder !== 'function' || typeof parser?.Decoder !== 'function') {
    throw new TypeError('The "parser" option is a module with an Encoder and a Decoder class, as socket.io-parser');
  }
  return parser.Encoder !== defaultParser.Encoder;
}

/** Encoded packets as the core takes them: strings, and Uint8Arrays for binary. */
function messagesOf(encoded) {
  if (!Array.isArray(encoded)) throw new TypeError('the parser\'s Encoder#encode returns an array of strings and buffers');
  return encoded.map((m) => (typeof m === 'string' || m instanceof Uint8Array ? m : ArrayBuffer.isView(m) ? new Uint8Array(m.buffer, m.byteOffset, m.byteLength) : new Uint8Array(m)));
}

/** What the core needs of a decoded packet, or null when it breaks socket.io-parser's shape. */
function headerOf(packet, token) {
  const { type, nsp, id } = packet ?? {};
  if (!Number.isInteger(type) || type < CONNECT || type > BINARY_ACK || typeof nsp !== 'string') return null;
  if (id !== undefined && id !== null && !(Number.isSafeInteger(id) && id >= 0)) return null;
  return [type, nsp, id ?? undefined, token];
}

export class CustomParserWire {
  /** Each session's Decoder, by session id (made on its first message). */
  #decoders = new Map();
  /** Decoded packets (and decoding errors, with their session) by token, until the core has placed them. */
  #pending = new Map();
  #nextToken = 0;
  /** What the Decoder being fed emitted. */
  #completed = [];
  /** A CONNECT's auth as the parser decoded it, by socket, until its connect record takes it. */
  #auth = new Map();
  /** The data of the CONNECT_ERROR being refused, as the application gave it. */
  #refusal = undefined;

  constructor(server, parser) {
    this.server = server;
    this.parser = parser;
    // socket.io's `io.encoder`: one for every packet the server sends.
    this.encoder = new parser.Encoder();
  }

  /** Hands the core the codec: the parser's Encoder and one Decoder per session. */
  install(core) {
    core.setPacketCodec({
      encode: (type, nsp, id, dataJson) => this.#encodeOwn(type, nsp, id, dataJson),
      decode: (sid, data) => this.#decode(sid, data),
      closed: (sid) => this.#closed(sid),
    });
  }

  /** A packet as socket.io builds it (its keys in socket.io's order, which a parser may keep), encoded. */
  encode(packet) {
    return messagesOf(this.encoder.encode(packet));
  }

  #encodeOwn(type, nsp, id, dataJson) {
    const data = type === CONNECT_ERROR && this.#refusal !== undefined ? this.#refusal.data : dataJson === undefined ? undefined : JSON.parse(dataJson);
    const packet = data === undefined ? { type } : { type, data };
    packet.nsp = nsp;
    if (id !== undefined) packet.id = id;
    return this.encode(packet);
  }

  /** Refuses a pending socket with `data` as CONNECT_ERROR's payload (encoded as given, not through JSON). */
  refuse(core, handle, data, now) {
    this.#refusal = { data };
    try {
      core.refuse(handle, JSON.stringify(data) ?? 'null', now);
    } finally {
      this.#refusal = undefined;
    }
  }

  #token(entry) {
    const token = this.#nextToken;
    this.#nextToken = (this.#nextToken + 1) % 0xffffffff;
    this.#pending.set(token, entry);
    return token;
  }

  /** A message of session `sid`, through its Decoder: the packets it completed, or an error's token. */
  #decode(sid, data) {
    let decoder = this.#decoders.get(sid);
    if (!decoder) {
      decoder = new this.parser.Decoder();
      decoder.on('decoded', (packet) => this.#completed.push(packet));
      this.#decoders.set(sid, decoder);
    }
    this.#completed = [];
    try {
      decoder.add(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      return this.#token({ sid, error: err });
    }
    const headers = [];
    for (const packet of this.#completed) {
      const token = this.#token({ packet });
      const header = headerOf(packet, token);
      if (header === null) {
        for (const taken of [...headers.map((h) => h[3]), token]) this.#pending.delete(taken);
        return this.#token({ sid, error: new Error('invalid packet') });
      }
      headers.push(header);
    }
    return headers;
  }

  #closed(sid) {
    const decoder = this.#decoders.get(sid);
    this.#decoders.delete(sid);
    decoder?.destroy?.();
  }

  /**
   * The core placed a decoded packet: its data goes to `socket` (an
   * event's, an ack's, a CONNECT's auth), or a decoding error is told as
   * socket.io's `Client.onerror` tells it (the session is closing).
   */
  decoded({ token, socket: handle }) {
    const entry = this.#pending.get(token);
    this.#pending.delete(token);
    if (!entry) return;
    if (entry.error) {
      const client = this.server._clients.get(entry.sid);
      if (client) for (const socket of client.sockets.values()) EventEmitter.prototype.emit.call(socket, 'error', entry.error);
      return;
    }
    const { packet } = entry;
    if (handle === undefined) return;
    switch (packet.type) {
      case CONNECT:
        // Before the connect record that follows, which takes it.
        this.#auth.set(handle, packet.data ?? {});
        break;
      case EVENT:
      case BINARY_EVENT:
        this.server._sockets.get(handle)?._onevent({ args: Array.isArray(packet.data) ? packet.data : [], ack: packet.id ?? null });
        break;
      case ACK:
      case BINARY_ACK:
        this.server._sockets.get(handle)?._onack({ id: packet.id, args: Array.isArray(packet.data) ? packet.data : [] });
        break;
    }
  }

  /** The auth a CONNECT carried, once (undefined for protocol 3, whose auth is in the namespace's query). */
  takeAuth(handle, protocol) {
    const auth = this.#auth.get(handle);
    this.#auth.delete(handle);
    return protocol === 3 ? undefined : auth;
  }
}
