// Builds midstream's Grafana dashboards (classic JSON model, schemaVersion 42) into grafana/dashboards/.
// Usage: node scripts/build-dashboards.mjs           (write)
//        node scripts/build-dashboards.mjs --check   (exit 1 when a written file is out of date)
// Queries select the seconds-histograms by an anchored name regex, so each panel works on the JS
// Prometheus exporter's names and on the Collector/OTLP names (_seconds) without recording rules.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DS } from './dashboards/common.mjs';
import { PANELS as LLM, VARIABLES as LLM_VARS } from './dashboards/llm-providers.mjs';
import { PANELS as HEALTH, VARIABLES as HEALTH_VARS } from './dashboards/stream-health.mjs';
import { PANELS as ENDPOINTS, VARIABLES as ENDPOINT_VARS } from './dashboards/streaming-endpoints.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DASHBOARD_DIR = 'grafana/dashboards';

export const DASHBOARDS = [
  {
    file: 'midstream-stream-health.json',
    uid: 'midstream-stream-health',
    title: 'midstream / Stream health',
    description: 'Every stream ends with one outcome. Failures after the 200, latency to the first chunk, gaps, stalls, disconnects.',
    variables: HEALTH_VARS,
    panels: HEALTH,
  },
  {
    file: 'midstream-llm-providers.json',
    uid: 'midstream-llm-providers',
    title: 'midstream / LLM providers and models',
    description: 'Stream outcomes, latency, tokens and output lost to truncation per GenAI provider and model.',
    variables: LLM_VARS,
    panels: LLM,
  },
  {
    file: 'midstream-streaming-endpoints.json',
    uid: 'midstream-streaming-endpoints',
    title: 'midstream / Streaming endpoints (server side)',
    description: 'Our own streamed responses (SSE, NDJSON) per route: client disconnects, time to first byte, duration.',
    variables: ENDPOINT_VARS,
    panels: ENDPOINTS,
  },
];


function target(t, i) {
  const out = {
    refId: String.fromCharCode(65 + i),
    datasource: DS,
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: !t.instant,
    instant: Boolean(t.instant),
    editorMode: 'code',
  };
  if (t.format) out.format = t.format;
  if (t.exemplar) out.exemplar = true;
  return out;
}

const FIELD_DEFAULTS = {
  timeseries: (p) => ({
    unit: p.unit ?? 'short',
    min: p.min,
    custom: {
      drawStyle: p.bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: p.stack || p.bars ? 60 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: p.stack ? 'normal' : 'none', group: 'A' },
    },
    thresholds: thresholds(p.thresholds),
  }),
  heatmap: () => ({ custom: { scaleDistribution: { type: 'linear' } } }),
  bargauge: (p) => ({ unit: p.unit ?? 'short', thresholds: thresholds(p.thresholds) }),
  stat: (p) => ({ unit: p.unit ?? 'short', thresholds: thresholds(p.thresholds) }),
};

function thresholds(steps) {
  return {
    mode: 'absolute',
    steps: [{ color: 'green', value: null }, ...(steps ?? []).map(([value, color]) => ({ color, value }))],
  };
}

const OPTIONS = {
  timeseries: () => ({ legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } }),
  heatmap: (p) => ({
    calculate: false,
    yAxis: { unit: p.unit ?? 's' },
    cellGap: 1,
    color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', scale: 'exponential', exponent: 0.5, steps: 64 },
    rowsFrame: { layout: 'auto' },
    tooltip: { mode: 'single', yHistogram: true },
    legend: { show: true },
    exemplars: { color: 'rgba(255,0,255,0.7)' },
  }),
  bargauge: () => ({ orientation: 'vertical', displayMode: 'gradient', showUnfilled: true, reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }),
  stat: () => ({ reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' }),
};

/** A series of another unit on its own axis: `{ refId, unit, axis }`. */
function override(o) {
  const properties = [{ id: 'unit', value: o.unit }];
  if (o.axis) properties.push({ id: 'custom.axisPlacement', value: o.axis });
  return { matcher: { id: 'byFrameRefID', options: o.refId }, properties };
}

/** Lays panels out two per row (or full width), rows across. */
function layout(defs) {
  const panels = [];
  let y = 0;
  let x = 0;
  let id = 1;
  for (const p of defs) {
    if (p.row) {
      if (x > 0) y += 8;
      x = 0;
      panels.push({ type: 'row', id: id++, title: p.row, collapsed: false, panels: [], gridPos: { h: 1, w: 24, x: 0, y: y++ } });
      continue;
    }
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    panels.push({
      type: p.type ?? 'timeseries',
      id: id++,
      title: p.title,
      description: p.description,
      datasource: DS,
      gridPos: { h: 8, w, x, y },
      targets: p.targets.map(target),
      fieldConfig: { defaults: FIELD_DEFAULTS[p.type ?? 'timeseries'](p), overrides: (p.overrides ?? []).map(override) },
      options: OPTIONS[p.type ?? 'timeseries'](p),
      ...(p.interval ? { interval: p.interval } : {}),
    });
    x += w;
    if (x >= 24) {
      x = 0;
      y += 8;
    }
  }
  return panels;
}

export function dashboardJson(d) {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['midstream', 'streaming', 'opentelemetry'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    refresh: '30s',
    schemaVersion: 42,
    version: 1,
    weekStart: '',
    links: [{ title: 'midstream dashboards', type: 'dashboards', tags: ['midstream'], asDropdown: true, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: d.variables },
    panels: layout(d.panels),
  };
}

export function dashboardFiles() {
  return Object.fromEntries(DASHBOARDS.map((d) => [`${DASHBOARD_DIR}/${d.file}`, `${JSON.stringify(dashboardJson(d), null, 2)}\n`]));
}

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, content] of Object.entries(dashboardFiles())) {
    const file = join(ROOT, rel);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {}
      if (current !== content) {
        console.error(`${rel} is out of date: run node scripts/build-dashboards.mjs`);
        stale++;
      }
    } else {
      mkdirSync(join(ROOT, DASHBOARD_DIR), { recursive: true });
      writeFileSync(file, content);
      console.log(`wrote ${rel}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
