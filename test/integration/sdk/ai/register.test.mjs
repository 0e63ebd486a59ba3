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

async function runStreamText(t, door, app, { fixture, mode, api, model }) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startScriptServer(t);
  const env = { ...receiver.env, AI_BASE_URL: server.baseURL(fixture, mode, '/v1'), AI_API: api, AI_MODEL: model };
  const child = runApp(t, [door, 'midstream-otel/register', app], env);
  const { code } = await child.exited;
  assert.equal(code, 0, child.stderr());
  const span = await receiver.waitForSpan((s) => s.attributes['midstream.source'] === 'ai-sdk');
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
    // The fetch layer (on by default) saw the same request: it keeps a span, the count stays one.
    assert.ok(receiver.spans.some((s) => s.attributes['midstream.source'] === 'fetch'));
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
}
