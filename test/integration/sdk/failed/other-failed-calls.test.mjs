// @google/genai, ollama, cohere-ai and the AI SDK (`ai` over @ai-sdk/openai): a streaming call that fails before its first chunk (an HTTP
// error, a refused connection, an abort before the headers) is a failed call: its GenAI span ends
// ERROR with error.type, gen_ai.client.operation.duration records it, no stream is counted, and the
// app gets the SDK's own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation, CohereInstrumentation, GoogleGenAIInstrumentation, OllamaInstrumentation } from '../../../../dist/index.js';
import { histogram, instrument, outcomeCount, sdkRequire, streamSpans } from '../sdk-harness.mjs';
import { closedPort, startFailingServer } from '../failing-server.mjs';

const otel = instrument(new GoogleGenAIInstrumentation());
for (const extra of [new OllamaInstrumentation(), new CohereInstrumentation(), new AiSdkInstrumentation()]) {
  extra.setTracerProvider(otel.tracerProvider);
  extra.setMeterProvider(otel.meterProvider);
  extra.enable();
}
const require = sdkRequire(import.meta.url);
const { GoogleGenAI } = require('@google/genai');
const { Ollama } = require('ollama');
const { CohereClientV2 } = require('cohere-ai');
const { createOpenAI } = require('@ai-sdk/openai');
const { streamText } = require('ai');

const SDKS = {
  genai: {
    name: (model) => `generate_content ${model}`,
    call: (baseUrl, model, signal) =>
      new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl } }).models.generateContentStream({
        model,
        contents: 'x',
        config: signal ? { abortSignal: signal } : undefined,
      }),
  },
  ollama: {
    name: (model) => `chat ${model}`,
    // ollama's abort() reaches only streams whose headers arrived: no abort before the headers.
    canAbortEarly: false,
    call: (host, model) => new Ollama({ host }).chat({ model, messages: [{ role: 'user', content: 'x' }], stream: true }),
  },
  cohere: {
    name: (model) => `chat ${model}`,
    call: (environment, model, signal) =>
      new CohereClientV2({ token: 'test', environment }).chatStream(
        { model, messages: [{ role: 'user', content: 'x' }] },
        // The SDK's own request timer outlives a failed request (it alone holds the process open for
        // its whole timeout, with or without midstream): keep it short.
        { maxRetries: 0, abortSignal: signal, timeoutInSeconds: 2 },
      ),
  },
  ai: {
    name: (model) => `chat ${model}`,
    // `ai` retries a failed doStream itself (each attempt is its own call): no retries here.
    // `text` rejects with NoOutputGeneratedError; the provider's error reaches onError.
    call: async (baseURL, model, signal) => {
      let providerError;
      const result = streamText({
        model: createOpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test' }).chat(model),
        prompt: 'x',
        maxRetries: 0,
        abortSignal: signal,
        onError: ({ error }) => void (providerError = error),
      });
      try {
        return await result.text;
      } catch (e) {
        throw providerError ?? e;
      }
    },
  },
};

async function assertFailedCall(sdk, model, errorType) {
  const spans = streamSpans(otel, model);
  assert.equal(spans.length, 1, 'one span for the call');
  const [span] = spans;
  assert.equal(span.name, sdk.name(model));
  assert.equal(span.status.code, 2, 'status ERROR');
  assert.equal(span.attributes['error.type'], errorType);
  assert.equal(span.attributes['midstream.outcome'], undefined, 'not a stream');
  const points = await histogram(otel, 'gen_ai.client.operation.duration', model);
  assert.equal(points.length, 1);
  assert.equal(points[0].attributes['error.type'], errorType);
  assert.equal(await outcomeCount(otel, model), 0);
}

for (const [name, sdk] of Object.entries(SDKS)) {
  for (const status of [500, 429]) {
    test(`${name}: HTTP ${status} is a failed call with error.type ${status}`, async (t) => {
      const server = await startFailingServer(t);
      const model = `${name}-${status}`;
      await assert.rejects(
        (async () => sdk.call(server.baseURL(`status${status}`), model))(),
        (e) => [e.status, e.statusCode, e.status_code].includes(status),
      );
      await assertFailedCall(sdk, model, String(status));
    });
  }

  test(`${name}: a refused connection is a failed call`, async () => {
    const port = await closedPort();
    const model = `${name}-refused`;
    let seen;
    await assert.rejects(
      (async () => sdk.call(`http://127.0.0.1:${port}`, model))(),
      (e) => (seen = e) !== undefined,
    );
    const spans = streamSpans(otel, model);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].status.code, 2);
    assert.ok(['ECONNREFUSED', 'CohereError', 'CohereTimeoutError', 'AI_APICallError'].includes(spans[0].attributes['error.type']), `${spans[0].attributes['error.type']} (${seen?.constructor?.name})`);
    assert.equal(await outcomeCount(otel, model), 0);
  });

  if (sdk.canAbortEarly === false) continue;
  test(`${name}: an abort before the headers is a failed call`, async (t) => {
    const server = await startFailingServer(t);
    const model = `${name}-abort-early`;
    const ac = new AbortController();
    const pending = (async () => sdk.call(server.baseURL('hang'), model, ac.signal))();
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(pending);
    const spans = streamSpans(otel, model);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].status.code, 2);
    assert.equal(spans[0].attributes['midstream.outcome'], undefined);
    assert.equal(await outcomeCount(otel, model), 0);
  });
}
