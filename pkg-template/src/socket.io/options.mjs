// The Server's options: socket.io's and engine.io's names and defaults.
// An unknown name is refused (a typo would otherwise go unnoticed); an
// option wsframe cannot honour is refused with the reason, never ignored.
import cors from 'cors';
import { deflatePreferences } from '../node/options.mjs';

const DEFAULTS = {
  // socket.io
  path: '/socket.io',
  serveClient: true,
  adapter: undefined,
  parser: undefined,
  connectTimeout: 45000,
  connectionStateRecovery: undefined,
  cleanupEmptyChildNamespaces: false,
  // engine.io
  pingTimeout: 20000,
  pingInterval: 25000,
  upgradeTimeout: 10000,
  maxHttpBufferSize: 1e6,
  allowRequest: undefined,
  transports: ['polling', 'websocket'],
  allowUpgrades: true,
  perMessageDeflate: false,
  httpCompression: true,
  wsEngine: undefined,
  initialPacket: undefined,
  cookie: false,
  cors: undefined,
  allowEIO3: false,
  addTrailingSlash: true,
  destroyUpgrade: true,
  destroyUpgradeTimeout: 1000,
  // wsframe's: bytes waiting for a client that does not read, past which it
  // is paused and, unless it drains within pingTimeout, dropped (four
  // times this: dropped at once; a polling client's queue is held to that).
  maxBufferedBytes: 1 << 20,
};

/** Options wsframe cannot honour, with why; given with their default they are fine. */
const UNSUPPORTED = {
  wsEngine: 'the WebSocket transport is the wsframe core itself; there is no engine to replace',
};

function checkNonNegative(name, value) {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`The "${name}" option must be a non-negative number, got ${value}`);
}

/** socket.io's options resolved: defaults filled, unknown names refused. */
export function resolveOptions(given = {}) {
  for (const name of Object.keys(given)) {
    if (!(name in DEFAULTS)) throw new TypeError(`Unknown option "${name}" (wsframe/socket.io takes socket.io's and engine.io's server options)`);
  }
  const options = { ...DEFAULTS };
  for (const [name, value] of Object.entries(given)) if (value !== undefined) options[name] = value;
  for (const [name, reason] of Object.entries(UNSUPPORTED)) {
    if (options[name] !== undefined && options[name] !== false) throw new Error(`The "${name}" option: ${reason}`);
  }
  for (const name of ['connectTimeout', 'pingTimeout', 'pingInterval', 'upgradeTimeout', 'maxHttpBufferSize', 'destroyUpgradeTimeout', 'maxBufferedBytes']) {
    checkNonNegative(name, options[name]);
  }
  if (!Array.isArray(options.transports) || options.transports.some((t) => t !== 'polling' && t !== 'websocket')) {
    throw new TypeError('The "transports" option lists "polling" and/or "websocket"');
  }
  options.cleanupEmptyChildNamespaces = Boolean(options.cleanupEmptyChildNamespaces);
  if (options.connectionStateRecovery) {
    // socket.io's defaults: two minutes to come back, middlewares skipped.
    options.connectionStateRecovery = {
      maxDisconnectionDuration: 2 * 60 * 1000,
      skipMiddlewares: true,
      ...(typeof options.connectionStateRecovery === 'object' ? options.connectionStateRecovery : {}),
    };
    checkNonNegative('connectionStateRecovery.maxDisconnectionDuration', options.connectionStateRecovery.maxDisconnectionDuration);
  } else {
    options.connectionStateRecovery = undefined;
  }
  if (options.httpCompression === true) options.httpCompression = { threshold: 1024 };
  else if (options.httpCompression) options.httpCompression = { threshold: 1024, ...options.httpCompression };
  if (options.cookie === true) options.cookie = {};
  if (options.cookie) options.cookie = { name: 'io', path: '/', httpOnly: options.cookie.path !== false, sameSite: 'lax', ...options.cookie };
  options.corsMiddleware = options.cors ? cors(options.cors) : undefined;
  // engine.io hands `perMessageDeflate` to ws: the same options as
  // wsframe/node's (`true`: ws's defaults, a threshold of 1024 bytes).
  options.deflatePreferences = deflatePreferences(options.perMessageDeflate, 'Server');
  if (options.deflatePreferences?.threshold !== undefined) checkNonNegative('perMessageDeflate.threshold', options.deflatePreferences.threshold);
  return options;
}
