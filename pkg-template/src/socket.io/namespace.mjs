// socket.io's Namespace and ParentNamespace (dynamic namespaces, from a
// RegExp or a function): the sockets, the middlewares, and the broadcast
// shorthands.
import { EventEmitter } from 'node:events';
import { Adapter } from './adapter.mjs';
import { CoreRooms } from './core-rooms.mjs';
import { callbackWithDeadline, requestDeadline } from './deadline.mjs';
import { bridgeForeignAdapter } from './foreign-adapter.mjs';
import { BroadcastOperator, promiseOfResponses } from './broadcast.mjs';
import { runMiddlewares } from './middleware.mjs';
import { NAMESPACE_RESERVED_EVENTS } from './reserved.mjs';
import { Socket } from './socket.mjs';

const emitLocally = EventEmitter.prototype.emit;

export class Namespace extends EventEmitter {
  constructor(server, name) {
    super();
    this.server = server;
    this.name = name;
    this.sockets = new Map();
    this._preConnectSockets = new Map();
    this._fns = [];
    this._ids = 0;
    /** Broadcast acks by id, until every recipient answered or time ran out. */
    this._broadcastAcks = new Map();
    /** The sockets with `onAnyOutgoing` listeners (broadcasts skip the walk when none). */
    this._outgoing = new Set();
    this._initAdapter();
  }

  _initAdapter() {
    // A new adapter starts empty (as in socket.io): so do the core's rooms.
    this._coreRooms?.close(this.adapter?.rooms);
    this._coreRooms = new CoreRooms(this);
    const AdapterClass = this.server.adapter();
    this.adapter = new AdapterClass(this);
    if (!(this.adapter instanceof Adapter)) bridgeForeignAdapter(this.adapter, this);
    Promise.resolve(this.adapter.init()).catch(() => {});
  }

  /** The namespace is done: its adapter closes (a broker adapter unsubscribes) and the core rooms go. */
  _closeAdapter() {
    const closed = this.adapter.close();
    this._coreRooms?.close(this.adapter.rooms);
    return closed;
  }

  /** The core's handle of a socket, connected or still in its middlewares. */
  _handleOf(id) {
    return (this.sockets.get(id) ?? this._preConnectSockets.get(id))?._handle;
  }

  use(fn) {
    this._fns.push(fn);
    return this;
  }

  /**
   * A client asks to join: its earlier session back if it names one the
   * adapter still holds (connection state recovery), middlewares, then in
   * (or CONNECT_ERROR).
   */
  _add(client, handle, id, auth) {
    const recovery = this.server._opts.connectionStateRecovery;
    if (!recovery || typeof auth?.pid !== 'string' || typeof auth?.offset !== 'string') {
      this.#admit(client, handle, id, auth, null);
      return;
    }
    Promise.resolve()
      .then(() => this.adapter.restoreSession(auth.pid, auth.offset))
      .catch(() => null)
      .then((session) => {
        // Gone while the adapter looked: the core has let the socket go.
        if (client.conn.readyState === 'open') this.#admit(client, handle, id, auth, session ?? null);
      });
  }

  #admit(client, handle, id, auth, session) {
    const socket = new Socket(this, client, handle, id, auth, session);
    this._preConnectSockets.set(socket.id, socket);
    this.server._sockets.set(handle, socket);
    if (session) {
      socket._restore(session);
      if (this.server._opts.connectionStateRecovery.skipMiddlewares) {
        this._doConnect(socket, client);
        return;
      }
    }
    runMiddlewares(this._fns, [socket], (err) => {
      process.nextTick(() => {
        if (client.conn.readyState !== 'open') {
          this.server._sockets.delete(handle);
          socket._cleanup();
          return;
        }
        if (err) {
          this.server._sockets.delete(handle);
          socket._cleanup();
          socket._refuse(err);
          return;
        }
        this._doConnect(socket, client);
      });
    });
    return socket;
  }

  _doConnect(socket, client) {
    this._preConnectSockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    socket._onconnect();
    client._connected(socket);
    emitLocally.call(this, 'connect', socket);
    emitLocally.call(this, 'connection', socket);
  }

  _remove(socket) {
    if (!this.sockets.delete(socket.id)) this._preConnectSockets.delete(socket.id);
    this._outgoing.delete(socket);
  }

  to(room) {
    return new BroadcastOperator(this.adapter).to(room);
  }

  in(room) {
    return new BroadcastOperator(this.adapter).in(room);
  }

  except(room) {
    return new BroadcastOperator(this.adapter).except(room);
  }

  emit(ev, ...args) {
    return new BroadcastOperator(this.adapter).emit(ev, ...args);
  }

  send(...args) {
    this.emit('message', ...args);
    return this;
  }

  write(...args) {
    this.emit('message', ...args);
    return this;
  }

  serverSideEmit(ev, ...args) {
    if (NAMESPACE_RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    args.unshift(ev);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      args[last] = callbackWithDeadline(
        args[last],
        requestDeadline(this.adapter),
        'timeout reached while waiting for serverSideEmit responses',
      );
    }
    this.adapter.serverSideEmit(args);
    return true;
  }

  serverSideEmitWithAck(ev, ...args) {
    return promiseOfResponses((callback) => this.serverSideEmit(ev, ...args, callback));
  }

  /** socket.io's typed-events helpers: emit to this namespace's own listeners, not to clients. */
  emitReserved(ev, ...args) {
    return emitLocally.call(this, ev, ...args);
  }

  emitUntyped(ev, ...args) {
    return emitLocally.call(this, ev, ...args);
  }

  /** Another node's `serverSideEmit` (adapters call this). */
  _onServerSideEmit(args) {
    emitLocally.apply(this, args);
  }

  allSockets() {
    return new BroadcastOperator(this.adapter).allSockets();
  }

  compress(compress) {
    return new BroadcastOperator(this.adapter).compress(compress);
  }

  get volatile() {
    return new BroadcastOperator(this.adapter).volatile;
  }

  get local() {
    return new BroadcastOperator(this.adapter).local;
  }

  timeout(timeout) {
    return new BroadcastOperator(this.adapter).timeout(timeout);
  }

  fetchSockets() {
    return new BroadcastOperator(this.adapter).fetchSockets();
  }

  socketsJoin(room) {
    return new BroadcastOperator(this.adapter).socketsJoin(room);
  }

  socketsLeave(room) {
    return new BroadcastOperator(this.adapter).socketsLeave(room);
  }

  disconnectSockets(close = false) {
    return new BroadcastOperator(this.adapter).disconnectSockets(close);
  }
}

/** What a parent namespace's adapter does: a broadcast reaches every child. */
class ParentBroadcastAdapter {
  constructor(nsp) {
    this.nsp = nsp;
    this.rooms = new Map();
    this.sids = new Map();
  }

  init() {}

  close() {}

  broadcast(packet, opts) {
    for (const child of this.nsp.children) child.adapter.broadcast(packet, opts);
  }
}

export class ParentNamespace extends Namespace {
  static count = 0;

  constructor(server) {
    super(server, `/_${ParentNamespace.count++}`);
    this.children = new Set();
  }

  _initAdapter() {
    this.adapter = new ParentBroadcastAdapter(this);
  }

  emit(ev, ...args) {
    for (const child of this.children) child.emit(ev, ...args);
    return true;
  }

  createChild(name) {
    const namespace = new Namespace(this.server, name);
    for (const fn of this._fns) namespace.use(fn);
    for (const listener of this.listeners('connect')) namespace.on('connect', listener);
    for (const listener of this.listeners('connection')) namespace.on('connection', listener);
    this.children.add(namespace);
    if (this.server._opts.cleanupEmptyChildNamespaces) {
      const remove = namespace._remove;
      namespace._remove = (socket) => {
        remove.call(namespace, socket);
        if (namespace.sockets.size === 0) {
          namespace._closeAdapter();
          this.server._nsps.delete(namespace.name);
          this.children.delete(namespace);
        }
      };
    }
    this.server._nsps.set(name, namespace);
    emitLocally.call(this.server.sockets, 'new_namespace', namespace);
    return namespace;
  }

  fetchSockets() {
    throw new Error('fetchSockets() is not supported on parent namespaces');
  }
}
