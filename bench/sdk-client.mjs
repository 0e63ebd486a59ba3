// Benchmark client for the SDK path, a child process driven by bench/run.mjs over IPC.
// `node --expose-gc sdk-client.mjs on|off`.
// on:  midstream's OpenAIInstrumentation and AnthropicInstrumentation enabled (before the SDKs are
//      required) with the same providers as client.mjs: BasicTracerProvider + SimpleSpanProcessor
//      into an InMemorySpanExporter (reset after every run), MeterProvider with a never-collected reader.
// all: what `midstream-otel/register` installs: every instrumentation of midstreamInstrumentations()
//      (fetch, http client/server and the SDKs) and an AsyncLocalStorage context manager, same providers.
// ctx: no midstream, only the AsyncLocalStorage context manager every OpenTelemetry Node setup
//      installs (NodeSDK, `provider.register()`, register): its promise hooks run for every promise the
//      SDK makes, so `all - ctx` is midstream's share of `all - off`.
// off: the same client, no OpenTelemetry at all.
// Both read the stream the way an app does: `for await (const chunk of await create({stream: true}))`.
import inspector from 'node:inspector';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const mode = process.argv[2];
let spans;

if (mode === 'ctx') {
  const { context } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
if (mode === 'on' || mode === 'all') {
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
  const { OpenAIInstrumentation, AnthropicInstrumentation, midstreamInstrumentations } = require('../dist/index.js');
  if (mode === 'all') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  const instrumentations =
    mode === 'all'
      ? midstreamInstrumentations()
      : [new OpenAIInstrumentation({ enabled: false }), new AnthropicInstrumentation({ enabled: false })];
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setMeterProvider(meterProvider);
    instrumentation.enable();
  }
}

const { default: OpenAI } = require('openai');
const { default: Anthropic } = require('@anthropic-ai/sdk');

const MESSAGES = [{ role: 'user', content: 'bench' }];

/** A client of `sdk` whose requests carry `?events=N` (the bench server reads it). `hold`: a stalled stream. */
function client(sdk, baseUrl, events, hold = false) {
  const base = `${baseUrl}/${hold ? 'hold' : 'stream'}`;
  const defaultQuery = { events: String(events) };
  if (sdk === 'anthropic') return new Anthropic({ baseURL: base, apiKey: 'bench', maxRetries: 0, defaultQuery, openTelemetry: false });
  return new OpenAI({ baseURL: `${base}/v1`, apiKey: 'bench', maxRetries: 0, defaultQuery });
}

function create(sdk, c) {
  if (sdk === 'anthropic') return c.messages.create({ model: 'bench-model', max_tokens: 64, messages: MESSAGES, stream: true });
  return c.chat.completions.create({ model: 'bench-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
}

/** One SDK stream of about `events` chunks read with for await. CPU of this process only. */
async function runStream(sdk, baseUrl, events) {
  const c = client(sdk, baseUrl, events);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let chunks = 0;
  for await (const _ of await create(sdk, c)) chunks++;
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const finished = spans?.getFinishedSpans() ?? [];
  const outcome = finished.find((s) => s.attributes['midstream.source'] === sdk)?.attributes['midstream.outcome'];
  spans?.reset();
  return { cpuUs: cpu.user + cpu.system, wallMs, chunks, spanCount: finished.length, outcome };
}

function heapAfterGc() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

/** Opens `streams` SDK streams that each yield `events` chunks and then stall; heap per live stream. */
async function heapPerStream(sdk, baseUrl, streams, events) {
  await runStream(sdk, baseUrl, 50); // warm-up: lazily created objects are not counted
  const c = client(sdk, baseUrl, events, true);
  await holdStreams(sdk, c, 2, events); // and those of a held stream (first use of each code path)
  const before = heapAfterGc();
  const release = await holdStreams(sdk, c, streams, events);
  const after = heapAfterGc();
  await release();
  return { perStreamBytes: (after - before) / streams, live: streams };
}

/** Opens `streams` streams, reads `events` chunks of each and keeps them open; returns their release. */
async function holdStreams(sdk, c, streams, events) {
  const held = await Promise.all(
    Array.from({ length: streams }, async () => {
      const stream = await create(sdk, c);
      const iterator = stream[Symbol.asyncIterator]();
      for (let i = 0; i < events; i++) await iterator.next();
      return { stream, iterator }; // the app keeps its iterator: the stream is live and held open
    }),
  );
  return async () => {
    await Promise.allSettled(held.map(({ iterator }) => iterator.return()));
    spans?.reset();
  };
}

/**
 * Runs `streams` streams of `events` chunks under the V8 sampling profiler (100 µs) and splits the
 * sampled time: midstream's own functions (self time in this package's dist/) against all busy time.
 * A share of samples is steadier than a difference of two noisy CPU totals on a shared machine.
 */
async function profileStreams(sdk, baseUrl, events, streams) {
  const dist = fileURLToPath(new URL('../dist/', import.meta.url));
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  let chunks = 0;
  for (let i = 0; i < streams; i++) chunks += (await runStream(sdk, baseUrl, events)).chunks;
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  let busyUs = 0;
  let oursUs = 0;
  const byFunction = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = nodes.get(profile.samples[i]).callFrame;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (frame.functionName === '(idle)') continue;
    busyUs += dt;
    const url = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    if (!url.startsWith(dist)) continue;
    oursUs += dt;
    const key = `${frame.functionName || '(anonymous)'} ${url.slice(dist.length)}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, us]) => ({ name, nsPerChunk: (us * 1000) / chunks }));
  return { chunks, busyUs, oursUs, top };
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'run') process.send({ ok: true, result: await runStream(msg.sdk, msg.baseUrl, msg.events) });
    else if (msg.cmd === 'profile') process.send({ ok: true, result: await profileStreams(msg.sdk, msg.baseUrl, msg.events, msg.streams) });
    else if (msg.cmd === 'heap') process.send({ ok: true, result: await heapPerStream(msg.sdk, msg.baseUrl, msg.streams, msg.events) });
    else if (msg.cmd === 'exit') process.exit(0);
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true });
