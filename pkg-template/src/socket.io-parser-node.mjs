// wsframe/socket.io-parser for Node.
import * as wasm from './node/wsframe.js';
import { setRaw } from './raw.mjs';

setRaw(wasm);
export * from './socketio-parser.mjs';
