// Streaming calls of the openai client that fail before their first chunk are failed calls, not streams
// (the tests: ../stainless-failed-calls.mjs, shared with @anthropic-ai/sdk and groq-sdk).
import { OpenAIInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { MESSAGES, stainlessFailedCallTests } from '../stainless-failed-calls.mjs';

const otel = instrument(new OpenAIInstrumentation());
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');

stainlessFailedCallTests(
  'openai',
  {
    client: (baseURL, maxRetries) => new OpenAI({ baseURL, apiKey: 'test', maxRetries }),
    call: (client, model, options) => client.chat.completions.create({ model, messages: MESSAGES, stream: true }, options),
  },
  otel,
);
