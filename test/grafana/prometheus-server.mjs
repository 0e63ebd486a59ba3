// A real Prometheus for the grafana/ end-to-end tests: started on 127.0.0.1 with a temp data dir,
// scraping the given targets every second, stopped by t.after. Not a test file itself.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeYaml } from './promtool.mjs';
import { concrete } from './panel-queries.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `cmd args`, resolves with the child once `pattern` shows in its output (the match). */
export function startUntil(t, cmd, args, pattern, options = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not print ${pattern}:\n${out}`)), options.timeoutMs ?? 20_000);
    const onData = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}):\n${out}`));
    });
  });
}

/** GET a Prometheus HTTP API path; the `data` of a successful answer. */
export async function api(base, path) {
  const res = await fetch(`${base}${path}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Starts Prometheus in `dir` scraping `targets` (host:port) as job `job` every second, with the
 * rule files already written in `dir` (names relative to it). Resolves with its base URL.
 */
export async function startPrometheus(t, dir, { job, targets, ruleFiles = [] }) {
  writeYaml(join(dir, 'prometheus.yml'), {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: job, static_configs: [{ targets }] }],
  });
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  await startUntil(
    t,
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    /Server is ready to receive web requests/,
    { cwd: dir },
  );
  return `http://127.0.0.1:${port}`;
}

/** Whether a query answer (instant vector or range matrix) holds a finite number. */
function hasFinite(data) {
  return data.result.some((s) => (s.values ?? [s.value]).some(([, v]) => Number.isFinite(Number(v))));
}

/**
 * Evaluates every panel query (with Grafana's variables at "All") until each returns a finite
 * value or `deadlineMs` passes; `extraDone()` may hold the loop longer (e.g. for alerts). Resolves
 * with the queries still without data (Map query → why). As Grafana does, a time-series panel's
 * query is a range query (here over the last 5 minutes, 1 s step) and an `instant` target an instant one.
 */
export async function panelsWithoutData(base, queries, { deadlineMs, extraDone = async () => true }) {
  const missing = new Map(queries.map((q) => [q, 'not queried yet']));
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    for (const q of [...missing.keys()]) {
      const query = encodeURIComponent(concrete(q.expr, { rateInterval: '1m', range: '5m' }));
      const now = Date.now() / 1000;
      const path = q.instant ? `/api/v1/query?query=${query}` : `/api/v1/query_range?query=${query}&start=${now - 300}&end=${now}&step=1`;
      const data = await api(base, path);
      if (hasFinite(data)) missing.delete(q);
      else missing.set(q, `${data.result.length} series, none finite`);
    }
    if ((await extraDone()) && missing.size === 0) break;
    await sleep(1000);
  }
  return missing;
}

/** A readable list of the queries without data. */
export function describeMissing(missing) {
  return [...missing].map(([q, why]) => `${q.file} "${q.panel}" ${q.refId}: ${why}\n  ${q.expr}`).join('\n');
}
