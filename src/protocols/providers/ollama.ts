import { JsonKey, asCount, asString, parseObject } from '../json-probe';
import {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from '../terminal-rule';

const DONE = new JsonKey('done');
const ERROR = new JsonKey('error');
const MODEL = new JsonKey('model');
const STATUS = new JsonKey('status');

/**
 * Ollama native API (`/api/chat`, `/api/generate`), NDJSON. Terminal: a line with `"done": true`
 * (facts: `done_reason`, `prompt_eval_count`, `eval_count`), or `"status": "success"` for
 * pull/push/create. Error: an `error` field; its value is a free-text message, so the error type is
 * `_OTHER`. The ollama client throws when the body ends without `done` (research §1.7).
 */
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
      facts.errorType = '_OTHER';
      return SIGNAL_ERROR;
    }
    facts.responseModel ??= asString(line.model);
    if (success && line.status === 'success') return SIGNAL_TERMINAL;
    if (!done || line.done !== true) return SIGNAL_NONE;
    const reason = asString(line.done_reason);
    if (reason !== undefined) facts.finishReasons = [reason];
    const input = asCount(line.prompt_eval_count);
    const output = asCount(line.eval_count);
    if (input !== undefined) facts.inputTokens = input;
    if (output !== undefined) facts.outputTokens = output;
    return SIGNAL_TERMINAL;
  },
};
