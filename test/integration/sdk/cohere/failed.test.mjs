// Streaming calls of cohere-ai that fail before their first chunk are failed calls, not streams
// (the tests: ../failed-calls.mjs, shared with @google/genai, ollama and the AI SDK).
import { CohereInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { failedCallTests } from '../failed-calls.mjs';

const otel = instrument(new CohereInstrumentation());
const { CohereClientV2 } = sdkRequire(import.meta.url)('cohere-ai');

failedCallTests(
  'cohere',
  {
    name: (model) => `chat ${model}`,
    call: (environment, model, signal) =>
      new CohereClientV2({ token: 'test', environment }).chatStream(
        { model, messages: [{ role: 'user', content: 'x' }] },
        // The SDK's own request timer outlives a failed request (it alone holds the process open for
        // its whole timeout, with or without midstream): keep it short.
        { maxRetries: 0, abortSignal: signal, timeoutInSeconds: 2 },
      ),
  },
  otel,
);
