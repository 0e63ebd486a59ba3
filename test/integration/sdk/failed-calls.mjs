// The failed-call tests of @google/genai, ollama, cohere-ai and the AI SDK (`ai` over @ai-sdk/openai),
// run by each SDK's failed.test.mjs: a streaming call that fails before its first chunk (an HTTP error,
// a refused connection, an abort before the headers) is a failed call: its GenAI span ends ERROR with
// error.type, gen_ai.client.operation.duration records it, no stream is counted, and the app gets the
// SDK's own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogram, outcomeCount, streamSpans } from './sdk-harness.mjs';
import { closedPort, startFailingServer } from './failing-server.mjs';

/**
 * Registers the tests for one SDK. `otel`: its instrumentation's in-memory providers (sdk-harness
 * instrument()); `sdk.call(baseURL, model, signal)` makes the streaming call and consumes it;
 * `sdk.name(model)` is the span name; `sdk.canAbortEarly === false` skips the abort before the headers.
 */
export function failedCallTests(name, sdk, otel) {
  for (const status of [500, 429]) {
    test(`${name}: HTTP ${status} is a failed call with error.type ${status}`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}`;
      await assert.rejects(
        (async () => sdk.call(server.baseURL(`status${status}`), model))(),
        (e) => [e.status, e.statusCode, e.status_code].includes(status),
      );
      await assertFailedCall(otel, sdk, model, String(status));
    });
  }

  test(`${name}: a refused connection is a failed call`, async () => {
    const port = await closedPort();
    const model = `${name}-refused`;
    let seen;
    await assert.rejects(
      (async () => sdk.call(`http://127.0.0.1:${port}`, model))(),
      (e) => (seen = e) !== undefined,
    );
    const spans = streamSpans(otel, model);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].status.code, 2);
    assert.ok(['ECONNREFUSED', 'CohereError', 'CohereTimeoutError', 'AI_APICallError'].includes(spans[0].attributes['error.type']), `${spans[0].attributes['error.type']} (${seen?.constructor?.name})`);
    assert.equal(await outcomeCount(otel, model), 0);
  });

  if (sdk.canAbortEarly === false) return;
  test(`${name}: an abort before the headers is a failed call`, async (t) => {
    const server = await startFailingServer(t);
    const model = `${name}-abort-early`;
    const ac = new AbortController();
    const pending = (async () => sdk.call(server.baseURL('hang'), model, ac.signal))();
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(pending);
    const spans = streamSpans(otel, model);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].status.code, 2);
    assert.equal(spans[0].attributes['midstream.outcome'], undefined);
    assert.equal(await outcomeCount(otel, model), 0);
  });
}

async function assertFailedCall(otel, sdk, model, errorType) {
  const spans = streamSpans(otel, model);
  assert.equal(spans.length, 1, 'one span for the call');
  const [span] = spans;
  assert.equal(span.name, sdk.name(model));
  assert.equal(span.status.code, 2, 'status ERROR');
  assert.equal(span.attributes['error.type'], errorType);
  assert.equal(span.attributes['midstream.outcome'], undefined, 'not a stream');
  const points = await histogram(otel, 'gen_ai.client.operation.duration', model);
  assert.equal(points.length, 1);
  assert.equal(points[0].attributes['error.type'], errorType);
  assert.equal(await outcomeCount(otel, model), 0);
}
