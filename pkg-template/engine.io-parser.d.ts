// Types for `wsframe/engine.io-parser`: engine.io-parser 5's API.
export type PacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop' | 'error';
export type RawData = any;

export interface Packet {
  type: PacketType;
  options?: { compress: boolean };
  data?: RawData;
}

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'blob';

export declare const protocol: 4;
export declare function encodePacket(packet: Packet, supportsBinary: boolean, callback: (encodedPacket: RawData) => void): void;
export declare function decodePacket(encodedPacket: RawData, binaryType?: BinaryType): Packet;
export declare function encodePayload(packets: Packet[], callback: (encodedPayload: string) => void): void;
/** `limits` (wsframe): `{ maxBytes, maxPackets }`, default 4 GiB and 1e6 packets. */
export declare function decodePayload(
  encodedPayload: string,
  binaryType?: BinaryType,
  limits?: { maxBytes?: number; maxPackets?: number },
): Packet[];
export declare function createPacketEncoderStream(): TransformStream<Packet, Uint8Array>;
export declare function createPacketDecoderStream(maxPayload: number, binaryType: BinaryType): TransformStream<Uint8Array, Packet>;
