import {
  SpanStatusCode,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  type SpanContext,
  type UpDownCounter,
} from '@opentelemetry/api';
import * as sc from '../semconv';
import { GapHistogram } from './gap-histogram';
import { processState } from './process-state';
import { callErrorTypeOf, errorTypeFor, isDeliberate, type Outcome } from './outcome';
import type { StreamTracker } from './stream-tracker';

/**
 * What the writer reads from an ended stream: a {@link StreamTracker}, or a stream rebuilt from a
 * crash journal by another process (src/processor/journal-recovery.ts).
 */
export type EndedStream = Pick<
  StreamTracker,
  | 'span'
  | 'ownsSpan'
  | 'source'
  | 'protocol'
  | 'genAi'
  | 'recordMetrics'
  | 'metricAttributes'
  | 'startTime'
  | 'epochMillis'
  | 'gaps'
  | 'facts'
  | 'stalls'
  | 'chunkCount'
  | 'bytes'
  | 'bodyBytes'
  | 'outputChars'
  | 'malformedCount'
  | 'stallCount'
  | 'headersAt'
  | 'firstChunkAt'
  | 'lastChunkAt'
  | 'endedAt'
  | 'terminalSeen'
  | 'capture'
  | 'reason'
  | 'attempt'
  | 'orphanedAt'
  | 'orphanedAtChunks'
  | 'orphanedAtChars'
  | 'orphanedAtTokens'
>;

/**
 * The only writer of stream telemetry: span attributes, events and status, and metric records.
 * One instance per meter (each instrumentation has its own); instruments are created once.
 *
 * Metrics are recorded when the stream ends, with attribute objects built once per stream. The
 * per-chunk gaps live in the tracker's fixed-bucket {@link GapHistogram}. When a metric producer
 * exists (`midstreamMetricProducer()`), they are merged into its cumulative histograms once per
 * stream; otherwise they are replayed into the SDK histograms (bucket mean x count: exact bucket
 * counts, count and sum), which costs one SDK attribute hash per chunk at the end of the stream.
 */
export class StreamTelemetry {
  private readonly duration: Histogram;
  private readonly ttfc: Histogram;
  private readonly chunkGap: Histogram;
  private readonly chunks: Histogram;
  private readonly bytes: Counter;
  private readonly outcomes: Counter;
  private readonly stalls: Counter;
  private readonly active: UpDownCounter;
  private readonly outputChars: Counter;
  private readonly genAiDuration: Histogram;
  private readonly genAiTtfc: Histogram;
  private readonly genAiTimePerChunk: Histogram;
  private readonly genAiTokens: Histogram;
  private readonly orphanedStreams: Counter;
  private readonly orphanedChars: Counter;
  private readonly orphanedTokens: Counter;
  private readonly orphanedDuration: Histogram;
  private readonly retryStreams: Counter;
  private readonly retryChars: Counter;
  private readonly retryTokens: Counter;
  /** Attributes used for the `active` +1, reused for the -1 so the gauge never drifts. */
  private readonly activeAttributes = new WeakMap<EndedStream, Attributes>();

  constructor(meter: Meter) {
    const seconds = (name: string, description: string, buckets: readonly number[]): Histogram =>
      meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: [...buckets] } });
    this.duration = seconds(
      sc.METRIC_MIDSTREAM_STREAM_DURATION,
      'Duration of a stream, from request to its end',
      sc.DURATION_BUCKETS_S,
    );
    this.ttfc = seconds(
      sc.METRIC_MIDSTREAM_STREAM_TIME_TO_FIRST_CHUNK,
      'Time from request to the first chunk',
      sc.DURATION_BUCKETS_S,
    );
    this.chunkGap = seconds(sc.METRIC_MIDSTREAM_STREAM_CHUNK_GAP, 'Gap between consecutive chunks of a stream', sc.GAP_BUCKETS_S);
    this.chunks = meter.createHistogram(sc.METRIC_MIDSTREAM_STREAM_CHUNKS, {
      unit: '{chunk}',
      description: 'Chunks received per stream, by outcome (how far a stream got)',
      advice: { explicitBucketBoundaries: [...sc.CHUNK_COUNT_BUCKETS] },
    });
    this.bytes = meter.createCounter(sc.METRIC_MIDSTREAM_STREAM_BYTES, { unit: 'By', description: 'Body bytes of streams' });
    this.outcomes = meter.createCounter(sc.METRIC_MIDSTREAM_STREAM_OUTCOMES, {
      unit: '{stream}',
      description: 'Streams ended, by outcome',
    });
    this.stalls = meter.createCounter(sc.METRIC_MIDSTREAM_STREAM_STALLS, {
      unit: '{stall}',
      description: 'Gaps between chunks longer than the stall threshold',
    });
    this.active = meter.createUpDownCounter(sc.METRIC_MIDSTREAM_STREAM_ACTIVE, {
      unit: '{stream}',
      description: 'Streams in flight',
    });
    this.outputChars = meter.createCounter(sc.METRIC_MIDSTREAM_STREAM_OUTPUT_CHARS, {
      unit: '{char}',
      description: 'Characters of generated text received by LLM streams, by outcome (what truncation cost)',
    });
    this.genAiDuration = seconds(sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 'GenAI operation duration', sc.DURATION_BUCKETS_S);
    this.genAiTtfc = seconds(
      sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
      'Time from the GenAI request to the first response chunk',
      sc.DURATION_BUCKETS_S,
    );
    // Same buckets as the tracker's gap histogram and the metric producer: one shape on both paths.
    this.genAiTimePerChunk = seconds(
      sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
      'Time between consecutive response chunks of a GenAI stream',
      sc.GAP_BUCKETS_S,
    );
    this.genAiTokens = meter.createHistogram(sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      unit: '{token}',
      description: 'Tokens used, as reported by the provider',
      advice: { explicitBucketBoundaries: [...sc.TOKEN_BUCKETS] },
    });
    this.orphanedStreams = meter.createCounter(sc.METRIC_MIDSTREAM_ORPHANED_STREAMS, {
      unit: '{stream}',
      description: 'Upstream streams still live when the server request they feed lost its client, by how they ended',
    });
    this.orphanedChars = meter.createCounter(sc.METRIC_MIDSTREAM_ORPHANED_OUTPUT_CHARS, {
      unit: '{char}',
      description: 'Characters of generated text orphaned streams received after the client left',
    });
    this.orphanedTokens = meter.createCounter(sc.METRIC_MIDSTREAM_ORPHANED_OUTPUT_TOKENS, {
      unit: '{token}',
      description: 'Output tokens orphaned streams reported after the client left',
    });
    this.orphanedDuration = seconds(
      sc.METRIC_MIDSTREAM_ORPHANED_DURATION,
      "Time from the client's disconnect to the orphaned upstream stream's end (cancellation latency)",
      sc.CANCELLATION_BUCKETS_S,
    );
    this.retryStreams = meter.createCounter(sc.METRIC_MIDSTREAM_RETRY_STREAMS, {
      unit: '{stream}',
      description: 'Streams that retry a failed stream of the same parent, operation and model',
    });
    this.retryChars = meter.createCounter(sc.METRIC_MIDSTREAM_RETRY_OUTPUT_CHARS, {
      unit: '{char}',
      description: 'Characters of generated text the retried (failed) attempts had already received',
    });
    this.retryTokens = meter.createCounter(sc.METRIC_MIDSTREAM_RETRY_OUTPUT_TOKENS, {
      unit: '{token}',
      description: 'Output tokens the retried (failed) attempts had reported',
    });
  }

  /** The stream started: count it as active. */
  started(t: StreamTracker): void {
    if (!t.recordMetrics) return;
    const attrs = { [sc.ATTR_MIDSTREAM_SOURCE]: t.source, ...t.metricAttributes };
    this.activeAttributes.set(t, attrs);
    this.active.add(1, attrs);
  }

  /** The stream is counted by another layer after all: undo the `active` +1. */
  retracted(t: StreamTracker): void {
    const attrs = this.activeAttributes.get(t);
    if (attrs === undefined) return;
    this.activeAttributes.delete(t);
    this.active.add(-1, attrs);
  }

  /** A stall was detected (live, so stall alerts do not wait for the stream to end). */
  stalled(t: StreamTracker): void {
    if (!t.recordMetrics) return;
    this.stalls.add(1, { [sc.ATTR_MIDSTREAM_SOURCE]: t.source, ...t.metricAttributes });
  }

  /**
   * The server request this stream feeds lost its client: the event, at that moment, and a link to
   * the server's stream span (without instrumentation-http the two are in different traces).
   */
  orphaned(t: StreamTracker, serverSpan: SpanContext | undefined): void {
    const span = t.span;
    if (!span.isRecording()) return;
    if (serverSpan !== undefined && typeof span.addLink === 'function') span.addLink({ context: serverSpan });
    const a: Attributes = { [sc.ATTR_MIDSTREAM_CHUNK_COUNT]: t.orphanedAtChunks };
    if (t.genAi) a[sc.ATTR_MIDSTREAM_OUTPUT_CHARS] = t.orphanedAtChars;
    span.addEvent(sc.EVENT_MIDSTREAM_ORPHANED, a, t.epochMillis(t.orphanedAt));
  }

  /** The stream retries a failed one: count the retry and what the failed attempt had received. */
  retried(t: StreamTracker): void {
    const failed = t.retries;
    if (!t.recordMetrics || failed === undefined) return;
    const base = { [sc.ATTR_MIDSTREAM_SOURCE]: t.source, ...t.metricAttributes };
    this.retryStreams.add(1, base);
    if (failed.outputChars > 0) this.retryChars.add(failed.outputChars, base);
    if (failed.outputTokens !== undefined && failed.outputTokens > 0) this.retryTokens.add(failed.outputTokens, base);
  }

  /** The stream ended with `outcome`: write the span and record every metric, once. */
  finished(t: EndedStream, outcome: Outcome, error: unknown): void {
    const errorType = errorTypeFor(outcome, t.facts.errorType, error);
    this.writeSpan(t, outcome, errorType, error);
    if (t.recordMetrics) this.recordMetrics(t, outcome, errorType);
    // The end from the same clock and anchor as the start: the span's duration is the tracker's.
    if (t.ownsSpan) t.span.end(t.epochMillis(t.endedAt));
  }

  /**
   * A GenAI call that failed before its stream began: not a stream, so no `midstream.stream.*`
   * record; the span gets `error.type` and status ERROR, and `gen_ai.client.operation.duration`
   * records the call with `error.type`. `duration` in seconds; `endTime` epoch ms on the span's start clock (default: now).
   */
  failedCall(
    span: Span,
    ownsSpan: boolean,
    attributes: Attributes,
    error: unknown,
    duration: number,
    genAi = true,
    endTime?: number,
  ): void {
    const errorType = callErrorTypeOf(error);
    // Someone else's span (the SDK's own tracing) gets its status from its owner.
    if (ownsSpan && span.isRecording()) {
      span.setAttributes(attributes);
      span.setAttribute(sc.ATTR_ERROR_TYPE, errorType);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : errorType });
    }
    if (genAi) {
      const g: Attributes = { [sc.ATTR_ERROR_TYPE]: errorType };
      for (const key of GEN_AI_METRIC_KEYS) {
        const v = attributes[key];
        if (v !== undefined) g[key] = v;
      }
      this.genAiDuration.record(duration, g);
    }
    // The end on the clock the span started on (its start came from the same anchor).
    if (ownsSpan) span.end(endTime);
  }

  private writeSpan(t: EndedStream, outcome: Outcome, errorType: string | undefined, error: unknown): void {
    const span = t.span;
    if (!span.isRecording()) return;
    const a: Attributes = {
      ...t.metricAttributes,
      [sc.ATTR_MIDSTREAM_SOURCE]: t.source,
      [sc.ATTR_MIDSTREAM_PROTOCOL]: t.protocol,
      [sc.ATTR_MIDSTREAM_OUTCOME]: outcome,
      [sc.ATTR_MIDSTREAM_CHUNK_COUNT]: t.chunkCount,
      [sc.ATTR_MIDSTREAM_TERMINAL_SEEN]: t.terminalSeen,
      [sc.ATTR_MIDSTREAM_STALL_COUNT]: t.stallCount,
      [sc.ATTR_MIDSTREAM_GAP_MAX]: t.gaps.max,
      [sc.ATTR_MIDSTREAM_GAP_BOUNDARIES]: [...GapHistogram.boundaries],
      [sc.ATTR_MIDSTREAM_GAP_COUNTS]: t.gaps.counts(),
    };
    const bytes = t.bodyBytes;
    if (bytes !== undefined) a[sc.ATTR_MIDSTREAM_BYTES] = bytes;
    if (t.headersAt >= 0) a[sc.ATTR_MIDSTREAM_TIME_TO_HEADERS] = t.headersAt - t.startTime;
    if (t.firstChunkAt >= 0) {
      const ttfc = t.firstChunkAt - t.startTime;
      a[sc.ATTR_MIDSTREAM_TIME_TO_FIRST_CHUNK] = ttfc;
      if (t.genAi) a[sc.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc;
      a[sc.ATTR_MIDSTREAM_TIME_SINCE_LAST_CHUNK] = t.endedAt - t.lastChunkAt;
    }
    if (t.malformedCount > 0) a[sc.ATTR_MIDSTREAM_MALFORMED_COUNT] = t.malformedCount;
    if (t.genAi) {
      a[sc.ATTR_GEN_AI_REQUEST_STREAM] = true;
      a[sc.ATTR_MIDSTREAM_OUTPUT_CHARS] = t.outputChars;
      const f = t.facts;
      if (f.responseModel !== undefined) a[sc.ATTR_GEN_AI_RESPONSE_MODEL] = f.responseModel;
      if (f.responseId !== undefined) a[sc.ATTR_GEN_AI_RESPONSE_ID] = f.responseId;
      if (f.finishReasons !== undefined && f.finishReasons.length > 0)
        a[sc.ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = f.finishReasons;
      if (f.inputTokens !== undefined) a[sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = f.inputTokens;
      if (f.outputTokens !== undefined) a[sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = f.outputTokens;
      if (t.capture !== undefined) {
        a[sc.ATTR_MIDSTREAM_CONTENT_OUTPUT] = t.capture.text;
        a[sc.ATTR_MIDSTREAM_CONTENT_TRUNCATED] = t.capture.truncated;
      }
    }
    if (errorType !== undefined) a[sc.ATTR_ERROR_TYPE] = errorType;
    if (t.attempt > 1) a[sc.ATTR_MIDSTREAM_ATTEMPT] = t.attempt;
    if (t.orphanedAt >= 0) {
      a[sc.ATTR_MIDSTREAM_ORPHANED_DURATION] = Math.max(0, t.endedAt - t.orphanedAt);
      a[sc.ATTR_MIDSTREAM_ORPHANED_CHUNK_COUNT] = t.chunkCount - t.orphanedAtChunks;
      if (t.genAi) a[sc.ATTR_MIDSTREAM_ORPHANED_OUTPUT_CHARS] = t.outputChars - t.orphanedAtChars;
      const tokens = orphanedTokens(t);
      if (tokens !== undefined) a[sc.ATTR_MIDSTREAM_ORPHANED_OUTPUT_TOKENS] = tokens;
    }
    // How the process ended (process_exit, sigterm, uncaught_exception, ...).
    if (outcome === 'interrupted' && t.reason !== undefined) a[sc.ATTR_MIDSTREAM_REASON] = t.reason;
    span.setAttributes(a);

    if (t.firstChunkAt >= 0) span.addEvent(sc.EVENT_MIDSTREAM_FIRST_CHUNK, t.epochMillis(t.firstChunkAt));
    for (const s of t.stalls) {
      span.addEvent(
        sc.EVENT_MIDSTREAM_STALL,
        {
          [sc.ATTR_MIDSTREAM_STALL_GAP]: s.gap,
          [sc.ATTR_MIDSTREAM_CHUNK_INDEX]: s.chunkIndex,
          [sc.ATTR_MIDSTREAM_STALL_ONGOING]: s.ongoing,
        },
        t.epochMillis(s.startedAt),
      );
    }
    const progress = (): Attributes => {
      const p: Attributes = { [sc.ATTR_MIDSTREAM_CHUNK_COUNT]: t.chunkCount };
      if (bytes !== undefined) p[sc.ATTR_MIDSTREAM_BYTES] = bytes;
      if (t.lastChunkAt >= 0) p[sc.ATTR_MIDSTREAM_TIME_SINCE_LAST_CHUNK] = t.endedAt - t.lastChunkAt;
      if (t.reason !== undefined) p[sc.ATTR_MIDSTREAM_REASON] = t.reason;
      return p;
    };
    if (outcome === 'truncated') span.addEvent(sc.EVENT_MIDSTREAM_TRUNCATED, progress(), t.epochMillis(t.endedAt));
    if (outcome === 'client_disconnected')
      span.addEvent(sc.EVENT_MIDSTREAM_CLIENT_DISCONNECTED, progress(), t.epochMillis(t.endedAt));

    if (error instanceof Error && !isDeliberate(outcome)) span.recordException(error);
    if (errorType !== undefined) {
      const message = error instanceof Error ? error.message : `stream ${outcome}`;
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
  }

  private recordOrphan(t: EndedStream, base: Attributes, withOutcome: Attributes): void {
    this.orphanedStreams.add(1, withOutcome);
    this.orphanedDuration.record(Math.max(0, t.endedAt - t.orphanedAt), base);
    const chars = t.outputChars - t.orphanedAtChars;
    if (chars > 0) this.orphanedChars.add(chars, base);
    const tokens = orphanedTokens(t);
    if (tokens !== undefined && tokens > 0) this.orphanedTokens.add(tokens, base);
  }

  private recordMetrics(t: EndedStream, outcome: Outcome, errorType: string | undefined): void {
    const base: Attributes = { [sc.ATTR_MIDSTREAM_SOURCE]: t.source, ...t.metricAttributes };
    const withOutcome: Attributes = { ...base, [sc.ATTR_MIDSTREAM_OUTCOME]: outcome };
    if (errorType !== undefined) withOutcome[sc.ATTR_ERROR_TYPE] = errorType;
    const duration = t.endedAt - t.startTime;

    const activeAttrs = this.activeAttributes.get(t);
    if (activeAttrs !== undefined) this.active.add(-1, activeAttrs);
    this.outcomes.add(1, withOutcome);
    this.duration.record(duration, withOutcome);
    this.chunks.record(t.chunkCount, withOutcome);
    const bytes = t.bodyBytes;
    if (bytes !== undefined && bytes > 0) this.bytes.add(bytes, withOutcome);
    if (t.firstChunkAt >= 0) this.ttfc.record(t.firstChunkAt - t.startTime, base);
    if (t.orphanedAt >= 0) this.recordOrphan(t, base, withOutcome);
    const aggregates = processState().gapAggregates;
    if (aggregates !== undefined) aggregates.merge(sc.METRIC_MIDSTREAM_STREAM_CHUNK_GAP, base, t.gaps, Date.now());
    else replayGaps(this.chunkGap, t.gaps, base);

    if (!t.genAi) return;
    if (t.outputChars > 0) this.outputChars.add(t.outputChars, withOutcome);
    const g: Attributes = {};
    for (const key of GEN_AI_METRIC_KEYS) {
      const v = t.metricAttributes[key];
      if (v !== undefined) g[key] = v;
    }
    if (t.facts.responseModel !== undefined) g[sc.ATTR_GEN_AI_RESPONSE_MODEL] = t.facts.responseModel;
    const gWithError: Attributes = errorType !== undefined ? { ...g, [sc.ATTR_ERROR_TYPE]: errorType } : g;
    this.genAiDuration.record(duration, gWithError);
    if (t.firstChunkAt >= 0) this.genAiTtfc.record(t.firstChunkAt - t.startTime, g);
    if (aggregates !== undefined)
      aggregates.merge(sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK, g, t.gaps, Date.now());
    else replayGaps(this.genAiTimePerChunk, t.gaps, g);
    if (t.facts.inputTokens !== undefined)
      this.genAiTokens.record(t.facts.inputTokens, { ...g, [sc.ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
    if (t.facts.outputTokens !== undefined)
      this.genAiTokens.record(t.facts.outputTokens, { ...g, [sc.ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
  }
}

/** Output tokens reported after the disconnect (the provider's usage only; undefined when none was reported). */
function orphanedTokens(t: EndedStream): number | undefined {
  const total = t.facts.outputTokens;
  return total !== undefined ? Math.max(0, total - t.orphanedAtTokens) : undefined;
}

/**
 * Without a metric producer: one SDK record per gap (bucket mean x count: exact bucket counts, count
 * and sum). Costs one attribute hash per chunk in the SDK; the producer path avoids it.
 */
function replayGaps(histogram: Histogram, gaps: GapHistogram, attributes: Attributes): void {
  gaps.forEachBucket((mean, count) => {
    for (let i = 0; i < count; i++) histogram.record(mean, attributes);
  });
}

const GEN_AI_METRIC_KEYS = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
  sc.ATTR_SERVER_ADDRESS,
  sc.ATTR_SERVER_PORT,
] as const;
