// Shared set-up for the Stainless SDK tests: in-memory OTel, a global async context manager (the
// SDK marks its request context for the fetch layer), and helpers to read the one stream span.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createInMemoryOtel, sumWhere } from '../../support/in-memory-otel.mjs';

let contextManager;

/**
 * require() for the SDK under test: the project's devDependency, or, with MIDSTREAM_SDK_DIR set,
 * another installed version (e.g. MIDSTREAM_SDK_DIR=/tmp/sdkv/oa5 with openai@5 in its node_modules).
 */
export function sdkRequire(metaUrl) {
  const dir = process.env.MIDSTREAM_SDK_DIR;
  return createRequire(dir ? pathToFileURL(join(dir, 'index.js')) : metaUrl);
}

/** Installs the instrumentation (before the SDK is required) on in-memory providers. */
export function instrument(instrumentation) {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const otel = createInMemoryOtel();
  instrumentation.setTracerProvider(otel.tracerProvider);
  instrumentation.setMeterProvider(otel.meterProvider);
  instrumentation.enable();
  return otel;
}

/** Gives `instrumentation` these options (its config, the public way) for one test. */
export function withOptions(t, instrumentation, options) {
  const previous = instrumentation.getConfig();
  instrumentation.setConfig({ ...previous, ...options });
  t.after(() => instrumentation.setConfig(previous));
}

/** The finished spans of the midstream source `source` whose request model is `model`. */
export function streamSpans(otel, model) {
  return otel.spans().filter((s) => s.attributes['gen_ai.request.model'] === model);
}

export function onlySpan(otel, model) {
  const spans = streamSpans(otel, model);
  assert.equal(spans.length, 1, `exactly one stream span for ${model}, got ${spans.length}`);
  return spans[0];
}

/** Sum of `midstream.stream.outcomes` for `model` (optionally one outcome). */
export async function outcomeCount(otel, model, outcome) {
  const where = { 'gen_ai.request.model': model };
  if (outcome !== undefined) where['midstream.outcome'] = outcome;
  return sumWhere(await otel.metric('midstream.stream.outcomes'), where);
}

/** Histogram points of `name` for `model`. */
export async function histogram(otel, name, model) {
  return (await otel.metric(name)).filter((p) => p.attributes['gen_ai.request.model'] === model);
}

/** Runs `fn`, returning { items, error } where error is { name, ctor, message } or undefined. */
export async function capture(fn) {
  const items = [];
  try {
    await fn(items);
    return { items, error: undefined };
  } catch (e) {
    return { items, error: { ctor: e?.constructor?.name, name: e?.name, message: e?.message } };
  }
}

/** Waits until `predicate()` is true, checking each turn of the event loop (no fixed sleeps). */
export async function until(predicate, what, limitMs = 2000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
