import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackStream } from '../../../dist/index.js';
import { processState } from '../../../dist/core/process-state.js';
import { createInMemoryOtel, sumWhere } from '../../support/in-memory-otel.mjs';

async function* items(list, { delayMs = 0, throwAt = -1, error } = {}) {
  for (let i = 0; i < list.length; i++) {
    if (i === throwAt) throw error;
    if (delayMs > 0) await sleep(delayMs);
    yield list[i];
  }
}

const parts = [{ text: 'a' }, { text: 'b' }, { done: true }];
const isTerminal = (p) => p.done === true;

function setup(t, options = {}) {
  const otel = createInMemoryOtel();
  t.after(() => otel.shutdown());
  const track = (source, opts = {}) =>
    trackStream(source, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, isTerminal, ...options, ...opts });
  const onlySpan = () => {
    const spans = otel.spans();
    assert.equal(spans.length, 1, 'exactly one stream span');
    return spans[0];
  };
  return { otel, track, onlySpan };
}

test('a stream that reaches its terminal item is completed with its counts', async (t) => {
  const { track, onlySpan, otel } = setup(t);
  const seen = [];
  for await (const p of track(items(parts))) seen.push(p);
  assert.deepEqual(seen, parts);
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.chunk.count'], 3);
  assert.equal(span.attributes['midstream.terminal_seen'], true);
  assert.equal(span.status.code, 0);
  assert.ok(span.events.some((e) => e.name === 'midstream.first_chunk'));
  const outcomes = await otel.metric('midstream.stream.outcomes');
  assert.equal(sumWhere(outcomes, { 'midstream.outcome': 'completed', 'midstream.source': 'manual' }), 1);
  assert.equal(sumWhere(await otel.metric('midstream.stream.active')), 0);
});

test('an end without the terminal item is truncated with an error status and event', async (t) => {
  const { track, onlySpan } = setup(t);
  for await (const _ of track(items(parts.slice(0, 2)))) void _;
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.status.code, 2);
  const ev = span.events.find((e) => e.name === 'midstream.truncated');
  assert.equal(ev?.attributes['midstream.chunk.count'], 2);
});

test('a consumer break is cancelled with status unset and no error.type', async (t) => {
  const { track, onlySpan } = setup(t);
  for await (const _ of track(items(parts))) break;
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('an exception from the source reaches the app unchanged and the stream is errored', async (t) => {
  const { track, onlySpan } = setup(t);
  const boom = new RangeError('boom');
  await assert.rejects(
    (async () => {
      for await (const _ of track(items(parts, { throwAt: 1, error: boom }))) void _;
    })(),
    (err) => err === boom,
  );
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'RangeError');
});

test('an aborted signal turns the consumer stop into aborted', async (t) => {
  const { track, onlySpan } = setup(t);
  const ac = new AbortController();
  for await (const _ of track(items(parts), { signal: ac.signal })) {
    ac.abort();
    break;
  }
  assert.equal(onlySpan().attributes['midstream.outcome'], 'aborted');
});

test('an error item marks the stream errored even when it then ends cleanly', async (t) => {
  const { track, onlySpan } = setup(t);
  const list = [{ text: 'a' }, { error: 'overloaded' }];
  for await (const _ of track(items(list), { isError: (p) => p.error !== undefined })) void _;
  assert.equal(onlySpan().attributes['midstream.outcome'], 'errored');
});

test('a gap longer than the stall threshold adds a stall event and the stream still completes', async (t) => {
  const { track, onlySpan, otel } = setup(t, { stallThresholdMs: 60 });
  async function* slow() {
    yield { text: 'a' };
    await sleep(250);
    yield { text: 'b' };
    yield { done: true };
  }
  for await (const _ of track(slow())) void _;
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall, 'stall event');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.2, `gap ${stall.attributes['midstream.stall.gap']}`);
  assert.equal(stall.attributes['midstream.chunk.index'], 0);
  assert.equal(stall.attributes['midstream.stall.ongoing'], false);
  assert.ok(span.attributes['midstream.gap.max'] >= 0.2);
  assert.equal(sumWhere(await otel.metric('midstream.stream.stalls')), 1);
});

test('the opt-in idle timeout ends a silent stream as timed_out without touching the app stream', async (t) => {
  const { track, onlySpan } = setup(t, { idleTimeoutMs: 80 });
  async function* hang() {
    yield { text: 'a' };
    await sleep(300);
    yield { done: true };
  }
  const seen = [];
  for await (const p of track(hang())) seen.push(p);
  assert.equal(seen.length, 2, 'the app still gets every item');
  assert.equal(onlySpan().attributes['midstream.outcome'], 'timed_out');
});

test('shutdown ends live streams as interrupted with their progress, once', async (t) => {
  const { track, onlySpan, otel } = setup(t);
  const it = track(items(parts, { delayMs: 5 }))[Symbol.asyncIterator]();
  await it.next();
  assert.equal(processState().live.endAll('shutdown') >= 1, true);
  const span = onlySpan();
  assert.equal(span.attributes['midstream.outcome'], 'interrupted');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  await it.next(); // the app's stream runs on; the tracker is already finished
  await it.return();
  assert.equal(sumWhere(await otel.metric('midstream.stream.outcomes')), 1, 'counted once');
});

test('gap metrics replay one record per gap with the exact sum', async (t) => {
  const { track, otel } = setup(t);
  const list = Array.from({ length: 50 }, (_, i) => ({ text: String(i) }));
  list.push({ done: true });
  for await (const _ of track(items(list))) void _;
  const [gaps] = await otel.metric('midstream.stream.chunk_gap');
  assert.equal(gaps.value.count, 50);
});

test('a ReadableStream of SSE bytes is read with a provider rule', async (t) => {
  const { otel } = setup(t);
  const enc = new TextEncoder();
  const wire = ['data: {"choices":[{"delta":{"content":"hi"},"finish_reason":null}]}\n\n', 'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n', 'data: [DONE]\n\n'];
  const body = new ReadableStream({
    start(c) {
      for (const w of wire) c.enqueue(enc.encode(w));
      c.close();
    },
  });
  const tracked = trackStream(body, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, protocol: 'sse', rule: 'openai.chat' });
  const text = await new Response(tracked).text();
  assert.equal(text, wire.join(''));
  const [span] = otel.spans();
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.chunk.count'], 3);
  assert.equal(span.attributes['midstream.bytes'], enc.encode(wire.join('')).byteLength);
});

test('a stall that never ends is recorded as ongoing at the end', async (t) => {
  const { track, onlySpan } = setup(t, { stallThresholdMs: 40 });
  const it = track(items(parts))[Symbol.asyncIterator]();
  await it.next();
  await sleep(200);
  processState().live.endAll('shutdown');
  const stall = onlySpan().events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall);
  assert.equal(stall.attributes['midstream.stall.ongoing'], true);
  await it.return();
});
