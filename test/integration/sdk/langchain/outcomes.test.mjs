// LangChain chat model streams (@langchain/core CommonJS build, patched through
// require-in-the-middle): fake models that call no SDK (counted by the langchain span), and
// ChatOpenAI over the real openai SDK against a local OpenAI wire server, with the openai, langchain
// and fetch instrumentations all on: one logical stream counts once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LangChainInstrumentation } from '../../../../dist/instrumentations/sdk/langchain.js';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { FetchInstrumentation } from '../../../../dist/instrumentations/transport/fetch/index.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { capture, instrument, sdkRequire, until } from '../sdk-harness.mjs';

const langchain = new LangChainInstrumentation();
const otel = instrument(langchain);
const others = [new OpenAIInstrumentation(), new FetchInstrumentation()];
for (const i of others) {
  i.setTracerProvider(otel.tracerProvider);
  i.setMeterProvider(otel.meterProvider);
  i.enable();
}
const require = sdkRequire(import.meta.url);
const { FakeListChatModel, FakeStreamingChatModel } = require('@langchain/core/utils/testing');
const { ChatOpenAI } = require('@langchain/openai');

/** Runs `fn` and returns how many outcomes it added, by outcome and source. */
async function counted(fn) {
  const before = await otel.metric('midstream.stream.outcomes');
  await fn();
  const after = await otel.metric('midstream.stream.outcomes');
  const key = (p) => `${p.attributes['midstream.source']}:${p.attributes['midstream.outcome']}`;
  const delta = {};
  for (const p of after) delta[key(p)] = (delta[key(p)] ?? 0) + p.value;
  for (const p of before) delta[key(p)] -= p.value;
  for (const k of Object.keys(delta)) if (delta[k] === 0) delete delta[k];
  return delta;
}

const bySource = (source) => otel.spans().filter((s) => s.attributes['midstream.source'] === source);
function only(source) {
  const spans = bySource(source);
  assert.equal(spans.length, 1, `one ${source} span, got ${spans.length}`);
  return spans[0];
}

async function drain(stream, items = []) {
  for await (const chunk of stream) items.push(chunk.content);
  return items;
}

const fakeList = (opts = {}) =>
  new FakeListChatModel({ responses: ['Hello'], sleep: 5, generationInfo: { finish_reason: 'stop' }, ...opts });

test('a fake chat model (no SDK underneath) gets its own counted chat span', async () => {
  otel.resetSpans();
  let items;
  const delta = await counted(async () => {
    items = await drain(await fakeList().stream('hi'));
  });
  assert.deepEqual(items, ['H', 'e', 'l', 'l', 'o']);
  assert.deepEqual(delta, { 'langchain:completed': 1 });
  const span = only('langchain');
  assert.equal(span.name, 'chat');
  assert.equal(span.kind, 2 /* CLIENT */);
  assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(span.attributes['gen_ai.provider.name'], 'fakelistchatmodel');
  assert.equal(span.attributes['midstream.chunk.count'], 5);
  assert.equal(span.attributes['midstream.output.chars'], 5);
  // FakeListChatModel takes `generationInfo` (the last chunk's finish) since @langchain/core 1.1.
  if (fakeList().generationInfo !== undefined) assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
});

test('a chain (prompt.pipe(model)) and a bound model stream through the same patch', async () => {
  const { ChatPromptTemplate } = require('@langchain/core/prompts');
  const { StringOutputParser } = require('@langchain/core/output_parsers');
  otel.resetSpans();
  const chain = ChatPromptTemplate.fromTemplate('Say {word}').pipe(fakeList()).pipe(new StringOutputParser());
  let text = '';
  for await (const piece of await chain.stream({ word: 'hello' })) text += piece;
  assert.equal(text, 'Hello');
  let bound = '';
  for await (const chunk of await fakeList()
    .withConfig({ tags: ['x'] })
    .stream('hi'))
    bound += chunk.content;
  assert.equal(bound, 'Hello');
  const spans = bySource('langchain');
  assert.equal(spans.length, 2);
  assert.deepEqual(
    spans.map((s) => s.attributes['midstream.outcome']),
    ['completed', 'completed'],
  );
});

test('streamEvents() on a chat model is tracked through the same patch', async () => {
  otel.resetSpans();
  let streamed = 0;
  for await (const event of fakeList().streamEvents('hi', { version: 'v2' }))
    if (event.event === 'on_chat_model_stream') streamed++;
  assert.equal(streamed, 5);
  const span = only('langchain');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.chunk.count'], 5);
});

test('marks a consumer break as cancelled (LangChain callbacks report nothing here)', async () => {
  otel.resetSpans();
  const delta = await counted(async () => {
    for await (const _ of await fakeList().stream('hi')) break;
  });
  assert.deepEqual(delta, { 'langchain:cancelled': 1 });
  const span = only('langchain');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.status.code, 0);
});

test('marks an abort through the signal option as aborted, and the app still gets its AbortError', async () => {
  otel.resetSpans();
  const ac = new AbortController();
  let result;
  const delta = await counted(async () => {
    result = await capture(async (items) => {
      for await (const chunk of await fakeList({ sleep: 20 }).stream('hi', { signal: ac.signal })) {
        items.push(chunk.content);
        if (items.length === 2) ac.abort();
      }
    });
  });
  assert.equal(result.error?.name, 'AbortError');
  assert.deepEqual(delta, { 'langchain:aborted': 1 });
  assert.equal(only('langchain').attributes['midstream.outcome'], 'aborted');
});

test('marks a model error as errored with the error type', async () => {
  otel.resetSpans();
  const model = new FakeStreamingChatModel({ chunks: [], thrownErrorString: 'model exploded' });
  const result = await capture(async (items) => drain(await model.stream('hi'), items));
  assert.equal(result.error?.message, 'model exploded');
  const span = only('langchain');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.status.code, 2);
  assert.ok(span.attributes['error.type']);
});

test('a fake model that reports no finish reason completes on a clean end (no terminal required)', async () => {
  otel.resetSpans();
  const model = new FakeStreamingChatModel({ chunks: [{ content: 'a' }, { content: 'b' }] });
  assert.deepEqual(await drain(await model.stream('hi')), ['a', 'b']);
  assert.equal(only('langchain').attributes['midstream.outcome'], 'completed');
});

async function openaiModel(t, mode, model) {
  const server = await startScriptServer(t);
  return new ChatOpenAI({
    model,
    apiKey: 'test',
    maxRetries: 0,
    streamUsage: true,
    configuration: { baseURL: server.baseURL('openai-chat', mode, '/v1') },
  });
}

test('ChatOpenAI .stream(): one count (the openai stream), the langchain span is its parent', async (t) => {
  otel.resetSpans();
  const model = await openaiModel(t, 'full', 'lc-complete');
  let items;
  const delta = await counted(async () => {
    items = await drain(await model.stream('Say hello'));
  });
  assert.equal(items.join(''), 'Hello world');
  assert.deepEqual(delta, { 'openai:completed': 1 }, 'with openai, langchain and fetch instrumentations on');
  const lc = only('langchain');
  const inner = only('openai');
  const fetchSpan = only('fetch');
  assert.equal(inner.parentSpanContext?.spanId, lc.spanContext().spanId, 'the SDK stream span is a child of the langchain span');
  assert.equal(fetchSpan.spanContext().traceId, lc.spanContext().traceId);
  assert.equal(lc.name, 'chat lc-complete');
  assert.equal(lc.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(lc.attributes['gen_ai.request.model'], 'lc-complete');
  assert.equal(lc.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(lc.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(lc.attributes['gen_ai.usage.input_tokens'], 9);
  assert.equal(lc.attributes['gen_ai.usage.output_tokens'], 2);
  assert.equal(lc.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(inner.attributes['midstream.outcome'], 'completed');
});

test('ChatOpenAI: a clean close before the finish_reason is truncated, counted once', async (t) => {
  otel.resetSpans();
  const model = await openaiModel(t, 'cut3', 'lc-cut');
  const delta = await counted(async () => {
    await drain(await model.stream('Say hello'));
  });
  assert.deepEqual(delta, { 'openai:truncated': 1 });
  assert.equal(only('langchain').attributes['midstream.outcome'], 'truncated');
  assert.equal(only('langchain').attributes['error.type'], 'stream_truncated');
});

test('ChatOpenAI: a consumer break is cancelled, counted once', async (t) => {
  otel.resetSpans();
  const model = await openaiModel(t, 'stall2x50', 'lc-break');
  const delta = await counted(async () => {
    for await (const _ of await model.stream('Say hello')) break;
    // LangChain returns the generator after its read-ahead step, which then ends the openai stream.
    await until(() => bySource('openai').length === 1, 'the openai span');
  });
  assert.deepEqual(delta, { 'openai:cancelled': 1 });
  assert.equal(only('langchain').attributes['midstream.outcome'], 'cancelled');
  assert.equal(only('openai').attributes['midstream.outcome'], 'cancelled');
});

test('ChatOpenAI: an abort through the signal option is aborted, counted once', async (t) => {
  otel.resetSpans();
  const model = await openaiModel(t, 'hold2', 'lc-abort');
  const ac = new AbortController();
  let result;
  const delta = await counted(async () => {
    result = await capture(async (items) => {
      for await (const chunk of await model.stream('Say hello', { signal: ac.signal })) {
        items.push(chunk.content);
        ac.abort();
      }
    });
    await until(() => bySource('openai').length === 1, 'the openai span');
  });
  assert.ok(result.error, 'LangChain surfaces the abort to the app');
  assert.deepEqual(delta, { 'openai:aborted': 1 });
  assert.equal(only('langchain').attributes['midstream.outcome'], 'aborted');
});

test('ChatOpenAI: a destroyed socket is truncated and the error reaches the app', async (t) => {
  otel.resetSpans();
  const model = await openaiModel(t, 'destroy2', 'lc-destroy');
  const result = await capture(async (items) => drain(await model.stream('Say hello'), items));
  assert.ok(result.error, 'the app sees the failure');
  assert.equal(only('langchain').attributes['midstream.outcome'], 'truncated');
  assert.equal(only('openai').attributes['midstream.outcome'], 'truncated');
});

test('the app sees identical chunks and errors with and without the instrumentation', async (t) => {
  const server = await startScriptServer(t);
  const run = async () => {
    const out = [];
    for (const mode of ['full', 'cut3', 'destroy2']) {
      const model = new ChatOpenAI({
        model: 'lc-same',
        apiKey: 'test',
        maxRetries: 0,
        configuration: { baseURL: server.baseURL('openai-chat', mode, '/v1') },
      });
      out.push(await capture(async (items) => drain(await model.stream('x'), items)));
    }
    out.push(await capture(async (items) => drain(await fakeList().stream('x'), items)));
    const failing = new FakeStreamingChatModel({ chunks: [], thrownErrorString: 'boom' });
    out.push(await capture(async (items) => drain(await failing.stream('x'), items)));
    return out;
  };
  otel.resetSpans();
  const instrumented = await run();
  assert.equal(bySource('langchain').length, 5);
  langchain.disable();
  t.after(() => langchain.enable());
  otel.resetSpans();
  const plain = await run();
  assert.equal(bySource('langchain').length, 0, 'disabled: no langchain spans');
  assert.deepEqual(instrumented, plain);
  assert.ok(
    plain.some((r) => r.error !== undefined),
    'the scenarios include failures',
  );
});

test('ChatOpenAI on the Responses API: a complete stream (response.completed) is completed, not truncated', async (t) => {
  otel.resetSpans();
  const server = await startScriptServer(t);
  const model = new ChatOpenAI({
    model: 'lc-responses',
    apiKey: 'test',
    maxRetries: 0,
    useResponsesApi: true,
    configuration: { baseURL: server.baseURL('openai-responses', 'full', '/v1') },
  });
  const delta = await counted(async () => {
    await drain(await model.stream('Say hello'));
  });
  assert.deepEqual(delta, { 'openai:completed': 1 });
  const lc = only('langchain');
  assert.equal(lc.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(lc.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(lc.status.code, 0);
});

test('ChatOpenAI on the Responses API: a close before response.completed is truncated', async (t) => {
  otel.resetSpans();
  const server = await startScriptServer(t);
  const model = new ChatOpenAI({
    model: 'lc-responses-cut',
    apiKey: 'test',
    maxRetries: 0,
    useResponsesApi: true,
    configuration: { baseURL: server.baseURL('openai-responses', 'cut8', '/v1') },
  });
  await capture(async () => drain(await model.stream('Say hello')));
  assert.equal(only('langchain').attributes['midstream.outcome'], 'truncated');
});

test('a signal that is already aborted keeps no listener of ours and the stream is aborted', async () => {
  otel.resetSpans();
  const { getEventListeners } = await import('node:events');
  const ac = new AbortController();
  ac.abort();
  const result = await capture(async (items) => {
    for await (const chunk of await fakeList().stream('hi', { signal: ac.signal })) items.push(chunk.content);
  });
  assert.equal(result.error?.name, 'AbortError');
  assert.equal(only('langchain').attributes['midstream.outcome'], 'aborted');
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});
