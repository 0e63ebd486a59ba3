// `node --import midstream-otel/register app.mjs`: the ESM door registers the import-in-the-middle loader,
// so an ESM app's named import of node:http is patched, and shares one core with the CommonJS door
// (which registers the same loader: an ESM app started with --require is patched too).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startSseServer } from '../support/sse-server.mjs';
import { APP_MJS, runApp } from './harness.mjs';

const EVENTS = ['one', 'two', 'three', 'four'].map((data) => ({ data }));

async function setUp(t, fault) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startSseServer({ events: EVENTS, fault });
  t.after(() => server.close());
  return { receiver, url: server.url('/events') };
}

const streamsOf = (receiver, url) => receiver.spans.filter((s) => s.attributes['url.full'] === url);

describe('--import midstream-otel/register (ESM app)', () => {
  it('observes a stream read through a named ESM import of node:http and ends it as interrupted on SIGTERM', async (t) => {
    const { receiver, url } = await setUp(t, 'hold-after:3');
    const app = runApp(t, ['--import', 'midstream-otel/register', APP_MJS], { SSE_URL: url, ...receiver.env });
    await app.waitForLine(/^events 3$/);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited;
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGTERM' });
    const [span, ...more] = streamsOf(receiver, url);
    assert.ok(span, `no span received; stderr: ${app.stderr()}`);
    assert.equal(more.length, 0);
    assert.equal(span.attributes['midstream.source'], 'http.client');
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.chunk.count'], 3);
  });

  it('patches the named ESM import under --require alone too (either door registers the loader)', async (t) => {
    const { receiver, url } = await setUp(t, 'none');
    const app = runApp(t, ['--require', 'midstream-otel/register', APP_MJS], { SSE_URL: url, ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    assert.match(app.stdout(), /^done$/m);
    const spans = streamsOf(receiver, url);
    assert.equal(spans.length, 1, `stderr: ${app.stderr()}`);
    assert.equal(spans[0].attributes['midstream.source'], 'http.client');
    assert.equal(spans[0].attributes['midstream.outcome'], 'completed');
  });

  it('exports a completed fetch stream span when an ESM app ends on its own', async (t) => {
    const { receiver, url } = await setUp(t, 'none');
    const app = runApp(t, ['--import', 'midstream-otel/register', APP_MJS], { SSE_URL: url, CLIENT: 'fetch', ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    const spans = streamsOf(receiver, url);
    assert.equal(spans.length, 1, `stderr: ${app.stderr()}`);
    assert.equal(spans[0].attributes['midstream.source'], 'fetch');
    assert.equal(spans[0].attributes['midstream.outcome'], 'completed');
  });

  it('runs one midstream when both --require and --import load the register entry, and still patches ESM imports', async (t) => {
    const { receiver, url } = await setUp(t, 'none');
    const app = runApp(t, ['--require', 'midstream-otel/register', '--import', 'midstream-otel/register', APP_MJS], { SSE_URL: url, ...receiver.env });
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr());
    const spans = streamsOf(receiver, url);
    assert.equal(spans.length, 1, 'the stream is observed once');
    assert.equal(spans[0].attributes['midstream.source'], 'http.client');
    assert.equal(spans[0].attributes['midstream.outcome'], 'completed');
    const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes').flatMap((m) => m.dataPoints);
    assert.equal(outcomes.reduce((n, p) => n + p.value, 0), 1, 'counted once in metrics');
    assert.equal(app.stderr(), '');
  });
});
