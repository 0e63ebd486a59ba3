// One stream seen by two layers is one trace and one truth (DESIGN.md, "Layers and traces"): the
// fetch span of an SDK stream is a child of the SDK span, reports the SDK stream's outcome whatever
// the host (127.0.0.1 is no known provider host, so the fetch layer alone would see a clean close as
// completed), and the SDK span carries the fetch layer's byte count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { AnthropicInstrumentation, FetchInstrumentation, OpenAIInstrumentation } from '../../../dist/index.js';
import { startScriptServer } from './sse-script-server.mjs';
import { instrument, sdkRequire } from './sdk-harness.mjs';
import { parentIdOf } from './failing-server.mjs';

const otel = instrument(new OpenAIInstrumentation());
for (const extra of [new AnthropicInstrumentation(), new FetchInstrumentation()]) {
  extra.setTracerProvider(otel.tracerProvider);
  extra.setMeterProvider(otel.meterProvider);
  extra.enable();
}
const require = sdkRequire(import.meta.url);
const { default: OpenAI } = require('openai');
const { default: Anthropic } = require('@anthropic-ai/sdk');
const MESSAGES = [{ role: 'user', content: 'x' }];

async function openaiClient(t, fixture, mode) {
  const server = await startScriptServer(t);
  // The client reads globalThis.fetch when it is constructed: after the fetch layer is on.
  return new OpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test', maxRetries: 0 });
}

/** The SDK span and the fetch span of `model`'s one stream. */
function pair(model) {
  const sdk = otel.spans().filter((s) => s.attributes['gen_ai.request.model'] === model && s.attributes['midstream.source'] !== 'fetch');
  assert.equal(sdk.length, 1, 'one SDK span');
  const children = otel.spans().filter((s) => s.attributes['midstream.source'] === 'fetch' && parentIdOf(s) === sdk[0].spanContext().spanId);
  assert.equal(children.length, 1, 'one fetch span, a child of the SDK span');
  return { sdk: sdk[0], transport: children[0] };
}

async function drain(stream) {
  const items = [];
  for await (const item of stream) items.push(item);
  return items;
}

test('without a parent span, the fetch span is a child of the SDK span in the same trace', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'full');
  await drain(await client.chat.completions.create({ model: 'lt-root', messages: MESSAGES, stream: true }));
  const { sdk, transport } = pair('lt-root');
  assert.equal(parentIdOf(sdk), undefined, 'the SDK span is the root');
  assert.equal(transport.spanContext().traceId, sdk.spanContext().traceId);
  assert.equal(transport.attributes['midstream.outcome'], 'completed');
});

test('under a parent span, both spans are in the parent trace, the fetch span under the SDK span', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'full');
  const tracer = otel.tracerProvider.getTracer('app');
  await tracer.startActiveSpan('app-parent', async (parent) => {
    await drain(await client.chat.completions.create({ model: 'lt-parent', messages: MESSAGES, stream: true }));
    parent.end();
  });
  const { sdk, transport } = pair('lt-parent');
  const parent = otel.spans().find((s) => s.name === 'app-parent');
  assert.equal(parentIdOf(sdk), parent.spanContext().spanId);
  assert.equal(transport.spanContext().traceId, parent.spanContext().traceId);
});

test('a clean close before [DONE] on an unknown host is truncated on both spans', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'cut3');
  const items = await drain(await client.chat.completions.create({ model: 'lt-cut', messages: MESSAGES, stream: true }));
  assert.equal(items.length, 3);
  const { sdk, transport } = pair('lt-cut');
  assert.equal(sdk.attributes['midstream.outcome'], 'truncated');
  assert.equal(transport.attributes['midstream.outcome'], 'truncated');
});

test('an error event in the stream is errored on both spans', async (t) => {
  const client = await openaiClient(t, 'openai-chat-error', 'full');
  await assert.rejects(drain(await client.chat.completions.create({ model: 'lt-error', messages: MESSAGES, stream: true })));
  const { sdk, transport } = pair('lt-error');
  assert.equal(sdk.attributes['midstream.outcome'], 'errored');
  assert.equal(transport.attributes['midstream.outcome'], 'errored');
});

test('a consumer break is cancelled on both spans', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'hold3');
  for await (const _ of await client.chat.completions.create({ model: 'lt-break', messages: MESSAGES, stream: true })) break;
  const { sdk, transport } = pair('lt-break');
  assert.equal(sdk.attributes['midstream.outcome'], 'cancelled');
  assert.equal(transport.attributes['midstream.outcome'], 'cancelled');
});

test('the SDK span carries the byte count of the fetch stream it claimed', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'full');
  await drain(await client.chat.completions.create({ model: 'lt-bytes', messages: MESSAGES, stream: true }));
  const { sdk, transport } = pair('lt-bytes');
  assert.ok(transport.attributes['midstream.bytes'] > 0);
  assert.equal(sdk.attributes['midstream.bytes'], transport.attributes['midstream.bytes']);
});

test("a break out of Anthropic's messages.stream() is cancelled, not aborted", async (t) => {
  const server = await startScriptServer(t);
  const client = new Anthropic({ baseURL: server.baseURL('anthropic-messages', 'hold3'), apiKey: 'test', maxRetries: 0 });
  const helper = client.messages.stream({ model: 'lt-helper-break', max_tokens: 8, messages: MESSAGES });
  for await (const _ of helper) break;
  await helper.done().catch(() => undefined);
  const { sdk, transport } = pair('lt-helper-break');
  assert.equal(sdk.attributes['midstream.outcome'], 'cancelled');
  assert.equal(transport.attributes['midstream.outcome'], 'cancelled');
});

test("a messages.stream() helper's abort() is still aborted", async (t) => {
  const server = await startScriptServer(t);
  const client = new Anthropic({ baseURL: server.baseURL('anthropic-messages', 'hold3'), apiKey: 'test', maxRetries: 0 });
  const helper = client.messages.stream({ model: 'lt-helper-abort', max_tokens: 8, messages: MESSAGES });
  let n = 0;
  await assert.rejects(async () => {
    for await (const _ of helper) if (++n === 2) helper.abort();
  });
  const { sdk } = pair('lt-helper-abort');
  assert.equal(sdk.attributes['midstream.outcome'], 'aborted');
});

test('no active span is needed for the parent link: the SDK span is active while the request runs', async (t) => {
  const client = await openaiClient(t, 'openai-chat', 'full');
  assert.equal(trace.getActiveSpan(), undefined);
  await drain(await client.chat.completions.create({ model: 'lt-none', messages: MESSAGES, stream: true }));
  assert.equal(trace.getActiveSpan(), undefined, 'the app context is unchanged afterwards');
  pair('lt-none');
});
