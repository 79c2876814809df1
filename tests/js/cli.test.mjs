// `wsframe inspect FILE`, the package's command-line tool, as a user runs
// it: on a pcapng recorded from a real socket.io session, on a pasted hex
// dump with a protocol error, and on what it cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './helpers.mjs';
import { recordSocketIoChat, tmpFile } from './capture-tools.mjs';

const BIN = path.join(root, 'pkg', 'bin', 'wsframe.mjs');
const run = (...args) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('wsframe inspect: a pcapng of a socket.io session, as text and as JSON', async () => {
  const { file } = await recordSocketIoChat();
  const text = run('inspect', file);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.match(lines[0], /: pcapng, \d+ packets \(Ethernet\), \d+ TCP connections$/);
  assert.ok(lines.some((l) => /^ {2}#\d+ 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ {2}engine\.io /.test(l)), text.stdout);
  assert.ok(lines.some((l) => /^ {2}> GET \/socket\.io\/\?EIO=4&transport=websocket&sid=/.test(l)), text.stdout);
  assert.ok(lines.some((l) => /^ {2}< HTTP\/1\.1 101 Switching Protocols \(accept ok\)$/.test(l)), text.stdout);
  assert.ok(lines.some((l) => /^ {2}#\d+ \+\d+\.\d{6} {2}c→s FIN text mask [0-9a-f]{8} 16 B "420\[\\"chat\\",\\"hi\\"\]"$/.test(l)), text.stdout);
  assert.ok(lines.some((l) => l === '      engine.io message | socket.io EVENT / id=0 ["chat","hi"]'), text.stdout);
  assert.ok(lines.some((l) => l === '      engine.io message | socket.io ACK / id=0 ["got hi"]'), text.stdout);

  const json = run('inspect', file, '--json');
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.format, 'pcapng');
  const ws = report.connections.find((c) => c.kind === 'websocket');
  assert.equal(ws.inspection.eio, 4);
  assert.equal(typeof ws.inspection.clientBytes, 'string', 'bytes as hex');
  const others = report.connections.filter((c) => c.kind !== 'websocket');
  assert.ok(others.length > 0 && others.every((c) => c.inspection === undefined));
  // The polling requests before the upgrade, their payloads decoded.
  assert.ok(lines.some((l) => /^ {2}GET \/socket\.io\/\?EIO=4&transport=polling&t=\S+ {2}200$/.test(l)), text.stdout);
  assert.ok(lines.some((l) => l === '    s→c engine.io open'), text.stdout);
  assert.ok(lines.some((l) => l === '    c→s engine.io message | socket.io CONNECT /'), text.stdout);
  const polled = report.connections.filter((c) => c.kind === 'engine.io').flatMap((c) => c.polling);
  assert.ok(polled.some((p) => p.method === 'POST' && p.layers.some((l) => l.socketio?.kindName === 'CONNECT')), JSON.stringify(polled));

  const one = run('inspect', file, '--connection', String(ws.index));
  assert.equal(one.status, 0);
  assert.equal(one.stdout.split('\n').filter((l) => l.startsWith('connection #')).length, 1);
});

test('wsframe inspect: a hex dump with a masked server frame exits 1 with the diagnostic; unreadable input exits 2', () => {
  const dump = tmpFile('dump.txt');
  // A server frame must not be masked (RFC 6455 §5.1): close 1002.
  writeFileSync(dump, '< 81 85 37 fa 21 3d 7f 9f 4d 51 58\n');
  const bad = run('inspect', dump);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /^ {2}! error mask_unexpected \(server frame 0\) at byte 1: .*\(close 1002, RFC 6455 §5\.2\)$/m);

  const good = tmpFile('good.txt');
  writeFileSync(good, '< 81 05 48 65 6c 6c 6f\n');
  const ok = run('inspect', good);
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /s→c FIN text 5 B "Hello"/);

  assert.equal(run('inspect', path.join(root, 'no-such-file')).status, 2);
  const garbage = tmpFile('garbage.bin');
  writeFileSync(garbage, Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 1, 2]));
  const unreadable = run('inspect', garbage);
  assert.equal(unreadable.status, 2);
  assert.match(unreadable.stderr, /pcapng section header/);
  assert.equal(run('frobnicate').status, 2);
});
