// The failed-call tests of the openai / @anthropic-ai/sdk / groq-sdk clients, run by each SDK's failed.test.mjs:
// a streaming call that fails before its first chunk (an HTTP error after the SDK's retries, a refused
// connection, an abort before the headers) is not a stream: its GenAI span ends ERROR with error.type,
// gen_ai.client.operation.duration records it, midstream.stream.outcomes does not count it, and the app
// gets the SDK's own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogram, outcomeCount, streamSpans } from './sdk-harness.mjs';
import { closedPort, startFailingServer } from './failing-server.mjs';

export const MESSAGES = [{ role: 'user', content: 'Say hello' }];

/**
 * Registers the tests for one SDK. `otel`: its instrumentation's in-memory providers (sdk-harness
 * instrument()); `sdk.client(baseURL, maxRetries)` builds a client, `sdk.call(client, model, options)`
 * makes the streaming call.
 */
export function stainlessFailedCallTests(name, sdk, otel) {
  for (const status of [500, 429]) {
    test(`${name}: HTTP ${status} with retries off is a failed call with error.type ${status}`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}-r0`;
      const client = sdk.client(server.baseURL(`status${status}`, '/v1'), 0);
      await assert.rejects(sdk.call(client, model), (e) => e.status === status && e.constructor.name !== 'Error');
      assert.equal(server.requests.length, 1);
      await assertFailedCall(otel, model, String(status));
    });

    test(`${name}: HTTP ${status} after the default retries is one failed call`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}-retried`;
      const client = sdk.client(server.baseURL(`status${status}`, '/v1'), 2);
      await assert.rejects(sdk.call(client, model), (e) => e.status === status);
      assert.equal(server.requests.length, 3, 'the SDK retried twice');
      await assertFailedCall(otel, model, String(status));
    });
  }

  test(`${name}: a refused connection is a failed call with the SDK's error type`, async () => {
    const port = await closedPort();
    const model = `${name}-refused`;
    const client = sdk.client(`http://127.0.0.1:${port}/v1`, 0);
    await assert.rejects(sdk.call(client, model), (e) => e.constructor.name === 'APIConnectionError');
    await assertFailedCall(otel, model, 'APIConnectionError');
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
    await assertFailedCall(otel, model, 'APIUserAbortError');
  });
}

/** Asserts the one failed-call span and metric of `model`, and returns the span. */
async function assertFailedCall(otel, model, errorType) {
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
