// ESM apps: the SDKs' .mjs files are patched through the import-in-the-middle loader, in a child
// process started with --import (what `node --import midstream-otel/register app.mjs` does). Shared
// by the openai, anthropic and groq folders' esm.test.mjs: app.mjs imports all three SDKs by their ESM
// entries and streams from the one named on its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptServer } from '../sse-script-server.mjs';

const run = promisify(execFile);
const preload = fileURLToPath(new URL('./preload.mjs', import.meta.url));
const app = fileURLToPath(new URL('./app.mjs', import.meta.url));

/** The test for `sdk`: the app reads `items` items and midstream records one span with `outcome`. */
export function esmTest(sdk, { items, outcome }) {
  test(`patches the ESM build of ${sdk} under --import`, async (t) => {
    const server = await startScriptServer(t);
    const { stdout } = await run(process.execPath, ['--import', preload, app, sdk], {
      env: { ...process.env, SERVER: `http://127.0.0.1:${server.port}` },
      timeout: 20_000,
    });
    const result = JSON.parse(stdout);
    assert.equal(result.items, items);
    assert.equal(result.spans.length, 1);
    const [span] = result.spans;
    assert.equal(span.name, `chat esm-${sdk}`);
    assert.equal(span.attributes['gen_ai.request.model'], `esm-${sdk}`);
    assert.equal(span.attributes['midstream.outcome'], outcome);
  });
}
