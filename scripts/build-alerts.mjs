// The ONE source of midstream's alerts. Writes, from the definitions below:
//   grafana/alerts/midstream.rules.yml                        Prometheus recording + alerting rules
//   grafana/alerts/grafana-managed/midstream-alerts.yaml      the same alerts as Grafana-managed
//                                                             alert provisioning (apiVersion 1)
// Usage: node scripts/build-alerts.mjs           (write)
//        node scripts/build-alerts.mjs --check   (exit 1 when a written file is out of date)
//
// Runbook links: every alert's `runbook` annotation is an absolute URL, the base (default: this
// repository's grafana/README.md on GitHub, from package.json `repository`) plus `#<alert name>`.
// To point them at your own copy (a wiki, an internal Git host), build with
//   MIDSTREAM_RUNBOOK_URL=https://wiki.example.com/midstream-runbooks node scripts/build-alerts.mjs
// (the shipped files, and --check, use the default).
//
// In the Prometheus file, alerts read the recording rules (cheap, readable). Grafana-managed alerts
// cannot rely on those rules being installed in Prometheus, so there every recorded name is replaced
// by its expression in parentheses: the same numbers, computed in place.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import {
  L, M, O, sel, sumRate, sumIncrease, quantile, mean, silentFailureRatio, http5xxRatio, serverSide,
} from './midstream-promql.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RULES_FILE = 'grafana/alerts/midstream.rules.yml';
export const GRAFANA_FILE = 'grafana/alerts/grafana-managed/midstream-alerts.yaml';
const REPOSITORY = 'https://github.com/midstream-otel/midstream-otel';

/** The page holding the runbook sections: MIDSTREAM_RUNBOOK_URL, else grafana/README.md in the repository. */
export function runbookBase(env = process.env) {
  const custom = env.MIDSTREAM_RUNBOOK_URL?.trim();
  if (custom) return custom;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const repo = url ? url.replace(/^git\+/, '').replace(/\.git$/, '') : REPOSITORY;
  return `${repo}/blob/main/grafana/README.md`;
}

const JS = [L.job, L.source];
const PROVIDER = [L.job, L.source, L.provider];
const ROUTE = [L.job, L.route];

/** Recording rules: normalised series, one name whatever the export path. */
export const RECORDS = [
  {
    record: 'midstream:stream_outcomes:rate5m',
    expr: sumRate([L.job, L.source, L.outcome, L.provider, L.model, L.route], sel(M.outcomes, 'total'), '5m'),
  },
  { record: 'midstream:silent_failure:ratio_rate5m', expr: silentFailureRatio(PROVIDER, '5m') },
  { record: 'midstream:streams_let_run:increase5m', expr: sumIncrease(PROVIDER, sel(M.outcomes, 'total', O.notDeliberate), '5m') },
  { record: 'midstream:http_5xx:ratio_rate5m', expr: http5xxRatio([L.job], '5m') },
  { record: 'midstream:stream_time_to_first_chunk_seconds:p95_rate5m', expr: quantile(0.95, M.ttfc, JS, '5m') },
  { record: 'midstream:stream_time_to_first_chunk_seconds:p95_rate1d', expr: quantile(0.95, M.ttfc, JS, '1d') },
  {
    record: 'midstream:stream_stalls:per_stream_rate5m',
    expr: `${sumRate(JS, sel(M.stalls, 'total'), '5m')} / ${sumRate(JS, sel(M.outcomes, 'total'), '5m')}`,
  },
  { record: 'midstream:streams:increase5m', expr: sumIncrease(JS, sel(M.outcomes, 'total'), '5m') },
  {
    record: 'midstream:client_disconnect:ratio_rate5m',
    expr: disconnectRatio('5m'),
  },
  { record: 'midstream:client_disconnect:ratio_rate1d', expr: disconnectRatio('1d') },
  { record: 'midstream:server_streams:increase5m', expr: sumIncrease(ROUTE, sel(M.outcomes, 'total', serverSide), '5m') },
  {
    record: 'midstream:stream_ttfc_share_of_duration:ratio_rate15m',
    expr: `(${mean(M.ttfc, JS, '15m')}) / (${mean(M.duration, JS, '15m')})`,
  },
  { record: 'midstream:stream_duration_seconds:mean_rate15m', expr: mean(M.duration, JS, '15m') },
  { record: 'midstream:stream_chunks:mean_rate15m', expr: mean(M.chunks, JS, '15m') },
  { record: 'midstream:stream_chunk_gap_seconds:p90_rate15m', expr: quantile(0.9, M.gap, JS, '15m') },
  { record: 'midstream:orphaned_duration_seconds:p50_rate15m', expr: quantile(0.5, M.orphanedDuration, PROVIDER, '15m') },
  { record: 'midstream:orphaned_streams:increase15m', expr: sumIncrease(PROVIDER, sel(M.orphanedStreams, 'total'), '15m') },
];

function disconnectRatio(window) {
  const total = sumRate(ROUTE, sel(M.outcomes, 'total', serverSide), window);
  const gone = sumRate(ROUTE, sel(M.outcomes, 'total', serverSide, O.clientDisconnected), window);
  return `(${gone} or ${total} * 0) / ${total}`;
}

const interrupted = (extra = '') => `${sel(M.outcomes, 'total', O.interrupted)}[10m]${extra}`;

/**
 * Alerts. `expr(r)` gets `r(recordName)`, which is the name in Prometheus rules and the inlined
 * expression for Grafana. Every expr yields a positive value for each firing series (Grafana's
 * threshold is `> 0` on the last value). Annotation templates use `$value`; Grafana gets
 * `$values.B.Value` in its place.
 */
export const ALERTS = [
  {
    alert: 'MidstreamSilentStreamFailures',
    for: '10m',
    severity: 'critical',
    expr: (r) =>
      `${r('midstream:silent_failure:ratio_rate5m')} > 0.05
and on (${PROVIDER.join(', ')}) ${r('midstream:streams_let_run:increase5m')} >= 10
unless on (${L.job}) ${r('midstream:http_5xx:ratio_rate5m')} > 0.01`,
    summary: '{{ $value | humanizePercentage }} of {{ $labels.midstream_source }} streams fail after the response started ({{ $labels.job }})',
    description:
      'More than 5% of {{ $labels.midstream_source }} streams{{ if $labels.gen_ai_provider_name }} to {{ $labels.gen_ai_provider_name }}{{ end }} in job {{ $labels.job }} ended truncated, errored, timed out, abandoned or interrupted over the last 5 minutes, while the HTTP 5xx ratio of the job stays under 1%: users get half answers that HTTP dashboards count as successes.',
  },
  {
    alert: 'MidstreamTimeToFirstChunkRegression',
    for: '15m',
    severity: 'warning',
    expr: (r) =>
      `${r('midstream:stream_time_to_first_chunk_seconds:p95_rate5m')} > 2 * ${r('midstream:stream_time_to_first_chunk_seconds:p95_rate1d')}
and ${r('midstream:stream_time_to_first_chunk_seconds:p95_rate5m')} > 1`,
    summary: 'p95 time to first chunk of {{ $labels.midstream_source }} streams is {{ $value | humanizeDuration }} ({{ $labels.job }})',
    description:
      'The 95th percentile of the time from request to first chunk over 5 minutes is more than twice its value over the last day and above 1 s. Users stare at an empty answer before anything appears.',
  },
  {
    alert: 'MidstreamStallRateHigh',
    for: '15m',
    severity: 'warning',
    expr: (r) =>
      `${r('midstream:stream_stalls:per_stream_rate5m')} > 0.1
and on (${JS.join(', ')}) ${r('midstream:streams:increase5m')} >= 10`,
    summary: '{{ $value | humanizePercentage }} stalls per {{ $labels.midstream_source }} stream ({{ $labels.job }})',
    description:
      'More than one stall (a gap between chunks longer than the stall threshold, MIDSTREAM_STALL_THRESHOLD_MS) per ten streams over 5 minutes. The answer freezes mid-sentence, then may continue or be cut.',
  },
  {
    alert: 'MidstreamClientDisconnectSpike',
    for: '5m',
    severity: 'warning',
    expr: (r) =>
      `${r('midstream:client_disconnect:ratio_rate5m')} > 0.2
and ${r('midstream:client_disconnect:ratio_rate5m')} > 3 * ${r('midstream:client_disconnect:ratio_rate1d')}
and on (${ROUTE.join(', ')}) ${r('midstream:server_streams:increase5m')} >= 10`,
    summary: '{{ $value | humanizePercentage }} of streams on {{ $labels.http_route }} lose their client before the end ({{ $labels.job }})',
    description:
      'On our own streaming endpoint {{ $labels.http_route }}, more than 20% of responses (and three times the daily ratio) ended because the downstream client went away before the response finished.',
  },
  {
    alert: 'MidstreamStreamsInterrupted',
    for: '0m',
    severity: 'warning',
    expr: () =>
      `sum by (${JS.join(', ')}) (
  increase(${interrupted()}) > 0
  or (last_over_time(${interrupted()}) unless last_over_time(${interrupted(' offset 10m')}))
) > 0`,
    summary: '{{ $value }} live {{ $labels.midstream_source }} streams were cut by a process shutdown ({{ $labels.job }})',
    description:
      'Streams were still running when a process of job {{ $labels.job }} shut down (deploy, restart, scale-in, crash): midstream ended them with outcome interrupted. Their users saw the answer stop.',
  },
  {
    alert: 'MidstreamNoStreamsCompleting',
    for: '10m',
    severity: 'critical',
    expr: () =>
      `(
  ${sumIncrease(JS, sel(M.outcomes, 'total', O.notDeliberate), '15m')} >= 3
  or
  sum by (${JS.join(', ')}) (delta(${sel(M.active, '')}[15m])) >= 3
)
unless on (${JS.join(', ')})
  ${sumIncrease(JS, sel(M.outcomes, 'total', O.completed), '15m')} > 0`,
    summary: 'No {{ $labels.midstream_source }} stream completed in 15 minutes while streams keep starting ({{ $labels.job }})',
    description:
      'Streams of {{ $labels.midstream_source }} in job {{ $labels.job }} are being started (they end with a failure outcome, or pile up as active streams) but none reached its terminal marker in 15 minutes.',
  },
  {
    alert: 'MidstreamStreamsBufferedByIntermediary',
    for: '15m',
    severity: 'warning',
    expr: (r) =>
      `${r('midstream:stream_ttfc_share_of_duration:ratio_rate15m')} > 0.8
and ${r('midstream:stream_chunk_gap_seconds:p90_rate15m')} < 0.005
and ${r('midstream:stream_chunks:mean_rate15m')} >= 3
and ${r('midstream:stream_duration_seconds:mean_rate15m')} >= 0.25`,
    summary: '{{ $labels.midstream_source }} streams arrive in one piece: first chunk at {{ $value | humanizePercentage }} of the duration ({{ $labels.job }})',
    description:
      'On average the first chunk of a {{ $labels.midstream_source }} stream arrives after more than 80% of the whole stream time, and 90% of the gaps between chunks are under 5 ms: something between the producer and this process buffers the stream and releases it at once.',
  },
  {
    alert: 'MidstreamOrphanedGeneration',
    for: '15m',
    severity: 'warning',
    expr: (r) =>
      `${r('midstream:orphaned_duration_seconds:p50_rate15m')} > 1
and on (${PROVIDER.join(', ')}) ${r('midstream:orphaned_streams:increase15m')} >= 5`,
    summary:
      'Half of the orphaned {{ $labels.midstream_source }} upstreams run {{ $value | humanizeDuration }} or more after their client left ({{ $labels.job }})',
    description:
      'In job {{ $labels.job }}, upstream {{ $labels.midstream_source }} streams{{ if $labels.gen_ai_provider_name }} to {{ $labels.gen_ai_provider_name }}{{ end }} regularly outlive the client of the request they feed: the median time from the client\'s disconnect to the upstream\'s end is above 1 s over 15 minutes (at least 5 orphaned streams). The server does not cancel the upstream when its client leaves, so every abandoned answer is generated, and paid for, to its end.',
  },
];

const anchor = (name) => name.toLowerCase();
const recordExpr = new Map(RECORDS.map((r) => [r.record, r.expr]));
const byName = (name) => {
  if (!recordExpr.has(name)) throw new Error(`unknown recording rule ${name}`);
  return name;
};
const inline = (name) => `(${recordExpr.get(byName(name))})`;

function annotations(a, value) {
  const t = (s) => s.replaceAll('$value', value);
  return { summary: t(a.summary), description: t(a.description), runbook: `${runbookBase()}#${anchor(a.alert)}` };
}

export function prometheusRules() {
  return {
    groups: [
      { name: 'midstream-recording', rules: RECORDS.map((r) => ({ record: r.record, expr: r.expr })) },
      {
        name: 'midstream-alerts',
        rules: ALERTS.map((a) => ({
          alert: a.alert,
          expr: a.expr(byName),
          for: a.for,
          labels: { severity: a.severity },
          annotations: annotations(a, '$value'),
        })),
      },
    ],
  };
}

export const GRAFANA_DATASOURCE_UID = 'midstream-prometheus';
const seconds = (d) => Number(d.replace(/m$/, '')) * 60;

export function grafanaAlerts() {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'midstream-alerts',
        folder: 'midstream',
        interval: '1m',
        rules: ALERTS.map((a) => ({
          uid: `midstream-${a.alert.replace(/^Midstream/, '').replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`.slice(0, 40),
          title: a.alert,
          condition: 'C',
          data: [
            {
              refId: 'A',
              relativeTimeRange: { from: Math.max(600, seconds(a.for)), to: 0 },
              datasourceUid: GRAFANA_DATASOURCE_UID,
              model: { refId: 'A', expr: a.expr(inline), instant: true, range: false },
            },
            {
              refId: 'B',
              datasourceUid: '__expr__',
              model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } },
            },
            {
              refId: 'C',
              datasourceUid: '__expr__',
              model: { refId: 'C', type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [0] } }] },
            },
          ],
          noDataState: 'OK',
          execErrState: 'Error',
          for: a.for,
          labels: { severity: a.severity },
          annotations: annotations(a, '$values.B.Value'),
          isPaused: false,
        })),
      },
    ],
  };
}

const HEADER = '# Generated by scripts/build-alerts.mjs from the alert definitions there. Do not edit by hand.\n';
const dump = (doc) => HEADER + yaml.dump(doc, { lineWidth: -1, noRefs: true });

/** { relative path: file content } */
export function alertFiles() {
  return { [RULES_FILE]: dump(prometheusRules()), [GRAFANA_FILE]: dump(grafanaAlerts()) };
}

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, content] of Object.entries(alertFiles())) {
    const file = join(ROOT, rel);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {}
      if (current !== content) {
        console.error(`${rel} is out of date: run node scripts/build-alerts.mjs`);
        stale++;
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      console.log(`wrote ${rel}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
