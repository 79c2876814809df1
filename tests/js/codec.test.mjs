// wsframe/codec: the codec alone, in a wasm build of its own without
// permessage-deflate, Engine.IO or the inspector. It frames and reads what
// the full build does, refuses compression by name, and is smaller.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { initSync, Connection, encodeFrame, isValidUtf8, parseClosePayload, WsframeError } from 'wsframe/codec';
import * as full from 'wsframe';

const codecWasm = fileURLToPath(new URL('./codec/wsframe_bg.wasm', import.meta.resolve('wsframe/codec')));
const webWasm = fileURLToPath(new URL('./web/wsframe_bg.wasm', import.meta.resolve('wsframe/codec')));
initSync(readFileSync(codecWasm));

test('a client and a server on the codec build exchange messages as the full build frames them', () => {
  const client = new Connection({ role: 'client' });
  const server = new Connection({ role: 'server' });
  const wire = client.send('héllo');
  const { events, error } = server.receive(wire);
  assert.equal(error, null);
  assert.deepEqual(events, [{ type: 'text', data: 'héllo' }]);
  // The full build reads the same bytes the same way.
  const fullServer = new full.Connection({ role: 'server' });
  assert.deepEqual(fullServer.receive(wire).events, events);
  const reply = server.send(new Uint8Array([1, 2, 3]));
  assert.deepEqual(Array.from(reply), Array.from(full.encodeFrame(new Uint8Array([1, 2, 3]), { opcode: 'binary' })));
  assert.deepEqual(Array.from(encodeFrame('x')), [0x81, 0x01, 0x78]);
  assert.equal(isValidUtf8(new Uint8Array([0xc3, 0x28])), false);
  assert.deepEqual(parseClosePayload(new Uint8Array([0x03, 0xe8])), { code: 1000, reason: '' });
});

test('the codec build refuses permessage-deflate by name, and its frames stay invalid with RSV1', () => {
  assert.throws(
    () => new Connection({ role: 'server', deflate: {} }),
    (e) => e instanceof WsframeError && e.code === 'invalid_argument' && /no permessage-deflate/.test(e.message),
  );
  const server = new Connection({ role: 'server' });
  // A compressed text frame (RSV1) from a client: 1002, as without an agreement.
  const { error } = server.receive(new Uint8Array([0xc1, 0x80, 0, 0, 0, 0]));
  assert.equal(error.code, 'rsv1_unexpected');
  assert.equal(error.closeCode, 1002);
});

test('the codec build is smaller than the full browser build', () => {
  const codec = gzipSync(readFileSync(codecWasm), { level: 9 }).length;
  const web = gzipSync(readFileSync(webWasm), { level: 9 }).length;
  console.log(`gzipped wasm: codec ${codec} B, full browser build ${web} B`);
  assert.ok(codec < web * 0.7, `codec ${codec} B vs full ${web} B`);
});
