// Cohere chat v2 (SSE) and v1 (NDJSON): both views over the same recorded transcripts. The SDK yields
// each event camelCased by its serializer (`finishReason`, `billedUnits`, `generationId`), so the
// items are the `data:` payloads parsed and camelCased.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cohereRule, cohereV1Rule, readCohereV1Item, readCohereV2Item } from '../../../dist/providers/cohere.js';
import { assertOddItemsHarmless, assertSameOutcome, camel, cutBefore, dataItems, eventsOf, runItems, runWire } from './views.mjs';

const VERSIONS = [
  ['v2', cohereRule, readCohereV2Item, 'cohere-v2.sse', 'sdk/cohere-chat-error.sse', (e) => e.event === 'message-end'],
  [
    'v1',
    cohereV1Rule,
    readCohereV1Item,
    'cohere-v1.ndjson',
    'sdk/cohere-v1-chat-error.ndjson',
    (e) => e.data.includes('"stream-end"'),
  ],
];

function both(rule, read, events) {
  return { wire: runWire(rule, events), items: runItems(read, dataItems(events).map(camel)) };
}

describe('cohere: wire rules and item readers on one transcript', () => {
  it('both v2 views read a whole stream as terminal at message-end, with the same facts', () => {
    const { wire, items } = both(cohereRule, readCohereV2Item, eventsOf('cohere-v2.sse'));
    assertSameOutcome(wire, items);
    assert.deepEqual(wire.facts, {
      responseId: '29f14a5a-11de-4cae-9800-25e4747408ea',
      finishReasons: ['COMPLETE'],
      inputTokens: 69,
      outputTokens: 5,
    });
    assert.deepEqual([wire.terminal, wire.error], [true, false]);
    assert.equal(items.text, 'héllo 日本 🎉');
  });

  it('both v1 views read a whole stream as terminal at stream-end, with the same facts', () => {
    const { wire, items } = both(cohereV1Rule, readCohereV1Item, eventsOf('cohere-v1.ndjson'));
    assertSameOutcome(wire, items);
    assert.deepEqual(wire.facts, {
      responseId: 'a9e4c1f2-2f3d-4a43-9b0e-3a1d6b0c5e11',
      finishReasons: ['COMPLETE'],
      inputTokens: 68,
      outputTokens: 1,
    });
    assert.equal(items.text, 'Hello');
  });

  for (const [version, rule, read, fixture, errorFixture, isTerminal] of VERSIONS) {
    it(`both ${version} views see no terminal in the stream closed before its end event`, () => {
      const { wire, items } = both(rule, read, cutBefore(eventsOf(fixture), isTerminal));
      assertSameOutcome(wire, items);
      assert.deepEqual([wire.terminal, wire.error], [false, false]);
    });

    it(`both ${version} views read an ERROR finish reason as an error typed by it`, () => {
      // The v2 wire's `[DONE]` after a failed message-end reads terminal too; the SDK swallows it.
      const { wire, items } = both(
        rule,
        read,
        eventsOf(errorFixture).filter((e) => e.data !== '[DONE]'),
      );
      assertSameOutcome(wire, items);
      assert.equal(wire.error, true);
      assert.match(wire.facts.errorType, /^ERROR/);
      assert.deepEqual(wire.facts.finishReasons, [wire.facts.errorType]);
    });

    it(`the ${version} reader reads odd items without a signal, a fact or a throw`, () => {
      assertOddItemsHarmless(read);
    });
  }

  it('falls back to billed units when the stream has no token counts', () => {
    const data =
      '{"type":"message-end","delta":{"finish_reason":"MAX_TOKENS","usage":{"billed_units":{"input_tokens":3,"output_tokens":5}}}}';
    const { wire, items } = both(cohereRule, readCohereV2Item, [{ event: 'message-end', data }]);
    assertSameOutcome(wire, items);
    assert.deepEqual(wire.facts, { finishReasons: ['MAX_TOKENS'], inputTokens: 3, outputTokens: 5 });
  });
});
