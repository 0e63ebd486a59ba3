// ESM door: `node --import midstream-otel/register app.mjs`. Loads the SAME CommonJS door as `--require`
// (one copy of core per process; it starts midstream, then registers the import-in-the-middle loader),
// then waits until the loader thread has acknowledged every module name sent to it, before the app is
// imported. Recipe: research/patchpoints.md §4.3.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('./register.js');
const { esmLoaderReady } = require('./esm-loader.js') as typeof import('./esm-loader.js');
await esmLoaderReady();
