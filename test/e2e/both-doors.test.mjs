// Either door patches both module systems: an ESM app started with `--import midstream-otel/register`
// or `--require midstream-otel/register` reaches node:http (server and client) through a CommonJS
// module it imports and through a named ESM import, fetch, and every SDK through `require` (a .cjs
// file loaded with createRequire) and through `import()`; each must export its span to a real OTLP
// receiver. Before the fix, `--import` left a CommonJS `require('node:http')` unpatched and
// `--require` left every ESM import unpatched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startScriptServer } from '../integration/sdk/sse-script-server.mjs';
import { startNdjsonServer } from '../integration/sdk/ndjson-script-server.mjs';
import { startGeminiServer } from '../integration/sdk/genai/gemini-script-server.mjs';
import { startEventStreamServer } from '../integration/sdk/bedrock/event-stream-server.mjs';
import { runApp } from './harness.mjs';

const APP = fileURLToPath(new URL('./apps/both-doors/app.mjs', import.meta.url));
// sdk -> midstream.source of its GenAI span
const SOURCE = {
  openai: 'openai',
  anthropic: 'anthropic',
  cohere: 'cohere',
  ollama: 'ollama',
  bedrock: 'bedrock',
  genai: 'google-genai',
  langchain: 'langchain',
  mistral: 'mistral',
};
const SDKS = Object.keys(SOURCE);

async function runDoor(t, door) {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const sse = await startScriptServer(t);
  const ndjson = await startNdjsonServer(t);
  const gemini = await startGeminiServer(t);
  const bedrock = await startEventStreamServer(t);
  const app = runApp(t, [door, 'midstream-otel/register', APP], {
    SERVER: `http://127.0.0.1:${sse.port}`,
    NDJSON: `http://127.0.0.1:${ndjson.port}`,
    GEMINI: `http://127.0.0.1:${gemini.port}`,
    BEDROCK: bedrock.endpoint('converse-stream', 'full'),
    SDKS: SDKS.join(','),
    ...receiver.env,
  });
  const { code } = await app.exited;
  assert.equal(code, 0, app.stderr());
  assert.match(app.stdout(), /^done$/m);
  return { receiver, app, upstream: `http://127.0.0.1:${sse.port}/openai-chat/full` };
}

const summary = (spans) => JSON.stringify(spans.map((s) => [s.name, s.attributes['midstream.source'], s.attributes['gen_ai.request.model'] ?? s.attributes['url.full'] ?? s.attributes['url.path']]));

for (const door of ['--import', '--require']) {
  describe(`${door} midstream-otel/register with an ESM app that also loads CommonJS`, () => {
    let run;
    const once = async (t) => (run ??= await runDoor(t, door));

    it('patches node:http server and client whether reached through require or a named import, and fetch', async (t) => {
      const { receiver, upstream } = await once(t);
      const spans = receiver.spans;
      const of = (source, pred) => spans.filter((s) => s.attributes['midstream.source'] === source && pred(s));
      for (const via of ['import', 'require', 'fetch']) {
        const server = of('http.server', (s) => s.attributes['url.path'] === `/relay/${via}`);
        assert.equal(server.length, 1, `server span for /relay/${via}: ${summary(spans)}`);
        assert.equal(server[0].attributes['midstream.outcome'], 'completed');
      }
      for (const via of ['import', 'require']) {
        const client = of('http.client', (s) => s.attributes['url.full']?.endsWith(`/relay/${via}`));
        assert.equal(client.length, 1, `client span for /relay/${via} (${via} of node:http): ${summary(spans)}`);
        assert.equal(client[0].attributes['midstream.outcome'], 'completed');
      }
      assert.equal(of('fetch', (s) => s.attributes['url.full']?.endsWith('/relay/fetch')).length, 1, summary(spans));
      // The relay's own upstream calls, made through the CommonJS require('node:http') of relay.cjs.
      assert.equal(of('http.client', (s) => s.attributes['url.full'] === upstream).length, 3, summary(spans));
    });

    it('exports a completed GenAI span for every SDK loaded through require and through import', async (t) => {
      const { receiver } = await once(t);
      const spans = receiver.spans;
      for (const sdk of SDKS.filter((s) => s !== 'langchain')) {
        // mistral is ESM only: `require` of it needs require(esm) (Node >= 22).
        for (const via of sdk === 'mistral' ? ['import'] : ['require', 'import']) {
          const model = `${sdk}-${via}`;
          const found = spans.filter((s) => s.attributes['gen_ai.request.model'] === model && s.attributes['midstream.source'] === SOURCE[sdk]);
          assert.equal(found.length, 1, `${model}: ${summary(spans)}`);
          assert.equal(found[0].attributes['midstream.outcome'], 'completed', model);
        }
      }
      // LangChain's fake model carries no model name: one span per module system.
      const lc = spans.filter((s) => s.attributes['midstream.source'] === 'langchain');
      assert.equal(lc.length, 2, summary(spans));
      for (const s of lc) assert.equal(s.attributes['midstream.outcome'], 'completed');
    });

    it('prints nothing of its own to stderr', async (t) => {
      const { app } = await once(t);
      assert.doesNotMatch(app.stderr(), /midstream|import-in-the-middle|require-in-the-middle/i);
    });
  });
}
