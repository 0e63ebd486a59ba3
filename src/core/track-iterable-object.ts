import { guarded } from './guard';
import { processState } from './process-state';
import type { StreamTracker } from './stream-tracker';
import { wrapAsyncIterator, type ItemReader, type TrackIteratorOptions } from './track-async-iterable';

export interface TrackIterableObjectOptions extends TrackIteratorOptions {
  /**
   * The SDK's abort signal for this stream: an abort while the app is not reading still ends the
   * stream (as `aborted`), and `isAborted` defaults to `signal.aborted`.
   */
  readonly signal?: AbortSignal;
}

/**
 * Tracks an SDK's own async-iterable object (ollama's `AbortableAsyncIterator`, cohere's `Stream`)
 * in place: the object gets its own non-enumerable `[Symbol.asyncIterator]` that wraps the class's
 * iterator with {@link wrapAsyncIterator}. The app keeps the SDK's object, class, methods and keys.
 * Only the first iteration is the stream (a second one finds the body consumed, as without us).
 * Returns false (nothing changed) when `target` is not async-iterable.
 */
export function trackIterableObject<T>(
  target: object,
  tracker: StreamTracker,
  readItem: ItemReader<T>,
  options: TrackIterableObjectOptions = {},
): boolean {
  const iterate = (target as Partial<AsyncIterable<T>>)[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return false;
  const signal = options.signal;
  const iteratorOptions: TrackIteratorOptions = {
    isAborted: options.isAborted ?? (signal !== undefined ? () => signal.aborted : undefined),
    onError: options.onError,
  };
  if (signal !== undefined) tracker.endOnAbort(signal);
  let observed = false;
  Object.defineProperty(target, Symbol.asyncIterator, {
    configurable: true,
    enumerable: false,
    writable: true,
    value: function asyncIterator(this: unknown): AsyncIterator<T> {
      const source: AsyncIterator<T> = iterate.call(this);
      if (observed) return source;
      observed = true;
      const wrapped = guarded(`${tracker.source}.iterator`, () => {
        const it = wrapAsyncIterator(source, tracker, readItem, iteratorOptions);
        (it as AsyncIterableIterator<T>)[Symbol.asyncIterator] = function (this: AsyncIterableIterator<T>) {
          return this;
        };
        return it;
      });
      return wrapped ?? source;
    },
  });
  // The tracker never references `target`, so a dropped, unread stream can be collected.
  processState().live.watchForAbandonment(target, tracker);
  return true;
}
