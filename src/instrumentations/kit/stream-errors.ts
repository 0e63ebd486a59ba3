import { isAbortError, isConnectionError } from '../../core/outcome';
import type { StreamTracker } from '../../core/stream-tracker';
import { errorTypeOf } from '../../protocols/json-probe';

/**
 * Called when a Stainless `Stream` throws. An error the provider sent inside the stream (openai
 * `data: {"error": ...}`, anthropic `event: error`) becomes `APIError` with no HTTP status and the
 * provider's body in `error`; its `code`/`type` (`server_error`, `overloaded_error`) is the
 * `error.type`. Transport failures and aborts are left to the outcome decision.
 */
export function readStreamError(error: unknown, tracker: StreamTracker): void {
  if (typeof error !== 'object' || error === null) return;
  const e = error as { status?: unknown; error?: unknown };
  if (e.status !== undefined || e.error === undefined || e.error === null) return;
  if (isConnectionError(error) || isAbortError(error)) return;
  // openai and anthropic copy `code`/`type` onto the error; groq keeps them only in the body.
  const own = errorTypeOf(error);
  tracker.markError(own !== '_OTHER' ? own : errorTypeOf(e.error));
}
