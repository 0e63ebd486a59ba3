import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';
import { diag } from '@opentelemetry/api';
import { oneLine } from '../core/guard';
import { readEnv, type Env } from '../env-contract';
import { codeOption } from '../options';

/** Default upper bound midstream adds to the app's exit, milliseconds. */
export const DEFAULT_EXIT_TIMEOUT_MS = 1000;

/** Reads `MIDSTREAM_EXIT_TIMEOUT_MS` through the configuration contract (one line for a bad value, then the default). */
export function exitTimeoutFromEnv(env: Env): number {
  return readEnv('MIDSTREAM_EXIT_TIMEOUT_MS', env);
}

/**
 * An exit bound given in code (`exitTimeoutMs`), checked against the same row of the configuration
 * contract: a bad value gets one line and the environment's value (else the default); out of range is clamped.
 */
export function checkedExitTimeout(label: string, value: unknown): number {
  return codeOption(label, 'MIDSTREAM_EXIT_TIMEOUT_MS', value, readEnv('MIDSTREAM_EXIT_TIMEOUT_MS'));
}

// Work started inside runDetached() carries this store through every async hop (promises, timers).
const detached = new AsyncLocalStorage<true>();
let hook: AsyncHook | undefined;
let detachedRuns = 0;

function unref(resource: object): void {
  try {
    (resource as { unref?: () => void }).unref?.();
  } catch {
    // A resource we do not understand stays as it is.
  }
}

/**
 * async_hooks `init`: runs synchronously in the context that creates a resource, so the store tells
 * whether runDetached() work created it. Timers are unref'd at once. A TCP handle is unref'd in a
 * microtask: `net.Socket#connect` refs the handle it has just created (measured, Node 20), after this
 * hook. An HTTP client request's socket is unref'd when the request gets it: the http Agent refs a
 * kept-alive socket again on reuse (`Agent#reuseSocket`), before the request's 'socket' event.
 */
function onInit(_id: number, type: string, _trigger: number, resource: object): void {
  if (detached.getStore() !== true) return;
  try {
    if (type === 'Timeout') unref(resource);
    else if (type === 'TCPWRAP') queueMicrotask(() => unref(resource));
    else if (type === 'HTTPCLIENTREQUEST') {
      const req = (resource as { req?: { once?: (e: string, f: (s: { unref(): void }) => void) => void } }).req;
      req?.once?.('socket', (socket) => socket.unref());
    }
  } catch {
    // A resource we do not understand stays as it is.
  }
}

/**
 * Runs `fn` so that nothing it starts, directly or through any library it calls (an exporter's retry
 * timer, its socket, a TracerProvider's 30 s forceFlush timer), keeps the process alive. Whoever
 * waits for the result decides how long the process stays up for it (see {@link waitAtMost}). The
 * hook is enabled only while detached work is in flight, so `fn`'s promise must settle only when all
 * its work has (Promise.allSettled, not Promise.all): what runs on after it is no longer detached.
 */
export function runDetached(fn: () => unknown): Promise<unknown> {
  hook ??= createHook({ init: onInit });
  if (detachedRuns++ === 0) hook.enable();
  let work: Promise<unknown>;
  try {
    work = Promise.resolve(detached.run(true, fn));
  } catch (error) {
    work = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const done = (): void => {
    if (--detachedRuns === 0) hook?.disable();
  };
  work.then(done, done);
  return work;
}

/** How a bounded wait ended. */
export type BoundedResult = { settled: true; error?: unknown; failed: boolean } | { settled: false };

/**
 * Waits for `work` at most `timeoutMs`. Holds the process open meanwhile with one timer of its own
 * (at `beforeExit` nothing else may be left to do so), cleared as soon as the work settles.
 */
export function waitAtMost(work: Promise<unknown>, timeoutMs: number): Promise<BoundedResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ settled: false }), timeoutMs);
    work.then(
      () => {
        clearTimeout(timer);
        resolve({ settled: true, failed: false });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ settled: true, failed: true, error });
      },
    );
  });
}

/** Runs `fn`; a failure (thrown or rejected) is reported as one diagnostic line. Never rejects. */
export async function reportFailure(what: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    diag.warn(`midstream: ${what} failed: ${oneLine(error)}`);
    diag.debug(`midstream: ${what} failure`, error);
  }
}

/**
 * The exit flush: runs `fn` detached and waits for it at most `timeoutMs`. A failure or the bound
 * being hit is reported as one diagnostic line; never rejects.
 */
export async function flushWithinBound(what: string, fn: () => unknown, timeoutMs: number): Promise<void> {
  const result = await waitAtMost(runDetached(fn), timeoutMs);
  if (!result.settled) {
    diag.warn(`midstream: ${what} did not finish within ${timeoutMs} ms (MIDSTREAM_EXIT_TIMEOUT_MS); not waiting longer`);
  } else if (result.failed) {
    diag.warn(`midstream: ${what} failed: ${oneLine(result.error)}`);
    diag.debug('midstream: exit flush failure', result.error);
  }
}
