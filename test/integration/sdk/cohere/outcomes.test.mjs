// The real `cohere-ai` SDK (CommonJS only, patched through require-in-the-middle) against local
// servers speaking Cohere's wire formats, with real faults: v2 chat (SSE) and v1 chat (NDJSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CohereInstrumentation } from '../../../../dist/instrumentations/sdk/cohere.js';
import { startNdjsonServer } from '../ndjson-script-server.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import {
  capture,
  histogram,
  instrument,
  onlySpan,
  outcomeCount,
  sdkRequire,
  streamSpans,
  until,
  withOptions,
} from '../sdk-harness.mjs';

const instrumentation = new CohereInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { CohereClient, CohereClientV2 } = require('cohere-ai');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

async function v2(t, fixture, mode) {
  const server = await startScriptServer(t);
  return { server, client: new CohereClientV2({ token: 'test', environment: server.baseURL(fixture, mode), maxRetries: 0 }) };
}

async function v1(t, fixture, mode) {
  const server = await startNdjsonServer(t, { contentType: 'application/stream+json' });
  return { server, client: new CohereClient({ token: 'test', environment: server.baseURL(fixture, mode), maxRetries: 0 }) };
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('a complete v2 chat stream is one completed span with GenAI attributes, usage and text length', async (t) => {
  const { client, server } = await v2(t, 'cohere-chat', 'full');
  const items = await drain(await client.chatStream({ model: 'c-complete', messages: MESSAGES }));
  assert.equal(items.length, 6);
  assert.equal(server.requests[0].url, '/cohere-chat/full/v2/chat');
  const span = onlySpan(otel, 'c-complete');
  assert.equal(span.name, 'chat c-complete');
  assert.equal(span.kind, 2 /* CLIENT */);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'cohere');
  assert.equal(a['midstream.terminal_seen'], true);
  assert.equal(a['gen_ai.provider.name'], 'cohere');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.response.id'], '29f14a5a-11de-4cae-9800-25e4747408ea');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['COMPLETE']);
  assert.equal(a['gen_ai.usage.input_tokens'], 71);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 6);
  assert.equal(a['midstream.output.chars'], 'Hello wörld'.length);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(a['server.port'], server.port);
  assert.equal(span.status.code, 0);
  assert.equal(await outcomeCount(otel, 'c-complete', 'completed'), 1);
});

test('records the GenAI metrics once per stream', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'full');
  await drain(await client.chatStream({ model: 'c-metrics', messages: MESSAGES }));
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'c-metrics');
  assert.equal(duration.value.count, 1);
  assert.equal(duration.attributes['gen_ai.provider.name'], 'cohere');
  const tokens = await histogram(otel, 'gen_ai.client.token.usage', 'c-metrics');
  assert.deepEqual(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]).sort(), [
    ['input', 71],
    ['output', 2],
  ]);
  assert.equal(await outcomeCount(otel, 'c-metrics'), 1);
});

test('captures the completion text only when content capture is on', async (t) => {
  withOptions(t, instrumentation, { captureContent: true });
  const { client } = await v2(t, 'cohere-chat', 'full');
  await drain(await client.chatStream({ model: 'c-capture', messages: MESSAGES }));
  assert.equal(onlySpan(otel, 'c-capture').attributes['midstream.content.output'], 'Hello wörld');
});

test('CohereClient().v2.chatStream() is tracked as well', async (t) => {
  const server = await startScriptServer(t);
  const client = new CohereClient({ token: 'test', environment: server.baseURL('cohere-chat', 'full'), maxRetries: 0 });
  await drain(await client.v2.chatStream({ model: 'c-v2-getter', messages: MESSAGES }));
  assert.equal(onlySpan(otel, 'c-v2-getter').attributes['midstream.outcome'], 'completed');
});

test('.withRawResponse() keeps working and the stream is tracked', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'full');
  const { data, rawResponse } = await client.chatStream({ model: 'c-raw', messages: MESSAGES }).withRawResponse();
  assert.equal(rawResponse.status, 200);
  assert.equal((await drain(data)).length, 6);
  assert.equal(onlySpan(otel, 'c-raw').attributes['midstream.outcome'], 'completed');
});

test('marks a clean close before message-end as truncated (the SDK ends silently)', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'cut3');
  const items = await drain(await client.chatStream({ model: 'c-cut', messages: MESSAGES }));
  assert.equal(items.length, 3);
  const span = onlySpan(otel, 'c-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
});

test('marks a destroyed socket as truncated and lets the SDK error through', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'destroy2');
  const items = [];
  await assert.rejects(
    drain(await client.chatStream({ model: 'c-destroy', messages: MESSAGES }), items),
    (e) => e instanceof TypeError && e.message === 'terminated',
  );
  assert.equal(items.length, 2);
  const span = onlySpan(otel, 'c-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(await outcomeCount(otel, 'c-destroy', 'truncated'), 1);
});

test('marks finish_reason ERROR in message-end as errored with that error.type', async (t) => {
  const { client } = await v2(t, 'cohere-chat-error', 'full');
  const items = await drain(await client.chatStream({ model: 'c-error', messages: MESSAGES }));
  assert.equal(items.at(-1).delta.finishReason, 'ERROR');
  const span = onlySpan(otel, 'c-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'ERROR');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['ERROR']);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 1, 'usage of a failed stream is still recorded');
  assert.equal(span.status.code, 2);
});

test('marks an abort through requestOptions.abortSignal as aborted with status unset', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'hold2');
  const ac = new AbortController();
  const stream = await client.chatStream({ model: 'c-abort', messages: MESSAGES }, { abortSignal: ac.signal });
  const result = await capture(async (items) => {
    for await (const item of stream) {
      items.push(item);
      if (items.length === 2) ac.abort();
    }
  });
  assert.equal(result.items.length, 2);
  assert.equal(result.error?.name, 'AbortError');
  const span = onlySpan(otel, 'c-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('an abort while the app is not reading ends the stream as aborted', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'hold2');
  const ac = new AbortController();
  await client.chatStream({ model: 'c-abort-idle', messages: MESSAGES }, { abortSignal: ac.signal });
  ac.abort();
  assert.equal(onlySpan(otel, 'c-abort-idle').attributes['midstream.outcome'], 'aborted');
});

test('marks a consumer break as cancelled', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'hold2');
  for await (const _ of await client.chatStream({ model: 'c-break', messages: MESSAGES })) break;
  const span = onlySpan(otel, 'c-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  assert.equal(span.status.code, 0);
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const { client } = await v2(t, 'cohere-chat', 'stall2x200');
  await drain(await client.chatStream({ model: 'c-stall', messages: MESSAGES }));
  const span = onlySpan(otel, 'c-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  assert.equal(span.events.find((e) => e.name === 'midstream.stall').attributes['midstream.chunk.index'], 1);
});

test('a complete v1 chat stream (NDJSON) is completed with its generation id, finish reason and usage', async (t) => {
  const { client, server } = await v1(t, 'cohere-v1-chat', 'full');
  const items = await drain(await client.chatStream({ model: 'c1-complete', message: 'Say hello' }));
  assert.equal(items.length, 4);
  assert.equal(server.requests[0].url, '/cohere-v1-chat/full/v1/chat');
  const a = onlySpan(otel, 'c1-complete').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['gen_ai.response.id'], '6f6e5d6f-5b3e-4c1a-9a52-7d3e8c0f1b2a');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['COMPLETE']);
  assert.equal(a['gen_ai.usage.input_tokens'], 69);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 4);
  assert.equal(a['midstream.output.chars'], 'Hello wörld'.length);
});

test('v1: lines split across writes and inside a UTF-8 character still complete', async (t) => {
  const { client } = await v1(t, 'cohere-v1-chat', 'split');
  const items = await drain(await client.chatStream({ model: 'c1-split', message: 'Say hello' }));
  assert.equal(items[2].text, ' wörld');
  assert.equal(onlySpan(otel, 'c1-split').attributes['midstream.outcome'], 'completed');
});

test('v1: a clean close before stream-end is truncated', async (t) => {
  const { client } = await v1(t, 'cohere-v1-chat', 'cut2');
  assert.equal((await drain(await client.chatStream({ model: 'c1-cut', message: 'x' }))).length, 2);
  assert.equal(onlySpan(otel, 'c1-cut').attributes['midstream.outcome'], 'truncated');
});

test('v1: a destroyed socket is truncated', async (t) => {
  const { client } = await v1(t, 'cohere-v1-chat', 'destroy2');
  await assert.rejects(drain(await client.chatStream({ model: 'c1-destroy', message: 'x' })));
  assert.equal(onlySpan(otel, 'c1-destroy').attributes['midstream.outcome'], 'truncated');
});

test('v1: finish_reason ERROR_TOXIC is errored with that error.type', async (t) => {
  const { client } = await v1(t, 'cohere-v1-chat-error', 'full');
  await drain(await client.chatStream({ model: 'c1-error', message: 'x' }));
  const span = onlySpan(otel, 'c1-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'ERROR_TOXIC');
});

test('v1: a consumer break is cancelled', async (t) => {
  const { client } = await v1(t, 'cohere-v1-chat', 'hold2');
  for await (const _ of await client.chatStream({ model: 'c1-break', message: 'x' })) break;
  assert.equal(onlySpan(otel, 'c1-break').attributes['midstream.outcome'], 'cancelled');
});

test('the Stream keeps its own class and keys', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'full');
  const stream = await client.chatStream({ model: 'c-shape', messages: MESSAGES });
  assert.equal(stream.constructor.name, 'Stream');
  assert.deepEqual(Object.keys(stream), [
    'controller',
    'stream',
    'parse',
    'prefix',
    'messageTerminator',
    'streamTerminator',
    'eventDiscriminator',
    'decoder',
  ]);
  await drain(stream);
  assert.equal(onlySpan(otel, 'c-shape').attributes['midstream.outcome'], 'completed');
});

test('the app sees identical items and errors with and without the instrumentation', async (t) => {
  const sse = await startScriptServer(t);
  const ndjson = await startNdjsonServer(t, { contentType: 'application/stream+json' });
  const scenarios = [
    ['v2', 'cohere-chat', 'full'],
    ['v2', 'cohere-chat', 'cut3'],
    ['v2', 'cohere-chat', 'destroy2'],
    ['v2', 'cohere-chat-error', 'full'],
    ['v1', 'cohere-v1-chat', 'full'],
    ['v1', 'cohere-v1-chat', 'split'],
    ['v1', 'cohere-v1-chat', 'destroy2'],
    ['v1', 'cohere-v1-chat-error', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [version, fixture, mode] of scenarios) {
      if (version === 'v2') {
        const client = new CohereClientV2({ token: 'test', environment: sse.baseURL(fixture, mode), maxRetries: 0 });
        results.push(
          await capture(async (items) => drain(await client.chatStream({ model: 'c-transparent', messages: MESSAGES }), items)),
        );
      } else {
        const client = new CohereClient({ token: 'test', environment: ndjson.baseURL(fixture, mode), maxRetries: 0 });
        results.push(
          await capture(async (items) => drain(await client.chatStream({ model: 'c-transparent', message: 'x' }), items)),
        );
      }
    }
    const ac = new AbortController();
    const client = new CohereClientV2({ token: 'test', environment: sse.baseURL('cohere-chat', 'hold2'), maxRetries: 0 });
    results.push(
      await capture(async (items) => {
        for await (const item of await client.chatStream(
          { model: 'c-transparent', messages: MESSAGES },
          { abortSignal: ac.signal },
        )) {
          items.push(item);
          if (items.length === 2) ac.abort();
        }
      }),
    );
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'c-transparent').length, 9);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(streamSpans(otel, 'c-transparent').length, 9, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
  assert.equal(plain.filter((r) => r.error !== undefined).length, 3, 'the scenarios include failures');
});

test('a stream that is never read and dropped ends as abandoned', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const { client } = await v2(t, 'cohere-chat', 'hold2');
  await client.chatStream({ model: 'c-abandon', messages: MESSAGES });
  await until(() => {
    gc();
    return streamSpans(otel, 'c-abandon').length === 1;
  }, 'the abandoned span');
  assert.equal(onlySpan(otel, 'c-abandon').attributes['midstream.outcome'], 'abandoned');
});

test('a CohereClientV2 made while enabled is no longer tracked after disable()', async (t) => {
  const { client } = await v2(t, 'cohere-chat', 'full');
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const items = await drain(await client.chatStream({ model: 'c-disabled', messages: MESSAGES }));
  assert.equal(items.length, 6);
  await otel.tracerProvider.forceFlush();
  assert.equal(streamSpans(otel, 'c-disabled').length, 0);
});
