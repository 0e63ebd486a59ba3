// CommonJS door: `node --require midstream-otel/register app.js`. Also loaded by the ESM door (register.mts)
// through createRequire, so both doors share this one copy of midstream's core. Either door patches
// both module systems: require-in-the-middle (installed by the start) sees `require()`, the
// import-in-the-middle loader registered right after it sees `import` (an ESM app, or an ESM
// dependency of a CommonJS app).
import { isMainThread, parentPort } from 'node:worker_threads';
import { registerEsmLoader } from './esm-loader';
import { startMidstream } from './start';

// Node runs `--require` preloads in its module-hooks thread too (the thread of the loader registered
// below; measured on Node 20). midstream belongs to the app's threads: the main thread and the app's
// own workers, which (unlike Node's internal threads) have a parentPort.
if (isMainThread || parentPort !== null) {
  startMidstream();
  registerEsmLoader();
}
