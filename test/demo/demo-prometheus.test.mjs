// `npm run demo` fills every shipped dashboard: a real Prometheus (127.0.0.1, temp data dir) scrapes
// the demo app, which runs under `node --require midstream-otel/register` with the Prometheus exporter,
// for the demo's default run length; after its report, every panel query of grafana/dashboards/*.json
// returns data (Grafana's variables at "All").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { hasPrometheus, ROOT, tempDir } from '../grafana/promtool.mjs';
import { panelQueries } from '../grafana/panel-queries.mjs';
import { describeMissing, freePort, panelsWithoutData, startPrometheus, startUntil } from '../grafana/prometheus-server.mjs';

const skip = hasPrometheus() ? false : 'prometheus or promtool not installed (apt-get install prometheus)';

describe('the demo against a live Prometheus', () => {
  it('fills every panel of every shipped dashboard within its default run', { skip, timeout: 120_000 }, async (t) => {
    const dir = tempDir(t, 'midstream-demo-prom-');
    const metricsPort = await freePort();
    const env = { ...process.env, MIDSTREAM_DEMO_METRICS_PORT: String(metricsPort), MIDSTREAM_DEMO_LINGER_SECONDS: '120' };
    delete env.MIDSTREAM_DEMO_SECONDS; // the default run
    delete env.NODE_TEST_CONTEXT;
    const demo = await startUntil(t, process.execPath, [join(ROOT, 'demo/run.mjs')], /Prometheus metrics: http:\/\/(127\.0\.0\.1:\d+)\/metrics/, { cwd: ROOT, env });
    assert.equal(demo.match[1], `127.0.0.1:${metricsPort}`);
    const base = await startPrometheus(t, dir, { job: 'midstream-demo', targets: [demo.match[1]] });

    // The report is printed once the deploy began; the app then serves its metrics until killed.
    const ready = Date.now();
    while (!demo.output().includes('Serving ') && Date.now() - ready < 60_000) await new Promise((r) => setTimeout(r, 250));
    assert.match(demo.output(), /Serving /, demo.output());

    const queries = panelQueries();
    const missing = await panelsWithoutData(base, queries, { deadlineMs: 20_000 });
    t.diagnostic(`panel queries with data: ${queries.length - missing.size} / ${queries.length}`);
    // The demo cleans up (its app, its crash-journal directory) on SIGTERM.
    demo.child.kill('SIGTERM');
    await once(demo.child, 'exit');
    assert.equal(missing.size, 0, `panel queries without data:\n${describeMissing(missing)}`);
  });
});
