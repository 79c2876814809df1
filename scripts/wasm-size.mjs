// Where a wasm build's bytes go: its sections, and its code by crate (from
// the function names cargo leaves in target/, before wasm-bindgen and
// wasm-opt strip them, so the crate shares are of the unoptimised code).
import { readFileSync } from 'node:fs';

const SECTIONS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

function reader(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  return {
    done: () => at >= bytes.length,
    leb,
    byte: () => bytes[at++],
    skip: (n) => (at += n),
    text: (n) => new TextDecoder().decode(bytes.subarray(at, (at += n))),
    get at() {
      return at;
    },
    set at(value) {
      at = value;
    },
  };
}

/** Section sizes in bytes, by name (custom sections by their own names). */
export function sections(bytes) {
  const r = reader(bytes);
  const sizes = {};
  while (!r.done()) {
    const id = r.byte();
    const length = r.leb();
    const end = r.at + length;
    let name = SECTIONS[id] ?? `unknown ${id}`;
    if (id === 0) name = `custom ${r.text(r.leb())}`;
    sizes[name] = (sizes[name] ?? 0) + length;
    r.at = end;
  }
  return sizes;
}

/** The crate a (legacy or v0) mangled Rust symbol belongs to. */
function crateOf(symbol) {
  // Type descriptions for the wasm-bindgen CLI, which removes them (the
  // `WasmDescribe::describe` impls too: js-sys has hundreds).
  if (symbol.startsWith('__wbindgen_describe') || /WasmDescribe.*describe/.test(symbol)) return null;
  if (/^(__wbg_|__wbindgen|__externref)/.test(symbol)) return '(wasm-bindgen glue)';
  // `#[wasm_bindgen]` export wrappers: `name_<hash>`.
  if (/^[a-z0-9_]+_[0-9a-f]{16}$/i.test(symbol)) return '(exports)';
  const legacy = /^_ZN(\d+)(.*)$/.exec(symbol);
  if (legacy) {
    const first = legacy[2].slice(0, Number(legacy[1]));
    // `<T as crate::Trait>` impls: name the crate of the type.
    const impl = /^_\$LT\$([a-z_][a-z0-9_]*)\.\./.exec(first);
    return impl ? impl[1] : first;
  }
  const v0 = /C[sh][0-9A-Za-z_]*?_(\d+)([a-z_][a-z0-9_]*)/.exec(symbol);
  if (v0) return v0[2].slice(0, Number(v0[1]));
  return '(other)';
}

/** Code bytes per crate, from the function names in the name section. */
export function codeByCrate(bytes) {
  const r = reader(bytes);
  let imported = 0;
  const bodies = [];
  const names = new Map();
  while (!r.done()) {
    const id = r.byte();
    const length = r.leb();
    const end = r.at + length;
    if (id === 2) {
      for (let n = r.leb(); n > 0; n--) {
        r.skip(r.leb());
        r.skip(r.leb());
        const kind = r.byte();
        if (kind === 0) {
          r.leb();
          imported++;
        } else if (kind === 1) {
          r.skip(1);
          if (r.byte() & 1) r.leb();
          r.leb();
        } else if (kind === 2) {
          if (r.byte() & 1) r.leb();
          r.leb();
        } else r.skip(2);
      }
    } else if (id === 10) {
      for (let n = r.leb(); n > 0; n--) {
        const size = r.leb();
        bodies.push(size);
        r.skip(size);
      }
    } else if (id === 0 && r.text(r.leb()) === 'name') {
      while (r.at < end) {
        const sub = r.byte();
        const subEnd = r.leb() + r.at;
        if (sub === 1) {
          for (let n = r.leb(); n > 0; n--) {
            const index = r.leb();
            names.set(index, r.text(r.leb()));
          }
        }
        r.at = subEnd;
      }
    }
    r.at = end;
  }
  const crates = {};
  bodies.forEach((size, i) => {
    const crate = crateOf(names.get(i + imported) ?? '');
    if (crate !== null) crates[crate] = (crates[crate] ?? 0) + size;
  });
  return Object.fromEntries(Object.entries(crates).sort((a, b) => b[1] - a[1]));
}

/** A one-line summary: the largest sections, then the largest crates of the unoptimised code. */
export function breakdown(shipped, unoptimised, top = 8) {
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const s = Object.entries(sections(readFileSync(shipped))).sort((a, b) => b[1] - a[1]);
  const c = Object.entries(codeByCrate(readFileSync(unoptimised))).slice(0, top);
  return `sections ${s.slice(0, 3).map(([k, v]) => `${k} ${kib(v)}`).join(', ')}; code by crate (before wasm-opt) ${c.map(([k, v]) => `${k} ${kib(v)}`).join(', ')}`;
}
