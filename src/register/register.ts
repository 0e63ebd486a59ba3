// CommonJS door: `node --require midstream-otel/register app.js`. Also loaded by the ESM door (register.mts)
// through createRequire, so both doors share this one copy of midstream's core. Either door patches
// both module systems: require-in-the-middle (installed by the start) sees `require()`, the
// import-in-the-middle loader registered right after it sees `import` (an ESM app, or an ESM
// dependency of a CommonJS app).
import { registerEsmLoader } from './esm-loader';
import { startMidstream } from './start';

startMidstream();
registerEsmLoader();
