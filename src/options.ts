import { diag } from '@opentelemetry/api';
import { checkValue, readEnv, type Env, type EnvName, type EnvValue } from './env-contract';

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

/** midstream's own options. Every field is optional; defaults are documented per field. */
export interface MidstreamOptions {
  /**
   * A gap between two chunks longer than this is a stall (span event + counter). Milliseconds,
   * 0..86400000 (clamped); 0 turns stall detection off.
   * @defaultValue 5000 (env `MIDSTREAM_STALL_THRESHOLD_MS`)
   */
  stallThresholdMs?: number;
  /**
   * Opt-in idle timeout: a live stream with no chunk for this long ends with outcome `timed_out`
   * (the app's stream itself is not touched). 0 disables it. Milliseconds, 0..86400000 (clamped).
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
   * Cap for captured content, in UTF-8 bytes: the longest prefix of the text that fits is kept, cut
   * between code points (never half a character). 0..1048576 (clamped).
   * @defaultValue 4096 (env `MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES`)
   */
  captureContentMaxBytes?: number;
  /**
   * Which instrumentations to enable; undefined means all. Unknown names are reported in one line and
   * left out; a list with no known name means all; an empty list enables none.
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

/** The defaults of the environment contract (src/env-contract.ts), as options. */
export const DEFAULT_OPTIONS: ResolvedOptions = readOptionsFromEnv({});

/** A value given in code, as the contract's parsers read it. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  return undefined;
}

/**
 * An option given in code, checked against the row of the environment contract it mirrors: a bad
 * value gets one diagnostic line and `fallback` (the environment's value, else the default); an
 * out-of-range number is clamped.
 */
export function codeOption<N extends EnvName>(label: string, row: N, value: unknown, fallback: EnvValue<N>): EnvValue<N> {
  if (value === undefined) return fallback;
  const raw = asText(value);
  const checked =
    raw === undefined || raw.trim() === ''
      ? { value: fallback, problem: 'is not a valid value', instead: 'the default' }
      : checkValue(row, raw, fallback);
  if (checked.problem !== undefined) {
    diag.warn(`midstream: option ${label}=${show(value)} ${checked.problem}; using ${checked.instead ?? show(checked.value)}`);
  }
  return checked.value;
}

function instrumentationList(value: unknown, base: ResolvedOptions): readonly InstrumentationName[] | undefined {
  // An explicitly empty list in code builds no instrumentation; a list of unknown names falls back.
  if (Array.isArray(value) && value.length === 0) return [];
  return codeOption('instrumentations', 'MIDSTREAM_INSTRUMENTATIONS', value, base.instrumentations);
}

/**
 * Validates options given in code over `base` (the environment's values, or the shared options they
 * refine; required, so no caller drops `MIDSTREAM_*` by omission): a bad value gets one diagnostic line
 * and the base value; an out-of-range number is clamped (ranges: README's table).
 */
export function resolveOptions(input: MidstreamOptions | undefined, base: ResolvedOptions): ResolvedOptions {
  const o = input ?? {};
  return Object.freeze({
    stallThresholdMs: codeOption('stallThresholdMs', 'MIDSTREAM_STALL_THRESHOLD_MS', o.stallThresholdMs, base.stallThresholdMs),
    idleTimeoutMs: codeOption('idleTimeoutMs', 'MIDSTREAM_IDLE_TIMEOUT_MS', o.idleTimeoutMs, base.idleTimeoutMs),
    captureContent: codeOption('captureContent', 'MIDSTREAM_CAPTURE_CONTENT', o.captureContent, base.captureContent),
    captureContentMaxBytes: codeOption(
      'captureContentMaxBytes',
      'MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES',
      o.captureContentMaxBytes,
      base.captureContentMaxBytes,
    ),
    instrumentations: instrumentationList(o.instrumentations, base),
    disabledInstrumentations: base.disabledInstrumentations,
    httpMetrics: codeOption('httpMetrics', 'MIDSTREAM_HTTP_METRICS', o.httpMetrics, base.httpMetrics),
  });
}

/** Reads the `MIDSTREAM_*` variables (src/env-contract.ts): a bad value gets one diagnostic line and the default. */
export function readOptionsFromEnv(env: Env = process.env): ResolvedOptions {
  return Object.freeze({
    stallThresholdMs: readEnv('MIDSTREAM_STALL_THRESHOLD_MS', env),
    idleTimeoutMs: readEnv('MIDSTREAM_IDLE_TIMEOUT_MS', env),
    captureContent: readEnv('MIDSTREAM_CAPTURE_CONTENT', env),
    captureContentMaxBytes: readEnv('MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES', env),
    instrumentations: readEnv('MIDSTREAM_INSTRUMENTATIONS', env),
    disabledInstrumentations: readEnv('MIDSTREAM_DISABLED_INSTRUMENTATIONS', env),
    httpMetrics: readEnv('MIDSTREAM_HTTP_METRICS', env),
  });
}

/** Whether instrumentation `name` is on under `options`. */
export function isInstrumentationEnabled(options: ResolvedOptions, name: InstrumentationName): boolean {
  if (options.disabledInstrumentations.includes(name)) return false;
  return options.instrumentations === undefined || options.instrumentations.includes(name);
}
