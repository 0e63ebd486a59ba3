// `npm run bench`: what midstream costs, measured against an uninstrumented run of the same workload.
// A benchmark, not a test: prints progress on stderr and the table on stdout, and writes the table to
// .bench-out/benchmarks.md (untracked); `npm run bench -- --update-docs` writes docs/benchmarks.md. Method:
//  1. fetch CPU: a local server (child process, so its CPU is not counted) sends one OpenAI chat
//     stream of EVENTS events; two client child processes, one instrumented and one not, read it with
//     a plain reader loop, in interleaved rounds. Added CPU per event = (median on - median off) / EVENTS.
//  2. heap per live stream: each client opens STREAMS streams that receive 10 (then 1,000) events and
//     stall, held open by the server; heapUsed after forced GC, minus the baseline, per stream.
//  3. SDK path (bench/sdk-client.mjs): the same server speaking the OpenAI chat and Anthropic Messages
//     wire formats, read through the real SDKs (`create({stream: true})` + for await) with midstream's
//     SDK instrumentation on vs off, interleaved rounds: added CPU per chunk, heap per live SDK stream.
// 3b. the second layer (bench/layered.mjs): an openai stream with the SDK classes alone vs
//     midstreamInstrumentations() (fetch + SDKs + context manager), CPU per chunk, a CPU profile of
//     midstream's own functions, heap per live stream at 100 and 10,000 chunks.
//  4. core hot path without network (bench/hot-path.mjs): SseReader + rule + tracker per event, and
//     the end-of-stream metric record cost per chunk.
//  5. crash journal (bench/journal.mjs): CPU per stream start/end with the journal on vs off, one
//     write with 1,000 live streams, a tick with nothing changed, recovery of a 1,000-stream journal.
//  6. exit time (bench/exit-time.mjs): an app's exit with a healthy, an unreachable and a hanging
//     collector, with and without `--require midstream-otel/register`, whole process and exit phase.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { exitTimeRows, measureExitTime } from './exit-time.mjs';
import { runHotPath } from './hot-path.mjs';
import { journalRows, runJournalBench } from './journal.mjs';
import { layeredRows, runLayered } from './layered.mjs';

const EVENTS = 20_000;
const ROUNDS = 20;
const STREAMS = 200;
const SDK_ROUNDS = 30;
const SDK_HEAP_REPS = 3;
const SDKS = ['openai', 'anthropic'];
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const started = Date.now();
const updateDocs = process.argv.includes('--update-docs');
const outFile = updateDocs ? here('../docs/benchmarks.md') : here('../.bench-out/benchmarks.md');
/** One progress line on stderr, with the seconds since the start (the whole run takes minutes). */
const progress = (what) => process.stderr.write(`bench [${Math.round((Date.now() - started) / 1000)} s] ${what}\n`);

const server = spawn(process.execPath, [here('./sse-server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const { url: baseUrl, eventBytes } = await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0])));
});

function startClient(mode, script = './client.mjs') {
  const child = fork(here(script), [mode], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve) => child.once('message', resolve));
  const call = (msg) =>
    new Promise((resolve, reject) => {
      child.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(`${mode}: ${reply.error}`))));
      child.send({ baseUrl, eventBytes, ...msg });
    });
  return { ready, call, exit: () => child.send({ cmd: 'exit' }) };
}

const clients = { off: startClient('off'), on: startClient('on') };
await Promise.all([clients.off.ready, clients.on.ready]);

// 1. fetch CPU, interleaved, for a burst stream (the socket coalesces ~80 events per read) and a paced
// one (~1-2 events per read, like a real LLM stream). Warm-up runs first (JIT), not counted.
const cpuRuns = {};
for (const paced of [false, true]) {
  progress(`1/4 fetch CPU, ${paced ? 'paced' : 'burst'} stream: ${ROUNDS} interleaved rounds of ${EVENTS} events, off and on`);
  for (const c of [clients.off, clients.on]) for (let i = 0; i < 3; i++) await c.call({ cmd: 'run', events: EVENTS, paced });
  const runs = { off: [], on: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) runs[mode].push(await clients[mode].call({ cmd: 'run', events: EVENTS, paced }));
  }
  const m = (mode, key) => median(runs[mode].map((x) => x[key]));
  cpuRuns[paced ? 'paced' : 'burst'] = {
    off: m('off', 'cpuUs'),
    on: m('on', 'cpuUs'),
    wallOff: m('off', 'wallMs'),
    wallOn: m('on', 'wallMs'),
    readsOff: m('off', 'reads'),
    reads: m('on', 'reads'),
    spans: m('on', 'spanCount'),
    addedNs: ((m('on', 'cpuUs') - m('off', 'cpuUs')) * 1000) / EVENTS,
  };
}

for (const [name, r] of Object.entries(cpuRuns)) {
  if (r.spans !== 1) throw new Error(`the instrumented client recorded ${r.spans} spans per ${name} stream, expected 1: midstream did not observe it`);
}

// 2. heap per live stream, 10 vs 1,000 events each, instrumented and not.
// Median of HEAP_REPS repetitions: 200 streams x ~20 KiB is a few MiB, close to GC noise.
const HEAP_REPS = 5;
const heap = {};
for (const events of [10, 1000]) {
  progress(`2/4 heap per live stream: ${STREAMS} streams of ${events} events, off and on`);
  for (const mode of ['off', 'on']) {
    const reps = [];
    for (let i = 0; i < HEAP_REPS; i++) reps.push((await clients[mode].call({ cmd: 'heap', streams: STREAMS, events })).perStreamBytes);
    heap[`${mode}${events}`] = median(reps);
  }
}
clients.off.exit();
clients.on.exit();

// 3. SDK path: per SDK, interleaved rounds of one stream of EVENTS events read with for await.
const sdkClients = { off: startClient('off', './sdk-client.mjs'), on: startClient('on', './sdk-client.mjs') };
await Promise.all([sdkClients.off.ready, sdkClients.on.ready]);
const sdkRuns = {};
for (const sdk of SDKS) {
  progress(`3/4 SDK path, ${sdk}: ${SDK_ROUNDS} interleaved rounds of ${EVENTS} chunks, then heap per live SDK stream`);
  for (const c of [sdkClients.off, sdkClients.on]) for (let i = 0; i < 3; i++) await c.call({ cmd: 'run', sdk, events: EVENTS });
  const runs = { off: [], on: [] };
  for (let r = 0; r < SDK_ROUNDS; r++) {
    const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) runs[mode].push(await sdkClients[mode].call({ cmd: 'run', sdk, events: EVENTS }));
  }
  for (const run of runs.on) {
    if (run.spanCount !== 1 || run.outcome !== 'completed') {
      throw new Error(`${sdk}: the instrumented client recorded ${run.spanCount} spans (outcome ${run.outcome}), expected 1 completed`);
    }
  }
  const m = (mode, key) => median(runs[mode].map((x) => x[key]));
  const chunks = m('on', 'chunks');
  const heapOf = async (mode, events) => {
    const reps = [];
    for (let i = 0; i < SDK_HEAP_REPS; i++) reps.push((await sdkClients[mode].call({ cmd: 'heap', sdk, streams: STREAMS, events })).perStreamBytes);
    return median(reps);
  };
  const heapSdk = {};
  for (const events of [10, 1000]) for (const mode of ['off', 'on']) heapSdk[`${mode}${events}`] = await heapOf(mode, events);
  sdkRuns[sdk] = {
    off: m('off', 'cpuUs'),
    on: m('on', 'cpuUs'),
    chunks,
    addedNs: ((m('on', 'cpuUs') - m('off', 'cpuUs')) * 1000) / chunks,
    heap: heapSdk,
  };
}
sdkClients.off.exit();
sdkClients.on.exit();
server.stdin.end();
server.kill();

// 3b. The second layer (its own server and clients).
const layered = await runLayered({ rounds: 15, progress });

// 4. core hot path, in this process.
progress('4/4 core hot path, in process');
const hot = runHotPath({ events: EVENTS });
const sdkItem = await hot.sdkItemPath();

// 5. crash journal (bench/journal.mjs), in this process.
const journal = await runJournalBench();
// 6. exit time, child processes against collectors in this process.
const EXIT_RUNS = 7;
const exitTimes = await measureExitTime({ runs: EXIT_RUNS });

const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const ns = (x) => `${Math.round(x)} ns`;
const us = (x) => `${(x / 1000).toFixed(1)} ms`;
const cpuRows = (label, r) => [
  [`fetch, ${label}: client CPU off / on (median of ${ROUNDS})`, `${us(r.off)} / ${us(r.on)}`],
  ['  added CPU per event: (on - off) / 20,000', ns(r.addedNs)],
  ['  body reads per stream off / on (events per read on)', `${r.readsOff} / ${r.reads} (${(EVENTS / r.reads).toFixed(1)})`],
  ['  wall time off / on (median)', `${r.wallOff.toFixed(0)} ms / ${r.wallOn.toFixed(0)} ms`],
];
const SDK_LABEL = { openai: 'openai chat.completions.create', anthropic: 'anthropic messages.create' };
const sdkRows = (sdk, r) => [
  [`SDK ${SDK_LABEL[sdk]}({stream: true}), for await over ${r.chunks.toLocaleString('en')} chunks: client CPU off / on (median of ${SDK_ROUNDS})`, `${us(r.off)} / ${us(r.on)}`],
  ['  added CPU per chunk: (on - off) / chunks', ns(r.addedNs)],
  ['  heap per live SDK stream after 10 / 1,000 chunks: off', `${kb(r.heap.off10)} / ${kb(r.heap.off1000)}`],
  ['  heap per live SDK stream after 10 / 1,000 chunks: on', `${kb(r.heap.on10)} / ${kb(r.heap.on1000)}`],
  ['  midstream share (on - off) at 10 / 1,000 chunks', `${kb(r.heap.on10 - r.heap.off10)} / ${kb(r.heap.on1000 - r.heap.off1000)}`],
];
const rows = [
  ...cpuRows('burst stream of 20,000 events', cpuRuns.burst),
  ...cpuRows('paced stream of 20,000 events', cpuRuns.paced),
  ['heap per live stream after 10 events: off / on', `${kb(heap.off10)} / ${kb(heap.on10)}`],
  ['heap per live stream after 1,000 events: off / on', `${kb(heap.off1000)} / ${kb(heap.on1000)}`],
  ['  midstream share (on - off) at 10 / 1,000 events', `${kb(heap.on10 - heap.off10)} / ${kb(heap.on1000 - heap.off1000)}`],
  ...SDKS.flatMap((sdk) => sdkRows(sdk, sdkRuns[sdk])),
  ...layeredRows(layered),
  ['core: SseReader alone, 1 event per push', ns(hot.sseReaderOnly)],
  ['core: SseReader alone, 16 KiB pushes', ns(hot.sseReaderOnly16k)],
  ['core: wire path (SseReader + openai.chat rule + tracker), 1 event per push', ns(hot.wirePath)],
  ['core: wire path, 16 KiB pushes', ns(hot.wirePath16k)],
  ['core: tracker.onChunk() alone', ns(hot.onChunkOnly)],
  ['core: SDK item path (for await, wrapAsyncIterator + openai chat item reader + tracker), per item: bare / instrumented / added', `${ns(sdkItem.off)} / ${ns(sdkItem.on)} / ${ns(sdkItem.on - sdkItem.off)}`],
  ['end of stream, with midstreamMetricProducer (as measured above): per-chunk histograms, per chunk, GenAI / plain', `${ns(hot.finishGenAiProducer.perChunk)} / ${ns(hot.finishPlainProducer.perChunk)}`],
  ['end of stream, without the producer: SDK replay per chunk, GenAI (2 histograms) / plain (1)', `${ns(hot.finishGenAi.perChunk)} / ${ns(hot.finishPlain.perChunk)}`],
  ['end of stream: fixed cost per stream (span + metrics), GenAI / plain, with the producer', `${(hot.finishGenAiProducer.perStreamFixed / 1000).toFixed(0)} µs / ${(hot.finishPlainProducer.perStreamFixed / 1000).toFixed(0)} µs`],
  ...journalRows(journal),
  ...exitTimeRows(exitTimes, EXIT_RUNS),
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));

const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model ?? 'unknown';
const machine = `Node ${process.version}, ${os.availableParallelism?.() ?? os.cpus().length} CPUs (nproc), ${cpuModel}, ${os.platform()} ${os.release()}`;
const elapsed = ((Date.now() - started) / 1000).toFixed(0);
mkdirSync(here(updateDocs ? '../docs' : '../.bench-out'), { recursive: true });
writeFileSync(outFile, renderDoc({ rows, machine, elapsed, date: new Date().toISOString().slice(0, 10) }));
const written = updateDocs ? 'docs/benchmarks.md' : '.bench-out/benchmarks.md (untracked; `npm run bench -- --update-docs` writes docs/benchmarks.md)';
console.log(`\n${machine}\nwrote ${written} (${elapsed} s)`);

function renderDoc({ rows, machine, elapsed, date }) {
  const table = ['| measurement | result |', '|---|---|', ...rows.map(([k, v]) => `| ${k.startsWith('  ') ? '&nbsp;&nbsp;' + k.trim() : k} | ${v} |`)].join('\n');
  return readFileSync(here('./benchmarks.template.md'), 'utf8')
    .replace('{{TABLE}}', table)
    .replace('{{MACHINE}}', machine)
    .replace('{{DATE}}', date)
    .replace('{{ELAPSED}}', elapsed);
}
