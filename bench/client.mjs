// Benchmark client, a child process driven by bench/run.mjs over IPC. `node --expose-gc client.mjs on|off`.
// on:  midstream's FetchInstrumentation enabled with real SDK providers: BasicTracerProvider with a
//      SimpleSpanProcessor into an InMemorySpanExporter (reset after every run), MeterProvider with a
//      reader that is never collected (instruments aggregate in memory, nothing is exported).
// off: the same client, no OpenTelemetry at all.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mode = process.argv[2];
let spans;

if (mode === 'on') {
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class IdleReader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  // As `midstream-otel/register` sets it up: the reader carries midstream's metric producer, so the per-chunk
  // histograms are merged once per stream (without it: one SDK record per chunk, see hot-path.mjs).
  const { midstreamMetricProducer } = require('../dist/index.js');
  const meterProvider = new MeterProvider({ readers: [new IdleReader({ metricProducers: [midstreamMetricProducer()] })] });
  const midstream = require('../dist/index.js');
  const { terminalRuleFor } = midstream;
  // The public export once src/index.ts has it; the built module path until then.
  const FetchInstrumentation = midstream.FetchInstrumentation ?? require('../dist/instrumentations/transport/fetch/index.js').FetchInstrumentation;
  const instrumentation = new FetchInstrumentation({
    enabled: false,
    rules: [{ match: /^http:\/\/127\.0\.0\.1:\d+\/(stream|hold)\?/, rule: terminalRuleFor('openai.chat') }],
  });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
}

/** One stream of `events` events read to its end by a plain reader loop. CPU of this process only. */
async function runStream(baseUrl, events, paced = false) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${baseUrl}/stream?events=${events}${paced ? '&paced=1' : ''}`);
  const reader = res.body.getReader();
  let reads = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads++;
    bytes += value.byteLength;
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const spanCount = spans?.getFinishedSpans().length ?? 0;
  spans?.reset();
  return { cpuUs: cpu.user + cpu.system, wallMs, reads, bytes, spanCount };
}

function heapAfterGc() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

/** Opens `streams` streams that each receive `events` events and then stall; heap per live stream. */
async function heapPerStream(baseUrl, streams, events, eventBytes) {
  // Warm up the fetch path and the instrumentation so lazily created objects are not counted.
  await runStream(baseUrl, 50);
  const before = heapAfterGc();
  const controllers = [];
  const waits = [];
  for (let i = 0; i < streams; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    waits.push(
      (async () => {
        const res = await fetch(`${baseUrl}/hold?events=${events}`, { signal: controller.signal });
        const reader = res.body.getReader();
        let bytes = 0;
        while (bytes < events * eventBytes) {
          const { value } = await reader.read();
          bytes += value.byteLength;
        }
        return reader; // the app keeps its reader: the stream is live and held open
      })(),
    );
  }
  const readers = await Promise.all(waits);
  const after = heapAfterGc();
  for (const c of controllers) c.abort();
  await Promise.allSettled(readers.map((r) => r.read()));
  return { perStreamBytes: (after - before) / streams, live: readers.length };
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'run') process.send({ ok: true, result: await runStream(msg.baseUrl, msg.events, msg.paced) });
    else if (msg.cmd === 'heap') process.send({ ok: true, result: await heapPerStream(msg.baseUrl, msg.streams, msg.events, msg.eventBytes) });
    else if (msg.cmd === 'exit') process.exit(0);
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true });
