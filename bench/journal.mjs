// The crash journal's cost, in this process, on built code from dist/ (`node bench/journal.mjs`, or
// as part of `npm run bench`):
//  1. CPU per stream start + end attributable to the journal: STREAMS trackers started, given one
//     chunk and ended, with a journal running (1 s cadence) vs none; interleaved rounds.
//  2. One write with LIVE live streams, each given one chunk before every write (so every write is
//     a real rewrite): wall ms per write, CPU ms per write, file size. Then writes with nothing
//     changed (mtime refresh only).
//  3. Recovery of one journal of LIVE streams (parse, claim, LIVE spans through onEnd, metrics).
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

const require = createRequire(import.meta.url);
const { StreamTracker } = require('../dist/core/stream-tracker.js');
const { StreamTelemetry } = require('../dist/core/stream-telemetry.js');
const { processState } = require('../dist/core/process-state.js');
const { startCrashJournal } = require('../dist/processor/crash-journal.js');
const { JournalWriter } = require('../dist/processor/journal-writer.js');
const { recoverJournals } = require('../dist/processor/journal-recovery.js');

// A full GC without --expose-gc on the command line (npm run bench runs plain `node`).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const heapAfterGc = () => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
};

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const stats = (xs) => {
  const s = sorted(xs);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export async function runJournalBench({ streams = 20_000, rounds = 15, live = 1000, writes = 60 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'midstream-journal-bench-'));
  const tracer = new BasicTracerProvider().getTracer('bench');
  const telemetry = new StreamTelemetry(new MeterProvider({ readers: [new ManualReader()] }).getMeter('bench'));
  const init = (span) => ({
    span,
    ownsSpan: true,
    source: 'fetch',
    protocol: 'sse',
    requiresTerminal: true,
    metricAttributes: { 'http.request.method': 'POST', 'server.address': 'api.openai.com', 'gen_ai.request.model': 'gpt-bench' },
  });
  try {
    // 1. per stream start + end, journal on vs off.
    const churn = () => {
      const before = cpuUs();
      for (let i = 0; i < streams; i++) {
        const t = new StreamTracker(telemetry, init(tracer.startSpan('chat gpt-bench')));
        t.onChunk();
        t.addBytes(100);
        t.end('eof');
      }
      return ((cpuUs() - before) * 1000) / streams;
    };
    for (let i = 0; i < 3; i++) churn();
    const perStream = { off: [], on: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        const journal = mode === 'on' ? startCrashJournal({ dir: join(base, 'churn'), serviceName: 'bench', env: {} }) : undefined;
        perStream[mode].push(churn());
        journal?.close();
      }
    }

    // 2. writes with `live` live streams.
    const trackers = [];
    for (let i = 0; i < live; i++) {
      const t = new StreamTracker(telemetry, init(tracer.startSpan('chat gpt-bench')));
      for (let c = 0; c < 3; c++) t.onChunk();
      t.addBytes(300);
      trackers.push(t);
    }
    const dir = join(base, 'live');
    const writer = new JournalWriter({ dir, service: 'bench', instanceId: 'abcdef0123456789', live: processState().live });
    const heapBefore = heapAfterGc();
    let t0 = process.hrtime.bigint();
    writer.writeNow();
    const firstWriteMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // What the journal holds per live stream between writes (its cached entry parts).
    const heapPerStream = (heapAfterGc() - heapBefore) / live;
    const changed = { wall: [], cpu: [] };
    for (let w = 0; w < writes; w++) {
      for (const t of trackers) {
        t.onChunk();
        t.addBytes(40);
      }
      const c0 = cpuUs();
      t0 = process.hrtime.bigint();
      writer.writeNow();
      changed.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      changed.cpu.push((cpuUs() - c0) / 1000);
    }
    const fileBytes = statSync(writer.file).size;
    const unchanged = [];
    for (let w = 0; w < writes; w++) {
      t0 = process.hrtime.bigint();
      writer.writeNow();
      unchanged.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }

    // 3. recovery of that journal, as another process would find it (its owner declared dead).
    const text = readFileSync(writer.file, 'utf8');
    writer.stop();
    const recoverMs = [];
    let recovered = 0;
    const target = {
      onEnd: () => recovered++,
      resource: { attributes: {} },
      meterProvider: new MeterProvider({ readers: [new ManualReader()] }),
    };
    const rdir = join(base, 'recover');
    mkdirSync(rdir, { recursive: true });
    for (let r = 0; r < 10; r++) {
      writeFileSync(join(rdir, `${(0x1000 + r).toString(16).padStart(16, '0')}.json`), text);
      t0 = process.hrtime.bigint();
      recoverJournals({ dir: rdir, service: 'bench', instanceId: 'ffffffffffffffff', intervalMs: 1000, marginMs: 0, maxAgeMs: 864e5, target, nowMs: Date.now() + 60_000 });
      recoverMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (recovered !== live * 10) throw new Error(`recovered ${recovered} spans, expected ${live * 10}`);
    for (const t of trackers) t.end('eof');
    writer.close();

    return {
      streams,
      rounds,
      live,
      writes,
      perStreamOff: stats(perStream.off),
      perStreamOn: stats(perStream.on),
      addedPerStreamNs: stats(perStream.on).median - stats(perStream.off).median,
      firstWriteMs,
      heapPerStream,
      changedWallMs: stats(changed.wall),
      changedCpuMs: stats(changed.cpu),
      unchangedWallMs: stats(unchanged),
      fileBytes,
      recoverMs: stats(recoverMs),
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Rows for the bench table. */
export function journalRows(j) {
  const f = (x, d = 2) => x.toFixed(d);
  const mmm = (s, unit, d = 2) => `${f(s.min, d)} / ${f(s.median, d)} / ${f(s.max, d)} ${unit}`;
  return [
    [`crash journal: CPU per stream start + end (span, tracker, metrics), min / median / max of ${j.rounds} rounds of ${j.streams.toLocaleString('en')}: no journal`, mmm(j.perStreamOff, 'ns', 0)],
    ['  the same with the journal on', mmm(j.perStreamOn, 'ns', 0)],
    ['  added per stream by the journal (median on - median off; within the noise)', `${Math.round(j.addedPerStreamNs)} ns`],
    [`crash journal: one write with ${j.live.toLocaleString('en')} live streams, every stream changed: wall min / median / max`, mmm(j.changedWallMs, 'ms')],
    ['  CPU per such write, min / median / max', mmm(j.changedCpuMs, 'ms')],
    ['  file size; first write (builds the per-stream static part once)', `${(j.fileBytes / 1024).toFixed(0)} KiB (${Math.round(j.fileBytes / j.live)} B per stream); ${f(j.firstWriteMs)} ms`],
    ['  heap the journal holds per live stream (after forced GC)', `${Math.round(j.heapPerStream)} B`],
    ['  a tick with nothing changed (mtime refresh only): min / median / max', mmm(j.unchangedWallMs, 'ms', 3)],
    [`crash journal: recovery of a journal of ${j.live.toLocaleString('en')} streams (parse, claim, spans, metrics): min / median / max`, mmm(j.recoverMs, 'ms')],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const j = await runJournalBench();
  const rows = journalRows(j);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}
