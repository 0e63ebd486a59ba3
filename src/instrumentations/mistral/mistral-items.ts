import type { StreamTracker } from '../../core/stream-tracker';
import { asCount, asObject, errorTypeOf, parseObject } from '../../protocols/json-probe';

/** A `CompletionChunk` as the SDK yields it inside `{data}` (camelCase, only what we read). */
interface MistralChunk {
  id?: unknown;
  model?: unknown;
  choices?: unknown;
  usage?: { promptTokens?: unknown; completionTokens?: unknown } | null;
}

interface MistralChoice {
  delta?: { content?: unknown } | null;
  finishReason?: unknown;
}

/** `delta.content` is a string, or an array of content chunks (`{type: 'text', text}`, thinking...). */
function addContent(content: unknown, tracker: StreamTracker): void {
  if (typeof content === 'string') {
    if (content.length > 0) tracker.addOutputText(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (let i = 0; i < content.length; i++) {
    const text = (content[i] as { text?: unknown } | null | undefined)?.text;
    if (typeof text === 'string' && text.length > 0) tracker.addOutputText(text);
  }
}

/**
 * One parsed event of a Mistral chat or FIM stream: `{data: CompletionChunk}`. Terminal: a choice
 * with a non-null `finishReason` (the last chunk also carries `usage`); the wire's `data: [DONE]` is
 * seen separately, by the wrapped parser.
 */
export function readMistralItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  const chunk = (item as { data?: unknown } | null | undefined)?.data as MistralChunk | null | undefined;
  if (typeof chunk !== 'object' || chunk === null) return;
  const facts = tracker.facts;
  if (facts.responseId === undefined && typeof chunk.id === 'string') facts.responseId = chunk.id;
  if (facts.responseModel === undefined && typeof chunk.model === 'string') facts.responseModel = chunk.model;
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as MistralChoice | null | undefined;
      if (typeof choice !== 'object' || choice === null) continue;
      addContent(choice.delta?.content, tracker);
      if (typeof choice.finishReason === 'string') {
        (facts.finishReasons ??= []).push(choice.finishReason);
        tracker.markTerminal();
      }
    }
  }
  const usage = chunk.usage;
  if (usage !== null && usage !== undefined) {
    const input = asCount(usage.promptTokens);
    const output = asCount(usage.completionTokens);
    if (input !== undefined) facts.inputTokens = input;
    if (output !== undefined) facts.outputTokens = output;
  }
}

/**
 * The SDK failed to parse an event (its schema throws). When the event's data is a provider error
 * object (`{"object": "error", "type": ..., "code": ...}`, Mistral's error body), its code or type is
 * the `error.type`; any other unparsable event is an error of the stream too.
 */
export function readMistralErrorEvent(rawEvent: unknown, tracker: StreamTracker): void {
  const data = (rawEvent as { data?: unknown } | null | undefined)?.data;
  const body = typeof data === 'string' ? parseObject(data) : undefined;
  const error = body !== undefined && body.object === 'error' ? body : asObject(body?.error);
  tracker.markError(error !== undefined ? errorTypeOf(error) : undefined);
}
