// An unawaited failing Mistral call (chat.stream against a 500; a standalone function whose API-key
// provider throws) stays an unhandled rejection with the instrumentation on (child app:
// ../unhandled/mistral-app.mjs under this folder's preload, MISTRAL_TEST_INSTRUMENT=off|on).
import { fileURLToPath } from 'node:url';
import { unhandledTest } from '../unhandled/unhandled-test.mjs';

const preload = fileURLToPath(new URL('./preload.mjs', import.meta.url));
const env = (mode) => {
  const env = { ...process.env, MISTRAL_TEST_INSTRUMENT: mode };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
};

for (const [scenario, expected] of [
  ['stream-500', 'unhandled SDKError API error occurred: Status 500. Body: {"message":"boom"}'],
  ['func-key', 'unhandled TypeError no key today'],
]) {
  unhandledTest(`mistral (${scenario})`, { app: 'mistral-app.mjs', args: [scenario], nodeArgs: ['--import', preload], env }, expected);
}
