// An `http.IncomingMessage` for an upgrade request read from a raw socket
// (wsframe's raw `net` mode), so 'connection' listeners get what they get
// from an `http` server: `req.url`, `req.headers` (lower-case names,
// repeats joined as Node joins them), `req.rawHeaders`, `req.socket`.
import http from 'node:http';

/** `head`: `{ method, path, httpMinor, headers: [[name, value], ...] }` from the core. */
export function incomingMessage(socket, head) {
  const req = new http.IncomingMessage(socket);
  req.method = head.method;
  req.url = head.path;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = head.httpMinor;
  req.httpVersion = `1.${head.httpMinor}`;
  const raw = head.headers.flat();
  // What Node's parser calls: fills rawHeaders, and `headers` from them by Node's rules.
  req._addHeaderLines(raw, raw.length);
  req.upgrade = true;
  req.complete = true;
  req.push(null);
  return req;
}

/** `rawHeaders` as `[name, value]` pairs, for the core. */
export function headerPairs(rawHeaders) {
  const pairs = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
  return pairs;
}
