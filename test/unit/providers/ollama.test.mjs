// Ollama native API: both views over the same recorded NDJSON transcripts (the client yields each
// line parsed; it throws a plain Error for an `error` line and for a body that ends without `done`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OLLAMA_NO_DONE_MESSAGE, ollamaRule, readOllamaError, readOllamaItem } from '../../../dist/providers/ollama.js';
import { assertOddItemsHarmless, assertSameOutcome, dataItems, eventsOf, runItems, runWire } from './views.mjs';

describe('ollama: wire rule and item reader on one transcript', () => {
  for (const [fixture, facts] of [
    ['ollama-chat.ndjson', { responseModel: 'llama3.2', finishReasons: ['stop'], inputTokens: 26, outputTokens: 282 }],
    ['sdk/ollama-generate.ndjson', undefined],
  ]) {
    it(`both views read ${fixture} as terminal at done: true, with the same facts`, () => {
      const events = eventsOf(fixture);
      const wire = runWire(ollamaRule, events);
      const items = runItems(readOllamaItem, dataItems(events));
      assertSameOutcome(wire, items);
      assert.deepEqual([wire.terminal, wire.error], [true, false]);
      if (facts !== undefined) assert.deepEqual(wire.facts, facts);
      assert.ok(items.text.length > 0);
    });
  }

  it('both views see no terminal in a body that ended without done (the client throws; a clean close)', () => {
    const events = eventsOf('ollama-truncated.ndjson');
    const wire = runWire(ollamaRule, events);
    const items = runItems(readOllamaItem, dataItems(events), {
      read: readOllamaError,
      error: new Error(OLLAMA_NO_DONE_MESSAGE),
    });
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error], [false, false]);
    assert.deepEqual(items.ending, { reason: 'closed_before_done', keepsError: false });
  });

  it('both views read an error line as an error of type _OTHER', () => {
    const events = eventsOf('ollama-error.ndjson');
    const wire = runWire(ollamaRule, events);
    const message = JSON.parse(events.at(-1).data).error;
    const items = runItems(readOllamaItem, dataItems(events.slice(0, -1)), { read: readOllamaError, error: new Error(message) });
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.error, wire.facts], [true, { responseModel: 'llama3.2', errorType: '_OTHER' }]);
  });

  it('leaves errors that are not plain Errors to the outcome decision', () => {
    for (const other of [null, 'x', new TypeError('terminated'), new DOMException('x', 'AbortError')]) {
      assert.equal(readOllamaError(other, {}), 0);
    }
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readOllamaItem);
  });
});
