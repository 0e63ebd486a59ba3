import type { TransportInstrumentationConfig } from '../../kit/midstream-instrumentation';

/**
 * Configuration of {@link HttpServerInstrumentation}. A response is a stream when its content type
 * is `text/event-stream` or NDJSON (`application/x-ndjson`, `application/ndjson`, `application/jsonl`).
 */
export type HttpServerInstrumentationConfig = TransportInstrumentationConfig;
