import type { Context, Span } from '@opentelemetry/api';

/** What `makeRequest` knew about a request, found again by its `Response` in `fromSSEResponse`. */
export interface RequestInfo {
  /** Monotonic seconds when the app called the SDK method (first attempt, before retries). */
  readonly startTime: number;
  /** Context active when the request was issued: parent of the stream span. */
  readonly parentContext: Context;
  /** `body.model` of the request, when the body had one. */
  readonly model: string | undefined;
  /** Request path without query (`/chat/completions`, `/v1/messages`). */
  readonly path: string | undefined;
  /** The SDK's own call span (Anthropic native tracing), to enrich instead of duplicating. */
  readonly sdkSpan: Span | undefined;
}

/** Minimal shape of what Stainless `makeRequest` resolves to. */
interface RequestProps {
  readonly response?: unknown;
  readonly options?: {
    readonly path?: unknown;
    readonly body?: unknown;
    readonly __span?: { readonly span?: unknown } | null;
  };
}

/**
 * Keyed by the SDK's own `Response` object (STYLE.md: per-request state in a WeakMap keyed by the
 * library's object), so nothing leaks when the response is dropped.
 */
const requests = new WeakMap<object, RequestInfo>();

export function findRequest(response: unknown): RequestInfo | undefined {
  return typeof response === 'object' && response !== null ? requests.get(response) : undefined;
}

/** Records a resolved `makeRequest` result. A retry resolves inner calls first; the outer (earliest start) wins. */
export function rememberRequest(props: unknown, startTime: number, parentContext: Context): void {
  const p = props as RequestProps | null | undefined;
  const response = p?.response;
  if (typeof response !== 'object' || response === null) return;
  const options = p?.options;
  const body = options?.body as { model?: unknown } | null | undefined;
  const model = typeof body === 'object' && body !== null && typeof body.model === 'string' ? body.model : undefined;
  const rawPath = typeof options?.path === 'string' ? options.path : undefined;
  const query = rawPath?.indexOf('?') ?? -1;
  const span = options?.__span?.span as Span | undefined;
  const sdkSpan =
    span !== undefined && typeof span.spanContext === 'function' && typeof span.end === 'function' ? span : undefined;
  requests.set(response, {
    startTime,
    parentContext,
    model,
    path: rawPath !== undefined && query >= 0 ? rawPath.slice(0, query) : rawPath,
    sdkSpan,
  });
}
