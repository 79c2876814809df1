// Adapters written for socket.io (`@socket.io/redis-adapter`,
// `@socket.io/cluster-adapter`, …) extend socket.io-adapter's `Adapter`,
// whose local broadcast encodes the packet once (`_encode`) and then writes
// it to each matching socket (`apply`). Such an adapter keeps its own room
// maps; this ties one to the namespace's core rooms, so that its local
// broadcasts, its own or another node's, go out through the core framed
// once, as the built-in adapter's do.
import { SENT_BY_CORE } from './core-rooms.mjs';

/**
 * Ties `adapter` (an instance of socket.io-adapter's class, or of one
 * extending it) to `nsp`'s core rooms.
 */
export function bridgeForeignAdapter(adapter, nsp) {
  const rooms = nsp._coreRooms;
  // socket.io-adapter announces every change of its maps.
  adapter.on('join-room', (room, id) => rooms.join(id, room));
  adapter.on('leave-room', (room, id) => rooms.leave(id, room));
  adapter.on('delete-room', (room) => rooms.drop(room));

  // `broadcast` and `broadcastWithAck` call `_encode(packet)` and then
  // `apply(opts, writeToEachSocket)` at once: the packet waits here for the
  // `opts` that select its recipients. Any other `apply` (fetchSockets,
  // addSockets, …) runs as written.
  let encoded = null;
  const applyEach = adapter.apply;
  adapter._encode = (packet) => {
    encoded = packet;
    return SENT_BY_CORE;
  };
  adapter.apply = function apply(opts, callback) {
    const packet = encoded;
    encoded = null;
    if (packet === null) return applyEach.call(this, opts, callback);
    rooms.send(packet, opts, packet.id);
    // The per-socket step still counts the recipients and registers the
    // ack (broadcastWithAck) and tells `onAnyOutgoing` listeners; its
    // write finds SENT_BY_CORE and does nothing.
    if (packet.id !== undefined || nsp._outgoing.size > 0) applyEach.call(this, opts, callback);
    return undefined;
  };
}
