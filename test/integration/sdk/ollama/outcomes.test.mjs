// The real `ollama` client (CommonJS entry; dist/browser.cjs patched through require-in-the-middle)
// against a local server speaking Ollama's NDJSON wire format, with real faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OllamaInstrumentation } from '../../../../dist/instrumentations/sdk/ollama.js';
import { startNdjsonServer } from '../ndjson-script-server.mjs';
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

const instrumentation = new OllamaInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { Ollama, default: defaultOllama } = require('ollama');

const MESSAGES = [{ role: 'user', content: 'Say hello' }];
const NO_DONE = 'Did not receive done or success response in stream.';

async function setup(t, fixture, mode) {
  const server = await startNdjsonServer(t);
  return { server, client: new Ollama({ host: server.baseURL(fixture, mode) }) };
}

function chat(client, model) {
  return client.chat({ model, messages: MESSAGES, stream: true });
}

async function drain(stream, items = []) {
  for await (const item of stream) items.push(item);
  return items;
}

test('a complete chat stream is one completed span with GenAI attributes, usage and text length', async (t) => {
  const { client, server } = await setup(t, 'ollama-chat', 'full');
  const items = await drain(await chat(client, 'o-complete'));
  assert.equal(items.length, 4);
  assert.equal(server.requests[0].url, '/ollama-chat/full/api/chat');
  const span = onlySpan(otel, 'o-complete');
  assert.equal(span.name, 'chat o-complete');
  assert.equal(span.kind, 2 /* CLIENT */);
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'ollama');
  assert.equal(a['midstream.terminal_seen'], true);
  assert.equal(a['gen_ai.provider.name'], 'ollama');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.response.model'], 'llama3.2');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 26);
  assert.equal(a['gen_ai.usage.output_tokens'], 3);
  assert.equal(a['midstream.chunk.count'], 4);
  assert.equal(a['midstream.output.chars'], 'Hello wörld!'.length);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(a['server.port'], server.port);
  assert.ok(a['gen_ai.response.time_to_first_chunk'] > 0);
  assert.equal(span.status.code, 0);
  assert.equal(await outcomeCount(otel, 'o-complete', 'completed'), 1);
});

test('generate() is a text_completion stream with its done_reason and usage', async (t) => {
  const { client } = await setup(t, 'ollama-generate', 'full');
  const items = await drain(await client.generate({ model: 'o-generate', prompt: 'Why is the sky blue?', stream: true }));
  assert.equal(items.length, 3);
  const span = onlySpan(otel, 'o-generate');
  assert.equal(span.name, 'text_completion o-generate');
  assert.equal(span.attributes['gen_ai.operation.name'], 'text_completion');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['length']);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 26);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
  assert.equal(span.attributes['midstream.output.chars'], 'The sky'.length);
});

test('the default ollama instance (created when the module loaded) is tracked too', async (t) => {
  const server = await startNdjsonServer(t);
  const host = defaultOllama.config.host;
  defaultOllama.config.host = server.baseURL('ollama-chat', 'full');
  t.after(() => (defaultOllama.config.host = host));
  const items = await drain(await defaultOllama.chat({ model: 'o-default', messages: MESSAGES, stream: true }));
  assert.equal(items.length, 4);
  assert.equal(onlySpan(otel, 'o-default').attributes['midstream.outcome'], 'completed');
});

test('records the GenAI metrics once per stream', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'full');
  await drain(await chat(client, 'o-metrics'));
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'o-metrics');
  assert.equal(duration.value.count, 1);
  assert.equal(duration.attributes['gen_ai.provider.name'], 'ollama');
  assert.equal(duration.attributes['gen_ai.response.model'], 'llama3.2');
  const tokens = await histogram(otel, 'gen_ai.client.token.usage', 'o-metrics');
  assert.deepEqual(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]).sort(), [
    ['input', 26],
    ['output', 3],
  ]);
  assert.equal(await outcomeCount(otel, 'o-metrics'), 1);
});

test('captures the completion text only when content capture is on', async (t) => {
  withOptions(t, instrumentation, { captureContent: true });
  const { client } = await setup(t, 'ollama-chat', 'full');
  await drain(await chat(client, 'o-capture'));
  assert.equal(onlySpan(otel, 'o-capture').attributes['midstream.content.output'], 'Hello wörld!');
});

test('reads lines split across writes and inside a UTF-8 character', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'split');
  const items = await drain(await chat(client, 'o-split'));
  assert.equal(items[1].message.content, ' wörld');
  const span = onlySpan(otel, 'o-split');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.chunk.count'], 4);
});

test('marks a clean close before done as truncated, and the client still throws its own error', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'cut2');
  const items = [];
  await assert.rejects(drain(await chat(client, 'o-cut'), items), (e) => e.constructor === Error && e.message === NO_DONE);
  assert.equal(items.length, 2);
  const span = onlySpan(otel, 'o-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
  const event = span.events.find((e) => e.name === 'midstream.truncated');
  assert.ok(event);
  assert.equal(event.attributes['midstream.reason'], 'closed_before_done');
});

test('marks a destroyed socket as truncated and lets the client error through', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'destroy2');
  const items = [];
  await assert.rejects(
    drain(await chat(client, 'o-destroy'), items),
    (e) => e instanceof TypeError && e.message === 'terminated',
  );
  assert.equal(items.length, 2);
  const span = onlySpan(otel, 'o-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
  assert.equal(await outcomeCount(otel, 'o-destroy', 'truncated'), 1);
});

test('marks an {"error"} line as errored with error.type _OTHER', async (t) => {
  const { client } = await setup(t, 'ollama-chat-error', 'full');
  await assert.rejects(drain(await chat(client, 'o-error')), (e) => e.constructor === Error && /unexpected EOF/.test(e.message));
  const span = onlySpan(otel, 'o-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], '_OTHER');
  assert.equal(span.status.code, 2);
  const [duration] = await histogram(otel, 'gen_ai.client.operation.duration', 'o-error');
  assert.equal(duration.attributes['error.type'], '_OTHER');
});

test('marks iterator.abort() as aborted with status unset (the client throws AbortError)', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'hold2');
  const stream = await chat(client, 'o-abort');
  const items = [];
  await assert.rejects(
    (async () => {
      for await (const item of stream) {
        items.push(item);
        if (items.length === 2) stream.abort();
      }
    })(),
    (e) => e.name === 'AbortError',
  );
  const span = onlySpan(otel, 'o-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks client.abort() (every ongoing stream) as aborted', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'hold2');
  const stream = await chat(client, 'o-abort-all');
  const items = [];
  await assert.rejects(async () => {
    for await (const item of stream) {
      items.push(item);
      if (items.length === 2) client.abort();
    }
  });
  assert.equal(onlySpan(otel, 'o-abort-all').attributes['midstream.outcome'], 'aborted');
});

test('an abort while the app is not reading ends the stream as aborted', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'hold2');
  const stream = await chat(client, 'o-abort-idle');
  stream.abort();
  assert.equal(onlySpan(otel, 'o-abort-idle').attributes['midstream.outcome'], 'aborted');
});

test('marks a consumer break as cancelled (the client keeps its connection; unchanged)', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'hold2');
  for await (const _ of await chat(client, 'o-break')) break;
  const span = onlySpan(otel, 'o-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  assert.equal(span.status.code, 0);
});

test('records a stall event and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 60 });
  const { client } = await setup(t, 'ollama-chat', 'stall2x200');
  await drain(await chat(client, 'o-stall'));
  const span = onlySpan(otel, 'o-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.15);
  assert.equal(stall.attributes['midstream.chunk.index'], 1);
});

test('a non-streaming chat gets no stream span', async (t) => {
  const server = await startNdjsonServer(t, { contentType: 'application/json' });
  // A non-streaming answer is one JSON object: the fixture's first line stands in for it.
  const client = new Ollama({ host: server.baseURL('ollama-chat', 'cut1') });
  const answer = await client.chat({ model: 'o-nostream', messages: MESSAGES, stream: false });
  assert.equal(answer.message.content, 'Hello');
  assert.equal(streamSpans(otel, 'o-nostream').length, 0);
});

test('the iterator keeps its own class, abort() and keys; a manual next() loop works', async (t) => {
  const { client } = await setup(t, 'ollama-chat', 'full');
  const stream = await chat(client, 'o-shape');
  assert.equal(stream.constructor.name, 'AbortableAsyncIterator');
  assert.equal(typeof stream.abort, 'function');
  assert.deepEqual(Object.keys(stream).sort(), ['abortController', 'doneCallback', 'itr']);
  const it = stream[Symbol.asyncIterator]();
  let n = 0;
  for (let r = await it.next(); !r.done; r = await it.next()) n++;
  assert.equal(n, 4);
  await until(() => streamSpans(otel, 'o-shape').length === 1, 'the span');
  assert.equal(onlySpan(otel, 'o-shape').attributes['midstream.outcome'], 'completed');
});

test('the app sees identical items and errors with and without the instrumentation', async (t) => {
  const server = await startNdjsonServer(t);
  const scenarios = [
    ['ollama-chat', 'full'],
    ['ollama-chat', 'split'],
    ['ollama-chat', 'cut2'],
    ['ollama-chat', 'destroy2'],
    ['ollama-chat-error', 'full'],
    ['ollama-generate', 'full'],
  ];
  const run = async () => {
    const results = [];
    for (const [fixture, mode] of scenarios) {
      const client = new Ollama({ host: server.baseURL(fixture, mode) });
      const call =
        fixture === 'ollama-generate'
          ? client.generate({ model: 'o-transparent', prompt: 'x', stream: true })
          : chat(client, 'o-transparent');
      results.push(await capture(async (items) => drain(await call, items)));
    }
    results.push(
      await capture(async (items) => {
        const stream = await chat(new Ollama({ host: server.baseURL('ollama-chat', 'hold2') }), 'o-transparent');
        for await (const item of stream) {
          items.push(item);
          if (items.length === 2) stream.abort();
        }
      }),
    );
    return results;
  };
  const instrumented = await run();
  assert.equal(streamSpans(otel, 'o-transparent').length, 7);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(streamSpans(otel, 'o-transparent').length, 7, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
  assert.ok(plain.filter((r) => r.error !== undefined).length === 4, 'the scenarios include failures');
});
