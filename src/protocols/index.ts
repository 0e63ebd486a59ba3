// Wire-format readers and terminal-marker rules. Pure: imports nothing from @opentelemetry/*.
export { SseReader, type SseEventSink, type SseReaderOptions } from './sse-reader';
export { NdjsonReader, type NdjsonLineSink, type NdjsonReaderOptions } from './ndjson-reader';
export {
  SIGNAL_ERROR,
  SIGNAL_NONE,
  SIGNAL_TERMINAL,
  customSseRule,
  providerForHost,
  ruleForRequest,
  terminalRuleFor,
  type CustomSseRuleOptions,
  type EventSignal,
  type StreamFacts,
  type TerminalRule,
} from './terminal-rules';
