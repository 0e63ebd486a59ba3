/**
 * Every telemetry name midstream writes: span attributes, span events, metric instruments.
 * docs/telemetry.md documents each one (type, unit, meaning, when set). No other file may
 * spell a telemetry name inline.
 *
 * GenAI and HTTP names are copied here rather than imported from
 * @opentelemetry/semantic-conventions/incubating: the GenAI conventions are still in
 * Development and move between releases (research/peers.md §a).
 */

// ---- midstream span attributes -------------------------------------------------------------
/** Outcome of the stream: one of {@link Outcome}. */
export const ATTR_MIDSTREAM_OUTCOME = 'midstream.outcome';
/** Which adapter observed the stream: `fetch`, `http.client`, `http.server`, `openai`, `manual`, ... */
export const ATTR_MIDSTREAM_SOURCE = 'midstream.source';
/** Wire protocol of the stream: `sse`, `ndjson`, `bytes`, `objects`. */
export const ATTR_MIDSTREAM_PROTOCOL = 'midstream.protocol';
/** Number of chunks (SSE events, NDJSON lines, SDK items, or raw body chunks) received. */
export const ATTR_MIDSTREAM_CHUNK_COUNT = 'midstream.chunk.count';
/** Number of body bytes received (client) or written (server). */
export const ATTR_MIDSTREAM_BYTES = 'midstream.bytes';
/** Seconds from the start of the request to the response headers. */
export const ATTR_MIDSTREAM_TIME_TO_HEADERS = 'midstream.time_to_headers';
/** Seconds from the start of the request to the first chunk. */
export const ATTR_MIDSTREAM_TIME_TO_FIRST_CHUNK = 'midstream.time_to_first_chunk';
/** Seconds from the last chunk to the end of the stream. */
export const ATTR_MIDSTREAM_TIME_SINCE_LAST_CHUNK = 'midstream.time_since_last_chunk';
/** Largest gap between two consecutive chunks, in seconds. */
export const ATTR_MIDSTREAM_GAP_MAX = 'midstream.gap.max';
/** Upper bounds (seconds) of the inter-chunk gap histogram buckets; the last bucket is +Inf. */
export const ATTR_MIDSTREAM_GAP_BOUNDARIES = 'midstream.gap.boundaries';
/** Counts of inter-chunk gaps per bucket of {@link ATTR_MIDSTREAM_GAP_BOUNDARIES} (one more entry: +Inf). */
export const ATTR_MIDSTREAM_GAP_COUNTS = 'midstream.gap.counts';
/** Number of stalls (gaps longer than the stall threshold). */
export const ATTR_MIDSTREAM_STALL_COUNT = 'midstream.stall.count';
/** Whether the protocol's terminal marker was seen. */
export const ATTR_MIDSTREAM_TERMINAL_SEEN = 'midstream.terminal_seen';
/** Characters of generated text received (LLM streams), whether or not the stream completed. */
export const ATTR_MIDSTREAM_OUTPUT_CHARS = 'midstream.output.chars';
/** Number of malformed records skipped by the protocol reader (bad JSON, oversized line). */
export const ATTR_MIDSTREAM_MALFORMED_COUNT = 'midstream.malformed.count';
/** Opt-in: the completion text received, capped at the configured size. */
export const ATTR_MIDSTREAM_CONTENT_OUTPUT = 'midstream.content.output';
/** Whether {@link ATTR_MIDSTREAM_CONTENT_OUTPUT} was cut at the size limit. */
export const ATTR_MIDSTREAM_CONTENT_TRUNCATED = 'midstream.content.truncated';

// ---- midstream span events -----------------------------------------------------------------
/** The first chunk arrived. */
export const EVENT_MIDSTREAM_FIRST_CHUNK = 'midstream.first_chunk';
/** A gap between chunks exceeded the stall threshold. */
export const EVENT_MIDSTREAM_STALL = 'midstream.stall';
/** The stream ended before its terminal marker. */
export const EVENT_MIDSTREAM_TRUNCATED = 'midstream.truncated';
/** Server side: the client went away before the response ended. */
export const EVENT_MIDSTREAM_CLIENT_DISCONNECTED = 'midstream.client_disconnected';

// ---- span event attributes -----------------------------------------------------------------
/** Stall event: length of the gap in seconds (so far, when the stream ended during the stall). */
export const ATTR_MIDSTREAM_STALL_GAP = 'midstream.stall.gap';
/** Stall event: the index (0-based) of the chunk after which the stream stalled. */
export const ATTR_MIDSTREAM_CHUNK_INDEX = 'midstream.chunk.index';
/** Stall event: whether the stream was still stalled when it ended. */
export const ATTR_MIDSTREAM_STALL_ONGOING = 'midstream.stall.ongoing';
/** Why: on the truncated/disconnected events, and on an interrupted span (how the process ended). */
export const ATTR_MIDSTREAM_REASON = 'midstream.reason';

// ---- midstream.reason of an interrupted stream: how the process ended ----------------------
/** `process.exit()` was called (also inside the app's own signal handler). */
export const REASON_PROCESS_EXIT = 'process_exit';
/** A fatal uncaught exception. */
export const REASON_UNCAUGHT_EXCEPTION = 'uncaught_exception';
/** A fatal unhandled promise rejection. */
export const REASON_UNHANDLED_REJECTION = 'unhandled_rejection';
/** SIGTERM / SIGINT with no handler of the app's: the default action ends the process. */
export const REASON_SIGTERM = 'sigterm';
export const REASON_SIGINT = 'sigint';
/** The event loop emptied while the stream was live: nothing was left to deliver its data. */
export const REASON_EVENT_LOOP_EMPTY = 'event_loop_empty';
/** The app shut the pipeline down (`shutdown()` of the handle or of a StreamSpanProcessor). */
export const REASON_SHUTDOWN = 'shutdown';

// ---- midstream metrics ---------------------------------------------------------------------
export const METRIC_MIDSTREAM_STREAM_DURATION = 'midstream.stream.duration';
export const METRIC_MIDSTREAM_STREAM_TIME_TO_FIRST_CHUNK = 'midstream.stream.time_to_first_chunk';
export const METRIC_MIDSTREAM_STREAM_CHUNK_GAP = 'midstream.stream.chunk_gap';
export const METRIC_MIDSTREAM_STREAM_CHUNKS = 'midstream.stream.chunks';
export const METRIC_MIDSTREAM_STREAM_BYTES = 'midstream.stream.bytes';
export const METRIC_MIDSTREAM_STREAM_OUTCOMES = 'midstream.stream.outcomes';
export const METRIC_MIDSTREAM_STREAM_STALLS = 'midstream.stream.stalls';
export const METRIC_MIDSTREAM_STREAM_ACTIVE = 'midstream.stream.active';
export const METRIC_MIDSTREAM_STREAM_OUTPUT_CHARS = 'midstream.stream.output_chars';

// ---- orphaned generation and retries (server relays) ----------------------------------------
/** Orphaned stream: seconds from the client's disconnect to this upstream stream's end (cancellation latency). */
export const ATTR_MIDSTREAM_ORPHANED_DURATION = 'midstream.orphaned.duration';
/** Orphaned stream: chunks received after the client's disconnect. */
export const ATTR_MIDSTREAM_ORPHANED_CHUNK_COUNT = 'midstream.orphaned.chunk.count';
/** Orphaned stream: characters of generated text received after the client's disconnect. */
export const ATTR_MIDSTREAM_ORPHANED_OUTPUT_CHARS = 'midstream.orphaned.output.chars';
/** Orphaned stream: output tokens the provider reported after the client's disconnect. */
export const ATTR_MIDSTREAM_ORPHANED_OUTPUT_TOKENS = 'midstream.orphaned.output.tokens';
/** Attempt number of a stream that retries a failed stream of the same parent, operation and model (2, 3, ...). */
export const ATTR_MIDSTREAM_ATTEMPT = 'midstream.attempt';
/** Upstream stream: the client of the server request it feeds went away while it was live. */
export const EVENT_MIDSTREAM_ORPHANED = 'midstream.orphaned';
/** Upstream streams whose server request lost its client while they were live, by how they ended. */
export const METRIC_MIDSTREAM_ORPHANED_STREAMS = 'midstream.orphaned.streams';
/** Characters of generated text received by orphaned streams after the client left. */
export const METRIC_MIDSTREAM_ORPHANED_OUTPUT_CHARS = 'midstream.orphaned.output_chars';
/** Output tokens reported by orphaned streams after the client left. */
export const METRIC_MIDSTREAM_ORPHANED_OUTPUT_TOKENS = 'midstream.orphaned.output_tokens';
/** Time from the client's disconnect to the orphaned upstream's end: the cancellation latency. */
export const METRIC_MIDSTREAM_ORPHANED_DURATION = 'midstream.orphaned.duration';
/** Streams that retry a failed stream (attempt 2, 3, ...). */
export const METRIC_MIDSTREAM_RETRY_STREAMS = 'midstream.retry.streams';
/** Characters of generated text the retried (failed) attempts had already received. */
export const METRIC_MIDSTREAM_RETRY_OUTPUT_CHARS = 'midstream.retry.output_chars';
/** Output tokens the retried (failed) attempts had reported. */
export const METRIC_MIDSTREAM_RETRY_OUTPUT_TOKENS = 'midstream.retry.output_tokens';
/** Buckets of the cancellation latency (s): milliseconds when the app cancels, a generation's length when not. */
export const CANCELLATION_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

// ---- GenAI semantic conventions (v1.41 / semantic-conventions-genai) -------------------------
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.operation.time_per_output_chunk';
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';

// ---- general / HTTP semantic conventions (stable) ------------------------------------------
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';

// ---- HTTP request metrics (stable HTTP semconv; recorded by midstream's transports, MIDSTREAM_HTTP_METRICS)
export const METRIC_HTTP_SERVER_REQUEST_DURATION = 'http.server.request.duration';
export const METRIC_HTTP_CLIENT_REQUEST_DURATION = 'http.client.request.duration';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';

// ---- bucket boundaries ---------------------------------------------------------------------
/** GenAI advisory buckets for durations (s), used for duration and time-to-first-chunk. */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** Inter-chunk gap buckets (s): finer than the GenAI list below 10 ms, where token gaps live. */
export const GAP_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Chunks per stream. */
export const CHUNK_COUNT_BUCKETS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000];
/** GenAI advisory buckets for token usage. */
export const TOKEN_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
