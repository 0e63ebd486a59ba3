// In-memory OpenTelemetry providers for tests: real SDK span processing and metric aggregation,
// exported to memory so tests assert on exactly what an exporter would send.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

export function createInMemoryOtel() {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => spanExporter.getFinishedSpans(),
    resetSpans: () => spanExporter.reset(),
    /** Collects now and returns every data point of `name` as {attributes, value, scope}. */
    async metric(name) {
      const { resourceMetrics } = await reader.collect();
      const points = [];
      for (const sm of resourceMetrics.scopeMetrics) {
        for (const m of sm.metrics) {
          if (m.descriptor.name === name) points.push(...m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value, scope: sm.scope.name })));
        }
      }
      return points;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Sums counter/up-down points of `points` whose attributes match `where`. */
export function sumWhere(points, where = {}) {
  return points
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((s, p) => s + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}
