// Requests to other nodes end, with an error, even when the broker is
// gone. A broker adapter (@socket.io/redis-adapter, …) times a request out
// itself, but only once it has asked the broker how many nodes there are;
// while the broker is unreachable that question waits for its return, and
// so would the application. Here such a request gets the adapter's own
// timeout, plus a grace so that the adapter's timeout (and its partial
// responses) always comes first when the broker answers.

/** socket.io-adapter's default request timeout. */
const DEFAULT_REQUESTS_TIMEOUT = 5000;
const GRACE = 1000;

/** How long a request through `adapter` may take, given the operator's `flags`. */
export function requestDeadline(adapter, flags) {
  return (flags?.timeout ?? adapter.requestsTimeout ?? DEFAULT_REQUESTS_TIMEOUT) + GRACE;
}

/** `promise`, or a rejection with `message` once `ms` have passed. */
export function withDeadline(promise, ms, message) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** `callback(err, responses)` called once: by the caller, or with a timeout error after `ms`. */
export function callbackWithDeadline(callback, ms, message) {
  let called = false;
  const timer = setTimeout(() => {
    called = true;
    callback(new Error(message), []);
  }, ms);
  return (...args) => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    callback(...args);
  };
}
