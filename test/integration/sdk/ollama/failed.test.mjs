// Streaming calls of ollama that fail before their first chunk are failed calls, not streams
// (the tests: ../failed-calls.mjs, shared with @google/genai, cohere-ai and the AI SDK).
import { OllamaInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { failedCallTests } from '../failed-calls.mjs';

const otel = instrument(new OllamaInstrumentation());
const { Ollama } = sdkRequire(import.meta.url)('ollama');

failedCallTests(
  'ollama',
  {
    name: (model) => `chat ${model}`,
    // ollama's abort() reaches only streams whose headers arrived: no abort before the headers.
    canAbortEarly: false,
    call: (host, model) => new Ollama({ host }).chat({ model, messages: [{ role: 'user', content: 'x' }], stream: true }),
  },
  otel,
);
