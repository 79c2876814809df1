// engine.io-parser 5 (protocol 4), same exports and behaviour, over the
// Rust codec. One implementation for Node and browsers: the entry point
// sets the platform, which says how binary data is represented there
// (Buffer / ArrayBuffer / Blob).
// Differences, all on input engine.io-parser mishandles: base64 is read
// strictly (engine.io-parser decodes garbage), an unknown packet type to
// encode throws (engine.io-parser writes "undefined..."), and payloads are
// bounded (the optional `limits` argument of decodePayload).
import { raw } from './raw.mjs';
import { platform } from './engineio-platform.mjs';

export const protocol = 4;
/**
 * engine.io-parser's error packet, `{ type: 'error', data: 'parser error' }`,
 * with what the core found in `code`, `offset` and `detail` (not enumerable,
 * so the packet still deep-equals engine.io-parser's).
 */
function errorPacket(error) {
  const packet = { type: 'error', data: 'parser error' };
  if (error) {
    Object.defineProperties(packet, {
      code: { value: error.code, configurable: true, writable: true },
      offset: { value: error.offset, configurable: true, writable: true },
      detail: { value: error.message, configurable: true, writable: true },
    });
  }
  return packet;
}

/** The core's finding on a packet it refused (the rare path: decoded again for the detail). */
function packetError(text) {
  try {
    raw.eioDecodePacket(text, 4);
  } catch (error) {
    return error;
  }
  return undefined;
}
const DEFAULT_LIMITS = { maxBytes: 0xffffffff, maxPackets: 1_000_000 };
const textEncoder = new TextEncoder();

const isBinaryData = (data) => data instanceof ArrayBuffer || ArrayBuffer.isView(data);

function toUint8(data) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** engine.io-parser writes `data || ""`: falsy data is no data. */
const textData = (data) => (data ? String(data) : undefined);

const fromWasm = (packet, binaryType) => {
  if (packet.data instanceof Uint8Array) packet.data = platform.mapBinary(packet.data, binaryType, true);
  return packet;
};

// The core's grammar as data, fetched once, so that packets JS holds as
// strings are typed, split and prefixed without a copy into wasm; anything
// the tables do not settle (base64 data, malformed packets, unknown types)
// goes to the core itself.
let kinds; // first UTF-16 unit (0-127) → type number, or -1: ask the core
let prefixes; // type name → what starts its text packet
let separator;
let base64Prefix; // what starts a binary packet written as text
function loadTables() {
  kinds = Int8Array.from(raw.eioTextKinds());
  typeNames ??= raw.eioPacketTypeNames();
  prefixes = new Map(typeNames.map((name) => [name, raw.eioEncodePacket(name, undefined, 4)]));
  separator = raw.eioSeparator();
  base64Prefix = raw.eioEncodePacket('message', new Uint8Array(0), 4);
}

/** A binary packet in a text payload (engine.io-parser's supportsBinary false). */
function base64Packet(data) {
  if (!platform.base64) return raw.eioEncodePacket('message', toUint8(data), 4);
  if (base64Prefix === undefined) loadTables();
  return base64Prefix + platform.base64(data);
}

/** A packet's text form, or undefined for what only the core can write. */
function textForm(type, data) {
  if (prefixes === undefined) loadTables();
  const prefix = prefixes.get(type);
  if (prefix === undefined) return undefined;
  const text = textData(data);
  return text === undefined ? prefix : prefix + text;
}

export function encodePacket({ type, data }, supportsBinary, callback) {
  if (isBinaryData(data)) {
    return callback(supportsBinary ? platform.rawBinary(data) : base64Packet(data));
  }
  if (platform.isBlob(data)) {
    if (supportsBinary) return callback(data);
    // Blobs are read asynchronously, as engine.io-parser's FileReader does.
    data.arrayBuffer().then((buffer) => callback(base64Packet(new Uint8Array(buffer))));
    return undefined;
  }
  return callback(textForm(type, data) ?? raw.eioEncodePacket(type, textData(data), 4));
}

let typeNames;
const BASE64_PACKET = 7;
const PAYLOAD_ERROR = 255;

/** A text packet the core checked: its type `kind`, its data after the type digit. */
function textPacket(text, start, end, kind) {
  typeNames ??= raw.eioPacketTypeNames();
  return end - start > 1 ? { type: typeNames[kind], data: text.substring(start + 1, end) } : { type: typeNames[kind] };
}

export function decodePacket(encodedPacket, binaryType) {
  if (typeof encodedPacket !== 'string') {
    return { type: 'message', data: platform.mapBinary(encodedPacket, binaryType) };
  }
  if (kinds === undefined) loadTables();
  const known = kinds[encodedPacket.charCodeAt(0)];
  if (known >= 0) return textPacket(encodedPacket, 0, encodedPacket.length, known);
  const kind = raw.eioPeekPacket(encodedPacket, 4);
  if (kind < 0) return errorPacket(packetError(encodedPacket));
  if (kind === BASE64_PACKET) return fromWasm(raw.eioDecodePacket(encodedPacket, 4), binaryType);
  return textPacket(encodedPacket, 0, encodedPacket.length, kind);
}

export function encodePayload(packets, callback) {
  if (prefixes === undefined) loadTables();
  const texts = [];
  for (const { type, data } of packets) {
    // Strings first: most packets carry text, and need no binary checks.
    const text =
      typeof data === 'string' || data === undefined
        ? textForm(type, data)
        : isBinaryData(data)
          ? base64Packet(data)
          : platform.isBlob(data)
            ? undefined
            : textForm(type, data);
    if (text === undefined) break;
    texts.push(text);
  }
  if (texts.length === packets.length) return callback(texts.join(separator));
  const blobs = packets.filter((p) => platform.isBlob(p.data));
  const finish = (buffers) => {
    const normalized = packets.map((p) => {
      if (platform.isBlob(p.data)) return { type: 'message', data: buffers.get(p) };
      if (isBinaryData(p.data)) return { type: 'message', data: toUint8(p.data) };
      return { type: p.type, data: textData(p.data) };
    });
    callback(raw.eioEncodePayload(normalized, 4));
  };
  if (blobs.length === 0) return finish(new Map());
  Promise.all(blobs.map((p) => p.data.arrayBuffer())).then((list) => {
    finish(new Map(blobs.map((p, i) => [p, new Uint8Array(list[i])])));
  });
  return undefined;
}

export function decodePayload(encodedPayload, binaryType, limits = {}) {
  const maxBytes = limits.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  const maxPackets = limits.maxPackets ?? DEFAULT_LIMITS.maxPackets;
  // Within the byte limit whatever the characters (at most 3 UTF-8 bytes per UTF-16 unit).
  if (typeof encodedPayload === 'string' && encodedPayload.length * 3 <= maxBytes) {
    if (separator === undefined) loadTables();
    const texts = encodedPayload.split(separator);
    if (texts.length <= maxPackets) {
      const packets = [];
      for (const text of texts) {
        const known = kinds[text.charCodeAt(0)];
        if (known >= 0) {
          packets.push(textPacket(text, 0, text.length, known));
          continue;
        }
        const kind = raw.eioPeekPacket(text, 4);
        if (kind === BASE64_PACKET) packets.push(fromWasm(raw.eioDecodePacket(text, 4), binaryType));
        // An error: the core's whole view of the payload, for where it is.
        else return decodePayloadInCore(encodedPayload, binaryType, maxBytes, maxPackets);
      }
      return packets;
    }
  }
  return decodePayloadInCore(encodedPayload, binaryType, maxBytes, maxPackets);
}

function decodePayloadInCore(encodedPayload, binaryType, maxBytes, maxPackets) {
  const index = raw.eioIndexPayload(encodedPayload, 4, maxBytes, maxPackets);
  const packets = [];
  for (let i = 0; i < index.length; i += 3) {
    const [kind, start, end] = [index[i], index[i + 1], index[i + 2]];
    if (kind === PAYLOAD_ERROR) packets.push(errorPacket(raw.eioDecodePayload(encodedPayload, 4, { maxBytes, maxPackets }).error));
    else if (kind === BASE64_PACKET) packets.push(fromWasm(raw.eioDecodePacket(encodedPayload.substring(start, end), 4), binaryType));
    else packets.push(textPacket(encodedPayload, start, end, kind));
  }
  return packets;
}

function encodePacketToBinary(packet, callback) {
  if (isBinaryData(packet.data)) return callback(platform.rawBinary(packet.data, true));
  if (platform.isBlob(packet.data)) {
    packet.data.arrayBuffer().then((buffer) => callback(new Uint8Array(buffer)));
    return undefined;
  }
  return encodePacket(packet, true, (encoded) => callback(textEncoder.encode(encoded)));
}

export function createPacketEncoderStream() {
  return new TransformStream({
    transform(packet, controller) {
      encodePacketToBinary(packet, (encoded) => {
        const binary = Boolean(packet.data) && typeof packet.data !== 'string';
        controller.enqueue(raw.eioStreamHeader(encoded.length, binary));
        controller.enqueue(encoded);
      });
    },
  });
}

export function createPacketDecoderStream(maxPayload, binaryType) {
  const decoder = new raw.EioStreamDecoder(maxPayload);
  let failed = false;
  return new TransformStream({
    transform(chunk, controller) {
      if (failed) return;
      const { packets, error } = decoder.push(toUint8(chunk));
      for (const packet of packets) controller.enqueue(fromWasm(packet, binaryType));
      if (error) {
        failed = true;
        controller.enqueue(errorPacket(error));
      }
    },
  });
}
