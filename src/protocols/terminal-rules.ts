import { anthropicRule } from './providers/anthropic';
import { cohereRule, cohereV1Rule } from './providers/cohere';
import { geminiRule } from './providers/gemini';
import { ollamaRule } from './providers/ollama';
import { openAIChatRule } from './providers/openai-chat';
import { openAIResponsesRule } from './providers/openai-responses';
import type { TerminalRule } from './terminal-rule';

export {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from './terminal-rule';
export { customSseRule, type CustomSseRuleOptions } from './providers/custom';
export { providerForHost, ruleForRequest } from './provider-hosts';

/** Rule names and aliases: OpenAI-compatible servers share the Chat Completions rule. */
const RULES: ReadonlyMap<string, TerminalRule> = new Map([
  ['openai.chat', openAIChatRule],
  ['openai.completions', openAIChatRule],
  ['openai', openAIChatRule],
  ['groq', openAIChatRule],
  ['mistral', openAIChatRule],
  ['mistral_ai', openAIChatRule],
  ['deepseek', openAIChatRule],
  ['together', openAIChatRule],
  ['openrouter', openAIChatRule],
  ['openai.responses', openAIResponsesRule],
  ['anthropic', anthropicRule],
  ['gemini', geminiRule],
  ['gcp.gemini', geminiRule],
  ['ollama', ollamaRule],
  ['cohere', cohereRule],
  ['cohere.v2', cohereRule],
  ['cohere.v1', cohereV1Rule],
]);

/**
 * The built-in rule for a provider protocol: `openai.chat` (also `openai.completions`, `groq`,
 * `mistral`, `deepseek`, `together`, `openrouter`), `openai.responses`, `anthropic`, `gemini`,
 * `ollama`, `cohere` (v2), `cohere.v1`. Undefined for an unknown name.
 *
 * @example
 * const rule = terminalRuleFor('anthropic');
 * rule?.classify('message_stop', '{"type":"message_stop"}', facts); // 1 (terminal)
 */
export function terminalRuleFor(name: string): TerminalRule | undefined {
  return RULES.get(name);
}
