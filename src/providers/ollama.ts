import { JsonKey, asObject, asString, parseObject } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { CleanClose, ErrorSignal, EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * Ollama native API (`/api/chat`, `/api/generate`), NDJSON; the `ollama` client yields each line
 * parsed. Terminal: a line with `"done": true` (facts: `done_reason`, `prompt_eval_count`,
 * `eval_count`), or `"status": "success"` for pull/push/create. Error: an `error` field; its value
 * is a free-text message, so the error type is `_OTHER`. The client throws on an error line, and
 * when the body ends without `done` (research/patchpoints.md §1.7).
 */

const DONE = new JsonKey('done');
const ERROR = new JsonKey('error');
const MODEL = new JsonKey('model');
const STATUS = new JsonKey('status');

/** The facts of the `done: true` line. Both views. */
function readDone(line: Record<string, unknown>, facts: StreamFacts): void {
  const reason = asString(line.done_reason);
  if (reason !== undefined) facts.finishReasons = [reason];
  readTokens(facts, line.prompt_eval_count, line.eval_count);
}

/** Wire view. */
export const ollamaRule: TerminalRule = {
  name: 'ollama',
  protocol: 'ndjson',
  requiresTerminal: true,
  classify(_event: string, data: string, facts: StreamFacts): EventSignal {
    // Every chat/generate line carries `done`; only lines without it (an error, a pull status) need
    // the other probes.
    const hasDone = DONE.valueIndex(data) !== -1;
    const done = hasDone && DONE.hasTrueValue(data);
    const error = !hasDone && ERROR.isIn(data);
    const identity = facts.responseModel === undefined && MODEL.isIn(data);
    const success = !hasDone && STATUS.stringValue(data) === 'success';
    if (!done && !error && !identity && !success) return SIGNAL_NONE;
    const line = parseObject(data);
    if (line === undefined) return SIGNAL_NONE;
    if (error && line.error !== undefined && line.error !== null) {
      facts.errorType ??= '_OTHER';
      return SIGNAL_ERROR;
    }
    facts.responseModel ??= asString(line.model);
    if (success && line.status === 'success') return SIGNAL_TERMINAL;
    if (!done || line.done !== true) return SIGNAL_NONE;
    readDone(line, facts);
    return SIGNAL_TERMINAL;
  },
};

/** Item view: one chat (`message.content`) or generate (`response`) line. */
export function readOllamaItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const line = asObject(item);
  if (line === undefined) return SIGNAL_NONE;
  facts.responseModel ??= asString(line.model);
  const delta = asObject(line.message)?.content ?? line.response;
  if (typeof delta === 'string' && delta.length > 0) out.addOutputText(delta);
  if (line.done !== true) return SIGNAL_NONE;
  readDone(line, facts);
  return SIGNAL_TERMINAL;
}

/** What the client throws when the body ends before a `done` line (research/patchpoints.md §1.7). */
export const OLLAMA_NO_DONE_MESSAGE = 'Did not receive done or success response in stream.';
const CLOSED_BEFORE_DONE: CleanClose = { reason: 'closed_before_done', keepsError: false };

/**
 * Error view: the client's iterator threw a plain `Error` (the adapter leaves aborts and transport
 * failures to the outcome decision before asking). Two stream-level cases: a clean end without
 * `done` (a truncation, not an app error) and an `{"error": "..."}` line (free text: `_OTHER`).
 */
export function readOllamaError(error: unknown, facts: StreamFacts): ErrorSignal {
  if (!(error instanceof Error) || error.constructor !== Error) return SIGNAL_NONE;
  if (error.message === OLLAMA_NO_DONE_MESSAGE) return CLOSED_BEFORE_DONE;
  facts.errorType ??= '_OTHER';
  return SIGNAL_ERROR;
}
