// Types for `wsframe/codec`: the codec alone (no permessage-deflate,
// Engine.IO/Socket.IO or inspector), usable once `init()` has resolved.
export {
  BytesLike,
  ClientHandshake,
  Connection,
  FrameDecoder,
  ServerHandshake,
  Utf8Validator,
  WsframeError,
  acceptKey,
  acceptResponse,
  closeCodeName,
  encodeClosePayload,
  encodeFrame,
  encodeFrameHeader,
  isTrap,
  isValidCloseCode,
  isValidUtf8,
  mask,
  onTrap,
  parseClosePayload,
  rejectResponse,
  rejectionFor,
  toBytes,
  trapError,
  upgradeAnswer,
  upgradeOffer,
  validateRequest,
  wasmMemorySize,
} from './index';

/**
 * Loads the codec's WebAssembly module. Without an argument it fetches
 * `codec/wsframe_bg.wasm` next to the package's codec build; or pass a URL,
 * a Response, the bytes, or a compiled WebAssembly.Module.
 */
export default function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** Instantiates synchronously from the bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;
