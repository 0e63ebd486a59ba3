// Child-process harness for the e2e tests: runs an app from the repo root (so the package
// self-reference `midstream-otel/register` resolves through the exports map) against a local OTLP receiver.
//
//   const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, ...receiver.env });
//   await app.waitForLine(/^chunk 3$/);
//   app.child.kill('SIGTERM');
//   const { code, signal } = await app.exited;
//   app.stdout(), app.stderr(): everything written so far.
// The child is killed in t.after whatever happens.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const APP_CJS = fileURLToPath(new URL('./apps/sse-app.cjs', import.meta.url));
export const APP_MJS = fileURLToPath(new URL('./apps/sse-app.mjs', import.meta.url));

// The apps' crash journals go to a directory of this test file's own (a test that sets
// MIDSTREAM_JOURNAL_DIR overrides it): a child killed at the end of one run must not leave streams
// that the next run's apps would export as `process_killed` into another test's receiver.
const JOURNAL_DIR = mkdtempSync(join(tmpdir(), 'midstream-e2e-journal-'));
process.once('exit', () => rmSync(JOURNAL_DIR, { recursive: true, force: true }));

export function runApp(t, args, env) {
  const childEnv = { ...process.env, OTEL_SERVICE_NAME: 'midstream-e2e', MIDSTREAM_JOURNAL_DIR: JOURNAL_DIR, ...env };
  // The parent test runner's own settings must not leak into the app.
  delete childEnv.NODE_OPTIONS;
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  const lineWaiters = new Set();
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    for (const w of lineWaiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    err += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitForLine(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => re.test(l));
          if (line === undefined) return;
          lineWaiters.delete(check);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          lineWaiters.delete(check);
          reject(new Error(`no line ${re} within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        lineWaiters.add(check);
        void exited.then(() => setImmediate(() => {
          if (lineWaiters.has(check)) {
            lineWaiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`app exited before printing ${re}; stdout: ${out}; stderr: ${err}`));
          }
        }));
        check();
      });
    },
  };
}
