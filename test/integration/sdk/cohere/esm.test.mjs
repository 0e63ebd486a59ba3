// ESM apps: cohere-ai is CommonJS only; imported from ESM under --import, its internal client files
// are still patched (require-in-the-middle sees them), as `node --import midstream-otel/register` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptServer } from '../sse-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('patches cohere-ai imported from an ESM app under --import', async (t) => {
  const server = await startScriptServer(t);
  const { stdout } = await run(process.execPath, ['--import', preload, app], {
    env: { ...process.env, SERVER: `http://127.0.0.1:${server.port}` },
    timeout: 20_000,
  });
  const { items, spans } = JSON.parse(stdout);
  assert.equal(items, 6);
  assert.deepEqual(
    spans.map((s) => [s.name, s.attributes['midstream.outcome']]),
    [['chat esm-cohere', 'completed']],
  );
});
