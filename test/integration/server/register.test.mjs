// The real entry points on a relay app: `node --import midstream-otel/register` (Hono, ESM) and
// `--require` (Express, CommonJS), configured by OTEL_* env only, exporting to a real OTLP receiver.
// The client leaves mid-stream; the app keeps reading its upstream: the exported upstream span is
// orphaned and the server span carries the route template.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../../support/otlp-receiver.mjs';
import { runApp } from '../../e2e/harness.mjs';
import { relayClient, startUpstream, WORD_CHARS, WORDS } from './relay-harness.mjs';

const CASES = {
  esm: { door: ['--import', 'midstream-otel/register'], app: fileURLToPath(new URL('./apps/relay-app.mjs', import.meta.url)), framework: 'hono' },
  cjs: { door: ['--require', 'midstream-otel/register'], app: fileURLToPath(new URL('./apps/relay-app.cjs', import.meta.url)), framework: 'express' },
};

for (const [kind, c] of Object.entries(CASES)) {
  describe(`${c.door.join(' ')} with a ${c.framework} relay (${kind})`, () => {
    it('exports the orphaned upstream and the client_disconnected server span with its route', async (t) => {
      const receiver = await startOtlpReceiver();
      t.after(() => receiver.close());
      const upstream = await startUpstream(t);
      const model = `relay-${kind}`;
      const app = runApp(t, [...c.door, c.app], { UPSTREAM: upstream.baseURL('pace5'), MODEL: model, ...receiver.env });
      const url = (await app.waitForLine(/^relay /)).split(' ')[1];
      await relayClient(`${url}/chat/s-42`, { leaveAfter: 5 });
      const { code } = await app.exited;
      assert.equal(code, 0, app.stderr());

      const span = receiver.spans.find((s) => s.attributes['gen_ai.request.model'] === model);
      assert.ok(span, `no upstream span; stderr: ${app.stderr()}`);
      assert.equal(span.attributes['midstream.outcome'], 'completed');
      const event = span.events.find((e) => e.name === 'midstream.orphaned');
      assert.ok(event, 'orphaned event');
      assert.equal(span.attributes['midstream.orphaned.output.chars'], WORDS * WORD_CHARS - event.attributes['midstream.output.chars']);
      const server = receiver.spans.find((s) => s.attributes['midstream.source'] === 'http.server' && s.attributes['url.path'] === '/chat/s-42');
      assert.ok(server, `no server span: ${JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes['url.path']]))}`);
      assert.equal(server.attributes['midstream.outcome'], 'client_disconnected');
      assert.equal(server.attributes['http.route'], '/chat/:session');
      const orphaned = receiver.metrics.filter((m) => m.name === 'midstream.orphaned.streams').flatMap((m) => m.dataPoints);
      assert.deepEqual(
        orphaned.filter((p) => p.attributes['gen_ai.request.model'] === model).map((p) => [p.attributes['midstream.outcome'], p.value]),
        [['completed', 1]],
      );
    });
  });
}
