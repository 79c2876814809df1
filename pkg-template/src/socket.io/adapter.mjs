// socket.io-adapter's in-memory `Adapter`, with the same maps, events and
// methods, whose membership also lives in the Rust core (the namespace's
// `CoreRooms`): a broadcast is one call there, encoded and framed once for
// every recipient. Adapters may extend this class, as they extend
// socket.io-adapter's (see foreign-adapter.mjs for those).
import { EventEmitter } from 'node:events';

export class Adapter extends EventEmitter {
  constructor(nsp) {
    super();
    this.nsp = nsp;
    this.rooms = new Map();
    this.sids = new Map();
    this.encoder = nsp.server.encoder;
  }

  init() {}

  close() {}

  serverCount() {
    return Promise.resolve(1);
  }

  addAll(id, rooms) {
    if (!this.sids.has(id)) this.sids.set(id, new Set());
    for (const room of rooms) {
      this.sids.get(id).add(room);
      if (!this.rooms.has(room)) {
        this.rooms.set(room, new Set());
        this.emit('create-room', room);
      }
      if (!this.rooms.get(room).has(id)) {
        this.rooms.get(room).add(id);
        this.nsp._coreRooms.join(id, room);
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
      this.nsp._coreRooms.leave(id, room);
      this.emit('leave-room', room, id);
    }
    if (members.size === 0 && this.rooms.delete(room)) {
      this.nsp._coreRooms.drop(room);
      this.emit('delete-room', room);
    }
  }

  delAll(id) {
    const rooms = this.sids.get(id);
    if (!rooms) return;
    for (const room of rooms) this._del(room, id);
    this.sids.delete(id);
  }

  #notifyOutgoing(packet, opts) {
    if (this.nsp._outgoing.size === 0) return;
    this.apply(opts, (socket) => socket.notifyOutgoingListeners?.(packet));
  }

  broadcast(packet, opts) {
    packet.nsp = this.nsp.name;
    this.#notifyOutgoing(packet, opts);
    this.nsp._coreRooms.send(packet, opts);
  }

  broadcastWithAck(packet, opts, clientCountCallback, ack) {
    packet.nsp = this.nsp.name;
    // One id for every recipient: the namespace's counter is shared, so
    // it never meets another pending ack (as socket.io).
    packet.id = this.nsp._ids++;
    this.#notifyOutgoing(packet, opts);
    const count = this.nsp._coreRooms.send(packet, opts, packet.id);
    if (count > 0) this.nsp._broadcastAcks.set(packet.id, ack);
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

/**
 * A new packet offset: unique in this process and in time order (the
 * client only echoes it back; socket.io-adapter's are time-based too).
 */
let lastOffsetTime = 0;
let offsetsThisMillisecond = 0;
function nextOffset() {
  const time = Date.now();
  if (time === lastOffsetTime) return `${time.toString(36)}.${(offsetsThisMillisecond++).toString(36)}`;
  lastOffsetTime = time;
  offsetsThisMillisecond = 0;
  return time.toString(36);
}

/** Whether a stored broadcast was meant for a socket in `rooms`. */
function reaches(rooms, opts) {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  return included && rooms.every((room) => !opts.except.has(room));
}

/**
 * socket.io-adapter's SessionAwareAdapter (the default with
 * `connectionStateRecovery`): every stored event gets an offset as its last
 * argument, the client echoes the last one it saw when it reconnects, and
 * what it missed is sent again. Events with an ack or `volatile` are not
 * stored, as in socket.io. Sessions and packets older than
 * `maxDisconnectionDuration` are dropped once a minute.
 */
export class SessionAwareAdapter extends Adapter {
  constructor(nsp) {
    super(nsp);
    this.sessions = new Map();
    this.packets = [];
    this.maxDisconnectionDuration = nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
    const timer = setInterval(() => this.#dropExpired(Date.now() - this.maxDisconnectionDuration), 60 * 1000);
    timer.unref();
  }

  #dropExpired(threshold) {
    for (const [pid, session] of this.sessions) if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    // Packets are in time order: drop up to the last expired one.
    let expired = 0;
    while (expired < this.packets.length && this.packets[expired].emittedAt < threshold) expired++;
    if (expired > 0) this.packets.splice(0, expired);
  }

  persistSession(session) {
    session.disconnectedAt = Date.now();
    this.sessions.set(session.pid, session);
  }

  restoreSession(pid, offset) {
    const session = this.sessions.get(pid);
    if (!session) return null;
    if (session.disconnectedAt + this.maxDisconnectionDuration < Date.now()) {
      this.sessions.delete(pid);
      return null;
    }
    const index = this.packets.findIndex((packet) => packet.id === offset);
    // An offset no longer held (or never given): the state cannot be rebuilt.
    if (index === -1) return null;
    const missedPackets = [];
    for (let i = index + 1; i < this.packets.length; i++) {
      if (reaches(session.rooms, this.packets[i].opts)) missedPackets.push(this.packets[i].data);
    }
    return Promise.resolve({ ...session, missedPackets });
  }

  broadcast(packet, opts) {
    // An ack cannot be carried over to a later connection; volatile
    // packets may be lost by definition.
    if (packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined) {
      const id = nextOffset();
      packet.data.push(id);
      this.packets.push({ id, opts, data: packet.data, emittedAt: Date.now() });
    }
    super.broadcast(packet, opts);
  }
}
