// The app's own unhandled rejection stays unhandled: midstream's observation of an SDK's request
// promise must not mark it handled (an app on --unhandled-rejections=throw would stop crashing).
// Shared by the SDK folders' unhandled.test.mjs: each runs one of the child apps of this folder
// (stainless-app.mjs, other-app.mjs, mistral-app.mjs) without and with the instrumentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A child app of this folder, by file name. */
export const appPath = (name) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/**
 * One test: `node [...nodeArgs] <app> ...args <off|on>` (mode as the last argument, or as
 * `env(mode)` when given) must print `expected` both times.
 */
export function unhandledTest(title, { app, args = [], nodeArgs = [], env }, expected) {
  test(`${title}: a streaming call the app never awaits rejects as unhandled with and without the instrumentation`, async () => {
    const [without, withIt] = await Promise.all(
      ['off', 'on'].map(async (mode) => {
        const argv = [...nodeArgs, appPath(app), ...args, ...(env === undefined ? [mode] : [])];
        const options = { timeout: 20_000, ...(env === undefined ? {} : { env: env(mode) }) };
        return (await run(process.execPath, argv, options)).stdout.trim();
      }),
    );
    assert.equal(without, expected);
    assert.equal(withIt, without);
  });
}
