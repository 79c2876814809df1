// `wsframe/node`: ws 8's API on the wsframe core. As with ws, the module is
// the WebSocket class, carrying the rest as properties; wsframe's extras
// (`connect`, `createServer`, the Socket.IO server) are further properties.
import { createWebSocketStream } from './stream.mjs';
import { WebSocket } from './websocket.mjs';
import { WebSocketServer } from './websocket-server.mjs';
import { SocketIoServer, IoSocket } from '../socketio-server.mjs';

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
WebSocket.IoSocket = IoSocket;

export { WebSocket, WebSocketServer, WebSocketServer as Server, createWebSocketStream, SocketIoServer, IoSocket };
export default WebSocket;
