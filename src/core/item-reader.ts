import { SIGNAL_ERROR, SIGNAL_TERMINAL, type ErrorReader, type ItemReader } from '../providers/types';
import type { StreamTracker } from './stream-tracker';

/**
 * The one place that turns an item reader's signal into tracker calls (the wire view's twin is
 * `wire-reader.ts`): the item is a chunk, then the signal is applied. The tracker is the reader's
 * text sink (only `addOutputText` is visible to it): nothing is allocated per item or per stream.
 */
export function applyItem<T>(tracker: StreamTracker, read: ItemReader<T>, item: T): void {
  tracker.onChunk();
  const signal = read(item, tracker.facts, tracker);
  if (signal === SIGNAL_TERMINAL) tracker.markTerminal();
  else if (signal === SIGNAL_ERROR) tracker.markError(tracker.facts.errorType);
}

/** Turns what an error reader says about an error the SDK's stream threw into tracker calls. */
export function applyError(tracker: StreamTracker, read: ErrorReader, error: unknown): void {
  const signal = read(error, tracker.facts);
  if (signal === SIGNAL_ERROR) tracker.markError(tracker.facts.errorType);
  else if (typeof signal === 'object') tracker.endCleanClose(signal.reason, signal.keepsError ? error : undefined);
}
