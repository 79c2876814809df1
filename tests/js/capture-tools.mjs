// Real captures for the inspector's tests: Wireshark's dumpcap (pcapng) or
// tcpdump (pcap) recording loopback while real peers talk, and tshark,
// Wireshark's own dissector, reading the file back as the independent
// truth for every WebSocket frame.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const tmpFile = (name) => path.join(mkdtempSync(path.join(os.tmpdir(), 'wsframe-capture-')), name);

/**
 * Records TCP port `port` on `iface` into `file` while `traffic()` runs:
 * `tool` 'dumpcap' writes pcapng, 'tcpdump' pcap (any link type the
 * interface has: Ethernet on lo, Linux cooked on any; with `nanoseconds`,
 * the nanosecond pcap format).
 */
export async function record({ tool, iface = 'lo', port, file, snaplen, nanoseconds = false }, traffic) {
  const args =
    tool === 'dumpcap'
      ? ['-i', iface, '-f', `tcp port ${port}`, '-w', file, ...(snaplen ? ['-s', String(snaplen)] : [])]
      : ['-i', iface, '--immediate-mode', '-B', '32768', '-U', '-Z', 'root', '-w', file, ...(snaplen ? ['-s', String(snaplen)] : []), ...(nanoseconds ? ['--time-stamp-precision=nano'] : []), 'tcp', 'port', String(port)];
  const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log += chunk;
      if (/Capturing on|listening on/.test(log)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${tool} exited (${code}): ${log}`)));
  });
  // Both tools say so a moment before packets really reach the file:
  // tcpdump (writing each packet at once) is probed until one does.
  if (tool === 'tcpdump') await probeUntilRecorded(file, port);
  else await sleep(500);
  try {
    await traffic();
    await untilStill(file);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  return file;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens and closes TCP connections to `port` until the capture file grows. */
async function probeUntilRecorded(file, port) {
  const size = () => (existsSync(file) ? statSync(file).size : 0);
  const empty = 24; // a pcap file's header
  for (let tries = 0; size() <= empty; tries++) {
    if (tries > 50) throw new Error('the capture never started');
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve).once('error', resolve));
    socket.destroy();
    await sleep(100);
  }
}

/** Waits until the file has not grown for 400 ms: the last packets are in. */
async function untilStill(file) {
  let last = -1;
  for (let tries = 0; tries < 20; tries++) {
    await sleep(400);
    const size = statSync(file).size;
    if (size === last) return;
    last = size;
  }
}

const unhex = (text) => Buffer.from(text.replaceAll(':', ''), 'hex');

/**
 * Every WebSocket frame tshark finds in `file` (HTTP on `port` so that it
 * follows the upgrade), in capture order: `{ packet, time, dir, fin, rsv,
 * opcode, masked, length, maskKey, text, data, closeCode, closeReason }`.
 */
export function tsharkFrames(file, port) {
  const out = execFileSync('tshark', ['-r', file, '-d', `tcp.port==${port},http`, '-Y', `websocket && tcp.port==${port}`, '-T', 'json', '-O', 'websocket,data'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const frames = [];
  for (const packet of JSON.parse(out)) {
    const layers = packet._source.layers;
    const list = [layers.websocket].flat();
    const datas = [layers.data ?? []].flat();
    let nextData = 0;
    for (const ws of list) {
      const field = (name) => ws[`websocket.${name}`];
      const lengthField = Number(field('payload_length'));
      const length = Number(field('payload_length_ext_64') ?? field('payload_length_ext_16') ?? lengthField);
      const payload = field('payload');
      const frame = {
        packet: Number(layers.frame['frame.number']),
        time: Number(layers.frame['frame.time_epoch']),
        dir: Number(layers.tcp['tcp.srcport']) === port ? 'server' : 'client',
        fin: field('fin') === '1',
        rsv: Number(field('rsv')),
        opcode: Number(field('opcode')),
        masked: field('mask') === '1',
        length,
        maskKey: field('masking_key') ? [...unhex(field('masking_key'))] : null,
      };
      if (payload && typeof payload === 'object') {
        if (payload['websocket.payload.text'] !== undefined) frame.text = payload['websocket.payload.text'];
        const close = payload['websocket.payload.close'];
        if (close) {
          frame.closeCode = Number(close['websocket.payload.close.status_code']);
          frame.closeReason = close['websocket.payload.close.reason'] ?? '';
        }
      }
      if (frame.opcode === 2 && datas[nextData]) frame.data = unhex(datas[nextData++]['data.data']);
      frames.push(frame);
    }
  }
  return frames;
}

/** The same fields from wsframe's decoding of connection `index` of a CaptureFile. */
export function wsframeFrames(capture, index) {
  const ins = capture.inspect(index, { maxPayload: 1 << 24, eio: 0 });
  return ins.order.map(({ dir, frame: i, packet, time }) => {
    const f = ins[dir].frames[i];
    const frame = {
      packet,
      time,
      dir,
      fin: f.fin,
      rsv: (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0),
      opcode: f.opcode,
      masked: f.masked,
      length: Number(f.payloadLen),
      maskKey: f.maskKey ?? null,
    };
    const message = f.message !== null && f.message !== undefined ? ins[dir].messages[f.message] : null;
    if (f.opcode === 1 && message?.text !== undefined && message.text !== null) frame.text = message.text;
    if (f.opcode === 2 && message) frame.data = Buffer.from(message.data);
    if (f.close?.code !== null && f.close?.code !== undefined) {
      frame.closeCode = f.close.code;
      frame.closeReason = f.close.reason;
    }
    return frame;
  });
}

/**
 * Records (dumpcap, pcapng) a socket.io 4.8 session on loopback:
 * socket.io-client on `transports` connects (and upgrades, when it may),
 * emits 'chat' with `text`, gets its ack ("got " + text), and closes.
 * Resolves with the file and the server's port.
 */
export async function recordSocketIoChat({ name = 'session.pcapng', transports = ['polling', 'websocket'], text = 'hi' } = {}) {
  const [{ Server }, { io }] = await Promise.all([import('socket.io'), import('socket.io-client')]);
  const httpServer = http.createServer();
  const server = new Server(httpServer);
  server.on('connection', (socket) => socket.on('chat', (chat, ack) => ack(`got ${chat}`)));
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address();
  try {
    const file = await record({ tool: 'dumpcap', port, file: tmpFile(name) }, async () => {
      const client = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports });
      await new Promise((resolve) => client.once('connect', resolve));
      if (transports.includes('websocket') && client.io.engine.transport.name !== 'websocket') await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
      const answer = await client.timeout(5000).emitWithAck('chat', text);
      if (answer !== `got ${text}`) throw new Error(`the ack was ${answer}`);
      client.close();
    });
    return { file, port };
  } finally {
    server.close();
  }
}
