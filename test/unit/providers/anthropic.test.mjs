// Anthropic Messages: both views over the same recorded transcripts (the SDK yields the parsed `data:`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicRule, readAnthropicItem } from '../../../dist/providers/anthropic.js';
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

function both(fixture) {
  const events = eventsOf(fixture);
  return { wire: runWire(anthropicRule, events), items: runItems(readAnthropicItem, dataItems(events)) };
}

describe('anthropic: wire rule and item reader on one transcript', () => {
  it('both views read a whole Messages stream as terminal at message_stop, with the same facts', () => {
    const { wire, items } = both('anthropic-messages.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual(wire.facts, {
      responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      responseModel: 'claude-sonnet-4-5-20250929',
      finishReasons: ['end_turn'],
      inputTokens: 125,
      outputTokens: 15,
    });
    assert.deepEqual([wire.terminal, wire.error], [true, false]);
    assert.deepEqual(wire.signals, [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(items.signals, wire.signals);
    assert.equal(items.text, 'héllo 日本 🎉');
  });

  it('both views see no terminal in a stream closed before message_stop', () => {
    const { wire, items } = both('anthropic-truncated.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error], [false, false]);
  });

  it('both views type an error event by its error.type', () => {
    const { wire, items } = both('anthropic-error.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.error, wire.facts.errorType, wire.facts.inputTokens], [true, 'overloaded_error', 12]);
  });

  it('adds cached input tokens to input tokens and keeps the cumulative output count', () => {
    const got = runItems(readAnthropicItem, [
      {
        type: 'message_start',
        message: { usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 1 } },
      },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ]);
    assert.deepEqual(got.facts, { inputTokens: 17, outputTokens: 9, finishReasons: ['max_tokens'] });
    assert.deepEqual(got.signals, [SIGNAL_NONE, SIGNAL_NONE, SIGNAL_TERMINAL]);
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readAnthropicItem);
  });
});
