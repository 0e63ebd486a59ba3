// --import preload for the cohere ESM child-process test: the import-in-the-middle loader, then
// CohereInstrumentation on an in-memory tracer (cohere-ai is CommonJS only; require-in-the-middle
// sees its internal files). The app reads the spans from globalThis.__midstreamTest.
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => [new (require('../../../../../dist/instrumentations/sdk/cohere.js').CohereInstrumentation)()]);
