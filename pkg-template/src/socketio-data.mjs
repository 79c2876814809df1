// Socket.IO data in JS: binary values swapped for placeholders on the way
// out, put back where the Rust core found placeholders on the way in.

/** Binary as socket.io-parser sees it: ArrayBuffer, views, Blob (and File). */
export const isBinary = (value) =>
  value instanceof ArrayBuffer ||
  ArrayBuffer.isView(value) ||
  (typeof Blob === 'function' && value instanceof Blob);

/**
 * JSON of `data` with each binary value replaced by
 * `{"_placeholder":true,"num":N}` and pushed to `attachments`, numbered in
 * document order as socket.io-parser's deconstructPacket does. A user
 * `replacer` runs after the swap, as in socket.io-parser.
 */
export function stringifyWithAttachments(data, attachments, replacer) {
  return JSON.stringify(data, function swap(key, value) {
    const original = this[key];
    if (isBinary(original)) {
      attachments.push(original);
      value = { _placeholder: true, num: attachments.length - 1 };
    }
    return replacer ? replacer.call(this, key, value) : value;
  });
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
