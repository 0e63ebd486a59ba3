// An SDK stream seen by two layers (the openai adapter and the fetch adapter) is counted once in
// metrics: the SDK marks its request context, the fetch layer keeps its span but records nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire, until } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';

test(
  'one openai stream over instrumented fetch counts once in midstream.stream.outcomes',
  async (t) => {
    const openaiInstrumentation = new OpenAIInstrumentation();
    const otel = instrument(openaiInstrumentation);
    const fetchInstrumentation = new FetchInstrumentation();
    fetchInstrumentation.setTracerProvider(otel.tracerProvider);
    fetchInstrumentation.setMeterProvider(otel.meterProvider);
    fetchInstrumentation.enable();
    t.after(() => fetchInstrumentation.disable());
    const { default: OpenAI } = sdkRequire(import.meta.url)('openai');
    const server = await startScriptServer(t);
    // The client reads globalThis.fetch when it is constructed: after the fetch layer is on.
    const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'l-once', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const _ of stream) void _;
    const outcomes = await otel.metric('midstream.stream.outcomes');
    assert.equal(sumWhere(outcomes), 1, 'one stream, one count, whichever layer');
    assert.equal(sumWhere(outcomes, { 'midstream.source': 'openai', 'midstream.outcome': 'completed' }), 1);
    const sources = otel.spans().map((s) => s.attributes['midstream.source']);
    assert.ok(sources.includes('openai'));
    // The fetch layer keeps its span and ends it completed: openai 7 cancels the body after [DONE],
    // which on a host without a known terminal rule would read as a consumer cancel; the SDK's
    // terminal counts for the transport it claimed.
    await until(() => otel.spans().some((s) => s.attributes['midstream.source'] === 'fetch'));
    const fetchSpan = otel.spans().find((s) => s.attributes['midstream.source'] === 'fetch');
    assert.equal(fetchSpan.attributes['midstream.outcome'], 'completed');
  },
);
