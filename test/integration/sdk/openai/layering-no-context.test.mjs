// An SDK stream seen by two layers (the openai adapter and the fetch adapter) is counted once in
// metrics even when no context manager carries the SDK's context mark to the fetch call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';

test(
  'without a context manager the stream is still counted once and the active gauge returns to 0',
  async (t) => {
    const { context } = await import('@opentelemetry/api');
    // No context manager: the SDK's context mark cannot reach the fetch call (as in an app that
    // registers providers by hand); the response hand-over must still demote the fetch layer.
    context.disable();
    const openaiInstrumentation = new OpenAIInstrumentation();
    const otel = instrument(openaiInstrumentation);
    context.disable();
    const fetchInstrumentation = new FetchInstrumentation();
    fetchInstrumentation.setTracerProvider(otel.tracerProvider);
    fetchInstrumentation.setMeterProvider(otel.meterProvider);
    fetchInstrumentation.enable();
    t.after(() => fetchInstrumentation.disable());
    const { default: OpenAI } = sdkRequire(import.meta.url)('openai');
    const server = await startScriptServer(t);
    const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'l-nocm', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const _ of stream) void _;
    const outcomes = await otel.metric('midstream.stream.outcomes');
    assert.equal(sumWhere(outcomes), 1);
    assert.equal(sumWhere(outcomes, { 'midstream.source': 'openai' }), 1);
    assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
  },
);
