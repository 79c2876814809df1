// The frame inspector in headless Chromium (playwright-core driving Debian's
// /usr/bin/chromium): every built-in example shows what the vectors say,
// a pasted Wireshark dump of a real session decodes, live mode mirrors real
// frames, every malformed input points at the right byte, the builder makes
// the frames it says, and the page never throws. Screenshots of the main
// views go to target/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../js/helpers.mjs';
import { openInspector } from './page.mjs';

const shots = path.join(root, 'target', 'e2e');
mkdirSync(shots, { recursive: true });

let inspector;
let page;
let problems;

before(async () => {
  inspector = await openInspector();
  ({ page, problems } = inspector);
});

after(async () => {
  await inspector?.close();
});

async function example(id, row = 0) {
  await page.selectOption('#examples', id);
  await page.waitForFunction((id) => location.hash === `#example=${id}`, id);
  if (row !== null) await page.click(`#row-${row}`);
}

const text = (selector) => page.locator(selector).first().textContent();
const field = (key) => text(`#detail [data-k="${key}"]`);
const rows = () => page.locator('.row').evaluateAll((nodes) => nodes.map((n) => ({ dir: n.dataset.dir, opcode: n.dataset.opcode, status: n.dataset.status })));
const diagnostics = () =>
  page.locator('#diagnostics li').evaluateAll((nodes) => nodes.map((n) => ({ code: n.dataset.code, offset: n.dataset.offset, dir: n.dataset.dir })));

async function shot(name, { detail = false } = {}) {
  if (detail) {
    const style = await page.addStyleTag({ content: '.detail { max-height: none !important; }' });
    await page.locator('#detail').screenshot({ path: path.join(shots, `${name}.png`) });
    await style.evaluate((node) => node.remove());
  } else {
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }
}

describe('built-in examples', () => {
  test('RFC 6455 §5.7 frames', async () => {
    await example('rfc-unmasked-text');
    assert.match(await field('opcode'), /^text \(0x1\)/);
    assert.match(await field('length'), /^5 bytes \(7-bit form\)/);
    assert.equal(await text('#payload-text'), 'Hello');
    assert.equal(await field('masked'), 'no');

    await example('rfc-masked-text');
    assert.equal(await field('masked'), 'yes, key 37 fa 21 3d');
    assert.equal(await text('#payload-masked-hex'), '7f 9f 4d 51 58');
    assert.equal(await text('#payload-hex'), '48 65 6c 6c 6f');
    assert.equal(await text('#payload-text'), 'Hello');
    // The bit diagram of bytes 0-1: FIN 1, opcode 0x1, MASK 1, length 5.
    assert.equal(await text('.bits tr:last-child td[data-field="opcode"]'), '0x1');
    assert.equal(await text('.bits tr:last-child td[data-field="payloadLength"]'), '5');
    assert.equal(await text('.bits tr:last-child td[data-field="mask"]'), '1');
    await shot('masked-text-detail', { detail: true });

    await example('rfc-fragmented', 1);
    assert.deepEqual((await rows()).map((r) => r.opcode), ['text', 'continuation']);
    assert.equal(await field('fin'), '1 (final)');
    assert.equal(await text('#message-text'), 'Hello');
    assert.equal(await field('message-frames'), '0, 1');

    await example('rfc-ping-pong', 1);
    assert.deepEqual(await rows(), [
      { dir: 'server', opcode: 'ping', status: 'ok' },
      { dir: 'client', opcode: 'pong', status: 'ok' },
    ]);
    assert.equal(await text('#payload-text'), 'Hello');

    await example('rfc-binary-256');
    assert.match(await field('length'), /^256 bytes \(16-bit form\)/);
    await example('rfc-binary-64k');
    assert.match(await field('length'), /^65536 bytes \(64-bit form\)/);
    assert.match(await text('#detail .hexview .empty'), /more bytes/);

    await example('seed-close-1001');
    assert.equal(await field('close-code'), '1001');
    assert.equal(await field('close-name'), 'Going Away');
  });

  test('RFC 7692 §7.2.3: compressed messages inflated', async () => {
    for (const id of ['pmd-0', 'pmd-3', 'pmd-4', 'pmd-5']) {
      await example(id);
      assert.equal(await field('compressed'), 'yes', id);
      assert.equal(await text('#message-text'), 'Hello', id);
    }
    await example('pmd-1', 1);
    assert.equal(await text('#message-text'), 'Hello', 'fragmented, RSV1 on the first frame only');
    await example('pmd-2', 1);
    assert.equal(await field('length'), '5 bytes (7-bit form)');
    assert.equal(await text('#message-text'), 'Hello', 'the second message uses the first one\'s context');
    await example('pmd-6');
    assert.equal(await field('eio-type'), 'ping');
    await example('pmd-7');
    assert.equal(await text('#message-text'), '420["chat","Hello Socket.io!"]');
    assert.equal(await field('sio-event'), 'chat');
    assert.equal(await field('sio-id'), '0');
  });

  test('the seeds\' Socket.IO capture: events, acks, attachments stitched back', async () => {
    await example('seed-socketio', 1);
    assert.equal(await field('eio-type'), 'message');
    assert.equal(await field('sio-type'), 'EVENT');
    assert.equal(await field('sio-event'), 'chat');
    assert.deepEqual(JSON.parse(await page.getAttribute('#sio-args', 'data-json')), ['Hello Socket.io!']);
    await page.click('#row-4');
    assert.equal(await field('sio-type'), 'BINARY_EVENT');
    assert.equal(await field('sio-event'), 'binary');
    assert.deepEqual(JSON.parse(await page.getAttribute('#sio-args', 'data-json')), [{ _attachment: 0, bytes: 3, hex: '656667' }]);
    assert.match(await text('#sio-args .att'), /attachment 0: 3 bytes, 656667/);
    await page.click('#row-5');
    assert.match(await text('#sio-attachment'), /attachment 0 of message 1/);
    await page.click('#row-6');
    assert.equal(await field('sio-type'), 'ACK');
    assert.equal(await field('sio-id'), '1');
    await page.click('#row-4');
    await shot('socketio-detail', { detail: true });
  });

  test('recorded sessions: handshake, deflate both ways, Socket.IO', async () => {
    await example('session-ws-deflate');
    assert.equal(await text('[data-k="hs-request"]'), 'GET /chat HTTP/1.1');
    assert.equal(await text('[data-k="hs-status"]'), 'HTTP/1.1 101 Switching Protocols');
    assert.match(await text('[data-k="hs-accept-check"]'), /^valid/);
    assert.equal(await text('[data-k="hs-extensions"]'), 'permessage-deflate');
    await shot('session-ws-deflate');
    await example('session-socketio', 4);
    assert.equal(await text('[data-k="hs-eio"]'), 'v4');
    assert.equal(await field('sio-event'), 'upload');
    assert.deepEqual(JSON.parse(await page.getAttribute('#sio-args', 'data-json')), ['photo.png', { _attachment: 0, bytes: 4, hex: '89504e47' }]);
  });

  test('every malformed input points at the right byte', async () => {
    const cases = [
      ['bad-rsv1', 'rsv1_unexpected', 'server', '0'],
      ['bad-unmasked-client', 'mask_missing', 'client', '1'],
      ['bad-masked-server', 'mask_unexpected', 'server', '1'],
      ['bad-non-minimal', 'non_minimal_length', 'server', '1'],
      ['bad-control-long', 'control_frame_too_long', 'server', '1'],
      ['bad-control-fragmented', 'control_frame_fragmented', 'server', '0'],
      ['bad-reserved-opcode', 'reserved_opcode', 'server', '0'],
      ['bad-utf8', 'invalid_utf8', 'server', '6'],
      ['bad-close-code', 'invalid_close_code', 'server', '2'],
      ['bad-close-payload', 'invalid_close_payload', 'server', '2'],
      ['bad-continuation', 'unexpected_continuation', 'server', '0'],
      ['bad-expected-continuation', 'expected_continuation', 'server', '5'],
      ['bad-truncated', 'truncated_frame', 'server', '4'],
      ['bad-engineio', 'engineio_invalid_packet', 'server', '2'],
      ['bad-socketio', 'socketio_invalid_packet', 'server', '2'],
      ['bad-accept', 'invalid_accept', 'handshake', '0'],
    ];
    for (const [id, code, dir, offset] of cases) {
      await example(id, null);
      const found = await diagnostics();
      assert.ok(
        found.some((d) => d.code === code && d.dir === dir && d.offset === offset),
        `${id}: expected ${code} at ${dir} byte ${offset}, got ${JSON.stringify(found)}`,
      );
      if (dir !== 'handshake') {
        // The culprit byte is marked in the frame's hex view.
        const row = await page.locator('.row[data-status="error"], .row[data-status="warning"]').first().getAttribute('data-index');
        await page.click(`#row-${row}`);
        const marked = await page.locator('#detail .hexview .b.err').evaluateAll((n) => n.map((b) => b.dataset.offset));
        if (code !== 'truncated_frame') assert.ok(marked.includes(offset), `${id}: byte ${offset} marked, got ${marked}`);
      }
    }
    await example('bad-utf8');
    await shot('diagnostics');
  });

  test('10,000 frames: the list stays virtual and navigable by keyboard', async () => {
    const started = Date.now();
    await example('many-frames', null);
    await page.waitForFunction(() => document.getElementById('list-summary').textContent.startsWith('10000 frames'));
    console.log(`# 10,000 frames decoded and listed in ${Date.now() - started} ms`);
    const drawn = await page.locator('.row').count();
    assert.ok(drawn < 100, `only the visible rows exist (${drawn})`);
    await page.focus('#frame-list');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#frame-list', 'aria-activedescendant'), 'row-9999');
    assert.equal(await text('#payload-text'), 'message 9999');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('PageUp');
    const selected = Number((await page.getAttribute('#frame-list', 'aria-activedescendant')).slice(4));
    assert.ok(selected < 9998 && selected > 9950, `PageUp moved to ${selected}`);
    await page.keyboard.press('Home');
    assert.equal(await text('#payload-text'), 'message 0');
  });
});

test('a pasted Wireshark hex dump of a whole session', async () => {
  await page.click('#clear');
  const dump = readFileSync(path.join(root, 'tests', 'fixtures', 'capture-ws-deflate.txt'), 'utf8');
  await page.fill('#client-input', dump);
  await page.click('#decode');
  assert.match(await text('#input-info'), /hexdump/);
  assert.match(await text('[data-k="hs-accept-check"]'), /^valid/);
  assert.match(await text('[data-k="hs-deflate"]'), /client → server: 15-bit window; server → client: 15-bit window/);
  const all = await rows();
  assert.deepEqual(
    all.map((r) => `${r.dir}:${r.opcode}`),
    ['client:text', 'server:text', 'client:text', 'server:text', 'client:binary', 'server:binary', 'client:ping', 'server:pong', 'client:close', 'server:close'],
  );
  const expected = ['Hello, inspector!', 'echo: Hello, inspector!', 'Hello, inspector!', 'echo: Hello, inspector!'];
  for (const [i, message] of expected.entries()) {
    await page.click(`#row-${i}`);
    assert.equal(await field('compressed'), 'yes');
    assert.equal(await text('#message-text'), message, `frame ${i}`);
  }
  await page.click('#row-8');
  assert.equal(await field('close-code'), '1000');
  assert.equal(await field('close-reason'), 'done');
});

test('live mode: typed messages appear as real frames, masked and compressed', async () => {
  await page.click('#clear');
  await page.click('#live-toggle');
  await page.waitForFunction(() => document.getElementById('live-state').textContent.startsWith('connected'));
  await page.fill('#live-message', 'typed in the inspector');
  await page.click('#live-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelectorAll('.row').length >= 2);
  assert.match(await text('[data-k="hs-status"]'), /101/);
  assert.match(await text('[data-k="hs-accept-check"]'), /^valid/);
  const found = await rows();
  assert.deepEqual(found.slice(0, 2).map((r) => `${r.dir}:${r.opcode}:${r.status}`), ['client:text:ok', 'server:text:ok']);
  await page.click('#row-0');
  assert.match(await field('masked'), /^yes, key/);
  assert.equal(await field('compressed'), 'yes');
  assert.equal(await text('#message-text'), 'typed in the inspector');
  await page.click('#row-1');
  assert.equal(await field('masked'), 'no');
  assert.equal(await field('compressed'), 'yes');
  assert.equal(await text('#message-text'), 'typed in the inspector');
  await page.click('#live-binary');
  await page.waitForFunction(() => document.querySelectorAll('.row').length >= 4);
  await page.click('#row-2');
  assert.equal(await field('opcode'), 'binary (0x2)');
  await shot('live');
  await page.click('#live-close');
  await page.waitForFunction(() => document.querySelectorAll('.row[data-opcode="close"]').length >= 2);
  await page.click('#live-toggle');
});

test('the frame builder makes the bytes it shows and sends them to the decoder', async () => {
  await page.click('#clear');
  await page.click('#builder-panel summary');
  assert.equal(await text('#b-output'), '81 85 37 fa 21 3d 7f 9f 4d 51 58');
  await page.uncheck('#b-mask');
  await page.selectOption('#b-length', 'extended16');
  assert.equal(await text('#b-output'), '81 7e 00 05 48 65 6c 6c 6f');
  await page.click('#b-send-server');
  assert.equal(await text('#payload-text'), 'Hello');
  assert.ok((await diagnostics()).some((d) => d.code === 'non_minimal_length'));
  await shot('builder');
});

test('a narrow window, and nothing threw', async () => {
  await example('session-socketio', 4);
  await page.setViewportSize({ width: 600, height: 900 });
  await shot('narrow');
  await page.setViewportSize({ width: 1280, height: 800 });
  // Garbage in the inputs is reported, not thrown.
  await page.click('#clear');
  await page.fill('#client-input', 'zz not hex at all !!');
  await page.fill('#server-input', '81');
  await page.click('#decode');
  assert.ok((await diagnostics()).some((d) => d.code === 'truncated_frame' || d.code === 'input'));
  assert.deepEqual(problems, []);
});
