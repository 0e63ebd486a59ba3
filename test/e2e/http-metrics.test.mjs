// The headline comparison with the register entry alone: `--require midstream-otel/register` and
// nothing else gives both halves of "silent failures beside the 5xx rate", on the client and the
// server side: midstream's outcomes and the stable HTTP request-duration metrics, with no double
// count when @opentelemetry/instrumentation-http runs in the same process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import net from 'node:net';
import { runApp } from './harness.mjs';

const APP = new URL('./apps/http-metrics-app.cjs', import.meta.url).pathname;

async function run(t, env = {}) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const app = runApp(t, ['--require', 'midstream-otel/register', APP], { PRINT_PORT: '1', ...receiver.env, ...env });
  const { code } = await app.exited;
  assert.equal(code, 0, app.stderr());
  assert.match(app.stdout(), /^done$/m);
  const port = Number(/^port (\d+)$/m.exec(app.stdout())[1]);
  return { receiver, port };
}

/** Data points of metric `name` (every scope), with the scope name on each. */
function points(receiver, name) {
  return receiver.metrics.filter((m) => m.name === name).flatMap((m) => m.dataPoints.map((p) => ({ ...p, scope: m.scope })));
}

/** Request count per status code (histogram counts; `none` for requests without a response). */
function byStatus(list) {
  const out = {};
  for (const p of list) {
    const key = String(p.attributes['http.response.status_code'] ?? 'none');
    out[key] = (out[key] ?? 0) + p.count;
  }
  return out;
}

describe('HTTP request metrics under midstream-otel/register alone', () => {
  it('records both halves of the silent-failure comparison, client and server side', async (t) => {
    const { receiver, port } = await run(t);

    const server = points(receiver, 'http.server.request.duration');
    const client = points(receiver, 'http.client.request.duration');
    // /events twice, /cut once (a 200 whose stream is then reset), /boom twice.
    assert.deepEqual(byStatus(server), { 200: 3, 500: 2 });
    assert.deepEqual(byStatus(client), { 200: 3, 500: 2 });
    for (const p of server.filter((x) => x.attributes['http.response.status_code'] === 500)) {
      assert.deepEqual(p.attributes, {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'http.response.status_code': 500,
        'error.type': '500',
        'network.protocol.version': '1.1',
      });
    }
    // Only the app's own requests: not the OTLP exporter's, never a path or a URL.
    for (const p of client) {
      assert.equal(p.attributes['server.port'], port, JSON.stringify(p.attributes));
      assert.equal(p.attributes['server.address'], '127.0.0.1');
      assert.ok(!('url.full' in p.attributes) && !('url.path' in p.attributes));
    }
    assert.ok(client.every((p) => p.scope.startsWith('midstream-otel/')), JSON.stringify(client.map((p) => p.scope)));

    // The other half: the stream outcomes on both sides, a truncation among them.
    const outcomes = points(receiver, 'midstream.stream.outcomes');
    const count = (source, outcome) =>
      outcomes
        .filter((p) => p.attributes['midstream.source'] === source && (outcome === undefined || p.attributes['midstream.outcome'] === outcome))
        .reduce((n, p) => n + p.value, 0);
    assert.equal(count('fetch', 'truncated'), 1);
    assert.equal(count('fetch', 'completed'), 1);
    assert.ok(count('http.server') >= 2, JSON.stringify(outcomes.map((p) => p.attributes)));
  });

  it('leaves the HTTP metrics to @opentelemetry/instrumentation-http when the app runs it too (no double count)', async (t) => {
    const { receiver, port } = await run(t, { WITH_OTEL_HTTP: '1' });

    const server = points(receiver, 'http.server.request.duration');
    assert.deepEqual(byStatus(server), { 200: 3, 500: 2 });
    assert.deepEqual([...new Set(server.map((p) => p.scope))], ['@opentelemetry/instrumentation-http']);
    const client = points(receiver, 'http.client.request.duration');
    // http.get is instrumentation-http's; fetch (undici) is not, so midstream still records it.
    const httpGet = client.filter((p) => p.scope === '@opentelemetry/instrumentation-http');
    const viaFetch = client.filter((p) => p.scope === 'midstream-otel/fetch');
    assert.deepEqual(byStatus(httpGet.filter((p) => p.attributes['server.port'] === port)), { 200: 1, 500: 1 });
    assert.deepEqual(byStatus(viaFetch), { 200: 2, 500: 1 });
    assert.equal(client.filter((p) => p.scope === 'midstream-otel/http-client').length, 0);
  });

  it('does not count the scrapes of the Prometheus exporter it serves', async (t) => {
    const srv = net.createServer();
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const metricsPort = srv.address().port;
    await new Promise((resolve) => srv.close(resolve));
    const app = runApp(t, ['--require', 'midstream-otel/register', APP], {
      HOLD: '1',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    });
    await app.waitForLine(/^done$/);
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await scrape();
    const text = await scrape();
    const count = (status) =>
      [...text.matchAll(new RegExp(`^http_server_request_duration_count\\{[^}]*http_response_status_code="${status}"[^}]*\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(count(200), 3, text);
    assert.equal(count(500), 2);
    app.child.kill('SIGTERM');
    await app.exited;
  });

  it('records nothing of its own with MIDSTREAM_HTTP_METRICS=off', async (t) => {
    const { receiver } = await run(t, { MIDSTREAM_HTTP_METRICS: 'off' });
    assert.deepEqual(points(receiver, 'http.server.request.duration'), []);
    assert.deepEqual(points(receiver, 'http.client.request.duration'), []);
    assert.ok(points(receiver, 'midstream.stream.outcomes').length > 0, 'stream metrics still recorded');
  });
});
