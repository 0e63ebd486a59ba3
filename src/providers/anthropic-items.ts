import type { StreamTracker } from '../core/stream-tracker';
import { asCount, errorTypeOf } from '../protocols/json-probe';

interface AnthropicUsage {
  input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  output_tokens?: unknown;
}

/** A Messages stream event as the SDK yields it (only what we read). */
interface MessageEvent {
  type?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: AnthropicUsage | null } | null;
  delta?: { type?: unknown; text?: unknown; stop_reason?: unknown } | null;
  usage?: AnthropicUsage | null;
  error?: unknown;
}

/**
 * GenAI semconv: input tokens include cached ones; Anthropic reports them apart
 * (`cache_read_input_tokens`, `cache_creation_input_tokens`), so they are added up.
 */
function readUsage(usage: AnthropicUsage | null | undefined, tracker: StreamTracker): void {
  if (usage === null || usage === undefined) return;
  const input = asCount(usage.input_tokens);
  if (input !== undefined) {
    tracker.facts.inputTokens =
      input + (asCount(usage.cache_read_input_tokens) ?? 0) + (asCount(usage.cache_creation_input_tokens) ?? 0);
  }
  const output = asCount(usage.output_tokens);
  if (output !== undefined) tracker.facts.outputTokens = output;
}

/**
 * One Messages stream event. Terminal: `message_stop` (the SDK reads on to the end of the body, so
 * a missing one is silent). Facts: `message_start.message` (id, model, usage) and `message_delta`
 * (`delta.stop_reason`, cumulative `usage`). The SDK throws on `event: error` (see stream-errors.ts);
 * an `error` item is read too in case a version yields it.
 */
export function readAnthropicItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const event = item as MessageEvent;
  switch (event.type) {
    case 'content_block_delta': {
      const delta = event.delta;
      if (delta != null && delta.type === 'text_delta' && typeof delta.text === 'string') tracker.addOutputText(delta.text);
      return;
    }
    case 'message_start': {
      const message = event.message;
      if (message == null) return;
      const facts = tracker.facts;
      if (typeof message.id === 'string') facts.responseId = message.id;
      if (typeof message.model === 'string') facts.responseModel = message.model;
      readUsage(message.usage, tracker);
      return;
    }
    case 'message_delta': {
      const reason = event.delta?.stop_reason;
      if (typeof reason === 'string') tracker.facts.finishReasons = [reason];
      readUsage(event.usage, tracker);
      return;
    }
    case 'message_stop':
      tracker.markTerminal();
      return;
    case 'error':
      tracker.markError(errorTypeOf(event.error));
      return;
    default:
      return;
  }
}
