// --import preload for the ollama ESM child-process test: the import-in-the-middle loader, then
// OllamaInstrumentation on an in-memory tracer. The app reads the spans from globalThis.__midstreamTest.
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const require = createRequire(import.meta.url);
const { OllamaInstrumentation } = require('../../../../../dist/instrumentations/sdk/ollama.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
new OllamaInstrumentation().setTracerProvider(tracerProvider);
globalThis.__midstreamTest = { exporter };
