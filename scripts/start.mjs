// `npm start`: builds the web package and serves the frame inspector with a
// live demo server. Until the inspector lands this only says so.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'www', 'index.html'))) {
  console.log('wsframe: the frame inspector is not built yet (www/ is empty).');
  console.log('The Rust core is ready: run `npm test` to build and test it.');
}
