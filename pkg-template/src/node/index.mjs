// `wsframe/node`: ws 8's API on the wsframe core. As with ws, the module is
// the WebSocket class, carrying the rest as properties; wsframe's extras
// (`connect`, `createServer`, the Socket.IO server) are further properties.
import { createWebSocketStream } from './stream.mjs';
import { WebSocket } from './websocket.mjs';
import { WebSocketServer } from './websocket-server.mjs';
// The package's own module, not a copy: one Socket.IO server implementation.
import { Server as SocketIoServer, EngineIoServer } from 'wsframe/socket.io';

/** wsframe's shorthand for `new WebSocket(address, protocols, options)`. */
export function connect(address, protocols, options) {
  return new WebSocket(address, protocols, options);
}

/** wsframe's shorthand for `new WebSocketServer(options, callback)`. */
export function createServer(options, callback) {
  return new WebSocketServer(options, callback);
}

WebSocket.createWebSocketStream = createWebSocketStream;
WebSocket.Server = WebSocketServer;
WebSocket.WebSocket = WebSocket;
WebSocket.WebSocketServer = WebSocketServer;
WebSocket.connect = connect;
WebSocket.createServer = createServer;
WebSocket.SocketIoServer = SocketIoServer;
WebSocket.EngineIoServer = EngineIoServer;

export { WebSocket, WebSocketServer, WebSocketServer as Server, createWebSocketStream, SocketIoServer, EngineIoServer };
export default WebSocket;
