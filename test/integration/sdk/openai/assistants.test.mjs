// Beta Assistants run streams (`beta.threads.runs.create({stream: true})`, `.stream()` /
// AssistantStream, `createAndRun`): `event: thread.*` SSE whose `event: done` / `data: [DONE]` the
// SDK swallows, so the final `thread.run.*` state is the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { capture, instrument, onlySpan, outcomeCount, sdkRequire, streamSpans } from '../sdk-harness.mjs';

const instrumentation = new OpenAIInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: OpenAI } = require('openai');

async function setup(t, fixture, mode) {
  const server = await startScriptServer(t);
  const client = new OpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test', maxRetries: 0 });
  return { server, client };
}

function createRun(client, model, options) {
  return client.beta.threads.runs.create('thread_A1', { assistant_id: 'asst_A1', model, stream: true }, options);
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('a complete run stream is one completed invoke_agent span with run id, model, usage and text length', async (t) => {
  const { client, server } = await setup(t, 'openai-assistant-run', 'full');
  const items = await drain(await createRun(client, 'm-run'));
  assert.equal(items.length, 12, 'event: done is swallowed by the SDK');
  assert.equal(items.at(-1).event, 'thread.run.completed');
  assert.match(server.requests[0].url, /\/v1\/threads\/thread_A1\/runs$/);
  const span = onlySpan(otel, 'm-run');
  assert.equal(span.name, 'invoke_agent m-run');
  assert.equal(span.kind, 2 /* CLIENT */);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.terminal_seen'], true);
  assert.equal(a['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.response.id'], 'run_A1');
  assert.equal(a['gen_ai.response.model'], 'gpt-4o-2024-08-06');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 20);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 12);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(span.status.code, 0);
  assert.equal(await outcomeCount(otel, 'm-run', 'completed'), 1);
});

test('a run stream closed before its final run state is truncated', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run', 'cut9');
  const items = await drain(await createRun(client, 'm-run-cut'));
  assert.equal(items.length, 9, 'the SDK ends silently');
  const span = onlySpan(otel, 'm-run-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.attributes['midstream.output.chars'], 'Hello world'.length, 'partial output still counted');
});

test('a run stream closed after thread.run.completed but before event: done is still completed', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run', 'cut12');
  await drain(await createRun(client, 'm-run-no-done'));
  assert.equal(onlySpan(otel, 'm-run-no-done').attributes['midstream.outcome'], 'completed');
});

test('thread.run.failed is errored with last_error.code', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run-failed', 'full');
  const items = await drain(await createRun(client, 'm-run-failed'));
  assert.equal(items.at(-1).event, 'thread.run.failed', 'the SDK yields it');
  const span = onlySpan(otel, 'm-run-failed');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'rate_limit_exceeded');
  assert.equal(span.status.code, 2);
});

test('a destroyed socket is truncated and the SDK error reaches the app', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run', 'destroy5');
  await assert.rejects(drain(await createRun(client, 'm-run-destroy')), (e) => e instanceof TypeError && e.message === 'terminated');
  assert.equal(onlySpan(otel, 'm-run-destroy').attributes['midstream.outcome'], 'truncated');
});

test('a consumer break is cancelled; stream.controller.abort() is aborted', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run', 'hold4');
  for await (const _ of await createRun(client, 'm-run-break')) break;
  assert.equal(onlySpan(otel, 'm-run-break').attributes['midstream.outcome'], 'cancelled');
  const stream = await createRun(client, 'm-run-abort');
  let n = 0;
  for await (const _ of stream) if (++n === 2) stream.controller.abort();
  assert.equal(onlySpan(otel, 'm-run-abort').attributes['midstream.outcome'], 'aborted');
});

test('beta.threads.runs.stream() (AssistantStream): finalRun and finalMessages work, one span', async (t) => {
  const { client } = await setup(t, 'openai-assistant-run', 'full');
  const stream = client.beta.threads.runs.stream('thread_A1', { assistant_id: 'asst_A1', model: 'm-run-helper' });
  const deltas = [];
  stream.on('textDelta', (delta) => deltas.push(delta.value));
  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  const [message] = await stream.finalMessages();
  assert.equal(message.content[0].text.value, 'Hello world');
  assert.deepEqual(deltas, ['Hello', ' world']);
  assert.equal(onlySpan(otel, 'm-run-helper').attributes['midstream.outcome'], 'completed');
  assert.equal(await outcomeCount(otel, 'm-run-helper'), 1);
});

test('threads.createAndRun({stream: true}) without a model is an invoke_agent span named by the operation', async (t) => {
  const { client, server } = await setup(t, 'openai-assistant-run', 'full');
  const before = otel.spans().length;
  await drain(await client.beta.threads.createAndRun({ assistant_id: 'asst_A1', stream: true }));
  assert.match(server.requests[0].url, /\/v1\/threads\/runs$/);
  const spans = otel.spans().slice(before).filter((s) => s.attributes['midstream.source'] === 'openai');
  assert.equal(spans.length, 1);
  assert.equal(spans[0].name, 'invoke_agent');
  assert.equal(spans[0].attributes['gen_ai.request.model'], undefined);
  assert.equal(spans[0].attributes['gen_ai.response.model'], 'gpt-4o-2024-08-06');
  assert.equal(spans[0].attributes['midstream.outcome'], 'completed');
});

test('the app sees identical run events and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const scenarios = [
    ['openai-assistant-run', 'full'],
    ['openai-assistant-run', 'cut9'],
    ['openai-assistant-run', 'destroy5'],
    ['openai-assistant-run-failed', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [fixture, mode] of scenarios) {
      const client = new OpenAI({ baseURL: server.baseURL(fixture, mode, '/v1'), apiKey: 'test', maxRetries: 0 });
      results.push(await capture(async (items) => drain(await createRun(client, 'm-run-transparent'), items)));
      results.push(
        await capture(async (items) => {
          const s = client.beta.threads.runs.stream('thread_A1', { assistant_id: 'asst_A1', model: 'm-run-transparent' });
          s.on('textDelta', (d) => items.push(d.value));
          items.push((await s.finalRun()).status);
        }),
      );
    }
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'm-run-transparent').length, 8);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.some((r) => r.error !== undefined), 'the scenarios include failures');
});
