// CommonJS door: `node --require midstream-otel/register app.js`. Also loaded by the ESM door (register.mts)
// through createRequire, so both doors share this one copy of midstream's core.
import { startMidstream } from './start';

startMidstream();
