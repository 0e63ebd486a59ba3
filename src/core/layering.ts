import { createContextKey, type Context } from '@opentelemetry/api';

/**
 * Marks a context in which an SDK-level instrumentation already tracks the stream, so transport
 * layers (fetch, http client) seeing the same request keep their span but record no stream metrics:
 * a stream is counted once (DESIGN.md, telemetry contract).
 */
const SDK_STREAM_KEY = createContextKey('midstream.sdk-stream');

export function markSdkStream(ctx: Context): Context {
  return ctx.setValue(SDK_STREAM_KEY, true);
}

export function isSdkStream(ctx: Context): boolean {
  return ctx.getValue(SDK_STREAM_KEY) === true;
}

/** Transport trackers by the response object they observe; process-wide so two copies agree. */
const TRANSPORT_KEY = Symbol.for('midstream.transport-streams.v1');
type Demotable = { stopRecordingMetrics(): void };

function transportStreams(): WeakMap<object, Demotable> {
  const g = globalThis as unknown as Record<symbol, WeakMap<object, Demotable> | undefined>;
  let map = g[TRANSPORT_KEY];
  if (map === undefined) {
    map = new WeakMap();
    Object.defineProperty(globalThis, TRANSPORT_KEY, { value: map, enumerable: false, configurable: true });
  }
  return map;
}

/** A transport adapter (fetch) registers the tracker of a streaming response. */
export function registerTransportStream(response: object, tracker: Demotable): void {
  transportStreams().set(response, tracker);
}

/**
 * An SDK adapter that took over `response` stops the transport tracker's metrics. This does not
 * depend on context propagation, which needs a registered context manager: without one the
 * context mark of {@link markSdkStream} never reaches the fetch call and the stream would be counted twice.
 */
export function claimTransportStream(response: unknown): void {
  if (response === null || typeof response !== 'object') return;
  const map = transportStreams();
  const tracker = map.get(response);
  if (tracker === undefined) return;
  map.delete(response);
  tracker.stopRecordingMetrics();
}

/**
 * A wrapper stream (LangChain's chat model stream) whose items come from another layer's stream
 * (an SDK stream an SDK adapter tracks). The inner stream is the one counted; the wrapper keeps its
 * span (the parent) and stops recording metrics when told that an inner stream was tracked.
 */
export interface WrapperStream {
  innerStreamStarted(): void;
}

const WRAPPER_STREAM_KEY = createContextKey('midstream.wrapper-stream');

/** Marks `ctx` as the context of a wrapper stream's call (its span should be active in `ctx` too). */
export function markWrapperStream(ctx: Context, wrapper: WrapperStream): Context {
  return ctx.setValue(WRAPPER_STREAM_KEY, wrapper);
}

/** A counted stream started in `ctx`: tells the enclosing wrapper stream, if any. */
export function notifyWrapperStream(ctx: Context): void {
  const wrapper = ctx.getValue(WRAPPER_STREAM_KEY) as WrapperStream | undefined;
  if (wrapper !== undefined) wrapper.innerStreamStarted();
}
