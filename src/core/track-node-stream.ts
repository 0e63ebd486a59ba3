import { errorMonitor } from 'node:events';
import type { Readable } from 'node:stream';
import { reportOnce } from './guard';
import type { StreamTracker } from './stream-tracker';
import type { ByteChunkReader } from './track-web-stream';

export interface TrackNodeReadableOptions {
  /** True when the caller aborted (`req.destroy()`, an AbortSignal): an early end then counts as `aborted`. */
  readonly isAborted?: () => boolean;
  /** True when the consumer stopped early in a way that reaches the source first (Node's `break` out of `for await` calls `req.abort()`). */
  readonly isCancelled?: () => boolean;
  /** Called at a clean end before the tracker decides (protocol readers flush a final event here). */
  readonly onEof?: () => void;
}

type PushFn = (chunk: unknown, encoding?: BufferEncoding) => boolean;

/**
 * Observes a Node Readable (an http `IncomingMessage`) without changing how the app reads it
 * (research/patchpoints.md §3.3): wraps the instance `push`, which the source calls for every chunk
 * as it arrives, and listens only to `'end'`, `'close'` and `errorMonitor`. No `'data'` or
 * `'readable'` listener, no `resume()`: flow mode, backpressure (push's return value) and the bytes
 * the app gets are unchanged. Every path reaches `tracker.end`:
 * - `'end'` → eof (`onEof` first);
 * - `'close'` without `'end'`: the caller aborted → abort; the consumer cancelled → cancel; `readable.errored` (an IncomingMessage
 *   cut by a socket reset carries ECONNRESET "aborted") → error; destroyed without an error (the
 *   consumer's `destroy()`) → cancel;
 * - `errorMonitor` → the same decision (emitted only when the stream has an `'error'` listener, so `'close'`
 *   is the reliable signal).
 * Nothing here lets the tracker reach the readable (the adapter may watch it for abandonment).
 */
export function trackNodeReadable(
  readable: Readable,
  tracker: StreamTracker,
  readChunk: ByteChunkReader,
  options: TrackNodeReadableOptions = {},
): void {
  const target = readable as unknown as { push: PushFn };
  const hadOwnPush = Object.prototype.hasOwnProperty.call(readable, 'push');
  const originalPush = target.push;
  let reading = true;

  // Hot path: one call per body chunk; passes the chunk and push's return value through unchanged.
  const push = function push(this: Readable, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (reading && chunk !== null && chunk !== undefined && tracker.isLive) {
      try {
        if (chunk instanceof Uint8Array) readChunk(chunk);
        else if (typeof chunk === 'string') readChunk(Buffer.from(chunk, encoding));
        else tracker.onChunk();
      } catch (error) {
        reading = false;
        reportOnce(`node-readable.${tracker.source}`, error);
      }
    }
    return originalPush.call(this, chunk, encoding);
  };
  target.push = push;

  const ask = (question: (() => boolean) | undefined): boolean => {
    try {
      return question !== undefined && question();
    } catch {
      return false;
    }
  };
  const aborted = (): boolean => ask(options.isAborted);
  const release = (): void => {
    readable.removeListener('end', onEnd);
    readable.removeListener('close', onClose);
    readable.removeListener(errorMonitor, onError);
    if (target.push !== push) return; // someone wrapped over us: leave the chain intact
    if (hadOwnPush) target.push = originalPush;
    else delete (readable as unknown as { push?: PushFn }).push;
  };
  const onEnd = (): void => {
    if (options.onEof !== undefined) {
      try {
        options.onEof();
      } catch (error) {
        reportOnce(`node-readable.${tracker.source}.eof`, error);
      }
    }
    tracker.end(aborted() ? 'abort' : 'eof');
    release();
  };
  // Without 'end': who stopped the stream decides, before what the error says.
  const endEarly = (error: unknown): void => {
    if (aborted()) tracker.end('abort');
    else if (ask(options.isCancelled)) tracker.end('cancel');
    else if (error !== null && error !== undefined) tracker.end('error', error);
    else tracker.end('cancel');
  };
  const onClose = (): void => {
    release();
    endEarly(readable.errored);
  };
  const onError = (error: unknown): void => endEarly(error);
  readable.on('end', onEnd);
  readable.on('close', onClose);
  readable.on(errorMonitor, onError);
}
