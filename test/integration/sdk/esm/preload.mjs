// --import preload for the ESM child-process test: registers the import-in-the-middle loader, then
// enables midstream's Stainless instrumentations on in-memory providers (as midstream-otel/register
// will). The app reads the spans from globalThis.__midstreamTest.
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const require = createRequire(import.meta.url);
const { OpenAIInstrumentation } = require('../../../../dist/instrumentations/sdk/openai.js');
const { AnthropicInstrumentation } = require('../../../../dist/instrumentations/sdk/anthropic.js');
const { GroqInstrumentation } = require('../../../../dist/instrumentations/sdk/groq.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
for (const instrumentation of [new OpenAIInstrumentation(), new AnthropicInstrumentation(), new GroqInstrumentation()]) {
  instrumentation.setTracerProvider(tracerProvider);
}
globalThis.__midstreamTest = { exporter };
