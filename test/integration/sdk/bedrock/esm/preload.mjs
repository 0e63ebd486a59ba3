// --import preload for the Bedrock ESM test: registers the import-in-the-middle loader, then
// enables the Bedrock instrumentation on an in-memory tracer provider. The app reads the spans from
// globalThis.__midstreamTest.
import { register, createRequire } from 'node:module';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const require = createRequire(import.meta.url);
const { BedrockInstrumentation } = require('../../../../../dist/instrumentations/sdk/bedrock.js');

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
new BedrockInstrumentation().setTracerProvider(tracerProvider);
globalThis.__midstreamTest = { exporter };
