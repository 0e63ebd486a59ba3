// The crash journal's writer and recovery, in process: real SDK spans (trackStream over an endless
// source), real files in a temporary directory, recovered spans through a real SimpleSpanProcessor.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { trackStream } from 'midstream-otel';
import { createInMemoryOtel, sumWhere } from '../../support/in-memory-otel.mjs';
import { JournalWriter } from '../../../dist/processor/journal-writer.js';
import { recoverJournals } from '../../../dist/processor/journal-recovery.js';
import { journalConfig, journalDirName, startCrashJournal } from '../../../dist/processor/crash-journal.js';
import { processState } from '../../../dist/core/process-state.js';

const SERVICE = 'unit-svc';
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const dirs = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'midstream-journal-test-'));
  dirs.push(d);
  return join(d, 'journal');
}

/** diag lines written while `fn` runs. */
async function diagLines(fn) {
  const lines = [];
  const log = (level) => (msg) => lines.push(`${level} ${msg}`);
  diag.setLogger({ error: log('error'), warn: log('warn'), info: log('info'), debug: () => {}, verbose: () => {} }, DiagLogLevel.INFO);
  try {
    await fn();
  } finally {
    diag.disable();
  }
  return lines;
}

async function* endless(text) {
  for (let i = 0; ; i++) {
    yield { text };
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A live stream of `n` items inside a parent span; returns its iterator, the parent and the otel pipeline. */
async function liveStream(otel, n, attributes = {}) {
  const parent = otel.tracerProvider.getTracer('test').startSpan('parent');
  const ctx = trace.setSpan(context.active(), parent);
  const stream = context.with(ctx, () =>
    trackStream(endless('secret completion text'), {
      name: 'chat test-model',
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
      attributes: { 'gen_ai.request.model': 'test-model', 'server.address': 'api.example.com', ...attributes },
      isTerminal: () => false,
    }),
  );
  const it = stream[Symbol.asyncIterator]();
  for (let i = 0; i < n; i++) await it.next();
  return { it, parent: parent.spanContext() };
}

function writer(dir, instanceId = 'aaaaaaaaaaaaaaaa') {
  return new JournalWriter({ dir, service: SERVICE, instanceId, live: processState().live });
}

function target(otel) {
  const spans = [];
  return { spans, onEnd: (span) => spans.push(span), resource: { attributes: { 'service.name': SERVICE } }, meterProvider: otel.meterProvider };
}

function recover(dir, t, overrides = {}) {
  return recoverJournals({
    dir,
    service: SERVICE,
    instanceId: 'bbbbbbbbbbbbbbbb',
    intervalMs: 1000,
    marginMs: 0,
    maxAgeMs: 24 * 3600 * 1000,
    target: t,
    ...overrides,
  });
}

/** Writes a journal as another process would have left it: its mtime (a heartbeat too) `ageMs` ago. */
function leaveJournal(dir, text, ageMs = 30_000) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'cccccccccccccccc.json');
  writeFileSync(file, text);
  const at = (Date.now() - ageMs) / 1000;
  utimesSync(file, at, at);
  return file;
}

/** A journal file's text as another process would leave it. */
function journalText(overrides = {}, stream = {}) {
  const now = Date.now();
  return JSON.stringify({
    version: 1,
    instanceId: 'cccccccccccccccc',
    pid: 999999,
    hostname: 'another-host',
    service: SERVICE,
    startedAt: now - 60_000,
    heartbeatAt: now - 30_000,
    streams: [
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        parentSpanId: '00f067aa0ba902b7',
        name: 'chat gpt-test',
        kind: 2,
        scope: { name: 'midstream-otel/openai', version: '0.1.0' },
        spanStart: [Math.floor((now - 40_000) / 1000), 0],
        startedAt: Math.floor((now - 40_000) / 1000) * 1000,
        source: 'openai',
        protocol: 'objects',
        genAi: true,
        recordMetrics: true,
        attributes: { 'gen_ai.operation.name': 'chat' },
        metricAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' },
        progress: { chunks: 7, bytes: 0, terminalSeen: false, outputChars: 21, stallCount: 0, malformedCount: 0, gaps: [], gapMax: 0 },
        ...stream,
      },
    ],
    ...overrides,
  });
}

describe('JournalWriter', () => {
  it('writes the live streams with their ids, start and progress, mode 0600 in a 0700 directory', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    const w = writer(dir);
    const { it: s, parent } = await liveStream(otel, 3);
    t.after(() => s.return());
    w.writeNow();
    const j = JSON.parse(readFileSync(w.file, 'utf8'));
    assert.equal(j.version, 1);
    assert.equal(j.pid, process.pid);
    assert.equal(j.service, SERVICE);
    assert.equal(j.streams.length, 1);
    const e = j.streams[0];
    assert.equal(e.traceId, parent.traceId);
    assert.equal(e.parentSpanId, parent.spanId);
    assert.match(e.spanId, /^[0-9a-f]{16}$/);
    assert.equal(e.name, 'chat test-model');
    assert.equal(e.progress.chunks, 3);
    assert.equal(e.progress.terminalSeen, false);
    assert.deepEqual(e.attributes, { 'gen_ai.request.model': 'test-model', 'server.address': 'api.example.com' });
    assert.equal(statSync(w.file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    w.close();
  });

  it('keeps no attribute outside the allow-list and no content', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const w = writer(tempDir());
    const { it: s } = await liveStream(otel, 2, { 'url.full': 'https://x.test/v1?key=sk-secret', 'user.id': 'alice' });
    t.after(() => s.return());
    w.writeNow();
    const text = readFileSync(w.file, 'utf8');
    assert.doesNotMatch(text, /sk-secret|alice|url\.full|user\.id|secret completion/);
    w.close();
  });

  it('rewrites the file only when a stream progressed, and refreshes its mtime otherwise', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const w = writer(tempDir());
    const { it: s } = await liveStream(otel, 2);
    t.after(() => s.return());
    w.writeNow();
    const first = readFileSync(w.file, 'utf8');
    const firstMtime = statSync(w.file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    w.writeNow();
    assert.equal(readFileSync(w.file, 'utf8'), first, 'unchanged: not rewritten (same heartbeatAt)');
    assert.ok(statSync(w.file).mtimeMs > firstMtime, 'the heartbeat (mtime) moved');
    await s.next();
    w.writeNow();
    assert.equal(JSON.parse(readFileSync(w.file, 'utf8')).streams[0].progress.chunks, 3);
    w.close();
  });

  it('writes nothing while no stream is live, and removes its file when the last one ends', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    const w = writer(dir);
    w.writeNow();
    assert.throws(() => readdirSync(dir), { code: 'ENOENT' }, 'not even the directory');
    const { it: s } = await liveStream(otel, 1);
    w.writeNow();
    assert.deepEqual(readdirSync(dir), ['aaaaaaaaaaaaaaaa.json']);
    await s.return();
    w.writeNow();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('records the first reason it is given', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const w = writer(tempDir());
    const { it: s } = await liveStream(otel, 1);
    t.after(() => s.return());
    w.writeNow('uncaught_exception');
    w.writeNow('process_exit');
    assert.equal(JSON.parse(readFileSync(w.file, 'utf8')).reason, 'uncaught_exception');
    w.close();
  });

  it('removes its file on close and writes nothing after', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    const w = writer(dir);
    const { it: s } = await liveStream(otel, 1);
    t.after(() => s.return());
    w.writeNow();
    w.close();
    w.writeNow();
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('recoverJournals', () => {
  it('exports a dead process stream as interrupted with its ids, start time, progress and reason process_killed', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    // The "dead" process: a journal written by another instance id, whose streams this process never ends.
    const w = writer(dir, 'dddddddddddddddd');
    const { it: s, parent } = await liveStream(otel, 4);
    t.after(() => s.return());
    w.writeNow();
    const journal = JSON.parse(readFileSync(w.file, 'utf8'));
    const original = journal.streams[0];
    // The heartbeat is the later of the recorded one and the file's mtime (refreshed when nothing changed).
    const heartbeat = Math.max(journal.heartbeatAt, statSync(w.file).mtimeMs);
    w.stop();
    const tgt = target(otel);
    // Its heartbeat is fresh and its pid (ours) alive: look from a minute later, when it is late.
    const result = recover(dir, tgt, { nowMs: Date.now() + 60_000 });
    assert.equal(result.exported, 1);
    assert.equal(tgt.spans.length, 1);
    const span = tgt.spans[0];
    assert.equal(span.spanContext().traceId, parent.traceId);
    assert.equal(span.spanContext().spanId, original.spanId);
    assert.equal(span.parentSpanContext.spanId, parent.spanId);
    assert.deepEqual(span.startTime, original.spanStart);
    assert.equal(span.name, 'chat test-model');
    assert.equal(span.attributes['midstream.outcome'], 'interrupted');
    assert.equal(span.attributes['midstream.reason'], 'process_killed');
    assert.equal(span.attributes['midstream.chunk.count'], 4);
    assert.equal(span.attributes['midstream.terminal_seen'], false);
    assert.equal(span.attributes['error.type'], 'stream_interrupted');
    assert.equal(span.attributes['gen_ai.request.model'], 'test-model');
    assert.equal(span.status.code, 2);
    const endMs = span.endTime[0] * 1000 + span.endTime[1] / 1e6;
    assert.ok(Math.abs(endMs - heartbeat) < 0.01, `ends at the last heartbeat (${endMs} vs ${heartbeat})`);
    assert.ok(span.events.some((e) => e.name === 'midstream.first_chunk'), 'the first-chunk event is kept');
    const firstChunk = span.events.find((e) => e.name === 'midstream.first_chunk').time;
    assert.ok(Math.abs(firstChunk[0] * 1000 + firstChunk[1] / 1e6 - original.progress.firstChunkAt) < 1, 'at its original time');
    const outcomes = await otel.metric('midstream.stream.outcomes');
    assert.equal(sumWhere(outcomes, { 'midstream.outcome': 'interrupted' }), 1);
    assert.deepEqual(readdirSync(dir), [], 'the journal is removed');
  });

  it('uses the reason the journal recorded', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    leaveJournal(dir, journalText({ reason: 'process_exit' }));
    const tgt = target(otel);
    assert.equal(recover(dir, tgt).exported, 1);
    assert.equal(tgt.spans[0].attributes['midstream.reason'], 'process_exit');
    assert.equal(tgt.spans[0].attributes['midstream.output.chars'], 21);
  });

  it('leaves a journal whose heartbeat is fresh on another host, and says when to look again', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    const heartbeatAt = Date.now() - 500;
    leaveJournal(dir, journalText({ heartbeatAt }), 500);
    const tgt = target(otel);
    const result = recover(dir, tgt);
    assert.equal(result.exported, 0);
    assert.equal(tgt.spans.length, 0);
    assert.equal(result.pending.length, 1);
    assert.ok(Math.abs(result.pending[0] - (heartbeatAt + 3_000)) < 2, 'when its heartbeat would be late');
    assert.deepEqual(readdirSync(dir), ['cccccccccccccccc.json']);
  });

  it('judges the heartbeat by the owner\'s write interval', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    // 10 s without a write: late for an owner writing every second, not for one writing every 30 s.
    leaveJournal(dir, journalText({ heartbeatAt: Date.now() - 10_000, intervalMs: 30_000 }), 10_000);
    const tgt = target(otel);
    const result = recover(dir, tgt);
    assert.equal(result.exported, 0);
    assert.equal(result.pending.length, 1);
    assert.equal(recover(dir, tgt, { nowMs: Date.now() + 81_000 }).exported, 1);
  });

  it('exports a journal once: a claimed journal is skipped', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    leaveJournal(dir, journalText());
    const tgt = target(otel);
    assert.equal(recover(dir, tgt).exported, 1);
    assert.equal(recover(dir, tgt, { instanceId: 'eeeeeeeeeeeeeeee' }).exported, 0);
    assert.equal(tgt.spans.length, 1);
    // A claim by another process in progress (renamed, not yet exported) is not touched.
    leaveJournal(dir, journalText());
    renameSync(join(dir, 'cccccccccccccccc.json'), join(dir, 'cccccccccccccccc.json.claimed-ffffffffffffffff'));
    assert.equal(recover(dir, tgt).exported, 0);
    assert.deepEqual(readdirSync(dir), ['cccccccccccccccc.json.claimed-ffffffffffffffff']);
  });

  it('removes a dead writer\'s temporary file silently, and a day-old claimed journal with one line', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const age = (ms) => (Date.now() - ms) / 1000;
    writeFileSync(join(dir, 'cccccccccccccccc.json.tmp'), '{');
    utimesSync(join(dir, 'cccccccccccccccc.json.tmp'), age(10_000), age(10_000));
    writeFileSync(join(dir, 'dddddddddddddddd.json.tmp'), '{');
    writeFileSync(join(dir, 'eeeeeeeeeeeeeeee.json.claimed-ffffffffffffffff'), journalText());
    utimesSync(join(dir, 'eeeeeeeeeeeeeeee.json.claimed-ffffffffffffffff'), age(25 * 3600_000), age(25 * 3600_000));
    const lines = await diagLines(() => recover(dir, target(otel)));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /eeeeeeeeeeeeeeee\.json\.claimed-ffffffffffffffff was claimed but never exported; removed/);
    assert.deepEqual(readdirSync(dir), ['dddddddddddddddd.json.tmp'], 'a fresh temporary file may be a live write');
  });

  for (const [what, text, kept, pattern] of [
    ['a corrupt journal', '{"version":1,"service":"unit-svc","streams":[', false, /is corrupt \(not valid JSON\); skipped and removed/],
    ['a journal of another version', journalText({ version: 2 }), true, /version 2 \(this midstream reads 1\)\); skipped/],
    ['a journal of another service', journalText({ service: 'other-svc' }), true, /service "other-svc", not "unit-svc"\); skipped/],
    ['a journal of an unexpected shape', journalText({}, { traceId: 'nothex' }), false, /corrupt \(unexpected shape\)/],
    ['a stale journal', journalText({ heartbeatAt: Date.now() - 25 * 3600 * 1000 }), false, /is 2\d(\.\d)? h old; skipped and removed/],
  ]) {
    it(`skips ${what} with one diagnostic line`, async (t) => {
      const otel = createInMemoryOtel();
      t.after(() => otel.shutdown());
      const dir = tempDir();
      leaveJournal(dir, text, 25 * 3600 * 1000);
      const tgt = target(otel);
      const lines = await diagLines(() => recover(dir, tgt));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], pattern);
      assert.equal(tgt.spans.length, 0);
      assert.deepEqual(readdirSync(dir), kept ? ['cccccccccccccccc.json'] : []);
    });
  }
});

describe('startCrashJournal configuration', () => {
  it('is off with MIDSTREAM_JOURNAL=false (any case)', () => {
    for (const value of ['false', 'FALSE', ' False ']) {
      assert.equal(startCrashJournal({ env: { MIDSTREAM_JOURNAL: value } }).file, undefined, value);
    }
  });

  it('keys the default directory by the sanitized service name', () => {
    const config = journalConfig({ serviceName: 'my svc/../x', env: {} });
    assert.equal(config.dir, join(tmpdir(), 'midstream-journal', 'my_svc_.._x'));
    assert.equal(journalDirName('unknown_service:/usr/bin/node'), 'unknown_service');
    assert.equal(journalDirName(undefined), 'unknown_service');
    assert.equal(journalDirName('..'), '_..');
    assert.equal(journalConfig({ env: { MIDSTREAM_JOURNAL_DIR: '/data/j' } }).dir, '/data/j');
  });

  it('reads its variables through the configuration contract: a bad value gets one line and the default, an out-of-range one is clamped', async () => {
    let config;
    assert.equal(journalConfig({ env: { MIDSTREAM_JOURNAL_INTERVAL_MS: '250' } }).intervalMs, 250);
    let lines = await diagLines(() => (config = journalConfig({ env: { MIDSTREAM_JOURNAL_INTERVAL_MS: 'abc' } })));
    assert.equal(config.intervalMs, 1000);
    assert.deepEqual(lines, ['warn midstream: MIDSTREAM_JOURNAL_INTERVAL_MS=abc is not an integer (100..60000); using the default 1000']);
    lines = await diagLines(() => (config = journalConfig({ env: { MIDSTREAM_JOURNAL_INTERVAL_MS: '5' } })));
    assert.equal(config.intervalMs, 100);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /MIDSTREAM_JOURNAL_INTERVAL_MS=5 is below the minimum 100; using 100$/);
    lines = await diagLines(() => (config = journalConfig({ env: { MIDSTREAM_JOURNAL: 'maybe' } })));
    assert.equal(config.enabled, true);
    assert.deepEqual(lines, ['warn midstream: MIDSTREAM_JOURNAL=maybe is not true or false; using the default true']);
  });

  it('turns itself off with one line when the directory is not usable', async (t) => {
    const otel = createInMemoryOtel();
    t.after(() => otel.shutdown());
    const base = tempDir();
    mkdirSync(join(base, '..'), { recursive: true });
    const file = join(base, '..', 'a-file');
    writeFileSync(file, 'x');
    const journal = startCrashJournal({ dir: join(file, 'sub'), env: {} });
    const { it: s } = await liveStream(otel, 1);
    t.after(() => s.return());
    const lines = await diagLines(() => {
      journal.writeNow();
      journal.writeNow();
    });
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /crash journal directory .* is not usable \(ENOTDIR\); the crash journal is off/);
    journal.close();
  });
});
