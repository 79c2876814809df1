// The inspector's built-in examples, made from the repository's vectors
// (RFC 6455 §5.7, RFC 7692 §7.2.3, the seeds' Socket.IO captures), two real
// recorded sessions (tests/fixtures/capture-*.txt), and one malformed input
// per diagnostic. Frames are built with wsframe itself (buildFrame), so
// every example is bytes a peer could send. Written by scripts/build.mjs to
// www/lib/examples.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const fromHex = (s) => Uint8Array.from(s.replace(/[^0-9a-f]/gi, '').match(/../g) ?? [], (h) => Number.parseInt(h, 16));
const utf8 = (s) => new TextEncoder().encode(s);

export function makeExamples(root, w) {
  const fixtures = path.join(root, 'tests', 'fixtures');
  const vectors = JSON.parse(readFileSync(path.join(fixtures, 'vectors.json'), 'utf8'));
  const frame = (opcode, payload, extra = {}) => hexOf(w.buildFrame({ fin: true, opcode, mask: null, ...extra }, payload));
  const masked = (opcode, payload, extra = {}) => frame(opcode, payload, { mask: [0x37, 0xfa, 0x21, 0x3d], ...extra });
  const examples = [];
  const add = (group, id, title, input, options = {}, select = 0) => examples.push({ group, id, title, ...input, options, select });

  // RFC 6455 §5.7 and the seeds' close frames.
  const rfc = 'RFC 6455 §5.7';
  const byName = Object.fromEntries(vectors.frames.map((v) => [v.name, v]));
  add(rfc, 'rfc-unmasked-text', 'A single-frame unmasked text message ("Hello")', { server: byName['unmasked text Hello'].hex });
  add(rfc, 'rfc-masked-text', 'A single-frame masked text message ("Hello")', { client: byName['masked text Hello'].hex });
  add(rfc, 'rfc-fragmented', 'A fragmented unmasked text message ("Hel" + "lo")', {
    server: `${byName['fragmented unmasked text, first'].hex}\n${byName['fragmented unmasked text, last'].hex}`,
  });
  add(rfc, 'rfc-ping-pong', 'Unmasked ping and masked pong', {
    client: `< ${byName['unmasked ping Hello'].hex}\n> ${byName['masked pong Hello'].hex}`,
  });
  const binary256 = Uint8Array.from({ length: 256 }, (_, i) => i);
  add(rfc, 'rfc-binary-256', '256 bytes of binary data (16-bit length)', { server: `${byName['256-byte binary, 16-bit length'].header_hex} ${hexOf(binary256)}` });
  const binary64k = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
  add(rfc, 'rfc-binary-64k', '64 KiB of binary data (64-bit length)', { server: `${byName['64 KiB binary, 64-bit length'].header_hex}\n${hexOf(binary64k)}` });
  add(rfc, 'seed-close-1001', 'Masked close 1001 (Going Away)', { client: byName['masked close 1001 (a)'].hex });

  // RFC 7692 §7.2.3: compressed frames, read with permessage-deflate on.
  const pmd = 'RFC 7692 §7.2.3 (permessage-deflate)';
  const deflate = { deflate: '15' };
  vectors.permessage_deflate.forEach((v, i) => {
    if (v.payload_hex) {
      // The seed captured the DEFLATE payload only: put it in a compressed text frame.
      add(pmd, `pmd-${i}`, `Seeds: ${v.name.replace(/ \(.*\)$/, '')}`, { server: frame(1, fromHex(v.payload_hex), { rsv1: true }) }, { ...deflate, eio: '3' });
    } else if (v.mask_hex) {
      add(pmd, `pmd-${i}`, `Seeds: ${v.name}`, { client: v.hex }, { ...deflate, eio: '3' });
    } else {
      add(pmd, `pmd-${i}`, v.name, { server: v.hex ?? v.frames_hex.join('\n') }, deflate);
    }
  });

  // The seeds' Socket.IO capture (Engine.IO protocol 3 era), as frames.
  const seeds = 'Seeds: Socket.IO over WebSocket';
  const sio = vectors.socketio;
  const [connect, chat, ackChat, packet, binaryEvent, ackBinary] = sio;
  const lines = [
    `< ${frame(1, utf8(`4${connect.encoded}`))}`,
    `> ${masked(1, utf8(`4${chat.encoded}`))}`,
    `< ${frame(1, utf8(`4${ackChat.encoded}`))}`,
    `< ${frame(1, utf8(`4${packet.encoded}`))}`,
    `> ${masked(1, utf8(`4${binaryEvent.encoded}`))}`,
    `> ${masked(2, Uint8Array.of(4, ...fromHex(binaryEvent.attachments_hex[0])))}`,
    `< ${frame(1, utf8(`4${ackBinary.encoded}`))}`,
  ];
  add(seeds, 'seed-socketio', 'Chat, ack, binary event with an attachment (EIO=3)', { client: lines.join('\n') }, { eio: '3', socketio: 'on' }, 1);

  // Real sessions recorded between independent peers.
  const sessions = 'Recorded sessions (Wireshark hex dumps)';
  add(sessions, 'session-ws-deflate', 'ws client ↔ ws server, permessage-deflate, both ways', {
    client: readFileSync(path.join(fixtures, 'capture-ws-deflate.txt'), 'utf8'),
  });
  add(sessions, 'session-socketio', 'socket.io-client ↔ socket.io 4 (WebSocket, binary upload with ack)', {
    client: readFileSync(path.join(fixtures, 'capture-socketio.txt'), 'utf8'),
  }, {}, 4);

  // One malformed input per diagnostic.
  const bad = 'Malformed (diagnostics)';
  add(bad, 'bad-rsv1', 'RSV1 set without an extension', { server: frame(1, utf8('Hello'), { rsv1: true }) });
  add(bad, 'bad-unmasked-client', 'An unmasked client frame', { client: frame(1, utf8('Hello')) });
  add(bad, 'bad-masked-server', 'A masked server frame', { server: masked(1, utf8('Hello')) });
  add(bad, 'bad-non-minimal', 'A length in a non-minimal form', { server: frame(1, utf8('Hello'), { length: 'extended16' }) });
  add(bad, 'bad-control-long', 'A control frame of 126 bytes', { server: frame(9, new Uint8Array(126)) });
  add(bad, 'bad-control-fragmented', 'A fragmented control frame', { server: frame(9, utf8('ping'), { fin: false }) });
  add(bad, 'bad-reserved-opcode', 'A reserved opcode (0x3)', { server: frame(3, utf8('?')) });
  add(bad, 'bad-utf8', 'Invalid UTF-8 in a text message', { server: frame(1, Uint8Array.of(0x48, 0x69, 0x20, 0xc3, 0x28, 0x21)) });
  add(bad, 'bad-close-code', 'A close code that may not be sent (1005)', { server: frame(8, Uint8Array.of(0x03, 0xed)) });
  add(bad, 'bad-close-payload', 'A close frame with a 1-byte payload', { server: frame(8, Uint8Array.of(0x03)) });
  add(bad, 'bad-continuation', 'A continuation without a start', { server: frame(0, utf8('lo')) });
  add(bad, 'bad-expected-continuation', 'A new message inside a fragmented one', { server: `${frame(1, utf8('Hel'), { fin: false })}\n${frame(1, utf8('lo'))}` });
  add(bad, 'bad-truncated', 'A final frame cut short', { server: frame(1, utf8('Hello')).slice(0, 12) });
  add(bad, 'bad-engineio', 'An invalid Engine.IO packet (type 9)', { server: frame(1, utf8('9hello')) }, { eio: '4' });
  add(bad, 'bad-socketio', 'An invalid Socket.IO packet (EVENT without an array)', { server: frame(1, utf8('42{"not":"an array"}')) }, { eio: '4', socketio: 'on' });
  add(bad, 'bad-accept', 'A handshake whose Sec-WebSocket-Accept is wrong', {
    client: [
      '> ' + hexOf(utf8('GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')),
      '< ' + hexOf(utf8('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOp=\r\n\r\n')),
      `< ${frame(1, utf8('Hello'))}`,
    ].join('\n'),
  });

  // Many frames, for the list.
  const many = Array.from({ length: 10_000 }, (_, i) => masked(1, utf8(`message ${i}`))).join('\n');
  add('Scale', 'many-frames', '10,000 masked text frames', { client: many });
  return examples;
}
