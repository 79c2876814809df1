// socket.io-adapter's in-memory `Adapter`, with the same maps, events and
// methods, whose membership also lives in the Rust core as small integers:
// a broadcast is one call there, encoded and framed once for every
// recipient. Other adapters extend this class, as they extend socket.io's.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { encodeArgs, encodeName } from './args.mjs';

// Room numbers are the core's u32s, shared by every namespace (a socket is
// in one namespace, so one number never mixes two): a deleted room's number
// is used again, so a long-running server never runs out.
let nextRoomId = 1;
const freeRoomIds = [];
const takeRoomId = () => freeRoomIds.pop() ?? nextRoomId++;

export class Adapter extends EventEmitter {
  /** The core's number for each room of this namespace. */
  #roomIds = new Map();
  /** The core's room every connected socket of the namespace is in. */
  #everyone = takeRoomId();

  constructor(nsp) {
    super();
    this.nsp = nsp;
    this.rooms = new Map();
    this.sids = new Map();
    this.encoder = nsp.server.encoder;
  }

  init() {}

  /** The namespace is gone (its sockets have left): its room numbers are free again, once. */
  close() {
    if (this.#everyone === undefined) return;
    freeRoomIds.push(...this.#roomIds.values(), this.#everyone);
    this.#roomIds.clear();
    this.#everyone = undefined;
  }

  serverCount() {
    return Promise.resolve(1);
  }

  get #core() {
    return this.nsp.server._engine?.core;
  }

  addAll(id, rooms) {
    if (!this.sids.has(id)) this.sids.set(id, new Set());
    const handle = this.nsp._handleOf(id);
    for (const room of rooms) {
      this.sids.get(id).add(room);
      if (!this.rooms.has(room)) {
        this.rooms.set(room, new Set());
        this.#roomIds.set(room, takeRoomId());
        this.emit('create-room', room);
      }
      if (!this.rooms.get(room).has(id)) {
        this.rooms.get(room).add(id);
        if (handle !== undefined) this.#core?.join(handle, this.#roomIds.get(room));
        this.emit('join-room', room, id);
      }
    }
  }

  del(id, room) {
    this.sids.get(id)?.delete(room);
    this._del(room, id);
  }

  _del(room, id) {
    const members = this.rooms.get(room);
    if (!members) return;
    if (members.delete(id)) {
      const handle = this.nsp._handleOf(id);
      if (handle !== undefined) this.#core?.leave(handle, this.#roomIds.get(room));
      this.emit('leave-room', room, id);
    }
    if (members.size === 0 && this.rooms.delete(room)) {
      freeRoomIds.push(this.#roomIds.get(room));
      this.#roomIds.delete(room);
      this.emit('delete-room', room);
    }
  }

  delAll(id) {
    const rooms = this.sids.get(id);
    if (!rooms) return;
    for (const room of rooms) this._del(room, id);
    this.sids.delete(id);
  }

  /** The socket joined the namespace (or left it): the core's "everyone" room. */
  _connected(handle) {
    if (this.#everyone !== undefined) this.#core?.join(handle, this.#everyone);
  }

  /** The core's rooms for a broadcast's `rooms` (all sockets when empty) and `except`. */
  #targets(opts) {
    const ids = (rooms) => [...(rooms ?? [])].map((room) => this.#roomIds.get(room)).filter((id) => id !== undefined);
    const everyone = this.#everyone === undefined ? [] : [this.#everyone];
    const rooms = opts.rooms?.size ? ids(opts.rooms) : everyone;
    return { rooms, except: ids(opts.except) };
  }

  /** Sends `packet` (an EVENT: `data` is [name, ...args]) once through the core; returns the count and ack id. */
  #send(packet, opts, wantAck) {
    const flags = opts.flags || {};
    packet.nsp = this.nsp.name;
    this.#notifyOutgoing(packet, opts);
    const { rooms, except } = this.#targets(opts);
    const core = this.#core;
    if (!core || rooms.length === 0) return { count: 0, ackId: undefined };
    const [name, ...args] = packet.data;
    const { json, attachments } = encodeArgs(args);
    const sent = core.broadcast(
      this.nsp.name,
      rooms,
      except,
      encodeName(name),
      json,
      attachments,
      Boolean(flags.volatile),
      wantAck,
      performance.now(),
    );
    this.nsp.server._engine.flushSoon();
    return sent;
  }

  #notifyOutgoing(packet, opts) {
    if (this.nsp._outgoing.size === 0) return;
    this.apply(opts, (socket) => socket.notifyOutgoingListeners?.(packet));
  }

  broadcast(packet, opts) {
    this.#send(packet, opts, false);
  }

  broadcastWithAck(packet, opts, clientCountCallback, ack) {
    const { count, ackId } = this.#send(packet, opts, true);
    packet.id = ackId;
    if (count > 0) this.nsp._broadcastAcks.set(ackId, ack);
    clientCountCallback(count);
  }

  sockets(rooms) {
    const sids = new Set();
    this.apply({ rooms }, (socket) => sids.add(socket.id));
    return Promise.resolve(sids);
  }

  socketRooms(id) {
    return this.sids.get(id);
  }

  fetchSockets(opts) {
    const sockets = [];
    this.apply(opts, (socket) => sockets.push(socket));
    return Promise.resolve(sockets);
  }

  addSockets(opts, rooms) {
    this.apply(opts, (socket) => socket.join(rooms));
  }

  delSockets(opts, rooms) {
    this.apply(opts, (socket) => rooms.forEach((room) => socket.leave(room)));
  }

  disconnectSockets(opts, close) {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  /** Calls `callback` with each connected socket matching `opts` once. */
  apply(opts, callback) {
    const except = this.computeExceptSids(opts.except);
    if (opts.rooms?.size) {
      const seen = new Set();
      for (const room of opts.rooms) {
        for (const id of this.rooms.get(room) ?? []) {
          if (seen.has(id) || except.has(id)) continue;
          const socket = this.nsp.sockets.get(id);
          if (socket) {
            callback(socket);
            seen.add(id);
          }
        }
      }
      return;
    }
    for (const [id] of this.sids) {
      if (except.has(id)) continue;
      const socket = this.nsp.sockets.get(id);
      if (socket) callback(socket);
    }
  }

  computeExceptSids(exceptRooms) {
    const sids = new Set();
    for (const room of exceptRooms ?? []) for (const id of this.rooms.get(room) ?? []) sids.add(id);
    return sids;
  }

  serverSideEmit() {
    // As socket.io's in-memory adapter: one node has nobody to tell.
    console.warn('this adapter does not support the serverSideEmit() functionality');
  }

  persistSession() {}

  restoreSession() {
    return null;
  }
}
