// wsframe/engine.io-parser for Node (Buffer), as engine.io-parser's Node build.
import * as wasm from './node/wsframe.js';
import { setRaw } from './raw.mjs';
import { setPlatform } from './engineio-platform.mjs';

setRaw(wasm);

function mapBinary(data, binaryType, fresh) {
  if (binaryType === 'arraybuffer') {
    if (data instanceof ArrayBuffer) return data;
    if (Buffer.isBuffer(data)) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    return data.buffer;
  }
  if (Buffer.isBuffer(data)) return data;
  // Bytes made by the codec are ours: wrap them; the caller's are copied, as engine.io-parser does.
  return fresh ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

function rawBinary(data, forStream) {
  if (!forStream || Buffer.isBuffer(data) || data instanceof Uint8Array) return data;
  return data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Standard base64 with padding, as the core writes it, natively. */
function base64(data) {
  const bytes = Buffer.isBuffer(data) ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
  return bytes.toString('base64');
}

setPlatform({ mapBinary, rawBinary, isBlob: () => false, base64 });
export * from './engineio-parser.mjs';
