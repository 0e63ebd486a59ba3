// Options are explicit: an instrumentation class takes midstream's stream options in its constructor
// (the OpenTelemetry convention) and, for what it is not given, falls back to MIDSTREAM_*;
// midstreamInstrumentations() passes its options to what it builds, and nothing else inherits them.
// (Every class, option by option: test/unit/instrumentations/kit/midstream-instrumentation.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OpenAIInstrumentation } from '../../../dist/index.js';
import { startScriptServer } from './sse-script-server.mjs';
import { instrument, onlySpan, sdkRequire } from './sdk-harness.mjs';

const otel = instrument(new OpenAIInstrumentation({ captureContent: true, stallThresholdMs: 60 }));
const { default: OpenAI } = sdkRequire(import.meta.url)('openai');

test('options given to the class apply to its streams: content capture and the stall threshold', async (t) => {
  const server = await startScriptServer(t);
  const client = new OpenAI({ baseURL: server.baseURL('openai-chat', 'stall2x200', '/v1'), apiKey: 'test', maxRetries: 0 });
  for await (const _ of await client.chat.completions.create({ model: 'o-class', messages: [], stream: true })) void _;
  const span = onlySpan(otel, 'o-class');
  assert.equal(span.attributes['midstream.content.output'], 'Hello world');
  assert.equal(span.attributes['midstream.stall.count'], 1);
});

test('a class given no options takes MIDSTREAM_* from the environment', () => {
  const app = fileURLToPath(new URL('./options-env-app.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [app], {
    env: { ...process.env, MIDSTREAM_CAPTURE_CONTENT: 'true', MIDSTREAM_STALL_THRESHOLD_MS: '60' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.deepEqual(JSON.parse(out), { content: 'Hello world', stalls: 1 });
});

test('midstreamInstrumentations() gives its options to what it builds; trackStream takes only its own', () => {
  const app = fileURLToPath(new URL('./options-env-app.mjs', import.meta.url));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MIDSTREAM_')));
  const out = execFileSync(process.execPath, [app, 'shared'], { env, encoding: 'utf8', timeout: 20_000 });
  assert.deepEqual(JSON.parse(out), {
    content: 'Hello world',
    stalls: 1,
    // The 200 ms gap is under the default 5000 ms threshold: the shared 60 ms did not reach trackStream.
    manual: { default: 0, own: 1 },
  });
});
