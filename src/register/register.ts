// CommonJS door: `node --require midstream-otel/register app.js`. Also loaded by the ESM door (register.mts)
// through createRequire, so both doors share this one copy of midstream's core.
import { isMidstreamExitWorker } from '../processor/exit-worker';

// Required lazily: in midstream's own exit worker (a NODE_OPTIONS preload runs there too) nothing loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would load the SDK there
if (!isMidstreamExitWorker()) (require('./start') as typeof import('./start')).startMidstream();
