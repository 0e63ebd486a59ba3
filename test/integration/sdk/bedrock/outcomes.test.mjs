// ConverseStream through the real Bedrock runtime SDK over HTTP/2 against a local server speaking
// AWS event-stream framing, with real faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { BedrockInstrumentation } from '../../../../dist/instrumentations/sdk/bedrock.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { sdkRequire, histogram, instrument, onlySpan, outcomeCount, streamSpans, until, withOptions } from '../sdk-harness.mjs';
import { converse, drain, setup } from './bedrock-setup.mjs';

const instrumentation = new BedrockInstrumentation();
const otel = instrument(instrumentation);
const sdk = sdkRequire(import.meta.url)('@aws-sdk/client-bedrock-runtime');

test('a complete ConverseStream is one completed chat span with usage from the metadata event', async (t) => {
  const { server, client } = await setup(t, sdk, 'converse-stream', 'full');
  const output = await converse(sdk, client, 'b-complete');
  const items = await drain(output.stream);
  assert.equal(items.length, 6);
  assert.equal(
    server.requests[0].protocol,
    process.env.MIDSTREAM_SDK_DIR ? server.requests[0].protocol : 'h2',
    "the SDK's own HTTP/2 handler",
  );
  assert.match(server.requests[0].path, /^\/converse-stream\/full\/model\/b-complete\/converse-stream$/);
  assert.match(server.requests[0].authorization, /^AWS4-HMAC-SHA256 Credential=AKIDMIDSTREAMTEST\//);
  const span = onlySpan(otel, 'b-complete');
  assert.equal(span.name, 'chat b-complete');
  assert.equal(span.kind, SpanKind.CLIENT);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'bedrock');
  assert.equal(a['midstream.protocol'], 'objects');
  assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(a['gen_ai.usage.input_tokens'], 15, 'inputTokens + cacheReadInputTokens + cacheWriteInputTokens');
  assert.equal(a['gen_ai.usage.output_tokens'], 4);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(a['midstream.chunk.count'], 6);
  assert.equal(a['midstream.terminal_seen'], true);
  assert.equal(a['error.type'], undefined);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.equal(span.status.code, 0);
  assert.ok(a['midstream.time_to_first_chunk'] >= a['midstream.time_to_headers']);
  assert.equal(await outcomeCount(otel, 'b-complete', 'completed'), 1);
  assert.equal((await histogram(otel, 'gen_ai.client.token.usage', 'b-complete')).length, 2);
});

test('BedrockRuntime#converseStream() (the aggregated client) is tracked through send', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'full', { aggregated: true });
  const output = await client.converseStream({
    modelId: 'b-aggregated',
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  });
  assert.equal((await drain(output.stream)).length, 6);
  assert.equal(onlySpan(otel, 'b-aggregated').attributes['midstream.outcome'], 'completed');
});

test('the callback form of send is tracked and gets the same output', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  const command = new sdk.ConverseStreamCommand({
    modelId: 'b-callback',
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  });
  const output = await new Promise((resolve, reject) => client.send(command, (err, out) => (err ? reject(err) : resolve(out))));
  assert.equal((await drain(output.stream)).length, 6);
  assert.equal(onlySpan(otel, 'b-callback').attributes['midstream.outcome'], 'completed');
});

test('the span is a child of the context active at send()', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  const parent = otel.tracerProvider.getTracer('app').startSpan('app.request');
  const output = await context.with(trace.setSpan(context.active(), parent), () => converse(sdk, client, 'b-parent'));
  parent.end();
  await drain(output.stream);
  const span = onlySpan(otel, 'b-parent');
  assert.equal(span.parentSpanContext?.spanId ?? span.parentSpanId, parent.spanContext().spanId);
  assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
});

test('a break after messageStop is completed, without the usage the app never read', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  for await (const item of (await converse(sdk, client, 'b-stop-break')).stream) if (item.messageStop) break;
  const a = onlySpan(otel, 'b-stop-break').attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(a['gen_ai.usage.output_tokens'], undefined, 'usage is only taken from the metadata event');
});

test('a clean close at a message boundary before messageStop is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'cut4');
  const items = await drain((await converse(sdk, client, 'b-cut')).stream);
  assert.equal(items.length, 4, 'the SDK ends silently');
  const span = onlySpan(otel, 'b-cut');
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'truncated');
  assert.equal(a['error.type'], 'stream_truncated');
  assert.equal(a['midstream.chunk.count'], 4);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length, 'progress is kept');
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
  assert.equal(await outcomeCount(otel, 'b-cut', 'truncated'), 1);
});

test('a body that ends inside a message is truncated and the app gets the SDK error', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'partial3');
  const output = await converse(sdk, client, 'b-partial');
  await assert.rejects(drain(output.stream), (e) => e.message === 'Truncated event message received.');
  const span = onlySpan(otel, 'b-partial');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 3);
  const truncated = span.events.find((e) => e.name === 'midstream.truncated');
  assert.equal(truncated.attributes['midstream.reason'], 'partial_frame');
  assert.ok(span.events.some((e) => e.name === 'exception'));
});

test('a destroyed socket is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'destroy3');
  const output = await converse(sdk, client, 'b-destroy');
  await drain(output.stream).catch(() => undefined);
  const span = onlySpan(otel, 'b-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.status.code, 2);
  assert.equal(await outcomeCount(otel, 'b-destroy', 'truncated'), 1);
});

test('an HTTP/2 stream reset is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'rst2');
  await drain((await converse(sdk, client, 'b-rst')).stream).catch(() => undefined);
  assert.equal(onlySpan(otel, 'b-rst').attributes['midstream.outcome'], 'truncated');
});

test('a modelStreamErrorException in the stream is errored with the exception name', async (t) => {
  const { client } = await setup(t, sdk, 'converse-model-error', 'full');
  await assert.rejects(
    drain((await converse(sdk, client, 'b-model-error')).stream),
    (e) => e instanceof sdk.ModelStreamErrorException && e.originalStatusCode === 500,
  );
  const span = onlySpan(otel, 'b-model-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'ModelStreamErrorException');
  assert.equal(span.attributes['midstream.output.chars'], 3);
  assert.equal(span.status.code, 2);
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'b-model-error');
  assert.equal(duration.attributes['error.type'], 'ModelStreamErrorException');
});

test('a throttlingException in the stream is errored with the exception name', async (t) => {
  const { client } = await setup(t, sdk, 'converse-throttled', 'full');
  await assert.rejects(drain((await converse(sdk, client, 'b-throttled')).stream), (e) => e instanceof sdk.ThrottlingException);
  const a = onlySpan(otel, 'b-throttled').attributes;
  assert.equal(a['midstream.outcome'], 'errored');
  assert.equal(a['error.type'], 'ThrottlingException');
});

test('an abortSignal abort while reading is aborted', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'hold3');
  const ac = new AbortController();
  const output = await converse(sdk, client, 'b-abort', { abortSignal: ac.signal });
  let n = 0;
  await (async () => {
    for await (const _ of output.stream) if (++n === 2) ac.abort();
  })().catch(() => undefined);
  const span = onlySpan(otel, 'b-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('a consumer break is cancelled', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'hold3');
  for await (const _ of (await converse(sdk, client, 'b-break')).stream) break;
  const span = onlySpan(otel, 'b-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  assert.equal(await outcomeCount(otel, 'b-break', 'cancelled'), 1);
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 150 });
  const { client } = await setup(t, sdk, 'converse-stream', 'stall3x500');
  await drain((await converse(sdk, client, 'b-stall')).stream);
  const span = onlySpan(otel, 'b-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.ok(span.attributes['midstream.stall.count'] >= 1);
  // The held write comes after the 3rd message (index 2).
  const stall = span.events.find((e) => e.name === 'midstream.stall' && e.attributes['midstream.chunk.index'] === 2);
  assert.ok(stall, 'a stall after the 3rd message');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.45);
});

test('captures the output text only when content capture is on', async (t) => {
  withOptions(t, instrumentation, { captureContent: true });
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  await drain((await converse(sdk, client, 'b-capture')).stream);
  assert.equal(onlySpan(otel, 'b-capture').attributes['midstream.content.output'], 'Hello world');
});

test('a non-streaming command is not tracked', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  await client
    .send(new sdk.ConverseCommand({ modelId: 'b-unary', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))
    .catch(() => undefined);
  assert.equal(streamSpans(otel, 'b-unary').length, 0);
});

test('counted once in midstream.stream.outcomes with the fetch instrumentation enabled too', async (t) => {
  const fetchInstrumentation = new FetchInstrumentation();
  fetchInstrumentation.setTracerProvider(otel.tracerProvider);
  fetchInstrumentation.setMeterProvider(otel.meterProvider);
  fetchInstrumentation.enable();
  t.after(() => fetchInstrumentation.disable());
  const { client } = await setup(t, sdk, 'converse-stream', 'full');
  await drain((await converse(sdk, client, 'b-once')).stream);
  assert.equal(await outcomeCount(otel, 'b-once'), 1);
  assert.equal(otel.spans().filter((s) => s.attributes['midstream.source'] !== undefined && s.name.includes('b-once')).length, 1);
});

test('an output that is never read and dropped ends as abandoned', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const { client } = await setup(t, sdk, 'converse-stream', 'hold2');
  await converse(sdk, client, 'b-abandon');
  await until(() => {
    gc();
    return streamSpans(otel, 'b-abandon').length === 1;
  }, 'the abandoned span');
  assert.equal(onlySpan(otel, 'b-abandon').attributes['midstream.outcome'], 'abandoned');
});

test('an abortSignal abort while the app is not reading ends the stream as aborted', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'hold3');
  const ac = new AbortController();
  const output = await converse(sdk, client, 'b-abort-idle', { abortSignal: ac.signal });
  const iterator = output.stream[Symbol.asyncIterator]();
  await iterator.next();
  ac.abort();
  const span = onlySpan(otel, 'b-abort-idle');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.status.code, 0);
  await iterator.return?.().catch(() => undefined);
});

test('an abortSignal abort before the first read ends the stream as aborted', async (t) => {
  const { client } = await setup(t, sdk, 'converse-stream', 'hold3');
  const ac = new AbortController();
  const output = await converse(sdk, client, 'b-abort-unread', { abortSignal: ac.signal });
  ac.abort();
  assert.equal(onlySpan(otel, 'b-abort-unread').attributes['midstream.outcome'], 'aborted');
  assert.ok(output.stream, 'the app still holds the output');
});
