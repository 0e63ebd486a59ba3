// --import preload for the cohere ESM child-process test: the import-in-the-middle loader, then
// CohereInstrumentation on an in-memory tracer (cohere-ai is CommonJS only; require-in-the-middle
// sees its internal files). The app reads the spans from globalThis.__midstreamTest.
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const require = createRequire(import.meta.url);
const { CohereInstrumentation } = require('../../../../../dist/instrumentations/sdk/cohere.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
new CohereInstrumentation().setTracerProvider(tracerProvider);
globalThis.__midstreamTest = { exporter };
