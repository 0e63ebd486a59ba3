// ESM door of the main entry (`import { trackStream } from 'midstream-otel'`): re-exports the CommonJS build,
// so ESM and CommonJS importers share one copy of midstream (same classes, same process state).
// `export *` keeps this door in step with every name added to index.ts.
export * from './index.js';
