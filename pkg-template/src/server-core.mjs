// The sans-I/O Engine.IO + Socket.IO server core, as JS drives it.
import { checkAlive, isTrap, raw, trapError, trapFrom } from './raw.mjs';
import * as layout from './layout.mjs';
import { copyOf, decoder, hasBuffer, memoryView, toBytes } from './memory.mjs';

const OUTPUT_KINDS = [];
OUTPUT_KINDS[layout.SERVER_WRITE] = 'write';
OUTPUT_KINDS[layout.SERVER_END] = 'end';
OUTPUT_KINDS[layout.SERVER_SESSION_OPEN] = 'open';
OUTPUT_KINDS[layout.SERVER_UPGRADE] = 'upgrade';
OUTPUT_KINDS[layout.SERVER_SESSION_CLOSE] = 'close';
OUTPUT_KINDS[layout.SERVER_CONNECT] = 'connect';
OUTPUT_KINDS[layout.SERVER_EVENT] = 'event';
OUTPUT_KINDS[layout.SERVER_ACK] = 'ack';
OUTPUT_KINDS[layout.SERVER_DISCONNECT] = 'disconnect';
OUTPUT_KINDS[layout.SERVER_ATTACHMENT] = 'attachment';
OUTPUT_KINDS[layout.SERVER_WRITE_SHARED] = 'writeShared';
OUTPUT_KINDS[layout.SERVER_RESPOND] = 'respond';
OUTPUT_KINDS[layout.SERVER_MESSAGE] = 'message';
OUTPUT_KINDS[layout.SERVER_REFUSED] = 'refused';
OUTPUT_KINDS[layout.SERVER_PACKET] = 'packet';
OUTPUT_KINDS[layout.SERVER_DRAIN] = 'drain';
OUTPUT_KINDS[layout.SERVER_DECODED] = 'decoded';
/** Engine.IO packet types by number, as engine.io names them. */
const PACKET_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
const RECORD = layout.SERVER_RECORD_HEADER_LEN;

/** UTF-8 text of `bytes[start, end)` (Node's Buffer decodes short text faster than TextDecoder). */
const textOf = hasBuffer
  ? (bytes, start, end) => bytes.toString('utf8', start, end)
  : (bytes, start, end) => decoder.decode(bytes.subarray(start, end));

/**
 * An event record as an action (one shape for all), read in place from
 * the packed output at `at` (its body: the name and arguments as JSON
 * text, the ack id, the placeholders; layout.mjs).
 */
function eventAction(socket, packed, view, at, length) {
  const nameLength = view.getUint32(at, true);
  const nameJson = textOf(packed, at + 4, at + 4 + nameLength);
  const argsAt = at + 8 + nameLength;
  const argsLength = view.getUint32(argsAt - 4, true);
  const argsJson = textOf(packed, argsAt, argsAt + argsLength);
  const ackAt = argsAt + argsLength;
  const ack = view.getFloat64(ackAt, true);
  const end = at + length;
  const placeholders = end > ackAt + 8 ? JSON.parse(textOf(packed, ackAt + 8, end)) : [];
  return { kind: 'event', socket, nameJson, argsJson, ack: ack < 0 ? null : ack, placeholders, attachments: [] };
}

/** A respond record's body: status, header lines, body (layout.mjs). */
function responseOf(body) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const status = view.getUint16(0, true);
  const compress = body[2] === 1;
  const linesLength = view.getUint32(3, true);
  const headers = [];
  for (const line of decoder.decode(body.subarray(7, 7 + linesLength)).split('\r\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 2)]);
  }
  return { status, headers, body: body.subarray(7 + linesLength), compress };
}

/** A raw Engine.IO message record: `{ kind: 'message', sid, data }` (a string, or bytes). */
function messageAction(body) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const sidLength = view.getUint32(1, true);
  const sid = decoder.decode(body.subarray(5, 5 + sidLength));
  const data = body.subarray(5 + sidLength);
  return { kind: 'message', sid, data: body[0] === 1 ? data : decoder.decode(data) };
}

/**
 * An observed session's packet record: `{ kind: 'packet', sid, received,
 * heartbeat, compress, packet: { type, data } }` (data: a string, bytes,
 * or absent).
 */
function packetAction(direction, body) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const sidLength = view.getUint32(2, true);
  const sid = decoder.decode(body.subarray(6, 6 + sidLength));
  const data = body.subarray(6 + sidLength);
  const packet = { type: PACKET_TYPES[body[0]] };
  if (body[1] & layout.SERVER_PACKET_BINARY) packet.data = data;
  else if (data.length) packet.data = decoder.decode(data);
  const compress = (body[1] & layout.SERVER_PACKET_UNCOMPRESSED) === 0;
  return { kind: 'packet', sid, received: direction > 0, heartbeat: direction === 2, compress, packet };
}

/** A shared write's body: `count` connection ids, then the bytes. */
function sharedOf(count, body) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const conns = new Array(count);
  for (let i = 0; i < count; i++) conns[i] = view.getUint32(i * 4, true);
  return { conns, bytes: body.subarray(count * 4) };
}

/**
 * The sans-I/O Engine.IO + Socket.IO server: feed it each connection's
 * bytes, call `tick(now)` at `nextDeadline`, carry out `takeOutput()`.
 * Options: pingInterval, pingTimeout, maxPayload, maxPackets,
 * connectTimeout, upgradeTimeout, enginePath (a raw Engine.IO echo; off
 * unless given), socketioPath, maxAttachments, allowEio3, allowUpgrades,
 * requestTimeout, maxBufferedBytes, corsOrigin.
 */
export class EngineServerCore {
  #raw;

  constructor(options) {
    if (typeof raw.RawServer !== 'function') {
      throw new Error('EngineServerCore runs in Node: the browser build of wsframe has no server');
    }
    checkAlive();
    try {
      this.#raw = new raw.RawServer(options);
    } catch (err) {
      throw trapFrom(err);
    }
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
   * Actions in order: `{ kind: 'write', conn, bytes }`, `{ kind: 'writeShared', conns, bytes }`,
   * `{ kind: 'end', conn }`, `{ kind: 'respond', conn, status, headers, body, compress }`
   * (`compress`: the body may be HTTP-compressed),
   * `{ kind: 'open', conn, sid, ... }`, `{ kind: 'upgrade' | 'close', sid, ... }`,
   * `{ kind: 'connect', socket, sid, id, nsp, authJson }` (answer with
   * `accept` or `refuse`),
   * `{ kind: 'event', socket, nameJson, argsJson, ack, attachments, placeholders }`,
   * `{ kind: 'ack', socket, id, argsJson, attachments, placeholders }`,
   * `{ kind: 'disconnect', socket, reason }`, `{ kind: 'message', sid, data }`
   * (raw Engine.IO), `{ kind: 'refused', conn, code, name }` (engine.io's
   * error code and context name; the answer follows), for sessions
   * `observe`d `{ kind: 'packet', sid, received, heartbeat, compress, packet }` and
   * `{ kind: 'drain', sid }`, with a packet codec `{ kind: 'decoded',
   * token, socket }`. In Node, bytes are Buffers.
   */
  takeOutput() {
    const length = this.#raw.takeOutputPacked();
    if (length === 0) return [];
    const address = this.#raw.outputPtr();
    // One copy out of wasm memory (pooled when small): the writes below are
    // views of it that sockets may hold after the next call.
    const packed = copyOf(memoryView(), address, address + length, hasBuffer);
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    const actions = [];
    let at = 0;
    while (at + RECORD <= packed.length) {
      const kind = OUTPUT_KINDS[packed[at]];
      const id = view.getUint32(at + 1, true);
      const len = view.getUint32(at + 5, true);
      const start = at + RECORD;
      at = start + len;
      if (kind === 'event') {
        actions.push(eventAction(id, packed, view, start, len));
        continue;
      }
      const body = packed.subarray(start, at);
      if (kind === 'write') actions.push({ kind, conn: id, bytes: body });
      else if (kind === 'writeShared') actions.push({ kind, ...sharedOf(id, body) });
      else if (kind === 'respond') actions.push({ kind, conn: id, ...responseOf(body) });
      else if (kind === 'message') actions.push(messageAction(body));
      else if (kind === 'end') actions.push({ kind, conn: id });
      else if (kind === 'packet') actions.push(packetAction(id, body));
      else if (kind === 'drain') actions.push({ kind, sid: decoder.decode(body) });
      else if (kind === 'decoded') actions.push({ kind, token: id, socket: view.getUint32(start, true) || undefined });
      else if (kind === 'refused') actions.push({ kind, conn: id, code: body[0], name: decoder.decode(body.subarray(1)) });
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

  /**
   * Sends an event; with `ackId`, the client answers with that id.
   * `compress: false` sends it without permessage-deflate (socket.io's
   * `compress(false)`).
   */
  emit(socket, nameJson, argsJson, attachments = [], ackId = undefined, now = 0, compress = true) {
    this.#raw.emit(socket, nameJson, argsJson, attachments.map(toBytes), ackId, compress ? 0 : layout.EMIT_NO_COMPRESS, now);
  }

  ack(socket, id, argsJson, attachments = [], now = 0) {
    this.#raw.ack(socket, id, argsJson, attachments.map(toBytes), now);
  }

  disconnect(socket, now = 0) {
    this.#raw.disconnect(socket, now);
  }

  /**
   * A request Node's `http` read: `{ method, url, rawHeaders }` and its
   * body. `sid`: the id of the session a handshake opens, when the
   * application chose it (engine.io's `generateId`).
   */
  httpRequest(conn, req, body, now, sid = undefined) {
    this.#raw.httpRequest(conn, req.method, req.url, req.rawHeaders, toBytes(body), now, sid);
  }

  /** An upgrade request Node's `http` read; `conn` is its socket from now on. `headers`: [[name, value]] for a 101; `sid` as for `httpRequest`. */
  upgrade(conn, req, headers, now, sid = undefined) {
    this.#raw.upgrade(conn, req.method, req.url, req.rawHeaders, headers.flat(), now, sid);
  }

  /**
   * Answers a pending socket's CONNECT. `identity.id`: a recovered
   * session's socket id, taken instead of the new one; `identity.pid`: the
   * private id a client recovers its session with (sent when connection
   * state recovery is on).
   */
  accept(socket, now, identity = {}) {
    this.#raw.accept(socket, now, identity.id, identity.pid);
  }

  refuse(socket, dataJson, now) {
    this.#raw.refuse(socket, dataJson, now);
  }

  join(socket, room) {
    this.#raw.join(socket, room);
  }

  leave(socket, room) {
    this.#raw.leave(socket, room);
  }

  /**
   * Returns how many sockets it went to (each asked for an ack of `ackId`
   * when given). `volatile` skips clients that cannot take it now;
   * `compress: false` as for `emit`.
   */
  broadcast(nsp, rooms, except, nameJson, argsJson, attachments, volatile, ackId, now, compress = true) {
    return this.#raw.broadcast(
      nsp,
      Uint32Array.from(rooms),
      Uint32Array.from(except),
      nameJson,
      argsJson,
      attachments.map(toBytes),
      (volatile ? layout.EMIT_VOLATILE : 0) | (compress ? 0 : layout.EMIT_NO_COMPRESS),
      ackId,
      now,
    );
  }

  /**
   * The application's own Socket.IO wire format (socket.io's `parser`):
   * `codec.encode(type, nsp, id, dataJson)` returns the Engine.IO messages
   * (strings, Uint8Arrays) of a packet the core sends of its own (CONNECT
   * answers, CONNECT_ERROR, DISCONNECT); `codec.decode(sid, data)` feeds a
   * message of a Socket.IO session to its decoder and returns the packets
   * it completed, `[type, nsp, id, token]` each, or the token of the error
   * that made it undecodable; `codec.closed(sid)`: the session ended. Each
   * token comes back once, in a `{ kind: 'decoded', token, socket }`
   * action: the socket the packet's data is for, or undefined. `null`:
   * the core's own format again.
   */
  setPacketCodec(codec) {
    this.#raw.setPacketCodec(codec ?? null);
  }

  /** `emit` of an event the application encoded (`messages`: strings, Uint8Arrays). */
  emitEncoded(socket, messages, ackId, now, compress = true) {
    this.#raw.emitEncoded(socket, messages, ackId, compress ? 0 : layout.EMIT_NO_COMPRESS, now);
  }

  /** `ack` encoded by the application. */
  ackEncoded(socket, messages, now) {
    this.#raw.ackEncoded(socket, messages, now);
  }

  /** `broadcast` of an event the application encoded. */
  broadcastEncoded(nsp, rooms, except, messages, volatile, ackId, now, compress = true) {
    return this.#raw.broadcastEncoded(
      nsp,
      Uint32Array.from(rooms),
      Uint32Array.from(except),
      messages,
      (volatile ? layout.EMIT_VOLATILE : 0) | (compress ? 0 : layout.EMIT_NO_COMPRESS),
      ackId,
      now,
    );
  }

  closeClient(socket, now) {
    this.#raw.closeClient(socket, now);
  }

  /** 0: drained, 1: backlogged past the soft limit, 2: overflowing. */
  congestion(conn, level, now) {
    this.#raw.congestion(conn, level, now);
  }

  /** Sends a message on a raw Engine.IO session: a string, or bytes. */
  sendMessage(sid, data, now) {
    this.#raw.sendMessage(sid, typeof data === 'string' ? data : toBytes(data), now);
  }

  /** Reports a session's packets both ways (`packet` and `drain` actions) from now on, or stops. */
  observe(sid, on) {
    this.#raw.observe(sid, on);
  }

  /** engine.io's `initialPacket`: a message (string or bytes) every new session gets after its open packet; `undefined`: none. */
  setInitialPacket(data) {
    this.#raw.setInitialPacket(data === undefined || data === null || typeof data === 'string' ? data : toBytes(data));
  }

  closeSession(sid, now) {
    this.#raw.closeSession(sid, now);
  }

  shutdown(now) {
    this.#raw.shutdown(now);
  }

  free() {
    this.#raw.free();
  }
}

// The glue's RawServer is left unguarded (see raw.mjs): each call is
// guarded here. Once the instance has trapped, the core's calls do nothing
// and report nothing (the servers on it close what they hold when told):
// a timer, a socket event or an application's emit arriving afterwards is
// not a second failure. The call that trapped returns the same way, after
// the trap has been reported to every `onTrap` listener.
const AFTER_TRAP = { takeOutput: [], broadcast: 0, broadcastEncoded: 0, sessionCount: 0 };
for (const name of Object.getOwnPropertyNames(EngineServerCore.prototype)) {
  const d = Object.getOwnPropertyDescriptor(EngineServerCore.prototype, name);
  const call = d.value ?? d.get;
  if (name === 'constructor' || typeof call !== 'function') continue;
  const neutral = AFTER_TRAP[name];
  const guarded = function (...args) {
    if (trapError()) return neutral;
    try {
      return call.apply(this, args);
    } catch (err) {
      const reported = trapFrom(err);
      if (isTrap(reported)) return neutral;
      throw reported;
    }
  };
  Object.defineProperty(EngineServerCore.prototype, name, d.value ? { ...d, value: guarded } : { ...d, get: guarded });
}
