// The real `@anthropic-ai/sdk` (CommonJS entry, patched through require-in-the-middle) against a
// local server speaking the Anthropic Messages wire format, with real faults; with the SDK's own
// OpenTelemetry tracing off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { AnthropicInstrumentation } from '../../../../dist/instrumentations/sdk/anthropic.js';
import { isSdkStream } from '../../../../dist/core/layering.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { sdkRequire, capture, histogram, instrument, onlySpan, outcomeCount, streamSpans, withOptions } from '../sdk-harness.mjs';

const instrumentation = new AnthropicInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: Anthropic } = require('@anthropic-ai/sdk');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

/** sdkTracing: false → `openTelemetry: false`; true → the SDK traces into the same in-memory provider. */
async function setup(t, fixture, mode, { sdkTracing = false, fetch } = {}) {
  const server = await startScriptServer(t);
  const client = new Anthropic({
    baseURL: server.baseURL(fixture, mode),
    apiKey: 'test',
    maxRetries: 0,
    openTelemetry: sdkTracing ? { tracerProvider: otel.tracerProvider } : false,
    fetch,
  });
  return { server, client };
}

function create(client, model, options) {
  return client.messages.create({ model, max_tokens: 64, messages: MESSAGES, stream: true }, options);
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

for (const sdkTracing of [false, true]) {
  const mode = sdkTracing ? 'SDK tracing on' : 'SDK tracing off';
  const m = (name) => `${name}-${sdkTracing ? 'on' : 'off'}`;

  test(`${mode}: a complete stream is one completed span with GenAI attributes and usage`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'full', { sdkTracing });
    const items = await drain(await create(client, m('a-complete')));
    assert.equal(items.length, 7, 'ping is not yielded');
    const span = onlySpan(otel, m('a-complete'));
    assert.equal(span.name, sdkTracing ? 'anthropic.messages.create' : `chat ${m('a-complete')}`);
    if (sdkTracing) assert.equal(span.instrumentationScope.name, 'com.anthropic.sdk.typescript', 'the SDK span, enriched');
    assert.equal(otel.spans().filter((s) => s.attributes['gen_ai.request.model'] === m('a-complete')).length, 1, 'no duplicate span');
    const a = span.attributes;
    assert.equal(a['midstream.outcome'], 'completed');
    assert.equal(a['midstream.source'], 'anthropic');
    assert.equal(a['gen_ai.provider.name'], 'anthropic');
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.response.model'], 'claude-sonnet-4-5-20250929');
    assert.equal(a['gen_ai.response.id'], 'msg_01XFDUDYJgAACzvnptvVoYEL');
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
    assert.equal(a['gen_ai.usage.input_tokens'], 25);
    assert.equal(a['gen_ai.usage.output_tokens'], 15);
    assert.equal(a['midstream.output.chars'], 'Hello world'.length);
    // The SDK owns its span's status: it sets OK after message_stop; midstream leaves it unset.
    assert.equal(span.status.code, sdkTracing ? 1 : 0);
    assert.equal(await outcomeCount(otel, m('a-complete'), 'completed'), 1);
    const tokens = await histogram(otel, 'gen_ai.client.token.usage', m('a-complete'));
    assert.equal(tokens.length, 2);
  });

  test(`${mode}: a clean close before message_stop is truncated`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'cut7', { sdkTracing });
    const items = await drain(await create(client, m('a-cut')));
    assert.equal(items.length, 6, 'the SDK ends silently');
    const span = onlySpan(otel, m('a-cut'));
    assert.equal(span.attributes['midstream.outcome'], 'truncated');
    // On its own span the SDK's error.type stands (it also fails a stream without message_stop).
    assert.equal(span.attributes['error.type'], sdkTracing ? 'api_error' : 'stream_truncated');
    assert.equal(span.status.code, 2);
    const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', m('a-cut'));
    assert.equal(duration.attributes['error.type'], 'stream_truncated');
  });

  test(`${mode}: a destroyed socket is truncated`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'destroy3', { sdkTracing });
    await assert.rejects(drain(await create(client, m('a-destroy'))), (e) => e instanceof TypeError && e.message === 'terminated');
    const span = onlySpan(otel, m('a-destroy'));
    assert.equal(span.attributes['midstream.outcome'], 'truncated');
    assert.equal(span.status.code, 2);
    assert.equal(await outcomeCount(otel, m('a-destroy'), 'truncated'), 1);
  });

  test(`${mode}: an error event is errored with the provider error type`, async (t) => {
    const { client } = await setup(t, 'anthropic-error', 'full', { sdkTracing });
    await assert.rejects(drain(await create(client, m('a-error'))), (e) => e instanceof Anthropic.APIError && e.type === 'overloaded_error');
    const span = onlySpan(otel, m('a-error'));
    assert.equal(span.attributes['midstream.outcome'], 'errored');
    assert.equal(span.status.code, 2);
    const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', m('a-error'));
    assert.equal(duration.attributes['error.type'], 'overloaded_error');
    if (!sdkTracing) assert.equal(span.attributes['error.type'], 'overloaded_error');
  });

  test(`${mode}: stream.controller.abort() is aborted`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'hold3', { sdkTracing });
    const stream = await create(client, m('a-abort'));
    let n = 0;
    for await (const _ of stream) if (++n === 2) stream.controller.abort();
    const span = onlySpan(otel, m('a-abort'));
    assert.equal(span.attributes['midstream.outcome'], 'aborted');
    assert.equal(span.attributes['error.type'], undefined);
  });

  test(`${mode}: a consumer break is cancelled`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'hold3', { sdkTracing });
    for await (const _ of await create(client, m('a-break'))) break;
    const span = onlySpan(otel, m('a-break'));
    assert.equal(span.attributes['midstream.outcome'], 'cancelled');
    assert.equal(span.attributes['midstream.chunk.count'], 1);
    assert.equal(await outcomeCount(otel, m('a-break'), 'cancelled'), 1);
  });

  test(`${mode}: messages.stream() helper: text events and finalMessage work, one span`, async (t) => {
    const { client } = await setup(t, 'anthropic-messages', 'full', { sdkTracing });
    const helper = client.messages.stream({ model: m('a-helper'), max_tokens: 64, messages: MESSAGES });
    const texts = [];
    helper.on('text', (text) => texts.push(text));
    const final = await helper.finalMessage();
    assert.equal(final.content[0].text, 'Hello world');
    assert.deepEqual(texts, ['Hello', ' world']);
    assert.equal(onlySpan(otel, m('a-helper')).attributes['midstream.outcome'], 'completed');
    assert.equal(await outcomeCount(otel, m('a-helper')), 1);
  });
}

test('the SDK span is enriched in place, not duplicated, and keeps its own attributes', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'full', { sdkTracing: true });
  await drain(await create(client, 'a-enrich'));
  const spans = otel.spans().filter((s) => s.attributes['gen_ai.request.model'] === 'a-enrich');
  assert.equal(spans.length, 1);
  assert.equal(spans[0].attributes['midstream.chunk.count'], 7);
  assert.equal(spans[0].attributes['gen_ai.request.stream'], true);
  assert.equal(spans[0].attributes['http.response.status_code'], 200, 'set by the SDK');
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const { client } = await setup(t, 'anthropic-messages', 'stall3x200');
  await drain(await create(client, 'a-stall'));
  const span = onlySpan(otel, 'a-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
});

test('a request signal abort is aborted', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'hold3');
  const ac = new AbortController();
  let n = 0;
  for await (const _ of await create(client, 'a-signal', { signal: ac.signal })) if (++n === 2) ac.abort();
  assert.equal(onlySpan(otel, 'a-signal').attributes['midstream.outcome'], 'aborted');
});

test('messages.stream() on a truncated stream: the SDK error and a truncated span', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'cut7');
  const helper = client.messages.stream({ model: 'a-helper-cut', max_tokens: 64, messages: MESSAGES });
  await assert.rejects(helper.finalMessage());
  assert.equal(onlySpan(otel, 'a-helper-cut').attributes['midstream.outcome'], 'truncated');
});

test('tee() and toReadableStream() are tracked once each', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'full');
  const [left, right] = (await create(client, 'a-tee')).tee();
  const [a, b] = await Promise.all([drain(left), drain(right)]);
  assert.deepEqual(a, b);
  assert.equal(onlySpan(otel, 'a-tee').attributes['midstream.chunk.count'], 7);
  const text = await new Response((await create(client, 'a-readable')).toReadableStream()).text();
  assert.equal(text.trim().split('\n').length, 7);
  assert.equal(onlySpan(otel, 'a-readable').attributes['midstream.outcome'], 'completed');
});

test('.withResponse() and .asResponse() keep working', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'full');
  const { data, response } = await create(client, 'a-with').withResponse();
  assert.equal(response.status, 200);
  assert.equal((await drain(data)).length, 7);
  const raw = await create(client, 'a-as').asResponse();
  assert.match(await raw.text(), /message_stop/);
  assert.equal(streamSpans(otel, 'a-as').length, 0);
});

test('the SDK request runs in a context marked as an SDK stream', async (t) => {
  const seen = [];
  const fetch = (url, init) => {
    seen.push(isSdkStream(context.active()));
    return globalThis.fetch(url, init);
  };
  const { client } = await setup(t, 'anthropic-messages', 'full', { fetch });
  await drain(await create(client, 'a-layer'));
  assert.deepEqual(seen, [true]);
});

test('the app sees identical items and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const scenarios = [
    ['anthropic-messages', 'full'],
    ['anthropic-messages', 'cut7'],
    ['anthropic-messages', 'destroy3'],
    ['anthropic-error', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [fixture, mode] of scenarios) {
      for (const sdkTracing of [false, true]) {
        const client = new Anthropic({
          baseURL: server.baseURL(fixture, mode),
          apiKey: 'test',
          maxRetries: 0,
          openTelemetry: sdkTracing ? { tracerProvider: otel.tracerProvider } : false,
        });
        results.push(await capture(async (items) => drain(await create(client, 'a-transparent'), items)));
        results.push(
          await capture(async (items) => {
            const h = client.messages.stream({ model: 'a-transparent', max_tokens: 64, messages: MESSAGES });
            h.on('text', (x) => items.push(x));
            items.push((await h.finalMessage()).content[0]?.text);
          }),
        );
      }
    }
    return results;
  };
  const instrumented = await run();
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.some((r) => r.error !== undefined));
});
