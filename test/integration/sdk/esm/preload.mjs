// --import preload for the ESM child-process test: registers the import-in-the-middle loader, then
// enables midstream's Stainless instrumentations on in-memory providers (as midstream-otel/register
// will). The app reads the spans from globalThis.__midstreamTest.
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => {
  const { OpenAIInstrumentation } = require('../../../../dist/instrumentations/sdk/openai.js');
  const { AnthropicInstrumentation } = require('../../../../dist/instrumentations/sdk/anthropic.js');
  const { GroqInstrumentation } = require('../../../../dist/instrumentations/sdk/groq.js');
  return [new OpenAIInstrumentation(), new AnthropicInstrumentation(), new GroqInstrumentation()];
});
