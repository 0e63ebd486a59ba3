// Streaming calls of the groq-sdk client that fail before their first chunk are failed calls, not streams
// (the tests: ../stainless-failed-calls.mjs, shared with openai and @anthropic-ai/sdk).
import { GroqInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { MESSAGES, stainlessFailedCallTests } from '../stainless-failed-calls.mjs';

const otel = instrument(new GroqInstrumentation());
const { default: Groq } = sdkRequire(import.meta.url)('groq-sdk');

stainlessFailedCallTests(
  'groq',
  {
    // The SDK appends /openai/v1/chat/completions to its base URL.
    client: (baseURL, maxRetries) => new Groq({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey: 'test', maxRetries }),
    call: (client, model, options) => client.chat.completions.create({ model, messages: MESSAGES, stream: true }, options),
  },
  otel,
);
