// Helpers of the grafana/ tests: promtool runs and the promtool unit-test file built from
// rules-cases.yml. Not a test file itself (no .test. in the name).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

export const ROOT = new URL('../../', import.meta.url).pathname;

const runs = (bin) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0;

// CI (.ci/run) installs Prometheus and sets MIDSTREAM_REQUIRE_PROMETHEUS=1: there a missing binary
// fails these tests instead of skipping them. Elsewhere the tests are skipped one by one (`it(name,
// { skip })`, not a skipped describe, whose tests node:test leaves out of `# skipped N`).
export function hasPromtool() {
  if (process.env.MIDSTREAM_REQUIRE_PROMETHEUS === '1') return true;
  return runs('promtool');
}

/** Both binaries the live-Prometheus tests start: the server and promtool. */
export function hasPrometheus() {
  if (process.env.MIDSTREAM_REQUIRE_PROMETHEUS === '1') return true;
  return runs('promtool') && runs('prometheus');
}

/** Runs promtool; returns { status, output } (stdout + stderr). */
export function promtool(args, cwd) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd, timeout: 120_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** A temp directory removed by t.after. */
export function tempDir(t, prefix = 'midstream-grafana-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Renders the label parts of an alert annotation template the way Prometheus does for the subset
 * our descriptions use: `{{ $labels.x }}` and `{{ if $labels.x }}...{{ end }}`.
 */
export function renderLabels(template, labels) {
  return template
    .replace(/\{\{ if \$labels\.(\w+) \}\}(.*?)\{\{ end \}\}/g, (_, name, inner) => (labels[name] ? inner : ''))
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name) => labels[name] ?? '');
}

/**
 * The promtool test document for `rulesFile`: rules-cases.yml with each expected alert's
 * `description` and `runbook` filled from `rules` (alert name → annotations).
 * `alertsOnly` drops promql_expr_test (for rule files without the recording rules).
 */
export function promtoolTests(rulesFile, annotationsByAlert, { alertsOnly = false, skipAnnotations = false } = {}) {
  const doc = yaml.load(readFileSync(new URL('rules-cases.yml', import.meta.url), 'utf8'));
  doc.rule_files = [rulesFile];
  for (const test of doc.tests) {
    if (alertsOnly) delete test.promql_expr_test;
    for (const at of test.alert_rule_test ?? []) {
      if (skipAnnotations) continue;
      const ann = annotationsByAlert[at.alertname];
      if (!ann) throw new Error(`rules-cases.yml tests unknown alert ${at.alertname}`);
      for (const exp of at.exp_alerts ?? []) {
        exp.exp_annotations = {
          ...exp.exp_annotations,
          description: renderLabels(ann.description, exp.exp_labels),
          runbook: ann.runbook,
        };
      }
    }
  }
  return doc;
}

export function writeYaml(file, doc) {
  writeFileSync(file, yaml.dump(doc, { lineWidth: -1, noRefs: true }));
}

export function readYaml(rel) {
  return yaml.load(readFileSync(join(ROOT, rel), 'utf8'));
}

export { execFileSync };
