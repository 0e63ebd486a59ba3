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
