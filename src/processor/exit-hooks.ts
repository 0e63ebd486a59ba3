import { isMainThread } from 'node:worker_threads';
import { guarded } from '../core/guard';
import * as sc from '../semconv';
import { flushWithinBound } from './exit-bound';

/** What the exit hooks do, supplied by the pipeline that installs them. */
export interface ExitActions {
  /** Ends every live stream as `interrupted` with `midstream.reason` = `reason`. Synchronous. */
  endLive(reason: string): void;
  /** Exports what has ended so far. Unbounded: the hooks bound it. */
  flush(): Promise<unknown>;
  /** Upper bound of an exit flush, milliseconds. */
  readonly timeoutMs: number;
  /** What the flush does, for the one diagnostic line when it fails or hits the bound. */
  readonly description: string;
}

/**
 * Flushes once when the event loop empties (`beforeExit`), within `actions.timeoutMs`: the flush runs
 * detached (nothing it starts keeps the process alive) and one timer of ours holds the process for at
 * most the bound. Live streams at that point can never progress (nothing is left to deliver their data):
 * they end `interrupted`, reason `event_loop_empty`.
 * `beforeExit` fires again once the flush settles or the bound passes (the loop is empty again); the
 * listener re-arms only when `hadActivity()` says new spans ended meanwhile, so the process exits after
 * at most one idle flush. Returns a function that removes the listener.
 */
export function flushOnBeforeExit(actions: ExitActions, hadActivity: () => boolean): () => void {
  let removed = false;
  const onBeforeExit = (): void => {
    guarded('exit-hooks.beforeExit', () => actions.endLive(sc.REASON_EVENT_LOOP_EMPTY));
    void flushWithinBound(actions.description, () => actions.flush(), actions.timeoutMs).then(() => {
      if (!removed && hadActivity()) process.once('beforeExit', onBeforeExit);
    });
  };
  process.once('beforeExit', onBeforeExit);
  return () => {
    removed = true;
    process.removeListener('beforeExit', onBeforeExit);
  };
}

const EXIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const SIGNAL_REASONS: Record<(typeof EXIT_SIGNALS)[number], string> = {
  SIGTERM: sc.REASON_SIGTERM,
  SIGINT: sc.REASON_SIGINT,
};

/**
 * Observes SIGTERM and SIGINT without changing how the app exits (STYLE.md, "Signal handlers installed
 * by a preload"; the technique of tapjs/signal-exit `src/index.ts`):
 * - when the app has its own listener for the signal, the app decides whether the process ends, and we
 *   do nothing: live streams go on (an app that carries on keeps them, with their true outcome). If the
 *   app then calls `process.exit()`, the 'exit' hook ({@link observeProcessEnd}) exports the live
 *   streams; if it lets the event loop drain, the bounded `beforeExit` flush does;
 * - when ours is the only listener, the process is about to end: live streams end `interrupted`
 *   (reason `sigterm` / `sigint`), we flush within the bound, then remove our listener and re-raise the
 *   signal, so Node's default action and exit status (killed by the signal, 128+n in a shell) stay.
 *   A second signal during the flush re-raises at once.
 * Returns a function that removes the listeners.
 */
export function observeExitSignals(actions: ExitActions): () => void {
  // Signals are delivered to the main thread only; a worker has nothing to observe.
  if (!isMainThread) return () => undefined;
  const listeners = new Map<NodeJS.Signals, () => void>();
  let flushing = false;

  const reRaise = (signal: NodeJS.Signals): void => {
    remove();
    guarded('exit-hooks.reRaise', () => process.kill(process.pid, signal));
  };

  for (const signal of EXIT_SIGNALS) {
    const onSignal = (): void => {
      const appListens = process.listenerCount(signal) > 1;
      if (appListens) return;
      if (flushing) {
        reRaise(signal);
        return;
      }
      flushing = true;
      guarded('exit-hooks.signal', () => actions.endLive(SIGNAL_REASONS[signal]));
      // flushWithinBound holds the process with a ref'd timer: while we hold the signal, the process
      // must not drain and exit with status 0.
      void flushWithinBound(actions.description, () => actions.flush(), actions.timeoutMs).then(() => {
        flushing = false;
        if (process.listenerCount(signal) <= 1) reRaise(signal);
      });
    };
    listeners.set(signal, onSignal);
    // First in line: we see every app listener (a `once` one removes itself before it runs).
    process.prependListener(signal, onSignal);
  }

  function remove(): void {
    for (const [signal, onSignal] of listeners) process.removeListener(signal, onSignal);
    listeners.clear();
  }
  return remove;
}

/**
 * Calls `onEnd(reason)` synchronously in the process's 'exit' event: `process.exit()` (also inside the
 * app's own signal handler), a fatal uncaught exception or unhandled rejection. 'exit' listeners
 * cannot wait for asynchronous work, so `onEnd` must be synchronous and bounded.
 * The cause is observed with 'uncaughtExceptionMonitor', which never changes what Node does; an
 * exception is fatal only when no 'uncaughtException' listener or capture callback handles it.
 * Returns a function that removes the listeners.
 */
export function observeProcessEnd(onEnd: (reason: string) => void): () => void {
  if (!isMainThread) return () => undefined;
  let fatal: string | undefined;
  const onMonitor = (_error: unknown, origin: string): void => {
    if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
    fatal = origin === 'unhandledRejection' ? sc.REASON_UNHANDLED_REJECTION : sc.REASON_UNCAUGHT_EXCEPTION;
  };
  const onExit = (): void => {
    guarded('exit-hooks.exit', () => onEnd(fatal ?? sc.REASON_PROCESS_EXIT));
  };
  process.on('uncaughtExceptionMonitor', onMonitor);
  process.on('exit', onExit);
  return () => {
    process.removeListener('uncaughtExceptionMonitor', onMonitor);
    process.removeListener('exit', onExit);
  };
}
