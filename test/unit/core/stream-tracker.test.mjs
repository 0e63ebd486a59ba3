// StreamTracker's own invariants: readers change it only through its methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';

const telemetry = new StreamTelemetry(metrics.getMeter('test'));
const span = trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 });
const tracker = (init = {}) => new StreamTracker(telemetry, { span, ownsSpan: false, source: 'test', protocol: 'objects', requiresTerminal: true, ...init });

test('terminalSeen and malformedCount are read-only from outside', () => {
  const t = tracker();
  assert.throws(() => {
    'use strict';
    t.terminalSeen = true;
  }, TypeError);
  assert.equal(t.terminalSeen, false);
  t.addMalformed(2);
  assert.equal(t.malformedCount, 2);
});

test('a re-armed terminal makes a later clean end truncated again', () => {
  const t = tracker();
  t.facts.finishReasons = ['stop'];
  t.markTerminal();
  t.rearmTerminal();
  assert.equal(t.facts.finishReasons, undefined);
  t.end('eof');
  assert.equal(t.outcome, 'truncated');
});

test('endCleanClose is a clean close with its reason, and the first ending wins', () => {
  const t = tracker();
  t.endCleanClose('closed_before_done');
  assert.equal(t.outcome, 'truncated');
  assert.equal(t.reason, 'closed_before_done');
  t.end('error', new Error('later'));
  assert.equal(t.outcome, 'truncated');
});

test('options arrive at stream start: capture is off unless a cap is given', () => {
  const off = tracker();
  off.addOutputText('hello');
  assert.equal(off.capture, undefined);
  assert.equal(off.outputChars, 5);
  const on = tracker({ captureContentMaxBytes: 3 });
  on.addOutputText('hello');
  assert.equal(on.capture.text, 'hel');
  assert.equal(on.capture.truncated, true);
  for (const t of [off, on]) t.end('eof');
});
