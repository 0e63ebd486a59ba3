// Shared set-up for the node:http tests: in-memory OTel with a global async context manager, real
// servers on 127.0.0.1 port 0, wire fixtures split into SSE events.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createInMemoryOtel } from '../../support/in-memory-otel.mjs';

let contextManager;

/** Installs instrumentations on one in-memory provider pair; call before `http` is required. */
export function instrument(...instrumentations) {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const otel = createInMemoryOtel();
  for (const i of instrumentations) {
    i.setTracerProvider(otel.tracerProvider);
    i.setMeterProvider(otel.meterProvider);
    i.enable();
  }
  return otel;
}

/** Gives `instrumentation` these options (its config, the public way) for one test. */
export function withOptions(t, instrumentation, options) {
  const previous = instrumentation.getConfig();
  instrumentation.setConfig({ ...previous, ...options });
  t.after(() => instrumentation.setConfig(previous));
}

/** A real server on 127.0.0.1:0 (built with the original, unwrapped `node:http` of this file). */
export async function startServer(t, handler, create = createServer) {
  const server = create(handler);
  t.after(() => {
    server.closeAllConnections?.();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return { server, port, url: (path = '/') => `http://127.0.0.1:${port}${path}` };
}

/** The SSE events of a wire fixture, each with its trailing blank line. */
export function sseEvents(name) {
  const text = readFileSync(new URL(`../../fixtures/wire/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => `${e}\n\n`);
}

/** Resolves on the next macrotask turn (lets socket events already queued run). */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A promise with its resolve function. */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Spans whose midstream.source is `source`. */
export function streamSpans(otel, source) {
  return otel.spans().filter((s) => s.attributes['midstream.source'] === source);
}
