/** What one event means for the stream's outcome: 0 nothing, 1 the protocol's terminal marker, 2 an in-stream error. */
export type EventSignal = 0 | 1 | 2;

export const SIGNAL_NONE = 0;
export const SIGNAL_TERMINAL = 1;
export const SIGNAL_ERROR = 2;

/** Response facts a rule picks up from the stream when they are cheap to get. Only what the provider reported. */
export interface StreamFacts {
  /** Model that produced the response (`gen_ai.response.model`). */
  responseModel?: string;
  /** Provider's response id (`gen_ai.response.id`). */
  responseId?: string;
  /** One finish reason per choice / candidate, as the provider spells it. */
  finishReasons?: string[];
  /** Input (prompt) tokens the provider reported, cached tokens included. */
  inputTokens?: number;
  /** Output tokens the provider reported. */
  outputTokens?: number;
  /** Low-cardinality error code or type of an in-stream error; `_OTHER` when the provider gives none. */
  errorType?: string;
}

/** Decides, per event, whether it is the protocol's terminal marker or an in-stream error. */
export interface TerminalRule {
  /** `openai.chat`, `openai.responses`, `anthropic`, `gemini`, `ollama`, `cohere`, `cohere.v1`, `custom`. */
  readonly name: string;
  /** Wire framing the rule reads. */
  readonly protocol: 'sse' | 'ndjson';
  /** false: a clean transport end counts as completed even without a terminal event. */
  readonly requiresTerminal: boolean;
  /**
   * Classify one SSE event (event name may be '') or one NDJSON line (event ''). Fills `facts`
   * when the event carries them. Never throws.
   */
  classify(event: string, data: string, facts: StreamFacts): EventSignal;
}
