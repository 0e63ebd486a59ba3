// Wire framing only (SSE, NDJSON, line splitting, JSON probing). Pure: imports nothing from
// @opentelemetry/*, core or providers. What the frames mean per provider lives in src/providers/.
export { SseReader, type SseEventSink, type SseReaderOptions } from './sse-reader';
export { NdjsonReader, type NdjsonLineSink, type NdjsonReaderOptions } from './ndjson-reader';
