// Amazon Bedrock: item and error views (the wire is AWS's binary event stream, decoded by the SDK).
// ConverseStream items are the recorded events as the SDK yields them (`{[event]: body}`);
// InvokeModelWithResponseStream items wrap the model's own JSON as `{chunk: {bytes}}`, so the
// Anthropic wire rule reads the same logical stream and both must agree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { anthropicRule } from '../../../dist/providers/anthropic.js';
import { readBedrockError, readConverseItem, readInvokeItem } from '../../../dist/providers/bedrock.js';
import { SIGNAL_NONE, SIGNAL_TERMINAL, assertOddItemsHarmless, assertSameOutcome, runItems, runWire } from './views.mjs';

const recorded = (name) => JSON.parse(readFileSync(new URL(`../../fixtures/wire/sdk/bedrock/${name}`, import.meta.url), 'utf8'));
const bytes = (text) => new TextEncoder().encode(text);
/** The SDK's ConverseStream union members, up to the first modelled exception. */
const converseItems = (events) => events.filter((e) => e.event !== undefined).map((e) => ({ [e.event]: e.body }));
const modelled = (e) =>
  Object.assign(new Error(e.body.message), { name: e.exception[0].toUpperCase() + e.exception.slice(1), $fault: 'server' });

describe('bedrock: item and error views', () => {
  it('reads a whole ConverseStream as terminal at messageStop, cached input tokens added', () => {
    const got = runItems(readConverseItem, converseItems(recorded('converse-stream.json')));
    assert.deepEqual(got.facts, { finishReasons: ['end_turn'], inputTokens: 15, outputTokens: 4 });
    assert.deepEqual([got.terminal, got.error, got.text], [true, false, 'Hello world']);
  });

  it('sees no terminal in a ConverseStream closed before messageStop; a partial frame is a clean close with the error kept', () => {
    const events = recorded('converse-stream.json');
    const cut = converseItems(
      events.slice(
        0,
        events.findIndex((e) => e.event === 'messageStop'),
      ),
    );
    const got = runItems(readConverseItem, cut, {
      read: readBedrockError,
      error: new Error('Truncated event message received.'),
    });
    assert.deepEqual([got.terminal, got.error], [false, false]);
    assert.deepEqual(got.ending, { reason: 'partial_frame', keepsError: true });
  });

  it('types a modelled exception sent in the stream by its name', () => {
    for (const [fixture, type] of [
      ['converse-model-error.json', 'ModelStreamErrorException'],
      ['converse-throttled.json', 'ThrottlingException'],
    ]) {
      const events = recorded(fixture);
      const got = runItems(readConverseItem, converseItems(events), { read: readBedrockError, error: modelled(events.at(-1)) });
      assert.deepEqual([got.error, got.terminal, got.facts.errorType], [true, false, type], fixture);
    }
  });

  it('reads an Anthropic InvokeModel stream as the Anthropic wire rule reads it; the invocation metrics win', () => {
    const chunks = recorded('invoke-anthropic.json').map((e) => e.chunk);
    const wire = runWire(
      anthropicRule,
      chunks.map((chunk) => ({ event: chunk.type, data: JSON.stringify(chunk) })),
    );
    const items = runItems(
      readInvokeItem,
      chunks.map((chunk) => ({ chunk: { bytes: bytes(JSON.stringify(chunk)) } })),
    );
    const metrics = chunks.at(-1)['amazon-bedrock-invocationMetrics'];
    assertSameOutcome(
      { ...wire, facts: { ...wire.facts, inputTokens: metrics.inputTokenCount, outputTokens: metrics.outputTokenCount } },
      items,
    );
    assert.equal(items.terminal, true);
    assert.ok(items.text.length > 0);
  });

  it('reads the last chunk of another model family as terminal by its invocation metrics', () => {
    const items = recorded('invoke-llama.json').map((e) => ({ chunk: { bytes: bytes(JSON.stringify(e.chunk)) } }));
    const got = runItems(readInvokeItem, items);
    assert.deepEqual(got.signals, [SIGNAL_NONE, SIGNAL_NONE, SIGNAL_TERMINAL]);
    assert.deepEqual(got.facts, { finishReasons: ['stop'], inputTokens: 9, outputTokens: 3 });
  });

  it('reads a messageStop without a stop reason as terminal', () => {
    const got = runItems(readConverseItem, [{ messageStop: {} }]);
    assert.deepEqual([got.terminal, got.facts], [true, {}]);
  });

  it('leaves errors that are neither modelled exceptions nor a partial frame to the outcome decision', () => {
    for (const e of [null, 'x', new Error('other'), { name: 'X' }]) assert.equal(readBedrockError(e, {}), 0);
  });

  it('reads odd items without a signal, a fact or a throw', () => {
    assertOddItemsHarmless(readConverseItem);
    assertOddItemsHarmless(readInvokeItem);
    const chunks = [
      { chunk: { bytes: 'not bytes' } },
      { chunk: { bytes: bytes('{"type":"message_st') } },
      { chunk: { bytes: bytes('null') } },
      { chunk: { bytes: bytes('{"amazon-bedrock-invocationMetrics":null}') } },
      { contentBlockDelta: { delta: { toolUse: { input: '{"a":' } } } },
      { metadata: { usage: { inputTokens: -1, outputTokens: 'x' } } },
    ];
    for (const read of [readConverseItem, readInvokeItem]) {
      const got = runItems(read, chunks);
      assert.deepEqual([got.signals, got.facts, got.text], [chunks.map(() => SIGNAL_NONE), {}, '']);
    }
  });
});
