// The soak's mixed load, from real peers (`ws`, `socket.io-client`) and
// raw TCP: clients open and close all the time and every reply is checked
// against what was sent, so a message lost or altered is counted, not
// missed. Each kind of client is one small function; `run` keeps a number
// of each alive until told to stop.
import { once } from 'node:events';
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counters for one server. */
export function counters() {
  return { opened: 0, closed: 0, sent: 0, received: 0, lost: 0, altered: 0, refused: 0, malformedClosed: 0, malformedLeftOpen: 0 };
}

function randomText(random) {
  const alphabet = ['a', 'b', 'é', '€', '𝄞', ' ', '7'];
  let text = '';
  const length = Math.floor(random() * (random() < 0.1 ? 5000 : 60));
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

function randomBytes(random) {
  const length = Math.floor(random() * (random() < 0.1 ? 65536 : 300));
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/**
 * Sends messages for `lifetime` ms over `ws`, at most `window` unanswered,
 * and checks each echo against the oldest unanswered one (the echo server
 * answers in order). Text, binary and fragmented messages and pings.
 */
async function echoConversation(ws, stats, random, lifetime, { window = 4, abrupt = false } = {}) {
  const pending = [];
  let wake = null;
  ws.on('message', (data, isBinary) => {
    const expected = pending.shift();
    stats.received++;
    if (!expected || expected.binary !== isBinary || !expected.data.equals(data)) stats.altered++;
    wake?.();
  });
  ws.on('error', () => {});
  const closed = once(ws, 'close');
  const until = Date.now() + lifetime;
  while (Date.now() < until && ws.readyState === WebSocket.OPEN) {
    if (pending.length >= window) {
      await Promise.race([new Promise((resolve) => (wake = resolve)), sleep(2000)]);
      continue;
    }
    const choice = random();
    if (choice < 0.1) {
      ws.ping(randomBytes(random).subarray(0, 100));
    } else if (choice < 0.25) {
      // One text message in three fragments, split between characters.
      const chars = Array.from(randomText(random));
      const text = chars.join('');
      const thirds = [0, Math.floor(chars.length / 3), Math.floor((2 * chars.length) / 3), chars.length];
      for (let i = 0; i < 3; i++) ws.send(chars.slice(thirds[i], thirds[i + 1]).join(''), { fin: i === 2 });
      pending.push({ binary: false, data: Buffer.from(text) });
      stats.sent++;
    } else if (choice < 0.6) {
      const text = randomText(random);
      ws.send(text);
      pending.push({ binary: false, data: Buffer.from(text) });
      stats.sent++;
    } else {
      const bytes = randomBytes(random);
      ws.send(bytes);
      pending.push({ binary: true, data: bytes });
      stats.sent++;
    }
    await sleep(5 + random() * 40);
  }
  if (abrupt) {
    // Gone without a close frame, replies in flight: not counted as lost.
    ws._socket?.destroy();
    await closed;
    return;
  }
  const drained = Date.now() + 10_000;
  while (pending.length && ws.readyState === WebSocket.OPEN && Date.now() < drained) await sleep(20);
  stats.lost += pending.length;
  ws.close(1000);
  await Promise.race([closed, sleep(5000)]);
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

async function echoClient(url, stats, random, options = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: options.deflate ? { threshold: 0 } : false });
  ws.on('error', () => {});
  try {
    await Promise.race([once(ws, 'open'), sleep(5000).then(() => Promise.reject(new Error('no open')))]);
  } catch {
    stats.refused++;
    ws.terminate();
    return;
  }
  stats.opened++;
  await echoConversation(ws, stats, random, 1000 + random() * 7000, options);
  stats.closed++;
}

/** A reader that stops reading for seconds at a time while it keeps sending; every echo must still come. */
async function slowReader(url, stats, random, lifetime) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  await once(ws, 'open');
  stats.opened++;
  const pauser = setInterval(() => {
    ws._socket.pause();
    setTimeout(() => ws._socket?.resume(), 500 + random() * 2500);
  }, 4000);
  await echoConversation(ws, stats, random, lifetime, { window: 64 });
  clearInterval(pauser);
  stats.closed++;
}

function upgradeHead(path) {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  );
}

/** A masked client frame. */
function clientFrame(opcode, payload) {
  const data = Buffer.from(payload);
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length]), key, data.map((b, i) => b ^ key[i % 4])]);
}

/** Upgrades a raw TCP connection; resolves with the socket once the 101 is in. */
async function rawUpgrade(port, path) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(upgradeHead(path));
  let head = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        socket.removeListener('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    setTimeout(() => reject(new Error('no 101')), 5000);
  });
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`refused: ${head.split('\r\n')[0]}`);
  return socket;
}

/** Resolves when the server's frames on `socket` include a close frame (or the socket closes). */
function closeFrameFrom(socket) {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Server frames are unmasked: a header of 2, 4 or 10 bytes, then the payload.
      while (buffer.length >= 2) {
        const short = buffer[1] & 0x7f;
        const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
        if (buffer.length < headerLength) return;
        const length = short === 126 ? buffer.readUInt16BE(2) : short === 127 ? Number(buffer.readBigUInt64BE(2)) : short;
        if (buffer.length < headerLength + length) return;
        if ((buffer[0] & 0x0f) === 8) return resolve(true);
        buffer = buffer.subarray(headerLength + length);
      }
    });
    socket.once('close', () => resolve(true));
  });
}

/**
 * Sends `bytes` after the handshake: the server must close the connection
 * (a close frame, 1002 or 1007, or the TCP connection ending).
 */
async function malformed(port, path, before, bytes, stats) {
  let socket;
  try {
    socket = await rawUpgrade(port, path);
  } catch {
    stats.refused++;
    return;
  }
  const closing = closeFrameFrom(socket);
  for (const frame of before) socket.write(frame);
  await sleep(50);
  socket.write(bytes);
  const ended = await Promise.race([closing, sleep(5000).then(() => false)]);
  if (ended) stats.malformedClosed++;
  else stats.malformedLeftOpen++;
  socket.destroy();
}

/**
 * Upgrades and then says nothing until `lifetime` is over: a client gone
 * without closing TCP, or (`halfClose`) one that sent its FIN and still
 * holds the connection open for reading.
 */
async function halfOpen(port, path, lifetime, stats, halfClose) {
  try {
    const socket = await rawUpgrade(port, path);
    if (halfClose) socket.end();
    socket.resume();
    await sleep(lifetime);
    socket.destroy();
  } catch {
    stats.refused++;
  }
}

/** Socket.IO: "message" → "message-back" and "message-with-ack" acks, both checked. */
async function socketIoClient(url, stats, random, transports, { abrupt = false, nsp = '/' } = {}) {
  const socket = ioClient(`${url}${nsp === '/' ? '' : nsp}`, { transports, reconnection: false, forceNew: true, timeout: 5000 });
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'connect_error').then(([err]) => Promise.reject(err))]);
  } catch {
    stats.refused++;
    socket.close();
    return;
  }
  stats.opened++;
  const pending = [];
  let acks = 0;
  socket.on('message-back', (...args) => {
    stats.received++;
    if (!isDeepStrictEqual(args, pending.shift())) stats.altered++;
  });
  const until = Date.now() + 1000 + random() * 7000;
  while (Date.now() < until && socket.connected) {
    const args = [randomText(random), Math.floor(random() * 1e6), { nested: [true, null, randomText(random)] }];
    if (random() < 0.3) args.push(randomBytes(random).subarray(0, 2000));
    if (random() < 0.5) {
      pending.push(args);
      socket.emit('message', ...args);
      stats.sent++;
    } else {
      stats.sent++;
      acks++;
      socket.timeout(10_000).emit('message-with-ack', ...args, (err, ...answer) => {
        acks--;
        if (err) {
          if (!abrupt) stats.lost++;
          return;
        }
        stats.received++;
        if (!isDeepStrictEqual(answer, args)) stats.altered++;
      });
    }
    await sleep(10 + random() * 60);
  }
  if (abrupt) {
    socket.io.engine.transport.ws?._socket?.destroy();
    socket.io.engine.close();
  } else {
    const drained = Date.now() + 10_000;
    while ((pending.length || acks) && socket.connected && Date.now() < drained) await sleep(20);
    stats.lost += pending.length;
    socket.disconnect();
  }
  stats.closed++;
}

/**
 * Runs the load until `signal` aborts: `echo` and `sio` say where the
 * servers are; counters go into `stats.echo` and `stats.sio`.
 */
export async function run({ echoPort, sioPort, stats, random, signal }) {
  const echoUrl = `ws://127.0.0.1:${echoPort}`;
  const sioUrl = `http://127.0.0.1:${sioPort}`;
  const loops = [];
  const keep = (count, start) => {
    for (let i = 0; i < count; i++) {
      loops.push(
        (async () => {
          while (!signal.aborted) {
            try {
              await start();
            } catch {
              // A client that failed to start counts as refused; keep going.
            }
          }
        })(),
      );
    }
  };
  keep(14, () => echoClient(echoUrl, stats.echo, random));
  keep(6, () => echoClient(echoUrl, stats.echo, random, { deflate: true }));
  keep(3, () => echoClient(echoUrl, stats.echo, random, { abrupt: true }));
  keep(1, () => slowReader(echoUrl, stats.echo, random, 20_000));
  keep(2, () => halfOpen(echoPort, '/', 3000 + random() * 10_000, stats.echo, random() < 0.5));
  keep(1, async () => {
    // A reserved opcode, an unmasked frame, bad UTF-8, a bad close code: each must end the connection.
    const faults = [Buffer.from([0x83, 0x80, 0, 0, 0, 0]), Buffer.from([0x81, 0x01, 0x41]), clientFrame(1, [0xc3, 0x28]), clientFrame(8, [0x03, 0xec])];
    await malformed(echoPort, '/', [clientFrame(1, 'ok')], faults[Math.floor(random() * faults.length)], stats.echo);
    await sleep(500);
  });
  keep(6, () => socketIoClient(sioUrl, stats.sio, random, ['websocket']));
  keep(4, () => socketIoClient(sioUrl, stats.sio, random, ['polling']));
  keep(4, () => socketIoClient(sioUrl, stats.sio, random, ['polling', 'websocket'], { nsp: '/custom' }));
  keep(2, () => socketIoClient(sioUrl, stats.sio, random, ['websocket'], { abrupt: true }));
  keep(1, () => halfOpen(sioPort, '/socket.io/?EIO=4&transport=websocket', 3000 + random() * 10_000, stats.sio, random() < 0.5));
  keep(1, async () => {
    // A packet that is not Socket.IO: the session must end ("parse error").
    await malformed(sioPort, '/socket.io/?EIO=4&transport=websocket', [clientFrame(1, '40')], clientFrame(1, '42["x",{'), stats.sio);
    await sleep(500);
  });
  await Promise.all(loops);
}
