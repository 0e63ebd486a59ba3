// OpenAI Chat Completions (and legacy Completions, Groq): both views over the same recorded transcripts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openAIChatRule, readOpenAIChatItem } from '../../../dist/providers/openai-chat.js';
import { readStreamError } from '../../../dist/instrumentations/kit/stream-errors.js';
import {
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  assertOddItemsHarmless,
  assertSameOutcome,
  dataItems,
  eventsOf,
  runItems,
  runWire,
} from './views.mjs';

const CASES = [
  [
    'openai-chat.sse',
    { responseId: 'chatcmpl-AXa1', responseModel: 'gpt-4o-mini-2024-07-18', finishReasons: ['stop'] },
    'héllo 日本 🎉 say "finish_reason": "stop"',
  ],
  [
    'openai-chat-usage.sse',
    {
      responseId: 'chatcmpl-AXa2',
      responseModel: 'gpt-4o-2024-08-06',
      finishReasons: ['length'],
      inputTokens: 19,
      outputTokens: 3,
    },
  ],
  [
    'groq-chat.sse',
    {
      responseId: 'chatcmpl-7c1b',
      responseModel: 'llama-3.3-70b-versatile',
      finishReasons: ['stop'],
      inputTokens: 12,
      outputTokens: 2,
    },
    'Hi',
  ],
  [
    'sdk/openai-completions.sse',
    { responseId: 'cmpl-B1', responseModel: 'gpt-3.5-turbo-instruct', finishReasons: ['length'] },
    'Hello world',
  ],
];

describe('openai chat: wire rule and item reader on one transcript', () => {
  for (const [fixture, facts, text] of CASES) {
    it(`both views read ${fixture} as terminal with the same facts`, () => {
      const events = eventsOf(fixture);
      const wire = runWire(openAIChatRule, events);
      const items = runItems(readOpenAIChatItem, dataItems(events));
      assertSameOutcome(wire, items);
      assert.deepEqual([wire.facts, wire.terminal, wire.error], [facts, true, false]);
      if (text !== undefined) assert.equal(items.text, text);
    });
  }

  it('both views see no terminal in a stream closed before its finish_reason chunk', () => {
    const events = eventsOf('openai-chat-truncated.sse');
    const wire = runWire(openAIChatRule, events);
    const items = runItems(readOpenAIChatItem, dataItems(events));
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error, wire.facts.finishReasons], [false, false, undefined]);
    assert.ok(items.signals.length >= 2);
  });

  it('types an in-stream error alike: the wire from the data, the SDK path from the APIError it throws', () => {
    const events = eventsOf('openai-chat-error.sse');
    const wire = runWire(openAIChatRule, events);
    // The SDK yields the chunks before the error and throws an APIError (no status, the body's
    // `error` as `error`) for the error chunk: the kit's stream error reader types it.
    const body = JSON.parse(events.at(-1).data);
    const thrown = Object.assign(new Error(body.error.message), {
      error: body.error,
      type: body.error.type,
      code: body.error.code,
    });
    const items = runItems(readOpenAIChatItem, dataItems(events.slice(0, -1)), { read: readStreamError, error: thrown });
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.error, wire.facts.errorType], [true, 'server_error']);
  });

  it('records every choice finish reason and usage only when reported', () => {
    const got = runItems(readOpenAIChatItem, [
      {
        id: 'c',
        model: 'm',
        choices: [
          { delta: { content: 'ab' }, finish_reason: null },
          { text: 'cde', finish_reason: null },
        ],
      },
      {
        choices: [
          { delta: {}, finish_reason: 'stop' },
          { delta: {}, finish_reason: 'length' },
        ],
        usage: null,
      },
      { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } },
    ]);
    assert.deepEqual(got.signals, [SIGNAL_NONE, SIGNAL_TERMINAL, SIGNAL_NONE]);
    assert.deepEqual(got.facts, {
      responseId: 'c',
      responseModel: 'm',
      finishReasons: ['stop', 'length'],
      inputTokens: 3,
      outputTokens: 4,
    });
    assert.equal(got.text, 'abcde');
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readOpenAIChatItem);
  });
});
