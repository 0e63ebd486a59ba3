import type { StreamTracker } from '../core/stream-tracker';
import { asCount } from '../protocols/json-probe';

/** Usage as the SDK yields it (camelCase after its serializer); snake_case accepted too. */
interface Usage {
  tokens?: Counts | null;
  billedUnits?: Counts | null;
  billed_units?: Counts | null;
}

interface Counts {
  inputTokens?: unknown;
  outputTokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
}

/** A v2 chat stream event (`V2ChatStreamResponse`; only what we read). */
interface V2Event {
  type?: unknown;
  id?: unknown;
  delta?: {
    message?: { content?: { text?: unknown } | null } | null;
    finishReason?: unknown;
    finish_reason?: unknown;
    usage?: Usage | null;
  } | null;
}

/** A v1 chat stream event (`StreamedChatResponse`; only what we read). */
interface V1Event {
  eventType?: unknown;
  event_type?: unknown;
  text?: unknown;
  generationId?: unknown;
  finishReason?: unknown;
  finish_reason?: unknown;
  response?: { responseId?: unknown; generationId?: unknown; meta?: Usage | null } | null;
}

/** `tokens` are what the model saw; `billed_units` (what was charged) is the fallback. */
function readUsage(usage: Usage | null | undefined, tracker: StreamTracker): void {
  if (usage === null || usage === undefined) return;
  const counts = usage.tokens ?? usage.billedUnits ?? usage.billed_units;
  if (counts === null || counts === undefined) return;
  const input = asCount(counts.inputTokens ?? counts.input_tokens);
  const output = asCount(counts.outputTokens ?? counts.output_tokens);
  if (input !== undefined) tracker.facts.inputTokens = input;
  if (output !== undefined) tracker.facts.outputTokens = output;
}

/** The terminal event's finish reason; one starting with `ERROR` (`ERROR`, `ERROR_TOXIC`, `ERROR_LIMIT`) is a failed generation. */
function finish(reason: unknown, tracker: StreamTracker): void {
  if (typeof reason === 'string') {
    tracker.facts.finishReasons = [reason];
    if (reason.startsWith('ERROR')) {
      tracker.markError(reason);
      return;
    }
  }
  tracker.markTerminal();
}

/**
 * One v2 chat event. Terminal: `message-end` (`delta.finish_reason`, `delta.usage`); the SDK
 * swallows the `[DONE]` terminator. Id from `message-start`; text from `content-delta`.
 */
export function readCohereV2Item(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const event = item as V2Event;
  switch (event.type) {
    case 'content-delta': {
      const text = event.delta?.message?.content?.text;
      if (typeof text === 'string' && text.length > 0) tracker.addOutputText(text);
      return;
    }
    case 'message-start':
      if (tracker.facts.responseId === undefined && typeof event.id === 'string') tracker.facts.responseId = event.id;
      return;
    case 'message-end':
      readUsage(event.delta?.usage, tracker);
      finish(event.delta?.finishReason ?? event.delta?.finish_reason, tracker);
      return;
    case 'error':
      tracker.markError('_OTHER');
      return;
    default:
      return;
  }
}

/**
 * One v1 chat event. Terminal: `stream-end` (`finish_reason`, `response.meta` usage). Id from
 * `stream-start` (`generation_id`); text from `text-generation`.
 */
export function readCohereV1Item(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const event = item as V1Event;
  switch (event.eventType ?? event.event_type) {
    case 'text-generation':
      if (typeof event.text === 'string' && event.text.length > 0) tracker.addOutputText(event.text);
      return;
    case 'stream-start':
      if (tracker.facts.responseId === undefined && typeof event.generationId === 'string') {
        tracker.facts.responseId = event.generationId;
      }
      return;
    case 'stream-end':
      readUsage(event.response?.meta, tracker);
      finish(event.finishReason ?? event.finish_reason, tracker);
      return;
    default:
      return;
  }
}
