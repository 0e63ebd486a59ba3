// Mistral: the wire is OpenAI's chat chunk shape (wire view: openAIChatRule); @mistralai/mistralai
// yields `{data: chunk}` camelCased by its schema, so the items are the payloads camelCased and wrapped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openAIChatRule } from '../../../dist/providers/openai-chat.js';
import { readMistralErrorEvent, readMistralItem } from '../../../dist/providers/mistral.js';
import { assertOddItemsHarmless, assertSameOutcome, camel, cutBefore, dataItems, eventsOf, runItems, runWire } from './views.mjs';

const itemsOf = (events) => dataItems(events).map((data) => ({ data: camel(data) }));

describe('mistral: the openai chat wire rule and the mistral item reader on one transcript', () => {
  for (const [fixture, text] of [
    ['sdk/mistral-chat.sse', 'Hello world'],
    ['sdk/mistral-fim.sse', undefined],
  ]) {
    it(`both views read ${fixture} as terminal with the same facts`, () => {
      const events = eventsOf(fixture);
      const wire = runWire(openAIChatRule, events);
      const items = runItems(readMistralItem, itemsOf(events));
      assertSameOutcome(wire, items);
      assert.deepEqual([wire.terminal, wire.error, wire.facts.finishReasons?.length], [true, false, 1]);
      if (text !== undefined) assert.equal(items.text, text);
    });
  }

  it('both views see no terminal in the stream closed before its finishing chunk', () => {
    const events = cutBefore(eventsOf('sdk/mistral-chat.sse'), (e) => e.data.includes('"finish_reason":"stop"'));
    const wire = runWire(openAIChatRule, events);
    const items = runItems(readMistralItem, itemsOf(events));
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error], [false, false]);
  });

  it("types Mistral's in-stream error body on the SDK path; the openai chat wire rule does not know it", () => {
    const events = eventsOf('sdk/mistral-chat-error.sse');
    const raw = events.at(-1);
    const items = runItems(readMistralItem, itemsOf(events.slice(0, -1)), { read: readMistralErrorEvent, error: raw });
    assert.deepEqual([items.error, items.facts.errorType], [true, 'service_unavailable']);
    // Known gap, kept as it is (behaviour unchanged by the provider split): Mistral's error body has
    // no `error` key, so over fetch alone the stream ends without a terminal and is truncated.
    const wire = runWire(openAIChatRule, events);
    assert.deepEqual([wire.error, wire.terminal], [false, false]);
    assert.deepEqual({ ...wire.facts, errorType: 'service_unavailable' }, items.facts);
  });

  it('reads any other unparsable event as an untyped error', () => {
    const facts = {};
    assert.equal(readMistralErrorEvent({ data: 'not json' }, facts), 2);
    assert.deepEqual(facts, {});
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readMistralItem);
  });
});
