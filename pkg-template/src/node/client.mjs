// The client side of `wsframe/node`'s WebSocket: the opening handshake over
// Node's http/https request, as ws 8 makes it (so `agent`,
// `createConnection`, TLS options, `finishRequest`, redirects and the
// 'upgrade', 'unexpected-response' and 'redirect' events work as they do
// there). The core makes the key and judges the server's answer.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import querystring from 'node:querystring';
import tls from 'node:tls';
import { ClientHandshake, acceptDeflateResponse, deflateOffer, isTrap } from 'wsframe';
import { CLOSING, CONNECTING } from './constants.mjs';
import { responseError } from './errors.mjs';
import { headerPairs } from './request.mjs';
import { CLIENT_OPTIONS, checkOptions, connectionDefaults, deflatePreferences } from './options.mjs';

const PROTOCOL_VERSIONS = [8, 13];
const kAborted = Symbol('wsframe.aborted');

function extensionNames(value) {
  return value === undefined ? [] : value.split(',').map((offer) => offer.split(';')[0].trim());
}

/**
 * Starts the handshake of client `websocket` to `address` (a second time
 * for each redirect followed). Returns the options in force.
 */
export function initAsClient(websocket, address, protocols, options) {
  if (websocket._redirects === 0) checkOptions(options, CLIENT_OPTIONS, 'WebSocket');
  const opts = {
    ...connectionDefaults(),
    protocolVersion: 13,
    perMessageDeflate: true,
    followRedirects: false,
    maxRedirects: 10,
    ...options,
    // What the URL decides.
    socketPath: undefined,
    hostname: undefined,
    protocol: undefined,
    protocols: undefined,
    timeout: undefined,
    method: 'GET',
    host: undefined,
    path: undefined,
    port: undefined,
  };

  if (!PROTOCOL_VERSIONS.includes(opts.protocolVersion)) {
    throw new RangeError(
      `Unsupported protocol version: ${opts.protocolVersion} (supported versions: ${PROTOCOL_VERSIONS.join(', ')})`,
    );
  }

  let parsedUrl;
  if (address instanceof URL) {
    parsedUrl = address;
  } else {
    try {
      parsedUrl = new URL(address);
    } catch {
      throw new SyntaxError(`Invalid URL: ${address}`);
    }
  }
  if (parsedUrl.protocol === 'http:' || parsedUrl.protocol === 'https:') {
    parsedUrl = new URL(parsedUrl);
    parsedUrl.protocol = parsedUrl.protocol === 'http:' ? 'ws:' : 'wss:';
  }
  websocket._url = parsedUrl.href;

  const isSecure = parsedUrl.protocol === 'wss:';
  const isIpcUrl = parsedUrl.protocol === 'ws+unix:';
  let invalidUrlMessage;
  if (parsedUrl.protocol !== 'ws:' && !isSecure && !isIpcUrl) {
    invalidUrlMessage = 'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
  } else if (isIpcUrl && !parsedUrl.pathname) {
    invalidUrlMessage = "The URL's pathname is empty";
  } else if (parsedUrl.hash) {
    invalidUrlMessage = 'The URL contains a fragment identifier';
  }
  if (invalidUrlMessage) {
    const err = new SyntaxError(invalidUrlMessage);
    if (websocket._redirects === 0) throw err;
    emitErrorAndClose(websocket, err);
    return opts;
  }

  const preferences = opts.perMessageDeflate ? deflatePreferences(opts.perMessageDeflate, 'WebSocket') : null;
  const offer = preferences ? deflateOffer(preferences) : undefined;
  let handshake;
  try {
    // The core makes the key and checks the subprotocols; the request
    // itself goes out through http.request below.
    handshake = new ClientHandshake({ host: 'localhost', protocols, extensions: offer, requireProtocol: true });
  } catch {
    throw new SyntaxError('An invalid or duplicated subprotocol was specified');
  }

  const defaultPort = isSecure ? 443 : 80;
  const request = isSecure ? https.request : http.request;
  opts.createConnection = opts.createConnection || (isSecure ? tlsConnect : netConnect);
  opts.defaultPort = opts.defaultPort || defaultPort;
  opts.port = parsedUrl.port || defaultPort;
  opts.host = parsedUrl.hostname.startsWith('[') ? parsedUrl.hostname.slice(1, -1) : parsedUrl.hostname;
  opts.headers = {
    ...opts.headers,
    'Sec-WebSocket-Version': opts.protocolVersion,
    'Sec-WebSocket-Key': handshake.key,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
  };
  opts.path = parsedUrl.pathname + parsedUrl.search;
  opts.timeout = opts.handshakeTimeout;
  if (offer) opts.headers['Sec-WebSocket-Extensions'] = offer;
  if (protocols.length) opts.headers['Sec-WebSocket-Protocol'] = protocols.join(',');
  if (opts.origin) {
    if (opts.protocolVersion < 13) opts.headers['Sec-WebSocket-Origin'] = opts.origin;
    else opts.headers.Origin = opts.origin;
  }
  if (parsedUrl.username || parsedUrl.password) {
    opts.auth = `${querystring.unescape(parsedUrl.username)}:${querystring.unescape(parsedUrl.password)}`;
  }
  if (isIpcUrl) {
    const i = opts.path.indexOf(':');
    if (i === -1) {
      opts.socketPath = opts.path;
      opts.path = '';
    } else {
      opts.socketPath = opts.path.slice(0, i);
      opts.path = opts.path.slice(i + 1);
    }
  }

  let req;
  if (opts.followRedirects) {
    if (websocket._redirects === 0) {
      websocket._originalIpc = isIpcUrl;
      websocket._originalSecure = isSecure;
      websocket._originalHostOrSocketPath = isIpcUrl ? opts.socketPath : parsedUrl.host;
      // Headers are kept by lower-case name, so redirects can drop some.
      const headers = options?.headers;
      options = { ...options, headers: {} };
      if (headers) for (const [name, value] of Object.entries(headers)) options.headers[name.toLowerCase()] = value;
    } else if (websocket.listenerCount('redirect') === 0) {
      const isSameHost = isIpcUrl
        ? websocket._originalIpc && opts.socketPath === websocket._originalHostOrSocketPath
        : !websocket._originalIpc && parsedUrl.host === websocket._originalHostOrSocketPath;
      if (!isSameHost || (websocket._originalSecure && !isSecure)) {
        // As curl does: credentials do not follow a redirect to another
        // host, or from https to http.
        delete opts.headers.authorization;
        delete opts.headers.cookie;
        if (!isSameHost) delete opts.headers.host;
        opts.auth = undefined;
      }
    }
    // As curl does: the first Authorization header wins.
    if (opts.auth && !options.headers.authorization) {
      options.headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    }
    req = websocket._req = request(opts);
    if (websocket._redirects) websocket.emit('redirect', websocket.url, req);
  } else {
    req = websocket._req = request(opts);
  }

  if (opts.timeout) {
    req.on('timeout', () => abortHandshake(websocket, req, 'Opening handshake has timed out', 'handshake_timeout'));
  }

  req.on('error', (err) => {
    if (req === null || req[kAborted]) return;
    req = websocket._req = null;
    emitErrorAndClose(websocket, err);
  });

  req.on('response', (res) => {
    const location = res.headers.location;
    const statusCode = res.statusCode;
    if (location && opts.followRedirects && statusCode >= 300 && statusCode < 400) {
      if (++websocket._redirects > opts.maxRedirects) {
        abortHandshake(websocket, req, 'Maximum redirects exceeded', 'too_many_redirects');
        return;
      }
      req.abort();
      let next;
      try {
        next = new URL(location, address);
      } catch {
        emitErrorAndClose(websocket, new SyntaxError(`Invalid URL: ${location}`));
        return;
      }
      initAsClient(websocket, next, protocols, options);
    } else if (!websocket.emit('unexpected-response', req, res)) {
      abortHandshake(websocket, req, `Unexpected server response: ${res.statusCode}`, 'unexpected_status');
    }
  });

  req.on('upgrade', (res, socket, head) => {
    websocket.emit('upgrade', res);
    // A listener of 'upgrade' may have closed the connection.
    if (websocket.readyState !== CONNECTING) return;
    req = websocket._req = null;
    let answer;
    try {
      answer = handshake.checkResponse(res.statusCode, headerPairs(res.rawHeaders));
    } catch (err) {
      if (isTrap(err)) {
        abortHandshake(websocket, socket, err);
        return;
      }
      const context = {
        protocolsOffered: protocols.length > 0,
        protocolAnswered: res.headers['sec-websocket-protocol'],
        deflateOffered: !!offer,
        extensionNames: extensionNames(res.headers['sec-websocket-extensions']),
      };
      abortHandshake(websocket, socket, responseError(err, context));
      return;
    } finally {
      handshake.free();
    }
    if (answer.protocol) websocket._protocol = answer.protocol;
    if (answer.extensions.length) {
      let params;
      try {
        params = acceptDeflateResponse(answer.extensions, preferences);
      } catch (err) {
        abortHandshake(websocket, socket, responseError(err, { deflateOffered: true, extensionNames: [] }));
        return;
      }
      if (params) websocket._extensions['permessage-deflate'] = { params, preferences };
    }
    websocket.setSocket(socket, head, opts);
  });

  if (opts.finishRequest) opts.finishRequest(req, websocket);
  else req.end();
  return opts;
}

/** ws's `netConnect`: a Unix socket path becomes the connection's path. */
function netConnect(options) {
  options.path = options.socketPath;
  return net.connect(options);
}

/** ws's `tlsConnect`: SNI from the host unless it is an IP address. */
function tlsConnect(options) {
  options.path = undefined;
  if (!options.servername && options.servername !== '') {
    options.servername = net.isIP(options.host) ? '' : options.host;
  }
  return tls.connect(options);
}

/** Reports `err` and then the close (1006): the handshake did not complete. */
export function emitErrorAndClose(websocket, err) {
  websocket._readyState = CLOSING;
  websocket._errorEmitted = true;
  websocket.emit('error', err);
  websocket.emitClose();
}

/**
 * Ends a handshake: aborts the request (or destroys the upgraded socket)
 * and reports `reason` (an Error, or a message given `code`) then the close.
 */
export function abortHandshake(websocket, stream, reason, code = 'handshake_aborted') {
  websocket._readyState = CLOSING;
  const err = reason instanceof Error ? reason : new Error(reason);
  if (!(reason instanceof Error)) err.code = code;
  Error.captureStackTrace(err, abortHandshake);
  if (stream.setHeader) {
    stream[kAborted] = true;
    stream.abort();
    // abort() leaves the socket open once the request has completed.
    if (stream.socket && !stream.socket.destroyed) stream.socket.destroy();
    process.nextTick(emitErrorAndClose, websocket, err);
  } else {
    stream.destroy(err);
    stream.once('error', websocket.emit.bind(websocket, 'error'));
    stream.once('close', websocket.emitClose.bind(websocket));
  }
}
