// The Bedrock item readers against odd item shapes: they never throw and only record what is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../../dist/core/stream-tracker.js';
import { readBedrockError, readConverseItem, readInvokeItem } from '../../../../dist/providers/bedrock-items.js';

const telemetry = new StreamTelemetry(metrics.getMeter('test'));
function tracker() {
  const span = trace.getTracer('test').startSpan('x');
  return new StreamTracker(telemetry, {
    span,
    ownsSpan: true,
    source: 'test',
    protocol: 'objects',
    requiresTerminal: true,
    genAi: true,
  });
}
const bytes = (text) => new TextEncoder().encode(text);

const ODD = [
  null,
  undefined,
  1,
  'x',
  [],
  {},
  { $unknown: ['newEvent', {}] },
  { contentBlockDelta: null },
  { contentBlockDelta: { delta: { toolUse: { input: '{"a":' } } } },
  { messageStop: null },
  { metadata: { usage: null } },
  { metadata: { usage: { inputTokens: -1, outputTokens: 'x' } } },
  { chunk: null },
  { chunk: { bytes: 'not bytes' } },
  { chunk: { bytes: bytes('{"type":"message_st') } },
  { chunk: { bytes: bytes('null') } },
  { chunk: { bytes: bytes('{"amazon-bedrock-invocationMetrics":null}') } },
];

test('odd items are counted as chunks, never throw and record nothing else', () => {
  for (const read of [readConverseItem, readInvokeItem]) {
    const t = tracker();
    for (const item of ODD) read(item, t);
    assert.equal(t.chunkCount, ODD.length);
    assert.equal(t.terminalSeen, false);
    assert.deepEqual(t.facts, {});
    assert.equal(t.outputChars, 0);
    t.end('eof');
    assert.equal(t.outcome, 'truncated');
  }
});

test('a messageStop without a stop reason is still terminal', () => {
  const t = tracker();
  readConverseItem({ messageStop: {} }, t);
  assert.equal(t.terminalSeen, true);
  assert.equal(t.facts.finishReasons, undefined);
});

test('errors that are neither modelled exceptions nor a partial frame are left to the outcome decision', () => {
  const t = tracker();
  for (const e of [null, 'x', new Error('other'), { name: 'X' }]) readBedrockError(e, t);
  assert.equal(t.errorSeen, false);
  assert.equal(t.isLive, true);
  readBedrockError(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $fault: 'client' }), t);
  assert.equal(t.facts.errorType, 'ThrottlingException');
  t.end('error');
  assert.equal(t.outcome, 'errored');
});

test('a partial frame after messageStop is completed, not truncated', () => {
  const t = tracker();
  readConverseItem({ messageStop: { stopReason: 'end_turn' } }, t);
  readBedrockError(new Error('Truncated event message received.'), t);
  assert.equal(t.outcome, 'completed');
});
