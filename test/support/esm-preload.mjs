// What the --import preloads of the ESM child-process tests share: the import-in-the-middle loader
// (as midstream-otel/register registers it), an async context manager, and midstream's
// instrumentations on an in-memory tracer. The app reads the spans from globalThis.__midstreamTest.
//
//   // test/integration/sdk/<name>/esm/preload.mjs
//   import { createRequire } from 'node:module';
//   import { preloadInMemory } from '../../../../support/esm-preload.mjs';
//   const require = createRequire(import.meta.url);
//   preloadInMemory(() => [new (require('<dist>/instrumentations/sdk/<name>.js').XInstrumentation)()]);
import { register } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Registers the loader and the context manager, then enables the instrumentations `create()` builds
 * (called after the loader is registered, so midstream is loaded as under --import) on an in-memory
 * tracer; sets globalThis.__midstreamTest = { exporter }.
 */
export function preloadInMemory(create) {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  for (const instrumentation of create()) instrumentation.setTracerProvider(tracerProvider);
  globalThis.__midstreamTest = { exporter };
}
