import type { TransportInstrumentationConfig } from '../../kit/midstream-instrumentation';
import type { StreamRule, UrlPattern } from '../../kit/stream-match';

export type { UrlPattern };

/** Marks the responses of matching URLs as streams read with `rule` (its framing and terminal marker). */
export type HttpStreamRule = StreamRule;

/**
 * Configuration of {@link HttpClientInstrumentation}; the same stream matching as the fetch
 * instrumentation. Without any option, a response is a stream when its content type is
 * `text/event-stream` or NDJSON, or when it comes from a known LLM API (which also gets that
 * provider's terminal rule and the GenAI attributes).
 */
export interface HttpClientInstrumentationConfig extends TransportInstrumentationConfig {
  /**
   * URLs (substring or RegExp of the request URL) whose responses are streams whatever their content
   * type (except `application/json`); read as SSE or NDJSON when the content type says so, else as
   * raw byte chunks; a clean end counts as completed.
   * @defaultValue []
   */
  streamUrls?: UrlPattern[];
  /**
   * URLs whose responses are streams read with a terminal rule, e.g.
   * `{ match: '/v1/chat/completions', rule: terminalRuleFor('openai.chat')! }`. The first matching
   * rule wins and takes precedence over the built-in hosts.
   * @defaultValue []
   */
  rules?: HttpStreamRule[];
}
