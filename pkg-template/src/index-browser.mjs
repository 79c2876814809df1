// Browser and bundler entry: `await init()` once before using the API.
// init fetches wsframe_bg.wasm from next to web/wsframe.js (or takes a
// URL, Response, bytes or WebAssembly.Module); initSync takes bytes or a module.
import wasmInit, { initSync as wasmInitSync } from './web/wsframe.js';
import * as wasm from './web/wsframe.js';
import { setRaw } from './raw.mjs';

setRaw(wasm);
export * from './api.mjs';

let ready;
export default function init(input) {
  ready ??= wasmInit(input === undefined ? undefined : { module_or_path: input });
  return ready.then(() => undefined);
}

export function initSync(module) {
  wasmInitSync({ module });
}
