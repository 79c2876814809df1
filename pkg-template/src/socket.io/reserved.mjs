// Event names an application may not emit, as socket.io reserves them.

/** For `socket.emit` and broadcasts (socket.io's socket-types). */
export const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** For `serverSideEmit` (socket.io's namespace). */
export const NAMESPACE_RESERVED_EVENTS = new Set(['connect', 'connection', 'new_namespace']);
