// One outcome per test, each through real global fetch against a local server with a real fault;
// every scenario also runs with midstream disabled and the app must see the same bytes and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer, openAIChatEvents, anthropicEvents } from '../../../support/sse-server.mjs';
import { withOptions } from '../../../support/telemetry.mjs';
import { consume, instrumentation, sameWithAndWithout, spanOf, spansOf, tel } from './fetch-harness.mjs';

const CHAT = '/v1/chat/completions';

test('marks a stream that ends with [DONE] as completed', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['Hel', 'lo']) });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT)));
  assert.equal(seen.error, undefined);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.terminal_seen'], true);
  assert.equal(span.attributes['midstream.chunk.count'], 4);
  assert.equal(span.attributes['midstream.source'], 'fetch');
  assert.equal(span.attributes['midstream.protocol'], 'sse');
  assert.equal(span.status.code, 0);
  assert.equal(span.name, 'sse GET 127.0.0.1');
  assert.equal(span.kind, 2, 'CLIENT');
});

test('marks a socket destroyed mid-stream as truncated', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'destroy-after:2' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT)));
  assert.equal(seen.error.ctor, 'TypeError');
  assert.equal(seen.error.message, 'terminated');
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
});

test('marks a clean close before [DONE] as truncated', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'end-early-after:2' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT)));
  assert.equal(seen.error, undefined, 'the app sees a normal end');
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['midstream.chunk.count'], 2);
});

test('marks a clean close of an SSE stream with no known terminal rule as completed', async (t) => {
  const server = await startSseServer({ events: [{ data: 'x' }, { data: 'y' }], fault: 'end-early-after:1' });
  t.after(() => server.close());
  await consume(server.url('/events'));
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'completed');
});

test('marks an Anthropic error event as errored', async (t) => {
  const server = await startSseServer({ events: anthropicEvents(['Hi', 'there']), fault: 'error-event-after:3' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url('/v1/messages'), 'read', { init: { method: 'POST', body: '{}' } }));
  assert.equal(seen.error, undefined);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'overloaded_error');
  assert.equal(span.attributes['http.request.method'], 'POST');
  assert.equal(span.status.code, 2);
});

test('marks an AbortController abort mid-stream as aborted', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'hold-after:2' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT), 'abort', { after: 2 }));
  assert.equal(seen.error.name, 'AbortError');
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks a break out of for await over res.body as cancelled', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'hold-after:3' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT), 'break', { after: 3 }));
  assert.equal(seen.error, undefined);
  assert.equal(spanOf(server).attributes['midstream.outcome'], 'cancelled');
});

test('marks reader.cancel() as cancelled', async (t) => {
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'hold-after:3' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url(CHAT), 'cancel', { after: 3 }));
  assert.equal(seen.error, undefined);
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.status.code, 0);
});

test('records a held write longer than the stall threshold as a stall and still completes', async (t) => {
  withOptions(t, instrumentation, { stallThresholdMs: 100 });
  const server = await startSseServer({ events: openAIChatEvents(['a', 'b', 'c']), fault: 'stall:300@2' });
  t.after(() => server.close());
  await sameWithAndWithout(() => consume(server.url(CHAT)));
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall, 'a midstream.stall event');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.25, `gap ${stall.attributes['midstream.stall.gap']}`);
  assert.equal(stall.attributes['midstream.chunk.index'], 1);
});

test('a declared stream whose fetch rejects before the headers is a failed request, not a stream', async () => {
  const server = await startSseServer({ events: [] });
  const url = server.url(CHAT);
  await server.close();
  const seen = await sameWithAndWithout(() => consume(url));
  assert.equal(seen.error.ctor, 'TypeError');
  assert.equal(seen.error.message, 'fetch failed');
  const spans = spansOf(server);
  assert.equal(spans.length, 1, 'one failed span, from the instrumented run');
  assert.equal(spans[0].status.code, 2);
  assert.equal(spans[0].attributes['error.type'], 'ECONNREFUSED');
  assert.equal(spans[0].attributes['midstream.outcome'], undefined);
});

test('creates no span for a response that is not a stream', async (t) => {
  const server = await startSseServer({ events: ['{"ok":true}'], contentType: 'application/json' });
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url('/api'), 'json'));
  assert.equal(seen.data, '{"ok":true}');
  assert.equal(spansOf(server).length, 0);
});

test('reads a streamUrls match as raw byte chunks, and a JSON answer there is no stream', async (t) => {
  const server = await startSseServer((req) =>
    req.url.includes('json')
      ? { events: ['{"error":"nope"}'], contentType: 'application/json', status: 429 }
      : { events: ['one', 'two', 'three'], contentType: 'application/octet-stream' },
  );
  t.after(() => server.close());
  const seen = await sameWithAndWithout(() => consume(server.url('/raw-bytes')));
  assert.equal(Buffer.from(seen.data, 'hex').toString(), 'onetwothree');
  const span = spanOf(server);
  assert.equal(span.attributes['midstream.protocol'], 'bytes');
  assert.equal(span.attributes['midstream.bytes'], 11);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  await consume(server.url('/raw-bytes?json=1'));
  assert.equal(spansOf(server).length, 1, 'the JSON error answer got no span');
});

test('leaves data: URLs alone', async () => {
  const seen = await sameWithAndWithout(() => consume('data:text/event-stream,data: x%0A%0A', 'text'));
  assert.equal(seen.data, 'data: x\n\n');
  assert.equal(tel.spansWhere((s) => String(s.attributes['url.full']).startsWith('data:')).length, 0);
});
