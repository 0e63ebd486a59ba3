// The real `openai` SDK (CommonJS entry, patched through require-in-the-middle) against a local
// server speaking the OpenAI wire format, with real faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { context } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { isSdkStream } from '../../../../dist/core/layering.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { sdkRequire, capture, histogram, instrument, onlySpan, outcomeCount, streamSpans, until, withOptions } from '../sdk-harness.mjs';

const instrumentation = new OpenAIInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: OpenAI } = require('openai');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

async function setup(t, fixture, mode) {
  const server = await startScriptServer(t);
  const client = new OpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test', maxRetries: 0 });
  return { server, client };
}

function chat(client, model, options) {
  return client.chat.completions.create({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }, options);
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('a complete chat stream is one completed span with GenAI attributes, usage and text length', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const items = await drain(await chat(client, 'm-complete'));
  assert.equal(items.length, 5);
  const span = onlySpan(otel, 'm-complete');
  assert.equal(span.name, 'chat m-complete');
  assert.equal(span.kind, 2 /* CLIENT */);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'openai');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(a['gen_ai.response.id'], 'chatcmpl-A1');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 9);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 5);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.equal(a['server.address'], '127.0.0.1');
  assert.ok(a['gen_ai.response.time_to_first_chunk'] > 0);
  assert.equal(span.status.code, 0);
  assert.equal(await outcomeCount(otel, 'm-complete'), 1);
  assert.equal(await outcomeCount(otel, 'm-complete', 'completed'), 1);
});

test('records the GenAI metrics once per stream', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  await drain(await chat(client, 'm-metrics'));
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'm-metrics');
  assert.equal(duration.value.count, 1);
  assert.equal(duration.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(duration.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(duration.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(duration.attributes['error.type'], undefined);
  const [ttfc] = await histogram(otel, 'gen_ai.client.operation.time_to_first_chunk', 'm-metrics');
  assert.equal(ttfc.value.count, 1);
  const [perChunk] = await histogram(otel, 'gen_ai.client.operation.time_per_output_chunk', 'm-metrics');
  assert.equal(perChunk.value.count, 4, 'one gap per chunk after the first');
  const tokens = await histogram(otel, 'gen_ai.client.token.usage', 'm-metrics');
  assert.deepEqual(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]).sort(), [
    ['input', 9],
    ['output', 2],
  ]);
  assert.equal(await outcomeCount(otel, 'm-metrics'), 1);
});

test('captures the completion text only when content capture is on', async (t) => {
  withOptions(t, instrumentation, { captureContent: true });
  const { client } = await setup(t, 'openai-chat', 'full');
  await drain(await chat(client, 'm-capture'));
  assert.equal(onlySpan(otel, 'm-capture').attributes['midstream.content.output'], 'Hello world');
});

test('starts the span when the request is issued, before the response headers', async (t) => {
  // stall0x300: the server holds its headers (sent with the first write) 300 ms after the request
  // arrives. A span started at the request is at least that long before the headers reach the app,
  // however loaded the machine; one started at the headers or the first chunk is not.
  const { client } = await setup(t, 'openai-chat', 'stall0x300');
  const stream = await chat(client, 'm-start');
  const headersAt = Date.now();
  await drain(stream);
  const span = onlySpan(otel, 'm-start');
  const startMs = span.startTime[0] * 1000 + span.startTime[1] / 1e6;
  assert.ok(startMs <= headersAt - 250, `span starts at the request (${headersAt - startMs} ms before the headers)`);
});

test('marks a clean close before the finish_reason as truncated', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'cut3');
  const items = await drain(await chat(client, 'm-cut'));
  assert.equal(items.length, 3, 'the SDK ends silently');
  const span = onlySpan(otel, 'm-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'm-cut');
  assert.equal(duration.attributes['error.type'], 'stream_truncated');
  // What the cut cost: the characters of the partial answer, counted by outcome.
  const received = items.map((c) => c.choices[0]?.delta?.content ?? '').join('').length;
  assert.ok(received > 0);
  assert.equal(span.attributes['midstream.output.chars'], received);
  const chars = await histogram(otel, 'midstream.stream.output_chars', 'm-cut');
  assert.equal(chars.length, 1);
  assert.equal(chars[0].attributes['midstream.outcome'], 'truncated');
  assert.equal(chars[0].value, received);
});

test('marks a destroyed socket as truncated and lets the SDK error through', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'destroy2');
  const items = [];
  await assert.rejects(drain(await chat(client, 'm-destroy'), items), (e) => e instanceof TypeError && e.message === 'terminated');
  assert.equal(items.length, 2);
  const span = onlySpan(otel, 'm-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
  assert.equal(await outcomeCount(otel, 'm-destroy', 'truncated'), 1);
});

test('marks an in-stream error as errored with the provider error type', async (t) => {
  const { client } = await setup(t, 'openai-chat-error', 'full');
  await assert.rejects(drain(await chat(client, 'm-error')), (e) => e instanceof OpenAI.APIError && e.status === undefined);
  const span = onlySpan(otel, 'm-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'server_error');
  assert.equal(span.status.code, 2);
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'm-error');
  assert.equal(duration.attributes['error.type'], 'server_error');
});

test('marks stream.controller.abort() as aborted with status unset', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'hold2');
  const stream = await chat(client, 'm-abort');
  const items = [];
  for await (const item of stream) {
    items.push(item);
    if (items.length === 2) stream.controller.abort();
  }
  const span = onlySpan(otel, 'm-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks an abort through the request signal as aborted', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'hold2');
  const ac = new AbortController();
  const stream = await chat(client, 'm-signal', { signal: ac.signal });
  const items = [];
  for await (const item of stream) {
    items.push(item);
    if (items.length === 2) ac.abort();
  }
  assert.equal(onlySpan(otel, 'm-signal').attributes['midstream.outcome'], 'aborted');
});

test('marks a consumer break as cancelled', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'hold2');
  for await (const _ of await chat(client, 'm-break')) break;
  const span = onlySpan(otel, 'm-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  assert.equal(span.status.code, 0);
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const { client } = await setup(t, 'openai-chat', 'stall2x200');
  await drain(await chat(client, 'm-stall'));
  const span = onlySpan(otel, 'm-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.15);
  assert.equal(stall.attributes['midstream.chunk.index'], 1);
});

test('chat.completions.stream() helper: finalChatCompletion works and the stream is tracked once', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const runner = client.chat.completions.stream({ model: 'm-helper', messages: MESSAGES, stream_options: { include_usage: true } });
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'Hello world');
  assert.deepEqual(deltas, ['Hello', ' world']);
  assert.equal(onlySpan(otel, 'm-helper').attributes['midstream.outcome'], 'completed');
  assert.equal(await outcomeCount(otel, 'm-helper'), 1);
});

test('chat.completions.stream() helper on a truncated stream: the SDK error and a truncated span', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'cut3');
  const runner = client.chat.completions.stream({ model: 'm-helper-cut', messages: MESSAGES });
  await assert.rejects(runner.finalChatCompletion(), /missing finish_reason/);
  assert.equal(onlySpan(otel, 'm-helper-cut').attributes['midstream.outcome'], 'truncated');
});

test('legacy completions are text_completion streams', async (t) => {
  const { client } = await setup(t, 'openai-completions', 'full');
  const items = await drain(await client.completions.create({ model: 'm-legacy', prompt: 'Say hello', stream: true }));
  assert.equal(items.length, 3);
  const span = onlySpan(otel, 'm-legacy');
  assert.equal(span.name, 'text_completion m-legacy');
  assert.equal(span.attributes['gen_ai.operation.name'], 'text_completion');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['length']);
  assert.equal(span.attributes['midstream.output.chars'], 'Hello world'.length);
});

test('Responses API stream: completed with usage from response.completed', async (t) => {
  const { client } = await setup(t, 'openai-responses', 'full');
  const items = await drain(await client.responses.create({ model: 'm-resp', input: 'Say hello', stream: true }));
  assert.equal(items.length, 10);
  const span = onlySpan(otel, 'm-resp');
  assert.equal(span.name, 'chat m-resp');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['gen_ai.response.id'], 'resp_67c9');
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4.1-mini-2025-04-14');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 9);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
  assert.equal(span.attributes['midstream.output.chars'], 'Hello world'.length);
});

test('Responses API: a clean close before response.completed is truncated', async (t) => {
  const { client } = await setup(t, 'openai-responses', 'cut6');
  await drain(await client.responses.create({ model: 'm-resp-cut', input: 'Say hello', stream: true }));
  assert.equal(onlySpan(otel, 'm-resp-cut').attributes['midstream.outcome'], 'truncated');
});

test('Responses API: response.failed is errored with its error code', async (t) => {
  const { client } = await setup(t, 'openai-responses-failed', 'full');
  const items = await drain(await client.responses.create({ model: 'm-resp-failed', input: 'x', stream: true }));
  assert.equal(items.at(-1).type, 'response.failed');
  const span = onlySpan(otel, 'm-resp-failed');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'server_error');
});

test('responses.stream() helper: finalResponse works and the stream is tracked', async (t) => {
  const { client } = await setup(t, 'openai-responses', 'full');
  const helper = client.responses.stream({ model: 'm-resp-helper', input: 'Say hello' });
  const final = await helper.finalResponse();
  assert.equal(final.output[0].content[0].text, 'Hello world');
  assert.equal(onlySpan(otel, 'm-resp-helper').attributes['midstream.outcome'], 'completed');
});

test('tee(): both halves see every item, counted once', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const [left, right] = (await chat(client, 'm-tee')).tee();
  const [a, b] = await Promise.all([drain(left), drain(right)]);
  assert.equal(a.length, 5);
  assert.deepEqual(a, b);
  const span = onlySpan(otel, 'm-tee');
  assert.equal(span.attributes['midstream.chunk.count'], 5);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
});

test('toReadableStream(): the bytes are the same and the stream is tracked', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const readable = (await chat(client, 'm-readable')).toReadableStream();
  const text = await new Response(readable).text();
  assert.equal(text.trim().split('\n').length, 5);
  assert.equal(onlySpan(otel, 'm-readable').attributes['midstream.outcome'], 'completed');
});

test('.withResponse() keeps working on the returned APIPromise', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const { data, response, request_id } = await chat(client, 'm-with-response').withResponse();
  assert.equal(response.status, 200);
  assert.equal(request_id, 'req_test');
  assert.equal((await drain(data)).length, 5);
  assert.equal(onlySpan(otel, 'm-with-response').attributes['midstream.outcome'], 'completed');
});

test('.asResponse() keeps working and gives the raw body (no stream span: the app parses it)', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  const response = await chat(client, 'm-as-response').asResponse();
  assert.equal(response.status, 200);
  assert.match(await response.text(), /data: \[DONE\]/);
  assert.equal(streamSpans(otel, 'm-as-response').length, 0);
});

test('the SDK request runs in a context marked as an SDK stream (fetch layer counts it once)', async (t) => {
  const server = await startScriptServer(t);
  const seen = [];
  const fetchSpy = (url, init) => {
    seen.push(isSdkStream(context.active()));
    return globalThis.fetch(url, init);
  };
  const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test', maxRetries: 0, fetch: fetchSpy });
  await drain(await chat(client, 'm-layer'));
  assert.deepEqual(seen, [true]);
  assert.equal(isSdkStream(context.active()), false, 'the mark does not leak to the caller');
  assert.equal(await outcomeCount(otel, 'm-layer'), 1);
});

test('the app sees identical items and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const scenarios = [
    ['openai-chat', 'full'],
    ['openai-chat', 'cut3'],
    ['openai-chat', 'destroy2'],
    ['openai-chat-error', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [fixture, mode] of scenarios) {
      const client = new OpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test', maxRetries: 0 });
      results.push(await capture(async (items) => drain(await chat(client, 'm-transparent'), items)));
      results.push(
        await capture(async (items) => {
          const r = client.chat.completions.stream({ model: 'm-transparent', messages: MESSAGES });
          r.on('content', (d) => items.push(d));
          items.push((await r.finalChatCompletion()).choices[0].message.content);
        }),
      );
    }
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'm-transparent').length, 8);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(streamSpans(otel, 'm-transparent').length, 8, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.some((r) => r.error !== undefined), 'the scenarios include failures');
});

test('a stream that is never read and dropped ends as abandoned', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const { client } = await setup(t, 'openai-chat', 'hold2');
  await chat(client, 'm-abandon');
  await until(() => {
    gc();
    return streamSpans(otel, 'm-abandon').length === 1;
  }, 'the abandoned span');
  assert.equal(onlySpan(otel, 'm-abandon').attributes['midstream.outcome'], 'abandoned');
});

test('with no transport layer in sight, the SDK span has no midstream.bytes (never a false 0)', async (t) => {
  const { client } = await setup(t, 'openai-chat', 'full');
  await drain(await chat(client, 'm-no-bytes'));
  const span = onlySpan(otel, 'm-no-bytes');
  assert.equal(span.attributes['midstream.chunk.count'], 5);
  assert.equal('midstream.bytes' in span.attributes, false);
});
