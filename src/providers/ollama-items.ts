import { isAbortError, isConnectionError } from '../core/outcome';
import type { StreamTracker } from '../core/stream-tracker';
import { asCount } from '../protocols/json-probe';

/** One parsed line of `/api/chat` or `/api/generate` as the ollama client yields it (only what we read). */
interface OllamaLine {
  model?: unknown;
  message?: { content?: unknown } | null;
  response?: unknown;
  done?: unknown;
  done_reason?: unknown;
  prompt_eval_count?: unknown;
  eval_count?: unknown;
}

/** What the client throws when the body ends before a `done` line (research/patchpoints.md §1.7). */
export const OLLAMA_NO_DONE_MESSAGE = 'Did not receive done or success response in stream.';

/**
 * One chat (`message.content`) or generate (`response`) line. Terminal: `done: true`, which carries
 * `done_reason`, `prompt_eval_count` (input tokens) and `eval_count` (output tokens).
 */
export function readOllamaItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const line = item as OllamaLine;
  const facts = tracker.facts;
  if (facts.responseModel === undefined && typeof line.model === 'string') facts.responseModel = line.model;
  const text = line.message?.content ?? line.response;
  if (typeof text === 'string' && text.length > 0) tracker.addOutputText(text);
  if (line.done !== true) return;
  if (typeof line.done_reason === 'string') facts.finishReasons = [line.done_reason];
  const input = asCount(line.prompt_eval_count);
  const output = asCount(line.eval_count);
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
  tracker.markTerminal();
}

/**
 * Called when the client's iterator throws, before the stream ends. The client throws a plain
 * `Error` for two stream-level cases: a clean end without `done` (a truncation, not an app error)
 * and an `{"error": "..."}` line (its text is free-form, so the error type is `_OTHER`).
 * Transport failures and aborts are left to the outcome decision.
 */
export function readOllamaError(error: unknown, tracker: StreamTracker): void {
  if (!(error instanceof Error) || isAbortError(error) || isConnectionError(error)) return;
  if (error.constructor !== Error) return;
  if (error.message === OLLAMA_NO_DONE_MESSAGE) {
    tracker.endCleanClose('closed_before_done');
    return;
  }
  tracker.markError('_OTHER');
}
