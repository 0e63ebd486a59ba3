// `ai` streamObject on an @ai-sdk/openai chat model: partial objects from a JSON text stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { capture, instrument, onlySpan, outcomeCount, sdkRequire, streamSpans, until } from '../sdk-harness.mjs';

const instrumentation = new AiSdkInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const { streamObject } = require('ai');
const { z } = require('zod');

const SCHEMA = z.object({ name: z.string(), born: z.number() });

async function objectStream(t, mode, modelId, options = {}) {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL('openai-chat-json', mode, '/v1'), apiKey: 'test' });
  return streamObject({ model: provider.chat(modelId), schema: SCHEMA, prompt: 'Who?', maxRetries: 0, onError: () => {}, ...options });
}

test('partialObjectStream: every partial object reaches the app and the span completes', async (t) => {
  const result = await objectStream(t, 'full', 'ai-object');
  const partials = [];
  for await (const partial of result.partialObjectStream) partials.push(partial);
  assert.deepEqual(partials.at(-1), { name: 'Ada Lovelace', born: 1815 });
  assert.deepEqual(await result.object, { name: 'Ada Lovelace', born: 1815 });
  const span = onlySpan(otel, 'ai-object');
  assert.equal(span.name, 'chat ai-object');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 9);
  assert.equal(span.attributes['midstream.chunk.count'], 6);
  assert.equal(span.attributes['midstream.output.chars'], '{"name":"Ada Lovelace","born":1815}'.length);
  assert.equal(await outcomeCount(otel, 'ai-object'), 1);
});

test('a JSON stream cut before its finish_reason is truncated; the app gets a partial object', async (t) => {
  const result = await objectStream(t, 'cut4', 'ai-object-cut');
  const partials = [];
  for await (const partial of result.partialObjectStream) partials.push(partial);
  assert.deepEqual(partials.at(-1), { name: 'Ada Lovelace' });
  const { error } = await capture(async () => result.object);
  assert.equal(error?.ctor, 'NoObjectGeneratedError');
  assert.equal(onlySpan(otel, 'ai-object-cut').attributes['midstream.outcome'], 'truncated');
});

test('marks a break out of partialObjectStream as cancelled', async (t) => {
  const result = await objectStream(t, 'hold3', 'ai-object-break');
  for await (const _ of result.partialObjectStream) break;
  // The cancel reaches the provider stream through the SDK's pipe chain a few turns later.
  await until(() => streamSpans(otel, 'ai-object-break').length === 1, 'the cancelled span');
  const span = onlySpan(otel, 'ai-object-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.status.code, 0);
});

test('marks an abort of streamObject as aborted', async (t) => {
  const ac = new AbortController();
  const result = await objectStream(t, 'hold3', 'ai-object-abort', { abortSignal: ac.signal });
  const { error } = await capture(async () => {
    for await (const _ of result.partialObjectStream) ac.abort();
  });
  assert.equal(error?.name, 'AbortError', 'the app sees the SDK\'s own AbortError');
  assert.equal(onlySpan(otel, 'ai-object-abort').attributes['midstream.outcome'], 'aborted');
});
