// `npm run demo`: offline, no configuration. Starts a local LLM-like streaming server with injected
// faults, then runs the demo app the way a user runs theirs:
//   node --require midstream-otel/register demo/app.cjs
// with OTEL_METRICS_EXPORTER=prometheus. When the app's workload is done, a deploy: SIGTERM, a grace
// period, SIGKILL while answers are still streaming, and a successor process on the same metrics port.
// The report is computed from the scrapes of the two processes' Prometheus endpoint: what a dashboard shows.
//   MIDSTREAM_DEMO_SECONDS          workload length (default 10)
//   MIDSTREAM_DEMO_METRICS_PORT     the app's Prometheus endpoint port (default 9464; busy = a free one)
//   MIDSTREAM_DEMO_LINGER_SECONDS   keep the app serving metrics this long after the report (default 0)
// Any OTEL_* / MIDSTREAM_* variable you set is passed to the app and wins over the demo's defaults.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLlmServer } from './llm-server.mjs';
import { formatReport, parseExposition } from './report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = 'demo/app.cjs';
const STALL_MS = 1500;
/** Between SIGTERM and SIGKILL: longer than a scrape interval, and than a crash-journal tick (1 s). */
const GRACE_MS = 1500;

const number = (name, fallback) => {
  const v = process.env[name];
  const n = v === undefined || v.trim() === '' ? fallback : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};
const seconds = number('MIDSTREAM_DEMO_SECONDS', 10);
const lingerSeconds = number('MIDSTREAM_DEMO_LINGER_SECONDS', 0);
const metricsPort = await portOrFree(number('MIDSTREAM_DEMO_METRICS_PORT', 9464));

const llm = await startLlmServer({ stallMs: STALL_MS });
const traces = await startTraceSink();
// The crash journal of this run's app (where midstream keeps the streams of a killed process for the
// next start): a fresh directory, so that two runs never recover each other's streams.
const journalDir = mkdtempSync(join(tmpdir(), 'midstream-demo-journal-'));
const env = {
  OTEL_SERVICE_NAME: 'midstream-demo',
  // Spans go to a local OTLP/HTTP sink (a stand-in for a Collector): the crash journal that turns a
  // killed process's live streams into `interrupted` ones needs a trace pipeline to export them through.
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${traces.url}/v1/traces`,
  OTEL_METRICS_EXPORTER: 'prometheus',
  OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
  OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
  MIDSTREAM_STALL_THRESHOLD_MS: '1000',
  MIDSTREAM_JOURNAL_DIR: journalDir,
  ...process.env,
  MIDSTREAM_DEMO_LLM_URL: llm.url,
  MIDSTREAM_DEMO_SECONDS: String(seconds),
};
delete env.NODE_OPTIONS;
const metricsUrl = `http://${env.OTEL_EXPORTER_PROMETHEUS_HOST}:${env.OTEL_EXPORTER_PROMETHEUS_PORT}/metrics`;
console.log(`Prometheus metrics: ${metricsUrl}`);
console.log(`App: OTEL_METRICS_EXPORTER=prometheus node --require midstream-otel/register ${APP}`);
console.log(`LLM-like server: ${llm.url} (stall threshold ${env.MIDSTREAM_STALL_THRESHOLD_MS} ms); running for ${seconds} s ...`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const scrape = async () => parseExposition(await (await fetch(metricsUrl)).text());
const interrupted = (samples) =>
  samples.filter((x) => x.name === 'midstream_stream_outcomes_total' && x.labels.midstream_outcome === 'interrupted').reduce((n, x) => n + x.value, 0);

let app = startApp(env);
// Ctrl-C or a kill of the demo: take the app and the journal directory with it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.child.kill('SIGKILL');
    rmSync(journalDir, { recursive: true, force: true });
    process.exit(130);
  });
}
let failed = false;
try {
  const [, countsJson] = await app.line(/^workload done (.*)$/m);
  const clients = JSON.parse(countsJson);
  // The deploy: SIGTERM, a grace period in which the app drains and Prometheus still scrapes it, SIGKILL.
  app.child.kill('SIGTERM');
  await app.line(/^draining$/m);
  await sleep(GRACE_MS);
  const before = await scrape();
  app.child.kill('SIGKILL');
  await app.exited;
  // The successor: a new process on the same port; it finds the killed one's live streams in the journal.
  app = startApp({ ...env, MIDSTREAM_DEMO_ROLE: 'successor' });
  await app.line(/^ready$/m);
  let after = await scrape();
  for (let waited = 0; interrupted(before) + interrupted(after) < clients.hanging && waited < 3000; waited += 100) {
    await sleep(100);
    after = await scrape();
  }
  const report = formatReport({
    samples: [...before, ...after],
    seconds,
    llmPort: new URL(llm.url).port,
    served: llm.served,
    clients,
    stallMs: STALL_MS,
    graceMs: GRACE_MS,
  });
  console.log(['', ...report].join('\n'));
  if (lingerSeconds > 0) {
    console.log(`\nServing ${metricsUrl} for ${lingerSeconds} s more ...`);
    await sleep(lingerSeconds * 1000);
  }
} catch (error) {
  console.error(String(error?.message ?? error));
  failed = true;
} finally {
  app.child.stdin.end();
  await llm.close();
  traces.close();
  const { code, signal } = await app.exited;
  rmSync(journalDir, { recursive: true, force: true });
  if (code !== 0 && !failed) {
    console.error(`the app exited with ${signal ?? code}:\n${app.stderr()}`);
    failed = true;
  }
  if (failed) process.exitCode = 1;
}

/** Runs the app under the register entry point; `line(re)` resolves with the first stdout match. */
function startApp(appEnv) {
  const child = spawn(process.execPath, ['--require', 'midstream-otel/register', APP], { cwd: ROOT, env: appEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const line = (re) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m === null) return false;
        child.stdout.off('data', check);
        resolve(m);
        return true;
      };
      if (check()) return;
      child.stdout.on('data', check);
      void exited.then(({ code, signal }) => {
        if (!check()) reject(new Error(`the app exited (${signal ?? code}) before printing ${re}:\n${stdout}${stderr}`));
      });
    });
  return { child, exited, line, stderr: () => stderr };
}

/** A local OTLP/HTTP endpoint that accepts spans and keeps nothing. */
async function startTraceSink() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections?.();
      server.close();
    },
  };
}

/** `port` if nothing listens on it on 127.0.0.1, else a free port. 0 means a free port. */
function portOrFree(port) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => {
      if (error.code === 'EADDRINUSE' && port !== 0) resolve(portOrFree(0));
      else reject(error);
    });
    probe.listen(port, '127.0.0.1', () => {
      const { port: bound } = probe.address();
      probe.close(() => resolve(bound));
    });
  });
}
