// Types for `wsframe/node` (CommonJS): the shapes of @types/ws 8 for ws's
// API, so code typed against `ws` compiles against `wsframe/node`
// unchanged, plus wsframe's extras (marked below).
/// <reference types="node" />

import { EventEmitter } from 'node:events';
import type {
  Agent,
  ClientRequest,
  ClientRequestArgs,
  IncomingMessage,
  OutgoingHttpHeaders,
  Server as HttpServer,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket, createConnection } from 'node:net';
import type { Duplex, DuplexOptions } from 'node:stream';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { ZlibOptions } from 'node:zlib';

/** What `send`, `ping` and `pong` take (what Buffer.from takes, and Blobs). */
type BufferLike =
  | string
  | Buffer
  | DataView
  | number
  | ArrayBufferView
  | Uint8Array
  | ArrayBuffer
  | SharedArrayBuffer
  | Blob
  | readonly any[]
  | readonly number[]
  | { valueOf(): ArrayBuffer }
  | { valueOf(): SharedArrayBuffer }
  | { valueOf(): Uint8Array }
  | { valueOf(): readonly number[] }
  | { valueOf(): string }
  | { [Symbol.toPrimitive](hint: string): string };

type ReadyState = 0 | 1 | 2 | 3;
type Listener<A extends any[]> = (this: WebSocket, ...args: A) => void;

declare class WebSocket extends EventEmitter {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** What binary messages arrive as (text always arrives as a Buffer). */
  binaryType: 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
  /** Bytes queued by send() and not yet sent, framing included. */
  readonly bufferedAmount: number;
  /** The negotiated extensions by name: "permessage-deflate" or "". */
  readonly extensions: string;
  readonly isPaused: boolean;
  /** The subprotocol the server chose, or "". */
  readonly protocol: string;
  readonly readyState: ReadyState;
  /** The URL connected to (clients only). */
  readonly url: string;

  onopen: ((event: WebSocket.Event) => void) | null;
  onerror: ((event: WebSocket.ErrorEvent) => void) | null;
  onclose: ((event: WebSocket.CloseEvent) => void) | null;
  onmessage: ((event: WebSocket.MessageEvent) => void) | null;

  /** `null`: the server side of an upgrade (the server constructs these). */
  constructor(address: null);
  constructor(address: string | URL, options?: WebSocket.ClientOptions | ClientRequestArgs);
  constructor(address: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions | ClientRequestArgs);

  /** Starts the closing handshake; throws for an invalid code or a reason over 123 bytes. */
  close(code?: number, data?: string | Buffer | Uint8Array): void;
  ping(data?: any, mask?: boolean, cb?: (err: Error) => void): void;
  pong(data?: any, mask?: boolean, cb?: (err: Error) => void): void;
  send(data: BufferLike, cb?: (err?: Error) => void): void;
  send(
    data: BufferLike,
    options: { mask?: boolean | undefined; binary?: boolean | undefined; compress?: boolean | undefined; fin?: boolean | undefined },
    cb?: (err?: Error) => void,
  ): void;
  /** Destroys the socket at once. */
  terminate(): void;
  pause(): void;
  resume(): void;

  addEventListener<K extends keyof WebSocket.WebSocketEventMap>(
    type: K,
    listener: ((event: WebSocket.WebSocketEventMap[K]) => void) | { handleEvent(event: WebSocket.WebSocketEventMap[K]): void },
    options?: WebSocket.EventListenerOptions,
  ): void;
  removeEventListener<K extends keyof WebSocket.WebSocketEventMap>(
    type: K,
    listener: ((event: WebSocket.WebSocketEventMap[K]) => void) | { handleEvent(event: WebSocket.WebSocketEventMap[K]): void },
  ): void;

  on(event: 'close', listener: Listener<[code: number, reason: Buffer]>): this;
  on(event: 'error', listener: Listener<[error: WebSocket.WsError]>): this;
  on(event: 'upgrade', listener: Listener<[request: IncomingMessage]>): this;
  on(event: 'message', listener: Listener<[data: WebSocket.RawData, isBinary: boolean]>): this;
  on(event: 'open', listener: Listener<[]>): this;
  on(event: 'ping' | 'pong', listener: Listener<[data: Buffer]>): this;
  on(event: 'redirect', listener: Listener<[url: string, request: ClientRequest]>): this;
  on(event: 'unexpected-response', listener: Listener<[request: ClientRequest, response: IncomingMessage]>): this;
  on(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;

  once(event: 'close', listener: Listener<[code: number, reason: Buffer]>): this;
  once(event: 'error', listener: Listener<[error: WebSocket.WsError]>): this;
  once(event: 'upgrade', listener: Listener<[request: IncomingMessage]>): this;
  once(event: 'message', listener: Listener<[data: WebSocket.RawData, isBinary: boolean]>): this;
  once(event: 'open', listener: Listener<[]>): this;
  once(event: 'ping' | 'pong', listener: Listener<[data: Buffer]>): this;
  once(event: 'redirect', listener: Listener<[url: string, request: ClientRequest]>): this;
  once(event: 'unexpected-response', listener: Listener<[request: ClientRequest, response: IncomingMessage]>): this;
  once(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;

  off(event: 'close', listener: Listener<[code: number, reason: Buffer]>): this;
  off(event: 'error', listener: Listener<[error: WebSocket.WsError]>): this;
  off(event: 'upgrade', listener: Listener<[request: IncomingMessage]>): this;
  off(event: 'message', listener: Listener<[data: WebSocket.RawData, isBinary: boolean]>): this;
  off(event: 'open', listener: Listener<[]>): this;
  off(event: 'ping' | 'pong', listener: Listener<[data: Buffer]>): this;
  off(event: 'redirect', listener: Listener<[url: string, request: ClientRequest]>): this;
  off(event: 'unexpected-response', listener: Listener<[request: ClientRequest, response: IncomingMessage]>): this;
  off(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;

  addListener(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  addListener(event: 'error', listener: (error: WebSocket.WsError) => void): this;
  addListener(event: 'upgrade', listener: (request: IncomingMessage) => void): this;
  addListener(event: 'message', listener: (data: WebSocket.RawData, isBinary: boolean) => void): this;
  addListener(event: 'open', listener: () => void): this;
  addListener(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  addListener(event: 'redirect', listener: (url: string, request: ClientRequest) => void): this;
  addListener(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;

  removeListener(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  removeListener(event: 'error', listener: (error: WebSocket.WsError) => void): this;
  removeListener(event: 'upgrade', listener: (request: IncomingMessage) => void): this;
  removeListener(event: 'message', listener: (data: WebSocket.RawData, isBinary: boolean) => void): this;
  removeListener(event: 'open', listener: () => void): this;
  removeListener(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  removeListener(event: 'redirect', listener: (url: string, request: ClientRequest) => void): this;
  removeListener(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
  removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
}

declare const WebSocketAlias: typeof WebSocket;
interface WebSocketAlias extends WebSocket {}

declare namespace WebSocket {
  /** A received message: a Buffer (text, and binary by default), an ArrayBuffer, fragments or a Blob. */
  type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;
  type Data = string | Buffer | ArrayBuffer | Buffer[];
  type CertMeta = string | string[] | Buffer | Buffer[];

  /**
   * The errors a WebSocket emits: ws's (with its `code`, e.g.
   * `WS_ERR_INVALID_UTF8`, on faults of received frames), carrying
   * wsframe's facts too.
   */
  interface WsError extends Error {
    code?: string;
    /** wsframe: the close code sent for the fault. */
    closeCode?: number;
    /** wsframe: the byte of the stream where the fault was found. */
    offset?: number;
    /** wsframe: the core's own code (e.g. `invalid_utf8`) where `code` is ws's. */
    wsframeCode?: string;
    /** wsframe: the core's explanation. */
    detail?: string;
  }

  type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> = (info: {
    origin: string;
    secure: boolean;
    req: Request;
  }) => boolean;

  type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> = (
    info: { origin: string; secure: boolean; req: Request },
    callback: (res: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void,
  ) => void;

  type FinishRequestCallback = (request: ClientRequest, websocket: WebSocket) => void;

  /** Options both roles take beyond ws's (wsframe's extras). */
  interface WsframeConnectionOptions {
    /** wsframe: largest frame payload (default: maxPayload). */
    maxFrameSize?: number | undefined;
    /** wsframe: most bytes held for a message still arriving (default: maxPayload). */
    maxBufferedBytes?: number | undefined;
    /** wsframe: refuse lengths not in their minimal form (RFC 6455 §5.2). */
    strictLength?: boolean | undefined;
    /** wsframe: close with 1001 after this many ms without data (0: never, the default). */
    idleTimeout?: number | undefined;
    /** wsframe: stop reading while the socket's write buffer is full (default false). */
    pauseOnBackpressure?: boolean | undefined;
  }

  interface ClientOptions extends SecureContextOptions, WsframeConnectionOptions {
    protocol?: string | undefined;
    protocols?: string | string[] | undefined;
    followRedirects?: boolean | undefined;
    generateMask?(mask: Buffer): void;
    handshakeTimeout?: number | undefined;
    maxRedirects?: number | undefined;
    perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
    localAddress?: string | undefined;
    protocolVersion?: number | undefined;
    headers?: { [key: string]: string } | undefined;
    origin?: string | undefined;
    agent?: Agent | undefined;
    host?: string | undefined;
    family?: number | undefined;
    checkServerIdentity?(servername: string, cert: CertMeta): boolean;
    rejectUnauthorized?: boolean | undefined;
    allowSynchronousEvents?: boolean | undefined;
    autoPong?: boolean | undefined;
    closeTimeout?: number | undefined;
    maxPayload?: number | undefined;
    maxBufferedChunks?: number | undefined;
    maxFragments?: number | undefined;
    maxPendingAutoPongs?: number | undefined;
    skipUTF8Validation?: boolean | undefined;
    createConnection?: typeof createConnection | undefined;
    finishRequest?: FinishRequestCallback | undefined;
  }

  interface PerMessageDeflateOptions {
    serverNoContextTakeover?: boolean | undefined;
    clientNoContextTakeover?: boolean | undefined;
    serverMaxWindowBits?: number | undefined;
    clientMaxWindowBits?: number | undefined;
    zlibDeflateOptions?:
      | {
          flush?: number | undefined;
          finishFlush?: number | undefined;
          chunkSize?: number | undefined;
          windowBits?: number | undefined;
          level?: number | undefined;
          memLevel?: number | undefined;
          strategy?: number | undefined;
          dictionary?: Buffer | Buffer[] | DataView | undefined;
          info?: boolean | undefined;
        }
      | undefined;
    zlibInflateOptions?: ZlibOptions | undefined;
    threshold?: number | undefined;
    concurrencyLimit?: number | undefined;
    /** wsframe: the compression level (as zlibDeflateOptions.level). */
    level?: number | undefined;
    /** wsframe: the compressor's memory level (as zlibDeflateOptions.memLevel). */
    memLevel?: number | undefined;
  }

  interface Event {
    type: string;
    target: WebSocket;
  }

  interface ErrorEvent {
    error: any;
    message: string;
    type: string;
    target: WebSocket;
  }

  interface CloseEvent {
    wasClean: boolean;
    code: number;
    reason: string;
    type: string;
    target: WebSocket;
  }

  interface MessageEvent {
    data: Data;
    type: string;
    target: WebSocket;
  }

  interface WebSocketEventMap {
    open: Event;
    error: ErrorEvent;
    close: CloseEvent;
    message: MessageEvent;
  }

  interface EventListenerOptions {
    once?: boolean | undefined;
  }

  interface ServerOptions<
    U extends typeof WebSocket.WebSocket = typeof WebSocket.WebSocket,
    V extends typeof IncomingMessage = typeof IncomingMessage,
  > extends WsframeConnectionOptions {
    host?: string | undefined;
    port?: number | undefined;
    backlog?: number | undefined;
    /** An http or https server; wsframe also takes a raw net.Server or tls.Server. */
    server?: HttpServer<V> | HttpsServer<V> | NetServer | TlsServer | undefined;
    verifyClient?: VerifyClientCallbackAsync<InstanceType<V>> | VerifyClientCallbackSync<InstanceType<V>> | undefined;
    handleProtocols?: (protocols: Set<string>, request: InstanceType<V>) => string | false;
    path?: string | undefined;
    noServer?: boolean | undefined;
    allowSynchronousEvents?: boolean | undefined;
    autoPong?: boolean | undefined;
    clientTracking?: boolean | undefined;
    closeTimeout?: number | undefined;
    perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
    maxPayload?: number | undefined;
    maxBufferedChunks?: number | undefined;
    maxFragments?: number | undefined;
    maxPendingAutoPongs?: number | undefined;
    skipUTF8Validation?: boolean | undefined;
    WebSocket?: U | undefined;
    /** wsframe: subprotocols the server speaks, in preference order (without handleProtocols). */
    protocols?: string[] | undefined;
    /** wsframe: extra headers for every 101 answer. */
    headers?: Record<string, string> | [string, string][] | undefined;
    /** wsframe, raw net mode: ms to receive the whole upgrade request (default 10000). */
    handshakeTimeout?: number | undefined;
    /** wsframe, raw net mode: largest request head in bytes (default 16384; 431 over it). */
    maxHeadBytes?: number | undefined;
    /** wsframe, raw net mode: most header fields (default 100; 431 over it). */
    maxHeaders?: number | undefined;
  }

  interface AddressInfo {
    address: string;
    family: string;
    port: number;
  }

  class Server<
    T extends typeof WebSocket.WebSocket = typeof WebSocket.WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage,
  > extends EventEmitter {
    options: ServerOptions<T, U>;
    path: string;
    clients: Set<InstanceType<T>>;

    constructor(options?: ServerOptions<T, U>, callback?: () => void);

    address(): AddressInfo | string | null;
    close(cb?: (err?: Error) => void): void;
    handleUpgrade(
      request: InstanceType<U>,
      socket: Duplex,
      upgradeHead: Buffer,
      callback: (client: InstanceType<T>, request: InstanceType<U>) => void,
    ): void;
    shouldHandle(request: InstanceType<U>): boolean | Promise<boolean>;
    /** wsframe: reads the upgrade request from a raw socket (`head`: bytes already read), then emits 'connection'. */
    handleSocket(socket: Socket, head?: Uint8Array): void;

    on(event: 'connection', cb: (this: Server<T>, websocket: InstanceType<T>, request: InstanceType<U>) => void): this;
    on(event: 'error', cb: (this: Server<T>, error: Error) => void): this;
    on(event: 'headers', cb: (this: Server<T>, headers: string[], request: InstanceType<U>) => void): this;
    on(event: 'close' | 'listening', cb: (this: Server<T>) => void): this;
    on(event: 'wsClientError', cb: (this: Server<T>, error: Error, socket: Duplex, request: InstanceType<U>) => void): this;
    on(event: string | symbol, listener: (this: Server<T>, ...args: any[]) => void): this;

    once(event: 'connection', cb: (this: Server<T>, websocket: InstanceType<T>, request: InstanceType<U>) => void): this;
    once(event: 'error', cb: (this: Server<T>, error: Error) => void): this;
    once(event: 'headers', cb: (this: Server<T>, headers: string[], request: InstanceType<U>) => void): this;
    once(event: 'close' | 'listening', cb: (this: Server<T>) => void): this;
    once(event: 'wsClientError', cb: (this: Server<T>, error: Error, socket: Duplex, request: InstanceType<U>) => void): this;
    once(event: string | symbol, listener: (this: Server<T>, ...args: any[]) => void): this;

    off(event: 'connection', cb: (this: Server<T>, socket: InstanceType<T>, request: InstanceType<U>) => void): this;
    off(event: 'error', cb: (this: Server<T>, error: Error) => void): this;
    off(event: 'headers', cb: (this: Server<T>, headers: string[], request: InstanceType<U>) => void): this;
    off(event: 'close' | 'listening', cb: (this: Server<T>) => void): this;
    off(event: 'wsClientError', cb: (this: Server<T>, error: Error, socket: Duplex, request: InstanceType<U>) => void): this;
    off(event: string | symbol, listener: (this: Server<T>, ...args: any[]) => void): this;

    addListener(event: 'connection', cb: (websocket: InstanceType<T>, request: InstanceType<U>) => void): this;
    addListener(event: 'error', cb: (error: Error) => void): this;
    addListener(event: 'headers', cb: (headers: string[], request: InstanceType<U>) => void): this;
    addListener(event: 'close' | 'listening', cb: () => void): this;
    addListener(event: 'wsClientError', cb: (error: Error, socket: Duplex, request: InstanceType<U>) => void): this;
    addListener(event: string | symbol, listener: (...args: any[]) => void): this;

    removeListener(event: 'connection', cb: (websocket: InstanceType<T>, request: InstanceType<U>) => void): this;
    removeListener(event: 'error', cb: (error: Error) => void): this;
    removeListener(event: 'headers', cb: (headers: string[], request: InstanceType<U>) => void): this;
    removeListener(event: 'close' | 'listening', cb: () => void): this;
    removeListener(event: 'wsClientError', cb: (error: Error, socket: Duplex, request: InstanceType<U>) => void): this;
    removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  const WebSocketServer: typeof Server;
  interface WebSocketServer extends Server {}
  const WebSocket: typeof WebSocketAlias;
  interface WebSocket extends WebSocketAlias {}

  function createWebSocketStream(websocket: WebSocket, options?: DuplexOptions): Duplex;

  /** wsframe: `new WebSocket(address, protocols, options)`. */
  function connect(address: string | URL, protocols?: string | string[] | ClientOptions, options?: ClientOptions): WebSocket;
  /** wsframe: `new WebSocketServer(options, callback)`. */
  function createServer(options?: ServerOptions, callback?: () => void): Server;

  /** wsframe: `wsframe/socket.io`'s `Server` (socket.io 4's API). */
  const SocketIoServer: typeof import('./socket.io').Server;
  type SocketIoServer = import('./socket.io').Server;
  /** wsframe: raw Engine.IO with engine.io's shape (`wsframe/socket.io`'s `EngineIoServer`). */
  const EngineIoServer: typeof import('./socket.io').EngineIoServer;
  type EngineIoServer = import('./socket.io').EngineIoServer;
}

export = WebSocket;
