// --import preload for the ESM child-process test: registers the import-in-the-middle loader, then
// enables midstream's http instrumentations on an in-memory provider (as midstream-otel/register will).
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const require = createRequire(import.meta.url);
const { HttpClientInstrumentation } = require('../../../../../dist/instrumentations/transport/http-client/index.js');
const { HttpServerInstrumentation } = require('../../../../../dist/instrumentations/transport/http-server/index.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
for (const instrumentation of [new HttpClientInstrumentation(), new HttpServerInstrumentation()]) {
  instrumentation.setTracerProvider(tracerProvider);
}
globalThis.__midstreamTest = { exporter };
