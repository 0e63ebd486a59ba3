// The crash journal end to end: `node --require midstream-otel/register` apps in child processes, a real
// SSE server, a real OTLP/HTTP receiver. An app with live streams is SIGKILLed (no hook of ours runs);
// the next start of the same service exports its streams from the journal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../support/otlp-receiver.mjs';
import { startSseServer } from '../support/sse-server.mjs';
import { runApp, startBrokenCollector } from './harness.mjs';

/** How the app ended, without the harness's timings. */
const exitOf = ({ code, signal }) => ({ code, signal });

const JOURNAL_APP = fileURLToPath(new URL('./apps/journal-app.cjs', import.meta.url));
const SDK_APP = fileURLToPath(new URL('./apps/journal-sdk-app.cjs', import.meta.url));
const EVENTS = ['one', 'two', 'three', 'four'].map((data) => ({ data }));
const SERVICE = 'journal-e2e';
const REGISTER = ['--require', 'midstream-otel/register'];
// A start that only recovers: the event loop empties at once and the beforeExit flush exports.
const SECOND_START = [...REGISTER, '-e', '0'];

function journalDir(t) {
  const base = mkdtempSync(join(tmpdir(), 'midstream-journal-e2e-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return join(base, 'journal');
}

function env(receiver, dir, extra = {}) {
  return {
    ...receiver.env,
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_METRICS_EXPORTER: 'otlp',
    MIDSTREAM_JOURNAL_DIR: dir,
    MIDSTREAM_JOURNAL_INTERVAL_MS: '100',
    ...extra,
  };
}

const journals = (dir) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Polls the journal directory (a file state, not telemetry) until `pred(parsedJournal)` holds. */
async function waitForJournal(dir, pred, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const name of journals(dir).filter((n) => n.endsWith('.json'))) {
      try {
        const text = readFileSync(join(dir, name), 'utf8');
        const j = JSON.parse(text);
        if (pred(j)) return { name, text, journal: j };
      } catch {
        // Renamed away between readdir and read: look again.
      }
    }
    if (Date.now() > deadline) throw new Error(`no matching journal in ${dir} within ${timeoutMs} ms: ${journals(dir)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const outcomeCount = (receiver, outcome) =>
  receiver.metrics
    .filter((m) => m.name === 'midstream.stream.outcomes')
    .flatMap((m) => m.dataPoints)
    .filter((p) => p.attributes['midstream.outcome'] === outcome)
    .reduce((sum, p) => sum + p.value, 0);

describe('an app SIGKILLed with two live streams, then started again', () => {
  let receiver;
  let dir;
  let parent;
  let seen;
  let second;
  // Cleanups of the shared setup, run after the last test of this group.
  const cleanups = [];
  const group = { after: (fn) => cleanups.push(fn) };
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  before(async () => {
    receiver = await startOtlpReceiver();
    group.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'hold-after:3' });
    group.after(() => server.close());
    dir = journalDir(group);
    const app = runApp(group, [...REGISTER, JOURNAL_APP], env(receiver, dir, { SSE_URL: server.url('/events') }));
    const line = await app.waitForLine(/^parent /);
    const [, traceId, spanId, beforeMs] = line.split(' ');
    parent = { traceId, spanId, beforeMs: Number(beforeMs) };
    await app.waitForLine(/^events 0 3$/);
    await app.waitForLine(/^events 1 3$/);
    seen = await waitForJournal(dir, (j) => j.streams.length === 2 && j.streams.every((s) => s.progress.chunks === 3));
    seen.fileMode = statSync(join(dir, seen.name)).mode & 0o777;
    seen.dirMode = statSync(dir).mode & 0o777;
    app.child.kill('SIGKILL');
    const killed = await app.exited;
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(journals(dir).includes(seen.name), 'no hook ran: the journal is still there');
    second = runApp(group, SECOND_START, env(receiver, dir));
    second.result = await second.exited;
  });

  const recovered = () => receiver.spans.filter((s) => s.attributes['midstream.reason'] === 'process_killed');

  it('exports each live stream once as interrupted with reason process_killed', () => {
    assert.deepEqual(exitOf(second.result), { code: 0, signal: null }, second.stderr());
    const spans = recovered();
    assert.equal(spans.length, 2, `stderr: ${second.stderr()}`);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, 2);
    for (const s of spans) {
      assert.equal(s.attributes['midstream.outcome'], 'interrupted');
      assert.equal(s.status.code, 2, 'status ERROR');
      assert.equal(s.attributes['error.type'], 'stream_interrupted');
      assert.equal(s.resource['service.name'], SERVICE);
    }
  });

  it('keeps the original trace, parent and span ids and start time', () => {
    const ids = seen.journal.streams.map((s) => s.spanId).sort();
    assert.deepEqual(recovered().map((s) => s.spanId).sort(), ids);
    for (const s of recovered()) {
      assert.equal(s.traceId, parent.traceId, 'the trace of the app request that was live');
      assert.equal(s.parentSpanId, parent.spanId);
      const entry = seen.journal.streams.find((e) => e.spanId === s.spanId);
      const startNs = BigInt(entry.spanStart[0]) * 1_000_000_000n + BigInt(entry.spanStart[1]);
      assert.equal(s.startTimeUnixNano, String(startNs), 'the start time the SDK recorded, to the nanosecond');
      const startMs = Number(startNs / 1_000_000n);
      assert.ok(startMs >= parent.beforeMs - 1, 'started after the app printed its parent');
      assert.ok(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), 'ends after it started');
      assert.ok(Number(BigInt(s.endTimeUnixNano) / 1_000_000n) >= seen.journal.heartbeatAt, 'ends at the last heartbeat');
    }
  });

  it('carries the progress and the safe attributes of the original span', () => {
    for (const s of recovered()) {
      assert.equal(s.attributes['midstream.chunk.count'], 3);
      assert.ok(s.attributes['midstream.bytes'] > 0);
      assert.equal(s.attributes['midstream.terminal_seen'], false);
      assert.equal(s.attributes['midstream.source'], 'fetch');
      assert.equal(s.attributes['midstream.protocol'], 'sse');
      assert.equal(s.attributes['http.request.method'], 'GET');
      assert.equal(s.attributes['server.address'], '127.0.0.1');
      assert.equal(s.attributes['url.full'], undefined);
      assert.ok(s.events.some((e) => e.name === 'midstream.first_chunk'));
    }
  });

  it('counts them in midstream.stream.outcomes', () => {
    assert.equal(outcomeCount(receiver, 'interrupted'), 2);
  });

  it('removes the journal', () => {
    assert.deepEqual(journals(dir), []);
  });

  it('wrote the journal with mode 0600 in a 0700 directory, without the URL query, headers or keys', () => {
    assert.equal(seen.fileMode, 0o600);
    assert.equal(seen.dirMode, 0o700);
    assert.doesNotMatch(seen.text, /sk-query-secret|sk-header-secret|Bearer|authorization|key=|url\.full/i);
  });

  it('prints nothing on the second start', () => {
    assert.equal(second.stderr(), '');
  });
});

/** A dead process's journal, as it would have left it, `ageMs` old. */
function leaveJournal(dir, name, journal, ageMs = 30_000) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  writeFileSync(file, typeof journal === 'string' ? journal : JSON.stringify(journal), { mode: 0o600 });
  const at = (Date.now() - ageMs) / 1000;
  utimesSync(file, at, at);
}

function deadJournal(i, overrides = {}) {
  const now = Date.now();
  const hex = (n, width) => n.toString(16).padStart(width, '0');
  return {
    version: 1,
    instanceId: hex(0xa000 + i, 16),
    pid: 2_000_000 + i,
    hostname: 'gone-host',
    service: SERVICE,
    startedAt: now - 60_000,
    heartbeatAt: now - 30_000,
    streams: [
      {
        traceId: hex(0xbeef0000 + i, 32),
        spanId: hex(0xcafe0000 + i, 16),
        traceFlags: 1,
        name: `chat model-${i}`,
        kind: 2,
        scope: { name: 'midstream-otel/openai', version: '0.1.0' },
        spanStart: [Math.floor(now / 1000) - 40, 0],
        startedAt: (Math.floor(now / 1000) - 40) * 1000,
        source: 'openai',
        protocol: 'objects',
        genAi: true,
        recordMetrics: true,
        attributes: {},
        metricAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' },
        progress: { chunks: i + 1, bytes: 0, terminalSeen: false, outputChars: 0, stallCount: 0, malformedCount: 0, gaps: [], gapMax: 0 },
      },
    ],
    ...overrides,
  };
}

describe('crash journal recovery at start', () => {
  it('exports each journal once when two processes start at once', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const dir = journalDir(t);
    const N = 30;
    for (let i = 0; i < N; i++) leaveJournal(dir, `${deadJournal(i).instanceId}.json`, deadJournal(i));
    const apps = [0, 1, 2].map(() => runApp(t, SECOND_START, env(receiver, dir)));
    const results = await Promise.all(apps.map((a) => a.exited));
    for (const [i, r] of results.entries()) assert.deepEqual(exitOf(r), { code: 0, signal: null }, apps[i].stderr());
    const spans = receiver.spans.filter((s) => s.attributes['midstream.reason'] === 'process_killed');
    assert.equal(spans.length, N, 'every stream exported, none twice');
    assert.equal(new Set(spans.map((s) => s.spanId)).size, N);
    assert.equal(outcomeCount(receiver, 'interrupted'), N);
    assert.deepEqual(journals(dir), []);
  });

  it('skips a corrupt, a foreign and a stale journal with one line each, and exports nothing for them', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const dir = journalDir(t);
    leaveJournal(dir, '00000000000000c1.json', '{"version":1,"service":"journal-e2e","streams":[{');
    leaveJournal(dir, '00000000000000f1.json', deadJournal(1, { version: 99 }));
    leaveJournal(dir, '00000000000000f2.json', deadJournal(2, { service: 'another-service' }));
    leaveJournal(dir, '00000000000000a1.json', deadJournal(3, { heartbeatAt: Date.now() - 30 * 3600_000 }), 30 * 3600_000);
    const app = runApp(t, SECOND_START, env(receiver, dir));
    assert.deepEqual(exitOf(await app.exited), { code: 0, signal: null });
    const lines = app.stderr().trim().split('\n');
    assert.equal(lines.length, 4, app.stderr());
    assert.ok(lines.some((l) => /00000000000000c1\.json is corrupt \(not valid JSON\); skipped and removed/.test(l)));
    assert.ok(lines.some((l) => /00000000000000f1\.json is not one this process can read \(version 99/.test(l)));
    assert.ok(lines.some((l) => /00000000000000f2\.json is not one this process can read \(service "another-service"/.test(l)));
    assert.ok(lines.some((l) => /00000000000000a1\.json is 30 h old; skipped and removed/.test(l)));
    assert.equal(receiver.spans.length, 0);
    // Foreign journals belong to someone else (another version or service sharing the directory): kept.
    assert.deepEqual(journals(dir).sort(), ['00000000000000f1.json', '00000000000000f2.json']);
  });

  it('exports a journal whose heartbeat was still fresh at start once it goes late', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const dir = journalDir(t);
    // Another host (a previous container): its pid says nothing here; only the heartbeat age decides.
    leaveJournal(dir, `${deadJournal(7).instanceId}.json`, deadJournal(7, { heartbeatAt: Date.now() }), 0);
    // Late 2.3 s after it was written (3 x 100 ms + 2 s); the app runs longer than that whatever its start-up time.
    const script = `setTimeout(() => console.log('still-running'), 3500);`;
    const app = runApp(t, [...REGISTER, '-e', script], env(receiver, dir));
    assert.deepEqual(exitOf(await app.exited), { code: 0, signal: null });
    const spans = receiver.spans.filter((s) => s.attributes['midstream.reason'] === 'process_killed');
    assert.equal(spans.length, 1, app.stderr());
    assert.deepEqual(journals(dir), []);
  });
});

describe('the journal of a process that ends', () => {
  it('is removed on a clean exit', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'stall:800@2' });
    t.after(() => server.close());
    const dir = journalDir(t);
    const app = runApp(t, [...REGISTER, JOURNAL_APP], env(receiver, dir, { SSE_URL: server.url('/events'), STREAMS: '1' }));
    await app.waitForLine(/^events 0 2$/);
    await waitForJournal(dir, (j) => j.streams.length === 1);
    assert.deepEqual(exitOf(await app.exited), { code: 0, signal: null });
    assert.match(app.stdout(), /^done 0$/m);
    assert.deepEqual(journals(dir), []);
  });

  it('is removed when SIGTERM ends the process (its streams were exported as interrupted already)', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'hold-after:3' });
    t.after(() => server.close());
    const dir = journalDir(t);
    const app = runApp(t, [...REGISTER, JOURNAL_APP], env(receiver, dir, { SSE_URL: server.url('/events'), STREAMS: '1' }));
    await app.waitForLine(/^events 0 3$/);
    await waitForJournal(dir, (j) => j.streams.length === 1 && j.streams[0].progress.chunks === 3);
    app.child.kill('SIGTERM');
    assert.deepEqual(exitOf(await app.exited), { code: null, signal: 'SIGTERM' });
    assert.equal(receiver.spans.filter((s) => s.attributes['midstream.outcome'] === 'interrupted').length, 1);
    assert.deepEqual(journals(dir), [], 'a later start must not export the stream a second time');
  });

  it('exports the streams live at process.exit() at once (reason process_exit) and leaves no journal behind', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'hold-after:3' });
    t.after(() => server.close());
    const dir = journalDir(t);
    const script = `require(${JSON.stringify(JOURNAL_APP)}); setTimeout(() => process.exit(3), 600);`;
    const app = runApp(t, [...REGISTER, '-e', script], env(receiver, dir, { SSE_URL: server.url('/events'), STREAMS: '1' }));
    assert.deepEqual(exitOf(await app.exited), { code: 3, signal: null }, 'the exit code is the app’s');
    const spans = receiver.spans.filter((s) => s.attributes['midstream.outcome'] === 'interrupted');
    assert.equal(spans.length, 1, app.stderr());
    assert.equal(spans[0].attributes['midstream.reason'], 'process_exit');
    assert.deepEqual(journals(dir), [], 'delivered at exit: a later start must not export it a second time');
  });

  it('keeps the streams live at process.exit() in the journal when the collector is down, and the next start reports them as process_exit', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'hold-after:3' });
    t.after(() => server.close());
    const down = await startBrokenCollector(t, 'closed');
    const dir = journalDir(t);
    const script = `require(${JSON.stringify(JOURNAL_APP)}); setTimeout(() => process.exit(3), 600);`;
    const firstEnv = env(receiver, dir, { SSE_URL: server.url('/events'), STREAMS: '1', OTEL_EXPORTER_OTLP_ENDPOINT: down });
    delete firstEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    delete firstEnv.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
    const app = runApp(t, [...REGISTER, '-e', script], firstEnv);
    assert.deepEqual(exitOf(await app.exited), { code: 3, signal: null }, 'the exit code is the app’s');
    const { journal } = await waitForJournal(dir, () => true, 0);
    assert.equal(journal.reason, 'process_exit');
    const second = runApp(t, SECOND_START, env(receiver, dir));
    assert.deepEqual(exitOf(await second.exited), { code: 0, signal: null });
    const span = receiver.spans.find((s) => s.spanId === journal.streams[0].spanId && s.attributes['midstream.reason'] !== undefined);
    assert.equal(span?.attributes['midstream.reason'], 'process_exit', second.stderr());
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
  });
});

describe('StreamSpanProcessor({ crashJournal: true }) in an app with its own NodeSDK', () => {
  it('journals the live streams and exports a killed run\'s streams at the next start', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const server = await startSseServer({ events: EVENTS, fault: 'hold-after:3' });
    t.after(() => server.close());
    const dir = journalDir(t);
    const app = runApp(t, [SDK_APP], env(receiver, dir, { SSE_URL: server.url('/events') }));
    await app.waitForLine(/^events 3$/);
    const { journal } = await waitForJournal(dir, (j) => j.streams.length === 1 && j.streams[0].progress.chunks === 3);
    app.child.kill('SIGKILL');
    await app.exited;
    const second = runApp(t, [SDK_APP], env(receiver, dir));
    assert.deepEqual(exitOf(await second.exited), { code: 0, signal: null }, second.stderr());
    assert.match(second.stdout(), /^shut down$/m);
    const spans = receiver.spans.filter((s) => s.attributes['midstream.reason'] === 'process_killed');
    assert.equal(spans.length, 1, second.stderr());
    assert.equal(spans[0].spanId, journal.streams[0].spanId);
    assert.equal(spans[0].attributes['midstream.chunk.count'], 3);
    assert.equal(spans[0].resource['service.name'], SERVICE);
    assert.equal(outcomeCount(receiver, 'interrupted'), 1, 'counted by the MeterProvider NodeSDK registered');
    assert.deepEqual(journals(dir), []);
  });
});
