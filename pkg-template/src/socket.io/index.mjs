// `wsframe/socket.io`: socket.io 4's server API on the wsframe core.
export { Server } from './server.mjs';
export { Namespace } from './namespace.mjs';
export { Socket } from './socket.mjs';
export { BroadcastOperator, RemoteSocket } from './broadcast.mjs';
export { Adapter, SessionAwareAdapter } from './adapter.mjs';
// wsframe's extra: raw Engine.IO with engine.io's shape.
export { EngineIoServer } from './engine-server.mjs';
