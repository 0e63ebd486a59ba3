import { createContextKey, type Context } from '@opentelemetry/api';
import type { Outcome } from './outcome';

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
/** What the layering needs of a transport tracker (a StreamTracker; structural, so two copies agree). */
export interface TransportStream {
  stopRecordingMetrics(): void;
  follow(leader: SdkStream): void;
  readonly bytes: number;
}
type Demotable = TransportStream;

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
 * With `sdkTracker` (or later through {@link endTransportWith}), the transport stream follows the SDK
 * stream: it stops parsing, ends when the SDK stream ends, with its outcome, and lends it its byte count.
 */
export function claimTransportStream(response: unknown, sdkTracker?: SdkStream): TransportStream | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  const map = transportStreams();
  const tracker = map.get(response);
  if (tracker === undefined) return undefined;
  map.delete(response);
  tracker.stopRecordingMetrics();
  if (sdkTracker !== undefined) endTransportWith(sdkTracker, tracker);
  return tracker;
}

/**
 * Where a transport layer leaves the streaming response of an SDK call whose adapter never sees
 * the `Response` (the AI SDK's providers read it inside provider-utils): the adapter puts a slot in
 * the context it runs the call in, and claims the response from it when the call's stream arrives.
 */
export interface TransportSlot {
  response?: object;
}

const TRANSPORT_SLOT_KEY = createContextKey('midstream.transport-slot');

export function withTransportSlot(ctx: Context, slot: TransportSlot): Context {
  return ctx.setValue(TRANSPORT_SLOT_KEY, slot);
}

/** A transport adapter registered `response` in `ctx`: the SDK call running there may claim it. */
export function offerTransportStream(ctx: Context, response: object): void {
  const slot = ctx.getValue(TRANSPORT_SLOT_KEY) as TransportSlot | undefined;
  if (slot !== undefined) slot.response = response;
}

/** The SDK-level tracker, as far as the layering needs it. */
export interface SdkStream {
  whenEnded(fn: (outcome: Outcome) => void): void;
  adoptTransport(transport: { readonly bytes: number }): void;
}

/**
 * `transport` follows `sdkTracker`: one stream seen by two layers reports one outcome (the upper
 * layer's), and the SDK span carries the transport's bytes (DESIGN.md, "Layers and traces").
 */
export function endTransportWith(sdkTracker: SdkStream, transport: TransportStream | undefined): void {
  if (transport === undefined) return;
  transport.follow(sdkTracker);
  sdkTracker.adoptTransport(transport);
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
