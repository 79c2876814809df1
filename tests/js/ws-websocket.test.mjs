// The WebSocket object as ws 8.23's doc/ws.md documents it, each scenario
// run with ws and with wsframe/node (see ws-both.mjs): constants and
// read-only properties, the WHATWG interface, binaryType, send/ping/pong/
// close with their arguments, callbacks and errors, pause/resume,
// allowSynchronousEvents, skipUTF8Validation, autoPong limits, closeTimeout.
import assert from 'node:assert/strict';
import { encodeFrame } from 'wsframe';
import { both, describeError, framesOf, next, plain, portOf, rawClient, sleep } from './ws-both.mjs';

/** A server whose connections run `setup(ws)`, and an open client to it. */
async function pair(lib, setup = () => {}, serverOptions = {}, clientOptions = {}) {
  const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', ...serverOptions });
  await next(wss, 'listening');
  let serverSide;
  wss.on('connection', (ws) => {
    serverSide = ws;
    setup(ws);
  });
  const client = new lib.default(`ws://127.0.0.1:${portOf(wss)}`, clientOptions);
  await next(client, 'open');
  while (!serverSide) await sleep(1);
  return {
    wss,
    client,
    server: serverSide,
    async close() {
      client.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

const clientFrame = (payload, options = {}) => Buffer.from(encodeFrame(payload, { mask: true, ...options }));

both('ready-state constants: static and on the prototype, enumerable, read-only', (lib) => {
  const WebSocket = lib.default;
  const described = (target, name) => {
    const d = Object.getOwnPropertyDescriptor(target, name);
    return { value: d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
  };
  const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
  let assignment;
  try {
    WebSocket.OPEN = 7;
  } catch (err) {
    assignment = err.constructor.name;
  }
  return {
    statics: names.map((n) => described(WebSocket, n)),
    prototype: names.map((n) => described(WebSocket.prototype, n)),
    assignment,
    exported: [typeof lib.WebSocket, lib.WebSocket === WebSocket, typeof lib.WebSocketServer, typeof lib.createWebSocketStream],
  };
});

both('accessors: which are enumerable and read-only, and what assigning them does', async (lib) => {
  const p = await pair(lib);
  const accessors = {};
  for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onmessage', 'onclose', 'onerror']) {
    const d = Object.getOwnPropertyDescriptor(lib.default.prototype, name);
    accessors[name] = { get: typeof d.get, set: typeof d.set, enumerable: d.enumerable };
  }
  const assignments = {};
  for (const name of ['readyState', 'protocol', 'url', 'bufferedAmount']) {
    try {
      p.client[name] = 'x';
      assignments[name] = 'assigned';
    } catch (err) {
      assignments[name] = err.constructor.name;
    }
  }
  const values = { readyState: p.client.readyState, url: p.server.url, isPaused: p.client.isPaused };
  await p.close();
  return { accessors, assignments, values };
});

both('message data: Buffers for text and binary by default; binaryType arraybuffer, fragments, blob', async (lib) => {
  const p = await pair(lib, (ws) => {
    ws.on('message', () => {
      ws.send('text');
      ws.send(Buffer.from([1, 2, 3]));
    });
  });
  const results = [];
  for (const type of ['nodebuffer', 'arraybuffer', 'fragments', 'blob', 'bogus']) {
    p.client.binaryType = type;
    const got = [];
    const done = new Promise((resolve) => {
      const on = async (data, isBinary) => {
        let shape;
        if (typeof Blob !== 'undefined' && data instanceof Blob) shape = { Blob: Buffer.from(await data.arrayBuffer()).toString('hex') };
        else shape = plain(data);
        got.push([shape, isBinary]);
        if (got.length === 2) {
          p.client.off('message', on);
          resolve();
        }
      };
      p.client.on('message', on);
    });
    p.client.send('go');
    await done;
    results.push({ type, binaryType: p.client.binaryType, got });
  }
  await p.close();
  return results;
});

both('the WHATWG interface: addEventListener, on<event>, event shapes, once, handleEvent', async (lib) => {
  const p = await pair(lib, (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const log = [];
  const describe = (event) => {
    const fields = {};
    for (const key in event) fields[key] = key === 'target' ? event[key] === p.client : plain(event[key]);
    return { name: event.constructor.name, fields };
  };
  const listener = (event) => log.push(['listener', describe(event)]);
  p.client.addEventListener('message', listener);
  p.client.addEventListener('message', listener); // the same listener is not added twice
  p.client.addEventListener('message', { handleEvent: (event) => log.push(['handleEvent', event.type]) }, { once: true });
  p.client.addEventListener('unknown', listener);
  p.client.onmessage = (event) => log.push(['onmessage', typeof event.data]);
  log.push(['onmessage is set', typeof p.client.onmessage, p.client.listenerCount('message')]);
  p.client.send('text');
  await next(p.client, 'message');
  p.client.send(Buffer.from('binary'));
  await next(p.client, 'message');
  p.client.removeEventListener('message', listener);
  p.client.onmessage = null;
  log.push(['after removal', p.client.onmessage, p.client.listenerCount('message')]);
  p.client.onclose = (event) => log.push(['onclose', describe(event)]);
  p.client.onerror = (event) => log.push(['onerror', describe(event)]);
  p.client.close(4000, 'done');
  await next(p.client, 'close');
  await new Promise((r) => p.wss.close(r));
  return log;
});

both('send: argument types, callbacks, and numbers as text', async (lib) => {
  const received = [];
  const p = await pair(lib, (ws) => ws.on('message', (data, isBinary) => received.push([data.toString('hex'), isBinary])));
  const callbacks = [];
  const inputs = [
    ['a string', 'héllo'],
    ['a number', 42],
    ['a Buffer', Buffer.from('buf')],
    ['an ArrayBuffer', new Uint8Array([1, 2]).buffer],
    ['a DataView', new DataView(new Uint8Array([3, 4, 5]).buffer, 1)],
    ['a Uint16Array', new Uint16Array([0x0102])],
    ['an array of bytes', [9, 8, 7]],
    ['binary: false on bytes', Buffer.from('as text'), { binary: false }],
    ['binary: true on a string', 'as binary', { binary: true }],
  ];
  for (const [name, data, options] of inputs) {
    if (options) p.client.send(data, options, (err) => callbacks.push([name, err ?? null]));
    else p.client.send(data, (err) => callbacks.push([name, err ?? null]));
  }
  let thrown;
  try {
    p.client.send({ not: 'sendable' });
  } catch (err) {
    thrown = err.constructor.name;
  }
  await sleep(100);
  await p.close();
  return { received, callbacks, thrown };
});

both('sending a Blob: read first, and sends (and a close) after it wait their turn', async (lib) => {
  if (typeof Blob === 'undefined') return 'no Blob';
  const received = [];
  const p = await pair(lib, (ws) => {
    ws.on('message', (data, isBinary) => received.push([data.toString(), isBinary]));
    ws.on('close', (code, reason) => received.push(['close', code, reason.toString()]));
  });
  const order = [];
  p.client.send(new Blob(['from a blob']), () => order.push('blob sent'));
  p.client.send('after the blob', () => order.push('text sent'));
  p.client.ping(new Blob(['p']));
  const buffered = p.client.bufferedAmount > 0;
  p.client.close(4001, 'after all that');
  let thrown;
  try {
    p.client.close(4002, 'x'.repeat(200));
  } catch (err) {
    thrown = err.message;
  }
  await next(p.client, 'close');
  await sleep(50);
  await new Promise((r) => p.wss.close(r));
  return { received, order, buffered, thrown };
});

both('after close: send, ping and pong report to their callback and count in bufferedAmount', async (lib) => {
  const p = await pair(lib);
  p.client.close();
  const results = [];
  const before = p.client.bufferedAmount;
  for (const call of ['send', 'ping', 'pong']) {
    await new Promise((resolve) => {
      const args = call === 'send' ? ['12345'] : ['abc'];
      p.client[call](...args, (err) => {
        results.push([call, describeError(err), p.client.readyState]);
        resolve();
      });
    });
  }
  const after = p.client.bufferedAmount - before;
  await next(p.client, 'close');
  p.client.send('closed', (err) => results.push(['send when closed', err.message]));
  await sleep(10);
  await new Promise((r) => p.wss.close(r));
  return { results, after };
});

both('close(): code and reason checks, and what each end sees', async (lib) => {
  const p = await pair(lib);
  const thrown = [];
  for (const args of [['1000'], [1005], [999], [1004], [4000, 'x'.repeat(124)], [4000, 42], [4000, { length: 2 }]]) {
    try {
      p.client.close(...args);
      thrown.push('accepted');
      break;
    } catch (err) {
      thrown.push({ class: err.constructor.name, message: err.message });
    }
  }
  await next(p.client, 'close');
  await new Promise((r) => p.wss.close(r));
  return thrown;
});

both('close events: codes and reasons on both ends, wasClean, readyState on the way', async (lib) => {
  const results = [];
  for (const [side, args] of [['client', [4001, 'bye']], ['client', []], ['server', [1001, Buffer.from('going')]], ['client', [1000, new Uint8Array([0x6f, 0x6b])]]]) {
    const p = await pair(lib);
    const seen = [];
    for (const [name, ws] of [['client', p.client], ['server', p.server]]) {
      ws.addEventListener('close', (event) => seen.push([name, event.code, event.reason, event.wasClean, ws.readyState]));
    }
    (side === 'client' ? p.client : p.server).close(...args);
    const states = [p.client.readyState, p.server.readyState];
    await Promise.all([next(p.client, 'close'), next(p.server, 'close')]);
    results.push({ side, args: args.map(plain), states, seen: seen.sort() });
    await new Promise((r) => p.wss.close(r));
  }
  return results;
});

both('ping and pong: payloads, callbacks, the size limit, and what the peer receives', async (lib) => {
  const got = [];
  const p = await pair(lib, (ws) => {
    ws.on('ping', (data) => got.push(['server ping', data.toString()]));
    ws.on('pong', (data) => got.push(['server pong', data.toString()]));
  });
  p.client.on('pong', (data) => got.push(['client pong', data.toString()]));
  const callbacks = [];
  p.client.ping('hi', true, (err) => callbacks.push(['ping', err ?? null]));
  p.client.ping((err) => callbacks.push(['ping without data', err ?? null]));
  p.client.ping(7);
  p.client.pong('unsolicited', undefined, (err) => callbacks.push(['pong', err ?? null]));
  let thrown;
  try {
    p.client.ping('x'.repeat(126));
  } catch (err) {
    thrown = { class: err.constructor.name, message: err.message };
  }
  await sleep(100);
  await p.close();
  return { got, callbacks, thrown };
});

both('pause() and resume(): no events while paused, isPaused follows', async (lib) => {
  const p = await pair(lib, (ws) => ws.on('message', (data) => ws.send(data)));
  const got = [];
  p.client.on('message', (data) => got.push(data.toString()));
  p.client.send('one');
  await sleep(50);
  p.client.pause();
  const paused = p.client.isPaused;
  p.client.send('two');
  p.client.send('three');
  await sleep(100);
  const whilePaused = [...got];
  p.client.resume();
  await sleep(50);
  const state = [paused, p.client.isPaused, whilePaused, got];
  await p.close();
  return state;
});

both('allowSynchronousEvents: false emits each message in its own task', async (lib) => {
  const results = [];
  for (const allowSynchronousEvents of [true, false]) {
    const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', allowSynchronousEvents });
    await next(wss, 'listening');
    const log = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        log.push(`message ${data}`);
        queueMicrotask(() => log.push(`microtask after ${data}`));
        setImmediate(() => log.push(`immediate after ${data}`));
      });
      ws.on('ping', () => log.push('ping'));
    });
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(Buffer.concat([clientFrame('a'), clientFrame('b'), clientFrame('', { opcode: 'ping' }), clientFrame('c')]));
    await sleep(100);
    raw.socket.destroy();
    results.push({ allowSynchronousEvents, log });
    await new Promise((r) => wss.close(r));
  }
  return results;
});

both('skipUTF8Validation: invalid text is delivered as it came', async (lib) => {
  const results = [];
  for (const skipUTF8Validation of [false, true]) {
    const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', skipUTF8Validation });
    await next(wss, 'listening');
    const log = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => log.push(['message', data.toString('hex'), isBinary]));
      ws.on('error', (err) => log.push(['error', err.code]));
    });
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(clientFrame(Buffer.from([0x61, 0xff, 0x62]), { opcode: 'text' }));
    await sleep(50);
    raw.socket.destroy();
    results.push({ skipUTF8Validation, log });
    await new Promise((r) => wss.close(r));
  }
  return results;
});

both('maxPendingAutoPongs: a peer that pings without reading is terminated', async (lib) => {
  const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', maxPendingAutoPongs: 5 });
  await next(wss, 'listening');
  const log = [];
  let serverSide;
  wss.on('connection', (ws) => {
    serverSide = ws;
    ws.on('close', (code) => log.push(['close', code]));
  });
  const raw = await rawClient(portOf(wss));
  await sleep(20);
  raw.socket.pause(); // never read
  // Fill every buffer between the two, so the pongs stay unwritten.
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64 && serverSide.readyState === 1; i++) {
    serverSide.send(big);
    if (serverSide.bufferedAmount > 8 << 20) break;
  }
  for (let i = 0; i < 10; i++) raw.socket.write(clientFrame('', { opcode: 'ping' }));
  await sleep(200);
  log.push(['readyState', serverSide.readyState]);
  raw.socket.destroy();
  await new Promise((r) => wss.close(r));
  return log;
});

both('closeTimeout: a peer that never answers the close is cut off', async (lib) => {
  const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1', closeTimeout: 150 });
  await next(wss, 'listening');
  const log = [];
  wss.on('connection', (ws) => {
    ws.on('close', (code) => log.push(['close', code]));
    ws.close(1000);
  });
  const raw = await rawClient(portOf(wss));
  const started = Date.now();
  const { body } = await raw.closed(2000);
  const waited = Date.now() - started >= 120;
  // Both ends' 'close' events race by a tick; the server's is what counts.
  await sleep(50);
  log.push(['waited', waited], ['frames', await framesOf(body)]);
  await new Promise((r) => wss.close(r));
  return log;
});

both('terminate(): the socket is destroyed at once; the peer sees 1006', async (lib) => {
  const p = await pair(lib);
  const seen = [];
  p.server.on('close', (code, reason) => seen.push(['server', code, reason.length]));
  p.client.on('close', (code) => seen.push(['client', code]));
  p.client.terminate();
  seen.push(['right after', p.client.readyState]);
  await Promise.all([next(p.client, 'close'), next(p.server, 'close')]).catch(() => {});
  await sleep(20);
  await new Promise((r) => p.wss.close(r));
  return seen;
});

both('bufferedAmount: bytes written but not yet sent, framing included', async (lib) => {
  const p = await pair(lib);
  p.server.pause();
  p.server._socket.pause();
  const amounts = [p.client.bufferedAmount];
  for (let i = 0; i < 50; i++) p.client.send(Buffer.alloc(64 * 1024));
  amounts.push(p.client.bufferedAmount > 0);
  p.server.terminate();
  await p.close();
  return amounts;
});

test_only_wsframe();

/** What wsframe adds, checked on its own. */
function test_only_wsframe() {
  both('wsframe errors keep ws\'s code and add the close code and stream offset', async (lib) => {
    const wss = new lib.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await next(wss, 'listening');
    const errors = [];
    wss.on('connection', (ws) => ws.on('error', (err) => errors.push(err)));
    const raw = await rawClient(portOf(wss));
    await sleep(20);
    raw.socket.write(Buffer.concat([clientFrame('12345'), clientFrame(Buffer.from([0x61, 0x62, 0xc0]), { opcode: 'text' })]));
    await raw.closed();
    await new Promise((r) => wss.close(r));
    const [err] = errors;
    if (lib.name === 'wsframe') {
      assert.equal(err.closeCode, 1007);
      assert.equal(err.wsframeCode, 'invalid_utf8');
      // The first frame is 11 bytes; the bad byte is the 3rd of the second frame's payload (header 6).
      assert.equal(err.offset, 11 + 6 + 2);
    }
    return describeError(err);
  });
}
