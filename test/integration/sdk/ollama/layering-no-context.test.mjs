// Without a context manager the adapter's context mark cannot reach the fetch call; the ollama
// stream must still count once (the adapter claims the Response from the fetch layer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { OllamaInstrumentation } from '../../../../dist/instrumentations/sdk/ollama.js';
import { startNdjsonServer } from '../ndjson-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

test('without a context manager an ollama stream over instrumented fetch counts once', async (t) => {
  const otel = instrument(new OllamaInstrumentation());
  context.disable();
  const fetchInstrumentation = new FetchInstrumentation();
  fetchInstrumentation.setTracerProvider(otel.tracerProvider);
  fetchInstrumentation.setMeterProvider(otel.meterProvider);
  fetchInstrumentation.enable();
  t.after(() => fetchInstrumentation.disable());
  const { Ollama } = sdkRequire(import.meta.url)('ollama');
  const server = await startNdjsonServer(t);
  const client = new Ollama({ host: server.baseURL('ollama-chat', 'full') });
  const appFetch = client.fetch;
  const stream = await client.chat({ model: 'ol-nocm', messages: [{ role: 'user', content: 'x' }], stream: true });
  for await (const _ of stream) void _;
  assert.equal(client.fetch, appFetch, 'the instance keeps its own fetch');
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes), 1);
  assert.equal(sumWhere(outcomes, { 'midstream.source': 'ollama', 'midstream.outcome': 'completed' }), 1);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
});
