import {
  JsonKey,
  KEY_ABSENT,
  KEY_HAS_VALUE,
  KEY_NULL,
  asObject,
  asString,
  errorTypeOf,
  parseObject,
} from '../protocols/json-probe';
import { readTokens } from './facts';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TerminalRule, TextSink } from './types';

/**
 * OpenAI Chat Completions and legacy Completions streams, and every server that speaks the same
 * chunk shape (Groq, Mistral, DeepSeek, Together, OpenRouter, Ollama's /v1). Terminal: `data: [DONE]`
 * (the SDK swallows it) or a chunk with a non-null `choices[].finish_reason`. Error: an `error`
 * object in the data (or an `event: error`). Usage: `usage` (with `stream_options.include_usage`, a
 * last chunk with `choices: []`) or Groq's `x_groq.usage`.
 */

const FINISH_REASON = new JsonKey('finish_reason');
const USAGE = new JsonKey('usage');
const ERROR = new JsonKey('error');
const MODEL = new JsonKey('model');
const ID = new JsonKey('id');

/** `usage`, else Groq's `x_groq.usage`: prompt and completion tokens. Both views. */
function readUsage(chunk: Record<string, unknown>, facts: StreamFacts): void {
  const usage = asObject(chunk.usage) ?? asObject(asObject(chunk.x_groq)?.usage);
  if (usage !== undefined) readTokens(facts, usage.prompt_tokens, usage.completion_tokens);
}

/** Id and model of the first chunk that has them. Both views. */
function readIdentity(chunk: Record<string, unknown>, facts: StreamFacts): void {
  facts.responseId ??= asString(chunk.id);
  facts.responseModel ??= asString(chunk.model);
}

/** Wire view. Every chunk carries `"finish_reason":null` (and `"usage":null`), so the probes look at the value. */
export const openAIChatRule: TerminalRule = {
  name: 'openai.chat',
  protocol: 'sse',
  requiresTerminal: true,
  classify(event: string, data: string, facts: StreamFacts): EventSignal {
    if (data.charCodeAt(0) === 0x5b && data.startsWith('[DONE]')) return SIGNAL_TERMINAL;
    if (event === 'error') {
      const body = parseObject(data);
      facts.errorType = errorTypeOf(body?.error ?? body);
      return SIGNAL_ERROR;
    }
    // Choice chunks always carry the finish_reason key; only chunks without it (the include_usage
    // chunk with `choices: []`, an error) need the other probes. A finishing chunk is parsed whole,
    // which also reads the usage Groq and Mistral put on it.
    const reason = FINISH_REASON.presence(data);
    const finishing = reason === KEY_HAS_VALUE;
    const usage = finishing || (reason === KEY_ABSENT && USAGE.hasNonNullValue(data));
    const error = reason !== KEY_NULL && ERROR.isIn(data);
    const identity = (facts.responseModel === undefined && MODEL.isIn(data)) || (facts.responseId === undefined && ID.isIn(data));
    if (!finishing && !usage && !error && !identity) return SIGNAL_NONE;
    const chunk = parseObject(data);
    if (chunk === undefined) return SIGNAL_NONE;
    if (error && chunk.error !== undefined && chunk.error !== null) {
      facts.errorType = errorTypeOf(chunk.error);
      return SIGNAL_ERROR;
    }
    readIdentity(chunk, facts);
    if (usage) readUsage(chunk, facts);
    if (!finishing) return SIGNAL_NONE;
    let terminal = false;
    if (Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices) {
        const reason = asString(asObject(choice)?.finish_reason);
        if (reason === undefined) continue;
        (facts.finishReasons ??= []).push(reason);
        terminal = true;
      }
    }
    return terminal ? SIGNAL_TERMINAL : SIGNAL_NONE;
  },
};

interface ChatChoice {
  delta?: { content?: unknown } | null;
  text?: unknown;
  finish_reason?: unknown;
}

/**
 * Item view: one `chat.completion.chunk` or legacy `text_completion` chunk as the SDK yields it
 * (the wire JSON, parsed). Text: `choices[].delta.content` (chat) or `choices[].text` (completions).
 */
export function readOpenAIChatItem(item: unknown, facts: StreamFacts, out: TextSink): EventSignal {
  // Hot path (one call per SDK item): the guards below skip the shared readers on the chunks that
  // carry nothing new; measured in-process, they keep the item path as fast as before the split.
  if (typeof item !== 'object' || item === null) return SIGNAL_NONE;
  const chunk = item as Record<string, unknown>;
  if (facts.responseId === undefined || facts.responseModel === undefined) readIdentity(chunk, facts);
  let signal: EventSignal = SIGNAL_NONE;
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as ChatChoice | null | undefined;
      if (typeof choice !== 'object' || choice === null) continue;
      const delta = choice.delta?.content ?? choice.text;
      if (typeof delta === 'string' && delta.length > 0) out.addOutputText(delta);
      const reason = choice.finish_reason;
      if (typeof reason === 'string' && reason.length > 0) {
        (facts.finishReasons ??= []).push(reason);
        signal = SIGNAL_TERMINAL;
      }
    }
  }
  if (chunk.usage != null || chunk.x_groq != null) readUsage(chunk, facts);
  return signal;
}
