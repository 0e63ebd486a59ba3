import type { TransportInstrumentationConfig } from '../../kit/midstream-instrumentation';
import type { StreamRule, UrlPattern } from '../../kit/stream-match';

export type { UrlPattern };

/** Marks the responses of matching URLs as streams read with `rule` (its framing and terminal marker). */
export type FetchStreamRule = StreamRule;

/**
 * Configuration of {@link FetchInstrumentation}. Without any option, a response is a stream when its
 * content type is `text/event-stream` or NDJSON (`application/x-ndjson`, `application/ndjson`,
 * `application/jsonl`), or when it comes from a known LLM API (OpenAI, Anthropic, Gemini, ...), which
 * also gets that provider's terminal rule and the GenAI attributes.
 */
export interface FetchInstrumentationConfig extends TransportInstrumentationConfig {
  /**
   * URLs whose responses are streams whatever their content type (except `application/json`, a
   * non-streaming answer such as an error body). Read as SSE or NDJSON when the content type says so,
   * else as raw byte chunks; a clean end counts as completed.
   * @defaultValue []
   */
  streamUrls?: UrlPattern[];
  /**
   * URLs whose responses are streams read with a terminal rule, e.g.
   * `{ match: '/v1/chat/completions', rule: terminalRuleFor('openai.chat')! }` for an OpenAI-compatible
   * server on your own host. The first matching rule wins and takes precedence over the built-in hosts.
   * @defaultValue []
   */
  rules?: FetchStreamRule[];
}
