import { diag } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { ignoreServerForHttpMetrics } from '../metrics/http-request-duration';
import { midstreamMetricProducer } from '../metrics/metric-producer';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  ConsoleMetricExporter,
  PeriodicExportingMetricReader,
  type MetricProducer,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A comma list of exporter names (`OTEL_TRACES_EXPORTER=otlp,console`); `none` anywhere means none. */
function exporterNames(variable: string, value: string | undefined, known: readonly string[]): string[] {
  const names = (value ?? 'otlp')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.includes('none')) return [];
  const out: string[] = [];
  for (const name of names.length > 0 ? names : ['otlp']) {
    if (known.includes(name)) {
      if (!out.includes(name)) out.push(name);
    } else {
      diag.warn(`midstream: ${variable}=${name} is not supported (use ${known.join(', ')} or none); ignored`);
    }
  }
  return out;
}

function warnOnProtocol(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): void {
  const protocol = env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    diag.warn(`midstream: OTLP protocol ${protocol} is not available in midstream-otel/register; sending OTLP over HTTP (JSON)`);
  }
}

function positiveInt(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  diag.warn(`midstream: ${variable}=${value} is not a positive integer; using the default ${fallback}`);
  return fallback;
}

/**
 * Span processors for `OTEL_TRACES_EXPORTER` (`otlp` by default, `console`, `none`). OTLP goes over
 * HTTP with JSON bodies (@opentelemetry/exporter-trace-otlp-http, which reads the
 * `OTEL_EXPORTER_OTLP_*` endpoint, header and timeout variables itself).
 */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv): SpanProcessor[] {
  return exporterNames('OTEL_TRACES_EXPORTER', env.OTEL_TRACES_EXPORTER, ['otlp', 'console']).map((name) => {
    if (name === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
    warnOnProtocol(env, 'TRACES');
    return new BatchSpanProcessor(new OTLPTraceExporter());
  });
}

/** The Prometheus exporter; its scrapes are not app requests, so they stay out of the HTTP metrics. */
function prometheusReader(metricProducers: MetricProducer[]): MetricReader {
  const exporter = new PrometheusExporter({ metricProducers });
  // `_server` is the exporter's own http.Server (exporter-prometheus 0.2xx); absent, scrapes are counted.
  const server = (exporter as unknown as { _server?: unknown })._server;
  if (typeof server === 'object' && server !== null) ignoreServerForHttpMetrics(server);
  // exporter-prometheus may bring its own nested copy of sdk-metrics; the reader contract is the same.
  return exporter as unknown as MetricReader;
}

/**
 * Metric readers for `OTEL_METRICS_EXPORTER` (`otlp` by default, `prometheus`, `console`, `none`).
 * Prometheus serves a scrape endpoint on `OTEL_EXPORTER_PROMETHEUS_HOST`/`_PORT` (default port 9464;
 * its server does not hold the process open). Push readers export every `OTEL_METRIC_EXPORT_INTERVAL`
 * ms (default 60000).
 */
export function metricReadersFromEnv(env: NodeJS.ProcessEnv): MetricReader[] {
  const exportIntervalMillis = positiveInt('OTEL_METRIC_EXPORT_INTERVAL', env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  const exportTimeoutMillis = Math.min(
    exportIntervalMillis,
    positiveInt('OTEL_METRIC_EXPORT_TIMEOUT', env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000),
  );
  // Every reader gets midstream's producer: per-chunk histograms merged once per stream (see metric-producer.ts).
  const metricProducers = [midstreamMetricProducer()];
  return exporterNames('OTEL_METRICS_EXPORTER', env.OTEL_METRICS_EXPORTER, ['otlp', 'prometheus', 'console']).map((name) => {
    if (name === 'prometheus') return prometheusReader(metricProducers);
    if (name === 'console')
      return new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis,
        exportTimeoutMillis,
        metricProducers,
      });
    warnOnProtocol(env, 'METRICS');
    return new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis,
      exportTimeoutMillis,
      metricProducers,
    });
  });
}
