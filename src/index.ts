// Public API. Keep it small: every export here is documented in README.md.
export { trackStream, type TrackStreamOptions } from './manual/track-stream';
export { type Outcome, OUTCOMES } from './core/outcome';
export { type MidstreamOptions, type InstrumentationName } from './options';
export { customSseRule, terminalRuleFor, type TerminalRule, type StreamFacts } from './protocols/terminal-rules';
export * as semconv from './semconv';
export { midstreamMetricProducer } from './metrics/metric-producer';
export { StreamSpanProcessor, type StreamSpanProcessorOptions } from './processor/stream-span-processor';
export { midstreamInstrumentations, type MidstreamInstrumentationsOptions } from './instrumentations';
export { startMidstream, shutdownMidstream, type StartMidstreamOptions, type MidstreamHandle } from './register/start';
export { FetchInstrumentation, type FetchInstrumentationConfig } from './instrumentations/fetch';
export { HttpClientInstrumentation, type HttpClientInstrumentationConfig } from './instrumentations/http-client';
export { HttpServerInstrumentation, type HttpServerInstrumentationConfig } from './instrumentations/http-server';
export { OpenAIInstrumentation } from './instrumentations/openai';
export { AnthropicInstrumentation } from './instrumentations/anthropic';
export { GroqInstrumentation } from './instrumentations/groq';
export { BedrockInstrumentation } from './instrumentations/bedrock';
export { MistralInstrumentation } from './instrumentations/mistral';
export { OllamaInstrumentation } from './instrumentations/ollama';
