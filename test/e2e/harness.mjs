// Child-process harness for the e2e tests: runs an app from the repo root (so the package
// self-reference `midstream-otel/register` resolves through the exports map) against a local OTLP receiver.
//
//   const app = runApp(t, ['--require', 'midstream-otel/register', APP_CJS], { SSE_URL: url, ...receiver.env });
//   await app.waitForLine(/^chunk 3$/);
//   app.child.kill('SIGTERM');
//   const { code, signal, elapsedMs, exitPhaseMs } = await app.exited;
//   elapsedMs: spawn -> exit, whole process (includes loading the preload: slow on a loaded machine);
//   exitPhaseMs: the app's last stdout write -> exit, i.e. how long the exit itself took.
//   app.stdout(), app.stderr(): everything written so far.
// The child is killed in t.after whatever happens.
//
// Broken collectors for the exit tests (each a real socket on 127.0.0.1):
//   const endpoint = await startBrokenCollector(t, 'closed' | 'hang' | 'status:500');
//   'closed': nothing listens on the port (ECONNREFUSED); 'hang': accepts connections and requests and
//   never answers; 'status:N': answers every request with status N.
//   midstreamLines(stderr): the lines midstream wrote (they start with `midstream:`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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
  const childEnv = { ...process.env, OTEL_SERVICE_NAME: 'midstream-e2e', MIDSTREAM_JOURNAL_DIR: JOURNAL_DIR };
  // The parent test runner's own settings must not leak into the app (a test may set its own).
  delete childEnv.NODE_OPTIONS;
  delete childEnv.NODE_TEST_CONTEXT;
  Object.assign(childEnv, env);
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  let lastOutAt = startedAt;
  const lineWaiters = new Set();
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    lastOutAt = performance.now();
    for (const w of lineWaiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    err += d;
  });
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      const now = performance.now();
      resolve({ code, signal, elapsedMs: now - startedAt, exitPhaseMs: now - lastOutAt });
    }),
  );
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

export async function startBrokenCollector(t, mode) {
  if (mode === 'closed') {
    const srv = net.createServer();
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address();
    await new Promise((resolve) => srv.close(resolve));
    return `http://127.0.0.1:${port}`;
  }
  const status = mode.startsWith('status:') ? Number(mode.slice('status:'.length)) : undefined;
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    req.resume();
    if (status !== undefined) req.on('end', () => res.writeHead(status, { 'content-type': 'text/plain' }).end('broken'));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${server.address().port}`;
}

export function midstreamLines(stderr) {
  return stderr.split('\n').filter((l) => l.startsWith('midstream'));
}
