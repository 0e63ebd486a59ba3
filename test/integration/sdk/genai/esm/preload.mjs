// --import preload for the genai ESM child-process test: registers the import-in-the-middle loader,
// then enables the genai instrumentation on an in-memory tracer (as midstream-otel/register will).
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const require = createRequire(import.meta.url);
const { GoogleGenAIInstrumentation } = require('../../../../../dist/instrumentations/genai/index.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
new GoogleGenAIInstrumentation().setTracerProvider(tracerProvider);
globalThis.__midstreamTest = { exporter };
