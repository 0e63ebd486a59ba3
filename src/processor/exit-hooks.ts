import { isMainThread } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { guarded, reportOnce } from '../core/guard';

/** What to run when the process is about to end: end live streams, then flush. Never rejects. */
export type ExitFlush = (reason: 'beforeExit' | NodeJS.Signals) => Promise<void>;

/**
 * Flushes once when the event loop empties (`beforeExit`). The listener is one-shot: a flush makes
 * network requests, so `beforeExit` fires again after it; the listener re-arms only when `hadActivity()`
 * says new spans ended meanwhile, so the process exits after at most one idle flush.
 * Returns a function that removes the listener.
 */
export function flushOnBeforeExit(flush: ExitFlush, hadActivity: () => boolean): () => void {
  let removed = false;
  const onBeforeExit = (): void => {
    void flush('beforeExit').then(() => {
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

/**
 * Observes SIGTERM and SIGINT without changing how the app exits (STYLE.md, "Signal handlers installed
 * by a preload"; the technique of tapjs/signal-exit `src/index.ts`):
 * - when the app has its own listener for the signal, we only run `flush` (ending live streams as
 *   `interrupted` happens synchronously inside it, before the app's listener runs); the app decides
 *   whether and how to exit;
 * - when ours is the only listener, we run `flush` (bounded by `timeoutMs`), then remove our listener
 *   and re-raise the signal, so Node's default action and exit status (killed by the signal, 128+n in
 *   a shell) stay. A second signal during the flush re-raises at once.
 * Returns a function that removes the listeners.
 */
export function observeExitSignals(flush: ExitFlush, timeoutMs: number): () => void {
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
      if (flushing) {
        if (!appListens) reRaise(signal);
        return;
      }
      flushing = true;
      // A ref'd timer: while we hold the signal, the process must not drain and exit with status 0.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          diag.warn(`midstream: flushing telemetry on ${signal} took longer than ${timeoutMs} ms; not waiting longer`);
          resolve();
        }, timeoutMs);
      });
      void Promise.race([flush(signal), bound]).then(() => {
        clearTimeout(timer);
        flushing = false;
        if (!appListens && process.listenerCount(signal) <= 1) reRaise(signal);
      });
    };
    listeners.set(signal, onSignal);
    // First in line: we see every app listener (a `once` one removes itself before it runs) and end
    // the live streams before the app starts its own shutdown.
    process.prependListener(signal, onSignal);
  }

  function remove(): void {
    for (const [signal, onSignal] of listeners) process.removeListener(signal, onSignal);
    listeners.clear();
  }
  return remove;
}

/** Wraps a flush so that it never rejects and reports a failure once. */
export function safeFlush(kind: string, fn: ExitFlush): ExitFlush {
  return async (reason) => {
    try {
      await fn(reason);
    } catch (error) {
      reportOnce(kind, error);
    }
  };
}
