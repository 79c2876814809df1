// Socket.IO data in JS: binary values swapped for placeholders on the way
// out, put back where the Rust core found placeholders on the way in.

const hasBlob = typeof Blob === 'function';

/** Binary as socket.io-parser sees it: ArrayBuffer, views, Blob (and File). */
export const isBinary = (value) =>
  value instanceof ArrayBuffer || ArrayBuffer.isView(value) || (hasBlob && value instanceof Blob);

/** True when `value` holds a binary value anywhere (socket.io-parser's hasBinary). */
export function hasBinary(value, viaToJSON = false) {
  if (!value || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinary(value[i])) return true;
    return false;
  }
  if (isBinary(value)) return true;
  if (typeof value.toJSON === 'function' && !viaToJSON) return hasBinary(value.toJSON(), true);
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key) && hasBinary(value[key])) return true;
  }
  return false;
}

/** A copy of `data` with each binary value swapped for a placeholder, numbered as pushed. */
function swapBinaries(data, attachments, viaToJSON = false) {
  if (!data) return data;
  if (isBinary(data)) {
    attachments.push(data);
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (Array.isArray(data)) {
    const copy = new Array(data.length);
    for (let i = 0; i < data.length; i++) copy[i] = swapBinaries(data[i], attachments);
    return copy;
  }
  if (typeof data === 'object' && !(data instanceof Date)) {
    if (typeof data.toJSON === 'function' && !viaToJSON) return swapBinaries(data.toJSON(), attachments, true);
    const copy = {};
    for (const key in data) {
      if (Object.prototype.hasOwnProperty.call(data, key)) copy[key] = swapBinaries(data[key], attachments);
    }
    return copy;
  }
  return data;
}

/**
 * JSON of `data` with each binary value replaced by
 * `{"_placeholder":true,"num":N}` and pushed to `attachments`, numbered in
 * document order as socket.io-parser's deconstructPacket numbers them. A
 * user `replacer` sees the placeholders, as in socket.io-parser.
 */
export function stringifyWithAttachments(data, attachments, replacer) {
  return JSON.stringify(swapBinaries(data, attachments), replacer);
}

/** Puts `attachments[num]` at each placeholder `path` of `data`; returns the data. */
export function placeAttachments(data, attachments, placeholders) {
  for (const { path, num } of placeholders) {
    if (path.length === 0) {
      data = attachments[num];
      continue;
    }
    let target = data;
    for (const step of path.slice(0, -1)) target = target[step];
    // defineProperty: a "__proto__" key stays an own property.
    Object.defineProperty(target, path[path.length - 1], {
      value: attachments[num],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return data;
}
