// StreamTracker.endOnAbort: the one way adapters end a stream when the caller's signal aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { metrics, trace } from '@opentelemetry/api';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';

function tracker() {
  return new StreamTracker(new StreamTelemetry(metrics.getMeter('test')), {
    span: trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 }),
    ownsSpan: false,
    source: 'test',
    protocol: 'objects',
    requiresTerminal: true,
  });
}

test('an abort while nobody reads ends the stream as aborted and runs the extra step once', () => {
  const t = tracker();
  const ac = new AbortController();
  let extra = 0;
  t.endOnAbort(ac.signal, () => extra++);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
  ac.abort();
  assert.equal(t.outcome, 'aborted');
  assert.equal(extra, 1);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});

test('an already aborted signal ends the stream now', () => {
  const t = tracker();
  const ac = new AbortController();
  ac.abort();
  t.endOnAbort(ac.signal);
  assert.equal(t.outcome, 'aborted');
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});

test('a stream that ends first leaves no listener on a long-lived shared signal', () => {
  const ac = new AbortController();
  for (let i = 0; i < 3; i++) {
    const t = tracker();
    t.endOnAbort(ac.signal);
    t.markTerminal();
    t.end('eof');
    assert.equal(t.outcome, 'completed');
  }
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  ac.abort();
});

test('whenEnded runs every listener once, and at once after the end', () => {
  const t = tracker();
  const seen = [];
  t.whenEnded((o) => seen.push(`a:${o}`));
  t.whenEnded((o) => seen.push(`b:${o}`));
  t.end('cancel');
  t.end('eof');
  t.whenEnded((o) => seen.push(`c:${o}`));
  assert.deepEqual(seen, ['a:cancelled', 'b:cancelled', 'c:cancelled']);
});
