// --import preload for the ollama ESM child-process test: the import-in-the-middle loader, then
// OllamaInstrumentation on an in-memory tracer. The app reads the spans from globalThis.__midstreamTest.
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => [new (require('../../../../../dist/instrumentations/sdk/ollama.js').OllamaInstrumentation)()]);
