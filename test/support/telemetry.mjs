// In-memory telemetry for tests: real SDK span processing and metric aggregation, exported to
// memory, attached to one instrumentation, plus an async context manager (parents propagate).
//
//   import { createTelemetry, withOptions } from '../../support/telemetry.mjs';
//   const tel = createTelemetry(new FetchInstrumentation());   // sets providers, enables it
//   const span = tel.onlySpan((s) => s.attributes['url.full'] === url);   // asserts exactly one
//   await tel.sum('midstream.stream.outcomes', { 'midstream.outcome': 'completed' });
//
// createTelemetry(instrumentation?) -> {
//   tracerProvider, meterProvider, instrumentation,
//   spans(): finished spans; spansWhere(pred); onlySpan(pred): the one matching span (asserts);
//   reset(): forget finished spans;
//   points(name): Promise<[{attributes, value}]> (collects now; counters: number, histograms: {count, sum, ...});
//   sum(name, where = {}): Promise<number>: sum of counter values (or histogram counts) whose attributes
//     include `where`;
//   shutdown() }
// withOptions(t, instrumentation, options): sets the instrumentation's options (stallThresholdMs, ...) for test `t`.
// Spans end synchronously through a SimpleSpanProcessor: once a stream ended, spans() has it.
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

let contextManager;

export function createTelemetry(instrumentation) {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (instrumentation !== undefined) {
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setMeterProvider(meterProvider);
    instrumentation.enable();
  }
  const spans = () => spanExporter.getFinishedSpans();
  const spansWhere = (pred) => spans().filter(pred);
  async function points(name) {
    const { resourceMetrics } = await reader.collect();
    const out = [];
    for (const sm of resourceMetrics.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.descriptor.name === name) out.push(...m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
      }
    }
    return out;
  }
  return {
    tracerProvider,
    meterProvider,
    instrumentation,
    spans,
    spansWhere,
    onlySpan(pred) {
      const found = spansWhere(pred);
      assert.equal(found.length, 1, `expected exactly one matching span, got ${found.length}`);
      return found[0];
    },
    reset: () => spanExporter.reset(),
    points,
    async sum(name, where = {}) {
      return (await points(name))
        .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
        .reduce((s, p) => s + (typeof p.value === 'number' ? p.value : p.value.count), 0);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Gives `instrumentation` these options (its config, the public way) for one test. */
export function withOptions(t, instrumentation, options) {
  const previous = instrumentation.getConfig();
  instrumentation.setConfig({ ...previous, ...options });
  t.after(() => instrumentation.setConfig(previous));
}
