// Values between the fleet test and its node processes (IPC carries JSON):
// bytes travel as `{ $bytes: [...] }` and come back as Buffers.

/** Bytes (a Buffer, typed array or ArrayBuffer) as `{ $bytes }`, anywhere in `value`. */
export const plain = (value) => {
  if (value instanceof ArrayBuffer) return { $bytes: [...new Uint8Array(value)] };
  if (value instanceof Uint8Array) return { $bytes: [...value] };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
};

/** `{ $bytes }` as Buffers, anywhere in `value`. */
export const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if (Array.isArray(value.$bytes)) return Buffer.from(value.$bytes);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
};
