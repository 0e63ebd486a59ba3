// --import preload for the Mistral child-process tests: registers the import-in-the-middle loader
// (the SDK is ESM only), a context manager, and midstream's Mistral + fetch instrumentations on
// in-memory providers. MISTRAL_TEST_INSTRUMENT=off loads nothing of midstream (the plain baseline).
import { register, createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createInMemoryOtel } from '../../../support/in-memory-otel.mjs';

const require = createRequire(import.meta.url);

if (process.env.MISTRAL_TEST_INSTRUMENT !== 'off') {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const { MistralInstrumentation, FetchInstrumentation } = require('midstream-otel');
  const options = { stallThresholdMs: 60, captureContent: process.env.MISTRAL_TEST_CAPTURE === 'on' };
  const otel = createInMemoryOtel();
  const instrumentations = [new MistralInstrumentation(options)];
  if (process.env.MISTRAL_TEST_FETCH !== 'off') instrumentations.push(new FetchInstrumentation(options));
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(otel.tracerProvider);
    instrumentation.setMeterProvider(otel.meterProvider);
  }
  globalThis.__midstreamTest = otel;
}
