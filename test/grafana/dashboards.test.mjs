// grafana/dashboards and grafana/provisioning: generated files current, valid against the
// dashboard JSON schema (generated from @grafana/schema's Dashboard type), every query parses as
// PromQL (promtool), every variable a query uses is defined, provisioning points at the files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardFiles } from '../../scripts/build-dashboards.mjs';
import { GRAFANA_DATASOURCE_UID } from '../../scripts/build-alerts.mjs';
import { readSemconv, prom } from '../../scripts/midstream-promql.mjs';
import { ROOT, hasPromtool, promtool, readYaml, tempDir, writeYaml } from './promtool.mjs';
import { concrete, dashboards, panelQueries } from './panel-queries.mjs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const validate = new Ajv({ allErrors: true, schemaId: 'auto' }).compile(require('./schema/dashboard.schema.json'));
const skip = hasPromtool() ? false : 'promtool not installed (apt-get install prometheus)';

describe('dashboards', () => {
  it('are exactly what scripts/build-dashboards.mjs generates', () => {
    for (const [rel, content] of Object.entries(dashboardFiles())) {
      assert.equal(readFileSync(join(ROOT, rel), 'utf8'), content, `${rel} is stale: run node scripts/build-dashboards.mjs`);
    }
    assert.equal(dashboards().length, 3);
  });

  it('validate against the Grafana dashboard schema, and a broken copy does not', () => {
    for (const { file, json } of dashboards()) {
      assert.ok(validate(json), `${file}: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
      assert.equal(json.schemaVersion, 42);
    }
    const broken = structuredClone(dashboards()[0].json);
    delete broken.panels[1].gridPos.h;
    assert.equal(validate(broken), false);
  });

  it('describe every panel, use the datasource variable, and define every variable a query uses', () => {
    for (const { file, json } of dashboards()) {
      const vars = new Set(json.templating.list.map((v) => v.name));
      assert.ok(vars.has('datasource') && vars.has('job'), file);
      const ids = new Set();
      for (const p of json.panels) {
        assert.ok(!ids.has(p.id), `${file}: duplicate panel id ${p.id}`);
        ids.add(p.id);
        assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${file}: ${p.title} overflows the grid`);
        if (p.type === 'row') continue;
        assert.ok(p.description?.length > 60, `${file}: "${p.title}" needs a description an operator can act on`);
        assert.equal(p.datasource.uid, '${datasource}');
        assert.ok(p.targets.length > 0);
        for (const t of p.targets) {
          for (const [, name] of t.expr.matchAll(/\$(\w+)/g)) {
            if (!name.startsWith('__')) assert.ok(vars.has(name), `${file}: "${p.title}" uses undefined $${name}`);
          }
        }
      }
      for (const v of json.templating.list.filter((v) => v.type === 'query')) {
        for (const [, name] of v.definition.matchAll(/\$(\w+)/g)) assert.ok(vars.has(name), `${file}: variable ${v.name} uses $${name}`);
      }
    }
  });

  it('cover the panels the issue asks for', () => {
    const titles = dashboards().flatMap(({ json }) => json.panels.map((p) => `${p.type}: ${p.title}`)).join('\n');
    for (const needle of [
      /Streams by outcome/, /Silent failure ratio beside the HTTP 5xx/, /Time to first chunk p50 \/ p95 \/ p99/, /Chunk gap p99/,
      /heatmap: Chunk gap distribution/, /Stalls/, /Client disconnects on our streaming endpoints/, /Active streams/,
      /How far failed streams got/, /Interrupted streams/, /Token usage/, /Output lost to truncation/,
      /Client disconnect rate by route/, /Time to first byte/, /Stream duration p50 \/ p95 by route/,
    ]) {
      assert.match(titles, needle);
    }
  });

  it('name only metrics and labels that src/semconv.ts (or the HTTP conventions) define', () => {
    const sc = Object.values(readSemconv());
    const metricBases = new Set(sc.map(prom));
    metricBases.add('http_(server|client)_request_duration');
    for (const q of panelQueries()) {
      const names = [...q.expr.matchAll(/\b((?:midstream|gen_ai)_[a-z_]+?)(?:\(_seconds\)\?)?_(?:bucket|sum|count|total)\b|\b(midstream_stream_active)\b/g)];
      for (const [, base, gauge] of names) {
        assert.ok(metricBases.has(base ?? gauge), `${q.file} "${q.panel}": unknown metric ${base ?? gauge}`);
      }
    }
  });
});

describe('dashboard queries under promtool', () => {
  it('parse as PromQL once Grafana fills the variables', { skip }, (t) => {
    const dir = tempDir(t);
    const queries = panelQueries();
    assert.ok(queries.length >= 30, `only ${queries.length} queries`);
    writeYaml(join(dir, 'queries.yml'), {
      groups: [{ name: 'panels', rules: queries.map((q, i) => ({ record: `panel:q${i}`, expr: concrete(q.expr) })) }],
    });
    const r = promtool(['check', 'rules', 'queries.yml'], dir);
    assert.equal(r.status, 0, r.output);
  });
});

describe('provisioning', () => {
  it('points the dashboard provider at grafana/dashboards and pins the datasource uid', () => {
    const provider = readYaml('grafana/provisioning/dashboards/midstream.yaml').providers[0];
    assert.equal(provider.type, 'file');
    assert.match(provider.options.path, /\/dashboards$/);
    const ds = readYaml('grafana/provisioning/datasources/prometheus.yaml');
    assert.equal(ds.apiVersion, 1);
    assert.deepEqual(ds.datasources.map((d) => [d.type, d.uid]), [['prometheus', GRAFANA_DATASOURCE_UID]]);
    for (const { json } of dashboards()) {
      assert.equal(json.templating.list.find((v) => v.name === 'datasource').current.value, GRAFANA_DATASOURCE_UID);
    }
  });

  it('takes the Prometheus URL from the environment, so the package folder is used as shipped', () => {
    const [ds] = readYaml('grafana/provisioning/datasources/prometheus.yaml').datasources;
    assert.equal(ds.url, '${MIDSTREAM_PROMETHEUS_URL}');
    const readme = readFileSync(join(ROOT, 'grafana/README.md'), 'utf8');
    const commands = readme.match(/```sh\n[\s\S]*?```/g).filter((c) => c.includes('docker run'));
    assert.ok(commands.length >= 2);
    for (const c of commands) {
      assert.match(c, /-e MIDSTREAM_PROMETHEUS_URL=http/);
      assert.match(c, /node_modules\/midstream-otel\/grafana[^"]*:ro"/, 'mounted read-only, never edited');
    }
  });
});
