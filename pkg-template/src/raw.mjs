// The wasm-bindgen module this build runs on (the Node or the web build),
// set once by the entry point before any API call.
//
// Every call into the instance passes through a guard here. A trap (a
// panic, which aborts, or running out of memory) leaves the one instance
// all connections share in no state to be called again, so the first trap
// is turned into a `WsframeError` with code `wsframe_trap`, every listener
// of `onTrap` is told at once (the servers and sockets close what they
// hold), and every later call throws that error instead of entering the
// instance (`free` does nothing, so cleanup paths still run).
export let raw;

/**
 * One record per wasm instance, shared by every bundle of the package that
 * loads the same glue module (the package's entry points are bundled
 * separately but load one glue, hence one instance): keyed by one of the
 * glue's classes, which is the same object for all of them.
 */
const registry = (globalThis[Symbol.for('wsframe.trap-registry')] ??= new WeakMap());
let state = { error: null, listeners: new Set() };

const GUARDED = Symbol.for('wsframe.guarded');

/**
 * Glue classes whose every call comes from one class of the package, which
 * guards per public call instead (codec.mjs's Connection, server-core.mjs's
 * EngineServerCore): their hot paths make several calls per message, and a
 * guard around each is measurable there.
 */
const GUARDED_BY_CALLER = new Set(['RawConnection', 'RawServer']);

export function setRaw(module) {
  const key = module.Utf8Validator;
  if (key) {
    if (!registry.has(key)) registry.set(key, { error: null, listeners: new Set() });
    state = registry.get(key);
  }
  // A plain copy: a bundled namespace object reads each export through a
  // getter, which hot paths would pay on every call.
  raw = {};
  for (const [name, value] of Object.entries(module)) {
    const plain = typeof value !== 'function' || name === 'default' || name.startsWith('__') || GUARDED_BY_CALLER.has(name);
    raw[name] = plain ? value : guardExport(value);
  }
}

/** The trap error once the instance has trapped, else null. */
export function trapError() {
  return state.error;
}

/**
 * Calls `listener(error)` when the instance traps (at once, inside the
 * call that trapped: listeners only change state and defer their events).
 * Returns a function that stops listening.
 */
export function onTrap(listener) {
  state.listeners.add(listener);
  return () => state.listeners.delete(listener);
}

/** Throws the trap error once the instance has trapped: for callers that guard per call themselves. */
export function checkAlive() {
  if (state.error) throw state.error;
}

/**
 * What a caller that guards itself rethrows for `err` from the instance: the
 * trap error (the trap reported) for a trap, else `err` unchanged.
 */
export function trapFrom(err) {
  return caught(err);
}

/**
 * Guards the methods and accessors of a package class that calls a glue
 * class left unguarded (see GUARDED_BY_CALLER), except `free` (a no-op
 * after a trap) and the names in `skip` (which guard themselves).
 */
export function guardMethods(cls, skip = []) {
  const proto = cls.prototype;
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor' || skip.includes(key)) continue;
    const d = Object.getOwnPropertyDescriptor(proto, key);
    const call = d.value ?? d.get;
    if (typeof call !== 'function') continue;
    const name = key;
    const guarded = function (...args) {
      if (state.error) return deadCall(name);
      try {
        return call.apply(this, args);
      } catch (err) {
        throw caught(err);
      }
    };
    Object.defineProperty(proto, key, d.value ? { ...d, value: guarded } : { ...d, get: guarded });
  }
}

/** True for the error a call throws when the instance has trapped. */
export function isTrap(err) {
  return err?.code === 'wsframe_trap' && err.name === 'WsframeError';
}

function trapped(cause) {
  if (state.error) return state.error;
  const err = new Error(
    `wsframe's WebAssembly instance trapped (${cause.message}): every connection on it is closed and new ones are refused`,
    { cause },
  );
  err.name = 'WsframeError';
  err.code = 'wsframe_trap';
  // What an endpoint that cannot go on answers: 1011 on a connection, 500 to a handshake.
  err.closeCode = 1011;
  err.httpStatus = 500;
  state.error = err;
  for (const listener of state.listeners) {
    try {
      listener(err);
    } catch (listenerError) {
      queueMicrotask(() => {
        throw listenerError;
      });
    }
  }
  return err;
}

/** The error to rethrow for `err` thrown by a call into the instance. */
function caught(err) {
  return err instanceof WebAssembly.RuntimeError ? trapped(err) : err;
}

function deadCall(name) {
  if (name === 'free') return undefined;
  throw state.error;
}

// `fn` behind the guard, one wrapper per arity: a wrapper that passes more
// arguments than the callee declares, or spreads them, costs tens of
// nanoseconds a call on the hot paths; one that matches costs next to
// nothing (methods keep their receiver through `call`). One line each.
const BY_ARITY = [
  (fn, name) => function () { if (state.error) return deadCall(name); try { return fn.call(this); } catch (err) { throw caught(err); } },
  (fn, name) => function (a) { if (state.error) return deadCall(name); try { return fn.call(this, a); } catch (err) { throw caught(err); } },
  (fn, name) => function (a, b) { if (state.error) return deadCall(name); try { return fn.call(this, a, b); } catch (err) { throw caught(err); } },
  (fn, name) => function (a, b, c) { if (state.error) return deadCall(name); try { return fn.call(this, a, b, c); } catch (err) { throw caught(err); } },
  (fn, name) => function (a, b, c, d) { if (state.error) return deadCall(name); try { return fn.call(this, a, b, c, d); } catch (err) { throw caught(err); } },
  (fn, name) => function (a, b, c, d, e) { if (state.error) return deadCall(name); try { return fn.call(this, a, b, c, d, e); } catch (err) { throw caught(err); } },
  (fn, name) => function (a, b, c, d, e, f) { if (state.error) return deadCall(name); try { return fn.call(this, a, b, c, d, e, f); } catch (err) { throw caught(err); } },
];

function guard(fn) {
  const exact = BY_ARITY[fn.length];
  if (exact) return exact(fn, fn.name);
  const name = fn.name;
  return function (...args) {
    if (state.error) return deadCall(name);
    try {
      return fn.apply(this, args);
    } catch (err) {
      throw caught(err);
    }
  };
}

/** A function export guarded; a class export with its methods, accessors and construction guarded. */
function guardExport(value) {
  if (!isClass(value)) return guard(value);
  const proto = value.prototype;
  if (!Object.prototype.hasOwnProperty.call(proto, GUARDED)) {
    Object.defineProperty(proto, GUARDED, { value: true });
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (typeof d.value === 'function') d.value = guard(d.value);
      if (d.get) d.get = guard(d.get);
      if (d.set) d.set = guard(d.set);
      Object.defineProperty(proto, key, d);
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (typeof d.value === 'function' && !key.startsWith('__')) {
        d.value = guard(d.value);
        Object.defineProperty(value, key, d);
      }
    }
  }
  return new Proxy(value, {
    construct(target, args, newTarget) {
      if (state.error) throw state.error;
      try {
        return Reflect.construct(target, args, newTarget);
      } catch (err) {
        throw caught(err);
      }
    },
  });
}

function isClass(value) {
  return Function.prototype.toString.call(value).startsWith('class');
}
