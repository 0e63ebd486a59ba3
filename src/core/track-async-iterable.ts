import type { ErrorReader, ItemReader } from '../providers/types';
import { guarded, reportOnce } from './guard';
import { applyError, applyItem } from './item-reader';
import type { StreamTracker } from './stream-tracker';

export interface TrackIteratorOptions {
  /** True when the caller aborted (e.g. the SDK's `controller.signal.aborted`): an end or failure then counts as `aborted`. */
  readonly isAborted?: () => boolean;
  /**
   * True when the consumer closed the stream through an SDK helper that turns the close into an
   * internal abort (Anthropic's `MessageStream`): any end then counts as `cancelled`.
   */
  readonly isCancelled?: () => boolean;
  /**
   * Reads an error the source threw, before the stream ends: what it says (a provider error type, a
   * clean close the SDK reports as an error). Must not throw; guarded anyway.
   */
  readonly onError?: ErrorReader;
  /**
   * Every item also means the response headers are in (`@google/genai` with automatic function
   * calling: the first chunk, not the call, follows the headers). Idempotent on the tracker.
   */
  readonly itemMarksHeaders?: boolean;
  /**
   * Picks items that are not received chunks but say the terminal seen so far was not the stream's
   * last word (`@google/genai`'s function-response turn between automatic-function-calling turns):
   * the terminal and finish reasons are re-armed. Must not throw.
   */
  readonly rearmsTerminal?: (item: unknown) => boolean;
}

/**
 * Wraps an async iterator so every exit path reaches the tracker's one finalizer: done → eof,
 * throw → error (or abort), `return()` (a consumer `break`) → cancel. Items, errors and timing pass
 * through unchanged; a failing reader disables observation of this stream only.
 */
export function wrapAsyncIterator<T, TReturn = unknown, TNext = unknown>(
  source: AsyncIterator<T, TReturn, TNext>,
  tracker: StreamTracker,
  readItem: ItemReader<T>,
  options: TrackIteratorOptions = {},
): AsyncIterator<T, TReturn, TNext> {
  const isAborted = options.isAborted;
  const isCancelled = options.isCancelled;
  const readError = options.onError;
  const marksHeaders = options.itemMarksHeaders === true;
  const rearms = options.rearmsTerminal;
  let reading = true;
  const aborted = (): boolean => (isAborted !== undefined ? guarded('iterator.isAborted', isAborted) === true : false);
  const cancelled = (): boolean => isCancelled !== undefined && guarded('iterator.isCancelled', isCancelled) === true;
  const onResult = (result: IteratorResult<T, TReturn>): IteratorResult<T, TReturn> => {
    if (result.done === true) {
      tracker.end(cancelled() ? 'cancel' : aborted() ? 'abort' : 'eof');
    } else if (reading && tracker.isLive) {
      try {
        if (rearms !== undefined && rearms(result.value)) {
          tracker.rearmTerminal();
        } else {
          if (marksHeaders) tracker.markHeaders();
          applyItem(tracker, readItem, result.value);
        }
      } catch (error) {
        reading = false;
        reportOnce(`reader.${tracker.source}`, error);
      }
    }
    return result;
  };
  const onError = (error: unknown): never => {
    if (readError !== undefined) guarded(`reader.${tracker.source}.error`, () => applyError(tracker, readError, error));
    tracker.end(cancelled() ? 'cancel' : aborted() ? 'abort' : 'error', error);
    throw error;
  };
  const wrapped: AsyncIterator<T, TReturn, TNext> = {
    next(...args: [] | [TNext]) {
      return source.next(...args).then(onResult, onError);
    },
  };
  if (typeof source.return === 'function') {
    const sourceReturn = source.return.bind(source);
    wrapped.return = (value?: TReturn | PromiseLike<TReturn>) => {
      tracker.end(!cancelled() && aborted() ? 'abort' : 'cancel');
      return sourceReturn(value);
    };
  } else {
    // A consumer `break` on an iterator without return() still ends the stream for us.
    wrapped.return = (value?: TReturn | PromiseLike<TReturn>) => {
      tracker.end(aborted() ? 'abort' : 'cancel');
      return Promise.resolve(value).then((v) => ({ done: true as const, value: v as TReturn }));
    };
  }
  if (typeof source.throw === 'function') {
    const sourceThrow = source.throw.bind(source);
    wrapped.throw = (error?: unknown) => {
      tracker.end('error', error);
      return sourceThrow(error);
    };
  }
  return wrapped;
}

/** Wraps an async iterable: each `[Symbol.asyncIterator]()` call is tracked by `tracker`. */
export function trackAsyncIterable<T>(
  source: AsyncIterable<T>,
  tracker: StreamTracker,
  readItem: ItemReader<T>,
  options?: TrackIteratorOptions,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => wrapAsyncIterator(source[Symbol.asyncIterator](), tracker, readItem, options),
  };
}
