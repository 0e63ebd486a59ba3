// One clock per stream: span start, end and event times come from the tracker's monotonic readings and
// one epoch anchor, so a sub-millisecond stream keeps its true duration and never ends before it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trackStream } from '../../../dist/index.js';
import { now } from '../../../dist/core/clock.js';
import { MidstreamInstrumentation } from '../../../dist/instrumentations/kit/midstream-instrumentation.js';
import { createInMemoryOtel } from '../../support/in-memory-otel.mjs';
import { captureDiag } from '../../support/diag.mjs';

const ITERATIONS = 2000;


const nanos = ([s, ns]) => s * 1e9 + ns;

/** The span's duration must be the tracker's: for a one-chunk stream, time to first chunk + time since it. */
function assertTrueDuration(span) {
  assert.ok(nanos(span.endTime) >= nanos(span.startTime), 'ends after it starts');
  const trackerSeconds = span.attributes['midstream.time_to_first_chunk'] + span.attributes['midstream.time_since_last_chunk'];
  const spanSeconds = nanos(span.duration) / 1e9;
  // Epoch milliseconds as a double resolve ~0.25 µs; the tracker's clock is the same.
  assert.ok(Math.abs(spanSeconds - trackerSeconds) < 2e-6, `span ${spanSeconds} s vs tracker ${trackerSeconds} s`);
}

async function* one() {
  yield { done: true };
}

test('a sub-millisecond manual stream has its true duration, never a negative one', async (t) => {
  const warnings = captureDiag(t);
  const otel = createInMemoryOtel();
  t.after(() => otel.shutdown());
  const options = { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, isTerminal: (p) => p.done };
  for (let i = 0; i < ITERATIONS; i++) {
    for await (const _ of trackStream(one(), options)) void _;
  }
  const spans = otel.spans();
  assert.equal(spans.length, ITERATIONS);
  const subMs = spans.filter((s) => nanos(s.duration) < 1e6).length;
  assert.ok(subMs > 0, 'the streams are shorter than a millisecond');
  for (const span of spans) assertTrueDuration(span);
  assert.deepEqual(warnings.filter((w) => w.includes('Inconsistent')), []);
});

class ProbeInstrumentation extends MidstreamInstrumentation {
  constructor() {
    super('probe', {});
  }
  /** A stream whose request was issued `agoSeconds` before now, with one chunk, ended at once. */
  streamOnce(agoSeconds) {
    const tracker = this.startStream({ source: 'probe', protocol: 'objects', requiresTerminal: false, startTime: now() - agoSeconds });
    tracker.onChunk();
    tracker.end('eof');
  }
}

test('an instrumentation stream started at the request time has its true duration', async (t) => {
  const warnings = captureDiag(t);
  const otel = createInMemoryOtel();
  t.after(() => otel.shutdown());
  const probe = new ProbeInstrumentation();
  probe.setTracerProvider(otel.tracerProvider);
  probe.setMeterProvider(otel.meterProvider);
  for (let i = 0; i < ITERATIONS; i++) probe.streamOnce(i % 2 === 0 ? 0 : 0.0001);
  const spans = otel.spans();
  assert.equal(spans.length, ITERATIONS);
  for (const span of spans) assertTrueDuration(span);
  assert.deepEqual(warnings.filter((w) => w.includes('Inconsistent')), []);
});
