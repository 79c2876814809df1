// Capture-file bytes made by hand, for tests and fuzz seeds: TCP segments
// over IPv4 (optionally on Ethernet) and pcapng blocks.

/** A TCP segment from `from` to `to` (`{ ip: [a, b, c, d], port }`) as an IPv4 packet, on Ethernet with `ethernet`. */
export function tcpPacket(from, to, seq, flags, payload, { ethernet = true } = {}) {
  const eth = ethernet ? Buffer.from([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]) : Buffer.alloc(0);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(40 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(from.ip).copy(ip, 12);
  Buffer.from(to.ip).copy(ip, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(from.port, 0);
  tcp.writeUInt16BE(to.port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp[12] = 0x50;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  return Buffer.concat([eth, ip, tcp, payload]);
}

/** A pcapng block: type, length, body padded to 4 bytes, length again. */
export function pcapngBlock(type, body) {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const length = 12 + padded.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(length, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(length, 0);
  return Buffer.concat([head, padded, tail]);
}
