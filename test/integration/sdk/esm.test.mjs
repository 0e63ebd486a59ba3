// ESM apps: the SDKs' .mjs files are patched through the import-in-the-middle loader, in a child
// process started with --import (what `node --import midstream-otel/register app.mjs` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptServer } from './sse-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('patches the ESM builds of openai, anthropic and groq under --import', async (t) => {
  const server = await startScriptServer(t);
  const { stdout } = await run(process.execPath, ['--import', preload, app], {
    env: { ...process.env, SERVER: `http://127.0.0.1:${server.port}` },
    timeout: 20_000,
  });
  const { items, spans } = JSON.parse(stdout);
  assert.deepEqual(items, { openai: 5, anthropic: 7, groq: 3 });
  const byModel = Object.fromEntries(spans.map((s) => [s.attributes['gen_ai.request.model'], s]));
  assert.equal(spans.length, 3);
  assert.equal(byModel['esm-openai'].attributes['midstream.outcome'], 'completed');
  assert.equal(byModel['esm-anthropic'].attributes['midstream.outcome'], 'completed');
  assert.equal(byModel['esm-groq'].attributes['midstream.outcome'], 'truncated');
  assert.equal(byModel['esm-openai'].name, 'chat esm-openai');
});
