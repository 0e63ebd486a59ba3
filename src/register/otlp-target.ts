import { diag } from '@opentelemetry/api';
import { ExportResultCode, parseKeyPairsIntoRecord, type ExportResult } from '@opentelemetry/core';
import { oneLine } from '../core/guard';
import { readEnv, type Env } from '../env-contract';

/** Where an OTLP/HTTP exporter of `midstream-otel/register` sends one signal. */
export interface OtlpTarget {
  readonly url: string;
  /** Static headers from `OTEL_EXPORTER_OTLP_HEADERS` and the per-signal variable (the latter wins). */
  readonly headers: Record<string, string>;
}

/**
 * The URL and headers the OTLP/HTTP exporter sends one signal to: the endpoint as the configuration
 * contract reads it (the per-signal variable, else the base endpoint plus `v1/<signal>`, else
 * `http://localhost:4318/v1/<signal>`; a rejected value has had its one line and falls back), and the
 * headers the exporter resolves the same way (@opentelemetry/otlp-exporter-base
 * `otlp-node-http-env-configuration`).
 */
export function otlpTargetFromEnv(env: Env, signal: 'traces' | 'metrics'): OtlpTarget {
  const url =
    signal === 'traces'
      ? readEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env)
      : readEnv('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', env);
  const headers = {
    ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyPairsIntoRecord(env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`]),
  };
  return { url, headers };
}

const reportedCauses = new Set<string>();

function causeOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === 'number') return `HTTP ${e.code}`;
  if (typeof e?.code === 'string') return e.code;
  return oneLine(error);
}

interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
}

/**
 * Makes an OTLP exporter's failures one diagnostic line per cause and endpoint per outage, whatever the
 * signal (traces and metrics failing for the same reason share the line):
 * `midstream: OTLP export to http://127.0.0.1:4318 failed (ECONNREFUSED)`. Without this, the SDK logs
 * every failed batch through its global error handler as a JSON stack dump (the BatchSpanProcessor's
 * and PeriodicExportingMetricReader's only use of a failed result), and a flush at exit rejects with
 * the raw error. The exporter's own retries are untouched; the processor is told the batch is done.
 * Patches `export` on the given instance (one midstream creates), so the metric exporter keeps its
 * temporality and aggregation selectors.
 */
export function reportExportFailures<T, E extends Exporter<T>>(exporter: E, target: OtlpTarget): E {
  const original = exporter.export.bind(exporter);
  let origin = target.url;
  try {
    origin = new URL(target.url).origin;
  } catch {
    // keep the URL as is
  }
  let failing = false;
  exporter.export = (items: T, resultCallback: (result: ExportResult) => void): void => {
    original(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        // Delivered again: the next outage of this endpoint gets its line.
        if (failing) for (const key of reportedCauses) if (key.startsWith(`${origin} `)) reportedCauses.delete(key);
        failing = false;
        resultCallback(result);
        return;
      }
      failing = true;
      const cause = causeOf(result.error);
      const key = `${origin} ${cause}`;
      if (!reportedCauses.has(key)) {
        reportedCauses.add(key);
        diag.warn(
          `midstream: OTLP export to ${origin} failed (${cause}); telemetry is dropped until it recovers (reported once per outage)`,
        );
        diag.debug('midstream: OTLP export failure', result.error);
      }
      resultCallback({ code: ExportResultCode.SUCCESS });
    });
  };
  return exporter;
}
