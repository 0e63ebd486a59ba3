// `client.beta.messages` (`create({stream: true})`, `stream()` / BetaMessageStream): the same
// Messages wire format on `/v1/messages` (older SDKs add `?beta=true`), with the `anthropic-beta` header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnthropicInstrumentation } from '../../../../dist/instrumentations/sdk/anthropic.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { capture, instrument, onlySpan, outcomeCount, sdkRequire, streamSpans } from '../sdk-harness.mjs';

const instrumentation = new AnthropicInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: Anthropic } = require('@anthropic-ai/sdk');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];
const BETAS = ['interleaved-thinking-2025-05-14'];

async function setup(t, fixture, mode, sdkTracing = false) {
  const server = await startScriptServer(t);
  const client = new Anthropic({
    baseURL: server.baseURL(fixture, mode),
    apiKey: 'test',
    maxRetries: 0,
    openTelemetry: sdkTracing ? { tracerProvider: otel.tracerProvider } : false,
  });
  return { server, client };
}

function create(client, model, options) {
  return client.beta.messages.create({ model, max_tokens: 64, messages: MESSAGES, stream: true, betas: BETAS }, options);
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('beta.messages.create({stream: true}) is one completed chat span with usage', async (t) => {
  const { client, server } = await setup(t, 'anthropic-messages', 'full');
  const items = await drain(await create(client, 'b-complete'));
  assert.equal(items.length, 7);
  assert.match(server.requests[0].url, /\/v1\/messages(\?beta=true)?$/, 'the beta path (1.x drops the ?beta=true query)');
  const span = onlySpan(otel, 'b-complete');
  assert.equal(span.name, 'chat b-complete');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(span.attributes['gen_ai.response.id'], 'msg_01XFDUDYJgAACzvnptvVoYEL');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 25);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 15);
  assert.equal(await outcomeCount(otel, 'b-complete', 'completed'), 1);
});

test('beta.messages.create: a clean close before message_stop is truncated, a break is cancelled, an abort is aborted', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'cut7');
  await drain(await create(client, 'b-cut'));
  assert.equal(onlySpan(otel, 'b-cut').attributes['midstream.outcome'], 'truncated');
  const held = await setup(t, 'anthropic-messages', 'hold3');
  for await (const _ of await create(held.client, 'b-break')) break;
  assert.equal(onlySpan(otel, 'b-break').attributes['midstream.outcome'], 'cancelled');
  const ac = new AbortController();
  let n = 0;
  for await (const _ of await create(held.client, 'b-signal', { signal: ac.signal })) if (++n === 2) ac.abort();
  assert.equal(onlySpan(otel, 'b-signal').attributes['midstream.outcome'], 'aborted');
});

test('beta.messages.create: an error event is errored with the provider error type', async (t) => {
  const { client } = await setup(t, 'anthropic-error', 'full');
  await assert.rejects(drain(await create(client, 'b-error')), (e) => e instanceof Anthropic.APIError);
  const span = onlySpan(otel, 'b-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'overloaded_error');
});

for (const sdkTracing of [false, true]) {
  test(`beta.messages.stream() (BetaMessageStream, SDK tracing ${sdkTracing ? 'on' : 'off'}): text events and finalMessage work, one span`, async (t) => {
    const model = `b-helper-${sdkTracing}`;
    const { client } = await setup(t, 'anthropic-messages', 'full', sdkTracing);
    const helper = client.beta.messages.stream({ model, max_tokens: 64, messages: MESSAGES, betas: BETAS });
    const texts = [];
    helper.on('text', (text) => texts.push(text));
    const final = await helper.finalMessage();
    assert.equal(final.content[0].text, 'Hello world');
    assert.deepEqual(texts, ['Hello', ' world']);
    const span = onlySpan(otel, model);
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(span.attributes['midstream.output.chars'], 'Hello world'.length);
    assert.equal(await outcomeCount(otel, model), 1);
  });
}

test('beta.messages.stream() on a truncated stream: the SDK error and a truncated span', async (t) => {
  const { client } = await setup(t, 'anthropic-messages', 'cut7');
  const helper = client.beta.messages.stream({ model: 'b-helper-cut', max_tokens: 64, messages: MESSAGES, betas: BETAS });
  await assert.rejects(helper.finalMessage());
  assert.equal(onlySpan(otel, 'b-helper-cut').attributes['midstream.outcome'], 'truncated');
});

test('the app sees identical beta items and errors with and without the instrumentation', async (t) => {
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
      const client = new Anthropic({ baseURL: server.baseURL(fixture, mode), apiKey: 'test', maxRetries: 0, openTelemetry: false });
      results.push(await capture(async (items) => drain(await create(client, 'b-transparent'), items)));
      results.push(
        await capture(async (items) => {
          const h = client.beta.messages.stream({ model: 'b-transparent', max_tokens: 64, messages: MESSAGES, betas: BETAS });
          h.on('text', (x) => items.push(x));
          items.push((await h.finalMessage()).content[0]?.text);
        }),
      );
    }
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'b-transparent').length, 8);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.some((r) => r.error !== undefined));
});
