// The demo's OpenTelemetry pipeline, set up in-process the way an app would with the SDK:
// one MeterProvider with two readers over the same instruments (the Prometheus exporter, served on
// 127.0.0.1, and an in-memory reader the report is computed from), a tracer provider, midstream's
// fetch instrumentation, and @opentelemetry/instrumentation-http on the demo server for the
// "HTTP-status dashboard" view (http.server.request.duration by status code).
import http from 'node:http';
import { createRequire } from 'node:module';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const require = createRequire(import.meta.url);

/** Reads metrics on demand: the report's view of exactly what Prometheus scrapes. */
class InMemoryMetricReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

/**
 * Sets up providers and instrumentations. Call before the demo server module loads node:http
 * handlers, and before the workload issues its first fetch.
 * @param {{ metricsPort: number, llmOrigin: () => string | undefined }} options
 */
export async function startTelemetry({ metricsPort }) {
  const resource = resourceFromAttributes({ 'service.name': 'midstream-demo' });
  const prometheus = new PrometheusExporter({ host: '127.0.0.1', preventServerStart: true });
  const memory = new InMemoryMetricReader();
  const meterProvider = new MeterProvider({ resource, readers: [prometheus, memory] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spans)] });

  const metricsServer = http.createServer((req, res) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) prometheus.getMetricsRequestHandler(req, res);
    else res.writeHead(404).end('see /metrics\n');
  });
  const port = await listen(metricsServer, metricsPort).catch((error) => {
    if (error.code !== 'EADDRINUSE') throw error;
    return listen(metricsServer, 0);
  });

  // Server side: only the demo LLM server's requests (not the metrics endpoint's own scrapes).
  const httpInstrumentation = new HttpInstrumentation({
    enabled: false,
    disableOutgoingRequestInstrumentation: true,
    ignoreIncomingRequestHook: (req) => req.socket.localPort === port,
  });
  httpInstrumentation.setTracerProvider(tracerProvider);
  httpInstrumentation.setMeterProvider(meterProvider);
  httpInstrumentation.enable();
  // node:http is already loaded; requiring it again lets the instrumentation patch it
  // (it wraps Server.prototype.emit, which ESM importers share).
  require('node:http');

  const midstream = createMidstreamFetch({ tracerProvider, meterProvider });

  return {
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    collect: () => memory.collect(),
    spans: () => spans.getFinishedSpans(),
    async shutdown() {
      midstream.disable();
      httpInstrumentation.disable();
      await new Promise((resolve) => metricsServer.close(() => resolve()));
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/**
 * midstream's fetch instrumentation with the demo's providers. 127.0.0.1 is not a known LLM host,
 * so a user rule tells it that /v1/chat/completions on this host speaks the openai.chat protocol.
 */
function createMidstreamFetch({ tracerProvider, meterProvider }) {
  const midstream = require('../dist/index.js');
  const { terminalRuleFor } = midstream;
  // The public export once src/index.ts has it; the built module path until then.
  const FetchInstrumentation = midstream.FetchInstrumentation ?? require('../dist/instrumentations/transport/fetch/index.js').FetchInstrumentation;
  const instrumentation = new FetchInstrumentation({
    enabled: false,
    rules: [{ match: /^http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions$/, rule: terminalRuleFor('openai.chat') }],
  });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  return instrumentation;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}
