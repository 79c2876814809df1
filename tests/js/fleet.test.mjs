// Socket.IO fleets on one real Redis (Debian's redis-server, started here):
// wsframe/socket.io nodes and socket.io 4.8 nodes joined by
// @socket.io/redis-adapter behave as one server. Every operation is made
// from every node and checked at clients on every node; the same scenario
// runs on a fleet of socket.io nodes only, so each expectation is
// socket.io's own behaviour.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Fleet, sleep, waitFor } from './fleet/fleet.mjs';
import { RedisServer } from '../../scripts/redis-server.mjs';

try {
  execFileSync('redis-server', ['--version']);
} catch {
  throw new Error('redis-server is missing: run `bash scripts/setup.sh` (it installs Debian\'s redis-server)');
}

const NAMES = ['a', 'b'];
const sorted = (list) => [...list].sort();

/**
 * Two clients per node on '/' (`n0a` upgrades from polling, `n0b` is
 * WebSocket only) and one on '/admin'; rooms red = {n0a, n1a, n2a},
 * blue = {n0b, n1a, n2b}, green = {n2a}.
 */
async function populate(fleet) {
  for (const node of fleet.nodes) {
    await fleet.connect(node, `${node.name}a`);
    await fleet.connect(node, `${node.name}b`, { transports: ['websocket'] });
    await fleet.connect(node, `${node.name}admin`, { nsp: '/admin', transports: ['websocket'] });
  }
  const rooms = { red: ['n0a', 'n1a', 'n2a'], blue: ['n0b', 'n1a', 'n2b'], green: ['n2a'] };
  for (const [room, members] of Object.entries(rooms)) {
    for (const name of members) assert.equal(await fleet.client(name).join(room), 'joined');
  }
}

/** The '/' clients, by name. */
const mainClients = (fleet) => fleet.clients.filter((client) => client.nsp === '/' && client.socket.connected);

/** Asserts who got `event` with `args` (each exactly once) and that nobody else did. */
function assertDelivered(fleet, event, args, expected) {
  const got = {};
  for (const client of fleet.clients) {
    const copies = client.got(event).filter((a) => JSON.stringify(a) === JSON.stringify(args));
    if (copies.length) got[client.name] = copies.length;
  }
  assert.deepEqual(got, Object.fromEntries(sorted(expected).map((name) => [name, 1])), `${event} ${JSON.stringify(args)}`);
}

/**
 * Waits until `room` (across the fleet) is exactly `names`, then a moment
 * more: a remote join is applied when the other node reads the request,
 * and in sharded mode a new room's channel is subscribed after that.
 */
async function joined(node, room, names) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const members = await node.call('fetchSockets', { to: [room] });
    if (JSON.stringify(sorted(members.map((s) => s.data.name))) === JSON.stringify(sorted(names))) break;
    if (Date.now() > deadline) throw new Error(`room ${room} never became ${names}`);
    await sleep(20);
  }
  await sleep(100);
}

/** Every broadcast, ack, fetch and remote-socket operation, made from `node`. */
async function operationsFrom(fleet, node) {
  const tag = node.name;
  const everyone = mainClients(fleet).map((client) => client.name);
  const onNode = (name) => fleet.client(name).node === node;

  await node.call('emit', { event: 'all', args: [tag] });
  await node.call('emit', { to: ['red'], except: ['blue'], event: 'red-not-blue', args: [{ $bytes: [1, 2, 3] }, tag] });
  await node.call('emit', { to: ['red', 'blue'], event: 'red-or-blue', args: [tag] });
  await node.call('emit', { nsp: '/admin', event: 'admin', args: [tag] });
  await node.call('emit', { local: true, event: 'local', args: [tag] });
  await node.call('emit', { volatile: true, event: 'volatile', args: [tag, { nested: { $bytes: [9] } }] });
  await fleet.fence(node);
  assertDelivered(fleet, 'all', [tag], everyone);
  assertDelivered(fleet, 'red-not-blue', [{ $bytes: [1, 2, 3] }, tag], ['n0a', 'n2a']);
  assertDelivered(fleet, 'red-or-blue', [tag], ['n0a', 'n1a', 'n2a', 'n0b', 'n2b']);
  assertDelivered(fleet, 'admin', [tag], ['n0admin', 'n1admin', 'n2admin']);
  assertDelivered(fleet, 'local', [tag], everyone.filter(onNode));
  // Volatile: at most once anywhere; socket.io also drops it for a client
  // whose previous write is still in flight, wsframe only for one that is
  // backlogged (these are idle), so wsframe's clients all have it.
  const volatile = JSON.stringify([tag, { nested: { $bytes: [9] } }]);
  for (const client of mainClients(fleet)) {
    const copies = client.got('volatile').filter((a) => JSON.stringify(a) === volatile).length;
    assert.ok(copies <= 1, `${client.name} got the volatile packet ${copies} times`);
    if (client.node.impl === 'wsframe') assert.equal(copies, 1, `${client.name} (wsframe node) missed the volatile packet`);
  }

  // Acks from the clients of every node.
  const acks = await node.call('emitWithAck', { timeout: 3000, event: 'question', args: [tag] });
  assert.deepEqual(sorted(acks.responses), sorted(everyone.map((name) => `${name}:${tag}`)));
  const redAcks = await node.call('emitWithAck', { to: ['red'], timeout: 3000, event: 'question', args: [tag] });
  assert.deepEqual(sorted(redAcks.responses), [`n0a:${tag}`, `n1a:${tag}`, `n2a:${tag}`]);

  // fetchSockets: data, rooms and handshake of sockets on every node.
  const red = await node.call('fetchSockets', { to: ['red'] });
  assert.deepEqual(
    red.map((s) => [s.data.name, s.data.node, s.rooms, s.auth.name, s.hasHeaders]).sort(),
    [
      ['n0a', 'n0', ['red'], 'n0a', true],
      ['n1a', 'n1', ['blue', 'red'], 'n1a', true],
      ['n2a', 'n2', ['green', 'red'], 'n2a', true],
    ],
  );
  const all = await node.call('fetchSockets', {});
  assert.deepEqual(sorted(all.map((s) => s.data.name)), sorted(everyone));

  // A socket on another node: emit, join, leave.
  const other = fleet.nodes.find((n) => n !== node && n.child.exitCode === null);
  const target = `${other.name}b`;
  const { id } = all.find((s) => s.data.name === target);
  await node.call('remoteEmit', { socketId: id, event: 'direct', args: [tag] });
  assert.equal(await node.call('remoteEmitWithAck', { socketId: id, event: 'question', timeout: 3000 }), `${target}:undefined`);
  await node.call('remoteJoin', { socketId: id, room: `tmp-${tag}` });
  await joined(node, `tmp-${tag}`, [target]);
  await node.call('emit', { to: [`tmp-${tag}`], event: 'tmp', args: [tag, 1] });
  await fleet.fence(node);
  await node.call('remoteLeave', { socketId: id, room: `tmp-${tag}` });
  await node.call('emit', { to: [`tmp-${tag}`], event: 'tmp', args: [tag, 2] });
  await fleet.fence(node);
  assertDelivered(fleet, 'direct', [tag], [target]);
  assertDelivered(fleet, 'tmp', [tag, 1], [target]);
  assertDelivered(fleet, 'tmp', [tag, 2], []);

  // socketsJoin / socketsLeave on sockets of every node.
  await node.call('socketsJoin', { to: ['blue'], room: `sj-${tag}` });
  await joined(node, `sj-${tag}`, ['n0b', 'n1a', 'n2b']);
  await node.call('emit', { to: [`sj-${tag}`], except: ['red'], event: 'sj', args: [tag, 1] });
  await fleet.fence(node);
  await node.call('socketsLeave', { to: ['blue'], room: `sj-${tag}` });
  await sleep(50);
  await node.call('emit', { to: [`sj-${tag}`], event: 'sj', args: [tag, 2] });
  await fleet.fence(node);
  assertDelivered(fleet, 'sj', [tag, 1], ['n0b', 'n2b']);
  assertDelivered(fleet, 'sj', [tag, 2], []);

  // serverSideEmit: without an ack, with a callback, and as a promise.
  const others = fleet.nodes.filter((n) => n !== node);
  await node.call('serverSideEmit', { event: 'greet', args: [`plain-${tag}`, { n: 1 }] });
  await waitFor(
    () => others.every((n) => n.serverSideEmits.some((args) => args[0] === `plain-${tag}`)),
    'serverSideEmit at every other node',
  );
  for (const n of others) assert.deepEqual(n.serverSideEmits.find((args) => args[0] === `plain-${tag}`), [`plain-${tag}`, { n: 1 }]);
  assert.equal(node.serverSideEmits.some((args) => args[0] === `plain-${tag}`), false, 'not to itself');
  const viaCallback = await node.call('serverSideEmitCallback', { event: 'greet', args: [`cb-${tag}`] });
  assert.deepEqual(viaCallback, { error: null, responses: sorted(others.map((n) => `${n.name} got cb-${tag}`)) });
  const viaPromise = await node.call('serverSideEmitWithAck', { event: 'greet', args: [`promise-${tag}`] });
  assert.deepEqual(viaPromise, { responses: sorted(others.map((n) => `${n.name} got promise-${tag}`)) });
}

/**
 * disconnectSockets from n0 (green: n2a, on n2), and a remote socket's
 * disconnect from n2 (n1b, on n1): across the two kinds of node both ways.
 */
async function disconnects(fleet) {
  const [n0, , n2] = fleet.nodes;
  await n0.call('disconnectSockets', { to: ['green'] });
  await waitFor(() => fleet.client('n2a').disconnectReason !== null, 'n2a disconnected');
  assert.equal(fleet.client('n2a').disconnectReason, 'io server disconnect');
  const all = await n2.call('fetchSockets', {});
  const { id } = all.find((s) => s.data.name === 'n1b');
  await n2.call('remoteDisconnect', { socketId: id, close: true });
  await waitFor(() => fleet.client('n1b').disconnectReason !== null, 'n1b disconnected');
  assert.equal(fleet.client('n1b').disconnectReason, 'io server disconnect');
  await sleep(100);
  const left = await n0.call('fetchSockets', {});
  assert.deepEqual(sorted(left.map((s) => s.data.name)), ['n0a', 'n0b', 'n1a', 'n2b']);
}

const FLEETS = [
  ['socket.io', 'socket.io', 'socket.io'],
  ['socket.io', 'socket.io', 'wsframe'],
  ['wsframe', 'wsframe', 'socket.io'],
];

describe('Socket.IO fleets on one Redis (@socket.io/redis-adapter)', () => {
  let redis;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });

  for (const mode of ['classic', 'sharded']) {
    for (const impls of FLEETS) {
      test(`${mode} adapter, nodes ${impls.join(' + ')}: every operation from every node, seen on every node`, async () => {
        const fleet = await Fleet.start(impls, redis, mode);
        try {
          await populate(fleet);
          for (const node of fleet.nodes) await operationsFrom(fleet, node);
          await disconnects(fleet);
        } catch (err) {
          err.message += `\n${fleet.nodes.map((n) => `--- ${n.name} (${n.impl})\n${n.output}`).join('\n')}`;
          throw err;
        } finally {
          await fleet.stop();
        }
      });
    }
  }
});

describe('a Socket.IO fleet when a node or Redis fails', () => {
  let redis;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });

  /** A call that must settle within `ms`: its outcome, or 'hang'. */
  const settles = (promise, ms) =>
    Promise.race([
      promise.then(
        (value) => ({ value }),
        (err) => ({ error: err.message }),
      ),
      sleep(ms).then(() => 'hang'),
    ]);

  test('a frozen node makes requests time out with an error, a dead one drops out; broadcasts go on', async () => {
    const fleet = await Fleet.start(['wsframe', 'socket.io', 'wsframe'], redis);
    try {
      for (const node of fleet.nodes) await fleet.connect(node, `${node.name}a`, { transports: ['websocket'] });
      const [n0, n1, n2] = fleet.nodes;
      n2.child.kill('SIGSTOP');
      for (const node of [n0, n1]) {
        // requestsTimeout is 1500 ms on these nodes.
        const fetched = await settles(node.call('fetchSockets', {}), 4000);
        assert.deepEqual(fetched, { error: `${node.name}: timeout reached while waiting for fetchSockets response` }, node.impl);
        const sse = await settles(node.call('serverSideEmitWithAck', { event: 'greet', args: ['frozen'] }), 4000);
        const other = node === n0 ? n1 : n0;
        assert.deepEqual(
          sse,
          { value: { error: 'timeout reached: only 1 responses received out of 2', responses: [`${other.name} got frozen`] } },
          node.impl,
        );
        const acks = await settles(node.call('emitWithAck', { timeout: 1000, event: 'question', args: ['q'] }), 4000);
        assert.deepEqual(acks.value.error, 'operation has timed out', node.impl);
        assert.deepEqual(sorted(acks.value.responses), ['n0a:q', 'n1a:q'], node.impl);
        await node.call('emit', { event: 'during', args: [node.name] });
        await waitFor(() => fleet.client('n0a').got('during').length + fleet.client('n1a').got('during').length >= 2, 'broadcast');
        fleet.client('n0a').log.length = 0;
        fleet.client('n1a').log.length = 0;
      }
      n2.child.kill('SIGCONT');
      await n2.kill();
      await fleet.waitForServerCount(2);
      for (const node of [n0, n1]) {
        const fetched = await settles(node.call('fetchSockets', {}), 4000);
        assert.deepEqual(sorted(fetched.value.map((s) => s.data.name)), ['n0a', 'n1a'], node.impl);
      }
    } finally {
      await fleet.stop();
    }
  });

  test('Redis killed: each node serves its own clients and requests fail in time; Redis back: the fleet is whole again', async () => {
    const fleet = await Fleet.start(['wsframe', 'socket.io'], redis);
    try {
      const [n0, n1] = fleet.nodes;
      const x = await fleet.connect(n0, 'x');
      const y = await fleet.connect(n1, 'y');
      await x.join('room');
      await redis.kill();

      // The wsframe node keeps serving its own clients, new ones too.
      const late = await fleet.connect(n0, 'late', { transports: ['websocket'] });
      await late.join('room');
      await n0.call('emit', { to: ['room'], event: 'during', args: [1] });
      await waitFor(() => x.got('during').length === 1 && late.got('during').length === 1, 'local broadcast');
      const acks = await settles(n0.call('emitWithAck', { timeout: 1000, event: 'question', args: ['q'] }), 4000);
      assert.equal(acks.value.error, 'operation has timed out');
      assert.deepEqual(sorted(acks.value.responses), ['late:q', 'x:q']);
      // Requests to other nodes fail with an error (socket.io waits for Redis).
      const started = Date.now();
      const fetched = await settles(n0.call('fetchSockets', {}), 5000);
      assert.deepEqual(fetched, { error: 'n0: timeout reached while waiting for fetchSockets response' });
      const sse = await settles(n0.call('serverSideEmitWithAck', { event: 'greet', args: ['down'] }), 5000);
      assert.deepEqual(sse, { value: { error: 'timeout reached while waiting for serverSideEmit responses', responses: [] } });
      const sseCallback = await settles(n0.call('serverSideEmitCallback', { event: 'greet', args: ['down'] }), 5000);
      assert.deepEqual(sseCallback, { value: { error: 'timeout reached while waiting for serverSideEmit responses', responses: [] } });
      assert.ok(Date.now() - started < 9000);
      assert.match(n0.output, /redis sub client: (Socket closed unexpectedly|connect ECONNREFUSED)/, 'the Redis error is logged');

      await redis.restart();
      // Rejoined: broadcasts cross in both directions again.
      for (let k = 0; !y.got('after').length || !x.got('after').length; k++) {
        if (k > 100) throw new Error('the fleet never rejoined after Redis returned');
        await n0.call('emit', { except: ['room'], event: 'after', args: ['n0'] });
        await n1.call('emit', { to: ['room'], event: 'after', args: ['n1'] });
        await sleep(100);
      }
      await fleet.waitForServerCount(2);
      const all = await settles(n0.call('fetchSockets', {}), 4000);
      assert.deepEqual(sorted(all.value.map((s) => s.data.name)), ['late', 'x', 'y']);
      assert.deepEqual(await n0.call('serverSideEmitWithAck', { event: 'greet', args: ['back'] }), { responses: ['n1 got back'] });
    } finally {
      await fleet.stop();
    }
  });
});

test('serverSideEmit with an ack on one node (in-memory adapter): socket.io never calls back, wsframe calls back with a timeout error', async () => {
  const { Server: SocketIoServer } = await import('socket.io');
  const { Server: WsframeServer } = await import('wsframe/socket.io');
  const warn = console.warn;
  const warnings = [];
  console.warn = (message) => warnings.push(message);
  try {
    const outcomes = await Promise.all(
      [SocketIoServer, WsframeServer].map(
        (Server) =>
          new Promise((resolve) => {
            const io = new Server();
            const started = Date.now();
            const timer = setTimeout(() => resolve({ called: false }), 7000);
            io.serverSideEmit('hello', (err, responses) => {
              clearTimeout(timer);
              resolve({ called: true, error: err?.message, responses, after: Date.now() - started });
            });
          }),
      ),
    );
    assert.deepEqual(outcomes[0], { called: false });
    const { after, ...wsframe } = outcomes[1];
    assert.deepEqual(wsframe, { called: true, error: 'timeout reached while waiting for serverSideEmit responses', responses: [] });
    assert.ok(after >= 5900 && after < 7000, `${after} ms`);
    assert.deepEqual(warnings, Array(2).fill('this adapter does not support the serverSideEmit() functionality'));
  } finally {
    console.warn = warn;
  }
});
