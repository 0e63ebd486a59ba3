// Dashboard 1: stream health overview (every source, client and server side).
import { L, M, O, sel, sumRate, quantile, silentFailureRatio, http5xxRatio, serverSide, matchers } from '../midstream-promql.mjs';
import { F, JOB, standardVariables } from './common.mjs';

const RI = '$__rate_interval';
export const VARIABLES = standardVariables();

export const PANELS = [
  { row: 'Outcomes: what happened to each stream' },
  {
    title: 'Streams by outcome',
    stack: true,
    unit: 'reqps',
    description:
      'Streams ended per second, stacked by outcome. Healthy: almost all `completed`; `aborted`/`cancelled`/`client_disconnected` are someone choosing to stop. ' +
      'Growing `truncated` (ended before the terminal marker), `errored` (error event inside the stream), `timed_out`, `abandoned` (never read to the end) or `interrupted` (process shut down) means users got half an answer.',
    targets: [{ expr: sumRate([L.outcome], sel(M.outcomes, 'total', F), RI), legend: '{{midstream_outcome}}' }],
  },
  {
    title: 'Silent failure ratio beside the HTTP 5xx ratio',
    unit: 'percentunit',
    min: 0,
    thresholds: [[0.05, 'red']],
    description:
      'Share of streams that did not complete, not counting deliberate stops (aborted, cancelled, client_disconnected), beside the share of HTTP responses with a 5xx status (http.server/client.request.duration, recorded by midstream or by @opentelemetry/instrumentation-http). ' +
      'A silent failure ratio well above the 5xx ratio means streams break after a 200: HTTP dashboards and SLOs count them as successes. Alert: MidstreamSilentStreamFailures.',
    targets: [
      { expr: silentFailureRatio([L.job], RI, F), legend: 'silent failures {{job}}' },
      { expr: http5xxRatio([L.job], RI, JOB), legend: 'HTTP 5xx {{job}}' },
    ],
  },
  {
    title: 'Failed streams by error type',
    stack: true,
    unit: 'reqps',
    description:
      'Failures per second by `error.type` and source. `stream_truncated` is a close before the terminal marker (proxy or load-balancer timeout, upstream crash, socket reset); an exception name points at the code path that threw.',
    targets: [{ expr: sumRate([L.errorType, L.source], sel(M.outcomes, 'total', F, O.failed), RI), legend: '{{error_type}} ({{midstream_source}})' }],
  },
  {
    title: 'Interrupted streams (deploys, restarts)',
    bars: true,
    description:
      'Streams that were live when a process shut down (outcome `interrupted`), per process. Each bump or new bar is a shutdown that cut answers mid-way: a deploy without connection draining, a scale-in, an OOM kill. ' +
      'On a scraped JS exporter the count is only seen if the process is scraped after the shutdown began (see grafana/README.md). Alert: MidstreamStreamsInterrupted.',
    targets: [{ expr: `sum by (${L.job}, instance) (${sel(M.outcomes, 'total', F, O.interrupted)})`, legend: '{{job}} {{instance}}' }],
  },
  { row: 'Latency: first chunk and gaps' },
  {
    title: 'Time to first chunk p50 / p95 / p99',
    unit: 's',
    description:
      'From request start to the first chunk of the body (SSE event, NDJSON line, SDK item). What the user waits before anything appears. ' +
      'A p95 that climbs while p50 stays flat is queueing at the provider or a cold path; everything climbing together is the network or an intermediary buffering (compare with total duration). Alert: MidstreamTimeToFirstChunkRegression.',
    targets: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, M.ttfc, [], RI, F), legend: `p${q * 100}`, exemplar: true })),
  },
  {
    title: 'Chunk gap p99 by source',
    unit: 's',
    description:
      'The 99th percentile of the time between two consecutive chunks. Token streams normally show tens of milliseconds; seconds mean the producer froze mid-answer (GC pause, rate limiting, an overloaded backend) or a proxy holds data back.',
    targets: [{ expr: quantile(0.99, M.gap, [L.source], RI, F), legend: '{{midstream_source}}', exemplar: true }],
  },
  {
    title: 'Chunk gap distribution',
    type: 'heatmap',
    unit: 's',
    description:
      'How many inter-chunk gaps fell in each bucket over time. A healthy stream is a dark band at low values; a second band at seconds is stalls; everything pressed into the lowest bucket with a high time to first chunk means an intermediary buffered the stream and released it at once.',
    targets: [{ expr: `sum by (le) (increase(${sel(M.gap, 'bucket', F)}[${RI}]))`, legend: '{{le}}', format: 'heatmap' }],
  },
  {
    title: 'Stream duration p50 / p95',
    unit: 's',
    description: 'From request start to the end of the stream, whatever the outcome. Compare with time to first chunk: when both lines meet, the stream arrived in one piece.',
    targets: [0.5, 0.95].map((q) => ({ expr: quantile(q, M.duration, [], RI, F), legend: `p${q * 100}`, exemplar: true })),
  },
  { row: 'Stalls, disconnects and load' },
  {
    title: 'Stalls by source',
    unit: 'short',
    description:
      'Stalls per second: gaps between chunks longer than the stall threshold (MIDSTREAM_STALL_THRESHOLD_MS). The stream may still complete, but the user watched it freeze. Alert: MidstreamStallRateHigh.',
    targets: [{ expr: sumRate([L.source], sel(M.stalls, 'total', F), RI), legend: '{{midstream_source}}' }],
  },
  {
    title: 'Client disconnects on our streaming endpoints',
    unit: 'reqps',
    description:
      'Streamed responses of our own HTTP servers (source http.server) whose client went away before the end, per route. A spike means clients or a proxy in front of us time out (idle timeouts shorter than the gaps), or a frontend bug closes the EventSource. Alert: MidstreamClientDisconnectSpike.',
    targets: [{ expr: sumRate([L.route], sel(M.outcomes, 'total', JOB, serverSide, O.clientDisconnected), RI), legend: '{{http_route}}' }],
  },
  {
    title: 'Active streams',
    unit: 'short',
    description:
      'Streams in flight now, by source. A line that only grows means streams never end: a consumer that does not read to the end, or hung upstreams (see the abandoned and timed_out outcomes). Alert: MidstreamNoStreamsCompleting.',
    targets: [{ expr: `sum by (${L.source}) (${sel(M.active, '', F)})`, legend: '{{midstream_source}}' }],
  },
  {
    title: 'How far failed streams got (median chunks before the end)',
    unit: 'short',
    description:
      'Median number of chunks a stream had delivered when it ended, by outcome (from the chunks-per-stream histogram). Failed streams cut after many chunks mean a mid-answer cut (timeouts on long answers, resets); near zero means they failed at the start.',
    targets: [{ expr: quantile(0.5, M.chunks, [L.outcome], RI, F), legend: '{{midstream_outcome}}' }],
  },
  {
    title: 'Chunks received by failed streams (distribution over the range)',
    type: 'bargauge',
    width: 24,
    description:
      'How many failed streams (not completed, not a deliberate stop) ended within each chunks-received bucket over the dashboard range. A peak at a fixed size points at a buffer or a length limit; a spread matches a time-based cut.',
    targets: [{ expr: `sum by (le) (increase(${sel(M.chunks, 'bucket', matchers(F, O.failed))}[$__range]))`, legend: '{{le}}', format: 'heatmap', instant: true }],
  },
];
