// OpenAI Responses API: both views over the same recorded transcripts (the SDK yields the parsed `data:`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openAIResponsesRule, readOpenAIResponsesItem } from '../../../dist/providers/openai-responses.js';
import { assertOddItemsHarmless, assertSameOutcome, cutBefore, dataItems, eventsOf, runItems, runWire } from './views.mjs';

const CASES = [
  [
    'openai-responses.sse',
    { terminal: true, error: false },
    {
      responseId: 'resp_67c9fdcecf488190bdd9a0409de3a1ec',
      responseModel: 'gpt-4.1-2025-04-14',
      finishReasons: ['stop'],
      inputTokens: 37,
      outputTokens: 11,
    },
  ],
  [
    'openai-responses-incomplete.sse',
    { terminal: true, error: false },
    {
      responseId: 'resp_inc1',
      responseModel: 'gpt-4.1-2025-04-14',
      finishReasons: ['max_output_tokens'],
      inputTokens: 10,
      outputTokens: 16,
    },
  ],
  [
    'openai-responses-failed.sse',
    { terminal: false, error: true },
    { responseId: 'resp_fail1', responseModel: 'gpt-4.1-2025-04-14', errorType: 'server_error' },
  ],
  [
    'openai-responses-error.sse',
    { terminal: false, error: true },
    { responseId: 'resp_err1', responseModel: 'gpt-4.1-2025-04-14', errorType: 'rate_limit_exceeded' },
  ],
];

describe('openai responses: wire rule and item reader on one transcript', () => {
  for (const [fixture, outcome, facts] of CASES) {
    it(`both views read ${fixture} alike: terminal=${outcome.terminal}, error=${outcome.error}`, () => {
      const events = eventsOf(fixture);
      const wire = runWire(openAIResponsesRule, events);
      const items = runItems(readOpenAIResponsesItem, dataItems(events));
      assertSameOutcome(wire, items);
      assert.deepEqual({ terminal: wire.terminal, error: wire.error, facts: wire.facts }, { ...outcome, facts });
    });
  }

  it('both views see no terminal in the stream closed before response.completed', () => {
    const events = cutBefore(eventsOf('openai-responses.sse'), (e) => e.event === 'response.completed');
    const wire = runWire(openAIResponsesRule, events);
    const items = runItems(readOpenAIResponsesItem, dataItems(events));
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error, wire.facts.responseId], [false, false, 'resp_67c9fdcecf488190bdd9a0409de3a1ec']);
    assert.ok(items.text.length > 0);
  });

  it('types an error event without a code as _OTHER in both views', () => {
    const data = '{"type":"error","message":"x","sequence_number":3}';
    const wire = runWire(openAIResponsesRule, [{ event: 'error', data }]);
    const items = runItems(readOpenAIResponsesItem, [JSON.parse(data)]);
    assertSameOutcome(wire, items);
    assert.equal(wire.facts.errorType, '_OTHER');
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readOpenAIResponsesItem);
  });
});
