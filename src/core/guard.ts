import { diag } from '@opentelemetry/api';

const reportedKinds = new Set<string>();

/**
 * Reports an internal failure through the OTel diagnostic logger, once per kind, so a broken hook
 * cannot flood the log. Kinds are static strings (a bounded set).
 */
export function reportOnce(kind: string, error: unknown): void {
  if (reportedKinds.has(kind)) return;
  reportedKinds.add(kind);
  diag.warn(`midstream: ${kind} failed (${oneLine(error)}); midstream stops observing this case, the app is not affected`);
  diag.debug(`midstream: ${kind} failure`, error);
}

/** One line for an error: its class name, code and message, never a stack (diagnostics stay one line). */
export function oneLine(error: unknown): string {
  if (Array.isArray(error)) return error.map(oneLine).join('; ');
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const label = typeof code === 'string' || typeof code === 'number' ? `${error.name} ${String(code)}` : error.name;
    return `${label}: ${error.message}`.replace(/\s+/g, ' ').trim();
  }
  return String(error).replace(/\s+/g, ' ').trim();
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
