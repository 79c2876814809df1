// Browser and bundler entry: `await init()` once before using the API.
// init fetches wsframe_bg.wasm from next to web/wsframe.js (or takes a
// URL, Response, bytes or WebAssembly.Module); initSync takes bytes or a module.
import wasmInit, { initSync as wasmInitSync } from './web/wsframe.js';
import * as wasm from './web/wsframe.js';
import { setRaw } from './raw.mjs';
import { loaders } from './web-init.mjs';

setRaw(wasm);
export * from './api.mjs';

const { init, initSync } = loaders(wasmInit, wasmInitSync);

export { initSync };
export default init;
