import { JsonKey, asCount, asObject, asString, errorTypeOf, parseObject } from '../json-probe';
import {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from '../terminal-rule';

const CANDIDATES = new JsonKey('candidates');
const FINISH_REASON = new JsonKey('finishReason');
const BLOCK_REASON = new JsonKey('blockReason');
const ERROR = new JsonKey('error');
const RESPONSE_ID = new JsonKey('responseId');
const MODEL_VERSION = new JsonKey('modelVersion');
const USAGE_METADATA = new JsonKey('usageMetadata');

const UNSPECIFIED = 'FINISH_REASON_UNSPECIFIED';

/**
 * Gemini `:streamGenerateContent?alt=sse` (Google AI and Vertex AI). No terminal event on the wire:
 * the server just ends. Terminal: a candidate with a `finishReason` other than
 * `FINISH_REASON_UNSPECIFIED`, or a `promptFeedback.blockReason` (prompt blocked, no candidates).
 * Error: an `error` object (`status`, e.g. `INTERNAL`). `usageMetadata` may ride on every chunk;
 * it is read from the first and the finishing chunks only, plus any chunk after the finish.
 */
export const geminiRule: TerminalRule = {
  name: 'gemini',
  protocol: 'sse',
  requiresTerminal: true,
  classify(_event: string, data: string, facts: StreamFacts): EventSignal {
    // Content chunks start with `candidates`; only chunks without it (a blocked prompt, an error)
    // need the other probes.
    const hasCandidates = CANDIDATES.isIn(data);
    const finishing = hasCandidates && FINISH_REASON.hasNonNullValue(data);
    const blocked = !hasCandidates && BLOCK_REASON.isIn(data);
    const error = !hasCandidates && ERROR.isIn(data);
    const identity =
      (facts.responseId === undefined && RESPONSE_ID.isIn(data)) ||
      (facts.responseModel === undefined && MODEL_VERSION.isIn(data));
    const lateUsage = facts.finishReasons !== undefined && USAGE_METADATA.isIn(data);
    if (!finishing && !blocked && !error && !identity && !lateUsage) return SIGNAL_NONE;
    const chunk = parseObject(data);
    if (chunk === undefined) return SIGNAL_NONE;
    if (error && chunk.error !== undefined && chunk.error !== null) {
      facts.errorType = errorTypeOf(chunk.error);
      return SIGNAL_ERROR;
    }
    facts.responseId ??= asString(chunk.responseId);
    facts.responseModel ??= asString(chunk.modelVersion);
    readUsage(asObject(chunk.usageMetadata), facts);
    let terminal = false;
    if (finishing && Array.isArray(chunk.candidates)) {
      for (const candidate of chunk.candidates) {
        const reason = asString(asObject(candidate)?.finishReason);
        if (reason === undefined || reason === UNSPECIFIED) continue;
        (facts.finishReasons ??= []).push(reason);
        terminal = true;
      }
    }
    if (blocked) {
      const reason = asString(asObject(chunk.promptFeedback)?.blockReason);
      if (reason !== undefined) {
        (facts.finishReasons ??= []).push(reason);
        terminal = true;
      }
    }
    return terminal ? SIGNAL_TERMINAL : SIGNAL_NONE;
  },
};

function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  const input = asCount(usage.promptTokenCount);
  const output = asCount(usage.candidatesTokenCount);
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
}
