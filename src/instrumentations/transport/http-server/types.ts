import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/**
 * Configuration of {@link HttpServerInstrumentation}. A response is a stream when its content type
 * is `text/event-stream` or NDJSON (`application/x-ndjson`, `application/ndjson`, `application/jsonl`).
 */
export type HttpServerInstrumentationConfig = InstrumentationConfig;
