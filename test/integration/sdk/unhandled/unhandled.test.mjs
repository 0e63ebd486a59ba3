// The app's own unhandled rejection stays unhandled: midstream's observation of an SDK's
// request promise must not mark it handled (an app on --unhandled-rejections=throw would stop crashing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const app = fileURLToPath(new URL('./stainless-app.mjs', import.meta.url));

for (const sdk of ['openai', 'anthropic']) {
  test(`${sdk}: a streaming call the app never awaits rejects as unhandled with and without the instrumentation`, async () => {
    const [without, withIt] = await Promise.all(
      ['off', 'on'].map(async (mode) => (await run(process.execPath, [app, sdk, mode], { timeout: 20_000 })).stdout.trim()),
    );
    assert.equal(without, 'unhandled InternalServerError');
    assert.equal(withIt, without);
  });
}

const other = fileURLToPath(new URL('./other-app.mjs', import.meta.url));
for (const [sdk, error] of [
  ['cohere', 'InternalServerError'],
  ['bedrock', 'InternalServerException'],
]) {
  test(`${sdk}: a streaming call the app never awaits rejects as unhandled with and without the instrumentation`, async () => {
    const [without, withIt] = await Promise.all(
      ['off', 'on'].map(async (mode) => (await run(process.execPath, [other, sdk, mode], { timeout: 20_000 })).stdout.trim()),
    );
    assert.equal(without, `unhandled ${error}`);
    assert.equal(withIt, without);
  });
}

const mistral = fileURLToPath(new URL('./mistral-app.mjs', import.meta.url));
const mistralPreload = fileURLToPath(new URL('../mistral/preload.mjs', import.meta.url));
for (const [scenario, expected] of [
  ['stream-500', 'unhandled SDKError API error occurred: Status 500. Body: {"message":"boom"}'],
  ['func-key', 'unhandled TypeError no key today'],
]) {
  test(`mistral (${scenario}): a streaming call the app never awaits rejects as unhandled with and without the instrumentation`, async () => {
    const [without, withIt] = await Promise.all(
      ['off', 'on'].map(async (mode) => {
        const env = { ...process.env, MISTRAL_TEST_INSTRUMENT: mode };
        delete env.NODE_OPTIONS;
        delete env.NODE_TEST_CONTEXT;
        const args = ['--import', mistralPreload, mistral, scenario];
        return (await run(process.execPath, args, { env, timeout: 20_000 })).stdout.trim();
      }),
    );
    assert.equal(without, expected);
    assert.equal(withIt, without);
  });
}
