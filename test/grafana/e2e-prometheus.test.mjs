// End to end: a real Prometheus (started here on 127.0.0.1, temp data dir) scrapes the instrumented
// workload (workload.mjs: openai SDK, fetch and an SSE server with injected faults), loads the
// shipped rules with `for` shortened (in this test's copy only), and then: every dashboard panel
// query returns data, and the silent-failure and interrupted-stream alerts reach `firing`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RULES_FILE } from '../../scripts/build-alerts.mjs';
import { ROOT, hasPrometheus, readYaml, tempDir, writeYaml } from './promtool.mjs';
import { concrete, panelQueries } from './panel-queries.mjs';

const skip = hasPrometheus() ? false : 'prometheus or promtool not installed (apt-get install prometheus)';
const DEADLINE_MS = 90_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `cmd args`, resolves with the child once `pattern` shows in its output (the match). */
function startUntil(t, cmd, args, pattern, options = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not print ${pattern}:\n${out}`)), 20_000);
    const onData = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}):\n${out}`));
    });
  });
}

async function api(base, path) {
  const res = await fetch(`${base}${path}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}

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
    writeYaml(join(dir, 'prometheus.yml'), {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yml'],
      scrape_configs: [{ job_name: 'midstream-e2e', static_configs: [{ targets: [target] }] }],
    });
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    await startUntil(
      t,
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      /Server is ready to receive web requests/,
      { cwd: dir },
    );
    const base = `http://127.0.0.1:${port}`;

    const queries = panelQueries();
    const missing = new Map(queries.map((q) => [q, 'not queried yet']));
    let alerts = [];
    const start = Date.now();
    while (Date.now() - start < DEADLINE_MS) {
      for (const q of [...missing.keys()]) {
        const data = await api(base, `/api/v1/query?query=${encodeURIComponent(concrete(q.expr, { rateInterval: '1m', range: '5m' }))}`);
        const finite = data.result.some((s) => Number.isFinite(Number(s.value[1])));
        if (finite) missing.delete(q);
        else missing.set(q, `${data.result.length} series, none finite`);
      }
      alerts = (await api(base, '/api/v1/alerts')).alerts;
      const firing = new Set(alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname));
      if (missing.size === 0 && firing.has('MidstreamSilentStreamFailures') && firing.has('MidstreamStreamsInterrupted')) break;
      await sleep(1000);
    }

    const report = [...missing].map(([q, why]) => `${q.file} "${q.panel}" ${q.refId}: ${why}\n  ${q.expr}`).join('\n');
    assert.equal(missing.size, 0, `panel queries without data:\n${report}`);
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
