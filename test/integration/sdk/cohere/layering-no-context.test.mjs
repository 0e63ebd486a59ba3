// Without a context manager the adapter's context mark cannot reach the SDK's fetch call (made
// after the SDK awaits its auth provider), and the SDK hands its Stream only the response body: the
// fetch layer registers the tapped body too, so the adapter claims the stream by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { CohereInstrumentation } from '../../../../dist/instrumentations/sdk/cohere.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, sdkRequire } from '../sdk-harness.mjs';
import { sumWhere } from '../../../support/in-memory-otel.mjs';

test(
  'without a context manager a cohere stream over instrumented fetch counts once',
  async (t) => {
    const otel = instrument(new CohereInstrumentation());
    context.disable();
    const fetchInstrumentation = new FetchInstrumentation();
    fetchInstrumentation.setTracerProvider(otel.tracerProvider);
    fetchInstrumentation.setMeterProvider(otel.meterProvider);
    fetchInstrumentation.enable();
    t.after(() => fetchInstrumentation.disable());
    const { CohereClientV2 } = sdkRequire(import.meta.url)('cohere-ai');
    const server = await startScriptServer(t);
    const client = new CohereClientV2({ token: 'test', environment: server.baseURL('cohere-chat', 'full'), maxRetries: 0 });
    for await (const _ of await client.chatStream({ model: 'cl-nocm', messages: [{ role: 'user', content: 'x' }] })) void _;
    const outcomes = await otel.metric('midstream.stream.outcomes');
    assert.equal(sumWhere(outcomes, { 'midstream.source': 'cohere' }), 1);
    assert.equal(sumWhere(outcomes), 1);
  },
);
