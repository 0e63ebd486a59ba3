// --import preload for the LangChain ESM test: import-in-the-middle loader, a context manager, and
// the langchain, openai and fetch instrumentations on in-memory providers (globalThis.__midstreamTest).
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createInMemoryOtel } from '../../../../support/in-memory-otel.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const require = createRequire(import.meta.url);
const { LangChainInstrumentation } = require('../../../../../dist/instrumentations/sdk/langchain.js');
const { OpenAIInstrumentation } = require('../../../../../dist/instrumentations/sdk/openai.js');
const { FetchInstrumentation } = require('../../../../../dist/instrumentations/transport/fetch/index.js');
const otel = createInMemoryOtel();
for (const i of [new LangChainInstrumentation(), new OpenAIInstrumentation(), new FetchInstrumentation()]) {
  i.setTracerProvider(otel.tracerProvider);
  i.setMeterProvider(otel.meterProvider);
}
globalThis.__midstreamTest = otel;
