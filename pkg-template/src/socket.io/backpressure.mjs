// A client that does not read what the server writes: past `limit` bytes
// waiting in its socket, the server stops reading from it (an echoing app
// then stops producing for it) and tells the core, which skips it for
// volatile packets and drops it unless it drains within pingTimeout; past
// four times `limit`, it is dropped at once.

export const OVERFLOW_FACTOR = 4;

/** Checks `socket` after a write; `report(level)` gets 1 (backlogged) or 2 (overflowing), then 0 on drain. */
export function checkBacklog(socket, limit, report) {
  const waiting = socket.writableLength;
  if (waiting <= limit || socket.destroyed) return;
  if (waiting > limit * OVERFLOW_FACTOR) {
    report(2);
    return;
  }
  if (socket.isPaused()) return;
  socket.pause();
  report(1);
  socket.once('drain', () => {
    socket.resume();
    report(0);
  });
}
