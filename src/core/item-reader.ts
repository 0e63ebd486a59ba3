import {
  SIGNAL_ERROR,
  SIGNAL_REARM,
  SIGNAL_TERMINAL,
  type ErrorReader,
  type ItemReader,
  type TextSink,
} from '../providers/types';
import type { StreamTracker } from './stream-tracker';

/**
 * The one place that turns an item reader's signal into tracker calls (the wire view's twin is
 * `wire-reader.ts`). The reader runs first because whether an item is a chunk at all is its
 * knowledge (genai's function-response turn is not); then the chunk is counted and the signal
 * applied. No allocation: `text` is made once per stream ({@link textSinkOf}).
 */
export function applyItem<T>(tracker: StreamTracker, read: ItemReader<T>, item: T, text: TextSink): void {
  const signal = read(item, tracker.facts, text);
  if (signal === SIGNAL_REARM) {
    tracker.rearmTerminal();
    return;
  }
  tracker.onChunk();
  if (signal === SIGNAL_TERMINAL) tracker.markTerminal();
  else if (signal === SIGNAL_ERROR) tracker.markError(tracker.facts.errorType);
}

/** The stream's text sink: generated text is counted (and captured when opted in). Once per stream. */
export function textSinkOf(tracker: StreamTracker): TextSink {
  return (delta) => tracker.addOutputText(delta);
}

/** Turns what an error reader says about an error the SDK's stream threw into tracker calls. */
export function applyError(tracker: StreamTracker, read: ErrorReader, error: unknown): void {
  const signal = read(error, tracker.facts);
  if (signal === SIGNAL_ERROR) tracker.markError(tracker.facts.errorType);
  else if (typeof signal === 'object') tracker.endCleanClose(signal.reason, signal.keepsError ? error : undefined);
}
