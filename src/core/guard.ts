import { diag } from '@opentelemetry/api';

const reportedKinds = new Set<string>();

/**
 * Reports an internal failure through the OTel diagnostic logger, once per kind, so a broken hook
 * cannot flood the log. Kinds are static strings (a bounded set).
 */
export function reportOnce(kind: string, error: unknown): void {
  if (reportedKinds.has(kind)) return;
  reportedKinds.add(kind);
  diag.warn(`midstream: ${kind} failed; midstream stops observing this case, the app is not affected`, error);
}

/** Runs `fn`; an exception is reported once per `kind` and swallowed. Nothing we add may throw into the app. */
export function guarded<T>(kind: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    reportOnce(kind, error);
    return undefined;
  }
}
