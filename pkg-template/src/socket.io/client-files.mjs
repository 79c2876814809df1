// socket.io's `serveClient`: the client bundle at `<path>/socket.io.js` (and
// its minified, ESM and msgpack builds, and their source maps), the files
// socket.io ships, here from the socket.io-client release the package was
// built with (client-dist/, copied at build time). As socket.io: an ETag of
// the client's version (304 when it matches), compressed as the request
// accepts (brotli, gzip, deflate), CORS headers when `cors` is set.
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';

export const CLIENT_FILES = new Set([
  'socket.io.esm.min.js',
  'socket.io.esm.min.js.map',
  'socket.io.js',
  'socket.io.js.map',
  'socket.io.min.js',
  'socket.io.min.js.map',
  'socket.io.msgpack.min.js',
  'socket.io.msgpack.min.js.map',
]);

// The bundled module (socket.io.cjs) sits at the package's root, beside client-dist/.
const directory = path.join(__dirname, 'client-dist');
let version;
const clientVersion = () => (version ??= JSON.parse(readFileSync(path.join(directory, 'version.json'), 'utf8')).version);

const COMPRESSORS = {
  br: () => zlib.createBrotliCompress(),
  gzip: () => zlib.createGzip(),
  deflate: () => zlib.createDeflate(),
};

/** The client file a request under `basePath` names (socket.io's rule: what follows `basePath/`, without the query). */
export function clientFileOf(basePath, url) {
  return url.substring(basePath.length + 1).split('?')[0];
}

/** Answers a request for `filename` (one of CLIENT_FILES). */
export function serveClientFile(filename, req, res) {
  const isMap = filename.endsWith('.map');
  // Quoted, as RFC 9110 §8.8.3 has it; a weak one matches too.
  const etag = `"${clientVersion()}"`;
  const given = req.headers['if-none-match'];
  if (given === etag || given === `W/${etag}`) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.setHeader('Cache-Control', 'public, max-age=0');
  res.setHeader('Content-Type', `application/${isMap ? 'json' : 'javascript'}; charset=utf-8`);
  res.setHeader('ETag', etag);
  const file = createReadStream(path.join(directory, filename));
  // The negotiation socket.io's `accepts` does (with the same Negotiator).
  const [encoding] = new Negotiator(req).encodings(['br', 'gzip', 'deflate']);
  const done = (err) => {
    if (err) res.end();
  };
  if (COMPRESSORS[encoding]) {
    res.writeHead(200, { 'content-encoding': encoding });
    pipeline(file, COMPRESSORS[encoding](), res, done);
  } else {
    res.writeHead(200);
    pipeline(file, res, done);
  }
}
