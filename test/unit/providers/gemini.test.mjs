// Gemini: both views over the same recorded transcripts. @google/genai yields each `data:` payload as
// a GenerateContentResponse with the same field names, so the items are the payloads, parsed; an
// error payload the SDK throws as an ApiError (`got status: <STATUS>. <body>`), built here from it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { geminiRule, isFunctionResponseTurn, readGeminiError, readGeminiItem } from '../../../dist/providers/gemini.js';
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
  return { wire: runWire(geminiRule, events), items: runItems(readGeminiItem, dataItems(events)) };
}

const apiError = (message) => Object.assign(new Error(message), { name: 'ApiError' });

describe('gemini: wire rule and item reader on one transcript', () => {
  it('both views read a whole stream as terminal at the finishReason, with the same facts', () => {
    const { wire, items } = both('gemini.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual(wire.facts, {
      responseId: '7Ug_aJ2lLqCqz7IP3LCZ2Q4',
      responseModel: 'gemini-2.0-flash',
      finishReasons: ['STOP'],
      inputTokens: 8,
      outputTokens: 6,
    });
    assert.deepEqual([wire.terminal, wire.error], [true, false]);
    assert.equal(items.text, 'héllo 日本 🎉!');
  });

  it('both views see no terminal in a stream that ended without a finishReason', () => {
    const { wire, items } = both('gemini-truncated.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.error], [false, false]);
  });

  it('both views read a blocked prompt as terminal with its block reason', () => {
    const { wire, items } = both('sdk/gemini-blocked.sse');
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.terminal, wire.facts.finishReasons], [true, ['PROHIBITED_CONTENT']]);
  });

  it('both views type an in-stream error by its status (the SDK path from the ApiError it throws)', () => {
    const events = eventsOf('gemini-error.sse');
    const wire = runWire(geminiRule, events);
    const thrown = apiError(`got status: UNAVAILABLE. ${events.at(-1).data}`);
    const items = runItems(readGeminiItem, dataItems(events.slice(0, -1)), { read: readGeminiError, error: thrown });
    assertSameOutcome(wire, items);
    assert.deepEqual([wire.error, wire.facts.errorType], [true, 'UNAVAILABLE']);
  });

  it('tells the function-response turn of automatic function calling (re-arms the terminal) from model chunks', () => {
    const [call] = dataItems(eventsOf('sdk/gemini-afc-call.sse'));
    const turn = { candidates: [{ content: { role: 'user', parts: [{ functionResponse: { name: 'get_weather' } }] } }] };
    assert.deepEqual(runItems(readGeminiItem, [call]).signals, [SIGNAL_TERMINAL]);
    assert.deepEqual([isFunctionResponseTurn(call), isFunctionResponseTurn(turn)], [false, true]);
    for (const other of [null, {}, { candidates: [] }, { candidates: [{ content: { role: 'user' }, finishReason: 'STOP' }] }]) {
      assert.equal(isFunctionResponseTurn(other), false);
    }
  });

  it('does not take CONTINUATION for the end of the answer', () => {
    const got = runItems(readGeminiItem, [
      { candidates: [{ finishReason: 'CONTINUATION', content: { role: 'model', parts: [{ text: 'a' }] } }] },
    ]);
    assert.deepEqual([got.signals, got.facts.finishReasons], [[SIGNAL_NONE], ['CONTINUATION']]);
  });

  it('reads the SDK errors: a status, no status, a clean close inside an event, and others', () => {
    const facts = {};
    assert.equal(readGeminiError(apiError('got status: RESOURCE_EXHAUSTED. {}'), facts), 2);
    assert.equal(facts.errorType, 'RESOURCE_EXHAUSTED');
    const untyped = {};
    assert.equal(readGeminiError(apiError('got status: 500 Internal. x'), untyped), 2);
    assert.deepEqual(untyped, {});
    assert.deepEqual(readGeminiError(new Error('Incomplete JSON segment at the end'), {}), {
      reason: 'incomplete_event',
      keepsError: false,
    });
    for (const other of [null, 'x', new Error('other'), { name: 'ApiError' }]) assert.equal(readGeminiError(other, {}), 0);
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readGeminiItem);
  });
});
