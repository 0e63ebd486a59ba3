// Consumption paths beyond outcomes.test.mjs: the app cancels the toReadableStream() reader, throws
// inside its own for-await body, closes both tee() halves, or aborts while the readable waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/sdk/openai.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, onlySpan, sdkRequire, streamSpans } from '../sdk-harness.mjs';

const otel = instrument(new OpenAIInstrumentation());
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');

async function chat(t, mode, model) {
  const server = await startScriptServer(t);
  const client = new OpenAI({ baseURL: server.baseURL('openai-chat', mode, '/v1'), apiKey: 'test', maxRetries: 0 });
  return client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], stream: true });
}

test('cancelling the toReadableStream() reader after one chunk is cancelled', async (t) => {
  const reader = (await chat(t, 'hold2', 'm-readable-cancel')).toReadableStream().getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  await reader.cancel();
  const span = onlySpan(otel, 'm-readable-cancel');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['midstream.chunk.count'], 1);
  assert.equal(span.status.code, 0);
});

test("an exception thrown by the app's own for-await body is cancelled, and the app's error is untouched", async (t) => {
  const stream = await chat(t, 'hold2', 'm-app-throws');
  class AppError extends Error {}
  await assert.rejects(
    (async () => {
      for await (const _ of stream) throw new AppError('app bug');
    })(),
    (e) => e instanceof AppError && e.message === 'app bug',
  );
  const span = onlySpan(otel, 'm-app-throws');
  assert.equal(span.attributes['midstream.outcome'], 'cancelled');
  assert.equal(span.attributes['error.type'], undefined);
});

test('closing both tee() halves after one chunk is cancelled where the SDK closes its source', async (t) => {
  const stream = await chat(t, 'hold2', 'm-tee-break');
  const halves = stream.tee().map((half) => half[Symbol.asyncIterator]());
  // openai 7.x tee halves have return() and close the source once both are closed (aborting the
  // controller first); 5.x/6.x halves have none, so the request stays open until someone aborts it.
  const closesSource = typeof halves[0].return === 'function';
  for (const half of halves) {
    assert.equal((await half.next()).done, false);
    await half.return?.();
  }
  if (closesSource) {
    const span = onlySpan(otel, 'm-tee-break');
    assert.equal(span.attributes['midstream.outcome'], 'cancelled');
    assert.equal(span.attributes['midstream.chunk.count'], 1);
    assert.equal(span.status.code, 0);
  } else {
    assert.equal(streamSpans(otel, 'm-tee-break').length, 0, 'the stream is still live');
    stream.controller.abort();
    let rest = 0;
    while (!(await halves[0].next()).done) rest += 1;
    assert.ok(rest <= 1, 'at most the chunk already received before the hold');
    assert.equal(onlySpan(otel, 'm-tee-break').attributes['midstream.outcome'], 'aborted');
  }
});

test('stream.controller.abort() while the toReadableStream() reader waits is aborted', async (t) => {
  const stream = await chat(t, 'hold2', 'm-readable-abort');
  const reader = stream.toReadableStream().getReader();
  assert.equal((await reader.read()).done, false);
  assert.equal((await reader.read()).done, false);
  const pending = reader.read();
  stream.controller.abort();
  assert.equal((await pending).done, true);
  assert.equal(onlySpan(otel, 'm-readable-abort').attributes['midstream.outcome'], 'aborted');
});
