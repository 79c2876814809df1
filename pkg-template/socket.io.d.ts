// Types of `wsframe/socket.io`: socket.io 4.8's server API, its names,
// shapes and typed-events generics (`Server<ListenEvents, EmitEvents,
// ServerSideEvents, SocketData>`).
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';

export type Room = string;
export type SocketId = string;
export type DisconnectReason =
  | 'transport error'
  | 'transport close'
  | 'forced close'
  | 'ping timeout'
  | 'parse error'
  | 'server shutting down'
  | 'forced server close'
  | 'client namespace disconnect'
  | 'server namespace disconnect';

type AnyServer = HttpServer | HttpsServer | Http2SecureServer | Http2Server;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => void;

export interface CorsOptions {
  origin?: boolean | string | RegExp | Array<boolean | string | RegExp> | ((origin: string | undefined, callback: (err: Error | null, origin?: boolean | string | RegExp | Array<boolean | string | RegExp>) => void) => void);
  methods?: string | string[];
  allowedHeaders?: string | string[];
  exposedHeaders?: string | string[];
  credentials?: boolean;
  maxAge?: number;
  preflightContinue?: boolean;
  optionsSuccessStatus?: number;
}

export interface CookieOptions {
  name?: string;
  path?: string | false;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  partitioned?: boolean;
}

export interface ServerOptions {
  path?: string;
  /** wsframe does not serve the client bundle: `true` is refused. */
  /** Serves the socket.io-client bundle under `path` (`/socket.io/socket.io.js`, …), as socket.io does (default true). */
  serveClient?: boolean;
  adapter?: typeof Adapter;
  connectTimeout?: number;
  cleanupEmptyChildNamespaces?: boolean;
  pingTimeout?: number;
  pingInterval?: number;
  upgradeTimeout?: number;
  maxHttpBufferSize?: number;
  allowRequest?: (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void;
  transports?: Array<'polling' | 'websocket'>;
  allowUpgrades?: boolean;
  httpCompression?: boolean | { threshold?: number; level?: number };
  cookie?: boolean | CookieOptions;
  cors?: CorsOptions;
  allowEIO3?: boolean;
  addTrailingSlash?: boolean;
  destroyUpgrade?: boolean;
  destroyUpgradeTimeout?: number;
  /** wsframe's: bytes waiting for a client that does not read before it is paused, and dropped unless it drains (default 1 MiB). */
  maxBufferedBytes?: number;
  /** socket.io's custom parser: a module with socket.io-parser's `Encoder` and `Decoder` classes (socket.io-msgpack-parser, …). */
  parser?: { Encoder: new () => { encode(packet: any): any[] }; Decoder: new () => any };
  wsEngine?: never;
  /** As engine.io hands it to ws: `true` or ws's options (context takeover, window bits, `threshold`, zlib `level` and `memLevel`), compressed by the core. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** socket.io's: a client that lost its connection gets its id, rooms, `data` and missed packets back within `maxDisconnectionDuration` (default 2 minutes); recovered sockets skip the middlewares unless `skipMiddlewares: false`. */
  connectionStateRecovery?: { maxDisconnectionDuration?: number; skipMiddlewares?: boolean };
  /** engine.io's: a message every new session gets right after its open packet. */
  initialPacket?: string | ArrayBuffer | ArrayBufferView;
}

/** ws's `perMessageDeflate` options, as engine.io passes them on. */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  zlibDeflateOptions?: { level?: number; memLevel?: number; [setting: string]: unknown };
  zlibInflateOptions?: Record<string, unknown>;
  threshold?: number;
  concurrencyLimit?: number;
  /** wsframe: the compression level (as zlibDeflateOptions.level). */
  level?: number;
  /** wsframe: the compressor's memory level (as zlibDeflateOptions.memLevel). */
  memLevel?: number;
}

export interface Handshake {
  headers: IncomingMessage['headers'];
  time: string;
  address: string;
  xdomain: boolean;
  secure: boolean;
  issued: number;
  url: string;
  query: Record<string, string>;
  auth: Record<string, any>;
}

interface BroadcastOptions {
  rooms: Set<Room>;
  except?: Set<Room>;
  flags?: { volatile?: boolean; compress?: boolean; local?: boolean; timeout?: number };
}

/** socket.io's `socket.conn`: the Engine.IO session. */
export interface EngineConn extends EventEmitter {
  readonly id: string;
  readonly protocol: number;
  readonly readyState: 'open' | 'closed';
  readonly transport: { name: 'polling' | 'websocket' };
  readonly request: IncomingMessage;
  readonly remoteAddress: string | undefined;
  readonly upgraded: boolean;
  close(): this;
  on(event: 'upgrade', listener: (transport: { name: 'websocket' }) => void): this;
  on(event: 'close', listener: (reason: string) => void): this;
  /** Each packet received (a message's data is the Socket.IO packet's text, or an attachment's bytes). */
  on(event: 'packet', listener: (packet: { type: string; data?: string | Buffer }) => void): this;
  /** Each packet sent. */
  on(event: 'packetCreate', listener: (packet: { type: string; options: { compress: boolean }; data?: string | Buffer }) => void): this;
  on(event: 'heartbeat' | 'drain', listener: () => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
}

/** engine.io's `connection_error`: `code` 0-5 as engine.io's `Server.errors`, `context` as engine.io gives it. */
export interface EngineConnectionError {
  req: IncomingMessage;
  code: number;
  message: string;
  context: Record<string, unknown>;
}

/** `io.engine`. */
export interface Engine extends EventEmitter {
  readonly clientsCount: number;
  readonly clients: Record<string, EngineConn>;
  use(fn: Middleware): void;
  /** Replace to choose session ids (the id, or a promise of it); by default they come from the OS random source. */
  generateId(req: IncomingMessage): string | PromiseLike<string>;
  on(event: 'connection', listener: (socket: EngineConn) => void): this;
  on(event: 'connection_error', listener: (err: EngineConnectionError) => void): this;
  /** Before the handshake's answer (polling) or 101 (WebSocket) is written: the listener may change `headers`. */
  on(event: 'initial_headers' | 'headers', listener: (headers: Record<string, string | string[] | number>, req: IncomingMessage) => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
}

/** socket.io's typed events: a map of event names to listener signatures (socket.io's `EventsMap`). */
export interface EventsMap {
  [event: string]: any;
}

/** Any event, any arguments (the maps' default, as socket.io's). */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

type Last<T extends any[]> = T extends [...infer _Head, infer L] ? L : any;
type AllButLast<T extends any[]> = T extends [...infer Head, any] ? Head : any[];
/** The first argument of a callback that is not its error (what `emitWithAck` resolves with). */
type FirstNonErrorArg<T> = T extends (...args: infer P) => any ? (P[0] extends Error ? P[1] : P[0]) : any;
/** An acknowledgement after `timeout()`: an error first. */
type ErrorFirstAck<A extends any[]> = A extends [...infer Head, infer L]
  ? L extends (...args: infer P) => infer R
    ? [...Head, (err: Error, ...args: P) => R]
    : A
  : A;
/** The same for a broadcast: each argument becomes the array of every recipient's. */
type ErrorFirstAcks<A extends any[]> = A extends [...infer Head, infer L]
  ? L extends (...args: infer P) => infer R
    ? [...Head, (err: Error, ...args: { [K in keyof P]: P[K][] }) => R]
    : A
  : A;
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer A) => infer R ? (...args: ErrorFirstAck<A>) => R : E[K];
};
export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer A) => infer R ? (...args: ErrorFirstAcks<A>) => R : E[K];
};
/** A listener for `Ev`: the reserved event's if it is one, else the application's. */
type ListenerOf<Reserved, User extends EventsMap, Ev> = Ev extends keyof Reserved
  ? Reserved[Ev]
  : Ev extends keyof User
    ? User[Ev]
    : (...args: any[]) => void;

interface SocketReservedEvents {
  disconnect: (reason: DisconnectReason, description?: any) => void;
  disconnecting: (reason: DisconnectReason, description?: any) => void;
  error: (err: Error) => void;
}

interface NamespaceReservedEvents<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> {
  connect: (socket: Socket<L, E, S, D>) => void;
  connection: (socket: Socket<L, E, S, D>) => void;
}

interface ServerReservedEvents<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> extends NamespaceReservedEvents<L, E, S, D> {
  new_namespace: (namespace: Namespace<L, E, S, D>) => void;
}

export class BroadcastOperator<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any> {
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData>;
  get volatile(): BroadcastOperator<EmitEvents, SocketData>;
  get local(): BroadcastOperator<EmitEvents, SocketData>;
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emitWithAck<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: AllButLast<EventParams<EmitEvents, Ev>>): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>>;
  allSockets(): Promise<Set<SocketId>>;
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]>;
  socketsJoin(room: Room | Room[]): void;
  socketsLeave(room: Room | Room[]): void;
  disconnectSockets(close?: boolean): void;
}

export class RemoteSocket<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData>;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  join(room: Room | Room[]): void;
  leave(room: Room): void;
  disconnect(close?: boolean): this;
}

export class Adapter extends EventEmitter {
  readonly nsp: Namespace;
  rooms: Map<Room, Set<SocketId>>;
  sids: Map<SocketId, Set<Room>>;
  constructor(nsp: Namespace);
  init(): Promise<void> | void;
  close(): Promise<void> | void;
  serverCount(): Promise<number>;
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  del(id: SocketId, room: Room): Promise<void> | void;
  delAll(id: SocketId): void;
  broadcast(packet: any, opts: BroadcastOptions): void;
  broadcastWithAck(packet: any, opts: BroadcastOptions, clientCountCallback: (count: number) => void, ack: (...args: any[]) => void): void;
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  socketRooms(id: SocketId): Set<Room> | undefined;
  fetchSockets(opts: BroadcastOptions): Promise<any[]>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  serverSideEmit(packet: any[]): void;
  persistSession(session: PersistedSession): void;
  restoreSession(pid: string, offset: string): Promise<Session | null> | Session | null;
}

export interface PersistedSession {
  sid: SocketId;
  pid: string;
  rooms: Room[];
  data: any;
}

export interface Session extends PersistedSession {
  missedPackets: any[][];
}

/** socket.io-adapter's `SessionAwareAdapter`: the in-memory adapter that keeps sessions and packets for connection state recovery (the default when `connectionStateRecovery` is set). */
export class SessionAwareAdapter extends Adapter {}

export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends EventEmitter {
  readonly id: SocketId;
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly adapter: Adapter;
  readonly handshake: Handshake;
  readonly request: IncomingMessage;
  readonly conn: EngineConn;
  readonly rooms: Set<Room>;
  readonly connected: boolean;
  readonly disconnected: boolean;
  readonly recovered: boolean;
  data: SocketData;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emitWithAck<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: AllButLast<EventParams<EmitEvents, Ev>>): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>>;
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  get broadcast(): BroadcastOperator<EmitEvents, SocketData>;
  get local(): BroadcastOperator<EmitEvents, SocketData>;
  get volatile(): this;
  send(...args: EventParams<EmitEvents, 'message'>): this;
  write(...args: EventParams<EmitEvents, 'message'>): this;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): this;
  compress(compress: boolean): this;
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData>;
  use(fn: (event: [string, ...any[]], next: (err?: Error) => void) => void): this;
  onAny(listener: (event: string, ...args: any[]) => void): this;
  prependAny(listener: (event: string, ...args: any[]) => void): this;
  offAny(listener?: (event: string, ...args: any[]) => void): this;
  listenersAny(): Array<(event: string, ...args: any[]) => void>;
  onAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  prependAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  offAnyOutgoing(listener?: (event: string, ...args: any[]) => void): this;
  listenersAnyOutgoing(): Array<(event: string, ...args: any[]) => void>;
  /** Emit to this socket's own listeners, not to the client. */
  emitReserved<Ev extends keyof SocketReservedEvents>(ev: Ev, ...args: Parameters<SocketReservedEvents[Ev]>): boolean;
  emitUntyped(ev: string, ...args: any[]): boolean;
  on<Ev extends keyof SocketReservedEvents | EventNames<ListenEvents>>(ev: Ev, listener: ListenerOf<SocketReservedEvents, ListenEvents, Ev>): this;
  once<Ev extends keyof SocketReservedEvents | EventNames<ListenEvents>>(ev: Ev, listener: ListenerOf<SocketReservedEvents, ListenEvents, Ev>): this;
  off<Ev extends keyof SocketReservedEvents | EventNames<ListenEvents>>(ev: Ev, listener?: ListenerOf<SocketReservedEvents, ListenEvents, Ev>): this;
}

/** What the server and each namespace offer for their sockets (socket.io's shorthands; `emit` is each class's own). */
interface Broadcasting<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ServerSideEvents extends EventsMap, SocketData> {
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData>;
  send(...args: EventParams<EmitEvents, 'message'>): this;
  write(...args: EventParams<EmitEvents, 'message'>): this;
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean;
  serverSideEmitWithAck<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: AllButLast<EventParams<ServerSideEvents, Ev>>): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]>;
  allSockets(): Promise<Set<SocketId>>;
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData>;
  readonly volatile: BroadcastOperator<EmitEvents, SocketData>;
  readonly local: BroadcastOperator<EmitEvents, SocketData>;
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>;
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]>;
  socketsJoin(room: Room | Room[]): void;
  socketsLeave(room: Room | Room[]): void;
  disconnectSockets(close?: boolean): void;
  /** Broadcasts to every socket of the namespace (the main one, for the server). */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  /** Emits to this object's own listeners (the main namespace's, for the server), not to clients. */
  emitReserved(ev: string, ...args: any[]): boolean;
  emitUntyped(ev: string, ...args: any[]): boolean;
}

type NamespaceEventName<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = keyof NamespaceReservedEvents<L, E, S, D> | EventNames<S>;
type ServerEventName<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = keyof ServerReservedEvents<L, E, S, D> | EventNames<S>;

export interface Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Broadcasting<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {}
export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends EventEmitter {
  readonly name: string;
  readonly sockets: Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  adapter: Adapter;
  use(fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, next: (err?: Error & { data?: any }) => void) => void): this;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  on<Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ListenerOf<NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, ServerSideEvents, Ev>,
  ): this;
  once<Ev extends NamespaceEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ListenerOf<NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, ServerSideEvents, Ev>,
  ): this;
}

export interface Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Broadcasting<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {}
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  constructor(srv?: AnyServer | number | ServerOptions, opts?: ServerOptions);
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly engine: Engine;
  readonly httpServer: AnyServer;
  serveClient(): boolean;
  serveClient(v: boolean): this;
  path(): string;
  path(v: string): this;
  connectTimeout(): number;
  connectTimeout(v: number): this;
  adapter(): typeof Adapter;
  adapter(v: typeof Adapter | ((nsp: any) => any)): this;
  listen(srv: AnyServer | number, opts?: ServerOptions): this;
  attach(srv: AnyServer | number, opts?: ServerOptions): this;
  of(
    name: string | RegExp | ((name: string, auth: Record<string, any>, next: (err: Error | null, success: boolean) => void) => void),
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  close(fn?: (err?: Error) => void): Promise<void>;
  use(fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, next: (err?: Error & { data?: any }) => void) => void): this;
  on<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ListenerOf<ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, ServerSideEvents, Ev>,
  ): this;
  once<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ListenerOf<ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, ServerSideEvents, Ev>,
  ): this;
  off(event: string, listener: (...args: any[]) => void): this;
  listeners(event: string): Function[];
}

/** wsframe's extra: a raw Engine.IO server with engine.io 6's shape, on the same core. */
export interface EngineSocket extends EngineConn {
  send(data: string | ArrayBuffer | ArrayBufferView, options?: object, callback?: () => void): this;
  write(data: string | ArrayBuffer | ArrayBufferView, options?: object, callback?: () => void): this;
  on(event: 'message', listener: (data: string | Buffer) => void): this;
  on(event: 'upgrade', listener: (transport: { name: 'websocket' }) => void): this;
  on(event: 'close', listener: (reason: string) => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
}

export class EngineIoServer extends EventEmitter {
  constructor(options?: Pick<ServerOptions, 'path' | 'pingTimeout' | 'pingInterval' | 'upgradeTimeout' | 'maxHttpBufferSize' | 'allowRequest' | 'transports' | 'allowUpgrades' | 'perMessageDeflate' | 'httpCompression' | 'cookie' | 'cors' | 'allowEIO3' | 'addTrailingSlash' | 'destroyUpgrade' | 'destroyUpgradeTimeout' | 'maxBufferedBytes' | 'initialPacket'>);
  readonly engine: Engine | null;
  readonly clientsCount: number;
  attach(server: AnyServer, options?: { path?: string }): this;
  close(): this;
  /** Replace to choose session ids (as `Engine#generateId`). */
  generateId(req: IncomingMessage): string | PromiseLike<string>;
  on(event: 'connection', listener: (socket: EngineSocket) => void): this;
  on(event: 'connection_error', listener: (err: EngineConnectionError) => void): this;
  on(event: 'initial_headers' | 'headers', listener: (headers: Record<string, string | string[] | number>, req: IncomingMessage) => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
}
