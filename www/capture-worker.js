// Decodes capture files off the page's thread: a 100 MB pcapng is read,
// reassembled and summarised here while the page stays responsive. The
// wsframe core does the work (CaptureFile, inspectHar); this moves
// requests and answers.
import init, * as w from './lib/browser.mjs';

const ready = init();
let capture = null;

const handlers = {
  async open({ id, bytes }) {
    capture?.free();
    capture = null;
    // Progress goes out while the core is still reading: the page draws it meanwhile.
    const onProgress = (fraction) => self.postMessage({ id, progress: fraction });
    capture = new w.CaptureFile(new Uint8Array(bytes), { onProgress });
    return capture.summary();
  },
  async inspect({ index, options }) {
    return capture.inspect(index, options);
  },
  async segments({ index }) {
    return capture.segments(index);
  },
  /** The worker's wasm memory, in bytes (it holds the file's connections). */
  async memory() {
    return w.wasmMemorySize();
  },
  async har({ text }) {
    capture?.free();
    capture = null;
    return w.inspectHar(text);
  },
};

self.onmessage = async ({ data }) => {
  const { id, op, ...request } = data;
  try {
    await ready;
    self.postMessage({ id, value: await handlers[op]({ id, ...request }) });
  } catch (err) {
    self.postMessage({ id, error: err?.message ?? String(err) });
  }
};
