// The WHATWG side of a WebSocket, as ws 8 emulates it: `addEventListener`
// / `removeEventListener` for 'open', 'message', 'close' and 'error', the
// `on<event>` attributes, and events shaped as ws's `Event`, `MessageEvent`,
// `CloseEvent` and `ErrorEvent` (read-only, enumerable accessors).
// Listeners are EventEmitter listeners underneath, wrapped.
import { kWasClean } from './constants.mjs';

const kTarget = Symbol('target');
const kType = Symbol('type');
const kFields = Symbol('fields');
/** On a wrapper: the listener it calls. */
const kListener = Symbol('listener');
/** On a wrapper: it was set through an `on<event>` attribute. */
const kAttribute = Symbol('attribute');

export class Event {
  constructor(type) {
    this[kTarget] = null;
    this[kType] = type;
  }
  get target() {
    return this[kTarget];
  }
  get type() {
    return this[kType];
  }
}

export class CloseEvent extends Event {
  constructor(type, options = {}) {
    super(type);
    this[kFields] = {
      code: options.code ?? 0,
      reason: options.reason ?? '',
      wasClean: options.wasClean ?? false,
    };
  }
  get code() {
    return this[kFields].code;
  }
  get reason() {
    return this[kFields].reason;
  }
  get wasClean() {
    return this[kFields].wasClean;
  }
}

export class ErrorEvent extends Event {
  constructor(type, options = {}) {
    super(type);
    this[kFields] = { error: options.error ?? null, message: options.message ?? '' };
  }
  get error() {
    return this[kFields].error;
  }
  get message() {
    return this[kFields].message;
  }
}

export class MessageEvent extends Event {
  constructor(type, options = {}) {
    super(type);
    this[kFields] = { data: options.data ?? null };
  }
  get data() {
    return this[kFields].data;
  }
}

function enumerable(Class, names) {
  for (const name of names) Object.defineProperty(Class.prototype, name, { enumerable: true });
}
enumerable(Event, ['target', 'type']);
enumerable(CloseEvent, ['code', 'reason', 'wasClean']);
enumerable(ErrorEvent, ['error', 'message']);
enumerable(MessageEvent, ['data']);

function dispatch(listener, target, event) {
  event[kTarget] = target;
  if (typeof listener === 'object' && listener.handleEvent) listener.handleEvent.call(listener, event);
  else listener.call(target, event);
}

/** EventEmitter arguments of each event as the WHATWG event. */
const EVENT_OF = {
  open: () => new Event('open'),
  message: (data, isBinary) => new MessageEvent('message', { data: isBinary ? data : data.toString() }),
  close(code, reason) {
    return new CloseEvent('close', { code, reason: reason.toString(), wasClean: this[kWasClean] });
  },
  error: (error) => new ErrorEvent('error', { error, message: error.message }),
};

/**
 * Adds a listener; a listener already added the same way is not added
 * again, and types other than the four are ignored (as ws does).
 * `options.once` removes it after its first call.
 */
export function addEventListener(type, listener, options = {}) {
  const makeEvent = EVENT_OF[type];
  if (!makeEvent) return;
  const attribute = !!options[kAttribute];
  if (!attribute) {
    for (const existing of this.listeners(type)) {
      if (existing[kListener] === listener && !existing[kAttribute]) return;
    }
  }
  const wrapper = function (...args) {
    dispatch(listener, this, makeEvent.apply(this, args));
  };
  wrapper[kListener] = listener;
  wrapper[kAttribute] = attribute;
  if (options.once) this.once(type, wrapper);
  else this.on(type, wrapper);
}

/** Removes a listener added with `addEventListener` (not an `on<event>` one). */
export function removeEventListener(type, listener) {
  for (const existing of this.listeners(type)) {
    if (existing[kListener] === listener && !existing[kAttribute]) {
      this.removeListener(type, existing);
      return;
    }
  }
}

/** Defines `onopen`, `onmessage`, `onclose` and `onerror` on `prototype`. */
export function defineEventAttributes(prototype) {
  for (const type of ['open', 'error', 'close', 'message']) {
    Object.defineProperty(prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get() {
        for (const existing of this.listeners(type)) {
          if (existing[kAttribute]) return existing[kListener];
        }
        return null;
      },
      set(handler) {
        for (const existing of this.listeners(type)) {
          if (existing[kAttribute]) {
            this.removeListener(type, existing);
            break;
          }
        }
        if (typeof handler === 'function') this.addEventListener(type, handler, { [kAttribute]: true });
      },
    });
  }
}
