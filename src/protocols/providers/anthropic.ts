import { asCount, asObject, asString, errorTypeOf, parseObject, sniffType } from '../json-probe';
import {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from '../terminal-rule';

/**
 * Anthropic Messages streams. Terminal: `event: message_stop` (there is no `[DONE]`). Error:
 * `event: error` with `data.error.type` (`overloaded_error`, ...). Facts: `message_start.message`
 * (id, model, usage) and `message_delta` (`delta.stop_reason`, cumulative `usage.output_tokens`).
 * `ping` and `content_block_*` events are never parsed.
 */
export const anthropicRule: TerminalRule = {
  name: 'anthropic',
  protocol: 'sse',
  requiresTerminal: true,
  classify(event: string, data: string, facts: StreamFacts): EventSignal {
    const type = event !== '' ? event : sniffType(data);
    switch (type) {
      case 'message_stop':
        return SIGNAL_TERMINAL;
      case 'error':
        facts.errorType = errorTypeOf(parseObject(data)?.error);
        return SIGNAL_ERROR;
      case 'message_start': {
        const message = asObject(parseObject(data)?.message);
        if (message === undefined) return SIGNAL_NONE;
        facts.responseId ??= asString(message.id);
        facts.responseModel ??= asString(message.model);
        readUsage(asObject(message.usage), facts);
        return SIGNAL_NONE;
      }
      case 'message_delta': {
        const body = parseObject(data);
        const reason = asString(asObject(body?.delta)?.stop_reason);
        if (reason !== undefined) facts.finishReasons = [reason];
        readUsage(asObject(body?.usage), facts);
        return SIGNAL_NONE;
      }
      default:
        return SIGNAL_NONE;
    }
  },
};

/**
 * GenAI semconv: input tokens include cached ones; Anthropic reports them apart
 * (`cache_read_input_tokens`, `cache_creation_input_tokens`), so they are added up.
 */
function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  const input = asCount(usage.input_tokens);
  if (input !== undefined) {
    facts.inputTokens = input + (asCount(usage.cache_read_input_tokens) ?? 0) + (asCount(usage.cache_creation_input_tokens) ?? 0);
  }
  const output = asCount(usage.output_tokens);
  if (output !== undefined) facts.outputTokens = output;
}
