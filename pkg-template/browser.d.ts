// Types for `wsframe` in browsers and bundlers: the same API as in Node,
// usable once `init()` has resolved.
export * from './index';

/**
 * Loads the WebAssembly module. Without an argument it fetches
 * `web/wsframe_bg.wasm` next to the package's web build; or pass a URL,
 * a Response, the bytes, or a compiled WebAssembly.Module.
 */
export default function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** Instantiates synchronously from the bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;
