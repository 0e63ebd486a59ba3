import { asCount } from '../protocols/json-probe';
import type { StreamFacts } from './types';

/**
 * Records the token counts a provider reported; a value that is not a count is ignored (the fact
 * stays as it was). GenAI semconv counts cached input tokens as input: providers that report them
 * apart (Anthropic's `cache_read_input_tokens` / `cache_creation_input_tokens`, Bedrock's
 * `cacheRead/WriteInputTokens`) pass them as `cachedA` / `cachedB`, added to a reported input count.
 */
export function readTokens(facts: StreamFacts, input: unknown, output: unknown, cachedA?: unknown, cachedB?: unknown): void {
  const inputCount = asCount(input);
  if (inputCount !== undefined) facts.inputTokens = inputCount + (asCount(cachedA) ?? 0) + (asCount(cachedB) ?? 0);
  const outputCount = asCount(output);
  if (outputCount !== undefined) facts.outputTokens = outputCount;
}
