// OpenAI Assistants run streams: item view only (no wire rule is registered for the run paths). The
// SDK yields `{event, data}` for every SSE event and swallows `event: done`; the items here are the
// recorded transcript's events in that shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readOpenAIAssistantItem } from '../../../dist/providers/openai-assistants.js';
import { SIGNAL_TERMINAL, assertOddItemsHarmless, cutBefore, eventsOf, runItems } from './views.mjs';

const itemsOf = (events) =>
  events.filter((e) => e.event !== 'done').map(({ event, data }) => ({ event, data: JSON.parse(data) }));

describe('openai assistants: item view', () => {
  it('reads a whole run as terminal at thread.run.completed, with its facts and text', () => {
    const got = runItems(readOpenAIAssistantItem, itemsOf(eventsOf('sdk/openai-assistant-run.sse')));
    assert.deepEqual(got.facts, {
      responseId: 'run_A1',
      responseModel: 'gpt-4o-2024-08-06',
      finishReasons: ['stop'],
      inputTokens: 20,
      outputTokens: 2,
    });
    assert.deepEqual([got.terminal, got.error, got.text], [true, false, 'Hello world']);
  });

  it('sees no terminal in a run stream closed before its final state', () => {
    const events = cutBefore(eventsOf('sdk/openai-assistant-run.sse'), (e) => e.event === 'thread.run.completed');
    const got = runItems(readOpenAIAssistantItem, itemsOf(events));
    assert.deepEqual([got.terminal, got.error, got.facts.finishReasons], [false, false, undefined]);
  });

  it('reads a failed run as an error typed by last_error.code', () => {
    const got = runItems(readOpenAIAssistantItem, itemsOf(eventsOf('sdk/openai-assistant-run-failed.sse')));
    assert.deepEqual([got.terminal, got.error, got.facts.errorType], [false, true, 'rate_limit_exceeded']);
  });

  it('names the finish of each other final state', () => {
    for (const [event, data, reason] of [
      ['thread.run.requires_action', {}, 'tool_calls'],
      ['thread.run.incomplete', { incomplete_details: { reason: 'max_completion_tokens' } }, 'max_completion_tokens'],
      ['thread.run.incomplete', {}, 'incomplete'],
      ['thread.run.cancelled', {}, 'cancelled'],
      ['thread.run.expired', {}, 'expired'],
    ]) {
      const got = runItems(readOpenAIAssistantItem, [{ event, data }]);
      assert.deepEqual([got.signals, got.facts.finishReasons], [[SIGNAL_TERMINAL], [reason]], event);
    }
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readOpenAIAssistantItem);
  });
});
