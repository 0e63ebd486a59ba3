// `npm run demo`: offline, no configuration. Starts a local LLM-like streaming server with injected
// faults, then runs the demo app the way a user runs theirs:
//   node --require midstream-otel/register demo/app.cjs
// with OTEL_METRICS_EXPORTER=prometheus. When the app's workload is done it gets a SIGTERM (a deploy),
// and the report is computed from one scrape of its Prometheus endpoint: what a dashboard shows.
//   MIDSTREAM_DEMO_SECONDS          workload length (default 10)
//   MIDSTREAM_DEMO_METRICS_PORT     the app's Prometheus endpoint port (default 9464; busy = a free one)
//   MIDSTREAM_DEMO_LINGER_SECONDS   keep the app serving metrics this long after the report (default 0)
// Any OTEL_* / MIDSTREAM_* variable you set is passed to the app and wins over the demo's defaults.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startLlmServer } from './llm-server.mjs';
import { formatReport, parseExposition } from './report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = 'demo/app.cjs';
const STALL_MS = 1500;

const number = (name, fallback) => {
  const v = process.env[name];
  const n = v === undefined || v.trim() === '' ? fallback : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};
const seconds = number('MIDSTREAM_DEMO_SECONDS', 10);
const lingerSeconds = number('MIDSTREAM_DEMO_LINGER_SECONDS', 0);
const metricsPort = await portOrFree(number('MIDSTREAM_DEMO_METRICS_PORT', 9464));

const llm = await startLlmServer({ stallMs: STALL_MS });
const env = {
  OTEL_SERVICE_NAME: 'midstream-demo',
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'prometheus',
  OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
  OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
  MIDSTREAM_STALL_THRESHOLD_MS: '1000',
  ...process.env,
  MIDSTREAM_DEMO_LLM_URL: llm.url,
  MIDSTREAM_DEMO_SECONDS: String(seconds),
};
delete env.NODE_OPTIONS;
const metricsUrl = `http://${env.OTEL_EXPORTER_PROMETHEUS_HOST}:${env.OTEL_EXPORTER_PROMETHEUS_PORT}/metrics`;
console.log(`Prometheus metrics: ${metricsUrl}`);
console.log(`App: OTEL_METRICS_EXPORTER=prometheus node --require midstream-otel/register ${APP}`);
console.log(`LLM-like server: ${llm.url} (stall threshold ${env.MIDSTREAM_STALL_THRESHOLD_MS} ms); running for ${seconds} s ...`);

const app = spawn(process.execPath, ['--require', 'midstream-otel/register', APP], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
let stdout = '';
let stderr = '';
app.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
const exited = new Promise((resolve) => app.once('exit', (code, signal) => resolve({ code, signal })));
const line = (re) =>
  new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(stdout);
      if (m !== null) {
        app.stdout.off('data', onData);
        resolve(m);
      }
    };
    const onData = (d) => {
      stdout += d;
      check();
    };
    app.stdout.setEncoding('utf8').on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`the app exited (${signal ?? code}) before printing ${re}:\n${stdout}${stderr}`)));
    check();
  });

try {
  const [, countsJson] = await line(/^workload done (.*)$/m);
  app.kill('SIGTERM');
  await line(/^draining$/m);
  const samples = parseExposition(await (await fetch(metricsUrl)).text());
  const report = formatReport({
    samples,
    seconds,
    llmPort: new URL(llm.url).port,
    served: llm.served,
    clients: JSON.parse(countsJson),
    stallMs: STALL_MS,
  });
  console.log(['', ...report].join('\n'));
  if (lingerSeconds > 0) {
    console.log(`\nServing ${metricsUrl} for ${lingerSeconds} s more ...`);
    await new Promise((resolve) => setTimeout(resolve, lingerSeconds * 1000));
  }
} catch (error) {
  console.error(String(error?.message ?? error));
  process.exitCode = 1;
} finally {
  app.stdin.end();
  await llm.close();
  const { code, signal } = await exited;
  if (code !== 0 && process.exitCode !== 1) {
    console.error(`the app exited with ${signal ?? code}:\n${stderr}`);
    process.exitCode = 1;
  }
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
