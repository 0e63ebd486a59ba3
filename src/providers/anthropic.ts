import { asObject, asString, errorTypeOf, parseObject, sniffType } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * Anthropic Messages streams (also through Bedrock InvokeModel and Vertex `:streamRawPredict`).
 * Terminal: `message_stop` (there is no `[DONE]`; the SDK reads on to the end of the body, so a
 * missing one is silent). Error: `event: error` with `data.error.type` (`overloaded_error`, ...);
 * the SDK throws on it (see kit/stream-errors.ts), an `error` item is read in case a version yields it.
 * Facts: `message_start.message` (id, model, usage) and `message_delta` (`delta.stop_reason`,
 * cumulative `usage.output_tokens`). The SDK yields the parsed data, so both views read one shape.
 */

/**
 * GenAI semconv: input tokens include cached ones; Anthropic reports them apart
 * (`cache_read_input_tokens`, `cache_creation_input_tokens`), so they are added up.
 */
function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  readTokens(facts, usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens);
}

/** The meaning of one event, by its type. Both views; the wire parses `body` only for the types read here. */
function classifyEvent(type: unknown, body: Record<string, unknown> | undefined, facts: StreamFacts): EventSignal {
  switch (type) {
    case 'message_stop':
      return SIGNAL_TERMINAL;
    case 'error':
      facts.errorType ??= errorTypeOf(body?.error);
      return SIGNAL_ERROR;
    case 'message_start': {
      const message = asObject(body?.message);
      if (message === undefined) return SIGNAL_NONE;
      facts.responseId ??= asString(message.id);
      facts.responseModel ??= asString(message.model);
      readUsage(asObject(message.usage), facts);
      return SIGNAL_NONE;
    }
    case 'message_delta': {
      const reason = asString(asObject(body?.delta)?.stop_reason);
      if (reason !== undefined) facts.finishReasons = [reason];
      readUsage(asObject(body?.usage), facts);
      return SIGNAL_NONE;
    }
    default:
      return SIGNAL_NONE;
  }
}

/** Wire view. `ping` and `content_block_*` events are never parsed. */
export const anthropicRule: TerminalRule = {
  name: 'anthropic',
  protocol: 'sse',
  requiresTerminal: true,
  classify(event: string, data: string, facts: StreamFacts): EventSignal {
    const type = event !== '' ? event : sniffType(data);
    if (type === 'message_stop') return SIGNAL_TERMINAL;
    if (type !== 'error' && type !== 'message_start' && type !== 'message_delta') return SIGNAL_NONE;
    return classifyEvent(type, parseObject(data), facts);
  },
};

/** Item view: one Messages stream event as the SDK yields it. Text: `content_block_delta` text deltas. */
export function readAnthropicItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const event = asObject(item);
  if (event === undefined) return SIGNAL_NONE;
  if (event.type === 'content_block_delta') {
    const delta = asObject(event.delta);
    if (delta !== undefined && delta.type === 'text_delta' && typeof delta.text === 'string') out.addOutputText(delta.text);
    return SIGNAL_NONE;
  }
  return classifyEvent(event.type, event, facts);
}
