// Consumption paths beyond openai.test.mjs: the app cancels the toReadableStream() reader, or
// throws inside its own for-await body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIInstrumentation } from '../../../../dist/instrumentations/openai/index.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, onlySpan, sdkRequire } from '../sdk-harness.mjs';

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
