// PromQL building blocks shared by scripts/build-alerts.mjs and scripts/build-dashboards.mjs.
//
// Every metric and label name is taken from src/semconv.ts (read as text, so no build is needed)
// and turned into its Prometheus spelling: dots become underscores.
//
// Two export paths spell the seconds-histograms differently:
//   JS Prometheus exporter (scraped):      midstream_stream_duration_bucket
//   Collector / Prometheus OTLP receiver:  midstream_stream_duration_seconds_bucket
// Names whose unit is `{...}` (outcomes, stalls, chunks, active, token usage) or already carry the
// unit word (bytes) are the same on both paths. The seconds-histograms are selected with an anchored
// name regex, `{__name__=~"midstream_stream_duration(_seconds)?_bucket"}`, so every query works on
// either path with no relabelling and no recording rules installed (see grafana/README.md).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SEMCONV = fileURLToPath(new URL('../src/semconv.ts', import.meta.url));

/** `export const NAME = 'value'` pairs of src/semconv.ts. */
export function readSemconv(file = SEMCONV) {
  const out = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/export const (\w+)\s*=\s*'([^']+)'/g)) out[m[1]] = m[2];
  return out;
}

const sc = readSemconv();
const need = (key) => {
  if (!(key in sc)) throw new Error(`src/semconv.ts has no ${key}`);
  return sc[key];
};
/** OTel name → Prometheus name (dots to underscores). */
export const prom = (name) => name.replace(/[^a-zA-Z0-9_:]/g, '_');

/** Prometheus label names. */
export const L = {
  job: 'job',
  le: 'le',
  source: prom(need('ATTR_MIDSTREAM_SOURCE')),
  outcome: prom(need('ATTR_MIDSTREAM_OUTCOME')),
  errorType: prom(need('ATTR_ERROR_TYPE')),
  provider: prom(need('ATTR_GEN_AI_PROVIDER_NAME')),
  model: prom(need('ATTR_GEN_AI_REQUEST_MODEL')),
  operation: prom(need('ATTR_GEN_AI_OPERATION_NAME')),
  tokenType: prom(need('ATTR_GEN_AI_TOKEN_TYPE')),
  route: prom(need('ATTR_HTTP_ROUTE')),
  method: prom(need('ATTR_HTTP_REQUEST_METHOD')),
  status: prom(need('ATTR_HTTP_RESPONSE_STATUS_CODE')),
  serverAddress: prom(need('ATTR_SERVER_ADDRESS')),
};

/** Outcomes a person or client chose: not failures. */
export const DELIBERATE = ['aborted', 'cancelled', 'client_disconnected'];
/** The `midstream.source` of streamed responses written by our own HTTP servers. */
export const SERVER_SOURCE = 'http.server';

const secondsHistogram = (key) => ({ otel: need(key), base: prom(need(key)), seconds: true });
const plain = (key) => ({ otel: need(key), base: prom(need(key)), seconds: false });

/** `http_server_x` and `http_client_x` as one name regex: `http_(server|client)_x`. */
function httpBoth(server, client) {
  const rest = server.slice('http_server_'.length);
  if (client !== `http_client_${rest}`) throw new Error(`${server} and ${client} do not pair`);
  return `http_(server|client)_${rest}`;
}

/** Metrics the queries use. */
export const M = {
  duration: secondsHistogram('METRIC_MIDSTREAM_STREAM_DURATION'),
  ttfc: secondsHistogram('METRIC_MIDSTREAM_STREAM_TIME_TO_FIRST_CHUNK'),
  gap: secondsHistogram('METRIC_MIDSTREAM_STREAM_CHUNK_GAP'),
  chunks: plain('METRIC_MIDSTREAM_STREAM_CHUNKS'),
  outputChars: plain('METRIC_MIDSTREAM_STREAM_OUTPUT_CHARS'),
  bytes: plain('METRIC_MIDSTREAM_STREAM_BYTES'),
  outcomes: plain('METRIC_MIDSTREAM_STREAM_OUTCOMES'),
  stalls: plain('METRIC_MIDSTREAM_STREAM_STALLS'),
  active: plain('METRIC_MIDSTREAM_STREAM_ACTIVE'),
  genaiDuration: secondsHistogram('METRIC_GEN_AI_CLIENT_OPERATION_DURATION'),
  genaiTtfc: secondsHistogram('METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK'),
  genaiTpoc: secondsHistogram('METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK'),
  tokens: plain('METRIC_GEN_AI_CLIENT_TOKEN_USAGE'),
  orphanedStreams: plain('METRIC_MIDSTREAM_ORPHANED_STREAMS'),
  orphanedChars: plain('METRIC_MIDSTREAM_ORPHANED_OUTPUT_CHARS'),
  orphanedTokens: plain('METRIC_MIDSTREAM_ORPHANED_OUTPUT_TOKENS'),
  orphanedDuration: secondsHistogram('METRIC_MIDSTREAM_ORPHANED_DURATION'),
  retryStreams: plain('METRIC_MIDSTREAM_RETRY_STREAMS'),
  retryChars: plain('METRIC_MIDSTREAM_RETRY_OUTPUT_CHARS'),
  retryTokens: plain('METRIC_MIDSTREAM_RETRY_OUTPUT_TOKENS'),
  /** Recorded by midstream's transports, or by @opentelemetry/instrumentation-http when it runs (MIDSTREAM_HTTP_METRICS). */
  httpServer: secondsHistogram('METRIC_HTTP_SERVER_REQUEST_DURATION'),
  /** Both HTTP duration histograms (server and client): `http_(server|client)_request_duration`. */
  http: {
    otel: 'http.{server,client}.request.duration',
    base: httpBoth(prom(need('METRIC_HTTP_SERVER_REQUEST_DURATION')), prom(need('METRIC_HTTP_CLIENT_REQUEST_DURATION'))),
    seconds: true,
  },
};

/**
 * One selector over several counters (`{__name__=~"a_total|b_total", ...}`), for a sum of like
 * quantities (output tokens nobody received, whatever the reason) that still returns data when only
 * some of them have series.
 */
export function anyOf(metrics, part, ...ms) {
  const names = metrics.map((m) => (part ? `${m.base}_${part}` : m.base)).join('|');
  const m = matchers(...ms);
  return `{__name__=~"${names}"${m ? `, ${m}` : ''}}`;
}

/** Joins matcher strings, dropping empty ones. */
export const matchers = (...parts) => parts.flat().filter(Boolean).join(', ');

/**
 * Series selector for a histogram part (`bucket`, `sum`, `count`) or a counter (`total`) or gauge
 * (`''`). Seconds-histograms match both spellings with an anchored name regex.
 */
export function sel(metric, part, ...ms) {
  const m = matchers(...ms);
  if (metric.seconds) {
    return `{__name__=~"${metric.base}(_seconds)?_${part}"${m ? `, ${m}` : ''}}`;
  }
  const name = part ? `${metric.base}_${part}` : metric.base;
  return m ? `${name}{${m}}` : name;
}

/** `sum by (labels) (rate(selector[window]))` */
export const sumRate = (by, selector, window) => `sum by (${by.join(', ')}) (rate(${selector}[${window}]))`;
export const sumIncrease = (by, selector, window) => `sum by (${by.join(', ')}) (increase(${selector}[${window}]))`;

/** `histogram_quantile(q, sum by (le, ...) (rate(bucket[window])))` */
export const quantile = (q, metric, by, window, ...ms) =>
  `histogram_quantile(${q}, ${sumRate(['le', ...by], sel(metric, 'bucket', ...ms), window)})`;

/** Mean of a histogram: rate(sum) / rate(count). */
export const mean = (metric, by, window, ...ms) =>
  `${sumRate(by, sel(metric, 'sum', ...ms), window)} / ${sumRate(by, sel(metric, 'count', ...ms), window)}`;

const alt = (values) => values.join('|');
/** Outcome matchers. */
export const O = {
  completed: `${L.outcome}="completed"`,
  /** Failures: not completed and not a deliberate stop. */
  failed: `${L.outcome}!~"${alt(['completed', ...DELIBERATE])}"`,
  /** Streams that were let run: completed or failed. */
  notDeliberate: `${L.outcome}!~"${alt(DELIBERATE)}"`,
  clientDisconnected: `${L.outcome}="client_disconnected"`,
  interrupted: `${L.outcome}="interrupted"`,
  truncated: `${L.outcome}="truncated"`,
};
export const serverSide = `${L.source}="${SERVER_SOURCE}"`;
export const status5xx = `${L.status}=~"5.."`;

/**
 * Share of streams that did not complete, among those nobody stopped on purpose.
 * Zero (not NaN-free) when nothing failed: `or` fills the missing numerator with 0 per group.
 */
export function silentFailureRatio(by, window, ...ms) {
  const failed = sumRate(by, sel(M.outcomes, 'total', O.failed, ...ms), window);
  const total = sumRate(by, sel(M.outcomes, 'total', O.notDeliberate, ...ms), window);
  return `(${failed} or ${total} * 0) / ${total}`;
}

/** 5xx share of HTTP requests (the server and client request-duration histograms), per `by`. */
export function http5xxRatio(by, window, ...ms) {
  const total = sumRate(by, sel(M.http, 'count', ...ms), window);
  const errors = sumRate(by, sel(M.http, 'count', status5xx, ...ms), window);
  return `(${errors} or ${total} * 0) / ${total}`;
}
