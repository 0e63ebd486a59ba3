// An ollama stream seen by two layers (this adapter and the fetch adapter) is counted once in
// metrics. The default `ollama` instance captures fetch when the module loads, so the fetch layer
// is enabled first here, as `--require midstream-otel/register` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { OllamaInstrumentation } from '../../../../dist/instrumentations/sdk/ollama.js';
import { startNdjsonServer } from '../ndjson-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

const otel = instrument(new OllamaInstrumentation());
const fetchInstrumentation = new FetchInstrumentation();
fetchInstrumentation.setTracerProvider(otel.tracerProvider);
fetchInstrumentation.setMeterProvider(otel.meterProvider);
fetchInstrumentation.enable();
const wrappedFetch = globalThis.fetch;
const { Ollama, default: defaultOllama } = sdkRequire(import.meta.url)('ollama');

async function drain(stream) {
  for await (const _ of stream) void _;
}

async function outcomesFor(model) {
  return (await otel.metric('midstream.stream.outcomes')).filter(
    (p) => p.attributes['gen_ai.request.model'] === model || p.attributes['midstream.source'] === 'fetch',
  );
}

test('the default instance holds the instrumented fetch and its stream counts once', async (t) => {
  assert.equal(defaultOllama.fetch, wrappedFetch, 'captured at module load, after the fetch layer');
  const server = await startNdjsonServer(t);
  const host = defaultOllama.config.host;
  defaultOllama.config.host = server.baseURL('ollama-chat', 'full');
  t.after(() => (defaultOllama.config.host = host));
  await drain(await defaultOllama.chat({ model: 'ol-default', messages: [{ role: 'user', content: 'x' }], stream: true }));
  const before = sumWhere(await otel.metric('midstream.stream.outcomes'));
  assert.equal(before, 1, 'one stream, one count, whichever layer');
  assert.equal(sumWhere(await outcomesFor('ol-default'), { 'midstream.source': 'ollama', 'midstream.outcome': 'completed' }), 1);
  // After `done` the client stops reading the body, so the fetch layer never sees it end by itself:
  // the claimed fetch span ends with the SDK stream's outcome (no metrics from it either way).
  const spans = otel.spans();
  assert.deepEqual(spans.map((s) => s.attributes['midstream.source']).sort(), ['fetch', 'ollama']);
  const fetchSpan = spans.find((s) => s.attributes['midstream.source'] === 'fetch');
  assert.equal(fetchSpan.attributes['midstream.outcome'], 'completed');
  assert.equal(fetchSpan.status.code, 0, 'status unset: not an error');
});

test('a new Ollama({host}) truncated stream also counts once, as truncated', async (t) => {
  const server = await startNdjsonServer(t);
  const client = new Ollama({ host: server.baseURL('ollama-chat', 'cut2') });
  const before = sumWhere(await otel.metric('midstream.stream.outcomes'));
  await assert.rejects(drain(await client.chat({ model: 'ol-new', messages: [{ role: 'user', content: 'x' }], stream: true })));
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes) - before, 1);
  assert.equal(sumWhere(outcomes, { 'gen_ai.request.model': 'ol-new', 'midstream.outcome': 'truncated' }), 1);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
});
