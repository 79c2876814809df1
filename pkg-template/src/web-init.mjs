// `init` and `initSync` for the entries built on a web-target wasm module.

/** The entry's loaders over wasm-bindgen's: `init` runs once however often it is called. */
export function loaders(wasmInit, wasmInitSync) {
  let ready;
  return {
    init(input) {
      ready ??= wasmInit(input === undefined ? undefined : { module_or_path: input });
      return ready.then(() => undefined);
    },
    initSync(module) {
      wasmInitSync({ module });
    },
  };
}
