// The real entry points: `node --require midstream-otel/register app.cjs` (require-in-the-middle) and
// `node --import midstream-otel/register app.mjs` (import-in-the-middle on the ESM builds of ai and
// @ai-sdk/openai), exporting to a local OTLP receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runApp } from '../../../e2e/harness.mjs';
import { startOtlpReceiver } from '../../../support/otlp-receiver.mjs';
import { startScriptServer } from '../sse-script-server.mjs';
import { startFailingServer } from '../failing-server.mjs';

/**
 * The app file, placed so that its `ai` / `@ai-sdk/openai` are the ones under test: with
 * MIDSTREAM_SDK_DIR (the version matrix) a copy inside that install, which resolves its packages there.
 */
function appFile(name) {
  const file = fileURLToPath(new URL(`./apps/${name}`, import.meta.url));
  const dir = process.env.MIDSTREAM_SDK_DIR;
  if (!dir) return file;
  const target = join(resolve(dir), 'midstream-test-apps');
  mkdirSync(target, { recursive: true });
  copyFileSync(file, join(target, name));
  return join(target, name);
}

const APP_CJS = appFile('stream-text-app.cjs');
const APP_MJS = appFile('stream-text-app.mjs');

async function runStreamText(t, door, app, { fixture, mode, api, model, baseURL }) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startScriptServer(t);
  const env = { ...receiver.env, AI_BASE_URL: baseURL ?? server.baseURL(fixture, mode, '/v1'), AI_API: api, AI_MODEL: model };
  const child = runApp(t, [door, 'midstream-otel/register', app], env);
  const { code } = await child.exited;
  assert.equal(code, 0, child.stderr());
  // The chat span (a failed call's span has no midstream.* attributes).
  const span = await receiver.waitForSpan((s) => s.attributes['gen_ai.request.model'] === model && s.name === `chat ${model}`);
  return { receiver, span, stdout: child.stdout() };
}

for (const [door, app] of [
  ['--require', APP_CJS],
  ['--import', APP_MJS],
]) {
  test(`${door} midstream-otel/register: a complete streamText is one completed chat span`, async (t) => {
    const model = `reg${door}-complete`;
    const { receiver, span, stdout } = await runStreamText(t, door, app, { fixture: 'openai-chat', mode: 'full', api: 'chat', model });
    assert.match(stdout, /^text Hello world$/m);
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['midstream.outcome'], 'completed');
    assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
    const streams = receiver.spans.filter((s) => s.attributes['midstream.source'] === 'ai-sdk');
    assert.equal(streams.length, 1);
    // The fetch layer (on by default) saw the same request: it keeps a span, a child of the chat span
    // with the same outcome, and the count stays one.
    const transport = receiver.spans.filter((s) => s.attributes['midstream.source'] === 'fetch');
    assert.equal(transport.length, 1);
    assert.equal(transport[0].parentSpanId, span.spanId);
    assert.equal(transport[0].traceId, span.traceId);
    assert.equal(transport[0].attributes['midstream.outcome'], 'completed');
    const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes').flatMap((m) => m.dataPoints);
    assert.ok(outcomes.length > 0, 'metrics were exported at exit');
    const counted = outcomes.filter((p) => p.attributes['gen_ai.request.model'] === model || p.attributes['midstream.source'] === 'fetch');
    assert.equal(counted.reduce((n, p) => n + p.value, 0), 1, JSON.stringify(counted));
  });

  test(`${door} midstream-otel/register: a Responses stream cut before response.completed is truncated`, async (t) => {
    const model = `reg${door}-cut`;
    const { span, stdout } = await runStreamText(t, door, app, { fixture: 'openai-responses', mode: 'cut6', api: 'responses', model });
    assert.match(stdout, /^text Hello world$/m, 'the app sees no error');
    assert.equal(span.attributes['midstream.outcome'], 'truncated');
    assert.equal(span.attributes['error.type'], 'stream_truncated');
  });

  test(`${door} midstream-otel/register: an HTTP 500 before the stream is a failed chat span, not a stream`, async (t) => {
    const model = `reg${door}-500`;
    const failing = await startFailingServer(t);
    const { receiver, span, stdout } = await runStreamText(t, door, app, { api: 'chat', model, baseURL: failing.baseURL('status500', '/v1') });
    assert.match(stdout, /^text $/m, 'streamText reports the error through onError, the text is empty');
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.status.code, 2);
    assert.equal(span.attributes['error.type'], '500');
    assert.equal(span.attributes['midstream.outcome'], undefined);
    const durations = receiver.metrics.filter((m) => m.name === 'gen_ai.client.operation.duration').flatMap((m) => m.dataPoints);
    assert.deepEqual(
      durations.filter((p) => p.attributes['gen_ai.request.model'] === model).map((p) => p.attributes['error.type']),
      ['500'],
    );
    const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes').flatMap((m) => m.dataPoints);
    assert.equal(outcomes.filter((p) => p.attributes['gen_ai.request.model'] === model).length, 0);
  });
}
