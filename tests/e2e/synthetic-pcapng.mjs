// A large pcapng made by hand, for the inspector's load test: one
// WebSocket connection over IPv4 on Ethernet (handshake, then binary
// frames from the server split into TCP segments), written as pcapng
// blocks (section header, interface description, enhanced packets).
import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';
import { pcapngBlock as block, tcpPacket as packet } from '../../scripts/pcap-bytes.mjs';

const CLIENT = { ip: [10, 0, 0, 1], port: 50000 };
const SERVER = { ip: [10, 0, 0, 2], port: 8080 };

/**
 * Writes `file`: about `megabytes` MB of `frameSize`-byte binary frames
 * from the server in `segment`-byte TCP segments. Returns the frame count.
 */
export function writeSyntheticPcapng(file, { megabytes = 100, frameSize = 65536, segment = 16384 } = {}) {
  const fd = openSync(file, 'w');
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  writeSync(fd, block(0x0a0d0d0a, shb));
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // Ethernet
  idb.writeUInt32LE(262144, 4);
  writeSync(fd, block(1, idb));
  let micros = 1_796_000_000_000_000n;
  const write = (bytes) => {
    micros += 10n;
    const body = Buffer.alloc(20);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(Number(micros >> 32n), 4);
    body.writeUInt32LE(Number(micros & 0xffffffffn), 8);
    body.writeUInt32LE(bytes.length, 12);
    body.writeUInt32LE(bytes.length, 16);
    writeSync(fd, block(6, Buffer.concat([body, bytes])));
  };
  let cseq = 1000;
  let sseq = 9000;
  write(packet(CLIENT, SERVER, cseq++, 0x02, Buffer.alloc(0)));
  write(packet(SERVER, CLIENT, sseq++, 0x12, Buffer.alloc(0)));
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const request = Buffer.from(`GET /big HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  write(packet(CLIENT, SERVER, cseq, 0x18, request));
  cseq += request.length;
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  const response = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  write(packet(SERVER, CLIENT, sseq, 0x18, response));
  sseq += response.length;
  const frames = Math.floor((megabytes * 1e6) / frameSize);
  const header = Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(frameSize, 6);
  for (let i = 0; i < frames; i++) {
    const frame = Buffer.concat([header, Buffer.alloc(frameSize, i & 0xff)]);
    for (let at = 0; at < frame.length; at += segment) {
      const part = frame.subarray(at, at + segment);
      write(packet(SERVER, CLIENT, sseq, 0x18, part));
      sseq += part.length;
    }
  }
  closeSync(fd);
  return frames;
}
