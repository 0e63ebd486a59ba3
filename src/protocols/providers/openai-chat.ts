import { asCount, asObject, asString, errorTypeOf, hasNonNullValue, parseObject } from '../json-probe';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL, type EventSignal, type StreamFacts, type TerminalRule } from '../terminal-rule';

/**
 * OpenAI Chat Completions and legacy Completions streams, and every server that speaks the same
 * chunk shape (Groq, Mistral, DeepSeek, Together, OpenRouter, Ollama's /v1). Terminal: `data: [DONE]`
 * or a chunk with a non-null `choices[].finish_reason`. Error: an `error` object in the data (or an
 * `event: error`). Usage: `usage` (with `stream_options.include_usage`, a last chunk with
 * `choices: []`) or Groq's `x_groq.usage`. Every chunk carries `"finish_reason":null` and, with
 * include_usage, `"usage":null`, so the probes look at the value, not just the key.
 */
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
    const finishing = hasNonNullValue(data, '"finish_reason":');
    const usage = hasNonNullValue(data, '"usage":');
    const error = data.includes('"error":');
    const identity =
      (facts.responseModel === undefined && data.includes('"model":')) || (facts.responseId === undefined && data.includes('"id":'));
    if (!finishing && !usage && !error && !identity) return SIGNAL_NONE;
    const chunk = parseObject(data);
    if (chunk === undefined) return SIGNAL_NONE;
    if (error && chunk.error !== undefined && chunk.error !== null) {
      facts.errorType = errorTypeOf(chunk.error);
      return SIGNAL_ERROR;
    }
    facts.responseId ??= asString(chunk.id);
    facts.responseModel ??= asString(chunk.model);
    if (usage) readUsage(asObject(chunk.usage) ?? asObject(asObject(chunk.x_groq)?.usage), facts);
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

function readUsage(usage: Record<string, unknown> | undefined, facts: StreamFacts): void {
  if (usage === undefined) return;
  const input = asCount(usage.prompt_tokens);
  const output = asCount(usage.completion_tokens);
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
}
