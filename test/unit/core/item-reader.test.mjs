// core/item-reader: the one place an item reader's signal becomes tracker calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';
import { applyError, applyItem } from '../../../dist/core/item-reader.js';

const telemetry = new StreamTelemetry(metrics.getMeter('test'));
const span = trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 });
const tracker = () =>
  new StreamTracker(telemetry, { span, ownsSpan: false, source: 'test', protocol: 'objects', requiresTerminal: true });
const returning = (signal) => (item, facts, out) => {
  out.addOutputText(item);
  return signal;
};

test('every item is a chunk; its text is counted; terminal and error signals mark the tracker', () => {
  const t = tracker();
  applyItem(t, returning(0), 'ab');
  assert.deepEqual([t.chunkCount, t.terminalSeen, t.errorSeen, t.outputChars], [1, false, false, 2]);
  applyItem(t, returning(1), 'c');
  assert.deepEqual([t.chunkCount, t.terminalSeen, t.outputChars], [2, true, 3]);
  t.facts.errorType = 'overloaded_error';
  applyItem(t, returning(2), '');
  assert.deepEqual([t.chunkCount, t.errorSeen, t.facts.errorType], [3, true, 'overloaded_error']);
  t.end('eof');
  assert.equal(t.outcome, 'errored');
});

test('an error reader marks an error, ends a clean close with its reason, or leaves the error alone', () => {
  const none = tracker();
  applyError(none, () => 0, new Error('x'));
  assert.deepEqual([none.errorSeen, none.isLive], [false, true]);
  const typed = tracker();
  applyError(typed, (_e, facts) => ((facts.errorType = 'ThrottlingException'), 2), new Error('x'));
  assert.deepEqual([typed.errorSeen, typed.facts.errorType], [true, 'ThrottlingException']);
  const closed = tracker();
  applyError(closed, () => ({ reason: 'partial_frame', keepsError: true }), new Error('x'));
  assert.deepEqual([closed.isLive, closed.outcome, closed.reason], [false, 'truncated', 'partial_frame']);
});
