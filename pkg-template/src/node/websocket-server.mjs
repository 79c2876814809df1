// `WebSocketServer` of `wsframe/node`: ws 8's class (lib/websocket-server.js
// is the model for its states, events and answers). The core validates the
// upgrade request, chooses the subprotocol by default, negotiates
// permessage-deflate and writes the 101's lines; this file routes requests,
// calls the application's hooks and keeps the clients.
//
// Besides ws's `port`, `server` (http/https) and `noServer` modes, a raw
// `net.Server` (or `tls.Server`) may be given: its sockets' heads are read
// by the core, with `handshakeTimeout`, `maxHeadBytes` and `maxHeaders`.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { ServerHandshake, isTrap, onTrap, trapError, upgradeAnswer, upgradeOffer } from 'wsframe';
import { kWebSocket } from './constants.mjs';
import { requestError, withCode } from './errors.mjs';
import { SERVER_OPTIONS, checkOptions, connectionDefaults, deflatePreferences, withConnectionDefaults } from './options.mjs';
import { incomingMessage } from './request.mjs';
import { WebSocket } from './websocket.mjs';

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** Extra answer headers for a refusal, by the core's code. */
const REFUSAL_HEADERS = {
  method_not_allowed: { Allow: 'GET' },
  unsupported_version: { 'Sec-WebSocket-Version': '13' },
};

export class WebSocketServer extends EventEmitter {
  /** `callback` listens for 'listening' (with `port`). */
  constructor(options, callback) {
    super();
    checkOptions(options, SERVER_OPTIONS, 'WebSocketServer');
    options = {
      ...connectionDefaults(),
      perMessageDeflate: false,
      handleProtocols: null,
      clientTracking: true,
      verifyClient: null,
      noServer: false,
      backlog: null, // Node's default (511)
      server: null,
      host: null,
      path: null,
      port: null,
      WebSocket,
      handshakeTimeout: 10_000,
      ...options,
    };
    withConnectionDefaults.add(options);
    if (
      (options.port == null && !options.server && !options.noServer) ||
      (options.port != null && (options.server || options.noServer)) ||
      (options.server && options.noServer)
    ) {
      throw withCode(
        new TypeError('One and only one of the "port", "server", or "noServer" options must be specified'),
        'invalid_option',
      );
    }
    // Checked now: a bad option fails here, not at the first connection.
    this._deflate = deflatePreferences(options.perMessageDeflate, 'WebSocketServer');

    if (options.port != null) {
      this._server = http.createServer((req, res) => {
        const body = http.STATUS_CODES[426];
        res.writeHead(426, { 'Content-Length': body.length, 'Content-Type': 'text/plain' });
        res.end(body);
      });
      this._server.listen(options.port, options.host, options.backlog, callback);
    } else if (options.server) {
      this._server = options.server;
    }

    if (this._server) {
      const emitConnection = this.emit.bind(this, 'connection');
      const listeners = {
        listening: this.emit.bind(this, 'listening'),
        error: this.emit.bind(this, 'error'),
      };
      const raw = rawKind(this._server);
      if (raw) listeners[raw] = (socket) => this.handleSocket(socket);
      else listeners.upgrade = (req, socket, head) => this.handleUpgrade(req, socket, head, emitConnection);
      this._removeListeners = addListeners(this._server, listeners);
    }

    if (options.perMessageDeflate === true) options.perMessageDeflate = {};
    if (options.clientTracking) {
      this.clients = new Set();
      this._shouldEmitClose = false;
    }
    this.options = options;
    this._state = RUNNING;
    // The wasm instance trapped: its connections close themselves (1011);
    // the server says so (Node's rule: unheard, 'error' throws).
    this._unwatchTrap = onTrap((err) => process.nextTick(() => this.emit('error', err)));
  }

  /** The bound address (`null` before listening); throws in noServer mode. */
  address() {
    if (this.options.noServer) {
      throw withCode(new Error('The server is operating in "noServer" mode'), 'invalid_state');
    }
    if (!this._server) return null;
    return this._server.address();
  }

  /**
   * Stops accepting connections; closes the http server only if it made it.
   * Open connections stay open ('close' waits for them when clients are tracked).
   */
  close(cb) {
    if (this._state === CLOSED) {
      if (cb) this.once('close', () => cb(withCode(new Error('The server is not running'), 'invalid_state')));
      process.nextTick(emitClose, this);
      return;
    }
    if (cb) this.once('close', cb);
    if (this._state === CLOSING) return;
    this._state = CLOSING;
    this._unwatchTrap();
    if (this.options.noServer || this.options.server) {
      if (this._server) {
        this._removeListeners();
        this._removeListeners = this._server = null;
      }
      if (this.clients && this.clients.size) this._shouldEmitClose = true;
      else process.nextTick(emitClose, this);
    } else {
      const server = this._server;
      this._removeListeners();
      this._removeListeners = this._server = null;
      server.close(() => emitClose(this));
    }
  }

  /** Whether this server takes `req` (by default: its path matches the `path` option). */
  shouldHandle(req) {
    if (this.options.path) {
      const index = req.url.indexOf('?');
      const pathname = index !== -1 ? req.url.slice(0, index) : req.url;
      if (pathname !== this.options.path) return false;
    }
    return true;
  }

  /**
   * Completes (or refuses) an upgrade; `cb(ws, req)` once, with this
   * request's WebSocket, when it succeeds. 'connection' is not emitted here.
   */
  handleUpgrade(req, socket, head, cb) {
    socket.on('error', socketOnError);
    if (trapError()) return abortHandshake(socket, 500);
    let request;
    try {
      request = upgradeOffer({
        method: req.method,
        path: req.url,
        httpMinor: req.httpVersionMajor > 1 ? 1 : req.httpVersionMinor,
        headers: req.rawHeaders,
      });
    } catch (err) {
      if (isTrap(err)) return abortHandshake(socket, 500);
      if (typeof err?.code !== 'string' || err.httpStatus === undefined) throw err;
      abortHandshakeOrEmitClientError(this, req, socket, requestError(err));
      return;
    }
    if (!this.shouldHandle(req)) {
      abortHandshake(socket, 400);
      return;
    }
    const verifyClient = this.options.verifyClient;
    if (verifyClient) {
      const info = {
        origin: req.headers.origin,
        secure: !!(req.socket.authorized || req.socket.encrypted),
        req,
      };
      if (verifyClient.length === 2) {
        verifyClient(info, (verified, code, message, headers) => {
          if (!verified) return abortHandshake(socket, code || 401, message, headers);
          this.completeUpgrade(request, req, socket, head, cb);
        });
        return;
      }
      if (!verifyClient(info)) {
        abortHandshake(socket, 401);
        return;
      }
    }
    this.completeUpgrade(request, req, socket, head, cb);
  }

  /** Writes the 101 and hands the socket to a new WebSocket. @internal */
  completeUpgrade(request, req, socket, head, cb) {
    // The client already sent FIN.
    if (!socket.readable || !socket.writable) return socket.destroy();
    if (socket[kWebSocket]) {
      throw withCode(
        new Error(
          'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration',
        ),
        'invalid_state',
      );
    }
    if (this._state > RUNNING) return abortHandshake(socket, 503);

    const o = this.options;
    const answerOptions = {};
    if (request.protocols.length === 0) {
      answerOptions.protocol = null;
    } else if (o.handleProtocols) {
      answerOptions.protocol = o.handleProtocols(new Set(request.protocols), req) || null;
    } else if (o.protocols) {
      answerOptions.protocol = o.protocols.find((p) => request.protocols.includes(p)) ?? null;
    }
    if (this._deflate) answerOptions.deflate = this._deflate;
    if (o.headers) answerOptions.headers = o.headers;
    let answer;
    try {
      answer = upgradeAnswer(request, answerOptions);
    } catch (err) {
      if (!isTrap(err)) throw err;
      return abortHandshake(socket, 500);
    }

    const ws = new o.WebSocket(null, undefined, o);
    if (answer.protocol) ws._protocol = answer.protocol;
    if (answer.deflate) ws._extensions['permessage-deflate'] = { params: answer.deflate, preferences: this._deflate };
    const lines = answer.lines;
    // Listeners may inspect and change the lines before they are written.
    this.emit('headers', lines, req);
    socket.write(lines.concat('\r\n').join('\r\n'));
    socket.removeListener('error', socketOnError);
    ws.setSocket(socket, head, o);
    if (this.clients) {
      this.clients.add(ws);
      ws.on('close', () => {
        this.clients.delete(ws);
        if (this._shouldEmitClose && !this.clients.size) process.nextTick(emitClose, this);
      });
    }
    cb(ws, req);
  }

  /**
   * Reads the upgrade request from a raw socket (wsframe's raw `net` mode;
   * `head`: bytes already read from it), then proceeds as `handleUpgrade`
   * and emits 'connection'.
   */
  handleSocket(socket, head) {
    const o = this.options;
    const handshake = new ServerHandshake({ maxHeadBytes: o.maxHeadBytes, maxHeaders: o.maxHeaders });
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
    }, o.handshakeTimeout);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', cleanup);
      socket.off('close', cleanup);
      handshake.free();
    };
    const onData = (chunk) => {
      let parsed;
      try {
        parsed = handshake.pushHead(chunk);
      } catch (err) {
        cleanup();
        socket.on('error', socketOnError);
        abortHandshake(socket, err.httpStatus ?? 400, requestError(err).message);
        return;
      }
      if (!parsed) return;
      cleanup();
      // What follows the head waits, and flows again once a 'data'
      // listener is added (as Node leaves an upgraded socket).
      socket.pause();
      socket.readableFlowing = null;
      const req = incomingMessage(socket, parsed);
      this.handleUpgrade(req, socket, Buffer.from(parsed.rest), this.emit.bind(this, 'connection'));
    };
    socket.on('data', onData);
    socket.on('error', cleanup);
    socket.on('close', cleanup);
    if (head?.length) onData(head);
  }
}

/** `'connection'` for a raw net.Server, `'secureConnection'` for a tls.Server; null for http/https. */
function rawKind(server) {
  if (server instanceof http.Server || server instanceof https.Server) return null;
  if (server instanceof tls.Server) return 'secureConnection';
  if (server instanceof net.Server) return 'connection';
  return null;
}

function addListeners(server, map) {
  for (const event of Object.keys(map)) server.on(event, map[event]);
  return function removeListeners() {
    for (const event of Object.keys(map)) server.removeListener(event, map[event]);
  };
}

function emitClose(server) {
  server._state = CLOSED;
  server.emit('close');
}

function socketOnError() {
  this.destroy();
}

/** Refuses an upgrade as ws does: status line, ws's headers, `message` as the body. */
function abortHandshake(socket, code, message, headers) {
  message = message || http.STATUS_CODES[code];
  headers = {
    Connection: 'close',
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(message),
    ...headers,
  };
  socket.once('finish', socket.destroy);
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\n` +
      Object.keys(headers)
        .map((name) => `${name}: ${headers[name]}`)
        .join('\r\n') +
      '\r\n\r\n' +
      message,
  );
}

/** A 'wsClientError' listener decides; without one the request is refused. */
function abortHandshakeOrEmitClientError(server, req, socket, err) {
  if (server.listenerCount('wsClientError')) {
    Error.captureStackTrace(err, abortHandshakeOrEmitClientError);
    server.emit('wsClientError', err, socket, req);
  } else {
    abortHandshake(socket, err.httpStatus, err.message, REFUSAL_HEADERS[err.code]);
  }
}
