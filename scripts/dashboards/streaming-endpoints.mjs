// Dashboard 3: our own streaming endpoints (midstream.source = http.server), per route.
import { L, M, O, sel, sumRate, quantile, http5xxRatio, serverSide, matchers } from '../midstream-promql.mjs';
import { JOB, ROUTE, datasourceVariable, labelVariable } from './common.mjs';

const RI = '$__rate_interval';
const S = matchers(JOB, serverSide, ROUTE);
const R = [L.route];
const outcomes = (...ms) => sel(M.outcomes, 'total', ...ms);

export const VARIABLES = [
  datasourceVariable(),
  labelVariable('job', L.job, 'Job', outcomes(serverSide)),
  labelVariable('route', L.route, 'Route', outcomes(JOB, serverSide)),
];

export const PANELS = [
  { row: 'Per route' },
  {
    title: 'Streamed responses by route and outcome',
    unit: 'reqps',
    stack: true,
    description:
      'Streamed responses (SSE, NDJSON) our servers finished per second. `completed` is a response ended by our code; `client_disconnected` is the client going away first; `errored`/`truncated` is our handler failing mid-stream.',
    targets: [{ expr: sumRate([...R, L.outcome], sel(M.outcomes, 'total', S), RI), legend: '{{http_route}} {{midstream_outcome}}' }],
  },
  {
    title: 'Client disconnect rate by route',
    unit: 'percentunit',
    min: 0,
    thresholds: [[0.2, 'orange']],
    description:
      'Share of streamed responses whose client left before the end. Steady high values are normal for endless event streams (clients close the tab); a jump on a finite stream route means a proxy or client timeout shorter than our answer, or users giving up on slow first bytes. Alert: MidstreamClientDisconnectSpike.',
    targets: [
      {
        expr: `(${sumRate(R, sel(M.outcomes, 'total', S, O.clientDisconnected), RI)} or ${sumRate(R, sel(M.outcomes, 'total', S), RI)} * 0) / ${sumRate(R, sel(M.outcomes, 'total', S), RI)}`,
        legend: '{{http_route}}',
      },
    ],
  },
  {
    title: 'Time to first byte p50 / p95 by route',
    unit: 's',
    description:
      'From the request to the first chunk we wrote (time to first chunk, source http.server). Slow first bytes make clients and proxies give up; compare with the disconnect rate.',
    targets: [0.5, 0.95].map((q) => ({ expr: quantile(q, M.ttfc, R, RI, S), legend: `p${q * 100} {{http_route}}`, exemplar: true })),
  },
  {
    title: 'Stream duration p50 / p95 by route',
    unit: 's',
    description: 'How long our streamed responses last, by route. A p95 pinned at a round number (30 s, 60 s, 100 s) is a timeout somewhere in front of us cutting long answers.',
    targets: [0.5, 0.95].map((q) => ({ expr: quantile(q, M.duration, R, RI, S), legend: `p${q * 100} {{http_route}}`, exemplar: true })),
  },
  {
    title: 'Active streamed responses by route',
    unit: 'short',
    description: 'Responses being streamed right now. Rising without bound means responses are never ended (a handler that forgets res.end(), clients that never read).',
    targets: [{ expr: `sum by (${L.route}) (${sel(M.active, '', S)})`, legend: '{{http_route}}' }],
  },
  {
    title: 'Write gap p99 by route',
    unit: 's',
    description: 'The 99th percentile gap between chunks we wrote. Long gaps on a route let idle timeouts of proxies and clients (often 30-60 s) close the connection: send keep-alive comments.',
    targets: [{ expr: quantile(0.99, M.gap, R, RI, S), legend: '{{http_route}}' }],
  },
  {
    title: 'Stalls by route',
    unit: 'short',
    description: 'Gaps longer than the stall threshold in our own responses, per second. Our handler waited on something (upstream model, database) while the client watched a frozen stream.',
    targets: [{ expr: sumRate(R, sel(M.stalls, 'total', S), RI), legend: '{{http_route}}' }],
  },
  {
    title: 'HTTP 5xx ratio by route',
    unit: 'percentunit',
    min: 0,
    description:
      'From http.server.request.duration (recorded by midstream, or by @opentelemetry/instrumentation-http when it runs): what an HTTP-status view reports for the same routes. Streams that fail after the headers are sent still count as 200 here; compare with the outcomes above.',
    targets: [{ expr: http5xxRatio(R, RI, JOB, ROUTE), legend: '{{http_route}}' }],
  },
];
