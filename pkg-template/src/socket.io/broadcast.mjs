// socket.io's BroadcastOperator (`io.to(room)`, `socket.broadcast`, …) and
// RemoteSocket: immutable selections of sockets, carried out by the adapter.
import { requestDeadline, withDeadline } from './deadline.mjs';
import { RESERVED_EVENTS } from './reserved.mjs';

const TIMEOUT_MESSAGE = 'operation has timed out';

/**
 * The promise form of a call taking `(err, responses)` last: it resolves
 * with the responses, or rejects with the error carrying them.
 */
export function promiseOfResponses(call) {
  return new Promise((resolve, reject) => {
    call((err, responses) => {
      if (err) {
        err.responses = responses;
        reject(err);
      } else {
        resolve(responses);
      }
    });
  });
}

export class BroadcastOperator {
  constructor(adapter, rooms = new Set(), exceptRooms = new Set(), flags = {}) {
    this.adapter = adapter;
    this.rooms = rooms;
    this.exceptRooms = exceptRooms;
    this.flags = flags;
  }

  #with({ rooms = this.rooms, exceptRooms = this.exceptRooms, flags = this.flags }) {
    return new BroadcastOperator(this.adapter, rooms, exceptRooms, flags);
  }

  to(room) {
    const rooms = new Set(this.rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return this.#with({ rooms });
  }

  in(room) {
    return this.to(room);
  }

  except(room) {
    const exceptRooms = new Set(this.exceptRooms);
    for (const r of Array.isArray(room) ? room : [room]) exceptRooms.add(r);
    return this.#with({ exceptRooms });
  }

  compress(compress) {
    return this.#with({ flags: { ...this.flags, compress } });
  }

  get volatile() {
    return this.#with({ flags: { ...this.flags, volatile: true } });
  }

  get local() {
    return this.#with({ flags: { ...this.flags, local: true } });
  }

  timeout(timeout) {
    return this.#with({ flags: { ...this.flags, timeout } });
  }

  #opts() {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }

  emit(ev, ...args) {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const packet = { type: 2, data: [ev, ...args] };
    const ack = typeof args[args.length - 1] === 'function' ? packet.data.pop() : null;
    if (!ack) {
      this.adapter.broadcast(packet, this.#opts());
      return true;
    }
    const single = Boolean(this.flags.expectSingleResponse);
    const responses = [];
    let timedOut = false;
    let expectedServers = -1;
    let servers = 0;
    let expectedClients = 0;
    const timer = setTimeout(() => {
      timedOut = true;
      if (packet.id !== undefined) {
        this.adapter.nsp._broadcastAcks.delete(packet.id);
        for (const socket of this.adapter.nsp.sockets.values()) socket._forgetAck(packet.id);
      }
      ack.call(this, new Error(TIMEOUT_MESSAGE), single ? null : responses);
    }, this.flags.timeout);
    const complete = () => {
      if (timedOut || expectedServers !== servers || responses.length !== expectedClients) return;
      clearTimeout(timer);
      if (packet.id !== undefined) this.adapter.nsp._broadcastAcks.delete(packet.id);
      ack.call(this, null, single ? responses[0] : responses);
    };
    this.adapter.broadcastWithAck(
      packet,
      this.#opts(),
      (clientCount) => {
        expectedClients += clientCount;
        servers++;
        complete();
      },
      (response) => {
        responses.push(response);
        complete();
      },
    );
    this.adapter.serverCount().then((count) => {
      expectedServers = count;
      complete();
    });
    return true;
  }

  emitWithAck(ev, ...args) {
    return promiseOfResponses((callback) => this.emit(ev, ...args, callback));
  }

  allSockets() {
    if (!this.adapter) {
      throw new Error('No adapter for this namespace, are you trying to get the list of clients of a dynamic namespace?');
    }
    return withDeadline(
      this.adapter.sockets(this.rooms),
      requestDeadline(this.adapter, this.flags),
      'timeout reached while waiting for sockets response',
    );
  }

  fetchSockets() {
    return withDeadline(
      this.adapter.fetchSockets(this.#opts()),
      requestDeadline(this.adapter, this.flags),
      'timeout reached while waiting for fetchSockets response',
    ).then((sockets) => sockets.map((socket) => (socket.server ? socket : new RemoteSocket(this.adapter, socket))));
  }

  socketsJoin(room) {
    this.adapter.addSockets(this.#opts(), Array.isArray(room) ? room : [room]);
  }

  socketsLeave(room) {
    this.adapter.delSockets(this.#opts(), Array.isArray(room) ? room : [room]);
  }

  disconnectSockets(close = false) {
    this.adapter.disconnectSockets(this.#opts(), close);
  }
}

/** A socket on another node, as `fetchSockets()` gives it. */
export class RemoteSocket {
  constructor(adapter, details) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    // A single answer, as `socket.emit` with an ack gives.
    this.operator = new BroadcastOperator(adapter, new Set([this.id]), new Set(), { expectSingleResponse: true });
  }

  timeout(timeout) {
    return this.operator.timeout(timeout);
  }

  emit(ev, ...args) {
    return this.operator.emit(ev, ...args);
  }

  join(room) {
    return this.operator.socketsJoin(room);
  }

  leave(room) {
    return this.operator.socketsLeave(room);
  }

  disconnect(close = false) {
    this.operator.disconnectSockets(close);
    return this;
  }
}
