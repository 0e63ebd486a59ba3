// A streaming call of the openai / @anthropic-ai/sdk clients that fails before its first chunk (an
// HTTP error after the SDK's retries, a refused connection, an abort before the headers) is not a
// stream: its GenAI span ends ERROR with error.type, gen_ai.client.operation.duration records it,
// midstream.stream.outcomes does not count it, and the app gets the SDK's own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../../../dist/index.js';
import { histogram, instrument, outcomeCount, sdkRequire, streamSpans } from '../sdk-harness.mjs';
import { closedPort, startFailingServer } from '../failing-server.mjs';

const otel = instrument(new OpenAIInstrumentation());
const anthropicInstrumentation = new AnthropicInstrumentation();
anthropicInstrumentation.setTracerProvider(otel.tracerProvider);
anthropicInstrumentation.setMeterProvider(otel.meterProvider);
anthropicInstrumentation.enable();
const require = sdkRequire(import.meta.url);
const { default: OpenAI } = require('openai');
const { default: Anthropic } = require('@anthropic-ai/sdk');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

const SDKS = {
  openai: {
    client: (baseURL, maxRetries) => new OpenAI({ baseURL, apiKey: 'test', maxRetries }),
    call: (client, model, options) => client.chat.completions.create({ model, messages: MESSAGES, stream: true }, options),
  },
  anthropic: {
    client: (baseURL, maxRetries) => new Anthropic({ baseURL, apiKey: 'test', maxRetries }),
    call: (client, model, options) => client.messages.create({ model, max_tokens: 8, messages: MESSAGES, stream: true }, options),
  },
};

/** Asserts the one failed-call span and metric of `model`, and returns the span. */
async function assertFailedCall(model, errorType) {
  const spans = streamSpans(otel, model);
  assert.equal(spans.length, 1, 'one span for the call, whatever the retries');
  const [span] = spans;
  assert.equal(span.name, `chat ${model}`);
  assert.equal(span.status.code, 2, 'status ERROR');
  assert.equal(span.attributes['error.type'], errorType);
  assert.equal(span.attributes['midstream.outcome'], undefined, 'not a stream: no outcome');
  const points = await histogram(otel, 'gen_ai.client.operation.duration', model);
  assert.equal(points.length, 1);
  assert.equal(points[0].attributes['error.type'], errorType);
  assert.equal(points[0].value.count, 1);
  assert.equal(await outcomeCount(otel, model), 0, 'not counted in midstream.stream.outcomes');
  return span;
}

for (const [name, sdk] of Object.entries(SDKS)) {
  for (const status of [500, 429]) {
    test(`${name}: HTTP ${status} with retries off is a failed call with error.type ${status}`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}-r0`;
      const client = sdk.client(server.baseURL(`status${status}`, '/v1'), 0);
      await assert.rejects(sdk.call(client, model), (e) => e.status === status && e.constructor.name !== 'Error');
      assert.equal(server.requests.length, 1);
      await assertFailedCall(model, String(status));
    });

    test(`${name}: HTTP ${status} after the default retries is one failed call`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}-retried`;
      const client = sdk.client(server.baseURL(`status${status}`, '/v1'), 2);
      await assert.rejects(sdk.call(client, model), (e) => e.status === status);
      assert.equal(server.requests.length, 3, 'the SDK retried twice');
      await assertFailedCall(model, String(status));
    });
  }

  test(`${name}: a refused connection is a failed call with the SDK's error type`, async () => {
    const port = await closedPort();
    const model = `${name}-refused`;
    const client = sdk.client(`http://127.0.0.1:${port}/v1`, 0);
    await assert.rejects(sdk.call(client, model), (e) => e.constructor.name === 'APIConnectionError');
    await assertFailedCall(model, 'APIConnectionError');
  });

  test(`${name}: an abort before the headers is a failed call`, async (t) => {
    const server = await startFailingServer(t);
    const model = `${name}-abort-early`;
    const client = sdk.client(server.baseURL('hang', '/v1'), 0);
    const ac = new AbortController();
    const pending = sdk.call(client, model, { signal: ac.signal });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(pending, (e) => e.constructor.name === 'APIUserAbortError');
    await assertFailedCall(model, 'APIUserAbortError');
  });
}
