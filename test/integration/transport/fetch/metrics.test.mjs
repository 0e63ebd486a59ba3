// Stream metrics from fetch: low-cardinality labels, active back to 0, one count per stream, and
// no count when an SDK layer above already counts the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { markSdkStream } from '../../../../dist/core/layering.js';
import { startSseServer, openAIChatEvents } from '../../../support/sse-server.mjs';
import { consume, spanOf, spansOf, tel } from './fetch-harness.mjs';

const CHAT = '/v1/chat/completions';
/** Outcome points written by the fetch layer (every local server is 127.0.0.1: no per-server label). */
async function fetchOutcomePoints() {
  const points = await tel.points('midstream.stream.outcomes');
  return points.filter((p) => p.attributes['midstream.source'] === 'fetch');
}

test('counts each outcome once with low-cardinality labels only', async (t) => {
  const server = await startSseServer((req) => ({
    events: openAIChatEvents(['a', 'b']),
    fault: req.url.includes('cut') ? 'end-early-after:1' : 'none',
  }));
  t.after(() => server.close());
  const before = {
    completed: await tel.sum('midstream.stream.outcomes', { 'midstream.outcome': 'completed', 'midstream.source': 'fetch' }),
    truncated: await tel.sum('midstream.stream.outcomes', { 'midstream.outcome': 'truncated', 'midstream.source': 'fetch' }),
  };
  await consume(server.url(`${CHAT}?a=1`));
  await consume(server.url(`${CHAT}?b=2`), 'text');
  await consume(server.url(`${CHAT}?cut=1`));
  assert.equal(spansOf(server).length, 3);
  const after = {
    completed: await tel.sum('midstream.stream.outcomes', { 'midstream.outcome': 'completed', 'midstream.source': 'fetch' }),
    truncated: await tel.sum('midstream.stream.outcomes', { 'midstream.outcome': 'truncated', 'midstream.source': 'fetch' }),
  };
  assert.equal(after.completed - before.completed, 2);
  assert.equal(after.truncated - before.truncated, 1);
  const points = await fetchOutcomePoints();
  assert.ok(points.length >= 2);
  for (const p of points) {
    assert.deepEqual(Object.keys(p.attributes).sort(), [
      'error.type',
      'http.request.method',
      'http.response.status_code',
      'midstream.outcome',
      'midstream.source',
      'server.address',
    ].filter((k) => k !== 'error.type' || p.attributes['midstream.outcome'] === 'truncated'));
    assert.equal(p.attributes['http.response.status_code'], 200);
    assert.equal(p.attributes['http.request.method'], 'GET');
  }
});

test('brings the active gauge back to 0 when streams end', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a']), fault: 'hold-after:1' });
  t.after(() => server.close());
  const res = await fetch(server.url(CHAT));
  assert.equal(await tel.sum('midstream.stream.active', { 'midstream.source': 'fetch' }), 1, 'one stream in flight');
  await res.body.cancel();
  assert.equal(await tel.sum('midstream.stream.active', { 'midstream.source': 'fetch' }), 0);
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'cancelled');
});

test('keeps the span but records no metrics when an SDK layer already tracks the stream', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a']) });
  t.after(() => server.close());
  const count = () => tel.sum('midstream.stream.outcomes', { 'midstream.source': 'fetch' });
  const before = await count();
  await context.with(markSdkStream(context.active()), () => consume(server.url(CHAT)));
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'completed', 'the fetch span is kept');
  assert.equal(await count(), before, 'not counted by the fetch layer');
  assert.equal(await tel.sum('midstream.stream.active', { 'midstream.source': 'fetch' }), 0);
});

test('parents the stream span on the context active when fetch() was called', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a']) });
  t.after(() => server.close());
  const tracer = tel.tracerProvider.getTracer('test');
  await tracer.startActiveSpan('app', async (parent) => {
    await consume(server.url(CHAT));
    parent.end();
  });
  const app = tel.onlySpan((s) => s.name === 'app');
  assert.equal(spanOf(server).parentSpanContext?.spanId, app.spanContext().spanId);
});
