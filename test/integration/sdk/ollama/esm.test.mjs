// ESM apps: ollama's dist/browser.mjs is patched through the import-in-the-middle loader, in a
// child process started with --import (what `node --import midstream-otel/register app.mjs` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startNdjsonServer } from '../ndjson-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('patches the ESM build of ollama under --import (default instance and new Ollama)', async (t) => {
  const server = await startNdjsonServer(t);
  const { stdout } = await run(process.execPath, ['--import', preload, app], {
    env: { ...process.env, SERVER: `http://127.0.0.1:${server.port}` },
    timeout: 20_000,
  });
  const { items, spans } = JSON.parse(stdout);
  assert.deepEqual(items, { default: 4, generate: 3 });
  assert.deepEqual(spans.map((s) => [s.name, s.attributes['midstream.outcome']]).sort(), [
    ['chat esm-ollama-default', 'completed'],
    ['text_completion esm-ollama-generate', 'completed'],
  ]);
});
