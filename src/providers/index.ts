import { anthropicRule } from './anthropic';
import { cohereRule, cohereV1Rule } from './cohere';
import { geminiRule } from './gemini';
import { ollamaRule } from './ollama';
import { openAIChatRule } from './openai-chat';
import { openAIResponsesRule } from './openai-responses';
import type { TerminalRule } from './types';

// Everything midstream knows about provider protocols: one file per protocol with its wire rule and
// its item reader side by side (DESIGN.md "Architecture"). Pure: no core, no @opentelemetry.
export * from './types';
export { customSseRule, type CustomSseRuleOptions } from './custom';
export { providerForHost, ruleForRequest } from './hosts';

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
