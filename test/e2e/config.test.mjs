// Configuration through the environment under `--require midstream-otel/register`: malformed values,
// a second start, exporter selection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startSseServer } from '../support/sse-server.mjs';
import { APP_CJS, runApp } from './harness.mjs';

const EVENTS = ['one', 'two', 'three'].map((data) => ({ data }));

async function setUp(t, fault = 'none') {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startSseServer({ events: EVENTS, fault });
  t.after(() => server.close());
  return { receiver, url: server.url('/events') };
}

// The server holds its 3rd write 400 ms: a stall over a 250 ms threshold, none under the default 5000 ms.
const HELD_WRITE = 'stall:400@2';

const streamsOf = (receiver, url) => receiver.spans.filter((s) => s.attributes['url.full'] === url);

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('configuration of midstream-otel/register', () => {
  it('reports a malformed MIDSTREAM_STALL_THRESHOLD_MS once on stderr by default and uses the default', async (t) => {
    const { receiver, url } = await setUp(t, HELD_WRITE);
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      MIDSTREAM_STALL_THRESHOLD_MS: 'abc',
      ...receiver.env,
    });
    const { code } = await app.exited;
    assert.equal(code, 0);
    const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, app.stderr());
    assert.match(lines[0], /MIDSTREAM_STALL_THRESHOLD_MS=abc .*default 5000/);
    const span = streamsOf(receiver, url)[0];
    assert.equal(span?.attributes['midstream.outcome'], 'completed', 'telemetry still works');
    assert.equal(span.attributes['midstream.stall.count'], 0, 'a 400 ms gap is no stall under the default 5000 ms');
  });

  it('applies well-formed MIDSTREAM_* options and keeps quiet with OTEL_LOG_LEVEL=none', async (t) => {
    const { receiver, url } = await setUp(t, HELD_WRITE);
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      MIDSTREAM_STALL_THRESHOLD_MS: '250',
      MIDSTREAM_IDLE_TIMEOUT_MS: 'nope',
      OTEL_LOG_LEVEL: 'none',
      ...receiver.env,
    });
    await app.exited;
    const span = streamsOf(receiver, url)[0];
    assert.equal(span?.attributes['midstream.stall.count'], 1, 'the 400 ms gap is a stall over 250 ms');
    assert.equal(span.attributes['midstream.outcome'], 'completed', 'no idle timeout (the default, off)');
    assert.equal(app.stderr(), '');
  });

  it('refuses a second start by the app with one diagnostic and counts the stream once', async (t) => {
    const { receiver, url } = await setUp(t);
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, START_AGAIN: '1', ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, app.stderr());
    assert.match(lines[0], /already started/);
    assert.equal(streamsOf(receiver, url).length, 1);
    const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes').flatMap((m) => m.dataPoints);
    assert.equal(outcomes.reduce((n, p) => n + p.value, 0), 1);
  });

  it('exports nothing with OTEL_TRACES_EXPORTER=none and OTEL_METRICS_EXPORTER=none', async (t) => {
    const { receiver, url } = await setUp(t);
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      ...receiver.env,
    });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    assert.match(app.stdout(), /^done$/m);
    assert.deepEqual(receiver.requests, { traces: 0, metrics: 0 });
  });

  it('serves midstream metrics for Prometheus with OTEL_METRICS_EXPORTER=prometheus', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:2');
    const port = await freePort();
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...receiver.env,
    });
    await app.waitForLine(/^events 2$/);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, /^midstream_stream_active\{[^}]*midstream_source="fetch"[^}]*\} 1$/m);
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).signal, 'SIGTERM');
    assert.equal(receiver.requests.metrics, 0, 'no OTLP metrics when Prometheus is chosen');
  });
});

// The configuration contract end to end (the parsers' own table: test/unit/env-contract.test.mjs): each
// row is an app under --require with bad values, which must print exactly the listed lines on stderr (one
// per variable) and keep working with the documented fallback.
const CONTRACT_ROWS = [
  {
    env: { MIDSTREAM_INSTRUMENTATIONS: 'bogus' },
    lines: [/^midstream: MIDSTREAM_INSTRUMENTATIONS=bogus has an unknown instrumentation bogus \(valid: fetch, .*\); using the default \(all\)$/],
    then: 'the fetch stream is still instrumented',
  },
  {
    env: { MIDSTREAM_INSTRUMENTATIONS: ',,,' },
    lines: [/^midstream: MIDSTREAM_INSTRUMENTATIONS=,,, names nothing .*; using the default \(all\)$/],
    then: 'the fetch stream is still instrumented',
  },
  {
    env: { MIDSTREAM_INSTRUMENTATIONS: '' },
    lines: [],
    then: 'the fetch stream is still instrumented',
  },
  {
    env: { OTEL_TRACES_EXPORTER: 'zipkin' },
    lines: [/^midstream: OTEL_TRACES_EXPORTER=zipkin has an unknown exporter zipkin \(valid: otlp, console, none\); using the default otlp$/],
    then: 'traces are exported over OTLP',
  },
  {
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'localhost:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '::bad' }),
    lines: [
      /^midstream: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=localhost:4318 is not an http\(s\) URL \(http:\/\/host:port\); using the default http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/,
      /^midstream: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=::bad is not an http\(s\) URL .*; using the default http:\/\/127\.0\.0\.1:\d+\/v1\/metrics$/,
    ],
    then: 'both signals go to the base endpoint',
  },
  {
    env: { OTEL_LOG_LEVEL: 'garbage', MIDSTREAM_STALL_THRESHOLD_MS: 'abc' },
    lines: [
      /^midstream: OTEL_LOG_LEVEL=garbage is not one of none, error, warn, info, debug, verbose, all; using the default warn$/,
      /^midstream: MIDSTREAM_STALL_THRESHOLD_MS=abc is not an integer \(0\.\.86400000\); using the default 5000$/,
    ],
    fault: HELD_WRITE,
    stalls: 0,
    then: 'the diagnostics print at WARN and the default threshold applies',
  },
  {
    env: { OTEL_SDK_DISABLED: 'maybe' },
    lines: [/^midstream: OTEL_SDK_DISABLED=maybe is not true or false; using the default false$/],
    then: 'midstream runs',
  },
  {
    env: { MIDSTREAM_IDLE_TIMEOUT_MS: '99999999999999999999', MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES: '-1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    lines: [
      /^midstream: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not available in midstream-otel\/register .*; using the default http\/json$/,
      /^midstream: MIDSTREAM_IDLE_TIMEOUT_MS=99999999999999999999 is above the maximum 86400000; using 86400000$/,
      /^midstream: MIDSTREAM_CAPTURE_CONTENT_MAX_BYTES=-1 is below the minimum 0; using 0$/,
    ],
    fault: HELD_WRITE,
    then: 'the clamped values apply (the 400 ms gap does not time the stream out)',
  },
];

describe('the configuration contract under --require midstream-otel/register', () => {
  for (const row of CONTRACT_ROWS) {
    const vars = typeof row.env === 'function' ? row.env({}) : row.env;
    const shown = Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    it(`${shown}: ${row.lines.length} line(s) on stderr, and ${row.then}`, async (t) => {
      const { receiver, url } = await setUp(t, row.fault);
      const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
        SSE_URL: url,
        ...receiver.env,
        ...vars,
      });
      const { code } = await app.exited;
      assert.equal(code, 0, app.stderr());
      assert.match(app.stdout(), /^done$/m, 'the app ran as without midstream');
      const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, row.lines.length, app.stderr());
      row.lines.forEach((re, i) => assert.match(lines[i], re));
      const spans = streamsOf(receiver, url);
      assert.equal(spans.length, 1, 'the stream span reached the receiver');
      assert.equal(spans[0].attributes['midstream.outcome'], 'completed');
      assert.ok(receiver.metrics.some((m) => m.name === 'midstream.stream.outcomes'), 'metrics reached the receiver');
      if (row.stalls !== undefined) assert.equal(spans[0].attributes['midstream.stall.count'], row.stalls, 'stalls');
    });
  }

  it('serves no Prometheus endpoint on a host it cannot listen on, said in one line, and the app runs on', async (t) => {
    const { receiver, url } = await setUp(t);
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      OTEL_METRICS_EXPORTER: 'prometheus',
      // TEST-NET-1 (RFC 5737): never an address of this machine.
      OTEL_EXPORTER_PROMETHEUS_HOST: '192.0.2.1',
      ...receiver.env,
    });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    assert.match(app.stdout(), /^done$/m);
    const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, app.stderr());
    assert.match(lines[0], /^midstream: OTEL_EXPORTER_PROMETHEUS_PORT=9464 \(host 192\.0\.2\.1\) cannot be served \(EADDRNOTAVAIL\); Prometheus metrics are not served$/);
    assert.equal(streamsOf(receiver, url)[0]?.attributes['midstream.outcome'], 'completed', 'traces still work');
  });

  it('serves Prometheus metrics on an ephemeral port when OTEL_EXPORTER_PROMETHEUS_PORT is busy, said in one line', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:2');
    const busy = net.createServer();
    await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
    t.after(() => busy.close());
    const port = busy.address().port;
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], {
      SSE_URL: url,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...receiver.env,
    });
    await app.waitForLine(/^events 2$/);
    const lines = app.stderr().split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, app.stderr());
    const re = new RegExp(`^midstream: OTEL_EXPORTER_PROMETHEUS_PORT=${port} \\(host 127\\.0\\.0\\.1\\) is not available \\(EADDRINUSE\\); serving Prometheus metrics on port (\\d+) instead$`);
    const actual = Number(re.exec(lines[0])?.[1]);
    assert.ok(actual > 0 && actual !== port, lines[0]);
    const text = await (await fetch(`http://127.0.0.1:${actual}/metrics`)).text();
    assert.match(text, /^midstream_stream_active\{[^}]*\} 1$/m);
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).signal, 'SIGTERM');
  });
});

describe('startMidstream() in an app that registered its own TracerProvider', () => {
  it('reports to the app provider instead of replacing it', async (t) => {
    const { receiver, url } = await setUp(t);
    const script = `
      const { trace } = require('@opentelemetry/api');
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
      const exporter = new InMemorySpanExporter();
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      require('midstream-otel').startMidstream();
      process.on('exit', () => console.log('app-spans ' + JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes['midstream.outcome']))));
      require(${JSON.stringify(APP_CJS)});`;
    const app = runApp(t, ['-e', script], { SSE_URL: url, ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    assert.match(app.stdout(), /^app-spans \["completed"\]$/m);
    assert.equal(receiver.requests.traces, 0, 'midstream created no exporter of its own for traces');
  });
});
