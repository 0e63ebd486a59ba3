import { diag } from '@opentelemetry/api';
import { INSTRUMENTATION_NAMES } from './instrumentation-names';

/**
 * The configuration contract: every environment variable midstream reads, with its parser, default
 * and range, in one table ({@link ENV_CONTRACT}; README's configuration table documents the same rows).
 *
 * - Unset or empty (blank) means the default, silently (OpenTelemetry: an empty value is unset).
 * - A value that is not accepted as given gets exactly one diagnostic line (WARN, through OTel diag)
 *   naming the variable, the value and what is used instead: the default, a clamped number, or the
 *   valid part of a list. One line per variable and value per environment, however often it is read.
 * - Adding a variable is one row here (and one in README).
 */

/** An environment: `process.env`, or a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A parse result: the value to use, with `problem` when it is not the raw value as given (a clamped
 * number, the valid part of a list); or only a problem (a string), meaning "use the fallback".
 */
export type Parsed<T> = { readonly value: T; readonly problem?: string } | string;

/** One row of the contract. */
export interface EnvVar<T> {
  /** The value when the variable is unset, empty, or not usable. */
  fallback(env: Env): T;
  /** Reads a trimmed, non-empty raw value (or a value given in code, as a string). */
  parse(raw: string, env: Env): Parsed<T>;
  /** The value as the diagnostic line and README write it. */
  show(value: T): string;
}

function integer(fallback: number, min: number, max: number): EnvVar<number> {
  return {
    fallback: () => fallback,
    parse(raw) {
      const n = Number(raw);
      if (!Number.isInteger(n)) return `is not an integer (${min}..${max})`;
      if (n < min) return { value: min, problem: `is below the minimum ${min}` };
      if (n > max) return { value: max, problem: `is above the maximum ${max}` };
      return { value: n };
    },
    show: String,
  };
}

/** A TCP port: out of range is not clamped (a port near the one asked for is no better than the default). */
function port(fallback: number): EnvVar<number> {
  return {
    fallback: () => fallback,
    parse(raw) {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1 && n <= 65535 ? { value: n } : 'is not a port (1..65535)';
    },
    show: String,
  };
}

/** OpenTelemetry booleans: `true` or `false`, any case. */
function boolean(fallback: boolean): EnvVar<boolean> {
  return {
    fallback: () => fallback,
    parse(raw) {
      const v = raw.toLowerCase();
      if (v === 'true') return { value: true };
      if (v === 'false') return { value: false };
      return 'is not true or false';
    },
    show: String,
  };
}

/** One of a few words, any case. */
function choice<C extends string>(fallback: (env: Env) => C, choices: readonly C[], problem?: string): EnvVar<C> {
  return {
    fallback,
    parse(raw) {
      const v = raw.toLowerCase() as C;
      return choices.includes(v) ? { value: v } : (problem ?? `is not one of ${choices.join(', ')}`);
    },
    show: String,
  };
}

/**
 * A comma list of known names, any case, duplicates dropped. Unknown names are left out with one line
 * naming them and the valid names; a list with no known name means the default.
 */
function nameList<D extends readonly string[] | undefined>(
  noun: string,
  known: readonly string[],
  fallback: D,
  describe: (names: readonly string[] | D) => string,
  none = false,
): EnvVar<readonly string[] | D> {
  return {
    fallback: () => fallback,
    parse(raw) {
      const given = raw
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '');
      if (none && given.includes('none')) return { value: [] };
      const valid = [...new Set(given.filter((n) => known.includes(n)))];
      const unknown = given.filter((n) => !known.includes(n));
      const validNames = `(valid: ${known.join(', ')}${none ? ', none' : ''})`;
      if (given.length === 0) return `names nothing ${validNames}`;
      if (unknown.length > 0) {
        const problem = `has ${unknown.length === 1 ? `an unknown ${noun}` : `unknown ${noun}s`} ${unknown.join(', ')} ${validNames}`;
        return valid.length > 0 ? { value: valid, problem } : problem;
      }
      return { value: valid };
    },
    show: describe,
  };
}

function exporterList(known: readonly string[]): EnvVar<readonly string[]> {
  return nameList('exporter', known, ['otlp'], (names) => (names.length === 0 ? 'none' : names.join(',')), true);
}

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** An http(s) URL; anything else (a bare `host:port`, `grpc://...`) is what the OTLP/HTTP exporter cannot send to. */
function httpUrl(fallback: (env: Env) => string): EnvVar<string> {
  return {
    fallback,
    parse(raw) {
      try {
        const url = new URL(raw);
        if (url.protocol === 'http:' || url.protocol === 'https:') return { value: raw };
      } catch {
        // not a URL at all
      }
      return 'is not an http(s) URL (http://host:port)';
    },
    show: String,
  };
}

/** The URL a signal is sent to when only `OTEL_EXPORTER_OTLP_ENDPOINT` is set (OTLP spec: base + `v1/<signal>`). */
function signalUrl(env: Env, path: string): string {
  const base = readEnv('OTEL_EXPORTER_OTLP_ENDPOINT', env);
  return `${base.endsWith('/') ? base : `${base}/`}${path}`;
}

function text(): EnvVar<string | undefined> {
  return { fallback: () => undefined, parse: (raw) => ({ value: raw }), show: (v) => v ?? '(unset)' };
}

const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
const OTLP_PROTOCOLS = ['http/json', 'http/protobuf'] as const;
type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
const generalProtocol = (env: Env): OtlpProtocol => readEnv('OTEL_EXPORTER_OTLP_PROTOCOL', env);
const PROTOCOL_PROBLEM = 'is not available in midstream-otel/register (http/json, http/protobuf; sent as JSON)';
const ONE_DAY_MS = 86_400_000;

/** Every variable midstream reads: its parser, default and range. README's table lists the same rows. */
export const ENV_CONTRACT = {
  OTEL_SDK_DISABLED: boolean(false),
  OTEL_LOG_LEVEL: choice(() => 'warn', LOG_LEVELS),
  OTEL_TRACES_EXPORTER: exporterList(['otlp', 'console']),
  OTEL_METRICS_EXPORTER: exporterList(['otlp', 'prometheus', 'console']),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(() => DEFAULT_OTLP_ENDPOINT),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl((env) => signalUrl(env, 'v1/traces')),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: httpUrl((env) => signalUrl(env, 'v1/metrics')),
  OTEL_EXPORTER_OTLP_PROTOCOL: choice((): OtlpProtocol => 'http/json', OTLP_PROTOCOLS, PROTOCOL_PROBLEM),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: choice(generalProtocol, OTLP_PROTOCOLS, PROTOCOL_PROBLEM),
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: choice(generalProtocol, OTLP_PROTOCOLS, PROTOCOL_PROBLEM),
  OTEL_EXPORTER_PROMETHEUS_HOST: text(),
  OTEL_EXPORTER_PROMETHEUS_PORT: port(9464),
  OTEL_METRIC_EXPORT_INTERVAL: integer(60_000, 100, ONE_DAY_MS),
  OTEL_METRIC_EXPORT_TIMEOUT: integer(30_000, 100, ONE_DAY_MS),
  MIDSTREAM_STALL_THRESHOLD_MS: integer(5000, 0, ONE_DAY_MS),
  MIDSTREAM_IDLE_TIMEOUT_MS: integer(0, 0, ONE_DAY_MS),
  MIDSTREAM_CAPTURE_CONTENT: boolean(false),
  MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES: integer(4096, 0, 1_048_576),
  MIDSTREAM_INSTRUMENTATIONS: nameList('instrumentation', INSTRUMENTATION_NAMES, undefined, (names) =>
    names === undefined ? '(all)' : names.join(','),
  ),
  MIDSTREAM_DISABLED_INSTRUMENTATIONS: nameList('instrumentation', INSTRUMENTATION_NAMES, [], (names) =>
    names.length === 0 ? '(none)' : names.join(','),
  ),
  MIDSTREAM_HTTP_METRICS: choice((): 'auto' | 'on' | 'off' => 'auto', ['auto', 'on', 'off'] as const),
  MIDSTREAM_EXIT_TIMEOUT_MS: integer(1000, 0, 60_000),
  MIDSTREAM_JOURNAL: boolean(true),
  MIDSTREAM_JOURNAL_DIR: text(),
  MIDSTREAM_JOURNAL_INTERVAL_MS: integer(1000, 100, 60_000),
};

export type EnvName = keyof typeof ENV_CONTRACT;
/** The type a variable reads as. */
export type EnvValue<N extends EnvName> = ReturnType<(typeof ENV_CONTRACT)[N]['fallback']>;

function specOf<N extends EnvName>(name: N): EnvVar<EnvValue<N>> {
  return ENV_CONTRACT[name] as unknown as EnvVar<EnvValue<N>>;
}

/**
 * Checks a value against a row of the contract: the value to use, and, when that is not the value as
 * given, why and what is used instead (`problem`, `instead`). `fallback` replaces the row's default
 * (options given in code fall back to the environment's value).
 */
export function checkValue<N extends EnvName>(
  name: N,
  raw: string,
  fallback: EnvValue<N>,
  env: Env = process.env,
): { value: EnvValue<N>; problem?: string; instead?: string } {
  const spec = specOf(name);
  const parsed = spec.parse(raw.trim(), env);
  const result = typeof parsed === 'string' ? { value: fallback, problem: parsed } : parsed;
  if (result.problem === undefined) return { value: result.value };
  const shown = spec.show(result.value);
  const isDefault = typeof parsed === 'string' || shown === spec.show(fallback);
  return { value: result.value, problem: result.problem, instead: `${isDefault ? 'the default ' : ''}${shown}` };
}

/** Reads one variable without reporting: its value, and why the raw value was not used as given. */
export function checkEnv<N extends EnvName>(
  name: N,
  env: Env = process.env,
): { value: EnvValue<N>; problem?: string; instead?: string; raw?: string } {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return { value: specOf(name).fallback(env) };
  return { ...checkValue(name, raw, specOf(name).fallback(env), env), raw };
}

const reported = new WeakMap<object, Set<string>>();

/**
 * Reads one variable of the contract. A value not accepted as given is reported once (per
 * environment, variable and value): `midstream: NAME=value <problem>; using <what>`.
 */
export function readEnv<N extends EnvName>(name: N, env: Env = process.env): EnvValue<N> {
  const { value, problem, instead, raw } = checkEnv(name, env);
  if (problem !== undefined) {
    let seen = reported.get(env);
    if (seen === undefined) reported.set(env, (seen = new Set()));
    const key = `${name}=${raw}`;
    if (!seen.has(key)) {
      seen.add(key);
      diag.warn(`midstream: ${key} ${problem}; using ${instead}`);
    }
  }
  return value;
}
