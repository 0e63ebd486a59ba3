// With both the ai-sdk and the fetch instrumentation on, one AI SDK stream is counted once: the
// provider's request goes through the global fetch inside the context the doStream wrapper marks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { sumWhere } from '../../../support/in-memory-otel.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';

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
