import { Server } from 'node:http';
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
import { checkEnv, readEnv, type Env, type EnvName } from '../env-contract';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { otlpTargetFromEnv, reportExportFailures, type OtlpTarget } from './otlp-target';

/**
 * The OTLP exporters read their endpoint variables from `process.env` themselves, and print lines of
 * their own for one they cannot parse. While they are built (synchronously, restored at once), a
 * variable the contract rejected is hidden from them, so they use what midstream's line announced.
 */
function withoutRejected<T>(env: Env, names: readonly EnvName[], build: () => T): T {
  const hidden = env === process.env ? names.filter((n) => checkEnv(n, env).problem !== undefined) : [];
  if (hidden.length === 0) return build();
  const saved = hidden.map((n) => [n, process.env[n]] as const);
  for (const n of hidden) delete process.env[n];
  try {
    return build();
  } finally {
    for (const [n, v] of saved) process.env[n] = v;
  }
}

const otlpTargets = new WeakMap<SpanProcessor, OtlpTarget>();

/** Where a span processor made by {@link spanProcessorsFromEnv} sends OTLP, if it does. */
export function otlpTargetOf(processor: SpanProcessor): OtlpTarget | undefined {
  return otlpTargets.get(processor);
}

/**
 * Span processors for `OTEL_TRACES_EXPORTER` (`otlp` by default, `console`, `none`). OTLP goes over
 * HTTP with JSON bodies (@opentelemetry/exporter-trace-otlp-http, which reads the
 * `OTEL_EXPORTER_OTLP_*` endpoint, header and timeout variables itself).
 */
export function spanProcessorsFromEnv(env: Env): SpanProcessor[] {
  return readEnv('OTEL_TRACES_EXPORTER', env).map((name) => {
    if (name === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
    readEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env);
    const target = otlpTargetFromEnv(env, 'traces');
    const exporter = withoutRejected(env, TRACES_ENDPOINTS, () => new OTLPTraceExporter());
    const processor = new BatchSpanProcessor(reportExportFailures(exporter, target));
    otlpTargets.set(processor, target);
    return processor;
  });
}

const TRACES_ENDPOINTS: readonly EnvName[] = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
const METRICS_ENDPOINTS: readonly EnvName[] = ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

/**
 * Metric readers for `OTEL_METRICS_EXPORTER` (`otlp` by default, `prometheus`, `console`, `none`).
 * Prometheus serves a scrape endpoint on `OTEL_EXPORTER_PROMETHEUS_HOST`/`_PORT` (default port 9464;
 * its server does not hold the process open). Push readers export every `OTEL_METRIC_EXPORT_INTERVAL`
 * ms (default 60000).
 */
export function metricReadersFromEnv(env: Env): MetricReader[] {
  const exportIntervalMillis = readEnv('OTEL_METRIC_EXPORT_INTERVAL', env);
  const exportTimeoutMillis = Math.min(exportIntervalMillis, readEnv('OTEL_METRIC_EXPORT_TIMEOUT', env));
  // Every reader gets midstream's producer: per-chunk histograms merged once per stream (see metric-producer.ts).
  const metricProducers = [midstreamMetricProducer()];
  return readEnv('OTEL_METRICS_EXPORTER', env).map((name) => {
    if (name === 'prometheus') return prometheusReader(env, metricProducers);
    if (name === 'console')
      return new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis,
        exportTimeoutMillis,
        metricProducers,
      });
    readEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', env);
    return new PeriodicExportingMetricReader({
      exporter: reportExportFailures(
        withoutRejected(env, METRICS_ENDPOINTS, () => new OTLPMetricExporter()),
        otlpTargetFromEnv(env, 'metrics'),
      ),
      exportIntervalMillis,
      exportTimeoutMillis,
      metricProducers,
    });
  });
}

/**
 * The Prometheus scrape endpoint on `OTEL_EXPORTER_PROMETHEUS_HOST`:`OTEL_EXPORTER_PROMETHEUS_PORT`.
 * A busy port (EADDRINUSE, or EACCES below 1024) is one diagnostic line and an ephemeral port, named
 * in the line; any other failure to listen is one line and no endpoint. Never a stack on stderr.
 */
function prometheusReader(env: Env, metricProducers: MetricProducer[]): MetricReader {
  const host = readEnv('OTEL_EXPORTER_PROMETHEUS_HOST', env);
  const port = readEnv('OTEL_EXPORTER_PROMETHEUS_PORT', env);
  const exporter = new PrometheusExporter({ host, port, metricProducers, preventServerStart: true });
  // Its scrapes are not app requests: they stay out of the HTTP request metrics. `_server` is the
  // exporter's own http.Server (exporter-prometheus 0.2xx); absent, scrapes are counted.
  const scrapeServer = (exporter as unknown as { _server?: unknown })._server;
  if (typeof scrapeServer === 'object' && scrapeServer !== null) ignoreServerForHttpMetrics(scrapeServer);
  const where = `OTEL_EXPORTER_PROMETHEUS_PORT=${port}${host === undefined ? '' : ` (host ${host})`}`;
  exporter.startServer().then(
    () => undefined,
    (err: NodeJS.ErrnoException) => {
      // The exporter's http.Server (private; checked): it can listen again after a failed listen.
      const server = (exporter as unknown as { _server?: unknown })._server;
      if ((err.code !== 'EADDRINUSE' && err.code !== 'EACCES') || !(server instanceof Server)) {
        diag.warn(`midstream: ${where} cannot be served (${err.code ?? err.name}); Prometheus metrics are not served`);
        return;
      }
      const onError = (again: NodeJS.ErrnoException): void =>
        diag.warn(
          `midstream: ${where} is not available (${err.code}), nor an ephemeral port (${again.code}); Prometheus metrics are not served`,
        );
      server.once('error', onError);
      server.listen({ port: 0, host }, () => {
        server.removeListener('error', onError);
        server.unref();
        const address = server.address();
        const actual = typeof address === 'object' && address !== null ? address.port : '?';
        diag.warn(`midstream: ${where} is not available (${err.code}); serving Prometheus metrics on port ${actual} instead`);
      });
    },
  );
  // exporter-prometheus may bring its own nested copy of sdk-metrics; the reader contract is the same.
  return exporter as unknown as MetricReader;
}
