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
  const { processState } = require('../../../../dist/core/process-state.js');
  const { resolveOptions } = require('../../../../dist/options.js');
  processState().options = resolveOptions({ stallThresholdMs: 60, captureContent: process.env.MISTRAL_TEST_CAPTURE === 'on' });
  const { MistralInstrumentation } = require('../../../../dist/instrumentations/mistral/index.js');
  const { FetchInstrumentation } = require('../../../../dist/instrumentations/transport/fetch/index.js');
  const otel = createInMemoryOtel();
  const instrumentations = [new MistralInstrumentation()];
  if (process.env.MISTRAL_TEST_FETCH !== 'off') instrumentations.push(new FetchInstrumentation());
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(otel.tracerProvider);
    instrumentation.setMeterProvider(otel.meterProvider);
  }
  globalThis.__midstreamTest = otel;
}
