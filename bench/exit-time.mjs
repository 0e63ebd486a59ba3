// The time midstream adds to an app's exit when the collector does not take the telemetry. Whole-process
// wall time (spawn -> exit) of bench/exit-app.cjs, which reads one short SSE stream and exits normally,
// without midstream (off) and with `--require midstream-otel/register` (on), interleaved, for a healthy
// OTLP receiver, a closed port (ECONNREFUSED) and a collector that accepts and never answers. The added
// exit time is the exit phase (the app's last line -> the process is gone) median on - median off, which
// leaves out the preload's start-up cost that the whole-process figures include; the bound is 1000 ms.
// Run alone: `npm run build && node bench/exit-time.mjs [runs]`; `npm run bench` includes it.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const APP = fileURLToPath(new URL('./exit-app.cjs', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

function tracked(handler) {
  const server = http.createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.closeAll = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return server;
}

async function collectors() {
  const healthy = tracked((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  const hanging = tracked((req) => req.resume());
  const probe = net.createServer();
  const closed = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return {
    endpoints: { healthy: await listen(healthy), unreachable: closed, hanging: await listen(hanging) },
    close: () => {
      healthy.closeAll();
      hanging.closeAll();
    },
  };
}

/** One run: {total: spawn -> exit, exitPhase: the app's `done` line -> exit} in ms. */
function runOnce(args, env) {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, ...env };
    delete childEnv.NODE_OPTIONS;
    const started = performance.now();
    let doneAt;
    const child = spawn(process.execPath, [...args, APP], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => {
      if (doneAt === undefined && String(d).includes('done')) doneAt = performance.now();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const now = performance.now();
      if (code !== 0 || doneAt === undefined) reject(new Error(`exit-app exited ${code}`));
      else resolve({ total: now - started, exitPhase: now - doneAt });
    });
  });
}

/** Returns {collector: {off: [run], on: [run]}} for `runs` interleaved runs per collector and mode. */
export async function measureExitTime({ runs = 7 } = {}) {
  const sse = tracked((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 5; i++) res.write(`data: ${i}\n\n`);
    res.end();
  });
  const sseUrl = `${await listen(sse)}/events`;
  const { endpoints, close } = await collectors();
  const results = {};
  try {
    for (const [name, endpoint] of Object.entries(endpoints)) {
      const env = { SSE_URL: sseUrl, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOG_LEVEL: 'none' };
      const r = { off: [], on: [] };
      await runOnce([], env); // warm the file cache
      await runOnce(['--require', 'midstream-otel/register'], env);
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        for (const mode of order) r[mode].push(await runOnce(mode === 'on' ? ['--require', 'midstream-otel/register'] : [], env));
      }
      results[name] = r;
    }
  } finally {
    close();
    sse.closeAll();
  }
  return results;
}

const ms = (x) => `${Math.round(x)} ms`;
const spread = (xs) => `${ms(Math.min(...xs))} / ${ms(median(xs))} / ${ms(Math.max(...xs))}`;

/** Bench table rows for {@link measureExitTime}'s results. */
export function exitTimeRows(results, runs) {
  const label = { healthy: 'a healthy OTLP receiver', unreachable: 'an unreachable collector (closed port)', hanging: 'a collector that never answers' };
  const of = (list, key) => list.map((run) => run[key]);
  return Object.entries(results).flatMap(([name, r]) => [
    [`exit with ${label[name]}: whole process off / on, min / median / max of ${runs}`, `${spread(of(r.off, 'total'))} ‖ ${spread(of(r.on, 'total'))}`],
    ['  exit phase (the app\'s last line -> process gone) off / on, min / median / max', `${spread(of(r.off, 'exitPhase'))} ‖ ${spread(of(r.on, 'exitPhase'))}`],
    ['  added exit time: exit phase median on - off (bound 1000 ms)', ms(median(of(r.on, 'exitPhase')) - median(of(r.off, 'exitPhase')))],
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 7);
  const rows = exitTimeRows(await measureExitTime({ runs }), runs);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}
