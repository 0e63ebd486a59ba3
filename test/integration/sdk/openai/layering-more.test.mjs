// runTools and Assistants run streams over instrumented global fetch: each HTTP stream is counted
// once in midstream.stream.outcomes (by the openai layer); the fetch layer keeps its span only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { sumWhere } from '../../../support/in-memory-otel.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { startTurnServer } from './turn-server.mjs';

const otel = instrument(new OpenAIInstrumentation());
const fetchInstrumentation = new FetchInstrumentation();
fetchInstrumentation.setTracerProvider(otel.tracerProvider);
fetchInstrumentation.setMeterProvider(otel.meterProvider);
fetchInstrumentation.enable();
// The client reads globalThis.fetch when it is constructed: after the fetch layer is on.
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');

test('a two-turn streaming runTools over instrumented fetch counts two streams, both by the openai layer', async (t) => {
  const server = await startTurnServer(t, [
    ['openai-chat-tool-call', 'full'],
    ['openai-chat', 'full'],
  ]);
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0 });
  const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} }, parse: JSON.parse, function: () => 'sunny' } };
  const runner = client.chat.completions.runTools({ model: 'l-tools', messages: [{ role: 'user', content: 'x' }], tools: [tool], stream: true });
  assert.equal(await runner.finalContent(), 'Hello world');
  const outcomes = await otel.metric('midstream.stream.outcomes');
  const where = { 'gen_ai.request.model': 'l-tools' };
  assert.equal(sumWhere(outcomes, where), 2);
  assert.equal(sumWhere(outcomes, { ...where, 'midstream.source': 'openai', 'midstream.outcome': 'completed' }), 2);
  assert.equal(sumWhere(outcomes, { 'midstream.source': 'fetch' }), 0, 'the fetch layer records no outcome for SDK streams');
  assert.ok(otel.spans().some((s) => s.attributes['midstream.source'] === 'fetch'), 'the fetch span is kept');
});

test('an Assistants run stream over instrumented fetch counts once', async (t) => {
  const server = await startScriptServer(t);
  const client = new OpenAI({ baseURL: server.baseURL('openai-assistant-run', 'full', '/v1'), apiKey: 'test', maxRetries: 0 });
  const stream = await client.beta.threads.runs.create('thread_A1', { assistant_id: 'asst_A1', model: 'l-run', stream: true });
  for await (const _ of stream) void _;
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes, { 'gen_ai.request.model': 'l-run' }), 1);
  assert.equal(sumWhere(outcomes, { 'gen_ai.request.model': 'l-run', 'gen_ai.operation.name': 'invoke_agent' }), 1);
});
