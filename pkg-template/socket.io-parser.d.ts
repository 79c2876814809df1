// Types for `wsframe/socket.io-parser`: socket.io-parser 4's API.
export declare const protocol: number;

export declare enum PacketType {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

export interface Packet {
  type: PacketType;
  nsp: string;
  data?: any;
  id?: number;
  attachments?: number;
}

export declare class Encoder {
  constructor(replacer?: (this: any, key: string, value: any) => any);
  /** The packet as Engine.IO messages: its text, then its attachments. */
  encode(obj: Packet): any[];
}

export interface DecoderOptions {
  reviver?: (this: any, key: string, value: any) => any;
  /** Most attachments one packet may announce (default 10). */
  maxAttachments?: number;
}

export declare class Decoder {
  constructor(opts?: DecoderOptions | DecoderOptions['reviver']);
  /** One Engine.IO message; emits "decoded" with each complete packet. Throws on malformed input. */
  add(obj: any): void;
  destroy(): void;
  on(event: 'decoded', listener: (packet: Packet) => void): this;
  on(event: string, listener: (...args: any[]) => void): this;
  once(event: string, listener: (...args: any[]) => void): this;
  off(event?: string, listener?: (...args: any[]) => void): this;
  removeListener(event: string, listener: (...args: any[]) => void): this;
  removeAllListeners(event?: string): this;
  emit(event: string, ...args: any[]): this;
  emitReserved(event: string, ...args: any[]): this;
  listeners(event: string): Array<(...args: any[]) => void>;
  hasListeners(event: string): boolean;
}

export declare function isPacketValid(packet: Packet): boolean;
