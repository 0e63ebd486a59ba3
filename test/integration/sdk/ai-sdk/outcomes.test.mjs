// The Vercel AI SDK (`ai` streamText) on @ai-sdk/openai models (CommonJS builds, patched through
// require-in-the-middle) against a local server speaking the OpenAI wire formats, with real faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { capture, histogram, instrument, onlySpan, outcomeCount, sdkRequire, streamSpans, until, withOptions } from '../sdk-harness.mjs';

const instrumentation = new AiSdkInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const { streamText } = require('ai');

/** A model of the given API ('chat' = openai.chat(), 'responses' = openai()) on the script server. */
async function modelFor(t, fixture, mode, api, modelId) {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test' });
  return api === 'chat' ? provider.chat(modelId) : provider(modelId);
}

function stream(model, options = {}) {
  return streamText({ model, prompt: 'Say hello', maxRetries: 0, onError: () => {}, ...options });
}

/**
 * The finish reason the AI SDK reports for a stream that ended before the provider's terminal event:
 * 'other' (LanguageModelV3, @ai-sdk/openai 3.x and 4.0.0), 'interrupted' (later 4.0.x, LanguageModelV4).
 * Neither is an error: the app is told nothing went wrong.
 */
const EARLY_END_REASONS = ['other', 'interrupted'];

async function drain(iterable, items = []) {
  for await (const item of iterable) items.push(item);
  return items;
}

test('a complete chat stream read through textStream is one completed chat span with GenAI attributes', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-complete');
  const text = await drain(stream(model).textStream);
  assert.deepEqual(text, ['Hello', ' world']);
  const span = onlySpan(otel, 'ai-complete');
  assert.equal(span.name, 'chat ai-complete');
  assert.equal(span.kind, 2 /* CLIENT */);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'ai-sdk');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(a['gen_ai.response.id'], 'chatcmpl-A1');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 9);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 3, 'one text-delta per content chunk (the role chunk has an empty one)');
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(typeof a['server.port'], 'number');
  assert.equal(span.status.code, 0);
  assert.equal(await outcomeCount(otel, 'ai-complete', 'completed'), 1);
  assert.equal(await outcomeCount(otel, 'ai-complete'), 1);
});

test('records the GenAI duration and token metrics once per stream', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-metrics');
  await drain(stream(model).textStream);
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'ai-metrics');
  assert.equal(duration.value.count, 1);
  assert.equal(duration.attributes['gen_ai.provider.name'], 'openai');
  const tokens = await histogram(otel, 'gen_ai.client.token.usage', 'ai-metrics');
  assert.deepEqual(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]).sort(), [
    ['input', 9],
    ['output', 2],
  ]);
});

test('a Responses API stream (openai(model)) is completed with usage from response.completed', async (t) => {
  const model = await modelFor(t, 'openai-responses', 'full', 'responses', 'ai-resp');
  assert.deepEqual(await drain(stream(model).textStream), ['Hello', ' world']);
  const a = onlySpan(otel, 'ai-resp').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['gen_ai.response.id'], 'resp_67c9');
  assert.equal(a['gen_ai.response.model'], 'gpt-4.1-mini-2025-04-14');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 9);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
});

test('the result promises (text, usage, finishReason) alone consume and complete the stream', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-promises');
  const result = stream(model);
  const [text, usage, finishReason] = await Promise.all([result.text, result.usage, result.finishReason]);
  assert.equal(text, 'Hello world');
  assert.equal(usage.outputTokens, 2);
  assert.equal(finishReason, 'stop');
  assert.equal(onlySpan(otel, 'ai-promises').attributes['midstream.outcome'], 'completed');
});

test('fullStream: every part reaches the app and the span completes', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-full');
  const types = (await drain(stream(model).fullStream)).map((p) => p.type);
  assert.ok(types.includes('text-delta') && types.at(-1) === 'finish', types.join());
  assert.equal(onlySpan(otel, 'ai-full').attributes['midstream.outcome'], 'completed');
});

test('captures the completion text only when content capture is on', async (t) => {
  withOptions(t, instrumentation, { captureContent: true });
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-capture');
  await drain(stream(model).textStream);
  assert.equal(onlySpan(otel, 'ai-capture').attributes['midstream.content.output'], 'Hello world');
});

test('marks a clean close before the finish_reason as truncated although the SDK finishes with "other"', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'cut3', 'chat', 'ai-cut');
  const result = stream(model);
  assert.deepEqual(await drain(result.textStream), ['Hello', ' world']);
  const reason = await result.finishReason;
  assert.ok(EARLY_END_REASONS.includes(reason), `the AI SDK reports no error: ${reason}`);
  const span = onlySpan(otel, 'ai-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.attributes['gen_ai.response.finish_reasons'], undefined);
  assert.equal(span.attributes['midstream.chunk.count'], 3, 'a truncated stream still records its chunks');
  assert.equal(span.attributes['midstream.output.chars'], 'Hello world'.length);
  assert.equal(span.status.code, 2);
});

test('a chat stream that ended after its finish_reason but before the usage chunk is completed', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'cut4', 'chat', 'ai-cut-usage');
  await drain(stream(model).textStream);
  const a = onlySpan(otel, 'ai-cut-usage').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.output_tokens'], undefined, 'no usage reported, none estimated');
});

test('marks a Responses stream closed before response.completed as truncated', async (t) => {
  const model = await modelFor(t, 'openai-responses', 'cut6', 'responses', 'ai-resp-cut');
  const result = stream(model);
  await drain(result.textStream);
  assert.ok(EARLY_END_REASONS.includes(await result.finishReason));
  assert.equal(onlySpan(otel, 'ai-resp-cut').attributes['midstream.outcome'], 'truncated');
});

test('marks a destroyed socket as truncated and lets the SDK error through', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'destroy2', 'chat', 'ai-destroy');
  const { items, error } = await capture(async (parts) => drain(stream(model).fullStream, parts));
  // APICallError (cause: TypeError terminated); @ai-sdk/openai < 3.0.100 passes the TypeError itself.
  assert.ok(['APICallError', 'TypeError'].includes(error?.ctor), `iterating fullStream throws: ${error?.ctor}`);
  assert.ok(items.some((p) => p.type === 'text-delta'));
  const span = onlySpan(otel, 'ai-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
});

test('marks an in-stream error part as errored with the provider error type', async (t) => {
  const model = await modelFor(t, 'openai-chat-error', 'full', 'chat', 'ai-error');
  const parts = await drain(stream(model).fullStream);
  assert.ok(parts.some((p) => p.type === 'error'));
  const span = onlySpan(otel, 'ai-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'server_error');
  assert.equal(span.status.code, 2);
  assert.equal(await outcomeCount(otel, 'ai-error', 'errored'), 1);
});

test('a Responses response.failed before any output is errored (doStream rejects), never completed', async (t) => {
  const model = await modelFor(t, 'openai-responses-failed', 'full', 'responses', 'ai-resp-failed');
  const parts = await drain(stream(model).fullStream);
  const span = onlySpan(otel, 'ai-resp-failed');
  const error = parts.find((p) => p.type === 'error')?.error;
  if (error !== undefined) {
    assert.equal(error.message, 'The model failed to generate a response.');
    assert.equal(span.attributes['midstream.outcome'], 'errored');
    assert.equal(span.attributes['error.type'], 'server_error');
  } else {
    // @ai-sdk/openai before ~3.0.100 drops response.failed and finishes with 'other': no terminal.
    assert.equal(span.attributes['midstream.outcome'], 'truncated');
  }
  assert.equal(span.status.code, 2);
});

test('marks an abort through abortSignal as aborted with status unset', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'hold2', 'chat', 'ai-abort');
  const ac = new AbortController();
  const types = [];
  for await (const part of stream(model, { abortSignal: ac.signal }).fullStream) {
    types.push(part.type);
    if (part.type === 'text-delta') ac.abort();
  }
  assert.equal(types.at(-1), 'abort');
  const span = onlySpan(otel, 'ai-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('an abort before the response arrives is a failed call, not a stream', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'hold0', 'chat', 'ai-abort-early');
  const ac = new AbortController();
  const result = stream(model, { abortSignal: ac.signal });
  const reading = drain(result.fullStream);
  setImmediate(() => ac.abort());
  await reading;
  const span = onlySpan(otel, 'ai-abort-early');
  assert.equal(span.attributes['midstream.outcome'], undefined);
  assert.equal(span.status.code, 2);
  assert.equal(typeof span.attributes['error.type'], 'string');
  assert.equal(await outcomeCount(otel, 'ai-abort-early'), 0);
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const model = await modelFor(t, 'openai-chat', 'stall2x200', 'chat', 'ai-stall');
  await drain(stream(model).textStream);
  const span = onlySpan(otel, 'ai-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  assert.ok(span.events.find((e) => e.name === 'midstream.stall').attributes['midstream.stall.gap'] >= 0.15);
});

test('the app sees identical text, parts and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const scenarios = [
    ['openai-chat', 'full', 'chat'],
    ['openai-chat', 'cut3', 'chat'],
    ['openai-chat', 'destroy2', 'chat'],
    ['openai-chat-error', 'full', 'chat'],
    ['openai-responses', 'full', 'responses'],
    ['openai-responses-failed', 'full', 'responses'],
  ];
  // Parts without ids, timestamps, Date headers and (ai 7) step timings that differ between two runs by nature.
  const STABLE_SKIP = new Set(['timestamp', 'id', 'responseHeaders', 'headers', 'stack', 'performance']);
  const stable = (part) =>
    JSON.stringify(part, (k, v) => (STABLE_SKIP.has(k) ? undefined : v));
  const run = async () => {
    const results = [];
    for (const [fixture, mode, api] of scenarios) {
      const provider = createOpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test' });
      const model = api === 'chat' ? provider.chat('ai-transparent') : provider('ai-transparent');
      results.push(await capture(async (items) => drain(stream(model).textStream, items)));
      results.push(
        await capture(async (items) => {
          for await (const part of stream(model).fullStream) items.push(stable(part));
        }),
      );
      results.push(
        await capture(async (items) => {
          const r = stream(model);
          items.push(await r.text, await r.finishReason, JSON.stringify(await r.usage));
        }),
      );
    }
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'ai-transparent').length, 18);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(streamSpans(otel, 'ai-transparent').length, 18, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.some((r) => r.error !== undefined || r.items.some((i) => String(i).includes('"type":"error"'))));
});

test('marks a consumer break out of textStream as cancelled (the SDK keeps the provider stream open)', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'hold3', 'chat', 'ai-break');
  for await (const _ of stream(model).textStream) break;
  // ai 7's textStream is one more pipe away from the tee branch: the cancel reaches it a few turns later.
  await until(() => streamSpans(otel, 'ai-break').length === 1, 'the cancelled span');
  const span = onlySpan(otel, 'ai-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks a break out of fullStream as cancelled', async (t) => {
  const model = await modelFor(t, 'openai-responses', 'hold5', 'responses', 'ai-break-full');
  for await (const part of stream(model).fullStream) if (part.type === 'text-delta') break;
  assert.equal(onlySpan(otel, 'ai-break-full').attributes['midstream.outcome'], 'cancelled');
});

test('a break from one consumer while a result promise still reads the stream is not a cancel', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'full', 'chat', 'ai-break-one');
  const result = stream(model);
  const text = result.text;
  for await (const _ of result.textStream) break;
  assert.equal(await text, 'Hello world');
  assert.equal(onlySpan(otel, 'ai-break-one').attributes['midstream.outcome'], 'completed');
});

test('a cancelled toTextStreamResponse() body is cancelled', async (t) => {
  const model = await modelFor(t, 'openai-chat', 'hold3', 'chat', 'ai-response-cancel');
  const response = stream(model).toTextStreamResponse();
  const reader = response.body.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value), 'Hello');
  await reader.cancel();
  // The cancel reaches the tee branch through the response body's pipe chain a few turns later.
  await until(() => streamSpans(otel, 'ai-response-cancel').length === 1, 'the cancelled span');
  assert.equal(onlySpan(otel, 'ai-response-cancel').attributes['midstream.outcome'], 'cancelled');
});
