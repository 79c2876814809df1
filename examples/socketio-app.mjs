// The application of examples/socketio-server.mjs, written against
// socket.io's API only: the protocol tests run this same code on socket.io
// 4.8 (tests/js/reference-server.mjs) and on wsframe/socket.io.

/** On connect, "auth" with the CONNECT payload; "message" → "message-back"; "message-with-ack" acknowledged. */
export function onConnection(socket) {
  socket.emit('auth', socket.handshake.auth);
  socket.on('message', (...args) => socket.emit('message-back', ...args));
  socket.on('message-with-ack', (...args) => {
    const ack = args.pop();
    ack(...args);
  });
}

/** The app on a Server: namespaces "/" and "/custom". */
export function serveApp(io) {
  io.on('connection', onConnection);
  io.of('/custom').on('connection', onConnection);
}
