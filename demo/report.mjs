// Turns one scrape of the app's Prometheus endpoint (exactly what Prometheus stores) into the demo's
// report. Quantiles come from histogram buckets the way PromQL's histogram_quantile computes them, so
// the numbers match what a dashboard would show.

/** Samples of a Prometheus text exposition: [{ name, labels, value }]. */
export function parseExposition(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const matches = (s, where) => Object.entries(where).every(([k, v]) => (typeof v === 'function' ? v(s.labels[k]) : s.labels[k] === v));

/** Sum of the samples named `name` matching `where`, grouped by label `by` (Map label value → sum). */
export function sumBy(samples, name, by, where = {}) {
  const out = new Map();
  for (const s of samples) {
    if (s.name !== name || !matches(s, where)) continue;
    const key = s.labels[by] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** PromQL histogram_quantile over the cumulative `<base>_bucket` samples matching `where`. */
export function quantile(q, samples, base, where = {}) {
  const byLe = sumBy(samples, `${base}_bucket`, 'le', where);
  const buckets = [...byLe].map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n]).sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe; // the highest finite bound, as PromQL does
      return prevLe + (le - prevLe) * ((rank - prevCount) / (count - prevCount || 1));
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

const pct = (n, total) => (total === 0 ? '    - ' : `${((100 * n) / total).toFixed(1).padStart(5)} %`);
const secs = (s) => (s === undefined ? 'n/a' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

export const FAILURES = ['truncated', 'errored', 'timed_out', 'abandoned', 'interrupted'];
const ORDER = ['completed', ...FAILURES, 'aborted', 'cancelled', 'client_disconnected'];
/** Report columns: `midstream.source` values, titled. */
const COLUMNS = [
  ['openai', 'openai SDK'],
  ['anthropic', 'anthropic'],
  ['fetch', 'fetch'],
  ['http.server', 'endpoint'],
];

/** One line per HTTP view: requests and the share of 2xx / 4xx / 5xx. */
function httpLine(title, byStatus) {
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  const cls = (c) => [...byStatus].filter(([code]) => Math.floor(Number(code) / 100) === c).reduce((a, [, n]) => a + n, 0);
  return {
    total,
    errors: cls(5),
    line: `  ${title.padEnd(30)} ${String(total).padStart(5)} requests   2xx ${pct(cls(2), total)}   5xx ${pct(cls(5), total)}`,
  };
}

/**
 * The report lines, from the scrapes (`samples`, parsed) of the app before it was killed and of its successor.
 * `llmPort`: the LLM-like server's port (to tell calls to the LLM API from calls to the app's endpoint);
 * `served`: what the server injected; `clients`: what the clients did on purpose.
 */
export function formatReport({ samples, seconds, llmPort, served, clients, stallMs, graceMs }) {
  const server = httpLine('your streaming endpoint', sumBy(samples, 'http_server_request_duration_count', 'http_response_status_code'));
  const client = httpLine(
    'calls to the LLM API',
    sumBy(samples, 'http_client_request_duration_count', 'http_response_status_code', { server_port: String(llmPort) }),
  );
  const errorRate = server.total + client.total === 0 ? 0 : (100 * (server.errors + client.errors)) / (server.total + client.total);

  const lines = [
    `midstream demo: ${seconds} s against a local LLM-like server with injected faults`,
    '',
    'What an HTTP-status dashboard sees (http.server / http.client.request.duration)',
    server.line,
    client.line,
    `  Error rate ${errorRate.toFixed(1)} %. Streams that failed after their 200 are not in it.`,
    '',
    'What midstream saw: streams by outcome (midstream.stream.outcomes)',
    `  ${''.padEnd(21)}${COLUMNS.map(([, t]) => t.padStart(11)).join('')}`,
  ];
  const outcomes = new Map(COLUMNS.map(([src]) => [src, sumBy(samples, 'midstream_stream_outcomes_total', 'midstream_outcome', { midstream_source: src })]));
  const cell = (src, o) => outcomes.get(src).get(o) ?? 0;
  for (const o of ORDER) {
    const row = COLUMNS.map(([src]) => cell(src, o));
    if (o !== 'completed' && o !== 'truncated' && row.every((n) => n === 0)) continue;
    lines.push(`  ${o.padEnd(21)}${row.map((n) => String(n).padStart(11)).join('')}`);
  }
  const silent = COLUMNS.map(([src]) => {
    const failed = FAILURES.reduce((a, o) => a + cell(src, o), 0);
    return pct(failed, failed + cell(src, 'completed'));
  });
  lines.push(`  ${'silent failures'.padEnd(21)}${silent.map((s) => s.padStart(11)).join('')}`);

  const llmSdk = { midstream_source: (v) => v === 'openai' || v === 'anthropic' };
  const stalls = sumBy(samples, 'midstream_stream_stalls_total', 'midstream_source');
  lines.push(
    '',
    `  LLM time to first chunk p50 / p95   ${secs(quantile(0.5, samples, 'midstream_stream_time_to_first_chunk', llmSdk))} / ${secs(quantile(0.95, samples, 'midstream_stream_time_to_first_chunk', llmSdk))}`,
    `  chunk gap p99                       ${secs(quantile(0.99, samples, 'midstream_stream_chunk_gap', llmSdk))}`,
    `  stalls (gaps > threshold)           ${[...stalls.values()].reduce((a, b) => a + b, 0)}, as events: stalled streams may still complete`,
    '',
    ...orphanLines(samples),
    '',
    `Ground truth: the LLM-like server sent ${served.http500} HTTP 500s, ${served.drop} socket drops, ${served.close} closes without the`,
    `terminal event, ${served.error} in-stream errors and ${served.stall} stalls of ${stallMs} ms; clients left ${clients.relayLeft} relayed answers early,`,
    `${clients.relayLeftUncancelled} on /chat-legacy, which does not cancel its upstream; they broke out of ${clients.sdkBreaks} and aborted ${clients.sdkAborts} SDK streams; a deploy (SIGTERM, SIGKILL ${graceMs / 1000} s later, a new`,
    `process) cut ${clients.hanging} answers still streaming.`,
    '',
    'silent failure = a stream that started (HTTP 200) and then failed: truncated, errored, interrupted, ...',
    'aborted / cancelled / client_disconnected = someone stopped on purpose (not an error). A stream relayed',
    'by your endpoint is counted on each side it crosses (SDK call, endpoint, the endpoint\'s client).',
  );
  return lines;
}

const total = (map) => [...map.values()].reduce((a, b) => a + b, 0);

/** Orphaned upstreams by how they ended, what they generated after the client left, and the retries. */
function orphanLines(samples) {
  const byOutcome = sumBy(samples, 'midstream_orphaned_streams_total', 'midstream_outcome');
  const ended = [...byOutcome].map(([o, n]) => `${n} ${o}`).join(', ') || 'none';
  const chars = total(sumBy(samples, 'midstream_orphaned_output_chars_total', 'midstream_source'));
  const tokens = total(sumBy(samples, 'midstream_orphaned_output_tokens_total', 'midstream_source'));
  const latency = (q) => secs(quantile(q, samples, 'midstream_orphaned_duration'));
  const retries = total(sumBy(samples, 'midstream_retry_streams_total', 'midstream_source'));
  const retried = total(sumBy(samples, 'midstream_retry_output_chars_total', 'midstream_source'));
  return [
    `Generation nobody received (relay upstreams whose client had left): ${ended}`,
    `  after the client left: ${chars} characters, ${tokens} output tokens; upstream ended ${latency(0.5)} (p50) / ${latency(0.95)} (p95) later`,
    `  retries after a failed answer: ${retries} streams, paying again for ${retried} characters already received`,
  ];
}
