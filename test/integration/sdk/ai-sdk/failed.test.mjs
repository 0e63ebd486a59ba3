// Streaming calls of the AI SDK (`ai` streamText over @ai-sdk/openai) that fail before their first chunk
// are failed calls, not streams (the tests: ../failed-calls.mjs, shared with @google/genai, ollama and
// cohere-ai).
import { AiSdkInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { failedCallTests } from '../failed-calls.mjs';

const otel = instrument(new AiSdkInstrumentation());
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const { streamText } = require('ai');

failedCallTests(
  'ai',
  {
    name: (model) => `chat ${model}`,
    // `ai` retries a failed doStream itself (each attempt is its own call): no retries here.
    // `text` rejects with NoOutputGeneratedError; the provider's error reaches onError.
    call: async (baseURL, model, signal) => {
      let providerError;
      const result = streamText({
        model: createOpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test' }).chat(model),
        prompt: 'x',
        maxRetries: 0,
        abortSignal: signal,
        onError: ({ error }) => void (providerError = error),
      });
      try {
        return await result.text;
      } catch (e) {
        throw providerError ?? e;
      }
    },
  },
  otel,
);
