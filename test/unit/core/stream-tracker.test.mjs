// StreamTracker, the per-stream state machine: ends exactly once, ignores what arrives after its
// end, detects stalls (begin on a gap or on the watchdog's tick, end on the next chunk), ends on the
// caller's abort, and leaves the live registry when it ends. Stalls and idle timeouts are driven
// through checkIdle(t) with the tracker's own clock readings, so no test waits for a timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { StreamTracker } from '../../../dist/core/stream-tracker.js';
import { processState } from '../../../dist/core/process-state.js';
import { createInMemoryOtel, sumWhere } from '../../support/in-memory-otel.mjs';
import { captureDiag } from '../../support/diag.mjs';
import { testTracker } from '../../support/tracker.mjs';

const tracker = (init = {}) => testTracker(init);

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

/** A tracker that owns a real span on in-memory providers, for what it writes at the end. */
function owned(t, init = {}) {
  const otel = createInMemoryOtel();
  t.after(() => otel.shutdown());
  const tel = new StreamTelemetry(otel.meterProvider.getMeter('test'));
  const tr = new StreamTracker(tel, {
    span: otel.tracerProvider.getTracer('test').startSpan('stream'),
    ownsSpan: true,
    source: 'test',
    protocol: 'sse',
    requiresTerminal: true,
    ...init,
  });
  return { otel, tr };
}

test('ends exactly once: one span, one outcome count, whatever ends it later', async (t) => {
  const { otel, tr } = owned(t);
  tr.onChunk();
  tr.markTerminal();
  tr.end('eof');
  tr.end('error', new Error('late'));
  tr.finish('cancelled');
  tr.endCleanClose('late_close');
  assert.equal(tr.outcome, 'completed');
  assert.equal(tr.isLive, false);
  assert.equal(otel.spans().length, 1);
  assert.equal(otel.spans()[0].attributes['midstream.outcome'], 'completed');
  assert.equal(sumWhere(await otel.metric('midstream.stream.outcomes')), 1);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0, 'active back to 0');
});

test('a chunk after the end changes nothing', () => {
  const tr = tracker();
  tr.onChunk();
  tr.end('cancel');
  const { chunkCount, lastChunkAt, endedAt } = tr;
  tr.onChunk();
  tr.onChunk();
  assert.equal(tr.chunkCount, chunkCount);
  assert.equal(tr.lastChunkAt, lastChunkAt);
  assert.equal(tr.endedAt, endedAt);
  assert.equal(tr.outcome, 'cancelled');
});

test('a live stream is in the live registry until it ends', () => {
  const { live } = processState();
  const before = live.size;
  const tr = tracker();
  assert.equal(live.size, before + 1);
  assert.ok(live.snapshot().includes(tr));
  tr.end('eof');
  assert.equal(live.size, before);
  assert.ok(!live.snapshot().includes(tr));
});

test('first chunk and gaps are timed on the monotonic clock', async () => {
  const tr = tracker({ stallThresholdMs: 60_000 });
  assert.equal(tr.firstChunkAt, -1);
  tr.onChunk();
  assert.ok(tr.firstChunkAt >= tr.startTime);
  await sleep(20);
  tr.onChunk();
  assert.ok(tr.lastChunkAt - tr.firstChunkAt >= 0.015, 'the gap spans the wait');
  assert.equal(tr.chunkCount, 2);
  assert.equal(tr.stallCount, 0, 'a gap under the threshold is no stall');
  tr.end('eof');
});

test('a gap over the threshold between two chunks is one finished stall at the chunk before it', async (t) => {
  const { otel, tr } = owned(t, { stallThresholdMs: 1 });
  tr.onChunk();
  await sleep(20);
  tr.onChunk();
  assert.equal(tr.stallCount, 1);
  assert.equal(tr.stalling, false);
  assert.equal(tr.stalls.length, 1);
  assert.equal(tr.stalls[0].chunkIndex, 0);
  assert.equal(tr.stalls[0].ongoing, false);
  assert.ok(tr.stalls[0].gap >= 0.015, `gap ${tr.stalls[0].gap}`);
  assert.equal(sumWhere(await otel.metric('midstream.stream.stalls')), 1, 'counted while live');
  tr.markTerminal();
  tr.end('eof');
  assert.equal(tr.outcome, 'completed', 'a stall is no outcome');
});

test("the watchdog's tick begins a stall in progress once; the next chunk ends it", () => {
  const tr = tracker({ stallThresholdMs: 1_000 });
  tr.onChunk();
  tr.checkIdle(tr.lastChunkAt + 0.5);
  assert.equal(tr.stallCount, 0, 'under the threshold');
  tr.checkIdle(tr.lastChunkAt + 2);
  tr.checkIdle(tr.lastChunkAt + 3);
  assert.equal(tr.stallCount, 1, 'one stall however many ticks see it');
  assert.equal(tr.stalling, true);
  const [stall] = tr.stalls;
  assert.equal(stall.startedAt, tr.lastChunkAt);
  assert.ok(Math.abs(stall.gap - 2) < 1e-9, `gap ${stall.gap}`);
  assert.equal(stall.chunkIndex, 0);
  assert.equal(stall.ongoing, true);
  tr.onChunk();
  assert.equal(tr.stalling, false);
  assert.equal(tr.stalls[0].ongoing, false);
  assert.equal(tr.stallCount, 1, 'the chunk that ends a stall does not count another');
  tr.end('eof');
});

test('a stall still going at the end is ongoing, with the gap up to the end', () => {
  const tr = tracker({ stallThresholdMs: 1_000 });
  tr.onChunk();
  tr.checkIdle(tr.lastChunkAt + 2);
  tr.end('cancel');
  assert.equal(tr.stalls[0].ongoing, true);
  assert.equal(tr.stalls[0].gap, tr.endedAt - tr.lastChunkAt);
});

test('silence before the first chunk is no stall (that is time to first chunk)', () => {
  const tr = tracker({ stallThresholdMs: 1_000 });
  tr.checkIdle(tr.startTime + 10);
  assert.equal(tr.stallCount, 0);
  assert.equal(tr.isLive, true);
  tr.end('eof');
});

test('stall events are capped per stream; the count is not', () => {
  const tr = tracker({ stallThresholdMs: 1_000 });
  tr.onChunk();
  for (let i = 0; i < 20; i++) {
    tr.checkIdle(tr.lastChunkAt + 2);
    tr.onChunk();
  }
  assert.equal(tr.stallCount, 20);
  assert.equal(tr.stalls.length, 16);
  tr.end('eof');
});

test('the opt-in idle timeout ends a silent stream as timed_out, from the last chunk or the start', () => {
  const a = tracker({ idleTimeoutMs: 500 });
  a.checkIdle(a.startTime + 0.4);
  assert.equal(a.isLive, true);
  a.checkIdle(a.startTime + 0.6);
  assert.equal(a.outcome, 'timed_out');
  assert.equal(a.reason, 'idle_timeout');
  const b = tracker({ idleTimeoutMs: 500 });
  b.onChunk();
  b.checkIdle(b.lastChunkAt + 0.4);
  assert.equal(b.isLive, true, 'measured from the last chunk');
  b.checkIdle(b.lastChunkAt + 0.6);
  assert.equal(b.outcome, 'timed_out');
  const off = tracker({ idleTimeoutMs: 0 });
  off.checkIdle(off.startTime + 3600);
  assert.equal(off.isLive, true, '0 is off');
  off.end('eof');
});

test('the first in-stream error type is kept', () => {
  const tr = tracker();
  tr.markError('overloaded');
  tr.markError('server_error');
  tr.markError();
  assert.equal(tr.errorSeen, true);
  assert.equal(tr.facts.errorType, 'overloaded');
  tr.end('eof');
  assert.equal(tr.outcome, 'errored');
});

test('an orphaned mark is taken once, while live, with the counts of that moment', () => {
  const tr = tracker();
  tr.onChunk();
  tr.addOutputText('abc');
  tr.markOrphaned(tr.lastChunkAt, undefined);
  tr.onChunk();
  tr.markOrphaned(tr.lastChunkAt + 1, undefined);
  assert.equal(tr.orphanedAtChunks, 1);
  assert.equal(tr.orphanedAtChars, 3);
  tr.end('eof');
  const late = tracker();
  late.end('eof');
  late.markOrphaned(1, undefined);
  assert.equal(late.orphanedAt, -1);
});

test('a throwing end listener is reported once and the other listeners still run', (t) => {
  const warnings = captureDiag(t);
  const tr = tracker();
  const seen = [];
  tr.whenEnded(() => {
    throw new Error('listener boom');
  });
  tr.whenEnded((o) => seen.push(o));
  assert.doesNotThrow(() => tr.end('cancel'));
  assert.deepEqual(seen, ['cancelled']);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /tracker\.endListener failed \(Error: listener boom\)/);
  tr.whenEnded(() => {
    throw new Error('again');
  });
  assert.equal(warnings.length, 1, 'once per kind');
});

// endOnAbort: the one way adapters end a stream when the caller's signal aborts.

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
