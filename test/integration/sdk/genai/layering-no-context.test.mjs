// A Gemini stream seen by two layers (the genai adapter and the fetch adapter) is counted once in
// metrics even when no context manager carries the SDK's context mark to the fetch call: every
// hop's Response is handed over in ApiClient.processStreamResponse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { GoogleGenAIInstrumentation } from '../../../../dist/instrumentations/genai/index.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { createInMemoryOtel, sumWhere } from '../../../support/in-memory-otel.mjs';
import { sdkRequire } from '../sdk-harness.mjs';
import { startGeminiServer } from './gemini-script-server.mjs';

test('without a context manager each call is still counted once, continuation hops included', async (t) => {
  context.disable();
  const otel = createInMemoryOtel();
  const genaiInstrumentation = new GoogleGenAIInstrumentation();
  const fetchInstrumentation = new FetchInstrumentation();
  for (const i of [genaiInstrumentation, fetchInstrumentation]) {
    i.setTracerProvider(otel.tracerProvider);
    i.setMeterProvider(otel.meterProvider);
    i.enable();
    t.after(() => i.disable());
  }
  const { GoogleGenAI, FinishReason } = sdkRequire(import.meta.url)('@google/genai');
  const hops = FinishReason.CONTINUATION === undefined ? 1 : 2;
  const server = await startGeminiServer(t);
  for (const script of ['gemini-stream', 'gemini-continuation-hop1+gemini-continuation-hop2']) {
    const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.baseUrl(script, 'full') } });
    for await (const _ of await ai.models.generateContentStream({ model: 'n-nocm', contents: 'x' })) void _;
  }
  assert.equal(server.requests.length, 1 + hops);
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes), 2);
  assert.equal(sumWhere(outcomes, { 'midstream.source': 'google-genai' }), 2);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
  const fetchSpans = otel.spans().filter((s) => s.attributes['midstream.source'] === 'fetch');
  assert.equal(fetchSpans.length, 1 + hops, 'the fetch layer keeps a span per HTTP stream');
});
