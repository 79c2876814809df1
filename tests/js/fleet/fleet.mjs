// A Socket.IO fleet for tests: node processes (socket.io's or wsframe's
// Server, see node.mjs) on one Redis, and socket.io-client clients spread
// over them that log every event they get and answer acks.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import { plain } from './values.mjs';

const NODE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node.mjs');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every 10 ms; rejects with `what` after `ms`. */
export async function waitFor(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** One node process. `call(op, request)` makes a socket.io call there and resolves with its value. */
class FleetNode {
  #pending = new Map();
  #nextId = 0;
  output = '';
  serverSideEmits = [];

  constructor(impl, name, redisUrl, mode) {
    this.impl = impl;
    this.name = name;
    this.child = fork(NODE_SCRIPT, [impl, redisUrl, mode, name], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child.stdout.on('data', (chunk) => (this.output += chunk));
    this.child.stderr.on('data', (chunk) => (this.output += chunk));
    this.listening = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`node ${name} exited (${code}): ${this.output}`)));
      this.child.on('message', (message) => {
        if (message.event === 'listening') {
          this.url = `http://127.0.0.1:${message.port}`;
          resolve();
        } else if (message.event === 'serverSideEmit') {
          this.serverSideEmits.push(message.args);
        } else if (this.#pending.has(message.id)) {
          const { resolve: done, reject: fail } = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          if (message.error !== undefined) fail(new Error(`${name}: ${message.error}`));
          else done(message.value);
        }
      });
    });
    this.listening.catch(() => {});
  }

  call(op, request = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.send({ ...request, id, op });
    });
  }

  async kill(signal = 'SIGKILL') {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}

/** A client of one node: `log` holds [event, ...args] as received. */
class FleetClient {
  log = [];

  constructor(node, name, nsp, transports) {
    this.node = node;
    this.name = name;
    this.nsp = nsp;
    this.socket = connectClient(`${node.url}${nsp}`, {
      transports,
      forceNew: true,
      reconnection: false,
      auth: { name },
    });
    this.socket.onAny((event, ...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      this.log.push([event, ...plain(args)]);
    });
    this.socket.on('question', (...args) => {
      const ack = args.pop();
      ack(`${name}:${args[0]}`);
    });
    this.disconnectReason = null;
    this.socket.on('disconnect', (reason) => (this.disconnectReason = reason));
  }

  async ready() {
    await new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
    });
    const engine = this.socket.io.engine;
    if (engine.transport.name !== 'websocket' && this.socket.io.opts.transports.includes('websocket')) {
      await new Promise((resolve) => engine.once('upgrade', resolve));
    }
  }

  /** The events named `event` received so far (without the name). */
  got(event) {
    return this.log.filter(([name]) => name === event).map(([, ...args]) => args);
  }

  join(rooms) {
    return this.socket.timeout(5000).emitWithAck('join', rooms);
  }
}

export class Fleet {
  nodes = [];
  clients = [];
  #fence = 0;

  /** Starts one node per entry of `impls` ('socket.io' or 'wsframe'), all on `redis`. */
  static async start(impls, redis, mode = 'classic') {
    const fleet = new Fleet();
    fleet.nodes = impls.map((impl, i) => new FleetNode(impl, `n${i}`, redis.url, mode));
    await Promise.all(fleet.nodes.map((node) => node.listening));
    // Every node subscribed: a request from one then waits for all the others.
    await fleet.waitForServerCount(impls.length);
    return fleet;
  }

  async waitForServerCount(count, ms = 10_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const counts = await Promise.all(this.alive().map((node) => node.call('serverCount')));
      if (counts.every((n) => n === count)) return;
      if (Date.now() > deadline) throw new Error(`server counts ${counts}, expected ${count}`);
      await sleep(50);
    }
  }

  alive() {
    return this.nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  }

  /** Connects a client named `name` to `node`. */
  async connect(node, name, { nsp = '/', transports = ['polling', 'websocket'] } = {}) {
    const client = new FleetClient(node, name, nsp, transports);
    this.clients.push(client);
    await client.ready();
    return client;
  }

  client(name) {
    return this.clients.find((client) => client.name === name);
  }

  /**
   * Sends a numbered `fence` event from `node` to every client of both
   * namespaces and waits until each connected one has it: whatever `node`
   * broadcast before has then arrived everywhere it was going to.
   */
  async fence(node) {
    const k = this.#fence++;
    const waiting = this.clients.filter((client) => client.socket.connected && client.node.child.exitCode === null);
    await Promise.all(['/', '/admin'].map((nsp) => node.call('emit', { nsp, event: 'fence', args: [k] })));
    await waitFor(
      () => waiting.every((client) => client.got('fence').some(([n]) => n === k)),
      `fence ${k} from ${node.name}`,
    );
  }

  async stop() {
    for (const client of this.clients) client.socket.close();
    await Promise.all(this.nodes.map((node) => node.kill()));
  }
}
