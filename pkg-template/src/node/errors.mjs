// Errors as `ws` 8 reports them. The core decides what is wrong (its error
// table gives each fault ws's code); this file only words it the way ws
// users read and match it: the same class, `code` and `message`. wsframe's
// own facts stay on the error: `closeCode`, `offset` (the byte in the
// stream), `wsframeCode` and `detail` (the core's code and explanation).
import { READY_STATE_NAMES } from './constants.mjs';

// The faults ws words as "Invalid WebSocket frame: ..." (receiver.js), by
// code; `value` is the value at fault the core reports.
const FRAME_FAULTS = {
  WS_ERR_INVALID_OPCODE: (value) => `invalid opcode ${value}`,
  WS_ERR_UNEXPECTED_RSV_1: () => 'RSV1 must be clear',
  WS_ERR_UNEXPECTED_RSV_2_3: () => 'RSV2 and RSV3 must be clear',
  WS_ERR_EXPECTED_FIN: () => 'FIN must be set',
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: (value) => `invalid payload length ${value}`,
  WS_ERR_EXPECTED_MASK: () => 'MASK must be set',
  WS_ERR_UNEXPECTED_MASK: () => 'MASK must be clear',
  WS_ERR_INVALID_UTF8: () => 'invalid UTF-8 sequence',
  WS_ERR_INVALID_CLOSE_CODE: (value) => `invalid status code ${value}`,
};

// The ones ws words without the prefix.
const PLAIN_FAULTS = {
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 'Unsupported WebSocket frame: payload length > 2^53 - 1',
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'Max payload size exceeded',
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 'Too many message fragments',
};

/** Keeps the core's facts on a shaped error. */
function carry(err, source) {
  err.closeCode = source.closeCode;
  err.offset = source.offset;
  err.wsframeCode = source.code;
  err.detail = source.message.replace(/^[a-z0-9_]+: /, '');
  return err;
}

/**
 * The error a WebSocket emits when the peer's bytes break the protocol:
 * what ws emits for the same fault (RangeError, or Error for bad UTF-8 and
 * corrupt compressed data), with its `code`.
 */
export function frameError(source) {
  let wsCode = source.wsCode;
  // ws cannot count past 2^53 - 1 and says so before any size limit.
  if (source.code === 'frame_too_big' && source.value > Number.MAX_SAFE_INTEGER) {
    wsCode = 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH';
  }
  let err;
  if (FRAME_FAULTS[wsCode]) {
    const Ctor = wsCode === 'WS_ERR_INVALID_UTF8' ? Error : RangeError;
    err = new Ctor(`Invalid WebSocket frame: ${FRAME_FAULTS[wsCode](source.value)}`);
  } else if (PLAIN_FAULTS[wsCode]) {
    err = new RangeError(PLAIN_FAULTS[wsCode]);
  } else if (wsCode === 'Z_DATA_ERROR') {
    // ws passes zlib's own error on; zlib words it after the fault.
    err = new Error(source.message.replace(/^[a-z0-9_]+: /, '').replace(/ \(at byte \d+\)$/, ''));
    err.errno = -3;
  } else {
    // Faults ws does not detect (a frame cut short by the end of the stream, ...).
    err = new Error(source.message);
  }
  err.code = wsCode ?? source.code;
  return carry(err, source);
}

// The body (and `wsClientError` message) ws answers a refused upgrade
// request with, by the core's code. Refusals ws has no wording for keep
// the core's explanation.
const REQUEST_FAULTS = {
  method_not_allowed: 'Invalid HTTP method',
  invalid_upgrade: 'Invalid Upgrade header',
  invalid_key: 'Missing or invalid Sec-WebSocket-Key header',
  unsupported_version: 'Missing or invalid Sec-WebSocket-Version header',
  invalid_subprotocol: 'Invalid Sec-WebSocket-Protocol header',
  invalid_extensions: 'Invalid or unacceptable Sec-WebSocket-Extensions header',
};

/** The error for an upgrade request the core refused: `{ status, message }` plus an Error to report. */
export function requestError(source) {
  const message = REQUEST_FAULTS[source.code] ?? source.message.replace(/^[a-z0-9_]+: /, '');
  const err = new Error(message);
  err.code = source.code;
  err.httpStatus = source.httpStatus ?? 400;
  err.detail = source.message.replace(/^[a-z0-9_]+: /, '');
  return err;
}

/**
 * The message ws fails a client's handshake with for a fault the core found
 * in the server's answer. `context`: `{ protocolsOffered, protocolAnswered,
 * deflateOffered, extensionNames }` tell ws's cases apart.
 */
export function responseError(source, context) {
  let message;
  switch (source.code) {
    case 'invalid_upgrade':
      message = 'Invalid Upgrade header';
      break;
    case 'invalid_connection':
      message = 'Invalid Connection header';
      break;
    case 'invalid_accept':
      message = 'Invalid Sec-WebSocket-Accept header';
      break;
    case 'invalid_subprotocol':
      if (!context.protocolsOffered) message = 'Server sent a subprotocol but none was requested';
      else if (context.protocolAnswered === undefined) message = 'Server sent no subprotocol';
      else message = 'Server sent an invalid subprotocol';
      break;
    case 'invalid_extensions':
      if (!context.deflateOffered) {
        message = 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
      } else if (context.extensionNames.some((name) => name.toLowerCase() !== 'permessage-deflate')) {
        message = 'Server indicated an extension that was not requested';
      } else {
        message = 'Invalid Sec-WebSocket-Extensions header';
      }
      break;
    default:
      message = source.message.replace(/^[a-z0-9_]+: /, '');
  }
  const err = new Error(message);
  err.code = source.code;
  err.detail = source.message.replace(/^[a-z0-9_]+: /, '');
  return err;
}

/** What `send`, `ping` and `pong` report when the socket is not open. */
export function notOpenError(readyState) {
  const err = new Error(`WebSocket is not open: readyState ${readyState} (${READY_STATE_NAMES[readyState]})`);
  err.code = 'invalid_state';
  return err;
}

/** An option wsframe does not know, named. */
export function unknownOptionError(name, where) {
  const err = new TypeError(`Unknown option "${name}" for ${where}`);
  err.code = 'invalid_option';
  return err;
}

/** A thrown error with a code. */
export function withCode(err, code) {
  err.code = code;
  return err;
}
