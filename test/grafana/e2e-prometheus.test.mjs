// End to end: a real Prometheus (started here on 127.0.0.1, temp data dir) scrapes the instrumented
// workload (workload.mjs: openai SDK, fetch and an SSE server with injected faults), loads the
// shipped rules with `for` shortened (in this test's copy only), and then: every dashboard panel
// query returns data, and the silent-failure and interrupted-stream alerts reach `firing`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RULES_FILE } from '../../scripts/build-alerts.mjs';
import { ROOT, hasPrometheus, readYaml, tempDir, writeYaml } from './promtool.mjs';
import { panelQueries } from './panel-queries.mjs';
import { api, describeMissing, panelsWithoutData, startPrometheus, startUntil } from './prometheus-server.mjs';

const skip = hasPrometheus() ? false : 'prometheus or promtool not installed (apt-get install prometheus)';
const DEADLINE_MS = 90_000;

describe('dashboards and alerts against a live Prometheus', () => {
  it('every panel query returns data and the silent-failure alert fires on a faulty workload', { skip, timeout: 150_000 }, async (t) => {
    const dir = tempDir(t, 'midstream-prom-e2e-');
    const workload = await startUntil(t, process.execPath, [join(ROOT, 'test/grafana/workload.mjs')], /Prometheus metrics: http:\/\/(127\.0\.0\.1:\d+)\/metrics/, {
      cwd: ROOT,
      env: { ...process.env, MIDSTREAM_WORKLOAD_SECONDS: '0' },
    });
    const target = workload.match[1];

    // The shipped rules, with every `for` cut to 3 s: this copy only.
    const rules = readYaml(RULES_FILE);
    for (const g of rules.groups) for (const r of g.rules) if (r.alert) r.for = '3s';
    writeYaml(join(dir, 'rules.yml'), rules);
    const base = await startPrometheus(t, dir, { job: 'midstream-e2e', targets: [target], ruleFiles: ['rules.yml'] });

    let alerts = [];
    const missing = await panelsWithoutData(base, panelQueries(), {
      deadlineMs: DEADLINE_MS,
      extraDone: async () => {
        alerts = (await api(base, '/api/v1/alerts')).alerts;
        const firing = new Set(alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname));
        return firing.has('MidstreamSilentStreamFailures') && firing.has('MidstreamStreamsInterrupted');
      },
    });

    assert.equal(missing.size, 0, `panel queries without data:\n${describeMissing(missing)}`);
    const firing = alerts.filter((a) => a.state === 'firing');
    const silent = firing.filter((a) => a.labels.alertname === 'MidstreamSilentStreamFailures');
    assert.ok(silent.length > 0, `silent-failure alert not firing; alerts: ${JSON.stringify(alerts.map((a) => [a.labels.alertname, a.state]))}`);
    assert.ok(silent.some((a) => a.labels.midstream_source === 'openai' && a.labels.job === 'midstream-e2e'), JSON.stringify(silent.map((a) => a.labels)));
    assert.match(silent[0].annotations.summary, /^\d+(\.\d+)?% of \S+ streams fail after the response started \(midstream-e2e\)$/);
    assert.ok(firing.some((a) => a.labels.alertname === 'MidstreamStreamsInterrupted'), 'interrupted-streams alert not firing after the simulated deploy');
    // Negative controls on the same workload: streams do complete, and they are not buffered.
    for (const quiet of ['MidstreamNoStreamsCompleting', 'MidstreamStreamsBufferedByIntermediary']) {
      assert.ok(!alerts.some((a) => a.labels.alertname === quiet), `${quiet} should stay quiet`);
    }
    const names = await api(base, '/api/v1/label/__name__/values');
    assert.ok(names.includes('midstream_stream_duration_bucket'), 'the JS exporter path (no _seconds suffix) was exercised');
  });
});
