// A raw Engine.IO server with engine.io 6's shape, on the same core: an
// opt-in extra (socket.io apps do not need it). 'connection' gives a socket
// with `send(data)`, `close()` and the events 'message', 'upgrade',
// 'close'. Messages are strings, or Buffers for binary. Also engine.io's
// 'connection_error', 'initial_headers' and 'headers', and `generateId`.
import { EventEmitter } from 'node:events';
import { Engine } from './engine.mjs';
import { resolveOptions } from './options.mjs';

/** engine.io's option names (a subset of the Server's). */
const ENGINE_OPTIONS = new Set([
  'path', 'pingTimeout', 'pingInterval', 'upgradeTimeout', 'maxHttpBufferSize', 'allowRequest', 'transports',
  'allowUpgrades', 'perMessageDeflate', 'httpCompression', 'cookie', 'cors', 'allowEIO3', 'addTrailingSlash',
  'destroyUpgrade', 'destroyUpgradeTimeout', 'maxBufferedBytes', 'initialPacket',
]);

export class EngineIoServer extends EventEmitter {
  #options;

  constructor(opts = {}) {
    super();
    for (const name of Object.keys(opts)) {
      if (!ENGINE_OPTIONS.has(name)) throw new TypeError(`Unknown option "${name}" (EngineIoServer takes engine.io's server options)`);
    }
    this.#options = { path: '/engine.io', ...opts };
    this.engine = null;
  }

  /** The open sessions' count. */
  get clientsCount() {
    return this.engine?.clientsCount ?? 0;
  }

  /** Serves `path` (default "/engine.io") of an HTTP server; other routes stay its own. */
  attach(httpServer, opts = {}) {
    const options = resolveOptions({ ...this.#options, ...opts });
    options.endpoint = 'engine';
    this.engine = new Engine(options, { sessionClosed: () => {} });
    this.engine.on('connection', (socket) => this.emit('connection', socket));
    this.engine.on('connection_error', (err) => this.emit('connection_error', err));
    // Listeners may change the headers object: it is passed on as it is.
    for (const name of ['initial_headers', 'headers']) this.engine.on(name, (headers, req) => this.emit(name, headers, req));
    // engine.io applications replace `generateId` on the server, before or after attaching.
    Object.defineProperty(this.engine, 'generateId', { get: () => this.generateId });
    // The wasm instance trapped: its sessions close, and the server says so (Node's rule: unheard, it throws).
    this.engine.on('trap', (err) => this.emit('error', err));
    this.engine.attach(httpServer);
    return this;
  }

  /** Closes every session. */
  close() {
    this.engine?.close();
    return this;
  }
}

/** engine.io's session ids: replace this method to choose them (see `Engine#generateId`). */
EngineIoServer.prototype.generateId = Engine.prototype.generateId;
