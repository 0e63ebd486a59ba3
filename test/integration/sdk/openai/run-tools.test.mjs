// `chat.completions.runTools({stream: true})` (ChatCompletionStreamingRunner): one streaming
// request per model turn, each its own stream span, against a local server replaying the turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { instrument, outcomeCount, sdkRequire, streamSpans } from '../sdk-harness.mjs';
import { startTurnServer } from './turn-server.mjs';

const instrumentation = new OpenAIInstrumentation();
const otel = instrument(instrumentation);
const require = sdkRequire(import.meta.url);
const { default: OpenAI } = require('openai');

const TOOL_TURN = ['openai-chat-tool-call', 'full'];
const TEXT_TURN = ['openai-chat', 'full'];

function weatherTool(calls) {
  return {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      parse: JSON.parse,
      function: (args) => {
        calls.push(args);
        return 'sunny';
      },
    },
  };
}

async function setup(t, turns) {
  const server = await startTurnServer(t, turns);
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0 });
  return { server, client };
}

function runTools(client, model, calls, options) {
  return client.chat.completions.runTools(
    {
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool(calls)],
      stream: true,
      stream_options: { include_usage: true },
    },
    options,
  );
}

/** Spans of `model` in start order. */
function spansOf(model) {
  return streamSpans(otel, model).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
}

test('each model turn of a streaming tool run is its own completed span; finalContent() still works', async (t) => {
  const { client, server } = await setup(t, [TOOL_TURN, TEXT_TURN]);
  const calls = [];
  const runner = runTools(client, 'm-tools', calls);
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  assert.equal(await runner.finalContent(), 'Hello world');
  assert.deepEqual(calls, [{ city: 'Paris' }], 'the tool ran with the streamed arguments');
  assert.deepEqual(deltas, ['Hello', ' world']);
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[1].body.messages.at(-1).role, 'tool');

  const [toolTurn, textTurn, ...more] = spansOf('m-tools');
  assert.equal(more.length, 0, 'two HTTP streams, two spans');
  assert.equal(toolTurn.name, 'chat m-tools');
  assert.equal(toolTurn.attributes['midstream.outcome'], 'completed', "finish_reason 'tool_calls' is a terminal");
  assert.deepEqual(toolTurn.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  assert.equal(toolTurn.attributes['gen_ai.response.id'], 'chatcmpl-T1');
  assert.equal(toolTurn.attributes['gen_ai.usage.input_tokens'], 40);
  assert.equal(toolTurn.attributes['gen_ai.usage.output_tokens'], 7);
  assert.equal(toolTurn.attributes['midstream.chunk.count'], 5);
  assert.equal(toolTurn.attributes['midstream.output.chars'], 0, 'tool-call arguments are not output text');
  assert.equal(toolTurn.status.code, 0);
  assert.equal(textTurn.attributes['midstream.outcome'], 'completed');
  assert.deepEqual(textTurn.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(textTurn.attributes['gen_ai.response.id'], 'chatcmpl-A1');
  assert.equal(textTurn.attributes['midstream.output.chars'], 'Hello world'.length);
  assert.equal(await outcomeCount(otel, 'm-tools'), 2);
  assert.equal(await outcomeCount(otel, 'm-tools', 'completed'), 2);
});

test('both turns are children of the context the app called runTools in', async (t) => {
  const { client } = await setup(t, [TOOL_TURN, TEXT_TURN]);
  const tracer = otel.tracerProvider.getTracer('app');
  const parentSpanId = await tracer.startActiveSpan('app.request', async (parent) => {
    await runTools(client, 'm-tools-parent', []).finalContent();
    parent.end();
    return parent.spanContext().spanId;
  });
  const spans = spansOf('m-tools-parent');
  assert.equal(spans.length, 2);
  for (const span of spans) assert.equal(span.parentSpanContext?.spanId ?? span.parentSpanId, parentSpanId);
  assert.equal(trace.getActiveSpan(), undefined);
});

test('a second turn that closes before its finish_reason is truncated; the tool turn stays completed', async (t) => {
  const { client } = await setup(t, [TOOL_TURN, ['openai-chat', 'cut3']]);
  await assert.rejects(runTools(client, 'm-tools-cut', []).finalContent(), /missing finish_reason/);
  const [toolTurn, textTurn] = spansOf('m-tools-cut');
  assert.equal(toolTurn.attributes['midstream.outcome'], 'completed');
  assert.equal(textTurn.attributes['midstream.outcome'], 'truncated');
  assert.equal(textTurn.attributes['error.type'], 'stream_truncated');
  assert.equal(await outcomeCount(otel, 'm-tools-cut'), 2);
});

test('runner.abort() during the tool turn is aborted and no second request is made', async (t) => {
  const { client, server } = await setup(t, [['openai-chat-tool-call', 'hold2'], TEXT_TURN]);
  const runner = runTools(client, 'm-tools-abort', []);
  runner.on('chunk', () => runner.abort());
  await assert.rejects(runner.finalContent(), (e) => e instanceof OpenAI.APIUserAbortError);
  const spans = spansOf('m-tools-abort');
  assert.equal(spans.length, 1);
  assert.equal(spans[0].attributes['midstream.outcome'], 'aborted');
  assert.equal(spans[0].attributes['error.type'], undefined);
  assert.equal(server.requests.length, 1);
});

test('the runner gives identical events and results with and without the instrumentation', async (t) => {
  const run = async () => {
    const { client } = await setup(t, [TOOL_TURN, TEXT_TURN]);
    const calls = [];
    const runner = runTools(client, 'm-tools-transparent', calls);
    const events = [];
    runner.on('content', (d) => events.push(['content', d]));
    runner.on('functionToolCall', (c) => events.push(['call', c.name, c.arguments]));
    runner.on('functionToolCallResult', (r) => events.push(['result', r]));
    const content = await runner.finalContent();
    const messages = runner.messages.map((m) => ({ role: m.role, content: m.content, tool_calls: m.tool_calls }));
    return { content, calls, events, messages };
  };
  const instrumented = await run();
  assert.equal(spansOf('m-tools-transparent').length, 2);
  instrumentation.disable();
  t.after(() => instrumentation.enable());
  const plain = await run();
  assert.equal(spansOf('m-tools-transparent').length, 2, 'disabled: no new spans');
  assert.deepEqual(instrumented, plain);
});
