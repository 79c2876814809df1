// wsframe/socket.io-parser for browsers; the wasm loads before the module
// finishes evaluating (top-level await).
import wasmInit, * as wasm from './web/wsframe.js';
import { setRaw } from './raw.mjs';

setRaw(wasm);
await wasmInit();
export * from './socketio-parser.mjs';
