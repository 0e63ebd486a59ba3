import { guarded } from './guard';
import { processState } from './process-state';
import type { StreamTracker } from './stream-tracker';
import type { ItemReader } from '../providers/types';
import { wrapAsyncIterator, type TrackIteratorOptions } from './track-async-iterable';

export interface TrackIterableObjectOptions extends TrackIteratorOptions {
  /**
   * The method of `target` that makes its iterator: `Symbol.asyncIterator` (default), or an own
   * field such as a Stainless `Stream`'s `iterator`, which every consumer of the object goes through.
   */
  readonly key?: string | symbol;
  /**
   * The SDK's abort signal for this stream: an abort while the app is not reading still ends the
   * stream (as `aborted`), and `isAborted` defaults to `signal.aborted`.
   */
  readonly signal?: AbortSignal;
  /** Called when the consumer closes the iterator (`return()`, a `break`), before the stream ends. */
  readonly onReturn?: () => void;
}

/**
 * Tracks an SDK's own stream object (a Stainless `Stream`, ollama's `AbortableAsyncIterator`,
 * cohere's `Stream`, a Bedrock event stream) in place: the object gets its own non-enumerable
 * (or, if it was, enumerable) `key` method that wraps the class's iterator with
 * {@link wrapAsyncIterator}. The app keeps the SDK's object, class, methods and keys. Only the first
 * iteration is the stream (a second one finds the body consumed, as without us). The object is
 * watched for abandonment until its iterator exists, then the iterator is (the consumer may hold
 * only the iterator, e.g. after `tee()`). Returns false (nothing changed) when `target` has no such method.
 */
export function trackIterableObject<T>(
  target: object,
  tracker: StreamTracker,
  readItem: ItemReader<T>,
  options: TrackIterableObjectOptions = {},
): boolean {
  const key = options.key ?? Symbol.asyncIterator;
  const iterate = (target as Record<string | symbol, unknown>)[key];
  if (typeof iterate !== 'function') return false;
  const { signal, onReturn } = options;
  const iteratorOptions: TrackIteratorOptions = {
    isAborted: options.isAborted ?? (signal !== undefined ? () => signal.aborted : undefined),
    isCancelled: options.isCancelled,
    onError: options.onError,
    itemMarksHeaders: options.itemMarksHeaders,
    rearmsTerminal: options.rearmsTerminal,
  };
  if (signal !== undefined) tracker.endOnAbort(signal);
  const { live } = processState();
  let observed = false;
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: Object.prototype.propertyIsEnumerable.call(target, key),
    writable: true,
    value: function iterator(this: unknown, ...args: unknown[]): AsyncIterator<T> {
      const source = (iterate as (...a: unknown[]) => AsyncIterator<T>).apply(this, args);
      if (observed) return source;
      observed = true;
      const wrapped = guarded(`${tracker.source}.iterator`, () => {
        const it = wrapAsyncIterator(source, tracker, readItem, iteratorOptions) as AsyncIterableIterator<T>;
        const close = it.return?.bind(it);
        if (onReturn !== undefined && close !== undefined) {
          it.return = (value?: unknown) => {
            guarded(`${tracker.source}.return`, onReturn);
            return close(value);
          };
        }
        it[Symbol.asyncIterator] = function (this: AsyncIterableIterator<T>) {
          return this;
        };
        live.forgetAbandonment(tracker);
        live.watchForAbandonment(it, tracker);
        return it;
      });
      return wrapped ?? source;
    },
  });
  // The tracker never references `target`, so a dropped, unread stream can be collected.
  live.watchForAbandonment(target, tracker);
  return true;
}
