import { createContextKey, type Context } from '@opentelemetry/api';
import { guarded } from '../../core/guard';
import type { StreamTracker } from '../../core/stream-tracker';

/**
 * One `streamText` call: the provider streams it started, and how many app-facing streams
 * (`textStream`, `fullStream`, `toUIMessageStream()`, the result promises' internal reader) are open.
 *
 * Why: `DefaultStreamTextResult` hands every consumer a `tee()` branch of its base stream and keeps
 * the other half, so a consumer's `break` cancels only its branch, never the provider stream (which
 * then stays open, unread; measured with ai 6.0.326). The consumer stopping is visible only on the
 * branches: when the last open one is cancelled, the call's streams end as `cancelled`.
 */
export interface StreamTextCall {
  readonly trackers: StreamTracker[];
  open: number;
  /** The last open stream was cancelled and no other is open (a doStream settling now is unread). */
  cancelled?: boolean;
}

const CALL_KEY = createContextKey('midstream.ai-sdk.stream-text-call');

export function withStreamTextCall(ctx: Context, call: StreamTextCall): Context {
  return ctx.setValue(CALL_KEY, call);
}

/** The `streamText` call a `doStream` belongs to (through the context `ai` runs it in). */
export function streamTextCallOf(ctx: Context): StreamTextCall | undefined {
  return ctx.getValue(CALL_KEY) as StreamTextCall | undefined;
}

function closeBranch(call: StreamTextCall, cancelled: boolean): void {
  call.open--;
  if (!cancelled || call.open > 0) return;
  call.cancelled = true;
  for (const tracker of call.trackers) tracker.end('cancel');
}

/**
 * A pull-through copy of one tee branch (same chunks, same errors, highWaterMark 0) that notes its
 * end; a cancel is forwarded to the branch with the same reason.
 */
export function watchBranch<T>(branch: ReadableStream<T>, call: StreamTextCall): ReadableStream<T> {
  const reader = branch.getReader();
  let open = true;
  const close = (cancelled: boolean): void => {
    if (!open) return;
    open = false;
    guarded('ai-sdk.branch', () => closeBranch(call, cancelled));
  };
  call.open++;
  call.cancelled = false;
  // The read handlers are made once per branch, not once per read (hot path).
  let controller: ReadableStreamDefaultController<T>;
  const onRead = (result: ReadableStreamReadResult<T>): void => {
    if (result.done) {
      close(false);
      controller.close();
      return;
    }
    controller.enqueue(result.value);
  };
  const onError = (error: unknown): void => {
    close(false);
    controller.error(error);
  };
  return new ReadableStream<T>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        return reader.read().then(onRead, onError);
      },
      cancel(reason) {
        close(true);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
