// --import preload for the genai ESM child-process test: registers the import-in-the-middle loader,
// then enables the genai instrumentation on an in-memory tracer (as midstream-otel/register will).
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => [new (require('../../../../../dist/instrumentations/genai/index.js').GoogleGenAIInstrumentation)()]);
