// InvokeModelWithResponseStream: model-native JSON in `chunk.bytes` (Anthropic Messages events;
// Bedrock adds `amazon-bedrock-invocationMetrics` to the last chunk of every model family).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockInstrumentation } from '../../../../dist/instrumentations/sdk/bedrock.js';
import { sdkRequire, instrument, onlySpan, outcomeCount } from '../sdk-harness.mjs';
import { drain, invoke, setup } from './bedrock-setup.mjs';

const instrumentation = new BedrockInstrumentation();
const otel = instrument(instrumentation);
const sdk = sdkRequire(import.meta.url)('@aws-sdk/client-bedrock-runtime');

test('a complete Anthropic stream is completed with the response id, model, stop reason and invocation metrics', async (t) => {
  const { server, client } = await setup(t, sdk, 'invoke-anthropic', 'full');
  const output = await invoke(sdk, client, 'i-complete');
  const items = await drain(output.body);
  assert.equal(items.length, 7);
  assert.ok(items[0].chunk.bytes instanceof Uint8Array);
  assert.match(server.requests[0].path, /\/model\/i-complete\/invoke-with-response-stream$/);
  const span = onlySpan(otel, 'i-complete');
  assert.equal(span.name, 'chat i-complete');
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.response.id'], 'msg_bdrk_01ABCDEFGHJKLMNPQRSTUVWX');
  assert.equal(a['gen_ai.response.model'], 'claude-3-5-sonnet-20240620');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(a['gen_ai.usage.input_tokens'], 14);
  assert.equal(a['gen_ai.usage.output_tokens'], 5);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(a['midstream.chunk.count'], 7);
  assert.equal(await outcomeCount(otel, 'i-complete', 'completed'), 1);
});

test('a clean close before message_stop is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-anthropic', 'cut6');
  assert.equal((await drain((await invoke(sdk, client, 'i-cut')).body)).length, 6);
  const a = onlySpan(otel, 'i-cut').attributes;
  assert.equal(a['midstream.outcome'], 'truncated');
  assert.equal(a['error.type'], 'stream_truncated');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn'], 'message_delta was read');
  assert.equal(a['gen_ai.usage.output_tokens'], 5);
});

test('a body cut inside a message is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-anthropic', 'partial4');
  await assert.rejects(drain((await invoke(sdk, client, 'i-partial')).body), /Truncated event message received/);
  assert.equal(onlySpan(otel, 'i-partial').attributes['midstream.outcome'], 'truncated');
});

test('a modelStreamErrorException is errored with the exception name', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-model-error', 'full');
  await assert.rejects(drain((await invoke(sdk, client, 'i-error')).body), (e) => e instanceof sdk.ModelStreamErrorException);
  const a = onlySpan(otel, 'i-error').attributes;
  assert.equal(a['midstream.outcome'], 'errored');
  assert.equal(a['error.type'], 'ModelStreamErrorException');
});

test('a break is cancelled and an abort is aborted', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-anthropic', 'hold3');
  for await (const _ of (await invoke(sdk, client, 'i-break')).body) break;
  assert.equal(onlySpan(otel, 'i-break').attributes['midstream.outcome'], 'cancelled');
  const ac = new AbortController();
  const output = await invoke(sdk, client, 'i-abort', { abortSignal: ac.signal });
  await (async () => {
    for await (const _ of output.body) ac.abort();
  })().catch(() => undefined);
  assert.equal(onlySpan(otel, 'i-abort').attributes['midstream.outcome'], 'aborted');
});

test('another model family: the invocation metrics chunk is terminal, a prompt body is a text completion', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-llama', 'full');
  await drain((await invoke(sdk, client, 'i-llama', undefined, { prompt: 'Say hello', max_gen_len: 64 })).body);
  const span = onlySpan(otel, 'i-llama');
  assert.equal(span.name, 'text_completion i-llama');
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 9);
  assert.equal(a['gen_ai.usage.output_tokens'], 3);
});

test('another model family cut before its last chunk is truncated', async (t) => {
  const { client } = await setup(t, sdk, 'invoke-llama', 'cut2');
  await drain((await invoke(sdk, client, 'i-llama-cut', undefined, { prompt: 'Say hello' })).body);
  assert.equal(onlySpan(otel, 'i-llama-cut').attributes['midstream.outcome'], 'truncated');
});
