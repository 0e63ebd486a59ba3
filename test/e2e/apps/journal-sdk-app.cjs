// An app with its own NodeSDK and `new StreamSpanProcessor({ exporter, crashJournal: true })` (no
// midstream-otel/register). With SSE_URL: one fetch stream, printing `events N` per chunk read. Without:
// a second start that recovers the journals, then shuts the SDK down (exports spans and metrics).
// Without MIDSTREAM_JOURNAL_DIR (e.g. picked up by `node --test test/e2e/`'s directory scan) it does nothing.
if (process.env.MIDSTREAM_JOURNAL_DIR === undefined) {
  console.log('no MIDSTREAM_JOURNAL_DIR');
  return;
}
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http');
const { PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { midstreamInstrumentations, StreamSpanProcessor } = require('midstream-otel');

const sdk = new NodeSDK({
  instrumentations: midstreamInstrumentations({ instrumentations: ['fetch'] }),
  spanProcessors: [new StreamSpanProcessor({ exporter: new OTLPTraceExporter(), crashJournal: true })],
  metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 60_000 }),
});
sdk.start();

const url = process.env.SSE_URL;
if (url === undefined) {
  setTimeout(() => void sdk.shutdown().then(() => console.log('shut down')), 300);
} else {
  void (async () => {
    const res = await fetch(url);
    let n = 0;
    for await (const chunk of res.body) console.log(`events ${(n += Buffer.from(chunk).toString('utf8').split('\n\n').length - 1)}`);
  })();
}
