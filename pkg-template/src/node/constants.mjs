// Values shared by the ws-compatible classes of `wsframe/node`.

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** `binaryType` values, as ws 8 accepts them ("blob" where Node has Blob). */
export const BINARY_TYPES = ['nodebuffer', 'arraybuffer', 'fragments'];
if (typeof Blob !== 'undefined') BINARY_TYPES.push('blob');

/** ws's defaults. */
export const CLOSE_TIMEOUT = 30_000;
export const MAX_PAYLOAD = 100 * 1024 * 1024;
export const MAX_PENDING_AUTO_PONGS = 60;
/**
 * Fragments cost the core no memory of their own (they are joined as they
 * arrive), so the default admits every message RFC 6455 allows; ws's 16,384
 * guards the Buffer it keeps per fragment.
 */
export const MAX_FRAGMENTS = 1 << 20;

export const EMPTY_BUFFER = Buffer.alloc(0);

/** Marks a socket taken over by a WebSocket (ws refuses a second upgrade on it). */
export const kWebSocket = Symbol('wsframe.websocket');
/** On a WebSocket: close frames went both ways (a CloseEvent's `wasClean`). */
export const kWasClean = Symbol('wsframe.wasClean');

/**
 * The close frame sent when the wasm instance has trapped (status 1011, an
 * endpoint that cannot go on, RFC 6455 §7.4.1), framed here because the
 * core that frames everything else is gone. A client's frame is masked with
 * a fresh random key, as §5.3 asks.
 */
export function trapCloseFrame(masked) {
  const payload = [0x03, 0xf3];
  if (!masked) return Buffer.from([0x88, payload.length, ...payload]);
  const key = crypto.getRandomValues(new Uint8Array(4));
  return Buffer.from([0x88, 0x80 | payload.length, ...key, payload[0] ^ key[0], payload[1] ^ key[1]]);
}
