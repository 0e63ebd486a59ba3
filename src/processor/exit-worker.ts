import { isMainThread, workerData } from 'node:worker_threads';

/** Marks the `workerData` of the worker thread midstream starts at exit to send spans. */
export const EXIT_WORKER_MARK = 'midstream.exitWorker';

/**
 * Whether this thread is midstream's own exit worker. A preload given in `NODE_OPTIONS`
 * (`--require midstream-otel/register`) runs in every worker thread, even with `execArgv: []`; in that
 * worker it must not start midstream (loading the SDK would eat the exit bound, and there is nothing
 * to observe).
 */
export function isMidstreamExitWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null | undefined)?.[EXIT_WORKER_MARK] === true;
}
