// What the package says about a trap of its WebAssembly instance (see
// raw.mjs): whether one happened, a way to hear of it, and the test hook.
import { raw } from './raw.mjs';

export { isTrap, onTrap, trapError } from './raw.mjs';

/**
 * Test-only: traps the instance, as a bug in the core would. Refuses unless
 * the environment variable WSFRAME_TEST_TRAP is 1, so that no stray call
 * can take a process's connections down.
 */
export function __testTrap() {
  if (globalThis.process?.env?.WSFRAME_TEST_TRAP !== '1') {
    throw new Error('__testTrap traps the WebAssembly instance: it runs only with WSFRAME_TEST_TRAP=1');
  }
  raw.testTrap();
}
