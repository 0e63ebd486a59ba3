// `node bench/layered.mjs [rounds]`: the cost of the second layer (issue: "the second layer is nearly
// free"). One openai chat stream of 20,000 chunks read with for await through the real SDK, in four
// client child processes: off (no OpenTelemetry), ctx (no midstream, only the AsyncLocalStorage context
// manager every OpenTelemetry setup installs), sdk (the SDK instrumentations alone), all
// (midstreamInstrumentations() as `midstream-otel/register` installs it: fetch + SDKs + the context
// manager). Interleaved rounds; added CPU per chunk = (run - baseline run of the same round) / chunks,
// reported as min / median / max over the rounds: sdk - off, all - off, and all - ctx (midstream's own
// share: the context manager's promise hooks cost the same with any instrumentation). Then heap held
// per live stream (100 streams parked open after 100 and after 10,000 chunks, heapUsed after forced GC
// minus the same process's heap before them; 3 reps after a warm-up), instrumented minus off.
// Prints a table; writes nothing.
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const EVENTS = 20_000;
const ROUNDS = Number(process.argv[2] ?? 15);
const STREAMS = 100;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const spread = (xs) => {
  const s = sorted(xs);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

const server = spawn(process.execPath, [here('./sse-server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const { url: baseUrl } = await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0])));
});

function startClient(mode) {
  const child = fork(here('./sdk-client.mjs'), [mode], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve) => child.once('message', resolve));
  const call = (msg) =>
    new Promise((resolve, reject) => {
      child.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(`${mode}: ${reply.error}`))));
      child.send({ baseUrl, ...msg });
    });
  return { ready, call, exit: () => child.send({ cmd: 'exit' }) };
}

const MODES = ['off', 'ctx', 'sdk', 'all'];
const PAIRS = [['sdk', 'off'], ['all', 'off'], ['all', 'ctx']];
const clients = Object.fromEntries(MODES.map((m) => [m, startClient(m === 'sdk' ? 'on' : m)]));
await Promise.all(MODES.map((m) => clients[m].ready));

for (const m of MODES) for (let i = 0; i < 3; i++) await clients[m].call({ cmd: 'run', sdk: 'openai', events: EVENTS });
const added = Object.fromEntries(PAIRS.map(([m, base]) => [`${m}-${base}`, []]));
let chunks = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? MODES : [...MODES].reverse();
  const run = {};
  for (const m of order) run[m] = await clients[m].call({ cmd: 'run', sdk: 'openai', events: EVENTS });
  chunks = run.off.chunks;
  for (const m of ['sdk', 'all']) if (run[m].outcome !== 'completed') throw new Error(`${m}: outcome ${run[m].outcome}`);
  for (const [m, base] of PAIRS) added[`${m}-${base}`].push((run[m].cpuUs - run[base].cpuUs) / run.off.chunks);
  process.stderr.write(`round ${r + 1}/${ROUNDS}\r`);
}
const heap = {};
for (const events of [100, 10_000]) {
  for (const m of MODES) {
    const reps = [];
    for (let i = 0; i < 3; i++) reps.push((await clients[m].call({ cmd: 'heap', sdk: 'openai', streams: STREAMS, events })).perStreamBytes);
    heap[`${m}@${events}`] = spread(reps);
  }
}
for (const m of MODES) clients[m].exit();
server.kill();

const f = (x) => x.toFixed(2);
console.log(`openai chat stream, ${chunks} chunks, ${ROUNDS} interleaved rounds; added CPU per chunk (µs): min / median / max`);
for (const key of Object.keys(added)) {
  const s = spread(added[key]);
  console.log(`  ${key.padEnd(8)} ${f(s.min)} / ${f(s.median)} / ${f(s.max)}`);
}
console.log(`heap held per live stream (${STREAMS} streams, 3 reps; KiB, min / median / max), instrumented minus off medians:`);
for (const events of [100, 10_000]) {
  for (const m of MODES) {
    const h = heap[`${m}@${events}`];
    const extra = m === 'off' ? '' : `  (+${((h.median - heap[`off@${events}`].median) / 1024).toFixed(2)} KiB)`;
    console.log(`  ${String(events).padStart(6)} chunks ${m.padEnd(4)} ${(h.min / 1024).toFixed(2)} / ${(h.median / 1024).toFixed(2)} / ${(h.max / 1024).toFixed(2)}${extra}`);
  }
}
