// ESM apps: @google/genai's ESM bundle is patched through the import-in-the-middle loader, in a
// child process started with --import (what `node --import midstream-otel/register app.mjs` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startGeminiServer } from './gemini-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const appHere = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

/**
 * The app, importing `@google/genai` by its bare name: the repo's copy, or (MIDSTREAM_SDK_DIR, the
 * version matrix) a copy of the app beside a link to that install's node_modules. The loader hook
 * patches bare-name imports only, so the app cannot import the other install by path.
 */
async function appFile(t) {
  const dir = process.env.MIDSTREAM_SDK_DIR;
  if (!dir) return appHere;
  const tmp = await mkdtemp(join(tmpdir(), 'midstream-genai-esm-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  await symlink(resolve(dir, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  await copyFile(appHere, join(tmp, 'app.mjs'));
  return join(tmp, 'app.mjs');
}

test('patches the ESM bundle of @google/genai under --import', async (t) => {
  const server = await startGeminiServer(t);
  const app = await appFile(t);
  const { stdout } = await run(process.execPath, ['--import', preload, app], {
    env: { ...process.env, SERVER: `http://127.0.0.1:${server.port}` },
    timeout: 20_000,
  });
  const { items, spans } = JSON.parse(stdout);
  assert.deepEqual(items, { models: 3, chat: 2 });
  const byModel = Object.fromEntries(spans.map((s) => [s.attributes['gen_ai.request.model'], s]));
  assert.equal(spans.length, 2);
  assert.equal(byModel['esm-models'].name, 'generate_content esm-models');
  assert.equal(byModel['esm-models'].attributes['midstream.outcome'], 'completed');
  assert.equal(byModel['esm-chat'].attributes['midstream.outcome'], 'truncated');
});
