// A cohere stream seen by two layers (this adapter and the fetch adapter, which the SDK calls
// through the global fetch per request) is counted once in metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { CohereInstrumentation } from '../../../../dist/instrumentations/sdk/cohere.js';
import { startNdjsonServer } from '../ndjson-script-server.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

const otel = instrument(new CohereInstrumentation());
const fetchInstrumentation = new FetchInstrumentation();
fetchInstrumentation.setTracerProvider(otel.tracerProvider);
fetchInstrumentation.setMeterProvider(otel.meterProvider);
fetchInstrumentation.enable();
const { CohereClient, CohereClientV2 } = sdkRequire(import.meta.url)('cohere-ai');

async function drain(stream) {
  for await (const _ of stream) void _;
}

test('a v2 stream over instrumented fetch counts once, and the fetch layer keeps its span', async (t) => {
  const server = await startScriptServer(t);
  const client = new CohereClientV2({ token: 'test', environment: server.baseURL('cohere-chat', 'full'), maxRetries: 0 });
  await drain(await client.chatStream({ model: 'cl-v2', messages: [{ role: 'user', content: 'x' }] }));
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes), 1, 'one stream, one count, whichever layer');
  assert.equal(sumWhere(outcomes, { 'midstream.source': 'cohere', 'midstream.outcome': 'completed' }), 1);
  assert.ok(otel.spans().some((s) => s.attributes['midstream.source'] === 'cohere'));
});

test('a truncated v1 stream over instrumented fetch counts once, as truncated', async (t) => {
  const server = await startNdjsonServer(t, { contentType: 'application/stream+json' });
  const client = new CohereClient({ token: 'test', environment: server.baseURL('cohere-v1-chat', 'cut2'), maxRetries: 0 });
  const before = sumWhere(await otel.metric('midstream.stream.outcomes'));
  await drain(await client.chatStream({ model: 'cl-v1', message: 'x' }));
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes) - before, 1);
  assert.equal(sumWhere(outcomes, { 'gen_ai.request.model': 'cl-v1', 'midstream.outcome': 'truncated' }), 1);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
});
