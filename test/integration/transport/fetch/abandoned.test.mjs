// A Response the app drops unread ends as abandoned once it is garbage-collected. Runs in a child
// process with --expose-gc so `node --test` needs no flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./abandon-child.mjs', import.meta.url));

function runChild(mode) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CHILD, mode], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

test('marks a Response dropped without reading as abandoned', async () => {
  const attributes = await runChild('dropped');
  assert.ok(attributes, 'the stream span ended');
  assert.equal(attributes['midstream.outcome'], 'abandoned');
  assert.equal(attributes['error.type'], 'stream_abandoned');
});

test('does not abandon a stream whose body the app still holds after dropping the Response', async () => {
  const attributes = await runChild('body-kept');
  assert.ok(attributes, 'the stream span ended');
  assert.equal(attributes['midstream.outcome'], 'cancelled', 'ended by the app, not by garbage collection');
});
