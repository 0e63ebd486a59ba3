// CommonJS door: `node --require midstream-otel/register app.js`. Also loaded by the ESM door (register.mts)
// through createRequire, so both doors share this one copy of midstream's core. Either door patches
// both module systems: require-in-the-middle (installed by the start) sees `require()`, the
// import-in-the-middle loader registered right after it sees `import` (an ESM app, or an ESM
// dependency of a CommonJS app).
import { isMainThread, parentPort } from 'node:worker_threads';
import { isMidstreamExitWorker } from '../processor/exit-worker';

// Node runs `--require` preloads in its module-hooks thread too (the thread of the loader registered
// below; measured on Node 20), and a NODE_OPTIONS preload runs in midstream's own exit worker.
// midstream belongs to the app's threads: the main thread and the app's own workers, which (unlike
// Node's internal threads) have a parentPort. Required lazily, so nothing loads in the other threads.
if ((isMainThread || parentPort !== null) && !isMidstreamExitWorker()) {
  /* eslint-disable @typescript-eslint/no-require-imports -- a static import would load the SDK in every thread */
  (require('./start') as typeof import('./start')).startMidstream();
  (require('./esm-loader') as typeof import('./esm-loader')).registerEsmLoader();
  /* eslint-enable @typescript-eslint/no-require-imports */
}
