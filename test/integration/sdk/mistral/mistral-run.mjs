// Runs scenarios.mjs in a child process under the Mistral preload, against a script server.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptServer } from '../sse-script-server.mjs';
import { closedPort, startFailingServer } from '../failing-server.mjs';

const run = promisify(execFile);
const PRELOAD = fileURLToPath(new URL('./preload.mjs', import.meta.url));
const APP = fileURLToPath(new URL('./scenarios.mjs', import.meta.url));

/** Starts a script server for `t` and runs the scenario app once; returns its parsed report. */
export async function runScenarios(t, env = {}) {
  const server = await startScriptServer(t);
  const failing = await startFailingServer(t);
  const childEnv = {
    ...process.env,
    SERVER: `http://127.0.0.1:${server.port}`,
    FAIL: `http://127.0.0.1:${failing.port}`,
    CLOSED_PORT: String(await closedPort()),
    ...env,
  };
  delete childEnv.NODE_OPTIONS;
  delete childEnv.NODE_TEST_CONTEXT;
  const { stdout } = await run(process.execPath, ['--import', PRELOAD, APP], { env: childEnv, timeout: 30_000 });
  return { ...JSON.parse(stdout.trim().split('\n').at(-1)), requests: server.requests, failedRequests: failing.requests };
}

/** The one span of `model` (the SDK-level span: it carries gen_ai.request.model). */
export function spanOf(report, model) {
  const spans = report.spans.filter((s) => s.attributes['gen_ai.request.model'] === model);
  if (spans.length !== 1) throw new Error(`expected one span for ${model}, got ${spans.length}`);
  return spans[0];
}

/** Sum of the outcome counter points matching `where`. */
export function outcomeSum(report, where = {}) {
  return report.outcomes
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((s, p) => s + p.value, 0);
}
