// The real `groq-sdk` (CommonJS entry, patched through require-in-the-middle) against a local
// server speaking Groq's OpenAI-compatible wire format (usage in `x_groq.usage`), with real faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroqInstrumentation } from '../../../../dist/instrumentations/sdk/groq.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { sdkRequire, capture, histogram, instrument, onlySpan, outcomeCount, streamSpans, withOptions } from '../sdk-harness.mjs';

const instrumentation = new GroqInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: Groq } = require('groq-sdk');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

async function setup(t, fixture, mode) {
  const server = await startScriptServer(t);
  return new Groq({ baseURL: server.baseURL(fixture, mode), apiKey: 'test', maxRetries: 0 });
}

function chat(client, model, options) {
  return client.chat.completions.create({ model, messages: MESSAGES, stream: true }, options);
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('a complete stream is one completed span with usage from x_groq', async (t) => {
  const client = await setup(t, 'groq-chat', 'full');
  const items = await drain(await chat(client, 'g-complete'));
  assert.equal(items.length, 4);
  const span = onlySpan(otel, 'g-complete');
  assert.equal(span.name, 'chat g-complete');
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'groq');
  assert.equal(a['gen_ai.provider.name'], 'groq');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.response.model'], 'llama-3.1-8b-instant');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 40);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(await outcomeCount(otel, 'g-complete', 'completed'), 1);
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'g-complete');
  assert.equal(duration.value.count, 1);
  const tokens = await histogram(otel, 'gen_ai.client.token.usage', 'g-complete');
  assert.equal(tokens.length, 2);
});

test('a clean close before the finish_reason is truncated', async (t) => {
  const client = await setup(t, 'groq-chat', 'cut3');
  assert.equal((await drain(await chat(client, 'g-cut'))).length, 3);
  const span = onlySpan(otel, 'g-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.status.code, 2);
});

test('a destroyed socket is truncated', async (t) => {
  const client = await setup(t, 'groq-chat', 'destroy2');
  await assert.rejects(drain(await chat(client, 'g-destroy')), (e) => e instanceof TypeError && e.message === 'terminated');
  assert.equal(onlySpan(otel, 'g-destroy').attributes['midstream.outcome'], 'truncated');
});

test('an in-stream error is errored with the provider error type', async (t) => {
  const client = await setup(t, 'openai-chat-error', 'full');
  await assert.rejects(drain(await chat(client, 'g-error')), (e) => e instanceof Groq.APIError);
  const span = onlySpan(otel, 'g-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'server_error');
});

test('controller.abort() is aborted, a break is cancelled', async (t) => {
  const client = await setup(t, 'groq-chat', 'hold2');
  const stream = await chat(client, 'g-abort');
  let n = 0;
  for await (const _ of stream) if (++n === 2) stream.controller.abort();
  assert.equal(onlySpan(otel, 'g-abort').attributes['midstream.outcome'], 'aborted');
  for await (const _ of await chat(client, 'g-break')) break;
  assert.equal(onlySpan(otel, 'g-break').attributes['midstream.outcome'], 'cancelled');
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const client = await setup(t, 'groq-chat', 'stall2x200');
  await drain(await chat(client, 'g-stall'));
  const span = onlySpan(otel, 'g-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
});

test('tee(), toReadableStream(), .withResponse() and .asResponse() keep working', async (t) => {
  const client = await setup(t, 'groq-chat', 'full');
  const [left, right] = (await chat(client, 'g-tee')).tee();
  const [a, b] = await Promise.all([drain(left), drain(right)]);
  assert.deepEqual(a, b);
  assert.equal(onlySpan(otel, 'g-tee').attributes['midstream.chunk.count'], 4);
  const text = await new Response((await chat(client, 'g-readable')).toReadableStream()).text();
  assert.equal(text.trim().split('\n').length, 4);
  const { data, response } = await chat(client, 'g-with').withResponse();
  assert.equal(response.status, 200);
  assert.equal((await drain(data)).length, 4);
  const raw = await chat(client, 'g-as').asResponse();
  assert.match(await raw.text(), /\[DONE\]/);
  assert.equal(streamSpans(otel, 'g-as').length, 0);
});

test('the app sees identical items and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const scenarios = [
    ['groq-chat', 'full'],
    ['groq-chat', 'cut3'],
    ['groq-chat', 'destroy2'],
    ['openai-chat-error', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [fixture, mode] of scenarios) {
      const client = new Groq({ baseURL: server.baseURL(fixture, mode), apiKey: 'test', maxRetries: 0 });
      results.push(await capture(async (items) => drain(await chat(client, 'g-transparent'), items)));
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
