// ESM apps: node:http's named exports are patched through the import-in-the-middle loader, in a child
// process started with --import (what `node --import midstream-otel/register app.mjs` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('tracks streams of an ESM app that imports node:http by name and by default under --import', async () => {
  const { stdout } = await run(process.execPath, ['--import', preload, app], { timeout: 20_000 });
  const { texts, spans } = JSON.parse(stdout);
  assert.deepEqual(texts, ['data: one\n\ndata: two\n\n', 'data: one\n\ndata: two\n\n']);
  const client = spans.filter((s) => s.attributes['midstream.source'] === 'http.client').map((s) => new URL(s.attributes['url.full']).pathname);
  assert.deepEqual(client.sort(), ['/default', '/named']);
  const server = spans.filter((s) => s.attributes['midstream.source'] === 'http.server');
  assert.equal(server.length, 2);
  for (const s of spans) assert.equal(s.attributes['midstream.outcome'], 'completed');
});
