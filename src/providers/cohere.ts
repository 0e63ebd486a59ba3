import { JsonKey, asObject, asString, parseObject, sniffType } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * Cohere chat streams. v2 (`/v2/chat`, SSE): terminal `message-end` (`delta.finish_reason`,
 * `delta.usage`), or the `[DONE]` terminator (the SDK listens for it and swallows it); id from
 * `message-start`. v1 (`/v1/chat`, NDJSON): terminal `event_type: stream-end` (`finish_reason`,
 * `response.meta`); v1 lines name their kind in `event_type`, v2 events in `type`. A finish reason
 * starting with `ERROR` (`ERROR`, `ERROR_TOXIC`, `ERROR_LIMIT`) means the generation failed, so it
 * is an error signal with that reason as the error type. The SDK yields the events camelCased by its
 * serializer (`finishReason`, `billedUnits`, `inputTokens`, `generationId`), so the shared readers
 * accept both spellings.
 */

const EVENT_TYPE = new JsonKey('event_type');

/** `tokens` are the tokens the model saw; `billed_units` (what was charged) is the fallback. Both views. */
function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  const counts = asObject(usage.tokens) ?? asObject(usage.billedUnits) ?? asObject(usage.billed_units);
  if (counts === undefined) return;
  readTokens(facts, counts.inputTokens ?? counts.input_tokens, counts.outputTokens ?? counts.output_tokens);
}

/** The terminal event's finish reason. Both views. */
function finish(reason: unknown, facts: StreamFacts): EventSignal {
  const name = asString(reason);
  if (name === undefined) return SIGNAL_TERMINAL;
  facts.finishReasons = [name];
  if (name.startsWith('ERROR')) {
    facts.errorType ??= name;
    return SIGNAL_ERROR;
  }
  return SIGNAL_TERMINAL;
}

/** The meaning of one v1 or v2 event, by its kind. Both views (`body` as parsed or as the SDK yields it). */
function classifyEvent(type: unknown, body: Record<string, unknown> | undefined, facts: StreamFacts): EventSignal {
  switch (type) {
    case 'message-start':
      facts.responseId ??= asString(body?.id);
      return SIGNAL_NONE;
    case 'stream-start':
      facts.responseId ??= asString(body?.generation_id ?? body?.generationId);
      return SIGNAL_NONE;
    case 'message-end': {
      const delta = asObject(body?.delta);
      readUsage(asObject(delta?.usage), facts);
      return finish(delta?.finish_reason ?? delta?.finishReason, facts);
    }
    case 'stream-end': {
      const response = asObject(body?.response);
      facts.responseId ??=
        asString(response?.response_id ?? response?.responseId) ?? asString(response?.generation_id ?? response?.generationId);
      readUsage(asObject(response?.meta), facts);
      return finish(body?.finish_reason ?? body?.finishReason, facts);
    }
    case 'error':
      facts.errorType ??= '_OTHER';
      return SIGNAL_ERROR;
    default:
      return SIGNAL_NONE;
  }
}

/** Wire view of both versions: one SSE event (v2) or NDJSON line (v1). */
function classifyCohere(event: string, data: string, facts: StreamFacts): EventSignal {
  if (data.charCodeAt(0) === 0x5b && data.startsWith('[DONE]')) return SIGNAL_TERMINAL;
  const type = event !== '' ? event : EVENT_TYPE.stringValue(data) || sniffType(data);
  switch (type) {
    case 'message-start':
    case 'stream-start':
    case 'message-end':
    case 'stream-end':
      return classifyEvent(type, parseObject(data), facts);
    case 'error':
      return classifyEvent(type, undefined, facts);
    default:
      return SIGNAL_NONE;
  }
}

export const cohereRule: TerminalRule = { name: 'cohere', protocol: 'sse', requiresTerminal: true, classify: classifyCohere };
export const cohereV1Rule: TerminalRule = {
  name: 'cohere.v1',
  protocol: 'ndjson',
  requiresTerminal: true,
  classify: classifyCohere,
};

/** Item view, v2: one `V2ChatStreamResponse` event. Text: `content-delta`'s `delta.message.content.text`. */
export function readCohereV2Item(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const event = asObject(item);
  if (event === undefined) return SIGNAL_NONE;
  if (event.type === 'content-delta') {
    const delta = asObject(asObject(asObject(event.delta)?.message)?.content)?.text;
    if (typeof delta === 'string' && delta.length > 0) out.addOutputText(delta);
    return SIGNAL_NONE;
  }
  // v1 kinds are never v2 `type`s.
  return event.type === 'stream-start' || event.type === 'stream-end' ? SIGNAL_NONE : classifyEvent(event.type, event, facts);
}

/** Item view, v1: one `StreamedChatResponse` event. Text: `text-generation`'s `text`. */
export function readCohereV1Item(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const event = asObject(item);
  if (event === undefined) return SIGNAL_NONE;
  const kind = event.eventType ?? event.event_type;
  if (kind === 'text-generation') {
    if (typeof event.text === 'string' && event.text.length > 0) out.addOutputText(event.text);
    return SIGNAL_NONE;
  }
  return kind === 'stream-start' || kind === 'stream-end' ? classifyEvent(kind, event, facts) : SIGNAL_NONE;
}
