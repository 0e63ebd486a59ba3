import { isAbortError, isConnectionError } from '../../core/outcome';
import { errorTypeOf } from '../../protocols/json-probe';
import { SIGNAL_ERROR, SIGNAL_NONE, type ErrorSignal, type StreamFacts } from '../../providers/types';

/**
 * Called when a Stainless `Stream` throws. An error the provider sent inside the stream (openai
 * `data: {"error": ...}`, anthropic `event: error`) becomes `APIError` with no HTTP status and the
 * provider's body in `error`; its `code`/`type` (`server_error`, `overloaded_error`) is the
 * `error.type`. Transport failures and aborts are left to the outcome decision.
 */
export function readStreamError(error: unknown, facts: StreamFacts): ErrorSignal {
  if (typeof error !== 'object' || error === null) return SIGNAL_NONE;
  const e = error as { status?: unknown; error?: unknown };
  if (e.status !== undefined || e.error === undefined || e.error === null) return SIGNAL_NONE;
  if (isConnectionError(error) || isAbortError(error)) return SIGNAL_NONE;
  // openai and anthropic copy `code`/`type` onto the error; groq keeps them only in the body.
  const own = errorTypeOf(error);
  facts.errorType ??= own !== '_OTHER' ? own : errorTypeOf(e.error);
  return SIGNAL_ERROR;
}
