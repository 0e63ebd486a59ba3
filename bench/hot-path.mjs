// Core costs without any network: the per-chunk hot path (SseReader + terminal rule + tracker) on a
// pre-built buffer, and the end-of-stream metric record cost per chunk. Built code from dist/.
import { createRequire } from 'node:module';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

const require = createRequire(import.meta.url);
const { SseReader } = require('../dist/protocols/sse-reader.js');
const { terminalRuleFor } = require('../dist/providers/index.js');
const { createWireReader } = require('../dist/core/wire-reader.js');
const { StreamTracker } = require('../dist/core/stream-tracker.js');
const { StreamTelemetry } = require('../dist/core/stream-telemetry.js');
const { processState } = require('../dist/core/process-state.js');
const { midstreamMetricProducer } = require('../dist/index.js');
const { wrapAsyncIterator } = require('../dist/core/track-async-iterable.js');
const { readOpenAIChatItem } = require('../dist/providers/openai-chat.js');

/** Collects on demand only (the end-of-stream cost is the record calls, not an export). */
class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const enc = new TextEncoder();
const created = 1700000000;
const chunkText = (delta, finishReason) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;

/** One OpenAI chat stream of `events` events, as an array of per-event buffers and as one buffer. */
function buildStream(events) {
  const parts = [];
  for (let i = 0; i < events - 2; i++) parts.push(enc.encode(chunkText({ content: ' token' }, null)));
  parts.push(enc.encode(chunkText({}, 'stop')));
  parts.push(enc.encode('data: [DONE]\n\n'));
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    whole.set(p, at);
    at += p.byteLength;
  }
  return { parts, whole };
}

function slices(whole, size) {
  const out = [];
  for (let i = 0; i < whole.byteLength; i += size) out.push(whole.subarray(i, Math.min(whole.byteLength, i + size)));
  return out;
}

/** Median of `reps` timings of fn(), in ns per `unitCount`. */
function measure(fn, unitCount, reps = 15) {
  for (let i = 0; i < 3; i++) fn(); // warm up (JIT)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / unitCount);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function runHotPath({ events = 20_000 } = {}) {
  const tracerProvider = new BasicTracerProvider();
  const tracer = tracerProvider.getTracer('bench');
  const meterProvider = new MeterProvider({ readers: [new ManualReader()] });
  const telemetry = new StreamTelemetry(meterProvider.getMeter('bench'));
  const rule = terminalRuleFor('openai.chat');
  const { parts, whole } = buildStream(events);
  const big = slices(whole, 16 * 1024);

  const newTracker = (genAi = true) =>
    new StreamTracker(telemetry, {
      span: tracer.startSpan('bench'),
      ownsSpan: true,
      source: 'fetch',
      protocol: 'sse',
      requiresTerminal: true,
      genAi,
      metricAttributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'server.address': '127.0.0.1' },
    });

  let sink = 0;
  const noopSink = { onEvent: (_e, data) => (sink += data.length) };
  const results = {};
  results.sseReaderOnly = measure(() => {
    const r = new SseReader(noopSink);
    for (const p of parts) r.push(p);
    r.end();
  }, events);
  results.sseReaderOnly16k = measure(() => {
    const r = new SseReader(noopSink);
    for (const p of big) r.push(p);
    r.end();
  }, events);

  // The full per-chunk path an adapter runs: addBytes + SseReader + rule.classify + tracker.onChunk.
  // The tracker is ended with finish() outside the timed region (that cost is measured below).
  const wirePath = (input) => {
    const trackers = [];
    const ns = measure(() => {
      const t = newTracker();
      trackers.push(t);
      const w = createWireReader(t, 'sse', rule);
      for (const p of input) w.push(p);
      w.end();
    }, events);
    for (const t of trackers) t.finish('completed');
    return ns;
  };
  results.wirePath = wirePath(parts);
  results.wirePath16k = wirePath(big);

  {
    const t = newTracker();
    results.onChunkOnly = measure(() => {
      for (let i = 0; i < events; i++) t.onChunk();
    }, events);
    t.finish('completed');
  }

  // End-of-stream cost: finish() on a stream of n chunks minus finish() on a 1-chunk stream, per chunk.
  // Gaps are spread over several buckets, as real token gaps are.
  const finishCost = (n, genAi) => {
    const reps = 15;
    const one = [];
    const many = [];
    const gaps = [0.0004, 0.003, 0.008, 0.02, 0.04, 0.2];
    for (let r = 0; r < reps + 3; r++) {
      const a = newTracker(genAi);
      a.onChunk();
      const b = newTracker(genAi);
      for (let i = 0; i < n; i++) b.gaps.record(gaps[i % gaps.length]);
      b.chunkCount = n;
      let t0 = process.hrtime.bigint();
      a.finish('completed');
      const ta = Number(process.hrtime.bigint() - t0);
      t0 = process.hrtime.bigint();
      b.finish('completed');
      const tb = Number(process.hrtime.bigint() - t0);
      if (r >= 3) {
        one.push(ta);
        many.push(tb);
      }
    }
    const med = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    return { perChunk: (med(many) - med(one)) / n, perStreamFixed: med(one) };
  };
  // The SDK path per item, without the SDK and the network (their CPU dwarfs and blurs this in the
  // end-to-end SDK rows): a for-await over an async generator of parsed openai chat chunks, bare vs
  // through wrapAsyncIterator + the openai chat item reader + the tracker. Awaited, so it reports the
  // median of `reps` async runs (measure() is synchronous).
  const items = Array.from({ length: events }, (_, i) => ({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: 'bench-model',
    choices: [{ index: 0, delta: { content: ' token' }, logprobs: null, finish_reason: i === events - 1 ? 'stop' : null }],
  }));
  results.sdkItemPath = async () => {
    async function* source() {
      for (const item of items) yield item;
    }
    const run = async (instrumented) => {
      const tracker = instrumented ? newTracker() : undefined;
      const it = instrumented ? wrapAsyncIterator(source(), tracker, readOpenAIChatItem) : source();
      const t0 = process.hrtime.bigint();
      for (let r = await it.next(); !r.done; r = await it.next()) sink++;
      return Number(process.hrtime.bigint() - t0);
    };
    midstreamMetricProducer(); // as register sets it up: the end of each stream merges, no replay
    const off = [];
    const on = [];
    for (let r = 0; r < 18; r++) {
      const a = await run(false);
      const b = await run(true);
      if (r >= 3) {
        off.push(a);
        on.push(b);
      }
    }
    delete processState().gapAggregates;
    const med = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    return { off: med(off) / events, on: med(on) / events };
  };

  // Without a metric producer: the gaps are replayed into the SDK histograms (one record per chunk).
  results.finishGenAi = finishCost(events, true);
  results.finishPlain = finishCost(events, false);
  // With midstreamMetricProducer() (what startMidstream() attaches): one merge per stream.
  midstreamMetricProducer();
  results.finishGenAiProducer = finishCost(events, true);
  results.finishPlainProducer = finishCost(events, false);
  delete processState().gapAggregates;
  results.sink = sink;
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(runHotPath());
}
