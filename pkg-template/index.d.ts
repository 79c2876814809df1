// Types for `wsframe` (the codec). In browsers and bundlers, see browser.d.ts
// for `init`, which must be awaited before anything else is called.

/** Bytes accepted by every function: any ArrayBuffer view, an ArrayBuffer, or a string (UTF-8). */
export type BytesLike = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/**
 * An error from wsframe: a protocol violation, a refused handshake, or a bad
 * argument. `err instanceof WsframeError` recognises them.
 */
export declare class WsframeError extends Error {
  name: 'WsframeError';
  /** Stable code, e.g. "invalid_utf8", "rsv1_unexpected", "message_too_big", "invalid_key". */
  code: string;
  /** The close code a connection is failed with (1002, 1007, 1008, 1009), if any. */
  closeCode?: number;
  /** Byte offset in the input stream where the problem was found. */
  offset?: number;
  /** The HTTP status a server answers a refused handshake with (400, 403, 405, 426, 431). */
  httpStatus?: number;
}

/** Converts BytesLike to a Uint8Array (no copy for views). */
export declare function toBytes(data: BytesLike | null | undefined): Uint8Array;

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong';

export interface FrameOptions {
  /** Opcode number (0-15) or name; default "text" for strings, "binary" otherwise. */
  opcode?: number | OpcodeName;
  /** Default true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** true: mask with a fresh random key; a 4-byte key: mask with it. */
  mask?: boolean | Uint8Array;
}

/** Encodes one frame (minimal length form). Any frame can be built, valid or not. */
export declare function encodeFrame(payload: BytesLike, options?: FrameOptions): Uint8Array;
/** Encodes only the header of a frame with a `payloadLength`-byte payload. */
export declare function encodeFrameHeader(payloadLength: number, options?: FrameOptions): Uint8Array;
/** XORs `data` in place with a 4-byte key; `data[0]` is payload byte `offset`. Returns `data`. */
export declare function mask<T extends BytesLike>(data: T, key: Uint8Array, offset?: number): T;

export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: OpcodeName | 'reserved';
  masked: boolean;
  maskKey: Uint8Array | null;
  headerLength: number;
  /** Stream offset of the frame's first byte. */
  offset: number;
  /** The payload, unmasked. */
  payload: Uint8Array;
}

export interface FrameDecoderOptions {
  /** "server": frames come from a client (must be masked); "client": from a server; omitted: either. */
  role?: 'server' | 'client';
  maxFrameSize?: number;
  /** RSV bits a negotiated extension defines: 0b100 = RSV1. */
  allowedRsv?: number;
  /** Reject lengths not written in their minimal form. */
  strictLength?: boolean;
}

/** Incremental frame decoder: any chunking gives the same frames. */
export declare class FrameDecoder {
  constructor(options?: FrameDecoderOptions);
  /** Every frame `chunk` completes. Throws WsframeError. */
  push(chunk: BytesLike): Frame[];
  /** Throws WsframeError "truncated_frame" if the stream ended inside a frame. */
  finish(): void;
  readonly offset: number;
  free(): void;
}

/** permessage-deflate preferences (RFC 7692), for negotiation and compression. */
export interface DeflateOptions {
  /** Server: always answer server_no_context_takeover. Client: ask the server for it. */
  serverNoContextTakeover?: boolean;
  /** Server: ask the client not to take context over. Client: announce it will not. */
  clientNoContextTakeover?: boolean;
  /** Server: the largest window its compressor uses. Client: ask the server for at most this. 8-15. */
  serverMaxWindowBits?: number;
  /** Server: ask the client for at most this (declines offers that cannot). Client: the value offered. 8-15. */
  clientMaxWindowBits?: number;
  /** Messages shorter than this are sent uncompressed (default 1024). */
  threshold?: number;
  /** zlib level 0-9 (default 6). */
  level?: number;
  /** zlib memory level 1-9 (default 8). */
  memLevel?: number;
}

/** The parameters both sides agreed on. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** A Connection's compression: the agreed params plus local settings. */
export type ConnectionDeflate = Partial<DeflateParams> & Pick<DeflateOptions, 'threshold' | 'level' | 'memLevel'>;

export interface ConnectionOptions {
  role: 'server' | 'client';
  /** Largest frame payload (default 64 MiB); over it: 1009 "frame_too_big". */
  maxFrameSize?: number;
  /** Largest message (default 64 MiB); over it: 1009 "message_too_big". */
  maxMessageSize?: number;
  /** Most frames per message (default 1,048,576); over it: 1008 "too_many_fragments". */
  maxFragments?: number;
  /** Most bytes held for an incomplete message across calls (default 64 MiB); 1009 "buffer_limit". */
  maxBufferedBytes?: number;
  /** Answer pings automatically (default true). */
  autoPong?: boolean;
  strictLength?: boolean;
  /** permessage-deflate as negotiated: messages are compressed and inflated transparently. */
  deflate?: ConnectionDeflate;
}

export type ConnectionEvent =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  /** `code` is 1005 when the close frame carried no status. */
  | { type: 'close'; code: number; reason: string };

export interface ReceiveResult {
  events: ConnectionEvent[];
  /** Bytes to write back now (pongs), or null. */
  output: Uint8Array | null;
  /** The protocol violation found in the peer's bytes, or null. */
  error: WsframeError | null;
  /** A close is owed (reply or failure): handle `events`, then write what `flush()` returns. */
  pending: boolean;
}

export interface SendOptions {
  /** Send a string as binary, or bytes as text (false). */
  binary?: boolean;
  /** Split the message into frames of at most this many payload bytes. */
  maxFrameSize?: number;
}

/**
 * One WebSocket connection as a sans-I/O state machine. The bytes it returns
 * are the caller's; those of up to 1 KiB are views into a shared slab (mind
 * `byteOffset`; `slice()` before transferring the `buffer`).
 */
export declare class Connection {
  constructor(options: ConnectionOptions);
  /** Feeds received bytes; one call into wasm per chunk, whatever it completes. */
  receive(chunk: BytesLike): ReceiveResult;
  /** After a `receive` with `pending`: the close reply or failing close frame to write, or null. */
  flush(): Uint8Array | null;
  /** Frames a message (strings as text, bytes as binary); returns the bytes to write. */
  send(data: BytesLike, options?: SendOptions): Uint8Array;
  sendText(text: string): Uint8Array;
  sendBinary(data: BytesLike, maxFrameSize?: number): Uint8Array;
  /**
   * Starts a binary message of `length` bytes without copying its payload:
   * the frame header to write, then write the payload unchanged; null when
   * the payload must pass through the connection (client role: masking;
   * compression): `send` it then.
   */
  sendBinaryHeader(length: number): Uint8Array | null;
  /** One fragment of a message sent piece by piece; `fin` ends it. */
  sendFragment(data: BytesLike, options?: { binary?: boolean; fin?: boolean }): Uint8Array;
  ping(data?: BytesLike): Uint8Array;
  pong(data?: BytesLike): Uint8Array;
  /** Starts or answers the closing handshake; without a code, a close frame without status. */
  close(code?: number, reason?: string): Uint8Array;
  readonly state: 'open' | 'closeReceived' | 'closing' | 'closed' | 'failing' | 'failed';
  readonly role: 'server' | 'client';
  readonly bytesReceived: number;
  free(): void;
}

export interface ExtensionParam {
  name: string;
  value: string | null;
}
export interface Extension {
  name: string;
  params: ExtensionParam[];
}

export interface HandshakeRequest {
  method: string;
  path: string;
  httpMinor: number;
  /** Every header in order, repeated ones kept. */
  headers: [string, string][];
  host: string;
  origin: string | null;
  key: string;
  /** Offered subprotocols, in the client's order. */
  protocols: string[];
  /** Offered extensions, in order. */
  extensions: Extension[];
  /** Bytes after the head: the first frame bytes. */
  rest: Uint8Array;
}

export interface HandshakeResponse {
  status: number;
  headers: [string, string][];
  protocol: string | null;
  extensions: Extension[];
  /** Bytes after the head: the first frame bytes. */
  rest: Uint8Array;
}

export type Headers = Record<string, string> | [string, string][];

/** Reads an upgrade request as its bytes arrive (RFC 6455 §4.2.1). */
export declare class ServerHandshake {
  constructor(options?: { maxHeadBytes?: number; maxHeaders?: number });
  /** undefined until the head is complete; throws WsframeError (with httpStatus) to refuse. */
  push(chunk: BytesLike): HandshakeRequest | undefined;
  free(): void;
}

/** The client side of the opening handshake (RFC 6455 §4.1). */
export declare class ClientHandshake {
  constructor(options: {
    host: string;
    path?: string;
    origin?: string;
    protocols?: string[];
    extensions?: string | Extension[];
    headers?: Headers;
    /** A fixed 16-byte nonce, for tests and replays only. */
    nonce?: Uint8Array;
  });
  /** The request bytes to send. */
  readonly request: Uint8Array;
  readonly key: string;
  /** undefined until the answer's head is complete; throws WsframeError if it fails the connection. */
  push(chunk: BytesLike): HandshakeResponse | undefined;
  free(): void;
}

/** Streaming UTF-8 validation that fails at the first byte that cannot be valid. */
export declare class Utf8Validator {
  push(chunk: BytesLike): void;
  finish(): void;
  reset(): void;
  readonly position: number;
  free(): void;
}

/** The Sec-WebSocket-Extensions value a client offers permessage-deflate with. */
export declare function deflateOffer(options?: DeflateOptions): string;
/**
 * Server: the first acceptable permessage-deflate offer among a request's
 * extensions (invalid offers are skipped), or null.
 */
export declare function negotiateDeflate(
  offers: Extension[],
  options?: DeflateOptions,
): { response: string; params: DeflateParams } | null;
/** Client: the agreed params from the server's answer, or null; throws WsframeError if the answer breaks the offer. */
export declare function acceptDeflateResponse(extensions: Extension[], options?: DeflateOptions): DeflateParams | null;

/** Inflates the permessage-deflate messages of one direction, keeping the context between them. */
export declare class Inflater {
  constructor(options?: { windowBits?: number; noContextTakeover?: boolean; maxOutput?: number });
  /** One message's payload (its frames' payloads joined); throws WsframeError. */
  inflateMessage(payload: BytesLike): Uint8Array;
  free(): void;
}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export declare function acceptKey(key: string): string;
/** A request parsed elsewhere (e.g. by Node's http before 'upgrade'); headers as pairs or as Node's `rawHeaders`. */
export interface RequestParts {
  method: string;
  path: string;
  httpMinor?: number;
  headers: [string, string][] | string[];
}
/** Validates a request parsed elsewhere (e.g. Node's http 'upgrade'). */
export declare function validateRequest(parts: RequestParts): HandshakeRequest;
/** What the answer to a request depends on (see `upgradeOffer`). */
export type UpgradeOffer = Pick<HandshakeRequest, 'key' | 'protocols' | 'extensions'>;
/**
 * Validates a request as `validateRequest` does and returns only what the
 * answer depends on (enough for `upgradeAnswer` and `acceptResponse`), for
 * servers that keep the request's head themselves.
 */
export declare function upgradeOffer(parts: RequestParts): UpgradeOffer;
/** The 101 answer; `protocol` and `extensions` must be ones the client offered. */
export declare function acceptResponse(
  request: UpgradeOffer,
  options?: { protocol?: string; extensions?: string | Extension[]; headers?: Headers },
): Uint8Array;
/**
 * The server's whole answer to a validated request: the 101's lines (status
 * line first, no line ends) and what was agreed. `protocol`: omitted, the
 * first offered; null, none. `deflate`: permessage-deflate preferences, to
 * negotiate it.
 */
export declare function upgradeAnswer(
  request: UpgradeOffer,
  options?: { protocol?: string | null; deflate?: DeflateOptions; headers?: Headers },
): { lines: string[]; protocol: string | null; extensions: string | null; deflate: DeflateParams | null };
/** An HTTP error answer with `Connection: close`. */
export declare function rejectResponse(status: number, body?: string, headers?: Headers): Uint8Array;
/** The HTTP answer for a handshake WsframeError (426 carries Sec-WebSocket-Version: 13). */
export declare function rejectionFor(error: WsframeError): Uint8Array;
export declare function isValidUtf8(bytes: BytesLike): boolean;
/**
 * Bytes of linear memory held by the module's one WebAssembly instance,
 * which every connection of the process shares. Linear memory cannot shrink;
 * wsframe keeps it the size of the largest input chunk plus what live
 * connections hold, and reuses what it frees.
 */
export declare function wasmMemorySize(): number;
/**
 * The error every call throws once the module's WebAssembly instance has
 * trapped (a panic in the core aborts it; every connection of the process
 * shares it), or null. Its code is `wsframe_trap`, its closeCode 1011 and
 * its httpStatus 500. The package's servers and sockets close themselves
 * when it happens; new connections are refused.
 */
export declare function trapError(): WsframeError | null;
/** Calls `listener` when the instance traps (inside the call that trapped); returns a function that stops listening. */
export declare function onTrap(listener: (error: WsframeError) => void): () => void;
/** Whether `error` is the trap error. */
export declare function isTrap(error: unknown): error is WsframeError;
/** Test-only: traps the instance, as a bug would. Refuses unless WSFRAME_TEST_TRAP=1 is in the environment. */
export declare function __testTrap(): void;
/** 1000-1003, 1007-1014 and 3000-4999. */
export declare function isValidCloseCode(code: number): boolean;
export declare function closeCodeName(code: number): string;
/** `{ code, reason }` of a close payload (code 1005 when empty); throws WsframeError. */
export declare function parseClosePayload(payload: BytesLike): { code: number; reason: string };
export declare function encodeClosePayload(code?: number, reason?: string | Uint8Array): Uint8Array;

export interface Field {
  name: 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'mask' | 'payloadLength' | 'extendedLength' | 'maskingKey' | 'payload';
  /** Byte offset where the field starts. */
  offset: number;
  /** First bit within that byte (0 = most significant). */
  bit: number;
  /** Length in bits: a number, or past 2^53 - 1 (a huge payload) its decimal string. */
  bits: number | string;
  raw: string;
  value: string;
  meaning: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** The error code the codec fails with for the same fault. */
  code: string;
  message: string;
  offset: number;
  bit: number | null;
  /** The close code a conforming endpoint would fail the connection with. */
  closeCode: number | null;
  /** The HTTP status a conforming server refuses such a handshake with. */
  httpStatus: number | null;
  /** The specification section broken, e.g. "RFC 6455 §5.2". */
  section: string | null;
  frame: number | null;
}

export interface FrameAnatomy {
  index: number;
  offset: number;
  headerLen: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskKey: number[] | null;
  /** The header's length: a number, or past 2^53 - 1 (which a JS number cannot hold exactly) its decimal string. */
  payloadLen: number | string;
  payloadOffset: number;
  lengthForm: '7-bit' | '16-bit' | '64-bit';
  available: number;
  complete: boolean;
  fields: Field[];
  payload: Uint8Array;
  maskedPayload: Uint8Array;
  message: number | null;
  close: { code: number | null; name: string; reason: string } | null;
  diagnostics: Diagnostic[];
}

export interface MessageSummary {
  index: number;
  kind: 'text' | 'binary';
  frames: number[];
  size: number;
  complete: boolean;
  compressed: boolean;
  /** The inflated size, when the message was inflated. */
  inflatedSize: number | null;
  /** The payload, inflated when it was. */
  data: Uint8Array;
  text: string | null;
  truncated: boolean;
}

export interface Inspection {
  frames: FrameAnatomy[];
  messages: MessageSummary[];
  diagnostics: Diagnostic[];
  bytes: number;
  complete: boolean;
}

/** Frame anatomy of a byte stream (one direction), lenient: problems are reported, decoding goes on. */
export declare function inspect(
  bytes: BytesLike,
  options?: {
    direction?: 'client' | 'server' | 'unknown';
    allowedRsv?: number;
    maxPayload?: number;
    /** permessage-deflate as agreed for this direction: compressed messages are inflated. */
    deflate?: { windowBits?: number; noContextTakeover?: boolean };
    /** Bytes one message may inflate to (default 64 MiB). */
    maxInflated?: number;
  },
): Inspection;

// ----- Engine.IO protocol 3 -----

export type EngineIoPacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop';

export interface EngineIoPacket {
  type: EngineIoPacketType;
  data?: string | Uint8Array;
}

export interface PayloadLimits {
  /** Largest payload in bytes (default 1e6). */
  maxBytes?: number;
  /** Most packets in one payload (default 16384). */
  maxPackets?: number;
}

/** The packets of a payload before its first error, and that error. */
export interface DecodedPayload {
  packets: EngineIoPacket[];
  error?: WsframeError;
}

/** A protocol 3 packet as text, or (supportsBinary, binary data) as a binary WebSocket message. */
export declare function encodePacketV3(
  packet: { type: EngineIoPacketType; data?: string | BytesLike },
  options?: { supportsBinary?: boolean },
): string | Uint8Array;
/** Decodes a protocol 3 packet; throws WsframeError when malformed. */
export declare function decodePacketV3(data: string | BytesLike): EngineIoPacket;
/** A protocol 3 polling payload: text, or the binary form when supportsBinary and a packet is binary. */
export declare function encodePayloadV3(
  packets: Array<{ type: EngineIoPacketType; data?: string | BytesLike }>,
  options?: { supportsBinary?: boolean },
): string | Uint8Array;
export declare function decodePayloadV3(data: string | BytesLike, limits?: PayloadLimits): DecodedPayload;

// ----- Socket.IO -----

export interface SocketIoInspection {
  kind: string | null;
  kindName: string | null;
  attachments: number | null;
  nsp: string | null;
  id: number | null;
  /** The data as compact JSON. */
  dataJson: string | null;
  /** The event name of an event, as JSON. */
  eventJson: string | null;
  placeholders: Array<{ path: Array<string | number>; num: number | null }>;
  spans: Record<'kind' | 'attachments' | 'nsp' | 'id' | 'data', { start: number; end: number } | null>;
  diagnostics: Array<{ code: string; message: string; offset: number }>;
}

/** Lenient parse of one Socket.IO packet (text) for display. */
export declare function inspectSocketIo(text: string, options?: { maxAttachments?: number }): SocketIoInspection;
/** JSON with binary values replaced by placeholders, and the values. */
export declare function deconstructSocketIoData(data: unknown): { json: string; attachments: unknown[] };
/** Parses JSON and puts the attachments where the placeholders were. */
export declare function reconstructSocketIoData(
  json: string,
  attachments: unknown[],
  placeholders: Array<{ path: Array<string | number>; num: number }>,
): unknown;

// ----- Engine.IO / Socket.IO server core -----

export interface EngineServerOptions {
  pingInterval?: number;
  pingTimeout?: number;
  maxPayload?: number;
  maxPackets?: number;
  connectTimeout?: number;
  upgradeTimeout?: number;
  /** A raw Engine.IO endpoint whose messages go to the application (default null: off). */
  enginePath?: string | null;
  /** Socket.IO endpoint (default "/socket.io/", null: off). */
  socketioPath?: string | null;
  maxAttachments?: number;
  /** Serve EIO=3 clients (default true). */
  allowEio3?: boolean;
  /** Polling sessions may move to WebSocket (default true). */
  allowUpgrades?: boolean;
  /** Milliseconds for an HTTP request read by the core to arrive whole (default 60000; 408 after). */
  requestTimeout?: number;
  /** Bytes a polling session may hold for a GET that does not come (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Access-Control-Allow-Origin for polling answers: an origin (with credentials) or "*" (without). */
  corsOrigin?: string | null;
}

type Placeholders = Array<{ path: Array<string | number>; num: number }>;

export type EngineServerAction =
  | { kind: 'write'; conn: number; bytes: Uint8Array }
  | { kind: 'writeShared'; conns: number[]; bytes: Uint8Array }
  | { kind: 'end'; conn: number }
  | { kind: 'respond'; conn: number; status: number; headers: Array<[string, string]>; body: Uint8Array; compress: boolean }
  | { kind: 'open'; conn: number; sid: string; protocol: 3 | 4; transport: 'polling' | 'websocket'; socketio: boolean }
  | { kind: 'upgrade'; sid: string }
  | { kind: 'close'; sid: string; reason: string }
  | { kind: 'message'; sid: string; data: string | Uint8Array }
  | { kind: 'connect'; socket: number; sid: string; id: string; nsp: string; authJson: string }
  | { kind: 'event'; socket: number; nameJson: string; argsJson: string; ack: number | null; attachments: Uint8Array[]; placeholders: Placeholders }
  | { kind: 'ack'; socket: number; id: number; argsJson: string; attachments: Uint8Array[]; placeholders: Placeholders }
  | { kind: 'disconnect'; socket: number; reason: string }
  /** A request or upgrade refused with engine.io's error `code` (and `name`, its context name for code 3, else ""); its answer follows. */
  | { kind: 'refused'; conn: number; code: 0 | 1 | 2 | 3 | 5; name: string };

/** A request as Node's `http` read it. */
export interface HttpRequestLike {
  method: string;
  url: string;
  rawHeaders: string[];
}

/**
 * The sans-I/O Engine.IO + Socket.IO server: bytes and time in, actions
 * out (`wsframe/socket.io` is built on it).
 */
export declare class EngineServerCore {
  constructor(options?: EngineServerOptions);
  receive(conn: number, bytes: BytesLike, now: number): void;
  /** `sid`: the id of the session a handshake opens, when the application chose it (engine.io's `generateId`). */
  httpRequest(conn: number, req: HttpRequestLike, body: BytesLike, now: number, sid?: string): void;
  upgrade(conn: number, req: HttpRequestLike, headers: Array<[string, string]>, now: number, sid?: string): void;
  closed(conn: number, now: number): void;
  /** 0: drained, 1: backlogged, 2: overflowing. */
  congestion(conn: number, level: 0 | 1 | 2, now: number): void;
  tick(now: number): void;
  readonly nextDeadline: number | undefined;
  readonly sessionCount: number;
  takeOutput(): EngineServerAction[];
  /** `identity.id`: a recovered session's socket id for the CONNECT answer; `identity.pid`: the private id it gives for connection state recovery. */
  accept(socket: number, now: number, identity?: { id?: string; pid?: string }): void;
  refuse(socket: number, dataJson: string, now: number): void;
  join(socket: number, room: number): void;
  leave(socket: number, room: number): void;
  /** With `ackId` (the application numbers acks per namespace), the client answers with that id; `compress: false` sends it without permessage-deflate. */
  emit(socket: number, nameJson: string, argsJson: string, attachments?: BytesLike[], ackId?: number, now?: number, compress?: boolean): void;
  broadcast(
    nsp: string,
    rooms: number[],
    except: number[],
    nameJson: string,
    argsJson: string,
    attachments: BytesLike[],
    volatile: boolean,
    ackId: number | undefined,
    now: number,
    compress?: boolean,
  ): number;
  ack(socket: number, id: number, argsJson: string, attachments?: BytesLike[], now?: number): void;
  disconnect(socket: number, now?: number): void;
  closeClient(socket: number, now: number): void;
  sendMessage(sid: string, data: string | BytesLike, now: number): void;
  closeSession(sid: string, now: number): void;
  shutdown(now: number): void;
  free(): void;
}

// ----- Captures (the inspector) -----

export interface CaptureSegment {
  dir: 'client' | 'server';
  bytes: Uint8Array;
  /** From a capture file: the packet that brought the bytes (1-based) and its time (seconds since the epoch). */
  packet?: number;
  time?: number;
}

/** Pasted text (hex, Wireshark/xxd hex dumps, base64) as bytes per direction. */
export declare function parseDump(
  text: string,
  defaultDir?: 'client' | 'server',
): { format: 'hex' | 'hexdump' | 'base64'; segments: CaptureSegment[]; problems: Array<{ line: number; message: string }> };

export interface CaptureOptions {
  /** Engine.IO protocol (3, 4, or 0 for none); default: the handshake path's EIO=. */
  eio?: number;
  socketio?: boolean;
  /** permessage-deflate for each direction when no handshake says. */
  clientDeflate?: { windowBits: number; noContextTakeover?: boolean };
  serverDeflate?: { windowBits: number; noContextTakeover?: boolean };
  /** Payload bytes copied out per frame and message (default 4096). */
  maxPayload?: number;
}

export interface CaptureInspection {
  handshake: Record<string, any> | null;
  client: Inspection;
  server: Inspection;
  /** Frames in capture order; from a capture file, with the packet that completed each and its time. */
  order: Array<{ dir: 'client' | 'server'; frame: number; packet?: number; time?: number }>;
  layers: Array<{
    dir: 'client' | 'server';
    message: number;
    engineio: { version: number; kind: string | null; text: string | null; hex: string | null; size: number; error: string | null } | null;
    socketio: (SocketIoInspection & { stitchedJson: string | null; attachmentMessages: number[] }) | null;
    attachmentOf: [number, number] | null;
  }>;
  eio: number;
  socketio: boolean;
  clientBytes: Uint8Array;
  serverBytes: Uint8Array;
}

/** A captured session decoded: handshake, frames both ways in capture order, Engine.IO, Socket.IO. */
export declare function inspectCapture(segments: CaptureSegment[], options?: CaptureOptions): CaptureInspection;

export interface TcpConnectionSummary {
  index: number;
  /** `ip:port` (IPv6 as `[ip]:port`) of the side that opened the connection. */
  client: string;
  server: string;
  kind: 'websocket' | 'engine.io' | 'http' | 'tcp';
  packets: number;
  /** Stream bytes [client, server]. */
  bytes: [number, number];
  firstTime: number;
  lastTime: number;
  firstPacket: number;
  synSeen: boolean;
  /** WebSocket frames both ways (WebSocket connections). */
  frames: number;
  /** Gaps (`capture_gap`, with the sequence number) and resets (`tcp_reset`). */
  diagnostics: Diagnostic[];
}

/**
 * A pcap or pcapng file (Ethernet, Linux cooked SLL/SLL2, raw IP, loopback;
 * IPv4 and IPv6) read into its TCP connections, each reassembled per
 * direction. Throws a WsframeError (`invalid_argument`) for a file that is
 * neither format.
 */
export declare class CaptureFile {
  /**
   * `onProgress(fraction)` is told how far reading has come, about a
   * hundred times, ending at 1 (a 100 MB file takes about a second); what
   * it throws is rethrown.
   */
  constructor(bytes: BytesLike, options?: { onProgress?: (fraction: number) => void });
  summary(): {
    format: 'pcap' | 'pcapng';
    linkTypes: string[];
    packets: number;
    /** Packets that were not TCP over IP. */
    skipped: number;
    connections: TcpConnectionSummary[];
    /** `truncated_capture`, `unsupported_link_type`, `ip_fragments`, `unknown_interface`. */
    diagnostics: Diagnostic[];
  };
  /** Decodes connection `index` as inspectCapture does. */
  inspect(index: number, options?: CaptureOptions): CaptureInspection;
  segments(index: number): CaptureSegment[];
  free(): void;
}

export interface HarLayers {
  dir: 'client' | 'server';
  message: number;
  engineio: CaptureInspection['layers'][number]['engineio'];
  socketio: CaptureInspection['layers'][number]['socketio'];
  attachmentOf: [number, number] | null;
}

/**
 * What a conforming endpoint answers a diagnostic's fault with, and the rule
 * it breaks, e.g. "close 1002, RFC 6455 §5.2" ('' when nothing applies).
 */
export declare function diagnosticAnswer(diagnostic: Pick<Diagnostic, 'closeCode' | 'httpStatus' | 'section'>): string;

/** What a file is, from its first 4 KiB: a capture, a HAR, or text (a dump to parse). */
export declare function fileKind(bytes: BytesLike): 'pcap' | 'pcapng' | 'har' | 'text';

/**
 * A HAR export (Chrome's or Firefox's Network panel): WebSocket entries
 * with their messages (no frame bits: HAR has none) and Engine.IO polling
 * requests, Engine.IO and Socket.IO decoded, attachments stitched.
 */
export declare function inspectHar(text: string): {
  creator: string | null;
  entries: number;
  websockets: Array<{
    entry: number;
    url: string;
    started: string | null;
    requestHeaders: Array<{ name: string; value: string }>;
    status: number | null;
    responseHeaders: Array<{ name: string; value: string }>;
    eio: number;
    socketio: boolean;
    messages: Array<{ dir: 'client' | 'server'; index: number; time: number | null; opcode: number; text: string | null; data: Uint8Array; size: number }>;
    layers: HarLayers[];
  }>;
  polling: Array<{ entry: number; method: string; url: string; started: string | null; status: number | null; eio: number; socketio: boolean; layers: HarLayers[] }>;
  diagnostics: Diagnostic[];
};

/** A frame built field by field, valid or not (reserved opcodes, non-minimal lengths allowed). */
export declare function buildFrame(
  spec: {
    fin: boolean;
    rsv1?: boolean;
    rsv2?: boolean;
    rsv3?: boolean;
    opcode: number;
    mask: number[] | null;
    length?: 'minimal' | 'extended16' | 'extended64';
  },
  payload: BytesLike,
): Uint8Array;
