// Engine.IO protocol 3 (engine.io-parser 5 dropped it): packets and polling
// payloads, by the core's rules.
import { raw } from './raw.mjs';
import { toBytes } from './memory.mjs';

const isBinaryValue = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);
const packetData = (data) => (data == null ? undefined : isBinaryValue(data) ? toBytes(data) : String(data));
const packetsFor = (packets) => packets.map((p) => ({ type: p.type, data: packetData(p.data) }));

/**
 * A protocol 3 packet as text (`<digit>[data]`, binary as `b<digit><base64>`),
 * or with `supportsBinary` and binary data as a WebSocket binary message
 * (a type byte, then the bytes).
 */
export function encodePacketV3(packet, { supportsBinary = false } = {}) {
  if (supportsBinary && isBinaryValue(packet.data)) {
    return raw.eioEncodeBinaryMessage(packet.type, toBytes(packet.data), 3);
  }
  return raw.eioEncodePacket(packet.type, packetData(packet.data), 3);
}

/** Decodes a protocol 3 packet (a string, or bytes of a binary message); throws WsframeError. */
export function decodePacketV3(data) {
  return typeof data === 'string' ? raw.eioDecodePacket(data, 3) : raw.eioDecodeBinaryMessage(toBytes(data), 3);
}

/**
 * A protocol 3 polling payload: `<length in UTF-16 units>:<packet>...` as a
 * string, or with `supportsBinary` and binary data the binary form as bytes.
 */
export function encodePayloadV3(packets, { supportsBinary = false } = {}) {
  return raw.eioEncodePayloadV3(packetsFor(packets), supportsBinary);
}

/**
 * Decodes a protocol 3 polling payload (string, or bytes of the binary
 * form): `{ packets, error? }`. `limits`: `{ maxBytes, maxPackets }`.
 */
export function decodePayloadV3(data, limits) {
  return typeof data === 'string'
    ? raw.eioDecodePayload(data, 3, limits)
    : raw.eioDecodePayloadBinary(toBytes(data), limits);
}
