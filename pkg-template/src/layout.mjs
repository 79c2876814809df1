// Generated from src/layout.rs (the layouts the wasm bindings write and
// this package reads); `WSFRAME_WRITE_LAYOUT=1 cargo test --test layout`
// rewrites it. Do not edit.

export const CONNECTION_HEADER_LEN = 16;
export const CONNECTION_COUNT_AT = 0;
export const CONNECTION_OUTPUT_AT = 4;
export const CONNECTION_OUTPUT_LEN_AT = 8;
export const CONNECTION_FLAGS_AT = 12;
export const CONNECTION_FLAG_PENDING = 1;
export const CONNECTION_EVENT_LEN = 9;
export const CONNECTION_EVENT_A_AT = 1;
export const CONNECTION_EVENT_B_AT = 5;
export const CONNECTION_EVENT_TEXT = 1;
export const CONNECTION_EVENT_BINARY = 2;
export const CONNECTION_EVENT_PIECE = 3;
export const CONNECTION_EVENT_END = 4;
export const CONNECTION_EVENT_CLOSE = 8;
export const CONNECTION_EVENT_PING = 9;
export const CONNECTION_EVENT_PONG = 10;
export const CONNECTION_EVENT_ERROR = 255;

export const FRAMES_HEADER_LEN = 4;
export const FRAMES_FIRST_BYTE_AT = 0;
export const FRAMES_MASKED_AT = 1;
export const FRAMES_KEY_AT = 2;
export const FRAMES_HEADER_LEN_AT = 6;
export const FRAMES_OFFSET_AT = 10;
export const FRAMES_PAYLOAD_LEN_AT = 18;
export const FRAMES_PAYLOAD_AT = 22;

export const HEADER_PACKED_LEN_MASK = 15;
export const HEADER_PACKED_INLINE = 16;
export const HEADER_PACKED_BYTES_SCALE = 32;
export const HEADER_PACKED_MAX_INLINE_LEN = 4;

export const SEND_NO_COMPRESS = 1;
export const SEND_MASK_SHIFT = 1;
export const SEND_MASK_BITS = 3;
export const SEND_MASK_BY_ROLE = 0;
export const SEND_MASK_NONE = 1;
export const SEND_MASK_RANDOM = 2;
export const SEND_MASK_KEY = 3;

export const EMIT_VOLATILE = 1;
export const EMIT_NO_COMPRESS = 2;

export const SERVER_RECORD_HEADER_LEN = 9;
export const SERVER_WRITE = 1;
export const SERVER_END = 2;
export const SERVER_SESSION_OPEN = 3;
export const SERVER_UPGRADE = 4;
export const SERVER_SESSION_CLOSE = 5;
export const SERVER_CONNECT = 6;
export const SERVER_EVENT = 7;
export const SERVER_ACK = 8;
export const SERVER_DISCONNECT = 9;
export const SERVER_ATTACHMENT = 10;
export const SERVER_WRITE_SHARED = 11;
export const SERVER_RESPOND = 12;
export const SERVER_MESSAGE = 13;
export const SERVER_REFUSED = 14;
export const SERVER_PACKET = 15;
export const SERVER_PACKET_BINARY = 1;
export const SERVER_PACKET_UNCOMPRESSED = 2;
export const SERVER_DRAIN = 16;
export const SERVER_DECODED = 17;
