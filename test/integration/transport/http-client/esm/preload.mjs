// --import preload for the ESM child-process test: registers the import-in-the-middle loader, then
// enables midstream's http instrumentations on an in-memory provider (as midstream-otel/register will).
import { createRequire } from 'node:module';
import { preloadInMemory } from '../../../../support/esm-preload.mjs';

const require = createRequire(import.meta.url);
preloadInMemory(() => {
  const { HttpClientInstrumentation } = require('../../../../../dist/instrumentations/transport/http-client/index.js');
  const { HttpServerInstrumentation } = require('../../../../../dist/instrumentations/transport/http-server/index.js');
  return [new HttpClientInstrumentation(), new HttpServerInstrumentation()];
});
