// Through the real entry point: `node --import midstream-otel/register app.mjs`, configured by OTEL_*
// environment only, exporting over OTLP/HTTP to a local receiver. The Mistral SDK is ESM only, so
// this is the way users get its streams observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../../../support/otlp-receiver.mjs';
import { runApp } from '../../../e2e/harness.mjs';
import { startScriptServer } from '../sse-script-server.mjs';

const APP = fileURLToPath(new URL('./register-app.mjs', import.meta.url));

test('node --import midstream-otel/register: a Mistral chat.stream() exports one completed chat span, counted once', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const server = await startScriptServer(t);
  const app = runApp(t, ['--import', 'midstream-otel/register', APP], { SERVER: `http://127.0.0.1:${server.port}`, ...receiver.env });
  const { code } = await app.exited;
  assert.equal(code, 0, app.stderr());
  assert.match(app.stdout(), /^items 4$/m);
  const span = await receiver.waitForSpan((s) => s.attributes['gen_ai.request.model'] === 'reg-mistral');
  assert.equal(span.name, 'chat reg-mistral');
  assert.equal(span.attributes['midstream.source'], 'mistral');
  assert.equal(span.attributes['gen_ai.provider.name'], 'mistral_ai');
  assert.equal(span.attributes['midstream.outcome'], 'completed');
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
  const sources = receiver.spans.map((s) => s.attributes['midstream.source']).sort();
  assert.deepEqual(sources, ['fetch', 'mistral'], 'the fetch layer keeps its span');
  const outcomes = receiver.metrics.filter((m) => m.name === 'midstream.stream.outcomes').flatMap((m) => m.dataPoints);
  assert.ok(outcomes.length > 0, 'metrics were exported');
  // Cumulative export: the last export of each point carries the total; sum distinct attribute sets.
  const latest = new Map(outcomes.map((p) => [JSON.stringify(p.attributes), p.value]));
  assert.equal([...latest.values()].reduce((a, b) => a + b, 0), 1, 'one stream, one count');
  assert.equal(outcomes.at(-1).attributes['midstream.source'], 'mistral');
});
