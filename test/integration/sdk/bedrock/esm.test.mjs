// An ESM app: the Bedrock runtime SDK has no exports map and only a CJS build, which an ESM import
// loads through import-in-the-middle (research/patchpoints.md §4.2). Child process with --import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEventStreamServer } from './event-stream-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./esm/preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./esm/app.mjs', import.meta.url));

test('patches the SDK imported from an ESM app under --import', async (t) => {
  const server = await startEventStreamServer(t);
  const { stdout } = await run(process.execPath, ['--import', preload, app], {
    env: { ...process.env, ENDPOINT: server.endpoint('converse-stream', 'full') },
    timeout: 20_000,
  });
  const { items, spans } = JSON.parse(stdout);
  assert.deepEqual(items, { named: 6, default: 6 });
  assert.deepEqual(spans.map((s) => s.name).sort(), ['chat esm-default', 'chat esm-named']);
  for (const s of spans) assert.equal(s.attributes['midstream.outcome'], 'completed');
});
