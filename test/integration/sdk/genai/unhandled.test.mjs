// The app's own unhandled rejection stays unhandled: midstream's observation of the SDK's promise
// must not mark it handled (an app on --unhandled-rejections=throw would stop crashing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const app = fileURLToPath(new URL('./unhandled/app.mjs', import.meta.url));

test('a call the app never awaits rejects as unhandled with and without the instrumentation', async () => {
  const [without, withIt] = await Promise.all(
    ['off', 'on'].map(async (mode) => (await run(process.execPath, [app, mode], { timeout: 20_000 })).stdout.trim()),
  );
  // ApiError since @google/genai 1.x's later releases; ServerError / ClientError at 1.0.1.
  assert.match(without, /^unhandled \w*Error$/);
  assert.equal(withIt, without);
});
