/**
 * The contract between provider knowledge (this folder) and core: both views of a provider fill
 * {@link StreamFacts} and return a signal; core (`core/wire-reader`, `core/item-reader`) is the only
 * place that turns signals into tracker calls. Pure: no imports.
 */

/** What one event (wire) or item (SDK) means for the stream's outcome: 0 nothing, 1 the protocol's terminal marker, 2 an in-stream error. */
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

/**
 * Receives generated text (LLM deltas). Core passes the stream's tracker itself: no closure per
 * stream or per item, and a reader sees nothing of the tracker but this one method.
 */
export interface TextSink {
  addOutputText(text: string): void;
}

/**
 * The item view: reads one SDK stream item, fills `facts`, hands generated text to `out`, and
 * returns what the item means. Pure apart from `facts` and `out`; must not throw.
 */
export type ItemReader<T = unknown> = (item: T, facts: StreamFacts, out: TextSink) => EventSignal;

/**
 * The SDK threw to say the body ended cleanly before the terminal (ollama's "no done", Bedrock's
 * partial frame, genai's incomplete JSON): a clean close, so the outcome is `truncated` unless the
 * terminal was seen. `reason` goes on the truncation event; `keepsError` passes the SDK's error on
 * to the span (recorded as its exception).
 */
export interface CleanClose {
  readonly reason: string;
  readonly keepsError: boolean;
}

/** What an error the SDK's stream threw means: nothing of ours, an in-stream error (type in `facts.errorType`), or a clean close. */
export type ErrorSignal = typeof SIGNAL_NONE | typeof SIGNAL_ERROR | CleanClose;

/** The error view: reads an error the SDK's stream threw. Pure apart from `facts`; must not throw. */
export type ErrorReader = (error: unknown, facts: StreamFacts) => ErrorSignal;
