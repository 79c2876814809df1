// Node entry (bundled to index.cjs; index.mjs re-exports it for `import`).
// The nodejs wasm build loads its .wasm synchronously: no init call needed.
import * as wasm from './node/wsframe.js';
import { setRaw } from './raw.mjs';

setRaw(wasm);
export * from './api.mjs';
