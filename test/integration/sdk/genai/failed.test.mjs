// Streaming calls of @google/genai that fail before their first chunk are failed calls, not streams
// (the tests: ../failed-calls.mjs, shared with ollama, cohere-ai and the AI SDK).
import { GoogleGenAIInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { failedCallTests } from '../failed-calls.mjs';

const otel = instrument(new GoogleGenAIInstrumentation());
const { GoogleGenAI } = sdkRequire(import.meta.url)('@google/genai');

failedCallTests(
  'genai',
  {
    name: (model) => `generate_content ${model}`,
    call: (baseUrl, model, signal) =>
      new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl } }).models.generateContentStream({
        model,
        contents: 'x',
        config: signal ? { abortSignal: signal } : undefined,
      }),
  },
  otel,
);
