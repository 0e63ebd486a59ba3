// collector-config/*.yaml: a lint, not a run (no otelcol binary here). Parses each file and checks
// the structure the Collector would reject, plus midstream's names against src/semconv.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as yaml from 'js-yaml';

const DIR = new URL('../../collector-config/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const load = (f) => yaml.load(readFileSync(new URL(f, DIR), 'utf8'));
const text = (f) => readFileSync(new URL(f, DIR), 'utf8');

const semconv = new Set([...readFileSync(new URL('../../src/semconv.ts', import.meta.url), 'utf8').matchAll(/export const \w+\s*=\s*'([^']+)'/g)].map((m) => m[1]));
const outcomes = [...readFileSync(new URL('../../src/core/outcome.ts', import.meta.url), 'utf8').match(/OUTCOMES[^=]*=\s*\[([^\]]*)\]/)[1].matchAll(/'(\w+)'/g)].map((m) => m[1]);

/** Component types of otelcol-contrib these configs may use, per section. */
const KNOWN = {
  receivers: ['otlp', 'prometheus', 'hostmetrics'],
  processors: ['memory_limiter', 'batch', 'tail_sampling', 'resourcedetection', 'resource', 'attributes', 'transform', 'filter', 'k8sattributes'],
  exporters: ['otlp', 'otlphttp', 'loadbalancing', 'prometheus', 'prometheusremotewrite', 'debug'],
  connectors: ['spanmetrics', 'routing', 'forward'],
  extensions: ['health_check', 'pprof', 'zpages'],
};
const typeOf = (id) => id.split('/')[0];

describe('collector configs', () => {
  it('are the agent, tier-1 load balancer and tier-2 gateway', () => {
    assert.deepEqual(files.sort(), ['agent.yaml', 'gateway.yaml', 'loadbalancer.yaml']);
  });

  for (const file of files) {
    describe(file, () => {
      const cfg = load(file);
      const pipelines = cfg.service.pipelines;

      it('uses only known component types and valid pipeline ids', () => {
        for (const section of Object.keys(KNOWN)) {
          for (const id of Object.keys(cfg[section] ?? {})) {
            assert.match(id, /^[a-z_]+(\/[a-z0-9_-]+)?$/, `${file}: bad id ${id}`);
            assert.ok(KNOWN[section].includes(typeOf(id)), `${file}: unknown ${section} type ${typeOf(id)}`);
          }
        }
        for (const id of Object.keys(pipelines)) assert.match(id, /^(traces|metrics|logs)(\/[a-z0-9_-]+)?$/, `${file}: pipeline ${id}`);
      });

      it('defines every component a pipeline references, and uses every one it defines', () => {
        const used = { receivers: new Set(), processors: new Set(), exporters: new Set(), connectors: new Set() };
        for (const [id, p] of Object.entries(pipelines)) {
          assert.ok(p.receivers?.length > 0 && p.exporters?.length > 0, `${file}: ${id} needs receivers and exporters`);
          for (const r of p.receivers) {
            const c = cfg.connectors?.[r] !== undefined;
            assert.ok(c || cfg.receivers?.[r] !== undefined, `${file}: ${id} receiver ${r} undefined`);
            used[c ? 'connectors' : 'receivers'].add(r);
          }
          for (const x of p.processors ?? []) {
            assert.ok(cfg.processors?.[x] !== undefined, `${file}: ${id} processor ${x} undefined`);
            used.processors.add(x);
          }
          for (const e of p.exporters) {
            const c = cfg.connectors?.[e] !== undefined;
            assert.ok(c || cfg.exporters?.[e] !== undefined, `${file}: ${id} exporter ${e} undefined`);
            used[c ? 'connectors' : 'exporters'].add(e);
          }
          const procs = p.processors ?? [];
          if (procs.includes('memory_limiter')) assert.equal(procs[0], 'memory_limiter', `${file}: ${id} memory_limiter first`);
          if (procs.includes('batch')) assert.equal(procs.at(-1), 'batch', `${file}: ${id} batch last`);
        }
        for (const section of Object.keys(used)) {
          for (const id of Object.keys(cfg[section] ?? {})) assert.ok(used[section].has(id), `${file}: ${section} ${id} defined but unused`);
        }
        for (const ext of cfg.service.extensions ?? []) assert.ok(cfg.extensions?.[ext] !== undefined, `${file}: extension ${ext}`);
      });

      it('uses every connector as an exporter in one pipeline and a receiver in another', () => {
        for (const id of Object.keys(cfg.connectors ?? {})) {
          const asExporter = Object.keys(pipelines).filter((p) => pipelines[p].exporters.includes(id));
          const asReceiver = Object.keys(pipelines).filter((p) => pipelines[p].receivers.includes(id));
          assert.ok(asExporter.length > 0 && asReceiver.length > 0, `${file}: connector ${id}`);
          for (const e of asExporter) for (const r of asReceiver) assert.notEqual(e, r);
          if (typeOf(id) === 'spanmetrics') {
            assert.ok(asExporter.every((p) => p.startsWith('traces')) && asReceiver.every((p) => p.startsWith('metrics')));
          }
        }
      });

      it('reads settings with ${env:...} only and names only midstream/gen_ai attributes semconv.ts defines', () => {
        const t = text(file);
        assert.doesNotMatch(t.replace(/\$\{env:[A-Z_]+(:-[^}\s]+)?\}/g, ''), /\$\{?[A-Za-z]/, `${file}: use \${env:NAME} or \${env:NAME:-default}`);
        for (const [name] of t.matchAll(/\b(?:midstream|gen_ai)\.[a-z_.]+[a-z]/g)) {
          assert.ok(semconv.has(name), `${file}: ${name} is not in src/semconv.ts`);
        }
      });
    });
  }

  it('gateway: spanmetrics by outcome, source, provider and model', () => {
    const sm = load('gateway.yaml').connectors.spanmetrics;
    assert.deepEqual(sm.dimensions.map((d) => d.name), ['midstream.outcome', 'midstream.source', 'gen_ai.provider.name', 'gen_ai.request.model']);
    assert.equal(sm.histogram.unit, 's');
  });

  it('gateway: tail sampling keeps every non-completed stream, every error, and a baseline', () => {
    const ts = load('gateway.yaml').processors.tail_sampling;
    const byType = Object.fromEntries(ts.policies.map((p) => [p.type, p]));
    assert.equal(byType.string_attribute.string_attribute.key, 'midstream.outcome');
    assert.deepEqual([...byType.string_attribute.string_attribute.values].sort(), outcomes.filter((o) => o !== 'completed').sort());
    assert.deepEqual(byType.status_code.status_code.status_codes, ['ERROR']);
    assert.ok(byType.probabilistic.probabilistic.sampling_percentage > 0);
    const p = load('gateway.yaml').service.pipelines;
    assert.ok(p['traces/sampled'].processors.includes('tail_sampling'));
    assert.ok(!p['traces/spanmetrics'].processors?.includes('tail_sampling'), 'spanmetrics must see spans before sampling');
    assert.ok(Object.values(p).some((x) => x.exporters.includes('prometheusremotewrite')));
    assert.ok(load('gateway.yaml').exporters.prometheusremotewrite.endpoint);
  });

  it('load balancer: routes traces by trace ID to a resolver', () => {
    const lb = load('loadbalancer.yaml').exporters.loadbalancing;
    assert.equal(lb.routing_key, 'traceID');
    assert.ok(lb.resolver.dns?.hostname || lb.resolver.static || lb.resolver.k8s);
    assert.ok(lb.protocol.otlp);
  });

  it('README says the configs are checked, not run', () => {
    assert.match(readFileSync(new URL('README.md', DIR), 'utf8'), /checked by the repository's tests, not run by them/);
  });

  it('README lists every variable the configs read, with the default the config gives it', () => {
    const readme = readFileSync(new URL('README.md', DIR), 'utf8');
    let seen = 0;
    for (const file of files) {
      for (const [, name, fallback] of text(file).matchAll(/\$\{env:([A-Z_]+)(?::-([^}\s]+))?\}/g)) {
        seen++;
        assert.ok(fallback, `${file}: \${env:${name}} has no default`);
        const row = readme.split('\n').find((l) => l.startsWith(`| \`${file}\` | \`${name}\` |`));
        assert.ok(row, `README has no row for ${name} of ${file}`);
        assert.equal(row.split('|')[3].trim(), `\`${fallback}\``, `${name}: README default differs from ${file}`);
      }
    }
    assert.ok(seen >= 6);
  });
});
