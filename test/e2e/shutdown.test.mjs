// `node --require midstream-otel/register app.cjs` against a real OTLP receiver: what reaches the backend
// when the app ends normally, and when it gets SIGTERM while a stream is live (with no handler of the
// app's, with one that exits, with one that carries on).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startSseServer } from '../support/sse-server.mjs';
import { APP_CJS, runApp } from './harness.mjs';

const EVENTS = ['one', 'two', 'three', 'four'].map((data) => ({ data }));

async function setUp(t, fault) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startSseServer({ events: EVENTS, fault });
  t.after(() => server.close());
  return { receiver, url: server.url('/events') };
}

const isStream = (url) => (s) => s.attributes['url.full'] === url && s.attributes['midstream.source'] === 'fetch';

describe('--require midstream-otel/register (CommonJS app)', () => {
  it('exports a completed stream span when the app ends on its own', async (t) => {
    const { receiver, url } = await setUp(t, 'none');
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, ...receiver.env });
    const { code, signal } = await app.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, app.stderr());
    // The beforeExit flush delivered the span before the process exited.
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, `no span received; stderr: ${app.stderr()}`);
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(span.attributes['midstream.chunk.count'], 4);
    assert.equal(span.resource['service.name'], 'midstream-e2e');
    assert.ok(receiver.metrics.some((m) => m.name === 'midstream.stream.outcomes'), 'metrics were flushed on exit too');
    assert.equal(app.stderr(), '');
  });

  it('on SIGTERM ends the live stream as interrupted with its progress, then exits by the signal', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:3');
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, ...receiver.env });
    await app.waitForLine(/^events 3$/);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited;
    // The default SIGTERM behaviour stays: killed by the signal (status 143 in a shell), not exit 0.
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGTERM' });
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, `no span received; stderr: ${app.stderr()}`);
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
    assert.ok(span.attributes['midstream.bytes'] > 0);
    assert.equal(span.status.code, 2, 'status ERROR');
    assert.equal(span.attributes['error.type'], 'stream_interrupted');
    assert.equal(span.attributes['midstream.reason'], 'sigterm');
  });

  it('on SIGTERM leaves the exit to the app when the app has its own handler', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:3');
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, OWN_SIGTERM: '1', ...receiver.env });
    await app.waitForLine(/^events 3$/);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited;
    assert.match(app.stdout(), /^app-sigterm$/m, 'the app handler ran');
    assert.deepEqual({ code, signal }, { code: 7, signal: null }, 'the exit status is the one the app chose');
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, `no span received; stderr: ${app.stderr()}`);
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
    // The signal did not end the stream; the app's process.exit() did.
    assert.equal(span.attributes['midstream.reason'], 'process_exit');
  });

  it('leaves the streams live when the app handles SIGTERM and carries on: they end with their true outcome', async (t) => {
    // Three events, a pause during which SIGTERM arrives, then the fourth and the end of the stream.
    const { receiver, url } = await setUp(t, 'stall:1500@3');
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, OWN_SIGTERM: 'ignore', ...receiver.env });
    await app.waitForLine(/^events 3$/);
    app.child.kill('SIGTERM');
    await app.waitForLine(/^app-sigterm$/);
    const { code, signal } = await app.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'the app ran to its end');
    assert.match(app.stdout(), /^done$/m);
    const span = receiver.spans.find(isStream(url));
    assert.ok(span, `no span received; stderr: ${app.stderr()}`);
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(span.attributes['midstream.chunk.count'], 4);
    assert.equal(span.attributes['midstream.reason'], undefined);
  });
});

describe('startMidstream() called by the app after its own SIGTERM handler', () => {
  it('still leaves the exit to the app handler registered earlier with process.once', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:3');
    const script = [
      `process.once('SIGTERM', () => { console.log('app-sigterm'); setTimeout(() => process.exit(9), 300); });`,
      `require('midstream-otel').startMidstream();`,
      `require(${JSON.stringify(APP_CJS)});`,
    ].join('\n');
    const app = runApp(t, ['-e', script], { SSE_URL: url, ...receiver.env });
    await app.waitForLine(/^events 3$/);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited;
    assert.match(app.stdout(), /^app-sigterm$/m);
    assert.deepEqual({ code, signal }, { code: 9, signal: null });
    const span = receiver.spans.find(isStream(url));
    assert.equal(span?.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span?.attributes['midstream.reason'], 'process_exit');
  });
});
