// A Socket.IO (and raw Engine.IO) server on raw `net` sockets. The wsframe
// core does all of HTTP long-polling, WebSocket, Engine.IO and Socket.IO;
// this file moves bytes, runs the one timer the core asks for, and turns
// its events into sockets with `on` / `emit`.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { EngineServerCore, deconstructSocketIoData, reconstructSocketIoData } from 'wsframe';

const now = () => performance.now();

function asBuffer(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Event arguments as JSON with binary attachments. */
function encodeArgs(args) {
  const { json, attachments } = deconstructSocketIoData(args);
  return { json, attachments: attachments.map((a) => (a instanceof ArrayBuffer ? new Uint8Array(a) : a)) };
}

/**
 * One client in one namespace. `on(event, handler)` receives events (an
 * ack function last when the client asked for one), `onAny(handler)` gets
 * `(name, ...args)`, `onRaw(handler)` the undecoded event
 * `{ nameJson, argsJson, attachments, ack }` (ack: `(argsJson, attachments)`
 * or null). `emit(name, ...args)` sends (a function last asks for an ack).
 * Events 'disconnect' (reason).
 */
export class IoSocket {
  #server;
  #handlers = new Map();
  #any = [];
  #raw = [];
  #acks = new Map();

  constructor(server, handle, id, nsp, authJson) {
    this.#server = server;
    this.handle = handle;
    this.id = id;
    this.nsp = nsp;
    this.authJson = authJson;
    this.handshake = { auth: JSON.parse(authJson) };
    this.connected = true;
  }

  on(event, handler) {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler);
    this.#handlers.set(event, list);
    return this;
  }

  off(event, handler) {
    const list = this.#handlers.get(event) ?? [];
    const at = list.indexOf(handler);
    if (at >= 0) list.splice(at, 1);
    return this;
  }

  onAny(handler) {
    this.#any.push(handler);
    return this;
  }

  onRaw(handler) {
    this.#raw.push(handler);
    return this;
  }

  /** Sends `name` with `args`; a function as last argument receives the ack. */
  emit(name, ...args) {
    const onAck = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    const { json, attachments } = encodeArgs(args);
    this.emitRaw(JSON.stringify(name), json, attachments, onAck);
    return true;
  }

  /** Sends an event given as JSON (`nameJson`, `argsJson` with placeholders). */
  emitRaw(nameJson, argsJson, attachments = [], onAck = null) {
    const id = this.#server.core.emit(this.handle, nameJson, argsJson, attachments, Boolean(onAck), now());
    if (onAck) this.#acks.set(id, onAck);
    this.#server.flush();
  }

  disconnect() {
    if (!this.connected) return this;
    this.#server.core.disconnect(this.handle, now());
    this.#server.flush();
    return this;
  }

  dispatch(action) {
    if (action.kind === 'ack') {
      const fn = this.#acks.get(action.id);
      this.#acks.delete(action.id);
      fn?.(...reconstructSocketIoData(action.argsJson, action.attachments.map(asBuffer), action.placeholders));
      return;
    }
    const ack =
      action.ack === null
        ? null
        : (argsJson, attachments = []) => {
            this.#server.core.ack(this.handle, action.ack, argsJson, attachments, now());
            this.#server.flush();
          };
    for (const fn of this.#raw) fn({ ...action, ack });
    const name = JSON.parse(action.nameJson);
    const handlers = this.#handlers.get(name) ?? [];
    if (handlers.length === 0 && this.#any.length === 0) return;
    const args = reconstructSocketIoData(action.argsJson, action.attachments.map(asBuffer), action.placeholders);
    for (const fn of this.#any) fn(name, ...args);
    const callback = ack
      ? (...ackArgs) => {
          const encoded = encodeArgs(ackArgs);
          ack(encoded.json, encoded.attachments);
        }
      : undefined;
    for (const fn of handlers) fn(...args, ...(callback ? [callback] : []));
  }

  closed(reason) {
    this.connected = false;
    for (const fn of this.#handlers.get('disconnect') ?? []) fn(reason);
  }
}

/**
 * Serves Socket.IO (at `socketioPath`, default "/socket.io/") on a raw
 * `net` port, and a raw Engine.IO echo when `enginePath` is given.
 * Options are the core's: pingInterval, pingTimeout, maxPayload,
 * connectTimeout, upgradeTimeout, maxAttachments, allowEio3, corsOrigin;
 * and `namespaces` (default ["/"]), the ones clients may join.
 * Events: 'connection' (IoSocket),
 * 'session' ({ sid, protocol, transport, socketio }), 'upgrade' ({ sid }),
 * 'sessionClose' ({ sid, reason }).
 */
export class SocketIoServer extends EventEmitter {
  #net = null;
  #conns = new Map();
  #nextConn = 0;
  #sockets = new Map();
  #timer = null;
  #timerAt = Infinity;
  #namespaces;

  constructor({ namespaces = ['/'], ...options } = {}) {
    super();
    this.#namespaces = new Set(namespaces);
    this.core = new EngineServerCore(options);
  }

  /** Listens on `port` (0: any) and `host`; resolves with the address. */
  listen(port = 0, host = '127.0.0.1') {
    this.#net = net.createServer((socket) => this.handle(socket));
    return new Promise((resolve, reject) => {
      this.#net.once('error', reject);
      this.#net.listen(port, host, () => resolve(this.#net.address()));
    });
  }

  address() {
    return this.#net?.address();
  }

  /** Serves a connection accepted elsewhere. */
  handle(socket) {
    const conn = ++this.#nextConn;
    this.#conns.set(conn, socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.core.receive(conn, chunk, now());
      this.flush();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#conns.delete(conn);
      this.core.closed(conn, now());
      this.flush();
    });
  }

  /** Carries out what the core asked for; schedules its next tick. */
  flush() {
    for (const action of this.core.takeOutput()) {
      switch (action.kind) {
        case 'write':
          this.#conns.get(action.conn)?.write(asBuffer(action.bytes));
          break;
        case 'writeShared': {
          const bytes = asBuffer(action.bytes);
          for (const conn of action.conns) this.#conns.get(conn)?.write(bytes);
          break;
        }
        case 'end':
          this.#conns.get(action.conn)?.end();
          break;
        case 'open':
          this.emit('session', action);
          break;
        case 'upgrade':
          this.emit('upgrade', action);
          break;
        case 'close':
          this.emit('sessionClose', action);
          break;
        case 'connect': {
          if (!this.#namespaces.has(action.nsp)) {
            this.core.refuse(action.socket, '{"message":"Invalid namespace"}', now());
            break;
          }
          this.core.accept(action.socket, now());
          const socket = new IoSocket(this, action.socket, action.id, action.nsp, action.authJson);
          this.#sockets.set(action.socket, socket);
          this.emit('connection', socket);
          break;
        }
        case 'disconnect': {
          const socket = this.#sockets.get(action.socket);
          this.#sockets.delete(action.socket);
          socket?.closed(action.reason);
          break;
        }
        default:
          this.#sockets.get(action.socket)?.dispatch(action);
      }
    }
    this.#schedule();
  }

  #schedule() {
    const at = this.core.nextDeadline;
    if (at === undefined || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity;
      this.#timer = null;
      this.core.tick(now());
      this.flush();
    }, Math.max(0, Math.ceil(at - now())));
  }

  get sessionCount() {
    return this.core.sessionCount;
  }

  /** Stops listening and closes every connection. */
  close() {
    clearTimeout(this.#timer);
    this.#timerAt = Infinity;
    for (const socket of this.#conns.values()) socket.destroy();
    return new Promise((resolve) => (this.#net ? this.#net.close(() => resolve()) : resolve()));
  }
}
