import { diag } from '@opentelemetry/api';

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value);
}

/** Names of midstream's instrumentations, for {@link MidstreamOptions.instrumentations}. */
export type InstrumentationName = 'fetch' | 'http-client' | 'http-server' | (string & {});

/**
 * Who records the HTTP request-duration metrics for the requests midstream's transports see:
 * `auto` midstream, unless @opentelemetry/instrumentation-http (or an undici diagnostics-channel
 * subscriber, for fetch) already does; `on` always midstream; `off` never midstream.
 */
export type HttpMetricsMode = 'auto' | 'on' | 'off';
const HTTP_METRICS_MODES: readonly HttpMetricsMode[] = ['auto', 'on', 'off'];

/** midstream's own options. Every field is optional; defaults are documented per field. */
export interface MidstreamOptions {
  /**
   * A gap between two chunks longer than this is a stall (span event + counter). Milliseconds.
   * @defaultValue 5000 (env `MIDSTREAM_STALL_THRESHOLD_MS`)
   */
  stallThresholdMs?: number;
  /**
   * Opt-in idle timeout: a live stream with no chunk for this long ends with outcome `timed_out`
   * (the app's stream itself is not touched). 0 disables it. Milliseconds.
   * @defaultValue 0 (env `MIDSTREAM_IDLE_TIMEOUT_MS`)
   */
  idleTimeoutMs?: number;
  /**
   * Record completion text on LLM stream spans (`midstream.content.output`). Off by default: no prompt
   * or completion text is recorded unless you opt in.
   * @defaultValue false (env `MIDSTREAM_CAPTURE_CONTENT=true`)
   */
  captureContent?: boolean;
  /**
   * Cap for captured content, in bytes (UTF-16 code units).
   * @defaultValue 4096 (env `MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES`)
   */
  captureContentMaxBytes?: number;
  /**
   * Which instrumentations to enable; undefined means all.
   * @defaultValue all (env `MIDSTREAM_INSTRUMENTATIONS=fetch,http-client,http-server,...`;
   * `MIDSTREAM_DISABLED_INSTRUMENTATIONS` removes from the set)
   */
  instrumentations?: readonly InstrumentationName[];
  /**
   * `http.server.request.duration` / `http.client.request.duration` for every request the fetch,
   * http-client and http-server instrumentations see (see {@link HttpMetricsMode}).
   * @defaultValue 'auto' (env `MIDSTREAM_HTTP_METRICS=auto|on|off`)
   */
  httpMetrics?: HttpMetricsMode;
}

export interface ResolvedOptions {
  readonly stallThresholdMs: number;
  readonly idleTimeoutMs: number;
  readonly captureContent: boolean;
  readonly captureContentMaxBytes: number;
  /** Enabled instrumentations; undefined means all. */
  readonly instrumentations: readonly InstrumentationName[] | undefined;
  /** Instrumentations switched off even when `instrumentations` is undefined. */
  readonly disabledInstrumentations: readonly InstrumentationName[];
  readonly httpMetrics: HttpMetricsMode;
}

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  stallThresholdMs: 5000,
  idleTimeoutMs: 0,
  captureContent: false,
  captureContentMaxBytes: 4096,
  instrumentations: undefined,
  disabledInstrumentations: [],
  httpMetrics: 'auto',
});

function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return n;
  diag.warn(`midstream: ${name}=${show(value)} is not a non-negative number; using the default ${fallback}`);
  return fallback;
}

function booleanValue(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  const v = show(value).trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off' || v === '') return false;
  diag.warn(`midstream: ${name}=${show(value)} is not a boolean (true/false); using the default ${fallback}`);
  return fallback;
}

function httpMetricsMode(name: string, value: unknown, fallback: HttpMetricsMode): HttpMetricsMode {
  if (value === undefined) return fallback;
  const v = show(value).trim().toLowerCase();
  if (v === '') return fallback;
  if ((HTTP_METRICS_MODES as readonly string[]).includes(v)) return v as HttpMetricsMode;
  diag.warn(`midstream: ${name}=${show(value)} is not one of auto, on, off; using the default ${fallback}`);
  return fallback;
}

function nameList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return show(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Validates options; a bad value gets one clear diagnostic and falls back to its default.
 */
export function resolveOptions(input: MidstreamOptions | undefined, base: ResolvedOptions = DEFAULT_OPTIONS): ResolvedOptions {
  const o = input ?? {};
  return Object.freeze({
    stallThresholdMs: nonNegativeNumber('stallThresholdMs', o.stallThresholdMs, base.stallThresholdMs),
    idleTimeoutMs: nonNegativeNumber('idleTimeoutMs', o.idleTimeoutMs, base.idleTimeoutMs),
    captureContent: booleanValue('captureContent', o.captureContent, base.captureContent),
    captureContentMaxBytes: nonNegativeNumber('captureContentMaxBytes', o.captureContentMaxBytes, base.captureContentMaxBytes),
    instrumentations: o.instrumentations !== undefined ? nameList(o.instrumentations) : base.instrumentations,
    disabledInstrumentations: base.disabledInstrumentations,
    httpMetrics: httpMetricsMode('httpMetrics', o.httpMetrics, base.httpMetrics),
  });
}

/** Reads `MIDSTREAM_*` variables. Malformed values get one diagnostic each and the default. */
export function readOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  return Object.freeze({
    stallThresholdMs: nonNegativeNumber(
      'MIDSTREAM_STALL_THRESHOLD_MS',
      env.MIDSTREAM_STALL_THRESHOLD_MS,
      DEFAULT_OPTIONS.stallThresholdMs,
    ),
    idleTimeoutMs: nonNegativeNumber('MIDSTREAM_IDLE_TIMEOUT_MS', env.MIDSTREAM_IDLE_TIMEOUT_MS, DEFAULT_OPTIONS.idleTimeoutMs),
    captureContent: booleanValue('MIDSTREAM_CAPTURE_CONTENT', env.MIDSTREAM_CAPTURE_CONTENT, DEFAULT_OPTIONS.captureContent),
    captureContentMaxBytes: nonNegativeNumber(
      'MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES',
      env.MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES,
      DEFAULT_OPTIONS.captureContentMaxBytes,
    ),
    instrumentations: nameList(env.MIDSTREAM_INSTRUMENTATIONS),
    disabledInstrumentations: nameList(env.MIDSTREAM_DISABLED_INSTRUMENTATIONS) ?? [],
    httpMetrics: httpMetricsMode('MIDSTREAM_HTTP_METRICS', env.MIDSTREAM_HTTP_METRICS, DEFAULT_OPTIONS.httpMetrics),
  });
}

/** Whether instrumentation `name` is on under `options`. */
export function isInstrumentationEnabled(options: ResolvedOptions, name: InstrumentationName): boolean {
  if (options.disabledInstrumentations.includes(name)) return false;
  return options.instrumentations === undefined || options.instrumentations.includes(name);
}
