// An HTTP error status before any stream (429, 5xx) is the SDK's error, not a stream: `ai` retries
// it (each attempt is its own provider call), so a failed attempt is a failed call (ERROR span,
// gen_ai.client.operation.duration) and only the attempt that streams is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { histogram, instrument, outcomeCount, sdkRequire, streamSpans, until } from '../sdk-harness.mjs';

const otel = instrument(new AiSdkInstrumentation());
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const { streamText } = require('ai');
const sse = readFileSync(new URL('../../../fixtures/wire/sdk/openai-chat.sse', import.meta.url));

/** Answers the first `failures` requests with `status` (JSON error body), then streams the chat fixture. */
async function flakyServer(t, failures, status) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (seen++ < failures) {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '1' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse);
    });
  });
  t.after(() => server.close());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}/v1`;
}

test('a 429 that the SDK retries is a failed call, then one completed stream and one count', async (t) => {
  const baseURL = await flakyServer(t, 1, 429);
  const model = createOpenAI({ baseURL, apiKey: 'test' }).chat('ai-retry');
  const result = streamText({ model, prompt: 'x', maxRetries: 1 });
  assert.equal(await result.text, 'Hello world');
  const spans = streamSpans(otel, 'ai-retry');
  assert.deepEqual(
    spans.map((s) => [s.attributes['midstream.outcome'], s.attributes['error.type'], s.status.code]),
    [
      [undefined, '429', 2],
      ['completed', undefined, 0],
    ],
  );
  assert.equal(await outcomeCount(otel, 'ai-retry'), 1);
});

test('a final HTTP error status before any stream is the SDK error and a failed call, not a stream', async (t) => {
  const baseURL = await flakyServer(t, 1, 429);
  const model = createOpenAI({ baseURL, apiKey: 'test' }).chat('ai-429');
  const result = streamText({ model, prompt: 'x', maxRetries: 0, onError: () => {} });
  await assert.rejects(result.text);
  const spans = streamSpans(otel, 'ai-429');
  assert.equal(spans.length, 1);
  assert.equal(spans[0].name, 'chat ai-429');
  assert.equal(spans[0].status.code, 2);
  assert.equal(spans[0].attributes['error.type'], '429');
  assert.equal(spans[0].attributes['midstream.outcome'], undefined);
  const points = await histogram(otel, 'gen_ai.client.operation.duration', 'ai-429');
  assert.deepEqual(
    points.map((p) => p.attributes['error.type']),
    ['429'],
  );
  assert.equal(await outcomeCount(otel, 'ai-429'), 0);
});

test('a request still waiting for its response when every consumer cancelled ends as cancelled', async (t) => {
  const server = http.createServer((req) => req.resume());
  t.after(() => server.close());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const requested = new Promise((resolve) => server.once('request', resolve));
  const provider = createOpenAI({ baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'test' });
  const result = streamText({ model: provider.chat('ai-late'), prompt: 'x', maxRetries: 0, onError: () => {} });
  const reader = result.toTextStreamResponse().body.getReader();
  const reading = reader.read();
  await requested;
  await reader.cancel();
  await reading;
  // The provider's request fails only now (ai does not abort it when its consumers stop).
  server.closeAllConnections();
  await until(() => streamSpans(otel, 'ai-late').length === 1, 'the stream span');
  assert.equal(streamSpans(otel, 'ai-late')[0].attributes['midstream.outcome'], 'cancelled');
  assert.equal(await outcomeCount(otel, 'ai-late', 'cancelled'), 1);
});
