// `WebSocket` of `wsframe/node`: ws 8's class, both roles, over the core's
// Connection. The core reads and writes frames (limits, UTF-8, close codes,
// permessage-deflate); this file keeps ws's states and events: what is
// emitted, in which order, with which arguments, and what each method
// throws or reports, as ws 8.23 does (lib/websocket.js is the model).
import { EventEmitter } from 'node:events';
import { Connection, encodeClosePayload, isTrap, isValidCloseCode, onTrap } from 'wsframe';
import {
  BINARY_TYPES,
  CLOSED,
  CLOSING,
  CONNECTING,
  EMPTY_BUFFER,
  OPEN,
  kWasClean,
  kWebSocket,
  trapCloseFrame,
} from './constants.mjs';
import { frameError, notOpenError, withCode } from './errors.mjs';
import { addEventListener, defineEventAttributes, removeEventListener } from './event-target.mjs';
import { connectionDefaults, connectionLimits, deflateSettings, withConnectionDefaults } from './options.mjs';
import { initAsClient, abortHandshake } from './client.mjs';

const DEFLATE = 'permessage-deflate';
// Packed event types of the core (Connection.receiveRaw).
const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

const isBlob = (value) => typeof Blob !== 'undefined' && value instanceof Blob;

/** Payloads from this size are handed out as views of the socket's chunk (or, assembled elsewhere, copies of their own). */
const LARGE = 4096;

/**
 * A payload out of the core, as ws hands it out. A large one that lies in
 * the socket's chunk (`offset` not -1) becomes a view of that chunk, once
 * the unmasked bytes are written back into it (a copy, but no allocation:
 * a fresh buffer of 64 KiB costs more than all the rest, in allocation and
 * garbage collection); ws unmasks in that chunk too. Other large ones are
 * copied into memory of their own by `slice`; small ones into Node's pool.
 */
function payloadOf(memory, start, end, chunk, offset) {
  const length = end - start;
  if (length === 0) return EMPTY_BUFFER;
  if (length >= LARGE) {
    if (offset < 0) return Uint8Array.prototype.slice.call(memory, start, end);
    chunk.set(memory.subarray(start, end), offset);
    return chunk.subarray(offset, offset + length);
  }
  const buffer = Buffer.allocUnsafe(length);
  memory.copy(buffer, 0, start, end);
  return buffer;
}

/** The same for a client, whose payloads arrive unmasked: they are in the chunk already. */
function clientPayloadOf(memory, start, end, chunk, offset) {
  if (end - start >= LARGE && offset >= 0) return chunk.subarray(offset, offset + (end - start));
  return payloadOf(memory, start, end, chunk, offset);
}

/** A message received in pieces, as one Buffer. */
const joinParts = (parts, length) => (parts.length === 1 ? parts[0] : Buffer.concat(parts, length));

/** ws's `toBuffer`: Buffers as they are, views over their memory, the rest through Buffer.from (which may throw). */
function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function toArrayBuffer(buffer) {
  if (buffer.byteOffset === 0 && buffer.length === buffer.buffer.byteLength) return buffer.buffer;
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
}

/** Connections on the wasm instance, told when it traps. */
const connected = new Set();
onTrap((err) => {
  for (const websocket of connected) websocket._onTrap(err);
});

export class WebSocket extends EventEmitter {
  /**
   * A client, when `address` is a URL (`protocols` and `options` as ws
   * takes them); the server side of an upgrade when `address` is null (the
   * server calls it with its options).
   */
  constructor(address, protocols, options) {
    super();
    this._binaryType = BINARY_TYPES[0];
    this._closeCode = 1006;
    this._closeFrameReceived = false;
    this._closeFrameSent = false;
    this._closeMessage = EMPTY_BUFFER;
    this._closeTimer = null;
    this._errorEmitted = false;
    this._extensions = {};
    this._paused = false;
    this._protocol = '';
    this._readyState = CONNECTING;
    this._socket = null;
    this._conn = null;
    this._receiverErrored = false;
    this._receiverDone = false;
    this._queue = null;
    this._queuedBytes = 0;
    this._deferred = null;
    this._fragmenting = false;
    this._idleTimer = null;
    this._pausedForDrain = false;

    if (address !== null) {
      this._bufferedAmount = 0;
      this._isServer = false;
      this._redirects = 0;
      if (protocols === undefined) {
        protocols = options?.protocols === undefined ? [] : [options.protocols].flat();
      } else if (!Array.isArray(protocols)) {
        if (typeof protocols === 'object' && protocols !== null) {
          options = protocols;
          protocols = options.protocols === undefined ? [] : [options.protocols].flat();
        } else {
          protocols = [protocols];
        }
      }
      options = initAsClient(this, address, protocols, options);
    } else {
      this._isServer = true;
      if (!withConnectionDefaults.has(options)) options = connectionDefaults(options);
    }
    this._options = options;
    if (options.autoPong) {
      this._autoPong = true;
      this._pendingAutoPongs = 0;
      this._maxPendingAutoPongs = options.maxPendingAutoPongs | 0;
      this._autoPongComplete = () => {
        this._pendingAutoPongs--;
      };
    }
    this._closeTimeout = options.closeTimeout;
  }

  get binaryType() {
    return this._binaryType;
  }

  set binaryType(type) {
    if (BINARY_TYPES.includes(type)) this._binaryType = type;
  }

  /** Bytes queued by `send()` and not yet sent, framing included (ws's definition). */
  get bufferedAmount() {
    if (!this._socket) return this._bufferedAmount;
    return this._socket.writableLength + this._queuedBytes;
  }

  /** The negotiated extensions by name ("permessage-deflate" or ""). */
  get extensions() {
    return Object.keys(this._extensions).join();
  }

  get isPaused() {
    return this._paused;
  }

  get protocol() {
    return this._protocol;
  }

  get readyState() {
    return this._readyState;
  }

  get url() {
    return this._url;
  }

  get [kWasClean]() {
    return this._closeFrameReceived && this._closeFrameSent;
  }

  /**
   * Takes over `socket` once the handshake is done (`head`: bytes that came
   * after it). Called by the server and by the client's handshake.
   * @internal
   */
  setSocket(socket, head, options) {
    const deflate = this._extensions[DEFLATE];
    // One options object per connection, built in place.
    const core = connectionLimits(options);
    core.buffers = true;
    core.role = this._isServer ? 'server' : 'client';
    if (deflate) core.deflate = deflateSettings(deflate.params, deflate.preferences);
    this._conn = new Connection(core);
    this._allowSynchronousEvents = options.allowSynchronousEvents !== false;
    this._generateMask = options.generateMask;
    this._idleTimeout = options.idleTimeout ?? 0;
    this._pauseOnBackpressure = !!options.pauseOnBackpressure;
    this._socket = socket;
    socket[kWebSocket] = this;
    // Not every Duplex has these.
    if (socket.setTimeout) socket.setTimeout(0);
    if (socket.setNoDelay) socket.setNoDelay();
    // The bytes after the head arrive as the socket's next data, after the
    // 'connection' (or 'open') listeners are in place.
    if (head.length > 0) socket.unshift(head);
    socket.on('close', socketOnClose);
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    if (this._pauseOnBackpressure) socket.on('drain', socketOnDrain);
    this._readyState = OPEN;
    connected.add(this);
    this._armIdleTimer();
    this.emit('open');
  }

  /** Emits 'close' (once the events still owed are out). @internal */
  emitClose() {
    if (this._readyState === CLOSED) return;
    if (this._deferred) {
      this._closeAfterDeferred = true;
      return;
    }
    this._readyState = CLOSED;
    connected.delete(this);
    clearTimeout(this._idleTimer);
    this._conn?.free();
    this._conn = null;
    this.emit('close', this._closeCode, this._closeMessage);
  }

  /** Starts the closing handshake (ws's rules for each state). */
  close(code, data) {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      abortHandshake(this, this._req, 'WebSocket was closed before the connection was established');
      return;
    }
    if (this._readyState === CLOSING) {
      if (this._closeFrameSent && (this._closeFrameReceived || this._receiverErrored)) this._socket.end();
      return;
    }
    const sent = (err) => {
      // A write error reaches the socket's 'error' listener; only success matters here.
      if (err) return;
      this._closeFrameSent = true;
      if (this._closeFrameReceived || this._receiverErrored) this._socket.end();
    };
    if (this._queue) {
      // Behind a Blob still being read, as in ws: checked now, framed in turn.
      const reason = this._closeReason(code, data);
      this._enqueue(0, () => this._closeFrame(code, reason), sent);
    } else {
      this._write(this._closeFrame(code, this._closeReason(code, data)), sent);
    }
    this._readyState = CLOSING;
    this._setCloseTimer();
  }

  /** The reason to send for `close(code, data)`, or the error ws throws for them. */
  _closeReason(code, data) {
    let reason = EMPTY_BUFFER;
    if (code !== undefined) {
      if (typeof code !== 'number' || !isValidCloseCode(code)) {
        throw withCode(new TypeError('First argument must be a valid error code number'), 'invalid_argument');
      }
      if (data !== undefined && data.length) {
        if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
          throw withCode(new TypeError('Second argument must be a string or a Uint8Array'), 'invalid_argument');
        }
        reason = data;
      }
    }
    try {
      // The core's rules for a close payload (a reason that is not UTF-8 is
      // refused: ws would send it, and the peer would fail on it).
      encodeClosePayload(code, reason);
    } catch (err) {
      if (err.code === 'control_payload_too_long') {
        throw withCode(new RangeError('The message must not be greater than 123 bytes'), err.code);
      }
      throw err;
    }
    return reason;
  }

  _closeFrame(code, reason) {
    return this._conn.close(code, reason, { mask: this._maskFor(!this._isServer) });
  }

  /** Stops reading (events already read may still be emitted). */
  pause() {
    if (this._readyState === CONNECTING || this._readyState === CLOSED) return;
    this._paused = true;
    this._socket.pause();
  }

  resume() {
    if (this._readyState === CONNECTING || this._readyState === CLOSED) return;
    this._paused = false;
    if (!this._deferred && !this._pausedForDrain) this._socket.resume();
  }

  ping(data, mask, cb) {
    return this._control(false, data, mask, cb);
  }

  pong(data, mask, cb) {
    return this._control(true, data, mask, cb);
  }

  _control(pong, data, mask, cb) {
    if (this._readyState === CONNECTING) throw notOpenError(CONNECTING);
    if (typeof data === 'function') {
      cb = data;
      data = mask = undefined;
    } else if (typeof mask === 'function') {
      cb = mask;
      mask = undefined;
    }
    if (typeof data === 'number') data = data.toString();
    if (this._readyState !== OPEN) {
      sendAfterClose(this, data, cb);
      return;
    }
    if (mask === undefined) mask = !this._isServer;
    data = data || EMPTY_BUFFER;
    if (isBlob(data)) {
      if (data.size > 125) throw controlTooLong();
      this._sendBlob(data, (bytes) => this._frameControl(pong, bytes, mask), cb);
      return;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : toBuffer(data);
    if (bytes.length > 125) throw controlTooLong();
    if (this._queue) {
      this._enqueue(bytes.length, () => this._frameControl(pong, bytes, mask), cb);
      return;
    }
    this._write(this._frameControl(pong, bytes, mask), cb);
  }

  _frameControl(pong, bytes, mask) {
    const options = { mask: this._maskFor(mask) };
    return pong ? this._conn.pong(bytes, options) : this._conn.ping(bytes, options);
  }

  /**
   * Sends a message (ws's options: `binary`, `compress`, `fin`, `mask`);
   * `cb(err)` once it is written. Throws only while connecting.
   */
  send(data, options, cb) {
    if (this._readyState === CONNECTING) throw notOpenError(CONNECTING);
    if (typeof options === 'function') {
      cb = options;
      options = {};
    }
    if (typeof data === 'number') data = data.toString();
    if (this._readyState !== OPEN) {
      sendAfterClose(this, data, cb);
      return;
    }
    if (this._sendPlain(data, options, cb)) return;
    const opts = {
      binary: typeof data !== 'string',
      mask: !this._isServer,
      compress: true,
      fin: true,
      ...options,
    };
    if (!this._extensions[DEFLATE]) opts.compress = false;
    data = data || EMPTY_BUFFER;
    if (isBlob(data)) {
      this._sendBlob(data, (bytes) => this._frameMessage(bytes, opts), cb);
      return;
    }
    const payload = typeof data === 'string' ? (opts.binary ? Buffer.from(data) : data) : toBuffer(data);
    if (this._queue) {
      this._enqueue(byteLength(payload), () => this._frameMessage(payload, opts), cb);
      return;
    }
    if (this._sendDirect(payload, opts, cb)) return;
    this._write(this._frameMessage(payload, opts), cb);
  }

  /**
   * The common send, a whole string or Buffer with the defaults (at most
   * `binary` given), framed without building options objects. False when
   * anything else applies: fragments, masking or compression chosen, a
   * custom mask generator, sends queued behind a Blob, a large payload.
   */
  _sendPlain(data, options, cb) {
    if (this._queue || this._fragmenting || this._generateMask) return false;
    let binary;
    if (options !== undefined) {
      if (options.compress !== undefined || options.fin !== undefined || options.mask !== undefined) return false;
      binary = options.binary;
    }
    const isString = typeof data === 'string';
    if (!isString && !Buffer.isBuffer(data)) return false;
    if (data.length >= LARGE || data.length === 0) return false;
    binary = binary === undefined ? !isString : !!binary;
    this._write(this._conn.sendMessage(isString && binary ? Buffer.from(data) : data, binary), cb);
    return true;
  }

  _frameMessage(payload, opts) {
    const frames = this._conn.send(payload, {
      binary: opts.binary,
      compress: opts.compress,
      fin: opts.fin,
      mask: this._maskFor(opts.mask),
    });
    // ws continues an open fragmented message with whatever is sent next.
    this._fragmenting = !opts.fin;
    return frames;
  }

  /**
   * A large payload of a server goes out as the caller gave it (a string
   * once encoded), after a header from the core, as ws writes it: no copy
   * and no buffer of its own (which, at 64 KiB, costs more than the rest).
   * False when the core must frame it (masking, compression, fragments).
   */
  _sendDirect(payload, opts, cb) {
    if (!this._isServer || opts.mask || !opts.fin || this._fragmenting) return false;
    if (payload.length < LARGE) return false;
    const fromString = typeof payload === 'string';
    const bytes = fromString ? Buffer.from(payload) : payload;
    // Text from bytes is checked by the core; text encoded from a string is valid.
    const check = !opts.binary && !fromString ? bytes : undefined;
    const header = this._conn.sendHeader(bytes.length, { binary: opts.binary, check, compress: opts.compress });
    if (!header) {
      this._write(this._frameMessage(bytes, opts), cb);
      return true;
    }
    this._socket.cork();
    this._write(header);
    this._write(bytes, cb);
    this._socket.uncork();
    return true;
  }

  /** The core's `mask` option for ws's boolean `mask` (and `generateMask`). */
  _maskFor(mask) {
    if (!mask) return mask === !this._isServer ? undefined : false;
    if (this._generateMask) {
      const key = Buffer.alloc(4);
      this._generateMask(key);
      return key;
    }
    return this._isServer ? true : undefined;
  }

  // A Blob is read before it is framed; sends made meanwhile wait behind
  // it, in order, as in ws.
  _sendBlob(blob, frame, cb) {
    if (!this._queue) this._queue = [];
    const item = { bytes: blob.size, frame: null, cb, ready: false };
    this._queue.push(item);
    this._queuedBytes += blob.size;
    blob.arrayBuffer().then(
      (arrayBuffer) => {
        if (!this._socket || this._socket.destroyed) {
          const err = new Error('The socket was closed while the blob was being read');
          process.nextTick(() => this._failQueue(err));
          return;
        }
        item.frame = () => frame(Buffer.from(arrayBuffer));
        item.ready = true;
        this._drainQueue();
      },
      (err) => process.nextTick(() => this._failQueue(err, true)),
    );
  }

  _enqueue(bytes, frame, cb) {
    this._queue.push({ bytes, frame, cb, ready: true });
    this._queuedBytes += bytes;
  }

  _drainQueue() {
    const queue = this._queue;
    while (queue.length && queue[0].ready) {
      const item = queue.shift();
      this._queuedBytes -= item.bytes;
      if (this._readyState !== OPEN && this._readyState !== CLOSING) continue;
      try {
        this._write(item.frame(), item.cb);
      } catch (err) {
        if (item.cb) item.cb(err);
      }
    }
    if (!queue.length) this._queue = null;
  }

  /** A queued send failed: every waiting callback hears of it; a read error also fails the connection. */
  _failQueue(err, readFailed = false) {
    const queue = this._queue ?? [];
    this._queue = null;
    this._queuedBytes = 0;
    for (const item of queue) if (item.cb) item.cb(err);
    if (readFailed) this._senderError(err);
  }

  /** ws's reaction to a failed send: end the socket, report once. */
  _senderError(err) {
    if (this._readyState === CLOSED) return;
    if (this._readyState === OPEN) {
      this._readyState = CLOSING;
      this._setCloseTimer();
    }
    this._socket.end();
    if (!this._errorEmitted) {
      this._errorEmitted = true;
      this.emit('error', err);
    }
  }

  /** Destroys the socket at once. */
  terminate() {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      abortHandshake(this, this._req, 'WebSocket was closed before the connection was established');
      return;
    }
    if (this._socket) {
      this._readyState = CLOSING;
      this._socket.destroy();
    }
  }

  _write(bytes, cb) {
    const socket = this._socket;
    const ok = socket.write(bytes, cb);
    if (!ok && this._pauseOnBackpressure && !this._pausedForDrain) {
      // The peer does not read what we send: stop reading what it sends
      // until it catches up (wsframe's `pauseOnBackpressure`).
      this._pausedForDrain = true;
      socket.pause();
    }
    return ok;
  }

  _setCloseTimer() {
    this._closeTimer = setTimeout(() => this._socket.destroy(), this._closeTimeout);
  }

  _armIdleTimer() {
    if (!this._idleTimeout) return;
    clearTimeout(this._idleTimer);
    this._idleTimer = setTimeout(() => {
      if (this._readyState === OPEN) this.close(1001, 'idle timeout');
    }, this._idleTimeout);
    this._idleTimer.unref?.();
  }

  /** Feeds the core what the socket read, and emits what it found. */
  _receive(chunk) {
    if (this._receiverDone) return;
    this._armIdleTimer();
    let events, error;
    try {
      ({ events, error } = this._conn.receiveRaw(chunk, this._isServer ? payloadOf : clientPayloadOf, joinParts));
    } catch (err) {
      // This call trapped the instance: `_onTrap` has closed the connection.
      if (isTrap(err)) return;
      throw err;
    }
    if (events.length === 0 && !error) return;
    if (this._allowSynchronousEvents && !this._deferred) {
      // Replies to the messages of one chunk leave in one write.
      const batch = events.length > 3;
      if (batch) this._socket.cork();
      for (let i = 0; i < events.length; i += 3) {
        this._onEvent(events[i], events[i + 1], events[i + 2]);
      }
      if (batch) this._socket.uncork();
      if (error) this._onReceiveError(error);
      return;
    }
    // ws emits each message, ping and pong in a macrotask of its own when
    // allowSynchronousEvents is off, and reads nothing more meanwhile.
    this._defer(events, error);
  }

  _defer(events, error) {
    if (!this._deferred) {
      this._deferred = { events: [], error: null };
      this._socket.pause();
      setImmediate(() => this._runDeferred());
    }
    this._deferred.events.push(...events);
    this._deferred.error ??= error;
  }

  _runDeferred() {
    const deferred = this._deferred;
    while (deferred.events.length) {
      const [type, data, code] = deferred.events.splice(0, 3);
      this._onEvent(type, data, code);
      if (type === TEXT || type === BINARY || type === PING || type === PONG) {
        if (deferred.events.length || deferred.error) {
          setImmediate(() => this._runDeferred());
          return;
        }
      }
    }
    this._deferred = null;
    if (deferred.error) this._onReceiveError(deferred.error);
    if (this._closeAfterDeferred) {
      this.emitClose();
      return;
    }
    if (this._socket && !this._paused && !this._pausedForDrain && !this._receiverDone) this._socket.resume();
  }

  _onEvent(type, data, code) {
    if (this._readyState === CLOSED) return;
    switch (type) {
      case TEXT:
        this.emit('message', data, false);
        break;
      case BINARY:
        this.emit('message', this._binaryData(data), true);
        break;
      case PING:
        this._onPing(data);
        break;
      case PONG:
        this.emit('pong', data);
        break;
      case CLOSE:
        this._onCloseFrame(code, data);
        break;
    }
  }

  _binaryData(buffer) {
    switch (this._binaryType) {
      case 'arraybuffer':
        return toArrayBuffer(buffer);
      case 'fragments':
        return [buffer];
      case 'blob':
        return new Blob([buffer]);
      default:
        return buffer;
    }
  }

  _onPing(data) {
    if (this._autoPong && this._readyState === OPEN) {
      if (this._maxPendingAutoPongs > 0 && this._pendingAutoPongs >= this._maxPendingAutoPongs) {
        // The peer pings faster than it reads the pongs.
        this.terminate();
      } else {
        this._pendingAutoPongs++;
        this.pong(data, !this._isServer, this._autoPongComplete);
      }
    }
    this.emit('ping', data);
  }

  _onCloseFrame(code, reason) {
    this._closeFrameReceived = true;
    this._closeCode = code;
    this._closeMessage = reason;
    this._stopReading();
    if (code === 1005) this.close();
    else this.close(code, reason);
  }

  _onReceiveError(source) {
    const err = frameError(source);
    this._receiverErrored = true;
    this._stopReading();
    // The core's close frame for this fault (its close code) goes out, as ws sends one.
    if (this._readyState === OPEN) {
      const frame = this._conn.close(source.closeCode ?? 1002, EMPTY_BUFFER, { mask: this._maskFor(!this._isServer) });
      this._write(frame, (writeError) => {
        if (writeError) return;
        this._closeFrameSent = true;
        this._socket.end();
      });
      this._readyState = CLOSING;
      this._setCloseTimer();
    } else if (this._closeFrameSent) {
      this._socket.end();
    }
    if (!this._errorEmitted) {
      this._errorEmitted = true;
      this.emit('error', err);
    }
  }

  /**
   * The wasm instance trapped: nothing more is read or framed by it; a
   * close 1011 framed here goes out, 'error' (code `wsframe_trap`) follows,
   * and 'close' once the socket has ended. @internal
   */
  _onTrap(err) {
    if (this._readyState === CLOSED) return;
    const socket = this._socket;
    this._receiverDone = true;
    this._receiverErrored = true;
    clearTimeout(this._idleTimer);
    if (socket) {
      socket.removeListener('data', socketOnData);
      if (this._readyState === OPEN && socket.writable) {
        this._closeFrameSent = true;
        socket.end(trapCloseFrame(!this._isServer));
      } else {
        socket.end();
      }
      if (!this._closeTimer) this._setCloseTimer();
    }
    this._readyState = CLOSING;
    process.nextTick(() => {
      if (this._errorEmitted) return;
      this._errorEmitted = true;
      this.emit('error', err);
    });
  }

  /** After a close frame or a fault nothing more is read; the socket drains to its end. */
  _stopReading() {
    this._receiverDone = true;
    const socket = this._socket;
    if (socket[kWebSocket] === undefined) return;
    socket.removeListener('data', socketOnData);
    process.nextTick(() => socket.resume());
  }
}

function byteLength(payload) {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

function controlTooLong() {
  return withCode(new RangeError('The data size must not be greater than 125 bytes'), 'control_payload_too_long');
}

/** `send`, `ping` or `pong` while closing or closed: counted, and `cb` told. */
function sendAfterClose(websocket, data, cb) {
  if (data) {
    const length = isBlob(data) ? data.size : toBuffer(data).length;
    if (websocket._socket) websocket._queuedBytes += length;
    else websocket._bufferedAmount += length;
  }
  if (cb) process.nextTick(cb, notOpenError(websocket._readyState));
}

function socketOnData(chunk) {
  this[kWebSocket]._receive(chunk);
}

function socketOnDrain() {
  const websocket = this[kWebSocket];
  if (websocket?._pausedForDrain) {
    websocket._pausedForDrain = false;
    if (!websocket._paused && !websocket._deferred && !websocket._receiverDone) this.resume();
  }
}

function socketOnEnd() {
  const websocket = this[kWebSocket];
  websocket._readyState = CLOSING;
  websocket._receiverDone = true;
  this.end();
}

function socketOnError() {
  const websocket = this[kWebSocket];
  this.removeListener('error', socketOnError);
  this.on('error', () => {});
  if (websocket) {
    websocket._readyState = CLOSING;
    this.destroy();
  }
}

function socketOnClose() {
  const websocket = this[kWebSocket];
  this.removeListener('close', socketOnClose);
  this.removeListener('data', socketOnData);
  this.removeListener('end', socketOnEnd);
  websocket._readyState = CLOSING;
  // Bytes read but not yet handed over (a paused socket) are still decoded.
  if (
    !this._readableState.endEmitted &&
    !websocket._receiverDone &&
    this._readableState.length !== 0
  ) {
    websocket._receive(this.read(this._readableState.length));
  }
  websocket._receiverDone = true;
  this[kWebSocket] = undefined;
  clearTimeout(websocket._closeTimer);
  websocket.emitClose();
}

for (const [name, value] of [
  ['CONNECTING', CONNECTING],
  ['OPEN', OPEN],
  ['CLOSING', CLOSING],
  ['CLOSED', CLOSED],
]) {
  Object.defineProperty(WebSocket, name, { enumerable: true, value });
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true, value });
}

for (const property of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
  Object.defineProperty(WebSocket.prototype, property, { enumerable: true });
}

defineEventAttributes(WebSocket.prototype);
WebSocket.prototype.addEventListener = addEventListener;
WebSocket.prototype.removeEventListener = removeEventListener;
