// `wsframe/codec`: the WebSocket codec alone — frames, the Connection state
// machine, handshakes, masking, UTF-8 and close codes — without
// permessage-deflate, Engine.IO/Socket.IO or the inspector, for pages and
// workers that only need framing. `await init()` (or `initSync`) once first.
import wasmInit, { initSync as wasmInitSync } from './codec/wsframe.js';
import * as wasm from './codec/wsframe.js';
import { setRaw } from './raw.mjs';
import { loaders } from './web-init.mjs';

setRaw(wasm);
export { WsframeError, toBytes, wasmMemorySize } from './memory.mjs';
export { isTrap, onTrap, trapError } from './raw.mjs';
export {
  ClientHandshake,
  Connection,
  FrameDecoder,
  ServerHandshake,
  Utf8Validator,
  acceptKey,
  acceptResponse,
  closeCodeName,
  encodeClosePayload,
  encodeFrame,
  encodeFrameHeader,
  isValidCloseCode,
  isValidUtf8,
  mask,
  parseClosePayload,
  rejectResponse,
  rejectionFor,
  upgradeAnswer,
  upgradeOffer,
  validateRequest,
} from './codec.mjs';

const { init, initSync } = loaders(wasmInit, wasmInitSync);

export { initSync };
export default init;
