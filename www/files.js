// Files dropped on or picked in the page: a pcap/pcapng capture or a HAR
// export goes to the capture worker; anything else is text for the dump
// boxes. The kind comes from the content (magic numbers, JSON shape), not
// the name. Also: what the export buttons write.

import { fileKind } from './lib/browser.mjs';

/** 'capture', 'har' or 'text', from the first bytes (the core's sniffing). */
export function kindOf(bytes) {
  const kind = fileKind(bytes);
  return kind === 'pcap' || kind === 'pcapng' ? 'capture' : kind;
}

/** The capture worker, one request at a time answered by promise. */
export class CaptureWorker {
  #worker = new Worker(new URL('./capture-worker.js', import.meta.url), { type: 'module' });
  #pending = new Map();
  #next = 0;

  constructor() {
    this.#worker.onmessage = ({ data }) => {
      const pending = this.#pending.get(data.id);
      if (data.progress !== undefined) {
        pending?.onProgress?.(data.progress);
        return;
      }
      this.#pending.delete(data.id);
      if (data.error !== undefined) pending?.reject(new Error(data.error));
      else pending?.resolve(data.value);
    };
  }

  #call(op, request, transfer = [], onProgress = undefined) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, op, ...request }, transfer);
    });
  }

  /**
   * Reads a capture file (its ArrayBuffer moves to the worker); resolves
   * with its summary, telling `onProgress(fraction)` how far it has come.
   */
  open(buffer, onProgress) {
    return this.#call('open', { bytes: buffer }, [buffer], onProgress);
  }

  inspect(index, options) {
    return this.#call('inspect', { index, options });
  }

  segments(index) {
    return this.#call('segments', { index });
  }

  har(text) {
    return this.#call('har', { text });
  }

  memory() {
    return this.#call('memory', {});
  }
}

/** Reads a File with progress (0..1) reported to `onProgress`. */
export function readWithProgress(file, onProgress) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(file);
  });
}

/**
 * A connection's segments as Wireshark's "Follow TCP Stream" hex dump (the
 * client's lines at the margin, the server's indented by four spaces, each
 * direction with its own offsets), which this page and Wireshark's users
 * read back.
 */
export function hexDump(segments) {
  const lines = [];
  const offsets = { client: 0, server: 0 };
  for (const segment of segments) {
    const indent = segment.dir === 'client' ? '' : '    ';
    const bytes = segment.bytes;
    for (let at = 0; at < bytes.length; at += 16) {
      const row = bytes.subarray(at, at + 16);
      const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
      const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(`${indent}${(offsets[segment.dir] + at).toString(16).padStart(8, '0')}  ${hex.padEnd(47)}   ${ascii}`);
    }
    offsets[segment.dir] += bytes.length;
  }
  return `${lines.join('\n')}\n`;
}

/** Offers `text` as a download named `name`. */
export function download(name, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
