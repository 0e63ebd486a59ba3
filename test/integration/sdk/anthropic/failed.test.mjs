// Streaming calls of the @anthropic-ai/sdk client that fail before their first chunk are failed calls,
// not streams (the tests: ../stainless-failed-calls.mjs, shared with openai and groq-sdk).
import { AnthropicInstrumentation } from '../../../../dist/index.js';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { MESSAGES, stainlessFailedCallTests } from '../stainless-failed-calls.mjs';

const otel = instrument(new AnthropicInstrumentation());
const { default: Anthropic } = sdkRequire(import.meta.url)('@anthropic-ai/sdk');

stainlessFailedCallTests(
  'anthropic',
  {
    client: (baseURL, maxRetries) => new Anthropic({ baseURL, apiKey: 'test', maxRetries }),
    call: (client, model, options) => client.messages.create({ model, max_tokens: 8, messages: MESSAGES, stream: true }, options),
  },
  otel,
);
