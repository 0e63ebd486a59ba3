// exportLiveSync(reason): the synchronous path of process.exit() and fatal exceptions. It ends every live
// stream as interrupted with the reason, hands their ended spans to the synchronous sender, and says
// whether they were delivered (the crash journal keeps them for the next start when not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trackStream } from '../../../dist/index.js';
import { processState } from '../../../dist/core/process-state.js';
import { exportLiveSync, setSyncSpanSender } from '../../../dist/processor/exit-export.js';
import { createInMemoryOtel } from '../../support/in-memory-otel.mjs';

/** A stream that yields one item and then waits until released: live after its first item. */
function liveStream(t, otel) {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  async function* source() {
    yield 'first';
    await gate;
  }
  const iterator = trackStream(source(), { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider })[
    Symbol.asyncIterator
  ]();
  t.after(() => release());
  return iterator;
}

function setUp(t) {
  const otel = createInMemoryOtel();
  t.after(async () => {
    setSyncSpanSender(undefined, 1000);
    await otel.shutdown();
  });
  return otel;
}

test('with nothing live there is nothing to deliver', () => {
  assert.equal(processState().live.size, 0);
  assert.equal(exportLiveSync('process_exit'), true);
});

test('ends live streams as interrupted with the reason and hands their spans to the sender', async (t) => {
  const otel = setUp(t);
  const sent = [];
  setSyncSpanSender((spans, timeoutMs) => {
    sent.push({ spans, timeoutMs });
    return true;
  }, 750);
  const iterator = liveStream(t, otel);
  await iterator.next();
  assert.equal(processState().live.size, 1);
  assert.equal(exportLiveSync('uncaught_exception'), true);
  assert.equal(processState().live.size, 0);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].timeoutMs, 750);
  const [span] = sent[0].spans;
  assert.equal(span.ended, true);
  assert.equal(span.attributes['midstream.outcome'], 'interrupted');
  assert.equal(span.attributes['midstream.reason'], 'uncaught_exception');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
});

test('says false when the spans could not be delivered, so the journal keeps them', async (t) => {
  const otel = setUp(t);
  setSyncSpanSender(() => false, 1000);
  const iterator = liveStream(t, otel);
  await iterator.next();
  assert.equal(exportLiveSync('process_exit'), false);
  // The stream was still ended: its span went to the pipeline as interrupted.
  assert.equal(otel.spans()[0].attributes['midstream.reason'], 'process_exit');
});

test('says false when the pipeline has no synchronous path (the app’s own provider)', async (t) => {
  const otel = setUp(t);
  setSyncSpanSender(undefined, 1000);
  const iterator = liveStream(t, otel);
  await iterator.next();
  assert.equal(exportLiveSync('process_exit'), false);
  assert.equal(processState().live.size, 0);
});
