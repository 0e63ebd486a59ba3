import { JsonKey, asCount, asObject, asString, parseObject, sniffType } from '../json-probe';
import {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from '../terminal-rule';

const EVENT_TYPE = new JsonKey('event_type');

/**
 * Cohere chat streams. v2 (`/v2/chat`, SSE): terminal `message-end` (`delta.finish_reason`,
 * `delta.usage`), or the `[DONE]` terminator the SDK listens for; id from `message-start`.
 * v1 (`/v1/chat`, NDJSON): terminal `event_type: stream-end` (`finish_reason`,
 * `response.meta`); v1 lines name their kind in `event_type`, v2 events in `type`. A finish reason starting with `ERROR` (`ERROR`, `ERROR_TOXIC`, `ERROR_LIMIT`)
 * means the generation failed, so it is an error signal with that reason as the error type.
 */
function classifyCohere(event: string, data: string, facts: StreamFacts): EventSignal {
  if (data.charCodeAt(0) === 0x5b && data.startsWith('[DONE]')) return SIGNAL_TERMINAL;
  const type = event !== '' ? event : EVENT_TYPE.stringValue(data) || sniffType(data);
  switch (type) {
    case 'message-start': {
      const body = parseObject(data);
      facts.responseId ??= asString(body?.id);
      return SIGNAL_NONE;
    }
    case 'stream-start': {
      const body = parseObject(data);
      facts.responseId ??= asString(body?.generation_id);
      return SIGNAL_NONE;
    }
    case 'message-end': {
      const delta = asObject(parseObject(data)?.delta);
      readUsage(asObject(delta?.usage), facts);
      return finish(asString(delta?.finish_reason), facts);
    }
    case 'stream-end': {
      const body = parseObject(data);
      const response = asObject(body?.response);
      facts.responseId ??= asString(response?.response_id) ?? asString(response?.generation_id);
      readUsage(asObject(response?.meta), facts);
      return finish(asString(body?.finish_reason), facts);
    }
    case 'error':
      facts.errorType = '_OTHER';
      return SIGNAL_ERROR;
    default:
      return SIGNAL_NONE;
  }
}

function finish(reason: string | undefined, facts: StreamFacts): EventSignal {
  if (reason === undefined) return SIGNAL_TERMINAL;
  facts.finishReasons = [reason];
  if (reason.startsWith('ERROR')) {
    facts.errorType = reason;
    return SIGNAL_ERROR;
  }
  return SIGNAL_TERMINAL;
}

/** `tokens` are the tokens the model saw; `billed_units` (what was charged) is the fallback. */
function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  const counts = asObject(usage.tokens) ?? asObject(usage.billed_units);
  if (counts === undefined) return;
  const input = asCount(counts.input_tokens);
  const output = asCount(counts.output_tokens);
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
}

export const cohereRule: TerminalRule = { name: 'cohere', protocol: 'sse', requiresTerminal: true, classify: classifyCohere };
export const cohereV1Rule: TerminalRule = {
  name: 'cohere.v1',
  protocol: 'ndjson',
  requiresTerminal: true,
  classify: classifyCohere,
};
