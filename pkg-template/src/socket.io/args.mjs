// Event arguments between the app's values and the core's JSON text with
// binary attachments.
import { deconstructSocketIoData, reconstructSocketIoData } from 'wsframe';

export function asBuffer(bytes) {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `args` as `{ json, attachments }` (attachments as Uint8Arrays). */
export function encodeArgs(args) {
  const { json, attachments } = deconstructSocketIoData(args);
  return { json, attachments: attachments.map((a) => (a instanceof ArrayBuffer ? new Uint8Array(a) : a)) };
}

/** The arguments of an event or ack record, attachments as Buffers (as socket.io gives them). */
export function decodeArgs(action) {
  if (action.placeholders.length === 0) return JSON.parse(action.argsJson);
  return reconstructSocketIoData(action.argsJson, action.attachments.map(asBuffer), action.placeholders);
}

/** The name of an event as the app knows it (a string, or a number). */
export function encodeName(name) {
  if (typeof name !== 'string' && typeof name !== 'number') {
    throw new TypeError('an event name is a string or a number');
  }
  return JSON.stringify(name);
}
