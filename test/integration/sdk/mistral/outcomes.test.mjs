// The real @mistralai/mistralai SDK (ESM only, patched through import-in-the-middle) in a child
// process started with `node --import preload.mjs`, against a local server replaying Mistral's wire
// format (test/fixtures/wire/sdk/mistral-*.sse) with real faults. Mistral + fetch instrumentations on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeSum, runScenarios, spanOf } from './mistral-run.mjs';

const FAILED_CALLS = new Set(['m-fail-500', 'm-fail-429', 'm-fail-retried', 'm-refused', 'm-abort-early', 'm-timeout-early', 'm-func-500', 'm-func-key']);
let instrumented;
const report = async (t) => (instrumented ??= await runScenarios(t));
// One child run serves every assertion below; the server lives until the file ends.
test.before(async () => {
  instrumented = await runScenarios({ after: (fn) => test.after(fn) });
});

test('a complete chat.stream() is one completed chat span with GenAI attributes and usage', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-complete'].items.length, 4, '[DONE] never reaches the app');
  const span = spanOf(r, 'm-complete');
  assert.equal(span.name, 'chat m-complete');
  assert.equal(span.kind, 2 /* CLIENT */);
  assert.equal(span.scope, 'midstream-otel/mistral');
  const a = span.attributes;
  assert.equal(a['midstream.outcome'], 'completed');
  assert.equal(a['midstream.source'], 'mistral');
  assert.equal(a['midstream.terminal_seen'], true);
  assert.equal(a['gen_ai.provider.name'], 'mistral_ai');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.response.model'], 'mistral-small-latest');
  assert.equal(a['gen_ai.response.id'], 'cmpl-e5cc70bb28c444948073e77776eb30ef');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.usage.input_tokens'], 7);
  assert.equal(a['gen_ai.usage.output_tokens'], 2);
  assert.equal(a['midstream.chunk.count'], 4);
  assert.equal(a['midstream.output.chars'], 'Hello world'.length);
  assert.equal(a['midstream.content.output'], undefined, 'no content unless opted in');
  assert.ok(a['midstream.bytes'] > 0);
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(span.status.code, 0);
});

test('counts each stream once in midstream.stream.outcomes with the fetch instrumentation also on', async (t) => {
  const r = await report(t);
  const models = Object.keys(r.results);
  assert.equal(outcomeSum(r), models.length - FAILED_CALLS.size, 'one count per stream, whichever layer');
  const streams = models.filter((m) => !FAILED_CALLS.has(m));
  for (const model of streams) assert.equal(outcomeSum(r, { 'gen_ai.request.model': model }), 1, model);
  assert.equal(outcomeSum(r, { 'midstream.source': 'fetch' }), 0, 'the fetch layer keeps its span, records no outcome');
  assert.ok(r.spans.some((s) => s.scope === 'midstream-otel/fetch'), 'the fetch span is still there');
  // The SDK cancels the body at [DONE]: the claimed fetch span follows the Mistral stream's terminal
  // and is completed, not cancelled.
  const complete = r.spans.filter((s) => s.scope === 'midstream-otel/fetch' && s.attributes['url.full'].includes('/mistral-chat/full/'));
  assert.ok(complete.length >= 1);
  for (const s of complete) assert.equal(s.attributes['midstream.outcome'], 'completed', s.attributes['url.full']);
});

test('marks a clean close before the finishReason and [DONE] as truncated', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-cut'].items.length, 3, 'the SDK ends silently');
  assert.equal(r.results['m-cut'].error, undefined);
  const span = spanOf(r, 'm-cut');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.terminal_seen'], false);
  assert.equal(span.attributes['error.type'], 'stream_truncated');
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((e) => e.name === 'midstream.truncated'));
  assert.equal(outcomeSum(r, { 'gen_ai.request.model': 'm-cut', 'midstream.outcome': 'truncated' }), 1);
});

test('a close after the finishReason chunk but before [DONE] is completed', async (t) => {
  const r = await report(t);
  const span = spanOf(r, 'm-cut-after-finish');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
});

test('marks a destroyed socket as truncated and lets the SDK error through', async (t) => {
  const r = await report(t);
  assert.deepEqual(r.results['m-destroy'].error, { ctor: 'TypeError', name: 'TypeError', message: 'terminated' });
  assert.equal(r.results['m-destroy'].items.length, 2);
  const span = spanOf(r, 'm-destroy');
  assert.equal(span.attributes['midstream.outcome'], 'truncated');
  assert.equal(span.attributes['midstream.chunk.count'], 2);
  assert.equal(span.status.code, 2);
});

test('marks an in-stream error object as errored with its type', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-error'].error.ctor, 'ZodError', 'the SDK fails to parse the error event');
  const span = spanOf(r, 'm-error');
  assert.equal(span.attributes['midstream.outcome'], 'errored');
  assert.equal(span.attributes['error.type'], 'service_unavailable');
  assert.equal(span.attributes['midstream.chunk.count'], 1, 'the chunk before the error is counted');
  assert.equal(span.attributes['midstream.output.chars'], 'Hel'.length);
  assert.equal(span.status.code, 2);
});

test('marks an abort through fetchOptions.signal as aborted with status unset', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-abort'].error.name, 'AbortError');
  const span = spanOf(r, 'm-abort');
  assert.equal(span.attributes['midstream.outcome'], 'aborted');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.status.code, 0);
});

test('marks a consumer break as cancelled', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-break'].items.length, 1);
  const span = spanOf(r, 'm-break');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.status.code, 0);
  // The SDK's stream reads one event ahead of its consumer (highWaterMark 1): 1 or 2 arrived.
  assert.ok(span.attributes['midstream.chunk.count'] >= 1);
});

test('records a stall event and still completes', async (t) => {
  const r = await report(t);
  const span = spanOf(r, 'm-stall');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['midstream.stall.count'], 1);
  const stall = span.events.find((e) => e.name === 'midstream.stall');
  assert.ok(stall.attributes['midstream.stall.gap'] >= 0.15);
  assert.equal(stall.attributes['midstream.chunk.index'], 1);
});

test('getReader(), reader.cancel(), tee() and pipeTo() consumers are all observed', async (t) => {
  const r = await report(t);
  assert.equal(r.results['m-reader'].items.length, 4);
  assert.equal(spanOf(r, 'm-reader').attributes['midstream.outcome'], 'completed');
  assert.equal(spanOf(r, 'm-reader-cancel').attributes['midstream.outcome'], 'cancelled');
  assert.deepEqual(r.results['m-tee'].items, [4, 4]);
  assert.equal(spanOf(r, 'm-tee').attributes['midstream.outcome'], 'completed');
  assert.equal(spanOf(r, 'm-tee').attributes['midstream.chunk.count'], 4, 'tee halves counted once');
  assert.equal(r.results['m-pipe'].items.length, 4);
  assert.equal(spanOf(r, 'm-pipe').attributes['midstream.outcome'], 'completed');
});

for (const [model, errorType] of [
  ['m-fail-500', '500'],
  ['m-fail-429', '429'],
  ['m-fail-retried', '500'],
  ['m-refused', 'ConnectionError'],
  ['m-abort-early', 'RequestAbortedError'],
  ['m-timeout-early', 'RequestTimeoutError'],
  ['m-func-500', '500'],
  ['m-func-key', 'RangeError'],
]) {
  test(`a call that fails before its stream (${model}) is a failed call with error.type ${errorType}`, async (t) => {
    const r = await report(t);
    if (model !== 'm-func-500') assert.notEqual(r.results[model].error, undefined, 'the app got the SDK error');
    const span = spanOf(r, model);
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.status.code, 2, 'status ERROR');
    assert.equal(span.attributes['error.type'], errorType);
    assert.equal(span.attributes['midstream.outcome'], undefined, 'not a stream');
    const points = r.durations.filter((p) => p.attributes['gen_ai.request.model'] === model);
    assert.equal(points.length, 1, 'gen_ai.client.operation.duration recorded once');
    assert.equal(points[0].attributes['error.type'], errorType);
    assert.equal(points[0].count, 1);
    assert.equal(outcomeSum(r, { 'gen_ai.request.model': model }), 0, 'not counted as a stream');
  });
}

test('a call the SDK retried is one failed span whatever the number of attempts', async (t) => {
  const r = await report(t);
  assert.ok(r.failedRequests.filter((url) => url.includes('/retried/')).length > 1, 'the SDK retried');
  assert.equal(spanOf(r, 'm-fail-retried').attributes['error.type'], '500');
});

test("the standalone chatStream() still returns the SDK's APIPromise, resolving to its error Result", async (t) => {
  const r = await report(t);
  assert.deepEqual(r.results['m-func-500'].items, [true, '[object APIPromise]', false, 'SDKError', 500]);
});

test('the fetch span of a Mistral stream is a child of the chat span in the same trace, with the same outcome', async (t) => {
  const r = await report(t);
  for (const model of ['m-complete', 'm-cut', 'm-break', 'm-error']) {
    const sdk = spanOf(r, model);
    assert.equal(sdk.parentSpanId, undefined, 'the chat span is the root');
    const children = r.spans.filter((s) => s.scope === 'midstream-otel/fetch' && s.parentSpanId === sdk.spanId);
    assert.equal(children.length, 1, `${model}: one fetch span under the chat span`);
    assert.equal(children[0].traceId, sdk.traceId);
    assert.equal(children[0].attributes['midstream.outcome'], sdk.attributes['midstream.outcome'], model);
  }
  // A failed call has no stream span below it (the fetch layer sees no stream in a JSON error).
  const failed = spanOf(r, 'm-fail-500');
  assert.equal(r.spans.filter((s) => s.parentSpanId === failed.spanId && s.attributes['midstream.outcome'] !== undefined).length, 0);
});

test('under an app span, the chat span is its child and the fetch span is in its trace', async (t) => {
  const r = await report(t);
  const parent = r.spans.find((s) => s.name === 'app-parent');
  const sdk = spanOf(r, 'm-parent');
  assert.equal(sdk.parentSpanId, parent.spanId);
  const transport = r.spans.filter((s) => s.scope === 'midstream-otel/fetch' && s.parentSpanId === sdk.spanId);
  assert.equal(transport.length, 1);
  assert.equal(transport[0].traceId, parent.traceId);
  assert.equal(transport[0].attributes['midstream.outcome'], 'completed');
});

test('fim.stream() is a text_completion span', async (t) => {
  const r = await report(t);
  const span = spanOf(r, 'm-fim');
  assert.equal(span.name, 'text_completion m-fim');
  assert.equal(span.attributes['gen_ai.operation.name'], 'text_completion');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 12);
  assert.equal(span.attributes['midstream.output.chars'], 'return a + b'.length);
});

test('the stream span starts when the app calls chat.stream(), before the headers', async (t) => {
  const r = await report(t);
  const span = spanOf(r, 'm-complete');
  assert.ok(span.attributes['midstream.time_to_headers'] > 0, 'time from the call to the headers is on the span');
  assert.ok(span.attributes['midstream.time_to_first_chunk'] >= span.attributes['midstream.time_to_headers']);
});

test('captures the completion text only when content capture is on', async (t) => {
  const captured = await runScenarios(t, { MISTRAL_TEST_CAPTURE: 'on', SCENARIOS: 'm-complete' });
  assert.equal(spanOf(captured, 'm-complete').attributes['midstream.content.output'], 'Hello world');
  assert.equal(spanOf(await report(t), 'm-complete').attributes['midstream.content.output'], undefined);
});

test('the app sees identical items and errors with and without midstream', async (t) => {
  const r = await report(t);
  const plain = await runScenarios(t, { MISTRAL_TEST_INSTRUMENT: 'off' });
  assert.equal(plain.spans, undefined, 'the baseline ran without midstream');
  assert.deepEqual(r.results, plain.results);
  assert.ok(Object.values(plain.results).some((x) => x.error !== undefined), 'the scenarios include failures');
});
