import type { StreamTracker } from './stream-tracker';

/** Observes one body chunk (bytes). Must not throw; it runs on the hot path. */
export type ByteChunkReader = (chunk: Uint8Array) => void;

export interface TrackWebStreamOptions {
  /** True when the caller aborted the request (fetch `init.signal`). */
  readonly isAborted?: () => boolean;
  /** Called at a clean end before the tracker decides (protocol readers flush a final event here). */
  readonly onEof?: () => void;
}

/**
 * Returns a ReadableStream that yields exactly the chunks of `body`, observing each. Pull-based with
 * highWaterMark 0: it reads from the source only when the consumer reads, so backpressure reaches the
 * socket unchanged; `cancel()` from the consumer cancels the source with the same reason (every Node
 * line, unlike TransformStream's cancel hook, which Node 18 never calls); source errors reach the
 * consumer as the same object.
 */
export function trackReadableStream(
  body: ReadableStream<Uint8Array>,
  tracker: StreamTracker,
  readChunk: ByteChunkReader,
  options: TrackWebStreamOptions = {},
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const isAborted = options.isAborted;
  const aborted = (): boolean => {
    try {
      return isAborted !== undefined && isAborted();
    } catch {
      return false;
    }
  };
  // The read handlers are made once per stream, not once per read (hot path).
  let controller: ReadableStreamDefaultController<Uint8Array>;
  const onRead = (result: ReadableStreamReadResult<Uint8Array>): void => {
    if (result.done) {
      if (options.onEof !== undefined) {
        try {
          options.onEof();
        } catch {
          // a reader failure must not change the app's stream
        }
      }
      tracker.end(aborted() ? 'abort' : 'eof');
      controller.close();
      return;
    }
    const chunk = result.value;
    if (tracker.isLive) readChunk(chunk);
    controller.enqueue(chunk);
  };
  const onError = (error: unknown): void => {
    tracker.end(aborted() ? 'abort' : 'error', error);
    controller.error(error);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        return reader.read().then(onRead, onError);
      },
      cancel(reason) {
        tracker.end(aborted() ? 'abort' : 'cancel');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
