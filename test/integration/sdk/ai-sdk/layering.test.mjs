// With both the ai-sdk and the fetch instrumentation on, one AI SDK stream is counted once: the
// provider's request goes through the global fetch inside the context the doStream wrapper marks,
// and its fetch span is a child of the AI SDK span that reports the same outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { sumWhere } from '../../../support/in-memory-otel.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire, until } from '../sdk-harness.mjs';
import { parentIdOf } from '../failing-server.mjs';

const otel = instrument(new AiSdkInstrumentation());
const fetchInstrumentation = new FetchInstrumentation();
fetchInstrumentation.setTracerProvider(otel.tracerProvider);
fetchInstrumentation.setMeterProvider(otel.meterProvider);
fetchInstrumentation.enable();
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const { streamText } = require('ai');

test('one streamText over instrumented fetch counts once in midstream.stream.outcomes', async (t) => {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test' });
  const result = streamText({ model: provider.chat('ai-layer'), prompt: 'x', maxRetries: 0 });
  assert.equal(await result.text, 'Hello world');
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes), 1, 'one stream, one count, whichever layer');
  assert.equal(sumWhere(outcomes, { 'midstream.source': 'ai-sdk', 'midstream.outcome': 'completed' }), 1);
  const sources = otel.spans().map((s) => s.attributes['midstream.source']);
  assert.ok(sources.includes('ai-sdk'));
  assert.ok(sources.includes('fetch'), `the fetch layer kept its span: ${sources.join()}`);
});

/** The ai-sdk span of `model` and the fetch span under it. */
function pair(model) {
  const sdk = otel.spans().filter((s) => s.attributes['gen_ai.request.model'] === model && s.attributes['midstream.source'] === 'ai-sdk');
  assert.equal(sdk.length, 1, 'one ai-sdk span');
  const children = otel.spans().filter((s) => s.attributes['midstream.source'] === 'fetch' && parentIdOf(s) === sdk[0].spanContext().spanId);
  assert.equal(children.length, 1, 'one fetch span, a child of the ai-sdk span');
  assert.equal(children[0].spanContext().traceId, sdk[0].spanContext().traceId);
  return { sdk: sdk[0], transport: children[0] };
}

for (const [mode, outcome, consume] of [
  ['full', 'completed', (result) => result.text],
  // 127.0.0.1 is no known provider host: alone, the fetch layer would see this clean close as completed.
  ['cut3', 'truncated', (result) => result.text],
  ['destroy2', 'truncated', (result) => result.text.catch(() => undefined)],
  [
    'hold3',
    'cancelled',
    async (result) => {
      const reader = result.textStream.getReader();
      await reader.read();
      await reader.cancel();
    },
  ],
]) {
  test(`the fetch span of an AI SDK stream is a child of its span and reports its outcome (${outcome}, ${mode})`, async (t) => {
    const server = await startScriptServer(t);
    const provider = createOpenAI({ baseURL: server.baseURL('openai-chat', mode, '/v1'), apiKey: 'test' });
    const model = `ai-pair-${mode}`;
    await consume(streamText({ model: provider.chat(model), prompt: 'x', maxRetries: 0, onError: () => {} }));
    // A cancel reaches the provider's stream (and the body) after reader.cancel() resolves.
    await until(() => {
      const sdk = otel.spans().find((s) => s.attributes['gen_ai.request.model'] === model);
      return sdk !== undefined && otel.spans().some((s) => parentIdOf(s) === sdk.spanContext().spanId);
    }, 'both spans ended');
    const { sdk, transport } = pair(model);
    assert.equal(parentIdOf(sdk), undefined, 'the ai-sdk span is the root');
    assert.equal(sdk.attributes['midstream.outcome'], outcome);
    assert.equal(transport.attributes['midstream.outcome'], outcome);
    if (mode === 'full') assert.equal(sdk.attributes['midstream.bytes'], transport.attributes['midstream.bytes']);
  });
}

test('under a parent span, the AI SDK span is its child and the fetch span is in the parent trace', async (t) => {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test' });
  const tracer = otel.tracerProvider.getTracer('app');
  await tracer.startActiveSpan('ai-app-parent', async (parent) => {
    await streamText({ model: provider.chat('ai-pair-parent'), prompt: 'x', maxRetries: 0 }).text;
    parent.end();
  });
  const { sdk, transport } = pair('ai-pair-parent');
  const parent = otel.spans().find((s) => s.name === 'ai-app-parent');
  assert.equal(parentIdOf(sdk), parent.spanContext().spanId);
  assert.equal(transport.spanContext().traceId, parent.spanContext().traceId);
});
