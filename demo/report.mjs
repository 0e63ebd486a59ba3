// Turns collected OpenTelemetry metrics (the same data the Prometheus endpoint serves) into the
// demo's side-by-side report. Quantiles come from histogram buckets the way PromQL's
// histogram_quantile computes them, so the numbers match what a dashboard would show.

/** Every data point of metric `name` in a `reader.collect()` result. */
export function pointsOf(collected, name) {
  const out = [];
  for (const sm of collected.resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) if (m.descriptor.name === name) out.push(...m.dataPoints);
  }
  return out;
}

const matches = (p, where) => Object.entries(where).every(([k, v]) => p.attributes[k] === v);

/** Sum of counter values (or histogram counts) of points matching `where`, grouped by attribute `by`. */
export function sumBy(points, by, where = {}) {
  const out = new Map();
  for (const p of points) {
    if (!matches(p, where)) continue;
    const key = p.attributes[by];
    out.set(key, (out.get(key) ?? 0) + (typeof p.value === 'number' ? p.value : p.value.count));
  }
  return out;
}

/** PromQL histogram_quantile over the merged buckets of the matching histogram points. */
export function quantile(q, points, where = {}) {
  let bounds;
  let counts;
  for (const p of points) {
    if (!matches(p, where)) continue;
    const b = p.value.buckets;
    bounds ??= b.boundaries;
    counts ??= new Array(b.counts.length).fill(0);
    b.counts.forEach((c, i) => (counts[i] += c));
  }
  const total = counts?.reduce((a, b) => a + b, 0) ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      if (i === bounds.length) return bounds[bounds.length - 1]; // +Inf bucket: the highest finite bound
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * ((rank - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1];
}

const pct = (n, total) => (total === 0 ? '  -  ' : `${((100 * n) / total).toFixed(1).padStart(5)} %`);
const secs = (s) => (s === undefined ? 'n/a' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

const FAILURES = ['truncated', 'errored', 'timed_out', 'abandoned', 'interrupted'];

/**
 * The report lines. `http` holds the server-side status codes (Map code → count), `outcomes`
 * Map outcome → count, and the timing figures in seconds.
 */
export function formatReport({ http, outcomes, ttfcP50, ttfcP95, gapP99, stalls, seconds, clients, injected }) {
  const requests = [...http.values()].reduce((a, b) => a + b, 0);
  const byClass = (c) => [...http].filter(([code]) => Math.floor(Number(code) / 100) === c).reduce((a, [, n]) => a + n, 0);
  const streams = [...outcomes.values()].reduce((a, b) => a + b, 0);
  const silent = FAILURES.reduce((a, o) => a + (outcomes.get(o) ?? 0), 0);

  const left = [
    'What an HTTP-status dashboard sees',
    `  requests      ${String(requests).padStart(5)}`,
    `  2xx           ${pct(byClass(2), requests)}`,
    `  5xx           ${pct(byClass(5), requests)}`,
    '',
    '  Every response was a 200.',
    '  Error rate: 0 %. All green.',
  ];
  const order = ['completed', 'truncated', 'errored', 'aborted', 'cancelled', 'timed_out', 'abandoned', 'interrupted', 'client_disconnected'];
  const right = ['What midstream saw', `  streams            ${String(streams).padStart(5)}`];
  for (const o of order) {
    const n = outcomes.get(o) ?? 0;
    if (n > 0 || o === 'completed' || o === 'truncated' || o === 'errored' || o === 'aborted') {
      right.push(`  ${o.padEnd(18)} ${String(n).padStart(5)}  ${pct(n, streams)}`);
    }
  }
  right.push(
    `  silent failures    ${String(silent).padStart(5)}  ${pct(silent, streams)}`,
    `  TTFT p50 / p95     ${secs(ttfcP50)} / ${secs(ttfcP95)}`,
    `  chunk gap p99      ${secs(gapP99)}`,
    `  stalls             ${String(stalls).padStart(5)}`,
  );
  const width = 42;
  const lines = [`midstream demo: ${clients} clients, ${seconds} s, local OpenAI-style server with injected faults`, ''];
  for (let i = 0; i < Math.max(left.length, right.length); i++) lines.push(`${(left[i] ?? '').padEnd(width)}${right[i] ?? ''}`.trimEnd());
  if (injected !== undefined) {
    const s = injected.served;
    lines.push(
      '',
      `Ground truth: the server injected ${s.drop} socket drops, ${s.close} closes without [DONE], ${s.error} error events`,
      `and ${s.stall} stalls of ${injected.stallMs} ms; the clients aborted ${injected.aborted} streams (an abort wins over a later fault).`,
    );
  }
  lines.push(
    '',
    'silent failures = streams that got HTTP 200 and then failed (truncated, errored, ...);',
    'aborted = the client gave up on purpose (not an error). A stall is an event, not an outcome:',
    'stalled streams may still complete. Quantiles are histogram_quantile over the exported buckets.',
  );
  return lines;
}
