// wsframe/engine.io-parser for browsers (ArrayBuffer / Blob), as
// engine.io-parser's browser build. The wasm is loaded before the module
// finishes evaluating (top-level await), so importers use it at once.
import wasmInit, * as wasm from './web/wsframe.js';
import { setRaw } from './raw.mjs';
import { setPlatform } from './engineio-platform.mjs';

setRaw(wasm);
await wasmInit();

const isBlob = (value) => typeof Blob === 'function' && value instanceof Blob;

function mapBinary(data, binaryType) {
  if (binaryType === 'blob') return isBlob(data) ? data : new Blob([data]);
  return data instanceof ArrayBuffer ? data : data.buffer;
}

function rawBinary(data, forStream) {
  if (!forStream || data instanceof Uint8Array) return data;
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

setPlatform({ mapBinary, rawBinary, isBlob });
export * from './engineio-parser.mjs';
