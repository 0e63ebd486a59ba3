// The cost of the second layer (issue: "the second layer is nearly free"), part of `npm run bench`;
// alone: `node bench/layered.mjs [rounds]` (prints the rows). One openai chat stream of 20,000 chunks
// read with for await through the real SDK, in four client child processes: off (no OpenTelemetry),
// ctx (no midstream, only the AsyncLocalStorage context manager every OpenTelemetry setup installs),
// sdk (the SDK instrumentations alone), all (midstreamInstrumentations() as `midstream-otel/register`
// installs it: fetch + SDKs + the context manager).
//  - CPU: interleaved rounds; added CPU per chunk = (run - baseline run of the same round) / chunks,
//    min / median / max over the rounds: sdk - off, all - off, and all - ctx (midstream's own share:
//    the context manager's promise hooks cost the same under any instrumentation).
//  - CPU profile of the all client over PROFILED_STREAMS streams: midstream's own functions' self time
//    per chunk and as a share of busy time (steadier than a difference of two noisy totals).
//  - Heap held per live stream: 100 streams parked open after 100 and after 10,000 chunks, heapUsed
//    after forced GC minus the same process's heap before them, 3 reps after a warm-up; minus off.
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const EVENTS = 20_000;
const STREAMS = 100;
const HEAP_REPS = 3;
const PROFILED_STREAMS = 10;
const MODES = ['off', 'ctx', 'sdk', 'all'];
const PAIRS = [
  ['sdk', 'off'],
  ['all', 'off'],
  ['all', 'ctx'],
];
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const spread = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

/** Runs the layered measurements; `progress(line)` reports on stderr. */
export async function runLayered({ rounds = 15, progress = () => {} } = {}) {
  const server = spawn(process.execPath, [here('./sse-server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { url: baseUrl } = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0])));
  });
  const startClient = (mode) => {
    const child = fork(here('./sdk-client.mjs'), [mode === 'sdk' ? 'on' : mode], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise((resolve) => child.once('message', resolve));
    const call = (msg) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(`${mode}: ${reply.error}`))));
        child.send({ baseUrl, ...msg });
      });
    return { ready, call, exit: () => child.send({ cmd: 'exit' }) };
  };
  const clients = Object.fromEntries(MODES.map((m) => [m, startClient(m)]));
  await Promise.all(MODES.map((m) => clients[m].ready));

  progress(`second layer: ${rounds} interleaved rounds of ${EVENTS} openai chunks, off / ctx / sdk / all`);
  for (const m of MODES) for (let i = 0; i < 3; i++) await clients[m].call({ cmd: 'run', sdk: 'openai', events: EVENTS });
  const added = Object.fromEntries(PAIRS.map(([m, base]) => [`${m}-${base}`, []]));
  let chunks = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? MODES : [...MODES].reverse();
    const run = {};
    for (const m of order) run[m] = await clients[m].call({ cmd: 'run', sdk: 'openai', events: EVENTS });
    chunks = run.off.chunks;
    for (const m of ['sdk', 'all']) {
      if (run[m].outcome !== 'completed') throw new Error(`${m}: outcome ${run[m].outcome}, expected completed`);
    }
    for (const [m, base] of PAIRS) added[`${m}-${base}`].push((run[m].cpuUs - run[base].cpuUs) / run.off.chunks);
  }

  progress(`second layer: CPU profile of the all client over ${PROFILED_STREAMS} streams`);
  const profile = await clients.all.call({ cmd: 'profile', sdk: 'openai', events: EVENTS, streams: PROFILED_STREAMS });

  const heap = {};
  for (const events of [100, 10_000]) {
    progress(`second layer: heap per live stream, ${STREAMS} openai streams held after ${events} chunks`);
    for (const m of MODES) {
      const reps = [];
      for (let i = 0; i < HEAP_REPS; i++) reps.push((await clients[m].call({ cmd: 'heap', sdk: 'openai', streams: STREAMS, events })).perStreamBytes);
      heap[`${m}@${events}`] = spread(reps);
    }
  }
  for (const m of MODES) clients[m].exit();
  server.stdin.end();
  server.kill();
  return {
    chunks,
    rounds,
    cpu: Object.fromEntries(Object.entries(added).map(([k, xs]) => [k, spread(xs)])),
    profile,
    heap,
  };
}

/** Table rows (label, value) for docs/benchmarks.md. */
export function layeredRows(r) {
  const us = (x) => `${x.toFixed(2)} µs`;
  const triple = (s) => `${us(s.min)} / ${us(s.median)} / ${us(s.max)}`;
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const share = (m, events) => r.heap[`${m}@${events}`].median - r.heap[`off@${events}`].median;
  const p = r.profile;
  return [
    [
      `second layer: openai stream of ${r.chunks.toLocaleString('en')} chunks; added CPU per chunk, min / median / max of ${r.rounds} rounds: SDK classes alone - off`,
      triple(r.cpu['sdk-off']),
    ],
    ['  midstreamInstrumentations() (fetch + SDKs + context manager, as register installs) - off', triple(r.cpu['all-off'])],
    ['  the same - context manager alone (midstream\'s share; the rest is the context manager\'s promise hooks)', triple(r.cpu['all-ctx'])],
    [
      `  CPU profile of midstreamInstrumentations(), ${PROFILED_STREAMS} streams: midstream's own functions per chunk (share of busy time)`,
      `${((p.oursUs * 1000) / p.chunks).toFixed(0)} ns (${((100 * p.oursUs) / p.busyUs).toFixed(2)} %)`,
    ],
    ['  top functions per chunk', p.top.map((f) => `${f.name.split(' ')[0]} ${f.nsPerChunk.toFixed(0)} ns`).join(', ')],
    [
      `  heap per live stream (${STREAMS} held), midstream's share after 100 / 10,000 chunks: SDK classes alone`,
      `${kib(share('sdk', 100))} / ${kib(share('sdk', 10_000))}`,
    ],
    ['  the same, midstreamInstrumentations()', `${kib(share('all', 100))} / ${kib(share('all', 10_000))}`],
    ['  the same, context manager alone (no midstream)', `${kib(share('ctx', 100))} / ${kib(share('ctx', 10_000))}`],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runLayered({ rounds: Number(process.argv[2] ?? 15), progress: (line) => process.stderr.write(`${line}\n`) });
  const rows = layeredRows(result);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}
