// The one way middlewares run here (io.use, socket.use, io.engine.use):
// each gets `args` and `next`; `next(err)` stops the chain, the last
// `next()` calls `done()`. The list is read once, so a middleware added
// meanwhile waits for the next run, as in socket.io.

/** Runs `fns` in order with `...args, next`; then `done(err?)`. */
export function runMiddlewares(fns, args, done) {
  if (fns.length === 0) return done();
  const chain = fns.slice();
  const step = (i) =>
    chain[i](...args, (err) => {
      if (err) return done(err);
      if (i + 1 < chain.length) step(i + 1);
      else done();
    });
  step(0);
}
