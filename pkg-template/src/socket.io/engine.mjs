// The Engine.IO side of `wsframe/socket.io`, attached to a Node HTTP server
// as engine.io attaches: requests and upgrades for its path go to the Rust
// core, everything else to the listeners the server already had. This file
// moves bytes between Node and the core, runs the core's one timer, and
// hands the Socket.IO events to the server.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { EngineServerCore, onTrap } from 'wsframe';
import { trapCloseFrame } from '../node/constants.mjs';
import { asBuffer } from './args.mjs';
import { checkBacklog, OVERFLOW_FACTOR } from './backpressure.mjs';
import { runMiddlewares } from './middleware.mjs';

const now = () => performance.now();
const noop = () => {};
/** An upgraded socket's connection number (the core's name for it). */
const CONN = Symbol('wsframe.conn');
/** `conn.transport`, shared: engine.io's transports are read for their name. */
const TRANSPORTS = { polling: Object.freeze({ name: 'polling' }), websocket: Object.freeze({ name: 'websocket' }) };

/** engine.io's `Server.errorMessages`, by code. */
const ENGINE_MESSAGES = ['Transport unknown', 'Session ID unknown', 'Bad handshake method', 'Bad request', 'Forbidden', 'Unsupported protocol version'];

/** engine.io's `Server.errors` for what is refused in JS, with their messages. */
const engineError = (code) => ({ code, message: ENGINE_MESSAGES[code] });
export const ENGINE_ERRORS = {
  UNKNOWN_TRANSPORT: engineError(0),
  BAD_REQUEST: engineError(3),
  FORBIDDEN: engineError(4),
};

function abortRequest(res, error, message = error.message) {
  res.writeHead(error.code === 4 ? 403 : 400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code: error.code, message }));
}

function abortUpgrade(socket, error, message = error.message) {
  socket.on('error', () => {});
  if (socket.writable) {
    socket.write(
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\n' +
        `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    );
  }
  socket.destroy();
}

/** The answer to every request and upgrade once the wasm instance has trapped (no details: they are for the server's logs). */
function refuseAfterTrap(res, socket) {
  const body = 'Internal Server Error';
  if (res) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(body);
    return;
  }
  socket.on('error', () => {});
  socket.end(
    'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Type: text/plain\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** What middlewares get as `res` on an upgrade: the headers they set go on the 101. */
class UpgradeResponse {
  #headers = new Map();
  #socket;

  constructor(socket) {
    this.#socket = socket;
  }

  setHeader(name, value) {
    this.#headers.set(name.toLowerCase(), [name, value]);
  }

  getHeader(name) {
    return this.#headers.get(name.toLowerCase())?.[1];
  }

  removeHeader(name) {
    this.#headers.delete(name.toLowerCase());
  }

  write() {}

  writeHead() {}

  /** A middleware that ends the response refuses the upgrade. */
  end() {
    this.#socket.destroy();
  }

  /** `{ name: value }`, as set (engine.io hands this object to its 'headers' listeners). */
  headerObject() {
    return Object.fromEntries(this.#headers.values());
  }
}

/** [[name, value]] of a `{ name: value }` object, multi-valued headers as several lines. */
function headerLines(object) {
  return Object.entries(object).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, String(v)]) : [[name, String(value)]]));
}

/** The query of a request URL, as engine.io's `req._query`. */
export function queryOf(req) {
  if (!req._query) req._query = Object.fromEntries(new URL(req.url, 'https://socket.io').searchParams.entries());
  return req._query;
}

/** The first of gzip/deflate the client accepts (q > 0), as engine.io picks. */
function acceptedEncoding(req) {
  const offered = String(req.headers['accept-encoding'] ?? '')
    .split(',')
    .map((part) => {
      const [name, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { name, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((e) => e.q > 0);
  const accepts = (name) => offered.some((e) => e.name === name || e.name === '*');
  return ['gzip', 'deflate'].find(accepts);
}

/** engine.io's per-packet events: the core reports a session's packets once one of them has a listener. */
const PACKET_EVENTS = new Set(['packet', 'packetCreate', 'heartbeat', 'drain']);
const WATCH = Symbol('wsframe.watchPackets');

/**
 * socket.io's `socket.conn`: the Engine.IO session under a client. Events
 * 'upgrade' (transport), 'close' (reason), and engine.io's 'packet'
 * (each packet received: `{ type, data }`), 'packetCreate' (each packet
 * sent: `{ type, options, data }`), 'heartbeat' and 'drain'.
 */
export class EngineConn extends EventEmitter {
  #engine;
  #observed = false;

  constructor(engine, sid, protocol, transport, request) {
    super();
    // Most sessions never get a listener: their table (a dictionary of
    // some 200 bytes) is made by the first `on`, which EventEmitter does
    // when `_events` is undefined, as for an emitter it never initialised.
    this._events = undefined;
    this.#engine = engine;
    this.id = sid;
    this.protocol = protocol;
    this.transport = TRANSPORTS[transport];
    this.request = request;
    this.readyState = 'open';
    this.upgraded = transport === 'websocket';
    // Read now: the request's socket may be gone by the time it is asked.
    this.remoteAddress = request?.socket?.remoteAddress;
  }

  /** Called by every way of adding a listener (below). */
  [WATCH](event) {
    if (this.#observed || !PACKET_EVENTS.has(event) || this.readyState !== 'open') return;
    this.#observed = true;
    this.#engine.core.observe(this.id, true);
  }

  /** Closes the session (engine.io's `socket.close()`). */
  close() {
    this.#engine.closeSession(this.id);
    return this;
  }

  /** Raw Engine.IO sessions (`EngineIoServer`): sends a message, a string or binary (dropped once closed, as engine.io drops it). */
  send(data, options, callback) {
    if (typeof options === 'function') callback = options;
    if (this.readyState !== 'open') return this;
    this.#engine.core.sendMessage(this.id, typeof data === 'string' ? data : toUint8Array(data), now());
    this.#engine.flushSoon();
    if (callback) process.nextTick(callback);
    return this;
  }

  write(data, options, callback) {
    return this.send(data, options, callback);
  }
}

for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
  EngineConn.prototype[method] = function (event, listener) {
    this[WATCH](event);
    return EventEmitter.prototype[method].call(this, event, listener);
  };
}

function toUint8Array(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('a message is a string, an ArrayBuffer or a view of one');
}

/**
 * Drives the core for one `Server` (socket.io's `io.engine`), or, with
 * `endpoint: 'engine'`, for raw Engine.IO sessions (`EngineIoServer`). `handlers`
 * get the Socket.IO records (connect, event, ack, decoded, disconnect;
 * see server-core.mjs) and `sessionClosed(conn)`. Events: 'connection'
 * (EngineConn), 'connection_error' ({ req, code, message, context }) for
 * requests refused before the core.
 */
export class Engine extends EventEmitter {
  core;
  #options;
  #handlers;
  #conns = new Map();
  #nextConn = 0;
  #timer = null;
  #timerAt = Infinity;
  #sessions = new Map();
  #requests = new Map();
  #middlewares = [];
  #flushQueued = false;
  #path;
  /** The trap error once the wasm instance has trapped (see raw.mjs). */
  #trap = null;
  #unwatchTrap;

  constructor(options, handlers) {
    super();
    this.#options = options;
    this.#handlers = handlers;
    const path = options.path.replace(/\/$/, '');
    this.#path = options.addTrailingSlash === false ? path : `${path}/`;
    if (options.corsMiddleware) this.#middlewares.push(options.corsMiddleware);
    this.core = new EngineServerCore({
      pingInterval: options.pingInterval,
      pingTimeout: options.pingTimeout,
      maxPayload: options.maxHttpBufferSize,
      connectTimeout: options.connectTimeout,
      upgradeTimeout: options.upgradeTimeout,
      allowEio3: options.allowEIO3,
      allowUpgrades: options.allowUpgrades && options.transports.includes('websocket'),
      maxBufferedBytes: options.maxBufferedBytes * OVERFLOW_FACTOR,
      perMessageDeflate: options.deflatePreferences,
      cookie: options.cookie ? cookieTemplate(options.cookie) : null,
      socketioPath: options.endpoint === 'engine' ? null : this.#path,
      enginePath: options.endpoint === 'engine' ? this.#path : null,
    });
    // engine.io's `initialPacket` (sent when truthy): bytes as binary, anything else as its text.
    const initial = options.initialPacket;
    if (initial) this.core.setInitialPacket(ArrayBuffer.isView(initial) || initial instanceof ArrayBuffer ? initial : String(initial));
    this.#unwatchTrap = onTrap((err) => {
      this.#trap = err;
      clearTimeout(this.#timer);
      this.#timerAt = Infinity;
      process.nextTick(() => this.#closeAfterTrap(err));
    });
  }

  /**
   * The core is gone: the server above closes its sockets ('trap'), then
   * every connection ends — a WebSocket with close 1011, a waiting poll or
   * an unanswered upgrade with 500 — and every session closes with
   * "transport error".
   */
  #closeAfterTrap(err) {
    this.emit('trap', err);
    for (const { socket, res, written } of this.#conns.values()) {
      if (res) {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end();
      } else if (written) {
        socket.end(trapCloseFrame(false));
        setTimeout(() => socket.destroy(), 1000).unref();
      } else {
        refuseAfterTrap(null, socket);
      }
    }
    this.#conns.clear();
    for (const conn of this.#sessions.values()) {
      conn.readyState = 'closed';
      conn.emit('close', 'transport error');
      this.#handlers.sessionClosed(conn);
    }
    this.#sessions.clear();
  }

  /** The open sessions, by id (socket.io's `engine.clients`). */
  get clients() {
    return Object.fromEntries(this.#sessions);
  }

  get clientsCount() {
    return this.#sessions.size;
  }

  /** engine.io's `attach`: this path's requests and upgrades, others left to the server's listeners. */
  attach(httpServer) {
    const matches = (req) => req.url.slice(0, this.#path.length) === this.#path;
    const listeners = httpServer.listeners('request').slice();
    httpServer.removeAllListeners('request');
    httpServer.on('request', (req, res) => {
      if (matches(req)) this.handleRequest(req, res);
      else for (const listener of listeners) listener.call(httpServer, req, res);
    });
    if (!this.#options.transports.includes('websocket')) return;
    httpServer.on('upgrade', (req, socket, head) => {
      if (matches(req)) {
        this.handleUpgrade(req, socket, head);
      } else if (this.#options.destroyUpgrade !== false) {
        // Nobody else took it: as engine.io, end it after a while.
        setTimeout(() => {
          if (socket.writable && socket.bytesWritten <= 0) {
            socket.on('error', () => {});
            socket.end();
          }
        }, this.#options.destroyUpgradeTimeout ?? 1000);
      }
    });
  }

  /** engine.io's `use`: Express-style middlewares run on every request and upgrade of the path. */
  use(fn) {
    this.#middlewares.push(fn);
  }

  /** engine.io's checks that need the app (middlewares, transports, allowRequest); then `next()`. */
  #verify(req, res, upgrade, abort, next) {
    const refuse = (error, context = {}) => {
      this.emit('connection_error', { req, code: error.code, message: error.message, context });
      abort(error, context.message);
    };
    const query = queryOf(req);
    runMiddlewares(this.#middlewares, [req, res], (err) => {
      if (err) return refuse(ENGINE_ERRORS.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
      if (!this.#options.transports.includes(query.transport)) return refuse(ENGINE_ERRORS.UNKNOWN_TRANSPORT, { transport: query.transport });
      const allowRequest = this.#options.allowRequest;
      if (query.sid !== undefined || !allowRequest) return next();
      // The handshake's other rules (GET only, a websocket handshake only as
      // an upgrade) are the core's, and come first there.
      if (req.method !== 'GET' || (query.transport === 'websocket' && !upgrade)) return next();
      allowRequest(req, (message, success) => {
        if (!success) refuse(ENGINE_ERRORS.FORBIDDEN, { message: message || ENGINE_ERRORS.FORBIDDEN.message });
        else next();
      });
    });
  }

  handleRequest(req, res) {
    if (this.#trap) return refuseAfterTrap(res);
    req.res = res;
    this.#verify(
      req,
      res,
      false,
      (error, message) => abortRequest(res, error, message),
      () => this.#withSessionId(req, false, (error) => abortRequest(res, error), (sid) => this.#readBody(req, res, sid)),
    );
  }

  /**
   * engine.io's `generateId(req)`: a session id for a handshake. By
   * default the core draws one from the OS random source; an application
   * may replace this method (`io.engine.generateId = (req) => id`,
   * returning the id or a promise of it), and the id it gives is used
   * unless a session has it or it is not 1-128 cookie characters.
   */
  generateId() {
    return randomBytes(15).toString('base64url');
  }

  /** Calls an application's `generateId` for a handshake, then `next(sid)` (`next()` when it is not replaced or this is not a handshake). */
  #withSessionId(req, upgrade, abort, next) {
    const query = queryOf(req);
    const handshake = query.sid === undefined && req.method === 'GET' && query.transport === (upgrade ? 'websocket' : 'polling');
    if (!handshake || this.generateId === Engine.prototype.generateId) return next();
    const failed = (error) => {
      this.emit('connection_error', { req, ...ENGINE_ERRORS.BAD_REQUEST, context: { name: 'ID_GENERATION_ERROR', error } });
      abort(ENGINE_ERRORS.BAD_REQUEST);
    };
    const chosen = (id) => (id === undefined || id === null ? failed(new TypeError('generateId returned no id')) : next(String(id)));
    let id;
    try {
      id = this.generateId(req);
    } catch (error) {
      return failed(error);
    }
    if (typeof id?.then === 'function') id.then(chosen, failed);
    else chosen(id);
  }

  #readBody(req, res, sid) {
    const conn = ++this.#nextConn;
    const chunks = [];
    let length = 0;
    let refused = false;
    const limit = this.#options.maxHttpBufferSize;
    if (Number(req.headers['content-length']) > limit) {
      res.writeHead(413).end();
      return;
    }
    req.on('data', (chunk) => {
      length += chunk.length;
      if (length > limit && !refused) {
        refused = true;
        res.writeHead(413).end();
      } else if (!refused) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (refused) return;
      this.#conns.set(conn, { res, req });
      res.on('close', () => {
        if (this.#conns.get(conn)?.res === res) {
          this.#conns.delete(conn);
          this.core.closed(conn, now());
          this.flush();
        }
      });
      // The request stays known until its session's open record is read.
      this.#requests.set(conn, req);
      this.core.httpRequest(conn, req, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), now(), sid);
      this.flush();
      this.#requests.delete(conn);
    });
  }

  handleUpgrade(req, socket, head) {
    if (this.#trap) return refuseAfterTrap(null, socket);
    const res = new UpgradeResponse(socket);
    this.#verify(
      req,
      res,
      true,
      (error, message) => abortUpgrade(socket, error, message),
      () => this.#withSessionId(req, true, (error) => abortUpgrade(socket, error), (sid) => this.#upgraded(req, socket, head, this.#upgradeHeaders(req, res), sid)),
    );
  }

  /**
   * The headers middlewares set for the 101 (once its head is "written"), after engine.io's
   * 'initial_headers' (a handshake) and 'headers' listeners, which may
   * change them. An upgrade for a session nobody has is refused with 400,
   * and engine.io tells no listener about it.
   */
  #upgradeHeaders(req, res) {
    const sid = queryOf(req).sid;
    if (sid !== undefined && !this.#sessions.has(sid)) return [];
    // As engine.io: middlewares such as express-session add their headers
    // (its Set-Cookie) when the response's head is written.
    res.writeHead();
    const headers = res.headerObject();
    this.#emitHeaders(headers, req);
    return headerLines(headers);
  }

  /** engine.io's 'initial_headers' (the handshake's response) and 'headers' (every response) events, on an object of headers. */
  #emitHeaders(headers, req) {
    if (queryOf(req).sid === undefined) this.emit('initial_headers', headers, req);
    this.emit('headers', headers, req);
  }

  /**
   * Hands a verified upgrade's socket to the core. A method of its own so
   * that the socket's listeners, which live as long as the connection,
   * keep nothing of the upgrade's answer alive (closures made in
   * `handleUpgrade` would hold its whole scope, the response included).
   */
  #upgraded(req, socket, head, headers, sid) {
    const conn = ++this.#nextConn;
    this.#conns.set(conn, { socket });
    socket.setNoDelay(true);
    socket[CONN] = conn;
    socket.on('data', this.#onSocketData);
    socket.on('error', noop);
    socket.on('close', this.#onSocketClose);
    this.#requests.set(conn, req);
    this.core.upgrade(conn, req, headers, now(), sid);
    if (head?.length) this.core.receive(conn, head, now());
    this.flush();
    this.#requests.delete(conn);
  }

  /** Writes to an upgraded connection's socket, watching how much waits there. */
  #write(conn, bytes, backlogged) {
    const entry = this.#conns.get(conn);
    const socket = entry?.socket;
    if (!socket) return;
    socket.write(bytes);
    entry.written = true;
    // The common case, decided without a closure per write (a broadcast
    // writes to every recipient).
    if (socket.writableLength <= this.#options.maxBufferedBytes) return;
    checkBacklog(socket, this.#options.maxBufferedBytes, (level) => {
      if (level === 0) {
        this.core.congestion(conn, 0, now());
        this.flush();
      } else {
        backlogged.push([conn, level]);
      }
    });
  }

  /**
   * What the application's calls (emit, ack, join, …) do: the core's output
   * is carried out once the current task's synchronous work is done, so a
   * burst of emits costs one pass (and one write per connection).
   */
  flushSoon() {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flushQueuedOutput);
  }

  // One listener of each kind for every upgraded socket (`this` is the
  // socket, which carries its connection number): closures per socket
  // would cost a few hundred bytes per client.
  #onSocketData = (() => {
    const engine = this;
    return function onSocketData(chunk) {
      engine.core.receive(this[CONN], chunk, now());
      engine.flush();
    };
  })();

  #onSocketClose = (() => {
    const engine = this;
    return function onSocketClose() {
      engine.#conns.delete(this[CONN]);
      engine.core.closed(this[CONN], now());
      engine.flush();
    };
  })();

  #flushQueuedOutput = () => {
    this.#flushQueued = false;
    this.flush();
  };

  /** Carries out what the core asked for; schedules its next tick. */
  flush() {
    if (this.#trap) return;
    const backlogged = [];
    for (const action of this.core.takeOutput()) {
      switch (action.kind) {
        case 'write':
          this.#write(action.conn, asBuffer(action.bytes), backlogged);
          break;
        case 'writeShared': {
          const bytes = asBuffer(action.bytes);
          for (const conn of action.conns) this.#write(conn, bytes, backlogged);
          break;
        }
        case 'end':
          this.#conns.get(action.conn)?.socket?.end();
          break;
        case 'respond':
          this.#respond(action);
          break;
        case 'refused':
          this.#refused(action);
          break;
        case 'open': {
          const request = this.#requests.get(action.conn);
          const conn = new EngineConn(this, action.sid, action.protocol, action.transport, request);
          this.#sessions.set(action.sid, conn);
          // A polling handshake's session is announced once its answer is
          // written, after the answer's 'headers' events, as engine.io does.
          const entry = this.#conns.get(action.conn);
          if (entry?.res) entry.opened = conn;
          else this.emit('connection', conn);
          break;
        }
        case 'upgrade': {
          const conn = this.#sessions.get(action.sid);
          if (conn) {
            conn.transport = TRANSPORTS.websocket;
            conn.upgraded = true;
            conn.emit('upgrade', conn.transport);
          }
          break;
        }
        case 'close': {
          const conn = this.#sessions.get(action.sid);
          this.#sessions.delete(action.sid);
          if (conn) {
            conn.readyState = 'closed';
            conn.emit('close', action.reason);
            this.#handlers.sessionClosed(conn);
          }
          break;
        }
        case 'message':
          this.#sessions.get(action.sid)?.emit('message', action.data);
          break;
        case 'packet': {
          const conn = this.#sessions.get(action.sid);
          if (!conn) break;
          if (action.received) {
            conn.emit('packet', action.packet);
            if (action.heartbeat) conn.emit('heartbeat');
          } else {
            // As engine.io's: the type, the send options, then the data.
            const { type, data } = action.packet;
            conn.emit('packetCreate', data === undefined ? { type, options: { compress: action.compress } } : { type, options: { compress: action.compress }, data });
          }
          break;
        }
        case 'drain':
          this.#sessions.get(action.sid)?.emit('drain');
          break;
        case 'connect':
          this.#handlers.connect(action, this.#sessions.get(action.sid));
          break;
        case 'event':
          this.#handlers.event(action);
          break;
        case 'ack':
          this.#handlers.ack(action);
          break;
        case 'decoded':
          this.#handlers.decoded?.(action);
          break;
        case 'disconnect':
          this.#handlers.disconnect(action);
          break;
      }
    }
    if (backlogged.length) {
      for (const [conn, level] of backlogged) this.core.congestion(conn, level, now());
      this.flush();
      return;
    }
    this.#schedule();
  }

  /** engine.io's 'connection_error' for a request the core refuses, with engine.io's context. */
  #refused({ conn, code, name }) {
    const req = this.#requests.get(conn);
    if (!req) return;
    const query = queryOf(req);
    const context =
      code === 0 ? { transport: query.transport }
      : code === 1 ? { sid: query.sid }
      : code === 2 ? { method: req.method }
      : code === 5 ? { protocol: query.EIO === '4' ? 4 : 3 }
      : name === 'TRANSPORT_MISMATCH' ? { name, transport: query.transport, previousTransport: this.#sessions.get(query.sid)?.transport.name }
      : name === 'ID_GENERATION_ERROR' ? { name, error: new TypeError('generateId gave an id a session already has, or not 1-128 cookie characters') }
      : { name };
    this.emit('connection_error', { req, code, message: ENGINE_MESSAGES[code], context });
  }

  #respond({ conn, status, headers, body, compress: compressible }) {
    const entry = this.#conns.get(conn);
    this.#conns.delete(conn);
    if (!entry?.res) return;
    const { res, req } = entry;
    const compression = this.#options.httpCompression;
    const encoding = compression && compressible && req.method === 'GET' && body.length >= compression.threshold ? acceptedEncoding(req) : undefined;
    if (encoding) {
      body = encoding === 'gzip' ? zlib.gzipSync(body, compression) : zlib.deflateSync(body, compression);
      headers.push(['Content-Encoding', encoding]);
    }
    if (status === 200 && (this.listenerCount('headers') || this.listenerCount('initial_headers'))) {
      // As engine.io's listeners see them: with the body's length.
      const object = { 'Content-Length': body.length };
      for (const [name, value] of headers) object[name] = name in object ? [].concat(object[name], value) : value;
      this.#emitHeaders(object, req);
      for (const [name, value] of Object.entries(object)) res.setHeader(name, value);
    } else {
      for (const [name, value] of headers) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.end(asBuffer(body));
    if (entry.opened) this.emit('connection', entry.opened);
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
    this.#timer.unref?.();
  }

  /** Closes one session (its sockets leave with "forced close"). */
  closeSession(sid) {
    this.core.closeSession(sid, now());
    this.flush();
  }

  /** Ends every session; the timer stops. */
  close() {
    this.#unwatchTrap();
    this.core.shutdown(now());
    this.flush();
    clearTimeout(this.#timer);
    this.#timerAt = Infinity;
    for (const { socket } of this.#conns.values()) socket?.end();
  }
}

/**
 * `Set-Cookie` with engine.io's cookie options, `{sid}` standing for the
 * session id (the core puts it in: ids are URL-safe base64, nothing to
 * encode).
 */
function cookieTemplate(options) {
  const parts = [`${options.name}={sid}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (options.path) parts.push(`Path=${options.path}`);
  if (options.expires) parts.push(`Expires=${options.expires.toUTCString()}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.partitioned) parts.push('Partitioned');
  const sameSite = options.sameSite === true ? 'strict' : options.sameSite;
  if (sameSite) parts.push(`SameSite=${sameSite[0].toUpperCase()}${sameSite.slice(1).toLowerCase()}`);
  return parts.join('; ');
}
