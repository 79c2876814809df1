// Types for `wsframe/node`: WebSocket servers and clients on raw net sockets.
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { DeflateOptions, HandshakeRequest, Headers, WsframeError } from './index';

export interface LimitOptions {
  /** Largest message (as ws's maxPayload); default 64 MiB. */
  maxPayload?: number;
  maxMessageSize?: number;
  maxFrameSize?: number;
  maxFragments?: number;
  maxBufferedBytes?: number;
  /** Answer pings automatically (default true). */
  autoPong?: boolean;
}

export interface SocketOptions {
  /** Close with 1001 after this many ms without incoming data (0 = never, the default). */
  idleTimeout?: number;
  /** After sending or receiving a close, destroy the socket if it is still open after this many ms (default 30000). */
  closeTimeout?: number;
  /** Stop reading while the socket's write buffer is full (default true). */
  pauseOnBackpressure?: boolean;
}

export declare class WebSocket extends EventEmitter {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readyState: 0 | 1 | 2 | 3;
  /** The negotiated subprotocol, or "". */
  protocol: string;
  extensions: string;
  url: string;
  /** The underlying socket. */
  readonly socket: Socket | null;
  /** Bytes handed to the socket and not yet sent. */
  readonly bufferedAmount: number;
  /** Strings go as text, bytes as binary. Returns false when the socket buffer is full (wait for 'drain'). */
  send(data: string | Uint8Array | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean; maxFrameSize?: number }, callback?: (err?: Error | null) => void): boolean;
  ping(data?: string | Uint8Array): boolean;
  pong(data?: string | Uint8Array): boolean;
  /** Starts the closing handshake; without a code, a close frame without status. */
  close(code?: number, reason?: string): void;
  /** Destroys the socket without a closing handshake. */
  terminate(): void;
  pause(): void;
  resume(): void;

  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: string | Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, reason: string) => void): this;
  on(event: 'error', listener: (error: WsframeError | Error) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface ServerOptions extends LimitOptions, SocketOptions {
  /** Listen on this port (on `host`, default 127.0.0.1) with a raw net server. */
  port?: number;
  host?: string;
  /** Or take connections from this net.Server. */
  server?: Server;
  /** Subprotocols the server speaks, in preference order. */
  protocols?: string[];
  /** Or choose one of the offered subprotocols (undefined: none). */
  handleProtocols?: (offered: string[], request: HandshakeRequest) => string | undefined | false;
  /** true accepts; false answers 403; { status, body } answers that. */
  verifyClient?: (info: { origin: string | null; request: HandshakeRequest }) =>
    | boolean
    | { status: number; body?: string }
    | Promise<boolean | { status: number; body?: string }>;
  /** Extra headers in the 101 answer. */
  headers?: Headers;
  /** Accept permessage-deflate (default false). */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Milliseconds to receive the whole upgrade request (default 10000). */
  handshakeTimeout?: number;
  maxHeadBytes?: number;
  maxHeaders?: number;
}

export declare class WebSocketServer extends EventEmitter {
  constructor(options?: ServerOptions, onConnection?: (ws: WebSocket, request: HandshakeRequest) => void);
  readonly server: Server;
  readonly clients: Set<WebSocket>;
  listen(...args: any[]): this;
  address(): ReturnType<Server['address']>;
  close(callback?: (err?: Error) => void): void;
  /** Runs the opening handshake on a raw socket; `head`: bytes already read from it. */
  handleSocket(socket: Socket, head?: Uint8Array): void;
  /** Completes an upgrade from an http server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, callback?: (ws: WebSocket, request: HandshakeRequest) => void): void;

  on(event: 'connection', listener: (ws: WebSocket, request: HandshakeRequest) => void): this;
  on(event: 'rejected', listener: (error: WsframeError | Error, socket: Socket) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'listening' | 'close', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface ConnectOptions extends LimitOptions, SocketOptions {
  protocols?: string[];
  origin?: string;
  headers?: Headers;
  /** Offer permessage-deflate (default true). */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Milliseconds to get the 101 answer (default 10000). */
  handshakeTimeout?: number;
  /** TLS options for wss: URLs. */
  tls?: TlsOptions;
}

/** Opens a client connection; the WebSocket emits 'open' once the handshake is done. */
export declare function connect(
  target: string | URL | { host?: string; port?: number; path?: string; secure?: boolean },
  options?: ConnectOptions,
): WebSocket;

/** A WebSocketServer listening on `options.port`. */
export declare function createServer(
  options?: ServerOptions,
  onConnection?: (ws: WebSocket, request: HandshakeRequest) => void,
): WebSocketServer;

import type { EngineServerCore, EngineServerOptions } from './index';

/** One Socket.IO client in one namespace. */
export declare class IoSocket {
  readonly handle: number;
  readonly id: string;
  readonly nsp: string;
  /** The CONNECT payload as sent (JSON). */
  readonly authJson: string;
  readonly handshake: { auth: unknown };
  readonly connected: boolean;
  /** Receives events; an ack function comes last when the client asked for one. */
  on(event: string, handler: (...args: any[]) => void): this;
  on(event: 'disconnect', handler: (reason: string) => void): this;
  off(event: string, handler: (...args: any[]) => void): this;
  onAny(handler: (name: unknown, ...args: any[]) => void): this;
  /** Events as received: JSON with placeholders, attachments, and an ack taking JSON. */
  onRaw(
    handler: (event: {
      nameJson: string;
      argsJson: string;
      attachments: Uint8Array[];
      ack: ((argsJson: string, attachments?: Uint8Array[]) => void) | null;
    }) => void,
  ): this;
  /** Sends an event; a function as last argument receives the client's ack. */
  emit(name: string | number, ...args: any[]): boolean;
  emitRaw(nameJson: string, argsJson: string, attachments?: Uint8Array[], onAck?: ((...args: any[]) => void) | null): void;
  disconnect(): this;
}

/** Socket.IO and a raw Engine.IO echo on raw net sockets. */
export declare class SocketIoServer extends EventEmitter {
  constructor(options?: EngineServerOptions);
  readonly core: EngineServerCore;
  readonly sessionCount: number;
  listen(port?: number, host?: string): Promise<import('node:net').AddressInfo>;
  address(): import('node:net').AddressInfo | string | null | undefined;
  /** Serves a connection accepted elsewhere. */
  handle(socket: Socket): void;
  close(): Promise<void>;
  on(event: 'connection', listener: (socket: IoSocket) => void): this;
  on(event: 'session', listener: (info: { sid: string; protocol: number; transport: string; socketio: boolean }) => void): this;
  on(event: 'upgrade', listener: (info: { sid: string }) => void): this;
  on(event: 'sessionClose', listener: (info: { sid: string; reason: string }) => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
}
