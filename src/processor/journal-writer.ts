import { mkdirSync, lstatSync, readlinkSync, renameSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { diag, SpanKind, type HrTime, type Span } from '@opentelemetry/api';
import { GapHistogram } from '../core/gap-histogram';
import { guarded } from '../core/guard';
import type { LiveStream } from '../core/live-streams';
import type { StreamTracker } from '../core/stream-tracker';
import { epochOf, JOURNAL_VERSION, safeAttributes } from './journal-format';

/** What the writer needs from the live registry (src/core/live-streams.ts). */
export interface LiveRegistry {
  forEach(fn: (stream: LiveStream) => void): void;
}

export interface JournalWriterInit {
  readonly dir: string;
  readonly service: string;
  readonly instanceId: string;
  readonly live: LiveRegistry;
  /** Recorded in the journal, so a recovering process judges the heartbeat by the owner's cadence. */
  readonly intervalMs?: number;
}

/** The tracker fields the journal reads (structural: a second copy of midstream shares the registry). */
type TrackerView = Pick<
  StreamTracker,
  | 'span'
  | 'epochMillis'
  | 'bodyBytes'
  | 'source'
  | 'protocol'
  | 'genAi'
  | 'recordMetrics'
  | 'metricAttributes'
  | 'startTime'
  | 'gaps'
  | 'facts'
  | 'chunkCount'
  | 'bytes'
  | 'outputChars'
  | 'malformedCount'
  | 'stallCount'
  | 'headersAt'
  | 'firstChunkAt'
  | 'lastChunkAt'
  | 'terminalSeen'
>;

/** The fields an SDK span (sdk-trace SpanImpl, a ReadableSpan) exposes besides the API. */
interface SdkSpanView {
  name?: unknown;
  kind?: unknown;
  startTime?: unknown;
  attributes?: unknown;
  parentSpanContext?: { spanId?: unknown; isRemote?: unknown };
  instrumentationScope?: { name?: unknown; version?: unknown };
}

const NOT_JOURNALED = '';

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function isHrTime(x: unknown): x is HrTime {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && typeof x[1] === 'number';
}

/**
 * The part of a stream's entry that never changes (ids, name, start, attributes at start), built
 * once per stream, the first time a tick sees it. '' when the stream is not journaled (a span that is
 * not an SDK span, or not sampled: nothing would be exported for it anyway).
 */
function staticPart(t: TrackerView): string {
  const span = t.span as Span & SdkSpanView;
  const ctx = span.spanContext();
  const start = span.startTime;
  if (!isHrTime(start) || typeof span.name !== 'string') return NOT_JOURNALED;
  const parent = span.parentSpanContext;
  const scope = span.instrumentationScope;
  const entry = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    parentSpanId: typeof parent?.spanId === 'string' ? parent.spanId : undefined,
    parentRemote: parent?.isRemote === true ? true : undefined,
    name: span.name.slice(0, 256),
    kind: typeof span.kind === 'number' ? span.kind : SpanKind.INTERNAL,
    scope: {
      name: typeof scope?.name === 'string' ? scope.name : t.source,
      version: typeof scope?.version === 'string' ? scope.version : undefined,
    },
    spanStart: [start[0], start[1]],
    startedAt: epochOf(t, t.startTime),
    source: t.source,
    protocol: t.protocol,
    genAi: t.genAi,
    recordMetrics: t.recordMetrics,
    attributes: safeAttributes(span.attributes as Record<string, never> | undefined),
  };
  const json = JSON.stringify(entry);
  // Left open: the changing part is appended on every write.
  return json.slice(0, -1);
}

/** The part that changes while the stream runs. */
function progressPart(t: TrackerView): string {
  const gaps: [number, number, number][] = [];
  const histogram = t.gaps;
  for (let i = 0; i < GapHistogram.size; i++) {
    const c = histogram.count(i);
    if (c > 0) gaps.push([i, c, Math.round(histogram.sum(i) * 1e6) / 1e6]);
  }
  const f = t.facts;
  return JSON.stringify({
    metricAttributes: safeAttributes(t.metricAttributes),
    progress: {
      chunks: t.chunkCount,
      bytes: t.bodyBytes ?? 0,
      terminalSeen: t.terminalSeen,
      outputChars: t.outputChars,
      stallCount: t.stallCount,
      malformedCount: t.malformedCount,
      headersAt: epochOf(t, t.headersAt),
      firstChunkAt: epochOf(t, t.firstChunkAt),
      lastChunkAt: epochOf(t, t.lastChunkAt),
      gaps,
      gapMax: Math.round(t.gaps.max * 1e6) / 1e6,
      responseModel: typeof f.responseModel === 'string' ? f.responseModel.slice(0, 256) : undefined,
      inputTokens: f.inputTokens,
      outputTokens: f.outputTokens,
    },
  }).slice(1);
}

/** A stream's entry as last built, and the readings it was built from (compared without allocating). */
class Entry {
  /** The static part; '' when the stream is not journaled. */
  readonly head: string;
  /** The changing part; the entry is `head + progress`, joined at write time (never held twice). */
  progress = '';
  private chunks = -1;
  private bytes = -1;
  private outputChars = -1;
  private terminalSeen = false;
  private headersAt = -1;
  private stallCount = -1;
  private malformedCount = -1;
  private attributeCount = -1;
  private facts: unknown[] = [];

  constructor(head: string) {
    this.head = head;
  }

  /** Rebuilds the entry when a journaled reading moved; returns whether it did. */
  refresh(t: TrackerView): boolean {
    const f = t.facts;
    const count = Object.keys(t.metricAttributes).length;
    if (
      this.chunks === t.chunkCount &&
      this.bytes === t.bytes &&
      this.outputChars === t.outputChars &&
      this.terminalSeen === t.terminalSeen &&
      this.headersAt === t.headersAt &&
      this.stallCount === t.stallCount &&
      this.malformedCount === t.malformedCount &&
      this.attributeCount === count &&
      this.facts[0] === f.responseModel &&
      this.facts[1] === f.inputTokens &&
      this.facts[2] === f.outputTokens
    ) {
      return false;
    }
    this.chunks = t.chunkCount;
    this.bytes = t.bytes;
    this.outputChars = t.outputChars;
    this.terminalSeen = t.terminalSeen;
    this.headersAt = t.headersAt;
    this.stallCount = t.stallCount;
    this.malformedCount = t.malformedCount;
    this.attributeCount = count;
    this.facts = [f.responseModel, f.inputTokens, f.outputTokens];
    this.progress = progressPart(t);
    return true;
  }
}

/**
 * Keeps `<dir>/<instanceId>.json` equal to the live streams of this process: rewritten atomically
 * (temporary file + rename, mode 0600) when something changed, its mtime refreshed when nothing did,
 * removed when no stream is live. Reads the live registry on its own tick: a stream's start, chunks
 * and end cost the journal nothing.
 */
export class JournalWriter {
  readonly file: string;
  private readonly tmp: string;
  private readonly header: string;
  private readonly entries = new WeakMap<object, Entry>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Set while our file exists. */
  private written: string | undefined;
  private writtenCount = 0;
  private reason: string | undefined;
  private dirReady = false;
  private off = false;

  constructor(private readonly init: JournalWriterInit) {
    this.file = join(init.dir, `${init.instanceId}.json`);
    this.tmp = `${this.file}.tmp`;
    const ns = pidNamespace();
    this.header = JSON.stringify({
      version: JOURNAL_VERSION,
      instanceId: init.instanceId,
      pid: process.pid,
      hostname: hostname(),
      pidNamespace: ns,
      service: init.service,
      startedAt: Date.now(),
      intervalMs: init.intervalMs,
    }).slice(0, -1);
  }

  /** Starts the cadence (an unref'd interval: it never holds the process open). */
  start(intervalMs: number): void {
    if (this.timer !== undefined || this.off) return;
    this.timer = setInterval(() => guarded('crash-journal.write', () => this.writeNow()), intervalMs);
    this.timer.unref();
  }

  /** Stops the cadence; the file stays as it is (what a crash would leave). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops and removes this process's journal (a clean exit or shutdown). Synchronous. */
  close(): void {
    this.stop();
    this.off = true;
    this.remove();
  }

  /**
   * Writes the live streams now (synchronously). With `reason` (`process_exit`), the journal records
   * why the process is ending (the first reason given wins), and recovery uses it instead of
   * `process_killed`.
   */
  writeNow(reason?: string): void {
    if (this.off) return;
    // The first reason wins: the most specific cause (`uncaught_exception`) is recorded before 'exit'.
    let changed = false;
    if (reason !== undefined && this.reason === undefined) {
      this.reason = reason;
      changed = true;
    }
    const entries: Entry[] = [];
    this.init.live.forEach((stream) => {
      const t = stream as unknown as TrackerView;
      if (t.span === undefined || !t.span.isRecording()) return;
      let entry = this.entries.get(stream);
      if (entry === undefined) {
        entry = new Entry(guarded('crash-journal.entry', () => staticPart(t)) ?? NOT_JOURNALED);
        this.entries.set(stream, entry);
      }
      if (entry.head === NOT_JOURNALED) return;
      // An entry seen for the first time always "moves": a new stream is a change.
      if (entry.refresh(t)) changed = true;
      entries.push(entry);
    });
    if (entries.length === 0) {
      this.remove();
      return;
    }
    // Same streams as last time (none started: a new one refreshes; none ended: the count drops) and
    // none moved: refresh the heartbeat (the file's mtime) instead of rewriting the file.
    const nowMs = Date.now();
    if (!changed && entries.length === this.writtenCount && this.written !== undefined) {
      try {
        utimesSync(this.file, nowMs / 1000, nowMs / 1000);
        return;
      } catch {
        // The file is gone (removed by hand, or claimed by a process that thought we were dead): rewrite it.
      }
    }
    if (!this.ensureDir()) return;
    let streams = '';
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      streams += `${i === 0 ? '' : ','}${e.head},${e.progress}`;
    }
    const reasonPart = this.reason === undefined ? '' : `,"reason":${JSON.stringify(this.reason)}`;
    writeFileSync(this.tmp, `${this.header},"heartbeatAt":${nowMs}${reasonPart},"streams":[${streams}]}`, { mode: 0o600 });
    renameSync(this.tmp, this.file);
    this.written = this.file;
    this.writtenCount = entries.length;
  }

  private remove(): void {
    if (this.written === undefined) return;
    this.written = undefined;
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone.
    }
  }

  /** Creates the directory (mode 0700) once; refuses one that is not a directory of ours. */
  private ensureDir(): boolean {
    if (this.dirReady) return true;
    const dir = this.init.dir;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const st = lstatSync(dir);
      const uid = process.getuid?.();
      if (!st.isDirectory()) throw new Error('not a directory');
      if (uid !== undefined && st.uid !== uid) throw new Error(`owned by uid ${st.uid}, not ${uid}`);
      this.dirReady = true;
      return true;
    } catch (error) {
      this.off = true;
      this.stop();
      const why = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
      diag.warn(
        `midstream: crash journal directory ${dir} is not usable (${why}); the crash journal is off (MIDSTREAM_JOURNAL_DIR chooses another)`,
      );
      return false;
    }
  }
}
