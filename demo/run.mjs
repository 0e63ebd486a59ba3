// `npm run demo`: offline, no configuration. A local OpenAI-style streaming server injects faults
// after the 200; an instrumented workload streams from it with global fetch; the report sets what
// an HTTP-status dashboard sees beside what midstream recorded, from the same telemetry.
//   MIDSTREAM_DEMO_SECONDS          workload length (default 10)
//   MIDSTREAM_DEMO_METRICS_PORT     Prometheus endpoint port (default 9464; 0 = ephemeral; busy = ephemeral)
//   MIDSTREAM_DEMO_LINGER_SECONDS   keep serving metrics this long after the report (default 0)
import { createRequire } from 'node:module';
import { formatReport, pointsOf, quantile, sumBy } from './report.mjs';
import { startTelemetry } from './telemetry.mjs';

const require = createRequire(import.meta.url);
const sc = require('../dist/semconv.js');

const number = (name, fallback) => {
  const v = process.env[name];
  const n = v === undefined || v.trim() === '' ? fallback : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};
const seconds = number('MIDSTREAM_DEMO_SECONDS', 10);
const lingerSeconds = number('MIDSTREAM_DEMO_LINGER_SECONDS', 0);
const metricsPort = number('MIDSTREAM_DEMO_METRICS_PORT', 9464);
const clients = 4;
const STALL_THRESHOLD_MS = 1000;

// midstream's options from MIDSTREAM_* as startMidstream() reads them (process-wide state), before
// the first stream starts. The demo builds its own SDK pipeline, so it sets them directly.
process.env.MIDSTREAM_STALL_THRESHOLD_MS ??= String(STALL_THRESHOLD_MS);
const { processState } = require('../dist/core/process-state.js');
const { readOptionsFromEnv } = require('../dist/options.js');
processState().options = readOptionsFromEnv();

const telemetry = await startTelemetry({ metricsPort });
console.log(`Prometheus metrics: ${telemetry.metricsUrl}`);

// Loaded after the instrumentations, as an app's modules are under --require/--import.
const { startLlmServer } = await import('./llm-server.mjs');
const { runWorkload } = await import('./workload.mjs');
const STALL_MS = 1500;
const llm = await startLlmServer({ stallMs: STALL_MS });
console.log(`LLM-like server: ${llm.url} (stall threshold ${processState().options.stallThresholdMs} ms); streaming for ${seconds} s ...`);

const { aborted } = await runWorkload({ baseUrl: llm.url, seconds, clients });
await llm.close();

const collected = await telemetry.collect();
const fetchOnly = { [sc.ATTR_MIDSTREAM_SOURCE]: 'fetch' };
const httpPoints = pointsOf(collected, 'http.server.request.duration');
const ttfc = pointsOf(collected, sc.METRIC_MIDSTREAM_STREAM_TIME_TO_FIRST_CHUNK);
const gaps = pointsOf(collected, sc.METRIC_MIDSTREAM_STREAM_CHUNK_GAP);
const stalls = sumBy(pointsOf(collected, sc.METRIC_MIDSTREAM_STREAM_STALLS), sc.ATTR_MIDSTREAM_SOURCE, fetchOnly);
const report = formatReport({
  http: sumBy(httpPoints, sc.ATTR_HTTP_RESPONSE_STATUS_CODE),
  outcomes: sumBy(pointsOf(collected, sc.METRIC_MIDSTREAM_STREAM_OUTCOMES), sc.ATTR_MIDSTREAM_OUTCOME, fetchOnly),
  ttfcP50: quantile(0.5, ttfc, fetchOnly),
  ttfcP95: quantile(0.95, ttfc, fetchOnly),
  gapP99: quantile(0.99, gaps, fetchOnly),
  stalls: stalls.get('fetch') ?? 0,
  seconds,
  clients,
  injected: { served: llm.served, stallMs: STALL_MS, aborted },
});
console.log(['', ...report].join('\n'));

if (lingerSeconds > 0) {
  console.log(`\nServing ${telemetry.metricsUrl} for ${lingerSeconds} s more ...`);
  await new Promise((resolve) => setTimeout(resolve, lingerSeconds * 1000));
}
await telemetry.shutdown();
