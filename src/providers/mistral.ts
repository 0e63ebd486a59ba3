import { asObject, asString, errorTypeOf, parseObject } from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TextSink } from './types';

/**
 * Mistral chat and FIM streams as `@mistralai/mistralai` yields them. The wire is OpenAI's Chat
 * Completions chunk shape, so the wire view is `openAIChatRule` (providers/openai-chat.ts, alias
 * `mistral`); the SDK yields each event as `{data: CompletionChunk}` camelCased by its schema
 * (`finishReason`, `promptTokens`), which this item view reads. The wire's `data: [DONE]` is seen by
 * the adapter's wrapped parser.
 */

interface MistralChoice {
  delta?: { content?: unknown } | null;
  finishReason?: unknown;
}

/** `delta.content` is a string, or an array of content chunks (`{type: 'text', text}`, thinking...). */
function addContent(content: unknown, out: TextSink): void {
  if (typeof content === 'string') {
    if (content.length > 0) out.addOutputText(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (let i = 0; i < content.length; i++) {
    const value = (content[i] as { text?: unknown } | null | undefined)?.text;
    if (typeof value === 'string' && value.length > 0) out.addOutputText(value);
  }
}

/** Item view: one parsed event, `{data: CompletionChunk}`. Terminal: a choice with a non-null `finishReason`. */
export function readMistralItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  const chunk = asObject(asObject(item)?.data);
  if (chunk === undefined) return SIGNAL_NONE;
  facts.responseId ??= asString(chunk.id);
  facts.responseModel ??= asString(chunk.model);
  let signal: EventSignal = SIGNAL_NONE;
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as MistralChoice | null | undefined;
      if (typeof choice !== 'object' || choice === null) continue;
      addContent(choice.delta?.content, out);
      const reason = asString(choice.finishReason);
      if (reason !== undefined) {
        (facts.finishReasons ??= []).push(reason);
        signal = SIGNAL_TERMINAL;
      }
    }
  }
  const usage = asObject(chunk.usage);
  if (usage !== undefined) readTokens(facts, usage.promptTokens, usage.completionTokens);
  return signal;
}

/**
 * Error view over the raw event the SDK failed to parse (its schema throws). When the event's data
 * is a provider error object (`{"object": "error", "type": ..., "code": ...}`, Mistral's error
 * body), its code or type is the `error.type`; any other unparsable event is an error of the stream too.
 */
export function readMistralErrorEvent(rawEvent: unknown, facts: StreamFacts): typeof SIGNAL_ERROR {
  const data = asObject(rawEvent)?.data;
  const body = typeof data === 'string' ? parseObject(data) : undefined;
  const error = body !== undefined && body.object === 'error' ? body : asObject(body?.error);
  if (error !== undefined) facts.errorType ??= errorTypeOf(error);
  return SIGNAL_ERROR;
}
