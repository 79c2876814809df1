// The options of `wsframe/node`: ws 8's names and defaults, wsframe's
// extras, and the translation of both to the core's settings. Unknown
// options are refused by name: a misspelt limit would otherwise stay at its
// default without a word.
import { CLOSE_TIMEOUT, MAX_FRAGMENTS, MAX_PAYLOAD, MAX_PENDING_AUTO_PONGS } from './constants.mjs';
import { unknownOptionError } from './errors.mjs';

/** Options of a WebSocket that ws 8 defines for both roles. */
const CONNECTION_OPTIONS = [
  'allowSynchronousEvents',
  'autoPong',
  'closeTimeout',
  'maxBufferedChunks',
  'maxFragments',
  'maxPayload',
  'maxPendingAutoPongs',
  'perMessageDeflate',
  'skipUTF8Validation',
];

/** wsframe's own options, for both roles. */
const CONNECTION_EXTRAS = ['maxFrameSize', 'maxBufferedBytes', 'strictLength', 'idleTimeout', 'pauseOnBackpressure'];

export const SERVER_OPTIONS = new Set([
  ...CONNECTION_OPTIONS,
  ...CONNECTION_EXTRAS,
  // ws 8
  'backlog',
  'clientTracking',
  'handleProtocols',
  'host',
  'noServer',
  'path',
  'port',
  'server',
  'verifyClient',
  'WebSocket',
  // wsframe: subprotocols in preference order, extra 101 headers, and the
  // limits of the handshake it reads itself on a raw `net` server
  'protocols',
  'headers',
  'handshakeTimeout',
  'maxHeadBytes',
  'maxHeaders',
]);

// A client's options are ws's, wsframe's, and whatever http.request(),
// https.request(), tls.connect() and net.connect() take (ws passes them on).
const REQUEST_OPTIONS = [
  'agent', 'auth', 'autoSelectFamily', 'autoSelectFamilyAttemptTimeout', 'createConnection', 'defaultPort',
  'family', 'headers', 'hints', 'host', 'hostname', 'insecureHTTPParser', 'joinDuplicateHeaders',
  'localAddress', 'localPort', 'lookup', 'maxHeaderSize', 'method', 'path', 'port', 'protocol', 'setHost',
  'signal', 'socketPath', 'timeout', 'uniqueHeaders', 'highWaterMark',
];
const TLS_OPTIONS = [
  'ALPNProtocols', 'allowPartialTrustChain', 'ca', 'cert', 'checkServerIdentity', 'ciphers', 'clientCertEngine',
  'crl', 'dhparam', 'ecdhCurve', 'enableTrace', 'honorCipherOrder', 'key', 'minDHSize', 'maxVersion',
  'minVersion', 'passphrase', 'pfx', 'privateKeyEngine', 'privateKeyIdentifier', 'pskCallback',
  'rejectUnauthorized', 'requestOCSP', 'secureContext', 'secureOptions', 'secureProtocol', 'servername',
  'session', 'sessionIdContext', 'sigalgs', 'ticketKeys', 'sessionTimeout', 'requestCert', 'SNICallback',
];
const SOCKET_OPTIONS = ['allowHalfOpen', 'blockList', 'keepAlive', 'keepAliveInitialDelay', 'noDelay', 'onread', 'fd', 'readable', 'writable'];

export const CLIENT_OPTIONS = new Set([
  ...CONNECTION_OPTIONS,
  ...CONNECTION_EXTRAS,
  'finishRequest',
  'followRedirects',
  'generateMask',
  'handshakeTimeout',
  'maxRedirects',
  'origin',
  'protocols',
  'protocolVersion',
  ...REQUEST_OPTIONS,
  ...TLS_OPTIONS,
  ...SOCKET_OPTIONS,
]);

/** Throws a TypeError naming the first option of `options` not in `known`. */
export function checkOptions(options, known, where) {
  if (options === undefined || options === null) return;
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw unknownOptionError(name, where);
  }
}

/**
 * Options objects that already hold every connection default (a server's):
 * its WebSockets use them as they are instead of each making a merged copy.
 */
export const withConnectionDefaults = new WeakSet();

/** A WebSocket's ws options with ws's defaults. */
export function connectionDefaults(options) {
  return {
    allowSynchronousEvents: true,
    autoPong: true,
    closeTimeout: CLOSE_TIMEOUT,
    maxBufferedChunks: 256 * 1024,
    maxFragments: MAX_FRAGMENTS,
    maxPayload: MAX_PAYLOAD,
    maxPendingAutoPongs: MAX_PENDING_AUTO_PONGS,
    skipUTF8Validation: false,
    ...options,
  };
}

/**
 * The core Connection's limits from ws's options. `maxPayload: 0` means no
 * limit in ws; the core then allows what a JS number can count.
 */
export function connectionLimits(options) {
  const payload = options.maxPayload > 0 ? options.maxPayload : Number.MAX_SAFE_INTEGER;
  const limits = {
    maxMessageSize: payload,
    maxFrameSize: options.maxFrameSize ?? payload,
    maxBufferedBytes: options.maxBufferedBytes ?? payload,
    maxFragments: options.maxFragments > 0 ? Math.min(options.maxFragments, 2 ** 32 - 1) : 2 ** 32 - 1,
    // Pongs are sent by the WebSocket (ws's rules: only while open, with a
    // cap on those not yet written); the core's automatic answer stays off.
    autoPong: false,
    validateUtf8: !options.skipUTF8Validation,
  };
  if (options.strictLength !== undefined) limits.strictLength = options.strictLength;
  return limits;
}

const DEFLATE_OPTIONS = new Set([
  // ws 8
  'serverNoContextTakeover',
  'clientNoContextTakeover',
  'serverMaxWindowBits',
  'clientMaxWindowBits',
  'zlibDeflateOptions',
  'zlibInflateOptions',
  'threshold',
  'concurrencyLimit',
  // wsframe: the same as zlibDeflateOptions' level and memLevel
  'level',
  'memLevel',
]);

/**
 * permessage-deflate preferences for the core from ws's `perMessageDeflate`
 * (`true`, `false` or options); null when off. zlib's options mean what they
 * mean to zlib where the core's compressor has them (level, memLevel); the
 * window comes from the negotiation, as in ws, and chunk sizes and
 * `concurrencyLimit` have nothing to tune (compression is synchronous and
 * writes into one buffer).
 */
export function deflatePreferences(value, where) {
  if (!value) return null;
  const options = value === true ? {} : value;
  checkOptions(options, DEFLATE_OPTIONS, `${where} perMessageDeflate`);
  const zlib = options.zlibDeflateOptions ?? {};
  const prefs = {};
  if (options.serverNoContextTakeover) prefs.serverNoContextTakeover = true;
  if (options.clientNoContextTakeover) prefs.clientNoContextTakeover = true;
  if (typeof options.serverMaxWindowBits === 'number') prefs.serverMaxWindowBits = options.serverMaxWindowBits;
  if (typeof options.clientMaxWindowBits === 'number') prefs.clientMaxWindowBits = options.clientMaxWindowBits;
  if (options.threshold !== undefined) prefs.threshold = options.threshold;
  const level = options.level ?? zlib.level;
  // zlib's -1 is its default level, 6.
  if (level !== undefined) prefs.level = level === -1 ? 6 : level;
  const memLevel = options.memLevel ?? zlib.memLevel;
  if (memLevel !== undefined) prefs.memLevel = memLevel;
  return prefs;
}

/** The Connection's deflate settings: agreed params plus the local ones. */
export function deflateSettings(params, prefs) {
  if (!params) return undefined;
  const settings = { ...params };
  for (const key of ['threshold', 'level', 'memLevel']) if (prefs[key] !== undefined) settings[key] = prefs[key];
  return settings;
}
