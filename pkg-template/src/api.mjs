// The `wsframe` package's API over the raw wasm bindings, one module per
// concern. Protocol rules all live in the Rust core.
export { WsframeError, toBytes, wasmMemorySize } from './memory.mjs';
export * from './codec.mjs';
export * from './engineio-v3.mjs';
export * from './socketio-tools.mjs';
export * from './server-core.mjs';
export * from './inspector.mjs';
export * from './trap.mjs';
