// The ESM copy of BaseChatModel (dist/language_models/chat_models.js, patched through
// import-in-the-middle) in a child process started with --import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptServer } from '../sse-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('patches the ESM build of @langchain/core: fake model counted by langchain, ChatOpenAI counted once by openai', async (t) => {
  const server = await startScriptServer(t);
  const env = { ...process.env, SERVER: `http://127.0.0.1:${server.port}` };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const { stdout } = await run(process.execPath, ['--import', preload, app], { env, timeout: 30_000 });
  const { texts, broke, spans, outcomes } = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.deepEqual(texts, { fake: 'Hi', openai: 'Hello world' });
  assert.equal(broke, 1);
  const lc = spans.filter((s) => s.attributes['midstream.source'] === 'langchain');
  assert.deepEqual(lc.map((s) => s.attributes['midstream.outcome']).sort(), ['cancelled', 'completed', 'completed']);
  const lcOpenai = lc.find((s) => s.name === 'chat esm-lc');
  const inner = spans.find((s) => s.attributes['midstream.source'] === 'openai');
  assert.ok(inner, 'the openai ESM build is patched too');
  assert.equal(inner.parentSpanId, lcOpenai.spanId);
  const sum = (where) =>
    outcomes.filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v)).reduce((s, p) => s + p.value, 0);
  assert.equal(sum({}), 3, 'three streams, three counts');
  assert.equal(sum({ 'midstream.source': 'openai', 'midstream.outcome': 'completed' }), 1);
  assert.equal(sum({ 'midstream.source': 'langchain', 'midstream.outcome': 'completed' }), 1);
  assert.equal(sum({ 'midstream.source': 'langchain', 'midstream.outcome': 'cancelled' }), 1);
});
