// grafana/alerts: generated files are current, promtool accepts them, and every alert fires when it
// should and stays quiet when it should (promtool unit tests with synthetic series), in both the
// Prometheus rules and the Grafana-managed copy (whose expressions inline the recording rules).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS, RECORDS, RULES_FILE, GRAFANA_FILE, alertFiles, GRAFANA_DATASOURCE_UID, runbookBase } from '../../scripts/build-alerts.mjs';
import { ROOT, hasPromtool, promtool, promtoolTests, readYaml, tempDir, writeYaml } from './promtool.mjs';

const skip = hasPromtool() ? false : 'promtool not installed (apt-get install prometheus)';
const casesText = readFileSync(new URL('rules-cases.yml', import.meta.url), 'utf8');

describe('alert files', () => {
  it('are exactly what scripts/build-alerts.mjs generates', () => {
    for (const [rel, content] of Object.entries(alertFiles())) {
      assert.equal(readFileSync(join(ROOT, rel), 'utf8'), content, `${rel} is stale: run node scripts/build-alerts.mjs`);
    }
  });

  it('give every alert a summary, a description and a runbook section in grafana/README.md', () => {
    const readme = readFileSync(join(ROOT, 'grafana/README.md'), 'utf8');
    const rules = readYaml(RULES_FILE).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    assert.equal(rules.length, ALERTS.length);
    for (const r of rules) {
      assert.ok(r.annotations.summary && r.annotations.description, r.alert);
      // Absolute, so the link works from Alertmanager, Grafana or a pager, wherever the rules were loaded.
      assert.match(r.annotations.runbook, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/main\/grafana\/README\.md#[a-z]+$/);
      const anchor = r.annotations.runbook.split('#')[1];
      assert.match(readme, new RegExp(`^### ${r.alert}$`, 'm'), `README has no runbook heading for ${r.alert}`);
      assert.equal(anchor, r.alert.toLowerCase());
      const section = readme.split(`### ${r.alert}\n`)[1].split('\n### ')[0];
      for (const part of ['What the user saw', 'What the system knows', 'What to check']) {
        assert.ok(section.includes(part), `runbook of ${r.alert} lacks "${part}"`);
      }
    }
  });

  it('take their runbook base from MIDSTREAM_RUNBOOK_URL when one is set at build time', () => {
    assert.equal(runbookBase({ MIDSTREAM_RUNBOOK_URL: 'https://wiki.example.com/runbooks ' }), 'https://wiki.example.com/runbooks');
    assert.equal(runbookBase({}), runbookBase({ MIDSTREAM_RUNBOOK_URL: '' }));
    const previous = process.env.MIDSTREAM_RUNBOOK_URL;
    process.env.MIDSTREAM_RUNBOOK_URL = 'https://wiki.example.com/runbooks';
    try {
      const rules = Object.values(alertFiles())[0];
      assert.match(rules, /runbook: https:\/\/wiki\.example\.com\/runbooks#midstreamsilentstreamfailures$/m);
    } finally {
      if (previous === undefined) delete process.env.MIDSTREAM_RUNBOOK_URL;
      else process.env.MIDSTREAM_RUNBOOK_URL = previous;
    }
  });

  it('have a promtool case where each alert fires and one where it stays quiet', () => {
    const doc = promtoolTests(RULES_FILE, {}, { alertsOnly: true, skipAnnotations: true });
    for (const a of ALERTS) {
      const checks = doc.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === a.alert);
      assert.ok(checks.some((c) => c.exp_alerts.length > 0), `${a.alert} never expected to fire`);
      assert.ok(checks.some((c) => c.exp_alerts.length === 0), `${a.alert} never expected to stay quiet`);
    }
    assert.ok(casesText.includes('_seconds_'), 'cases cover the Collector (_seconds) names');
  });

  it('provision Grafana-managed rules for the same alerts against the provisioned datasource', () => {
    const doc = readYaml(GRAFANA_FILE);
    const rules = doc.groups.flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.title), ALERTS.map((a) => a.alert));
    assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length);
    const ds = readYaml('grafana/provisioning/datasources/prometheus.yaml').datasources;
    assert.ok(ds.some((d) => d.uid === GRAFANA_DATASOURCE_UID));
    for (const r of rules) {
      assert.ok(r.uid.length <= 40);
      assert.equal(r.condition, 'C');
      assert.equal(r.data[0].datasourceUid, GRAFANA_DATASOURCE_UID);
      assert.doesNotMatch(r.data[0].model.expr, /midstream:/, `${r.title} must not need recording rules`);
      assert.doesNotMatch(JSON.stringify(r.annotations), /\$value\b(?!s)/, `${r.title}: Grafana has $values, not $value`);
    }
  });
});

describe('alert rules under promtool', () => {
  it('pass promtool check rules', { skip }, () => {
    const r = promtool(['check', 'rules', join(ROOT, RULES_FILE)]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${RECORDS.length + ALERTS.length} rules found`));
  });

  it('fire and stay quiet as rules-cases.yml expects (promtool test rules)', { skip }, (t) => {
    const dir = tempDir(t);
    const rules = readYaml(RULES_FILE).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const ann = Object.fromEntries(rules.map((r) => [r.alert, r.annotations]));
    writeYaml(join(dir, 'tests.yml'), promtoolTests(join(ROOT, RULES_FILE), ann));
    const r = promtool(['test', 'rules', 'tests.yml'], dir);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it('behave the same with the Grafana-managed expressions (recording rules inlined)', { skip }, (t) => {
    const dir = tempDir(t);
    const grafana = readYaml(GRAFANA_FILE).groups.flatMap((g) => g.rules);
    const promRules = readYaml(RULES_FILE).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const inlined = {
      groups: [
        {
          name: 'grafana-inlined',
          rules: grafana.map((g) => {
            const original = promRules.find((p) => p.alert === g.title);
            return { alert: g.title, expr: g.data[0].model.expr, for: g.for, labels: g.labels, annotations: original.annotations };
          }),
        },
      ],
    };
    writeYaml(join(dir, 'inlined.rules.yml'), inlined);
    const check = promtool(['check', 'rules', 'inlined.rules.yml'], dir);
    assert.equal(check.status, 0, check.output);
    const ann = Object.fromEntries(promRules.map((r) => [r.alert, r.annotations]));
    writeYaml(join(dir, 'tests.yml'), promtoolTests('inlined.rules.yml', ann, { alertsOnly: true }));
    const r = promtool(['test', 'rules', 'tests.yml'], dir);
    assert.equal(r.status, 0, r.output);
  });
});
