// socket.io 4's `Server` on the wsframe core: `import { Server } from
// 'wsframe/socket.io'` in place of 'socket.io'. The Engine.IO and
// Socket.IO wire, sessions, heartbeats, rooms and broadcasts run in Rust;
// namespaces, middlewares and listeners are here, with socket.io's API.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Adapter, SessionAwareAdapter } from './adapter.mjs';
import { CLIENT_FILES, clientFileOf, serveClientFile } from './client-files.mjs';
import { SENT_BY_CORE } from './core-rooms.mjs';
import { CustomParserWire, isCustomParser } from './custom-parser.mjs';
import { Engine } from './engine.mjs';
import { Namespace, ParentNamespace } from './namespace.mjs';
import { resolveOptions } from './options.mjs';

const INVALID_NAMESPACE = '{"message":"Invalid namespace"}';

/** socket.io's `Client`: one Engine.IO session and its sockets. */
class Client {
  /**
   * The connected sockets, one per namespace: most clients have one, kept
   * as it is; two Maps per client (socket.io's) cost half a kilobyte.
   */
  #connected = null;

  constructor(server, conn) {
    this.server = server;
    this.conn = conn;
    this.id = conn.id;
  }

  get request() {
    return this.conn.request;
  }

  #list() {
    if (this.#connected === null) return [];
    return Array.isArray(this.#connected) ? this.#connected : [this.#connected];
  }

  /** socket.io's `client.sockets`: by socket id. */
  get sockets() {
    return new Map(this.#list().map((socket) => [socket.id, socket]));
  }

  /** socket.io's `client.nsps`: by namespace name. */
  get nsps() {
    return new Map(this.#list().map((socket) => [socket.nsp.name, socket]));
  }

  _connected(socket) {
    this.#connected = this.#connected === null ? socket : [...this.#list(), socket];
  }

  _remove(socket) {
    const rest = this.#list().filter((s) => s !== socket);
    this.#connected = rest.length === 0 ? null : rest.length === 1 ? rest[0] : rest;
  }

  /**
   * socket.io-adapter's per-socket write of a broadcast. Here the core has
   * sent it already, to every recipient at once (see foreign-adapter.mjs);
   * packets an adapter encoded by other means have no way to the wire.
   */
  writeToEngine(encodedPackets) {
    if (encodedPackets === SENT_BY_CORE) return;
    throw new TypeError(
      'wsframe/socket.io: adapters broadcast through socket.io-adapter\'s Adapter#broadcast; writing encoded packets to a client is not supported',
    );
  }
}

export class Server {
  constructor(srv, opts = {}) {
    if (srv && typeof srv === 'object' && !srv.listen) {
      opts = srv;
      srv = undefined;
    }
    this.opts = opts;
    this._opts = resolveOptions(opts);
    this._nsps = new Map();
    this.parentNsps = new Map();
    this.parentNamespacesFromRegExp = new Map();
    this._path = this._opts.path.replace(/\/$/, '');
    this._connectTimeout = this._opts.connectTimeout;
    this._serveClient = this._opts.serveClient !== false;
    // socket.io keeps the resolved recovery options in `io.opts`, where
    // adapters read them.
    if (this._opts.connectionStateRecovery) opts.connectionStateRecovery = this._opts.connectionStateRecovery;
    this._adapter = this._opts.adapter ?? (this._opts.connectionStateRecovery ? SessionAwareAdapter : Adapter);
    /** The application's own wire format (the `parser` option), when it is not the core's. */
    this._wire = isCustomParser(this._opts.parser) ? new CustomParserWire(this, this._opts.parser) : null;
    this._engine = null;
    /** Every socket the core knows, by handle (pending ones too). */
    this._sockets = new Map();
    this._clients = new Map();
    this.sockets = this.of('/');
    if (srv !== undefined && srv !== null) this.attach(srv);
  }

  /** engine.io's server (`io.engine`): `clientsCount`, `clients`, `use`, `generateId`, events 'connection', 'connection_error', 'initial_headers', 'headers'. */
  get engine() {
    return this._engine;
  }

  /** Whether `attach` serves the client bundle under the path (socket.io's default: yes). */
  serveClient(v) {
    if (!arguments.length) return this._serveClient;
    this._serveClient = v;
    return this;
  }

  path(v) {
    if (!arguments.length) return this._path;
    this._path = v.replace(/\/$/, '');
    return this;
  }

  connectTimeout(v) {
    if (v === undefined) return this._connectTimeout;
    this._connectTimeout = v;
    return this;
  }

  adapter(v) {
    if (!arguments.length) return this._adapter;
    this._adapter = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  listen(srv, opts = {}) {
    return this.attach(srv, opts);
  }

  attach(srv, opts = {}) {
    if (typeof srv === 'function') {
      throw new Error('You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.');
    }
    if (this._engine) throw new Error('this Server is attached already');
    if (Number(srv) == srv) srv = Number(srv);
    if (typeof srv === 'number') {
      const port = srv;
      srv = http.createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      srv.listen(port);
    }
    const options = resolveOptions({ ...opts, ...this.opts });
    options.path = (opts.path || this._path).replace(/\/$/, '');
    options.connectTimeout = this._connectTimeout;
    this._engine = new Engine(options, {
      connect: (action, conn) => this.#onConnect(action, conn),
      event: (action) => this._sockets.get(action.socket)?._onevent(action),
      ack: (action) => this._sockets.get(action.socket)?._onack(action),
      disconnect: (action) => this.#onDisconnect(action),
      decoded: (action) => this._wire?.decoded(action),
      sessionClosed: (conn) => this._clients.delete(conn.id),
    });
    this._wire?.install(this._engine.core);
    this._engine.on('trap', (err) => this.#closeAfterTrap(err));
    this._engine.attach(srv);
    if (this._serveClient) this.#attachServe(srv, options.corsMiddleware);
    this.httpServer = srv;
    return this;
  }

  /** The client bundle, ahead of every other request listener (as socket.io's `attachServe`). */
  #attachServe(srv, corsMiddleware) {
    const listeners = srv.listeners('request').slice();
    srv.removeAllListeners('request');
    srv.on('request', (req, res) => {
      const filename = req.url.startsWith(this._path) ? clientFileOf(this._path, req.url) : null;
      if (!CLIENT_FILES.has(filename)) {
        for (const listener of listeners) listener.call(srv, req, res);
      } else if (corsMiddleware) {
        corsMiddleware(req, res, () => serveClientFile(filename, req, res));
      } else {
        serveClientFile(filename, req, res);
      }
    });
  }

  #onConnect(action, conn) {
    const core = this._engine.core;
    const decodedAuth = this._wire?.takeAuth(action.socket, conn?.protocol);
    if (!conn) {
      core.refuse(action.socket, INVALID_NAMESPACE, performance.now());
      this._engine.flushSoon();
      return;
    }
    let client = this._clients.get(conn.id);
    if (!client) {
      client = new Client(this, conn);
      this._clients.set(conn.id, client);
    }
    const auth = decodedAuth ?? JSON.parse(action.authJson);
    const join = (nsp) => nsp._add(client, action.socket, action.id, auth);
    if (this._nsps.has(action.nsp)) {
      join(this.of(action.nsp));
      return;
    }
    this._checkNamespace(action.nsp, auth, (nsp) => {
      if (nsp) join(nsp);
      else {
        core.refuse(action.socket, INVALID_NAMESPACE, performance.now());
        this._engine.flushSoon();
      }
    });
  }

  /**
   * The wasm instance trapped: every socket hears 'error' and 'disconnect'
   * ("transport error"), then the server emits 'error' (`io.on('error')`;
   * unheard, it throws, as Node's emitters do: the process cannot serve
   * anyway, and a supervisor restarting it is the way back).
   */
  #closeAfterTrap(err) {
    for (const socket of [...this._sockets.values()]) {
      socket._handle = undefined;
      EventEmitter.prototype.emit.call(socket, 'error', err);
      socket._onclose('transport error');
    }
    this._sockets.clear();
    EventEmitter.prototype.emit.call(this.sockets, 'error', err);
  }

  #onDisconnect(action) {
    const socket = this._sockets.get(action.socket);
    this._sockets.delete(action.socket);
    if (!socket) return;
    // The core has let go of it (and of its rooms) already.
    socket._handle = undefined;
    socket._onclose(action.reason);
  }

  _checkNamespace(name, auth, fn) {
    if (this.parentNsps.size === 0) return fn(false);
    const checks = this.parentNsps.keys();
    const next = () => {
      const check = checks.next();
      if (check.done) return fn(false);
      check.value(name, auth, (err, allow) => {
        if (err || !allow) return next();
        if (this._nsps.has(name)) return fn(this._nsps.get(name));
        fn(this.parentNsps.get(check.value).createChild(name));
      });
    };
    next();
  }

  of(name, fn) {
    if (typeof name === 'function' || name instanceof RegExp) {
      if (name instanceof RegExp && (name.global || name.sticky)) {
        throw new Error('stateful regular expressions are not supported');
      }
      const parent = new ParentNamespace(this);
      if (typeof name === 'function') {
        this.parentNsps.set(name, parent);
      } else {
        this.parentNsps.set((nsp, _auth, next) => next(null, name.test(nsp)), parent);
        this.parentNamespacesFromRegExp.set(name, parent);
      }
      if (fn) parent.on('connect', fn);
      return parent;
    }
    if (String(name)[0] !== '/') name = `/${name}`;
    let nsp = this._nsps.get(name);
    if (!nsp) {
      for (const [regex, parent] of this.parentNamespacesFromRegExp) {
        if (regex.test(name)) return parent.createChild(name);
      }
      nsp = new Namespace(this, name);
      this._nsps.set(name, nsp);
      if (name !== '/') EventEmitter.prototype.emit.call(this.sockets, 'new_namespace', nsp);
    }
    if (fn) nsp.on('connect', fn);
    return nsp;
  }

  /** Disconnects every client ("server shutting down") and closes the HTTP server. */
  async close(fn) {
    this._engine?.close();
    await Promise.allSettled([...this._nsps.values()].map(async (nsp) => nsp._closeAdapter()));
    if (this.httpServer) {
      return new Promise((resolve) => {
        this.httpServer.close((err) => {
          fn?.(err);
          resolve();
        });
      });
    }
    fn?.();
  }

  use(fn) {
    this.sockets.use(fn);
    return this;
  }

  to(room) {
    return this.sockets.to(room);
  }

  in(room) {
    return this.sockets.in(room);
  }

  except(room) {
    return this.sockets.except(room);
  }

  send(...args) {
    this.sockets.emit('message', ...args);
    return this;
  }

  write(...args) {
    this.sockets.emit('message', ...args);
    return this;
  }

  serverSideEmit(ev, ...args) {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck(ev, ...args) {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  allSockets() {
    return this.sockets.allSockets();
  }

  compress(compress) {
    return this.sockets.compress(compress);
  }

  get volatile() {
    return this.sockets.volatile;
  }

  get local() {
    return this.sockets.local;
  }

  timeout(timeout) {
    return this.sockets.timeout(timeout);
  }

  fetchSockets() {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room) {
    return this.sockets.socketsJoin(room);
  }

  socketsLeave(room) {
    return this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false) {
    return this.sockets.disconnectSockets(close);
  }
}

// As socket.io: the EventEmitter methods of the server are the main
// namespace's (`io.on('connection', …)`, `io.emit(…)`); so are the
// typed-events helpers, which reach the listeners registered that way.
const emitterMethods = Object.keys(EventEmitter.prototype).filter((name) => typeof EventEmitter.prototype[name] === 'function');
for (const name of [...emitterMethods, 'emitReserved', 'emitUntyped']) {
  Server.prototype[name] = function (...args) {
    return this.sockets[name](...args);
  };
}
