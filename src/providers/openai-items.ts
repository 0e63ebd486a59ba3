import type { StreamTracker } from '../core/stream-tracker';
import { asCount, errorTypeOf } from '../protocols/json-probe';

/** Usage as Chat Completions (and Groq's `x_groq.usage`) report it. */
interface ChatUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

/** A Chat Completions chunk or a legacy Completions chunk, as the SDK yields it (only what we read). */
interface ChatChunk {
  id?: unknown;
  model?: unknown;
  choices?: unknown;
  usage?: ChatUsage | null;
  x_groq?: { usage?: ChatUsage | null } | null;
}

interface ChatChoice {
  delta?: { content?: unknown } | null;
  text?: unknown;
  finish_reason?: unknown;
}

/** A Responses API stream event (only what we read). */
interface ResponsesEvent {
  type?: unknown;
  delta?: unknown;
  code?: unknown;
  response?: {
    id?: unknown;
    model?: unknown;
    usage?: { input_tokens?: unknown; output_tokens?: unknown } | null;
    incomplete_details?: { reason?: unknown } | null;
    error?: unknown;
  } | null;
}

function readChatUsage(usage: ChatUsage | null | undefined, tracker: StreamTracker): void {
  if (usage === null || usage === undefined) return;
  const input = asCount(usage.prompt_tokens);
  const output = asCount(usage.completion_tokens);
  if (input !== undefined) tracker.facts.inputTokens = input;
  if (output !== undefined) tracker.facts.outputTokens = output;
}

/**
 * One Chat Completions (`chat.completion.chunk`) or legacy Completions (`text_completion`) chunk.
 * Terminal: a choice with a non-null `finish_reason` (the SDK swallows `[DONE]`). Usage: the last
 * chunk with `choices: []` when `stream_options.include_usage` is set; Groq's `x_groq.usage`.
 */
export function readOpenAIChatItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const chunk = item as ChatChunk;
  const facts = tracker.facts;
  if (facts.responseId === undefined && typeof chunk.id === 'string') facts.responseId = chunk.id;
  if (facts.responseModel === undefined && typeof chunk.model === 'string') facts.responseModel = chunk.model;
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as ChatChoice | null | undefined;
      if (typeof choice !== 'object' || choice === null) continue;
      const text = choice.delta?.content ?? choice.text;
      if (typeof text === 'string' && text.length > 0) tracker.addOutputText(text);
      if (typeof choice.finish_reason === 'string') {
        (facts.finishReasons ??= []).push(choice.finish_reason);
        tracker.markTerminal();
      }
    }
  }
  if (chunk.usage != null) readChatUsage(chunk.usage, tracker);
  else if (chunk.x_groq != null) readChatUsage(chunk.x_groq.usage, tracker);
}

function readResponse(event: ResponsesEvent, tracker: StreamTracker): void {
  const response = event.response;
  if (typeof response !== 'object' || response === null) return;
  const facts = tracker.facts;
  if (facts.responseId === undefined && typeof response.id === 'string') facts.responseId = response.id;
  if (typeof response.model === 'string') facts.responseModel = response.model;
  const usage = response.usage;
  if (usage != null) {
    const input = asCount(usage.input_tokens);
    const output = asCount(usage.output_tokens);
    if (input !== undefined) facts.inputTokens = input;
    if (output !== undefined) facts.outputTokens = output;
  }
}

/**
 * One Responses API event. Terminal: `response.completed`, `response.incomplete` (finish reason
 * from `incomplete_details.reason`). Errors: `response.failed` (`response.error.code`) and `error`
 * events (`code`); the SDK yields both rather than throwing.
 */
export function readOpenAIResponsesItem(item: unknown, tracker: StreamTracker): void {
  tracker.onChunk();
  if (typeof item !== 'object' || item === null) return;
  const event = item as ResponsesEvent;
  switch (event.type) {
    case 'response.output_text.delta':
      if (typeof event.delta === 'string') tracker.addOutputText(event.delta);
      return;
    case 'response.created':
    case 'response.in_progress':
      readResponse(event, tracker);
      return;
    case 'response.completed':
      readResponse(event, tracker);
      tracker.facts.finishReasons ??= ['stop'];
      tracker.markTerminal();
      return;
    case 'response.incomplete': {
      readResponse(event, tracker);
      const reason = event.response?.incomplete_details?.reason;
      tracker.facts.finishReasons ??= [typeof reason === 'string' ? reason : 'incomplete'];
      tracker.markTerminal();
      return;
    }
    case 'response.failed':
      readResponse(event, tracker);
      tracker.markError(errorTypeOf(event.response?.error));
      return;
    case 'error':
      tracker.markError(typeof event.code === 'string' && event.code.length > 0 ? event.code : errorTypeOf(event));
      return;
    default:
      return;
  }
}
