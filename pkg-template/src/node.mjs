// wsframe/node: WebSocket servers and clients on raw `net` sockets. This
// file only moves bytes and runs timers; every protocol decision is made
// by the wsframe core (handshake validation, framing, close handshake).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import {
  ClientHandshake,
  Connection,
  ServerHandshake,
  acceptDeflateResponse,
  acceptResponse,
  deflateOffer,
  negotiateDeflate,
  rejectResponse,
  rejectionFor,
  toBytes,
  validateRequest,
} from 'wsframe';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** Binary payloads from this size are written as given, after a header, not copied. */
const DIRECT_SEND_MIN = 16 * 1024;

/** Options shared by both roles, passed to the core Connection. */
function limitsOf(options) {
  const limits = {};
  for (const key of ['maxFrameSize', 'maxFragments', 'maxBufferedBytes', 'autoPong']) {
    if (options[key] !== undefined) limits[key] = options[key];
  }
  // `maxPayload` is what ws calls the message limit.
  const maxMessage = options.maxMessageSize ?? options.maxPayload;
  if (maxMessage !== undefined) limits.maxMessageSize = maxMessage;
  return limits;
}

/** permessage-deflate options from `true` / `false` / an object. */
function deflateOptionsOf(value, byDefault) {
  const enabled = value ?? byDefault;
  if (!enabled) return null;
  return enabled === true ? {} : enabled;
}

/** The options that stay local (not negotiated) for the Connection. */
function localDeflate(options) {
  const local = {};
  for (const key of ['threshold', 'level', 'memLevel']) if (options[key] !== undefined) local[key] = options[key];
  return local;
}

function asBuffer(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One WebSocket over a socket. Events: 'open' (clients), 'message' (data:
 * string for text, Buffer for binary; isBinary), 'ping' and 'pong' (Buffer),
 * 'close' (code, reason), 'error' (err), 'drain'.
 */
export class WebSocket extends EventEmitter {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #socket = null;
  #conn = null;
  #options;
  #closeTimer = null;
  #idleTimer = null;
  #closeCode = 1006;
  #closeReason = '';
  #closeEmitted = false;
  #pausedForDrain = false;

  /** @internal Use WebSocketServer or connect(). */
  constructor(options = {}) {
    super();
    this.#options = {
      closeTimeout: 30_000,
      idleTimeout: 0,
      pauseOnBackpressure: true,
      ...options,
    };
    this.readyState = CONNECTING;
    this.protocol = '';
    this.extensions = '';
    this.url = options.url ?? '';
  }

  /** The underlying socket (remote address, bytes read and written, ...). */
  get socket() {
    return this.#socket;
  }

  /** Bytes handed to the socket and not yet sent. */
  get bufferedAmount() {
    return this.#socket ? this.#socket.writableLength : 0;
  }

  /** @internal Takes over `socket` (paused) once the handshake is done. */
  _attach(socket, connection) {
    this.#socket = socket;
    this.#conn = connection;
    this.readyState = OPEN;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('drain', () => this.#onDrain());
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onSocketClose());
    socket.on('error', (err) => this.#onSocketError(err));
    this.#armIdleTimer();
  }

  /** @internal After 'connection'/'open' listeners are attached: the bytes that came with the handshake, then the socket. */
  _start(rest) {
    if (rest?.length) this.#onData(rest);
    if (!this.#pausedForDrain && this.readyState !== CLOSED) this.#socket.resume();
  }

  #write(bytes) {
    if (!this.#socket || this.#socket.destroyed || !this.#socket.writable) return false;
    const ok = this.#socket.write(asBuffer(bytes));
    if (!ok && this.#options.pauseOnBackpressure && !this.#pausedForDrain) {
      // The peer does not read what we send: stop reading what it sends
      // until it catches up, so neither side's buffers grow without bound.
      this.#pausedForDrain = true;
      this.#socket.pause();
    }
    return ok;
  }

  #onDrain() {
    if (this.#pausedForDrain) {
      this.#pausedForDrain = false;
      this.#socket.resume();
    }
    this.emit('drain');
  }

  #armIdleTimer() {
    if (!this.#options.idleTimeout) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.readyState === OPEN) this.close(1001, 'idle timeout');
    }, this.#options.idleTimeout);
    this.#idleTimer.unref?.();
  }

  #onData(chunk) {
    if (!this.#conn) return;
    this.#armIdleTimer();
    const { events, output, error, pending } = this.#conn.receive(chunk);
    if (output) this.#write(output);
    let closeFrame = null;
    for (const event of events) {
      if (this.readyState === CLOSED) return;
      switch (event.type) {
        case 'text':
          this.emit('message', event.data, false);
          break;
        case 'binary':
          this.emit('message', asBuffer(event.data), true);
          break;
        case 'ping':
          this.emit('ping', asBuffer(event.data));
          break;
        case 'pong':
          this.emit('pong', asBuffer(event.data));
          break;
        case 'close':
          closeFrame = event;
          break;
      }
    }
    // Replies to the events above went out first; now the close owed, if any.
    if (pending && this.#conn) {
      const tail = this.#conn.flush();
      if (tail) this.#write(tail);
    }
    if (closeFrame) this.#onCloseFrame(closeFrame.code, closeFrame.reason);
    if (error) {
      this.#closeCode = error.closeCode ?? 1002;
      this.#closeReason = '';
      this.readyState = CLOSING;
      this.emit('error', error);
      this.#socket.end();
      this.#armCloseTimer();
    }
  }

  #onCloseFrame(code, reason) {
    this.#closeCode = code;
    this.#closeReason = reason;
    this.readyState = CLOSING;
    if (this.#conn.role === 'server') {
      // The close handshake is complete (the core answered it): the server
      // closes the TCP connection first (RFC 6455 §7.1.1).
      this.#socket.end();
    }
    this.#armCloseTimer();
  }

  #armCloseTimer() {
    if (this.#closeTimer) return;
    this.#closeTimer = setTimeout(() => this.#socket?.destroy(), this.#options.closeTimeout);
    this.#closeTimer.unref?.();
  }

  #onEnd() {
    // The peer will send nothing more: finish our side too.
    if (this.#socket.writable) this.#socket.end();
  }

  #onSocketError(err) {
    if (this.readyState !== CLOSED && err.code !== 'EPIPE' && err.code !== 'ECONNRESET') this.emit('error', err);
    this.#socket.destroy();
  }

  #onSocketClose() {
    clearTimeout(this.#closeTimer);
    clearTimeout(this.#idleTimer);
    this.readyState = CLOSED;
    this.#conn?.free();
    this.#conn = null;
    if (!this.#closeEmitted) {
      this.#closeEmitted = true;
      this.emit('close', this.#closeCode, this.#closeReason);
    }
  }

  /** @internal The handshake failed: report it and close. */
  _fail(err) {
    this.readyState = CLOSED;
    if (this.listenerCount('error')) this.emit('error', err);
    this.#closeEmitted = true;
    this.emit('close', 1006, '');
  }

  #checkOpen(what) {
    if (this.readyState !== OPEN) {
      const err = new Error(`WebSocket is not open: cannot ${what} (readyState ${this.readyState})`);
      err.code = 'invalid_state';
      throw err;
    }
  }

  /**
   * Sends a message: strings as text, bytes as binary (or text with
   * `{ binary: false }`). `maxFrameSize` splits it into frames. Returns
   * false when the socket's buffer is full (wait for 'drain').
   */
  send(data, options = {}, callback) {
    if (typeof options === 'function') [callback, options] = [options, {}];
    this.#checkOpen('send');
    const ok = this.#sendDirect(data, options) ?? this.#write(this.#conn.send(data, options));
    if (callback) this.#socket.write('', callback);
    return ok;
  }

  /**
   * A large binary payload goes out as the caller gave it, after a header
   * from the core (as ws writes a server's payloads): two copies fewer.
   * Null when the core must frame it itself (client masking, compression).
   */
  #sendDirect(data, options) {
    if (typeof data === 'string' || options.binary === false || options.maxFrameSize) return null;
    const bytes = toBytes(data);
    if (bytes.length < DIRECT_SEND_MIN) return null;
    const header = this.#conn.sendBinaryHeader(bytes.length);
    if (!header) return null;
    this.#socket.cork();
    this.#write(header);
    const ok = this.#write(bytes);
    this.#socket.uncork();
    return ok;
  }

  ping(data) {
    this.#checkOpen('ping');
    return this.#write(this.#conn.ping(data));
  }

  pong(data) {
    this.#checkOpen('pong');
    return this.#write(this.#conn.pong(data));
  }

  /** Starts the closing handshake (no code: a close frame without status). */
  close(code, reason = '') {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    if (this.readyState === CONNECTING) {
      this.terminate();
      return;
    }
    const bytes = this.#conn.close(code, reason);
    this.readyState = CLOSING;
    this.#closeCode = code ?? 1005;
    this.#write(bytes);
    this.#armCloseTimer();
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate() {
    this.readyState = CLOSING;
    this.#socket?.destroy();
  }

  pause() {
    this.#socket?.pause();
  }

  resume() {
    if (!this.#pausedForDrain) this.#socket?.resume();
  }
}

function headerPairs(rawHeaders) {
  const pairs = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
  return pairs;
}

/**
 * A WebSocket server. Either give it `port` (and `host`) to listen on its own
 * raw `net` server, or `server` (a net.Server to take sockets from), or call
 * `handleSocket(socket)` / `handleUpgrade(req, socket, head)` yourself.
 *
 * Options: `protocols` (subprotocols the server speaks, in preference order)
 * or `handleProtocols(offered, request)` returning one of them or
 * undefined; `verifyClient({ origin, request })` returning true, false
 * (answered 403) or `{ status, body }` (may return a Promise);
 * `headers` (extra 101 headers); `perMessageDeflate` (false, true or
 * options: `serverNoContextTakeover`, `clientNoContextTakeover`,
 * `serverMaxWindowBits`, `clientMaxWindowBits`, `threshold`, `level`,
 * `memLevel`); `handshakeTimeout` (ms, default 10000);
 * `maxHeadBytes`, `maxHeaders`; connection limits `maxPayload` (=
 * `maxMessageSize`), `maxFrameSize`, `maxFragments`, `maxBufferedBytes`,
 * `autoPong`; socket options `idleTimeout`, `closeTimeout`,
 * `pauseOnBackpressure`.
 * Events: 'connection' (ws, request), 'rejected' (error, socket), 'error',
 * 'listening', 'close'.
 */
export class WebSocketServer extends EventEmitter {
  #options;
  #clients = new Set();

  constructor(options = {}, onConnection) {
    super();
    this.#options = { handshakeTimeout: 10_000, ...options };
    if (onConnection) this.on('connection', onConnection);
    if (options.server) {
      this.server = options.server;
    } else {
      this.server = net.createServer();
      this.server.on('listening', () => this.emit('listening'));
      this.server.on('error', (err) => this.emit('error', err));
      this.server.on('close', () => this.emit('close'));
    }
    this.server.on('connection', (socket) => this.handleSocket(socket));
    if (options.port !== undefined) this.server.listen(options.port, options.host ?? '127.0.0.1');
  }

  /** The sockets' WebSockets that are still open. */
  get clients() {
    return this.#clients;
  }

  listen(...args) {
    this.server.listen(...args);
    return this;
  }

  address() {
    return this.server.address();
  }

  /** Stops listening and closes every client with 1001. */
  close(callback) {
    for (const ws of this.#clients) ws.close(1001, 'server shutting down');
    this.server.close(callback);
  }

  /** Runs the opening handshake on a raw socket (`head`: bytes already read from it). */
  handleSocket(socket, head) {
    const handshake = new ServerHandshake({
      maxHeadBytes: this.#options.maxHeadBytes,
      maxHeaders: this.#options.maxHeaders,
    });
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
    }, this.#options.handshakeTimeout);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', cleanup);
      handshake.free();
    };
    const onError = () => cleanup();
    const onData = (chunk) => {
      let request;
      try {
        request = handshake.push(chunk);
      } catch (err) {
        cleanup();
        this.#refuse(socket, rejectionFor(err), err);
        return;
      }
      if (!request) return;
      cleanup();
      socket.pause();
      this.#complete(socket, request, request.rest);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', cleanup);
    if (head?.length) onData(head);
  }

  /** Completes an upgrade from an `http` server's 'upgrade' event. */
  handleUpgrade(req, socket, head, callback) {
    let request;
    try {
      request = validateRequest({
        method: req.method,
        path: req.url,
        httpMinor: req.httpVersionMajor > 1 ? 1 : req.httpVersionMinor,
        headers: headerPairs(req.rawHeaders),
      });
    } catch (err) {
      this.#refuse(socket, rejectionFor(err), err);
      return;
    }
    if (callback) this.once('connection', callback);
    socket.pause();
    this.#complete(socket, request, head);
  }

  #refuse(socket, response, err) {
    this.emit('rejected', err, socket);
    if (socket.writable) socket.end(Buffer.from(response));
    else socket.destroy();
  }

  async #complete(socket, request, rest) {
    try {
      await this.#accept(socket, request, rest);
    } catch (err) {
      // A callback threw: refuse the request rather than leave it hanging.
      this.#refuse(socket, rejectResponse(500, 'Internal Server Error', undefined), err);
      if (this.listenerCount('error')) this.emit('error', err);
    }
  }

  async #accept(socket, request, rest) {
    const o = this.#options;
    if (o.verifyClient) {
      const verdict = await o.verifyClient({ origin: request.origin, request });
      if (verdict !== true) {
        const status = verdict?.status ?? 403;
        const body = verdict?.body ?? 'Forbidden';
        const err = new Error(`client refused with ${status}`);
        err.code = 'origin_rejected';
        this.#refuse(socket, rejectResponse(status, body), err);
        return;
      }
    }
    let protocol;
    if (o.handleProtocols) protocol = o.handleProtocols(request.protocols, request) || undefined;
    else if (o.protocols) protocol = o.protocols.find((p) => request.protocols.includes(p));
    let extensions;
    let deflate;
    const deflateOptions = deflateOptionsOf(o.perMessageDeflate, false);
    if (deflateOptions) {
      const agreed = negotiateDeflate(request.extensions, deflateOptions);
      if (agreed) {
        extensions = agreed.response;
        deflate = { ...agreed.params, ...localDeflate(deflateOptions) };
      }
    }
    const response = acceptResponse(request, { protocol, extensions, headers: o.headers });
    if (socket.destroyed) return;
    socket.write(Buffer.from(response));
    const ws = new WebSocket(o);
    ws.protocol = protocol ?? '';
    ws.extensions = extensions ?? '';
    this.#clients.add(ws);
    ws.on('close', () => this.#clients.delete(ws));
    ws._attach(socket, new Connection({ role: 'server', ...limitsOf(o), deflate }));
    this.emit('connection', ws, request);
    ws._start(rest);
  }
}

function parseTarget(target) {
  if (typeof target === 'string' || target instanceof URL) {
    const url = new URL(target);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`not a ws: or wss: URL: ${url}`);
    const secure = url.protocol === 'wss:';
    return {
      secure,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || (secure ? 443 : 80),
      path: (url.pathname || '/') + url.search,
      hostHeader: url.host,
      url: url.href,
    };
  }
  const port = target.port ?? (target.secure ? 443 : 80);
  const host = target.host ?? '127.0.0.1';
  return {
    secure: !!target.secure,
    host,
    port,
    path: target.path ?? '/',
    hostHeader: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    url: `${target.secure ? 'wss' : 'ws'}://${host}:${port}${target.path ?? '/'}`,
  };
}

/**
 * Opens a WebSocket client connection over `net` (or `tls` for wss:).
 * `target`: a ws:/wss: URL or `{ host, port, path, secure }`. Options:
 * `protocols`, `origin`, `headers`, `perMessageDeflate` (default true:
 * offered; or options as for the server), `handshakeTimeout` (ms, default
 * 10000), connection limits as for the server, `idleTimeout`,
 * `closeTimeout`, `pauseOnBackpressure`, and `tls` options for wss:.
 * Returns the WebSocket at once; it emits 'open' when the handshake is done.
 */
export function connect(target, options = {}) {
  const t = parseTarget(target);
  const ws = new WebSocket({ ...options, url: t.url });
  const deflateOptions = deflateOptionsOf(options.perMessageDeflate, true);
  let handshake;
  try {
    handshake = new ClientHandshake({
      host: t.hostHeader,
      path: t.path,
      origin: options.origin,
      protocols: options.protocols ?? [],
      extensions: deflateOptions ? deflateOffer(deflateOptions) : undefined,
      headers: options.headers,
    });
  } catch (err) {
    queueMicrotask(() => ws._fail(err));
    return ws;
  }
  const socket = t.secure
    ? tls.connect({ host: t.host, port: t.port, servername: t.host, ...options.tls })
    : net.connect({ host: t.host, port: t.port });
  const timer = setTimeout(() => {
    fail(Object.assign(new Error('opening handshake timed out'), { code: 'handshake_timeout' }));
  }, options.handshakeTimeout ?? 10_000);
  const cleanup = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', fail);
    socket.off('close', onClose);
    handshake.free();
  };
  const fail = (err) => {
    cleanup();
    socket.destroy();
    ws._fail(err);
  };
  const onClose = () => fail(Object.assign(new Error('connection closed during the handshake'), { code: 'ECONNRESET' }));
  const onData = (chunk) => {
    let response;
    try {
      response = handshake.push(chunk);
    } catch (err) {
      fail(err);
      return;
    }
    if (!response) return;
    let deflate;
    try {
      const params = deflateOptions ? acceptDeflateResponse(response.extensions, deflateOptions) : null;
      if (params) deflate = { ...params, ...localDeflate(deflateOptions) };
    } catch (err) {
      fail(err);
      return;
    }
    cleanup();
    ws.protocol = response.protocol ?? '';
    ws.extensions = response.headers.find(([name]) => name.toLowerCase() === 'sec-websocket-extensions')?.[1] ?? '';
    socket.pause();
    ws._attach(socket, new Connection({ role: 'client', ...limitsOf(options), deflate }));
    ws.emit('open');
    ws._start(response.rest);
  };
  socket.on(t.secure ? 'secureConnect' : 'connect', () => socket.write(Buffer.from(handshake.request)));
  socket.on('data', onData);
  socket.on('error', fail);
  socket.on('close', onClose);
  return ws;
}

/** Shorthand: a WebSocketServer listening on `port` (and `options.host`, default 127.0.0.1). */
export function createServer(options = {}, onConnection) {
  return new WebSocketServer(options, onConnection);
}

// Socket.IO and Engine.IO on raw sockets, run by the core's server.
export { SocketIoServer, IoSocket } from './socketio-server.mjs';
