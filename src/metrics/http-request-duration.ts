import { SpanKind, trace, ValueType, type Attributes, type Context, type Histogram, type Meter } from '@opentelemetry/api';
import { getRPCMetadata, isTracingSuppressed, RPCType } from '@opentelemetry/core';
import type { HttpMetricsMode } from '../options';
import * as sc from '../semconv';

/** HTTP semconv advisory buckets (s) for the request-duration histograms. */
const HTTP_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const OTEL_HTTP_SCOPE = '@opentelemetry/instrumentation-http';
// instrumentation-http's wrappers of Server.prototype.emit, http.request/get, https.request/get
// (instrumentation-http/src/http.ts, 0.2xx). Found under ours when it patched first.
const OTEL_HTTP_WRAPPERS = new Set(['incomingRequest', 'outgoingRequest', 'outgoingGetRequest', 'httpsOutgoingRequest']);
const MIDSTREAM_WRAPPED = Symbol.for('midstream.wrapped.v1');
const IGNORED_SERVERS = Symbol.for('midstream.http-metrics.ignored-servers.v1');

type Chained = { __wrapped?: unknown; __original?: unknown; [MIDSTREAM_WRAPPED]?: unknown; name?: string };

/**
 * Whether `fn` (the function a midstream wrapper is about to call) is, or wraps,
 * @opentelemetry/instrumentation-http's wrapper: it then records the HTTP metrics itself.
 * Follows shimmer's `__original` and midstream's own brand, a few levels deep.
 */
export function wrapsOtelHttp(fn: unknown): boolean {
  let current: unknown = fn;
  for (let depth = 0; depth < 8 && typeof current === 'function'; depth++) {
    const f = current as Chained;
    if (f.__wrapped === true && OTEL_HTTP_WRAPPERS.has(f.name ?? '')) return true;
    current = f[MIDSTREAM_WRAPPED] ?? f.__original;
  }
  return false;
}

/**
 * Whether the context of a request shows that @opentelemetry/instrumentation-http (wrapped over
 * ours) already observes it: its server span's RPC metadata, or its own CLIENT span. A context with
 * tracing suppressed is an exporter's own request (or one the app told instrumentation-http to
 * ignore): not counted either.
 */
export function otelHttpObserves(ctx: Context, kind: SpanKind.SERVER | SpanKind.CLIENT): boolean {
  if (isTracingSuppressed(ctx)) return true;
  if (kind === SpanKind.SERVER) return getRPCMetadata(ctx)?.type === RPCType.HTTP;
  const span = trace.getSpan(ctx) as { kind?: SpanKind; instrumentationScope?: { name?: string } } | undefined;
  return span?.kind === SpanKind.CLIENT && span.instrumentationScope?.name === OTEL_HTTP_SCOPE;
}

/** Never count requests to `server` (the Prometheus exporter's own scrape endpoint). */
export function ignoreServerForHttpMetrics(server: object): void {
  const g = globalThis as unknown as Record<symbol, WeakSet<object> | undefined>;
  g[IGNORED_SERVERS] ??= new WeakSet();
  g[IGNORED_SERVERS].add(server);
}

/** Whether requests to `server` are left out of the HTTP metrics. */
export function isIgnoredServer(server: unknown): boolean {
  const set = (globalThis as unknown as Record<symbol, WeakSet<object> | undefined>)[IGNORED_SERVERS];
  return set !== undefined && typeof server === 'object' && server !== null && set.has(server);
}

/**
 * Whether midstream records the HTTP metric of one request: `on` always, `off` never, `auto` unless
 * instrumentation-http records it (detected on the request's context and in the wrapped chain).
 */
export function shouldRecordHttpMetric(
  mode: HttpMetricsMode,
  ctx: Context,
  kind: SpanKind.SERVER | SpanKind.CLIENT,
  wrapsOtel: boolean,
): boolean {
  if (mode === 'off') return false;
  if (mode === 'on') return !isTracingSuppressed(ctx);
  return !wrapsOtel && !otelHttpObserves(ctx, kind);
}

/** Attributes of one HTTP exchange as midstream saw it; all low-cardinality (never a path or URL). */
export interface HttpExchange {
  readonly method: string;
  readonly scheme: 'http' | 'https';
  /** Absent when the request failed before a response. */
  readonly statusCode?: number;
  /** `error.type` of a request that failed before a response (error code or class name). */
  readonly errorType?: string;
  /** `1.1`, `2`: the response's HTTP version, when known. */
  readonly protocolVersion?: string;
  /** Client side only. */
  readonly serverAddress?: string;
  readonly serverPort?: number;
  /** Server side only: the framework's route template, when known. */
  readonly route?: string;
}

function attributesOf(x: HttpExchange, serverSide: boolean): Attributes {
  const a: Attributes = { [sc.ATTR_HTTP_REQUEST_METHOD]: x.method, [sc.ATTR_URL_SCHEME]: x.scheme };
  if (x.statusCode !== undefined && x.statusCode > 0) a[sc.ATTR_HTTP_RESPONSE_STATUS_CODE] = x.statusCode;
  // HTTP semconv: error.type is the status code for 5xx (server) and 4xx/5xx (client).
  const failedStatus = x.statusCode !== undefined && x.statusCode >= (serverSide ? 500 : 400);
  if (x.errorType !== undefined) a[sc.ATTR_ERROR_TYPE] = x.errorType;
  else if (failedStatus) a[sc.ATTR_ERROR_TYPE] = String(x.statusCode);
  if (x.protocolVersion !== undefined) a[sc.ATTR_NETWORK_PROTOCOL_VERSION] = x.protocolVersion;
  if (x.serverAddress !== undefined) a[sc.ATTR_SERVER_ADDRESS] = x.serverAddress;
  if (x.serverPort !== undefined) a[sc.ATTR_SERVER_PORT] = x.serverPort;
  if (x.route !== undefined) a[sc.ATTR_HTTP_ROUTE] = x.route;
  return a;
}

/**
 * The stable HTTP request-duration histograms (`http.server.request.duration`,
 * `http.client.request.duration`), written by midstream's fetch, http-client and http-server
 * instrumentations for every request they see, so the "5xx" half of the headline comparison has
 * data with the register entry alone. One record per request, attributes built once at its end.
 */
export class HttpRequestDuration {
  private readonly server: Histogram;
  private readonly client: Histogram;

  constructor(meter: Meter) {
    const advice = { explicitBucketBoundaries: HTTP_DURATION_BUCKETS_S };
    this.server = meter.createHistogram(sc.METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: 'Duration of HTTP server requests (recorded by midstream).',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice,
    });
    this.client = meter.createHistogram(sc.METRIC_HTTP_CLIENT_REQUEST_DURATION, {
      description: 'Duration of HTTP client requests, until the response headers (recorded by midstream).',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice,
    });
  }

  /** Request arrival → response closed. Times in monotonic seconds (core/clock). */
  recordServer(startTime: number, endTime: number, exchange: HttpExchange): void {
    this.server.record(Math.max(0, endTime - startTime), attributesOf(exchange, true));
  }

  /** Request issued → response headers (or the failure). */
  recordClient(startTime: number, endTime: number, exchange: HttpExchange): void {
    this.client.record(Math.max(0, endTime - startTime), attributesOf(exchange, false));
  }
}

/** `error.type` of a failed request: the error's (or its cause's) code, else its class name. */
export function requestErrorType(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null | undefined;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.name === 'string' && e.name !== '') return e.name;
  return '_OTHER';
}

/** `server.port` as the URL implies it (the scheme's default when absent). */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
