// socket.io's `Socket`: one client in one namespace. Its wire (CONNECT,
// events, acks, DISCONNECT) is the Rust core's; this class keeps the
// application's state (listeners, middlewares, acks, data) and asks the
// core to send.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decodeArgs, encodeArgs, encodeName } from './args.mjs';
import { BroadcastOperator } from './broadcast.mjs';
import { runMiddlewares } from './middleware.mjs';
import { RESERVED_EVENTS } from './reserved.mjs';

const emitLocally = EventEmitter.prototype.emit;
const noop = () => {};
/** `flags` between emits: shared, and replaced by an object of the socket's own when a flag is set. */
const NO_FLAGS = Object.freeze({});
const NO_FUNCTIONS = Object.freeze([]);
/** Disconnect reasons after which a session may be recovered (socket.io's list). */
const RECOVERABLE_REASONS = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/**
 * Runs a call into the core for this socket. The core may have let the
 * socket go a moment before its disconnect record reaches JS (in the same
 * pass of output); then the call is dropped, as socket.io drops packets
 * for a connection that is no longer open. Other errors (bad arguments)
 * are thrown.
 */
function whileConnected(call) {
  try {
    return call();
  } catch (err) {
    if (err?.code === 'invalid_state') return undefined;
    throw err;
  }
}

export class Socket extends EventEmitter {
  /** The core's name for this socket. */
  _handle;
  // Most sockets never get any of these: they stay null (and take no
  // memory) until the first one.
  #anyListeners = null;
  #anyOutgoing = null;
  #fns = null;
  #acks = null;

  /**
   * `session` is a recovered one (connection state recovery): the socket
   * takes its id, private id and data; `_restore` then rejoins its rooms
   * and sends what it missed.
   */
  constructor(nsp, client, handle, id, auth, session = null) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.server = nsp.server;
    this.adapter = nsp.adapter;
    this._handle = handle;
    this.id = session ? session.sid : id;
    // The private id a client recovers its session with (never sent to
    // other clients, unlike `id`).
    this.pid = session ? session.pid : nsp.server._opts.connectionStateRecovery ? randomBytes(15).toString('base64url') : undefined;
    this.recovered = false;
    this.data = session ? session.data : {};
    this.connected = false;
    this.flags = NO_FLAGS;
    this.handshake = this.#buildHandshake(auth);
    // An 'error' without a listener must not throw (as socket.io).
    this.on('error', noop);
  }

  #buildHandshake(auth) {
    const request = this.request;
    return {
      headers: request?.headers || {},
      time: `${new Date()}`,
      address: this.conn.remoteAddress,
      xdomain: Boolean(request?.headers.origin),
      secure: !request || Boolean(request.socket?.encrypted),
      issued: Date.now(),
      url: request?.url,
      query: request?._query || {},
      auth,
    };
  }

  get request() {
    return this.client.request;
  }

  get conn() {
    return this.client.conn;
  }

  get disconnected() {
    return !this.connected;
  }

  get rooms() {
    return this.adapter.socketRooms(this.id) || new Set();
  }

  get #core() {
    return this.server._engine.core;
  }

  emit(ev, ...args) {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const flags = this.flags;
    this.flags = NO_FLAGS;
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    const packet = { type: 2, data: [ev, ...args], nsp: this.nsp.name };
    if (!ack && this.server._opts.connectionStateRecovery) {
      // As socket.io: through the adapter, which stores the event and
      // gives it an offset, so a client that comes back gets it again.
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags });
      return true;
    }
    this.notifyOutgoingListeners(packet);
    if (flags.volatile && !ack) {
      // Through the socket's own core room (never the adapter, which may
      // tell other nodes): the core skips a client that cannot take it now.
      this.nsp._coreRooms.send(packet, { rooms: new Set([this.id]), flags });
      return true;
    }
    // The namespace numbers acks, as socket.io's `nsp._ids` (adapters
    // take their broadcast ids from the same counter).
    const id = ack ? this.nsp._ids++ : undefined;
    // Before its CONNECT answer too: socket.io writes such events, and the
    // client holds them until it is connected.
    const sent = this.#send(ev, args, id, flags.compress !== false);
    if (ack && sent) this.#registerAck(id, ack, flags.timeout);
    return true;
  }

  /** EVENT `[ev, ...args]` to this client (asking for ack `id` when given); false once it is gone. */
  #send(ev, args, id, compress = true) {
    const wire = this.server._wire;
    const sent = whileConnected(() => {
      if (wire) {
        // socket.io's packet, its keys in socket.io's order.
        const packet = { type: 2, data: [ev, ...args] };
        if (id !== undefined) packet.id = id;
        packet.nsp = this.nsp.name;
        this.#core.emitEncoded(this._handle, wire.encode(packet), id, performance.now(), compress);
      } else {
        const { json, attachments } = encodeArgs(args);
        this.#core.emit(this._handle, encodeName(ev), json, attachments, id, performance.now(), compress);
      }
      return true;
    });
    this.server._engine.flushSoon();
    return Boolean(sent);
  }

  /** A recovered session (see the constructor): its rooms again, then the events it missed. */
  _restore(session) {
    this.join(session.rooms);
    for (const [ev, ...args] of session.missedPackets) this.#send(ev, args);
    this.recovered = true;
  }

  emitWithAck(ev, ...args) {
    const withErr = this.flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      args.push((first, second) => {
        if (!withErr) resolve(first);
        else if (first) reject(first);
        else resolve(second);
      });
      this.emit(ev, ...args);
    });
  }

  /** The acks this socket waits for, by id (made when first needed). */
  get acks() {
    return (this.#acks ??= new Map());
  }

  /** Stops waiting for ack `id` (a broadcast's that timed out). */
  _forgetAck(id) {
    this.#acks?.delete(id);
  }

  #registerAck(id, ack, timeout) {
    if (timeout === undefined) {
      this.acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      this.acks.delete(id);
      ack.call(this, new Error('operation has timed out'));
    }, timeout);
    this.acks.set(id, (...args) => {
      clearTimeout(timer);
      ack.call(this, null, ...args);
    });
  }

  /** An ACK from the client (an emit's, or a broadcast's). */
  _onack(action) {
    const ack = this.#acks?.get(action.id) ?? this.nsp._broadcastAcks.get(action.id);
    if (typeof ack !== 'function') return;
    this.#acks?.delete(action.id);
    ack.apply(this, action.args ?? decodeArgs(action));
  }

  /** An event from the client: any-listeners, then middlewares, then listeners. */
  _onevent(action) {
    // `args`: decoded by the application's parser, the name first.
    let args = action.args;
    if (args === undefined) {
      args = decodeArgs(action);
      args.unshift(JSON.parse(action.nameJson));
    }
    if (action.ack !== null) args.push(this.#ackFunction(action.ack));
    if (this.#anyListeners?.length) for (const listener of this.#anyListeners.slice()) listener.apply(this, args);
    runMiddlewares(this.#fns ?? NO_FUNCTIONS, [args], (err) => {
      process.nextTick(() => {
        if (err) emitLocally.call(this, 'error', err);
        else if (this.connected) emitLocally.apply(this, args);
      });
    });
  }

  #ackFunction(id) {
    let sent = false;
    return (...args) => {
      if (sent || !this.connected) return;
      sent = true;
      const wire = this.server._wire;
      if (wire) {
        const packet = { id, type: 3, data: args, nsp: this.nsp.name };
        whileConnected(() => this.#core.ackEncoded(this._handle, wire.encode(packet), performance.now()));
      } else {
        const { json, attachments } = encodeArgs(args);
        whileConnected(() => this.#core.ack(this._handle, id, json, attachments, performance.now()));
      }
      this.server._engine.flushSoon();
    };
  }

  use(fn) {
    (this.#fns ??= []).push(fn);
    return this;
  }

  to(room) {
    return this.#broadcastOperator().to(room);
  }

  in(room) {
    return this.#broadcastOperator().in(room);
  }

  except(room) {
    return this.#broadcastOperator().except(room);
  }

  get broadcast() {
    return this.#broadcastOperator();
  }

  get local() {
    return this.#broadcastOperator().local;
  }

  #broadcastOperator() {
    const flags = this.flags;
    this.flags = NO_FLAGS;
    return new BroadcastOperator(this.adapter, new Set(), new Set([this.id]), flags);
  }

  send(...args) {
    this.emit('message', ...args);
    return this;
  }

  write(...args) {
    this.emit('message', ...args);
    return this;
  }

  join(rooms) {
    return this.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  leave(room) {
    return this.adapter.del(this.id, room);
  }

  leaveAll() {
    this.adapter.delAll(this.id);
  }

  /** Accepted: in the namespace, in its own room; the core answers CONNECT. */
  _onconnect() {
    this.connected = true;
    whileConnected(() => this.#core.accept(this._handle, performance.now(), { id: this.recovered ? this.id : undefined, pid: this.pid }));
    // In the namespace's broadcasts before its own room's 'join-room', as
    // with socket.io (where a listener's broadcast reaches the socket too).
    this.nsp._coreRooms.connected(this._handle);
    this.join(this.id);
    this.server._engine.flushSoon();
  }

  /** Refused by a middleware: CONNECT_ERROR, as socket.io words it per protocol. */
  _refuse(err) {
    const data = this.conn.protocol === 3 ? (err.data ?? err.message) : { message: err.message, data: err.data };
    const wire = this.server._wire;
    if (wire) whileConnected(() => wire.refuse(this.#core, this._handle, data, performance.now()));
    else whileConnected(() => this.#core.refuse(this._handle, JSON.stringify(data) ?? 'null', performance.now()));
    this.server._engine.flushSoon();
  }

  _onclose(reason, description) {
    if (!this.connected) return this;
    emitLocally.call(this, 'disconnecting', reason, description);
    if (this.server._opts.connectionStateRecovery && RECOVERABLE_REASONS.has(reason)) {
      this.adapter.persistSession({ sid: this.id, pid: this.pid, rooms: [...this.rooms], data: this.data });
    }
    this._cleanup();
    this.client._remove(this);
    this.connected = false;
    emitLocally.call(this, 'disconnect', reason, description);
  }

  _cleanup() {
    this.leaveAll();
    this.nsp._remove(this);
    this.join = noop;
  }

  disconnect(close = false) {
    if (!this.connected) return this;
    // The core sends DISCONNECT (and closes the client with `close`); its
    // disconnect record, with socket.io's reason, ends this socket.
    if (close) whileConnected(() => this.#core.closeClient(this._handle, performance.now()));
    else whileConnected(() => this.#core.disconnect(this._handle, performance.now()));
    this.server._engine.flushSoon();
    return this;
  }

  /** socket.io's typed-events helpers: emit to this socket's own listeners, not to the client. */
  emitReserved(ev, ...args) {
    return emitLocally.call(this, ev, ...args);
  }

  emitUntyped(ev, ...args) {
    return emitLocally.call(this, ev, ...args);
  }

  compress(compress) {
    this.#flag('compress', compress);
    return this;
  }

  #flag(name, value) {
    if (this.flags === NO_FLAGS) this.flags = {};
    this.flags[name] = value;
  }

  get volatile() {
    this.#flag('volatile', true);
    return this;
  }

  timeout(timeout) {
    this.#flag('timeout', timeout);
    return this;
  }

  onAny(listener) {
    (this.#anyListeners ??= []).push(listener);
    return this;
  }

  prependAny(listener) {
    (this.#anyListeners ??= []).unshift(listener);
    return this;
  }

  offAny(listener) {
    if (!listener) this.#anyListeners = null;
    else if (this.#anyListeners) {
      const at = this.#anyListeners.indexOf(listener);
      if (at >= 0) this.#anyListeners.splice(at, 1);
    }
    return this;
  }

  listenersAny() {
    return this.#anyListeners ?? [];
  }

  onAnyOutgoing(listener) {
    (this.#anyOutgoing ??= []).push(listener);
    this.nsp._outgoing.add(this);
    return this;
  }

  prependAnyOutgoing(listener) {
    (this.#anyOutgoing ??= []).unshift(listener);
    this.nsp._outgoing.add(this);
    return this;
  }

  offAnyOutgoing(listener) {
    if (!listener) this.#anyOutgoing = null;
    else if (this.#anyOutgoing) {
      const at = this.#anyOutgoing.indexOf(listener);
      if (at >= 0) this.#anyOutgoing.splice(at, 1);
    }
    if (!this.#anyOutgoing?.length) this.nsp._outgoing.delete(this);
    return this;
  }

  listenersAnyOutgoing() {
    return this.#anyOutgoing ?? [];
  }

  notifyOutgoingListeners(packet) {
    if (!this.#anyOutgoing) return;
    for (const listener of this.#anyOutgoing.slice()) listener.apply(this, packet.data);
  }
}
