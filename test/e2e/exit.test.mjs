// The edges of a process's life under `--require midstream-otel/register`, in child processes against a
// real OTLP/HTTP receiver (or a broken collector): midstream never holds the exit, never changes the exit
// code or the app's output, and exports live streams as `interrupted` with a reason only when the
// process really ends. Each case also runs without the preload, to compare what the app did.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startSseServer } from '../support/sse-server.mjs';
import { APP_CJS, midstreamLines, runApp, startBrokenCollector } from './harness.mjs';

const EVENTS = ['one', 'two', 'three', 'four'].map((data) => ({ data }));
const PRELOAD = ['--require', 'midstream-otel/register'];
// The exit phase (the app's last line -> process gone), far below the failure modes (8.6-30 s measured
// before the bound existed) and generous for a loaded machine; exact figures: npm run bench.
const EXIT_BOUND_MS = 3000;
const OWN_PROVIDER = new URL('./apps/own-provider.cjs', import.meta.url).pathname;

async function sseUrl(t, fault = 'none') {
  const server = await startSseServer({ events: EVENTS, fault });
  t.after(() => server.close());
  return server.url('/events');
}

async function receiverFor(t) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  return receiver;
}

const isStream = (url) => (s) => s.attributes['url.full'] === url && s.attributes['midstream.source'] === 'fetch';

/** Runs the app with and without the preload; returns both results. */
async function withAndWithout(t, env, preload = PRELOAD) {
  const bare = runApp(t, [APP_CJS], env);
  const bareExit = await bare.exited;
  const app = runApp(t, [...preload, APP_CJS], env);
  const appExit = await app.exited;
  return { bare, bareExit, app, appExit };
}

/** What the app printed, without how TCP happened to split the stream (`events N` per read). */
function appOutput(stdout) {
  const lines = stdout.trimEnd().split('\n');
  const lastEvents = lines.filter((l) => l.startsWith('events ')).pop();
  return [lastEvents, ...lines.filter((l) => !l.startsWith('events '))];
}

function assertNoStackDump(stderr) {
  assert.ok(!/^\s+at /m.test(stderr), `no stack trace on stderr:\n${stderr}`);
}

describe('normal exit with a collector that does not take the telemetry', () => {
  for (const [mode, label] of [
    ['closed', 'a closed port (ECONNREFUSED)'],
    ['hang', 'a collector that accepts and never answers'],
    ['status:500', 'a collector answering 500'],
  ]) {
    it(`exits within the bound, with the same code and output, and one line at most, with ${label}`, async (t) => {
      const endpoint = await startBrokenCollector(t, mode);
      const url = await sseUrl(t);
      const { bare, bareExit, app, appExit } = await withAndWithout(t, { SSE_URL: url, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      assert.deepEqual([appExit.code, appExit.signal], [bareExit.code, bareExit.signal]);
      assert.equal(appExit.code, 0);
      assert.deepEqual(appOutput(app.stdout()), appOutput(bare.stdout()));
      assert.ok(appExit.exitPhaseMs < EXIT_BOUND_MS, `exit took ${Math.round(appExit.exitPhaseMs)} ms`);
      assert.ok(midstreamLines(app.stderr()).length <= 1, app.stderr());
      assertNoStackDump(app.stderr());
    });
  }

  it('exits within the bound with an invalid OTEL_EXPORTER_OTLP_ENDPOINT, with the same code and output', async (t) => {
    const url = await sseUrl(t);
    const { bare, bareExit, app, appExit } = await withAndWithout(t, { SSE_URL: url, OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' });
    assert.deepEqual([appExit.code, appExit.signal], [bareExit.code, bareExit.signal]);
    assert.deepEqual(appOutput(app.stdout()), appOutput(bare.stdout()));
    assert.ok(appExit.exitPhaseMs < EXIT_BOUND_MS, `exit took ${Math.round(appExit.exitPhaseMs)} ms`);
    // Two problems, one line each: the variable (and the default used instead), then the default
    // endpoint, where no collector listens here, at exit.
    const lines = midstreamLines(app.stderr());
    assert.ok(lines.length >= 1 && lines.length <= 2, app.stderr());
    assert.match(lines[0], /^midstream: OTEL_EXPORTER_OTLP_ENDPOINT=not a url is not an http\(s\) URL/);
    if (lines.length === 2) assert.match(lines[1], /localhost:4318/);
    assertNoStackDump(app.stderr());
  });

  it('honours MIDSTREAM_EXIT_TIMEOUT_MS: a hanging collector gets no more than the configured bound', async (t) => {
    const endpoint = await startBrokenCollector(t, 'hang');
    const url = await sseUrl(t);
    const env = { SSE_URL: url, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
    const quick = runApp(t, [...PRELOAD, APP_CJS], { ...env, MIDSTREAM_EXIT_TIMEOUT_MS: '0' });
    const quickExit = await quick.exited;
    const slow = runApp(t, [...PRELOAD, APP_CJS], { ...env, MIDSTREAM_EXIT_TIMEOUT_MS: '2000' });
    const slowExit = await slow.exited;
    assert.equal(quickExit.code, 0);
    assert.equal(slowExit.code, 0);
    // The 2000 ms bound is waited for; the 0 ms one is not (generous margin for a loaded machine).
    assert.ok(slowExit.exitPhaseMs > 1900, `2000 ms bound: exit phase ${slowExit.exitPhaseMs} ms`);
    assert.ok(quickExit.exitPhaseMs < slowExit.exitPhaseMs - 1000, `0 ms: ${quickExit.exitPhaseMs}, 2000 ms: ${slowExit.exitPhaseMs}`);
  });
});

describe('startMidstream({ exitTimeoutMs })', () => {
  it('takes the bound from code, over the environment', async (t) => {
    const endpoint = await startBrokenCollector(t, 'hang');
    const url = await sseUrl(t);
    const script = `require('midstream-otel').startMidstream({ exitTimeoutMs: 2000 }); require(${JSON.stringify(APP_CJS)});`;
    const app = runApp(t, ['-e', script], { SSE_URL: url, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, MIDSTREAM_EXIT_TIMEOUT_MS: '0' });
    const { code, exitPhaseMs } = await app.exited;
    assert.equal(code, 0);
    assert.ok(exitPhaseMs > 1900 && exitPhaseMs < 2000 + EXIT_BOUND_MS, `exit phase ${Math.round(exitPhaseMs)} ms`);
  });
});

describe('StreamSpanProcessor in the app\'s own pipeline', () => {
  it('bounds its beforeExit flush to a collector that never answers', async (t) => {
    const endpoint = await startBrokenCollector(t, 'hang');
    const script = [
      `const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');`,
      `const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');`,
      `const { StreamSpanProcessor } = require('midstream-otel');`,
      `const exporter = new OTLPTraceExporter({ url: '${endpoint}/v1/traces' });`,
      `const processor = new StreamSpanProcessor({ delegate: new BatchSpanProcessor(exporter), exitTimeoutMs: 500 });`,
      `new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('app').startSpan('work').end();`,
      `console.log('done');`,
    ].join('\n');
    const app = runApp(t, ['-e', script], {});
    const { code, exitPhaseMs } = await app.exited;
    assert.equal(code, 0, app.stderr());
    // Without the bound the exporter's 10 s timeout (and the BatchSpanProcessor's 30 s one) held it.
    assert.ok(exitPhaseMs > 450 && exitPhaseMs < EXIT_BOUND_MS, `exit phase ${Math.round(exitPhaseMs)} ms`);
    assert.ok(midstreamLines(app.stderr()).length <= 1, app.stderr());
  });
});

describe("normal exit with the app's own TracerProvider", () => {
  for (const mode of ['throw', 'hang']) {
    it(`exits within the bound when the app's span processor ${mode === 'throw' ? 'throws' : 'never finishes its flush'}`, async (t) => {
      const receiver = await receiverFor(t);
      const url = await sseUrl(t);
      // midstream's own MeterProvider exports to a working receiver: only the app's pipeline is broken.
      const env = { SSE_URL: url, APP_PROCESSOR: mode, ...receiver.env };
      const { bare, bareExit, app, appExit } = await withAndWithout(t, env, ['--require', OWN_PROVIDER, ...PRELOAD]);
      assert.equal(appExit.code, 0);
      assert.deepEqual([appExit.code, appExit.signal], [bareExit.code, bareExit.signal]);
      assert.deepEqual(appOutput(app.stdout()), appOutput(bare.stdout()));
      assert.ok(appExit.exitPhaseMs < EXIT_BOUND_MS, `exit took ${Math.round(appExit.exitPhaseMs)} ms`);
      // A throwing processor is reported, once per failing method, one line each.
      assert.ok(midstreamLines(app.stderr()).length <= 2, app.stderr());
      assertNoStackDump(app.stderr());
    });
  }
});

// These tests check that the synchronous path delivers (the bound itself is tested above): a generous
// bound, so a loaded machine's slow worker start does not turn delivery into the journal's fallback.
const SYNC_PATH = { MIDSTREAM_EXIT_TIMEOUT_MS: '5000' };

describe('process.exit(), uncaught exceptions and unhandled rejections while a stream is live', () => {
  it('exports the live stream as interrupted (reason process_exit) and keeps the exit code the app chose', async (t) => {
    const receiver = await receiverFor(t);
    const url = await sseUrl(t, 'hold-after:3');
    const { bare, bareExit, app, appExit } = await withAndWithout(t, { SSE_URL: url, EXIT_AFTER: '3:5', ...receiver.env , ...SYNC_PATH });
    assert.equal(bareExit.code, 5);
    assert.deepEqual([appExit.code, appExit.signal], [5, null]);
    assert.deepEqual(appOutput(app.stdout()), appOutput(bare.stdout()));
    assert.equal(app.stderr(), '');
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, 'the span arrived before the process ended');
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.reason'], 'process_exit');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
    assert.ok(span.attributes['midstream.bytes'] > 0);
    assert.equal(span.attributes['error.type'], 'stream_interrupted');
    assert.ok(appExit.exitPhaseMs < EXIT_BOUND_MS);
  });

  it('exports the live stream as interrupted (reason uncaught_exception) with the same exit code and stderr', async (t) => {
    const receiver = await receiverFor(t);
    const url = await sseUrl(t, 'hold-after:3');
    const { bare, bareExit, app, appExit } = await withAndWithout(t, { SSE_URL: url, THROW_AFTER: '3', ...receiver.env , ...SYNC_PATH });
    assert.equal(bareExit.code, 1);
    assert.deepEqual([appExit.code, appExit.signal], [1, null]);
    assert.equal(app.stderr(), bare.stderr(), 'the same uncaught exception report');
    assert.match(app.stderr(), /Error: app boom/);
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, 'the span arrived before the process ended');
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.reason'], 'uncaught_exception');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
  });

  it('exports the live stream as interrupted (reason unhandled_rejection) with the same exit code', async (t) => {
    const receiver = await receiverFor(t);
    const url = await sseUrl(t, 'hold-after:3');
    const { bare, bareExit, app, appExit } = await withAndWithout(t, { SSE_URL: url, REJECT_AFTER: '3', ...receiver.env , ...SYNC_PATH });
    assert.equal(bareExit.code, 1);
    assert.deepEqual([appExit.code, appExit.signal], [1, null]);
    assert.match(app.stderr(), /Error: app rejected/);
    assert.equal(midstreamLines(app.stderr()).length, 0, app.stderr());
    assert.equal(app.stderr(), bare.stderr(), 'the same unhandled rejection report');
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, 'the span arrived before the process ended');
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.reason'], 'unhandled_rejection');
  });

  it('exports on process.exit() when the preload comes from NODE_OPTIONS (which also runs in worker threads)', async (t) => {
    const receiver = await receiverFor(t);
    const url = await sseUrl(t, 'hold-after:3');
    const app = runApp(t, [APP_CJS], {
      SSE_URL: url,
      EXIT_AFTER: '3:6',
      NODE_OPTIONS: '--require midstream-otel/register',
      ...receiver.env,
    });
    const { code, exitPhaseMs } = await app.exited;
    assert.equal(code, 6);
    assert.equal(app.stderr(), '');
    assert.ok(exitPhaseMs < EXIT_BOUND_MS, `exit took ${Math.round(exitPhaseMs)} ms`);
    const span = receiver.spans.find(isStream(url));
    assert.equal(span?.attributes['midstream.reason'], 'process_exit');
  });

  it('exports on process.exit() under --import midstream-otel/register too', async (t) => {
    const receiver = await receiverFor(t);
    const url = await sseUrl(t, 'hold-after:3');
    const app = runApp(t, ['--import', 'midstream-otel/register', APP_CJS], { SSE_URL: url, EXIT_AFTER: '3:3', ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 3);
    assert.equal(app.stderr(), '');
    const span = receiver.spans.find(isStream(url));
    assert.equal(span?.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span?.attributes['midstream.reason'], 'process_exit');
  });

  it('does not hold process.exit() when the collector never answers', async (t) => {
    const endpoint = await startBrokenCollector(t, 'hang');
    const url = await sseUrl(t, 'hold-after:3');
    const app = runApp(t, [...PRELOAD, APP_CJS], { SSE_URL: url, EXIT_AFTER: '3:4', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    const { code, exitPhaseMs } = await app.exited;
    assert.equal(code, 4);
    assert.ok(exitPhaseMs < EXIT_BOUND_MS, `exit took ${Math.round(exitPhaseMs)} ms`);
  });

  it('writes the interrupted span synchronously with OTEL_TRACES_EXPORTER=console', async (t) => {
    const url = await sseUrl(t, 'hold-after:3');
    const app = runApp(t, [...PRELOAD, APP_CJS], {
      SSE_URL: url,
      EXIT_AFTER: '3:0',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_METRICS_EXPORTER: 'none',
    });
    const { code } = await app.exited;
    assert.equal(code, 0);
    assert.match(app.stdout(), /'midstream\.outcome': 'interrupted'/);
    assert.match(app.stdout(), /'midstream\.reason': 'process_exit'/);
  });
});
