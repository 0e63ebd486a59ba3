// --import preload for the Bedrock ESM test: registers the import-in-the-middle loader, then
// enables the Bedrock instrumentation on an in-memory tracer provider. The app reads the spans from
// globalThis.__midstreamTest.
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => [new (require('../../../../../dist/instrumentations/sdk/bedrock.js').BedrockInstrumentation)()]);
