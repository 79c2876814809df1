// Types for `wsframe/node` imported as ESM: the same as ws's ESM wrapper
// (the WebSocket class as the default export, its parts by name).
import WebSocket from './node.cjs';

export default WebSocket;
export { WebSocket };
export declare const WebSocketServer: typeof WebSocket.WebSocketServer;
export type WebSocketServer = WebSocket.Server;
export declare const Server: typeof WebSocket.Server;
export type Server = WebSocket.Server;
export declare const createWebSocketStream: typeof WebSocket.createWebSocketStream;
export declare const connect: typeof WebSocket.connect;
export declare const createServer: typeof WebSocket.createServer;
export declare const SocketIoServer: typeof WebSocket.SocketIoServer;
export type SocketIoServer = WebSocket.SocketIoServer;
export declare const EngineIoServer: typeof WebSocket.EngineIoServer;
export type EngineIoServer = WebSocket.EngineIoServer;
export type {
  RawData,
  Data,
  WsError,
  ClientOptions,
  ServerOptions,
  PerMessageDeflateOptions,
  VerifyClientCallbackSync,
  VerifyClientCallbackAsync,
  Event,
  ErrorEvent,
  CloseEvent,
  MessageEvent,
} from './node.cjs';
