// The wasm-bindgen module this build runs on (the Node or the web build),
// set once by the entry point before any API call.
export let raw;

export function setRaw(module) {
  // A plain copy: a bundled namespace object reads each export through a
  // getter, which hot paths would pay on every call.
  raw = { ...module };
}
