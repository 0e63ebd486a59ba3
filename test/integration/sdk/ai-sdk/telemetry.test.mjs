// The AI SDK's own OpenTelemetry spans (experimental_telemetry) and midstream's stream span coexist:
// midstream's `chat {model}` span is a child of the SDK's `ai.streamText.doStream` span. ai 6 writes
// those spans itself; ai 7 through a telemetry integration, @ai-sdk/otel's LegacyOpenTelemetry (same names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AiSdkInstrumentation } from '../../../../dist/instrumentations/ai-sdk/index.js';
import { startScriptServer } from '../sse-script-server.mjs';
import { instrument, onlySpan, sdkRequire } from '../sdk-harness.mjs';

const otel = instrument(new AiSdkInstrumentation());
const require = sdkRequire(import.meta.url);
const { createOpenAI } = require('@ai-sdk/openai');
const ai = require('ai');
const { streamText } = ai;

/** `experimental_telemetry` that makes the SDK write its `ai.*` spans with this tracer. */
function sdkTelemetry(tracer) {
  // ai 7 has telemetry integrations (registerTelemetry) and no OpenTelemetry of its own.
  if (typeof ai.registerTelemetry !== 'function') return { isEnabled: true, tracer };
  const { LegacyOpenTelemetry } = require('@ai-sdk/otel');
  return { isEnabled: true, integrations: [new LegacyOpenTelemetry({ tracer })] };
}

test('with experimental_telemetry the stream span is a child of ai.streamText.doStream', async (t) => {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test' });
  const result = streamText({
    model: provider.chat('ai-otel'),
    prompt: 'x',
    maxRetries: 0,
    experimental_telemetry: sdkTelemetry(otel.tracerProvider.getTracer('ai')),
  });
  assert.equal(await result.text, 'Hello world');
  await otel.tracerProvider.forceFlush();
  const spans = otel.spans();
  const outer = spans.find((s) => s.name === 'ai.streamText');
  const doStream = spans.find((s) => s.name === 'ai.streamText.doStream');
  assert.ok(outer && doStream, `the SDK's spans: ${spans.map((s) => s.name).join()}`);
  // The SDK's doStream span carries gen_ai.request.model too: two spans name the model.
  const ours = spans.filter((s) => s.attributes['midstream.source'] === 'ai-sdk' && s.attributes['gen_ai.request.model'] === 'ai-otel');
  assert.equal(ours.length, 1);
  const [span] = ours;
  assert.equal(span.name, 'chat ai-otel');
  assert.equal(span.spanContext().traceId, outer.spanContext().traceId);
  assert.equal(span.parentSpanContext?.spanId, doStream.spanContext().spanId);
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(doStream.attributes['midstream.outcome'], undefined, "the SDK's spans are not written to");
});

test('without experimental_telemetry the stream span is a child of the app span', async (t) => {
  const server = await startScriptServer(t);
  const provider = createOpenAI({ baseURL: server.baseURL('openai-chat', 'full', '/v1'), apiKey: 'test' });
  const tracer = otel.tracerProvider.getTracer('app');
  await tracer.startActiveSpan('app-request', async (appSpan) => {
    const result = streamText({ model: provider.chat('ai-parent'), prompt: 'x', maxRetries: 0 });
    assert.equal(await result.text, 'Hello world');
    appSpan.end();
  });
  const app = otel.spans().find((s) => s.name === 'app-request');
  assert.equal(onlySpan(otel, 'ai-parent').parentSpanContext?.spanId, app.spanContext().spanId);
});
