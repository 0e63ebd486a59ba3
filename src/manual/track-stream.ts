import { context, metrics, trace, SpanKind, type Attributes, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { epochAnchorMs, now } from '../core/clock';
import { guarded } from '../core/guard';
import { StreamTelemetry } from '../core/stream-telemetry';
import { StreamTracker, type StreamProtocol } from '../core/stream-tracker';
import { applyItem } from '../core/item-reader';
import { trackAsyncIterable } from '../core/track-async-iterable';
import { trackReadableStream } from '../core/track-web-stream';
import { createWireReader } from '../core/wire-reader';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL, terminalRuleFor, type ItemReader, type TerminalRule } from '../providers';
import { PACKAGE_NAME, VERSION } from '../version';
import { envOptions, trackerOptions } from '../core/stream-options';
import { resolveOptions, type ResolvedOptions } from '../options';

/** Options of {@link trackStream}. */
export interface TrackStreamOptions<T = unknown> {
  /** Span name. @defaultValue `'stream'` */
  name?: string;
  /** `midstream.source`. @defaultValue `'manual'` */
  source?: string;
  /**
   * How to read a ReadableStream of bytes: `sse`, `ndjson`, or `bytes` (each chunk counts).
   * Ignored for streams of objects. @defaultValue `'bytes'`
   */
  protocol?: 'sse' | 'ndjson' | 'bytes';
  /** Terminal-marker rule for byte streams: a rule name (`openai.chat`, `anthropic`, ...) or a rule object. */
  rule?: string | TerminalRule;
  /** For streams of objects: true on the item that marks the normal end (then an end without it is `truncated`). */
  isTerminal?: (item: T) => boolean;
  /** For streams of objects: true on an item that reports an in-stream error (outcome `errored`). */
  isError?: (item: T) => boolean;
  /** Span attributes at start; keep them low-cardinality, they are metric labels too. */
  attributes?: Attributes;
  /** A caller-side abort (outcome `aborted` instead of `cancelled`/`truncated`). */
  signal?: AbortSignal;
  /**
   * A gap between two chunks longer than this is a stall (span event + counter). Milliseconds; 0 turns
   * stall detection off. Not inherited from `midstreamInstrumentations()` / `startMidstream()`.
   * @defaultValue 5000 (env `MIDSTREAM_STALL_THRESHOLD_MS`)
   */
  stallThresholdMs?: number;
  /**
   * End a stream with no chunk for this long as `timed_out` (the stream itself is not touched).
   * Milliseconds; 0 disables it. Not inherited from `midstreamInstrumentations()` / `startMidstream()`.
   * @defaultValue 0 (env `MIDSTREAM_IDLE_TIMEOUT_MS`)
   */
  idleTimeoutMs?: number;
  /** @defaultValue the global providers */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

let cached: { provider: MeterProvider; telemetry: StreamTelemetry } | undefined;

function telemetryFor(provider: MeterProvider): StreamTelemetry {
  if (cached === undefined || cached.provider !== provider) {
    cached = { provider, telemetry: new StreamTelemetry(provider.getMeter(PACKAGE_NAME, VERSION)) };
  }
  return cached.telemetry;
}

/** The call's own options over `MIDSTREAM_*` (resolved per call only when it gives any). */
function optionsOf(options: TrackStreamOptions<never>): ResolvedOptions {
  const { stallThresholdMs, idleTimeoutMs } = options;
  if (stallThresholdMs === undefined && idleTimeoutMs === undefined) return envOptions();
  return resolveOptions({ stallThresholdMs, idleTimeoutMs }, envOptions());
}

function isReadableStream(x: unknown): x is ReadableStream {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

/**
 * Tracks any async iterable or ReadableStream: returns a stream that yields exactly the same items
 * and ends a span (and records metrics) with one outcome. For what auto-instrumentation cannot reach:
 * bundled code, custom protocols, edge runtimes.
 *
 * @example
 * ```ts
 * import { trackStream } from 'midstream-otel';
 * for await (const part of trackStream(myLlmStream, { name: 'chat my-model', isTerminal: (p) => p.done })) {
 *   process.stdout.write(part.text);
 * }
 * ```
 */
export function trackStream<T>(stream: ReadableStream<T>, options?: TrackStreamOptions<T>): ReadableStream<T>;
export function trackStream<T>(stream: AsyncIterable<T>, options?: TrackStreamOptions<T>): AsyncIterable<T>;
export function trackStream<T>(
  stream: AsyncIterable<T> | ReadableStream<T>,
  options: TrackStreamOptions<T> = {},
): AsyncIterable<T> | ReadableStream<T> {
  const tracked = guarded('manual.trackStream', () => {
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, VERSION);
    const telemetry = telemetryFor(options.meterProvider ?? metrics.getMeterProvider());
    const rule = typeof options.rule === 'string' ? terminalRuleFor(options.rule) : options.rule;
    const byteProtocol: StreamProtocol = rule?.protocol ?? options.protocol ?? 'bytes';
    const readable = isReadableStream(stream);
    const objects = !readable || options.isTerminal !== undefined || options.isError !== undefined;
    const protocol: StreamProtocol = objects && !rule ? 'objects' : byteProtocol;
    const startTime = now();
    const anchor = epochAnchorMs();
    const span = tracer.startSpan(
      options.name ?? 'stream',
      { kind: SpanKind.CLIENT, attributes: options.attributes, startTime: anchor + startTime * 1000 },
      context.active(),
    );
    const tracker = new StreamTracker(telemetry, {
      ...trackerOptions(optionsOf(options)),
      span,
      ownsSpan: true,
      startTime,
      epochAnchorMs: anchor,
      source: options.source ?? 'manual',
      protocol,
      requiresTerminal: rule?.requiresTerminal ?? options.isTerminal !== undefined,
      metricAttributes: options.attributes,
    });
    const signal = options.signal;
    const isAborted = signal !== undefined ? () => signal.aborted : undefined;
    const readItem: ItemReader<T> = (item) => {
      const terminal = options.isTerminal?.(item) === true;
      const error = options.isError?.(item) === true;
      // An item that is both: the terminal was seen, and the stream reports the error.
      if (terminal && error) tracker.markTerminal();
      return error ? SIGNAL_ERROR : terminal ? SIGNAL_TERMINAL : SIGNAL_NONE;
    };
    if (!readable) return trackAsyncIterable(stream, tracker, readItem, { isAborted });
    if (protocol === 'objects') {
      return trackReadableStream(
        stream as unknown as ReadableStream<Uint8Array>,
        tracker,
        (chunk) => applyItem(tracker, readItem, chunk as unknown as T),
        {
          isAborted,
        },
      ) as unknown as ReadableStream<T>;
    }
    const wire = createWireReader(tracker, protocol, rule);
    return trackReadableStream(stream as unknown as ReadableStream<Uint8Array>, tracker, (c) => wire.push(c), {
      isAborted,
      onEof: () => wire.end(),
    }) as unknown as ReadableStream<T>;
  });
  return tracked ?? stream;
}
