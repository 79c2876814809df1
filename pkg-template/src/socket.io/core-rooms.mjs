// A namespace's rooms as the Rust core knows them: small integers, so a
// broadcast is one call there, encoded and framed once for every recipient.
// Whichever adapter keeps the room maps (ours, or one written for
// socket.io), this keeps the core's membership in step with them.
import { performance } from 'node:perf_hooks';
import { encodeArgs, encodeName } from './args.mjs';

// Room numbers are the core's u32s, shared by every namespace (a socket is
// in one namespace, so one number never mixes two): a deleted room's number
// is used again, so a long-running server never runs out.
let nextRoomId = 1;
const freeRoomIds = [];
const takeRoomId = () => freeRoomIds.pop() ?? nextRoomId++;

/**
 * What an adapter's encoding step returns when the core has already sent
 * the packet: the per-socket write that follows has nothing left to do.
 */
export const SENT_BY_CORE = Object.freeze([]);

/** socket.io's packet types a broadcast carries: EVENT and BINARY_EVENT. */
const EVENT = 2;
const BINARY_EVENT = 5;

export class CoreRooms {
  /** The core's number for each room of the namespace. */
  #ids = new Map();
  /** The core's room every connected socket of the namespace is in. */
  #everyone = takeRoomId();

  constructor(nsp) {
    this.nsp = nsp;
  }

  get #core() {
    return this.nsp.server._engine?.core;
  }

  /** The socket (by id) is now in `room`. */
  join(id, room) {
    const handle = this.nsp._handleOf(id);
    if (handle === undefined || this.#everyone === undefined) return;
    let roomId = this.#ids.get(room);
    if (roomId === undefined) {
      roomId = takeRoomId();
      this.#ids.set(room, roomId);
    }
    this.#core?.join(handle, roomId);
  }

  /** The socket (by id) has left `room`. */
  leave(id, room) {
    const handle = this.nsp._handleOf(id);
    const roomId = this.#ids.get(room);
    if (handle !== undefined && roomId !== undefined) this.#core?.leave(handle, roomId);
  }

  /** `room` has no members left: its number is free again. */
  drop(room) {
    const roomId = this.#ids.get(room);
    if (roomId === undefined) return;
    this.#ids.delete(room);
    freeRoomIds.push(roomId);
  }

  /** The socket (by core handle) joined the namespace. */
  connected(handle) {
    if (this.#everyone !== undefined) this.#core?.join(handle, this.#everyone);
  }

  /**
   * The namespace is gone, or has another adapter: every member leaves the
   * core's rooms (`rooms` is the adapter's room → socket ids map), and the
   * numbers are free again, once.
   */
  close(rooms) {
    if (this.#everyone === undefined) return;
    const core = this.#core;
    if (core) {
      for (const [room, ids] of rooms ?? []) {
        const roomId = this.#ids.get(room);
        if (roomId === undefined) continue;
        for (const id of ids) {
          const handle = this.nsp._handleOf(id);
          if (handle !== undefined) core.leave(handle, roomId);
        }
      }
      for (const socket of this.nsp.sockets.values()) core.leave(socket._handle, this.#everyone);
    }
    freeRoomIds.push(...this.#ids.values(), this.#everyone);
    this.#ids.clear();
    this.#everyone = undefined;
  }

  /** The core's rooms for a broadcast's `rooms` (everyone when empty) and `except`. */
  #targets(opts) {
    const ids = (rooms) => {
      const out = [];
      for (const room of rooms ?? []) {
        const id = this.#ids.get(room);
        if (id !== undefined) out.push(id);
      }
      return out;
    };
    const everyone = this.#everyone === undefined ? [] : [this.#everyone];
    return { rooms: opts.rooms?.size ? ids(opts.rooms) : everyone, except: ids(opts.except) };
  }

  /**
   * Sends `packet` (an EVENT: `data` is [name, ...args]) to the sockets
   * `opts` selects, through the core, each asked for an ack of `ackId` when
   * given. Returns how many sockets it went to.
   */
  send(packet, opts, ackId) {
    if (packet.type !== EVENT && packet.type !== BINARY_EVENT) {
      throw new TypeError(`wsframe/socket.io broadcasts events only (packet type ${packet.type})`);
    }
    const core = this.#core;
    const { rooms, except } = this.#targets(opts);
    if (!core || rooms.length === 0) return 0;
    const volatile = Boolean(opts.flags?.volatile);
    const compress = opts.flags?.compress !== false;
    const wire = this.nsp.server._wire;
    let count;
    if (wire) {
      // Encoded once by the application's parser, as socket.io-adapter does.
      const messages = wire.encode(packet);
      count = core.broadcastEncoded(this.nsp.name, rooms, except, messages, volatile, ackId, performance.now(), compress);
    } else {
      const [name, ...args] = packet.data;
      const { json, attachments } = encodeArgs(args);
      count = core.broadcast(this.nsp.name, rooms, except, encodeName(name), json, attachments, volatile, ackId, performance.now(), compress);
    }
    this.nsp.server._engine.flushSoon();
    return count;
  }
}
