// The SDK item readers against odd item shapes: they never throw and only record what is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';
import { readOpenAIChatItem, readOpenAIResponsesItem } from '../../../dist/providers/openai-items.js';
import { readAnthropicItem } from '../../../dist/providers/anthropic-items.js';

const telemetry = new StreamTelemetry(metrics.getMeter('test'));
function tracker() {
  const span = trace.getTracer('test').startSpan('x');
  const t = new StreamTracker(telemetry, { span, ownsSpan: true, source: 'test', protocol: 'objects', requiresTerminal: true });
  return t;
}

const ODD = [
  null,
  undefined,
  1,
  'x',
  [],
  {},
  { choices: null },
  { choices: [null, 1, { delta: null }] },
  { usage: 'x' },
  { type: 'message_start', message: null },
  { type: 'message_delta', delta: null, usage: null },
  { type: 'response.completed', response: null },
  { type: 'response.failed' },
  { x_groq: { usage: null } },
];

for (const [name, read] of [
  ['openai chat', readOpenAIChatItem],
  ['openai responses', readOpenAIResponsesItem],
  ['anthropic', readAnthropicItem],
]) {
  test(`the ${name} reader counts odd items as chunks and records no made-up facts`, () => {
    const t = tracker();
    for (const item of ODD) read(item, t);
    assert.equal(t.chunkCount, ODD.length);
    assert.equal(t.facts.inputTokens, undefined);
    assert.equal(t.facts.outputTokens, undefined);
    assert.equal(t.outputChars, 0);
    t.end('cancel');
  });
}

test('the openai chat reader records every choice finish reason and usage only when reported', () => {
  const t = tracker();
  readOpenAIChatItem(
    {
      id: 'c',
      model: 'm',
      choices: [
        { delta: { content: 'ab' }, finish_reason: null },
        { text: 'cde', finish_reason: null },
      ],
    },
    t,
  );
  readOpenAIChatItem(
    {
      choices: [
        { delta: {}, finish_reason: 'stop' },
        { delta: {}, finish_reason: 'length' },
      ],
      usage: null,
    },
    t,
  );
  assert.equal(t.outputChars, 5);
  assert.deepEqual(t.facts.finishReasons, ['stop', 'length']);
  assert.equal(t.terminalSeen, true);
  assert.equal(t.facts.inputTokens, undefined);
  readOpenAIChatItem({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }, t);
  assert.equal(t.facts.inputTokens, 3);
  assert.equal(t.facts.outputTokens, 4);
  t.end('eof');
});

test('the anthropic reader adds cached input tokens to input tokens', () => {
  const t = tracker();
  readAnthropicItem(
    {
      type: 'message_start',
      message: { usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 1 } },
    },
    t,
  );
  assert.equal(t.facts.inputTokens, 17);
  readAnthropicItem({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } }, t);
  assert.equal(t.facts.outputTokens, 9);
  assert.deepEqual(t.facts.finishReasons, ['max_tokens']);
  assert.equal(t.terminalSeen, false);
  readAnthropicItem({ type: 'message_stop' }, t);
  assert.equal(t.terminalSeen, true);
  t.end('eof');
});

test('the responses reader marks response.incomplete terminal with its reason and error events as errors', () => {
  const t = tracker();
  readOpenAIResponsesItem({ type: 'response.incomplete', response: { incomplete_details: { reason: 'max_output_tokens' } } }, t);
  assert.equal(t.terminalSeen, true);
  assert.deepEqual(t.facts.finishReasons, ['max_output_tokens']);
  const u = tracker();
  readOpenAIResponsesItem({ type: 'error', code: 'rate_limit_exceeded', message: 'x' }, u);
  assert.equal(u.errorSeen, true);
  assert.equal(u.facts.errorType, 'rate_limit_exceeded');
  t.end('eof');
  u.end('eof');
});
