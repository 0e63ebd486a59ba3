import { readdirSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { diag, metrics, TraceFlags, type MeterProvider } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { GapHistogram } from '../core/gap-histogram';
import { guarded } from '../core/guard';
import { StreamTelemetry, type EndedStream } from '../core/stream-telemetry';
import * as sc from '../semconv';
import { parseJournal, type JournalFile, type JournalStream } from './journal-format';
import { RecoveredSpan } from './recovered-span';

/** Where recovered streams go: the span processors and meter provider of the running pipeline. */
export interface RecoveryTarget {
  /** Called with each recovered span, like a span processor's `onEnd`. */
  readonly onEnd: (span: ReadableSpan) => void;
  readonly resource: Resource;
  /** Records the recovered streams in `midstream.stream.outcomes` and the other per-stream metrics. */
  readonly meterProvider?: MeterProvider;
}

export interface RecoveryInit {
  readonly dir: string;
  readonly service: string;
  /** This process's instance id: its own journal is never recovered. */
  readonly instanceId: string;
  /**
   * A journal's owner is dead when its last heartbeat is older than 3 of the owner's write intervals
   * (recorded in the journal; `intervalMs`, ours, when it is not) plus `marginMs`. Milliseconds.
   */
  readonly intervalMs: number;
  readonly marginMs: number;
  /** A journal older than this is skipped and removed. Milliseconds. */
  readonly maxAgeMs: number;
  readonly target: RecoveryTarget;
  /** The time to judge ages by (epoch ms). @defaultValue `Date.now()` */
  readonly nowMs?: number;
}

export interface RecoveryResult {
  /** Streams exported as `interrupted`. */
  readonly exported: number;
  /** Journals that look alive; when each would count as dead (epoch ms), to look again then. */
  readonly pending: readonly number[];
}

/** The reason a recovered stream carries when its journal recorded none. */
export const REASON_PROCESS_KILLED = 'process_killed';

const JOURNAL_NAME = /^[0-9a-f]{16}\.json$/;
const LEFTOVER_NAME = /^[0-9a-f]{16}\.json\.(tmp|claimed-[0-9a-f]{16})$/;

/** Whether a process with `pid` exists in our pid namespace (EPERM: it exists, owned by someone else). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/**
 * A journal's owner is dead when its heartbeat is older than `deadAfterMs`, or when it ran on this
 * host in this pid namespace and its pid no longer exists. A pid that exists proves nothing (every
 * container's app is pid 1; a pid is reused), so then the heartbeat decides.
 */
export function ownerIsDead(j: JournalFile, heartbeatAt: number, nowMs: number, deadAfterMs: number): boolean {
  if (nowMs - heartbeatAt > deadAfterMs) return true;
  const sameNamespace = j.hostname === hostname() && j.pidNamespace !== undefined && j.pidNamespace === ownPidNamespace();
  return sameNamespace && j.pid !== process.pid && !pidExists(j.pid);
}

/**
 * Scans the journal directory once: exports the streams of every journal whose process is gone as
 * `interrupted` spans (reason `process_killed`, or the reason the journal recorded) with their
 * original ids, start time and progress, ending at the journal's last heartbeat; counts them in the
 * per-stream metrics; removes the journal. A journal is claimed by renaming it to
 * `<name>.claimed-<our instance id>` first: rename is atomic, so when two processes start at once,
 * one wins and the other gets ENOENT and skips it. Stale, foreign and corrupt journals get one
 * diagnostic line each. Never throws.
 */
export function recoverJournals(init: RecoveryInit): RecoveryResult {
  let names: string[];
  try {
    names = readdirSync(init.dir);
  } catch {
    return { exported: 0, pending: [] };
  }
  let exported = 0;
  const pending: number[] = [];
  const nowMs = init.nowMs ?? Date.now();
  for (const name of names) {
    if (name.startsWith(init.instanceId)) continue;
    const path = join(init.dir, name);
    if (LEFTOVER_NAME.test(name)) {
      guarded('crash-journal.leftover', () => removeLeftover(path, name, nowMs, init));
      continue;
    }
    if (!JOURNAL_NAME.test(name)) continue;
    const n = guarded('crash-journal.recover', () => recoverOne(path, name, nowMs, init, pending));
    exported += n ?? 0;
  }
  return { exported, pending };
}

/** A temporary file or a claimed journal left by a process that died mid-write or mid-recovery. */
function removeLeftover(path: string, name: string, nowMs: number, init: RecoveryInit): void {
  const age = nowMs - statSync(path).mtimeMs;
  if (name.endsWith('.tmp') ? age > 3 * init.intervalMs + init.marginMs : age > init.maxAgeMs) {
    unlinkSync(path);
    if (!name.endsWith('.tmp')) diag.warn(`midstream: crash journal ${name} was claimed but never exported; removed`);
  }
}

function claim(path: string, init: RecoveryInit): string | undefined {
  const claimed = `${path}.claimed-${init.instanceId}`;
  try {
    renameSync(path, claimed);
    return claimed;
  } catch (error) {
    // ENOENT: another process claimed it first (or its owner removed it).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function recoverOne(path: string, name: string, nowMs: number, init: RecoveryInit, pending: number[]): number {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  const parsed = parseJournal(text, init.service);
  if (parsed.kind === 'foreign') {
    diag.warn(`midstream: crash journal ${path} is not one this process can read (${parsed.why}); skipped`);
    return 0;
  }
  if (parsed.kind === 'corrupt') {
    // Journals are written by rename, so a corrupt one was never a partial write: nobody can use it.
    if (claim(path, init) !== undefined) {
      unlinkSync(`${path}.claimed-${init.instanceId}`);
      diag.warn(`midstream: crash journal ${path} is corrupt (${parsed.why}); skipped and removed`);
    }
    return 0;
  }
  const heartbeatAt = Math.max(parsed.journal.heartbeatAt, mtimeMs);
  if (nowMs - heartbeatAt > init.maxAgeMs) {
    if (claim(path, init) !== undefined) {
      unlinkSync(`${path}.claimed-${init.instanceId}`);
      const hours = Math.round((nowMs - heartbeatAt) / 360_000) / 10;
      diag.warn(`midstream: crash journal ${path} is ${hours} h old; skipped and removed`);
    }
    return 0;
  }
  // The owner's own cadence: a process writing every 30 s is not dead after 5 s of silence.
  const deadAfterMs = 3 * (parsed.journal.intervalMs ?? init.intervalMs) + init.marginMs;
  if (!ownerIsDead(parsed.journal, heartbeatAt, nowMs, deadAfterMs)) {
    pending.push(heartbeatAt + deadAfterMs);
    return 0;
  }
  const claimed = claim(path, init);
  if (claimed === undefined) return 0;
  // Read again: the owner may have written once more between our read and the claim.
  const again = parseJournal(readFileSync(claimed, 'utf8'), init.service);
  const journal = again.kind === 'journal' ? again.journal : parsed.journal;
  const lastBeat = Math.max(journal.heartbeatAt, statSync(claimed).mtimeMs);
  for (const s of journal.streams) exportStream(s, lastBeat, journal.reason ?? REASON_PROCESS_KILLED, init.target);
  unlinkSync(claimed);
  try {
    unlinkSync(`${path}.tmp`);
  } catch {
    // Usually absent: the owner died between two writes, not in the middle of one.
  }
  diag.info(
    `midstream: exported ${journal.streams.length} interrupted stream(s) from the crash journal of pid ${journal.pid} on ${journal.hostname} (instance ${journal.instanceId})`,
  );
  return journal.streams.length;
}

const telemetryByScope = new WeakMap<MeterProvider, Map<string, StreamTelemetry>>();

/**
 * One StreamTelemetry per instrumentation scope, on the meter of the same name: the recovered
 * streams' metrics join the series of the live streams of the same instrumentation.
 */
function telemetryFor(scope: JournalStream['scope'], meterProvider: MeterProvider): StreamTelemetry {
  let byScope = telemetryByScope.get(meterProvider);
  if (byScope === undefined) telemetryByScope.set(meterProvider, (byScope = new Map()));
  const key = `${scope.name}@${scope.version ?? ''}`;
  let telemetry = byScope.get(key);
  if (telemetry === undefined)
    byScope.set(key, (telemetry = new StreamTelemetry(meterProvider.getMeter(scope.name, scope.version))));
  return telemetry;
}

function gapsOf(s: JournalStream): GapHistogram {
  const gaps = new GapHistogram();
  let total = 0;
  for (const [i, count, sum] of s.progress.gaps) {
    if (i < 0 || i >= GapHistogram.size) continue;
    gaps.setBucket(i, count, sum);
    total += count;
  }
  gaps.max = s.progress.gapMax;
  gaps.total = total;
  return gaps;
}

/** One recovered stream: written by the same StreamTelemetry as a live one, outcome `interrupted`. */
function exportStream(s: JournalStream, heartbeatAt: number, reason: string, target: RecoveryTarget): void {
  const p = s.progress;
  // The tracker's clock reads seconds >= 0 (-1: not reached). The dead process's instants lie before
  // this process's time origin, so they go on a clock of their own that starts 1 s before the stream,
  // with the epoch anchor that maps it back exactly (as a live tracker's own anchor does).
  const anchorMs = s.startedAt - 1000;
  const mono = (epochMs: number | undefined): number => (epochMs === undefined ? -1 : (epochMs - anchorMs) / 1000);
  const endEpochMs = Math.max(heartbeatAt, s.startedAt, p.lastChunkAt ?? 0);
  const span = new RecoveredSpan(
    {
      spanContext: { traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags & 0xff, isRemote: false },
      parentSpanContext:
        s.parentSpanId === undefined
          ? undefined
          : { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: s.parentRemote === true },
      name: s.name,
      kind: s.kind,
      startTime: [s.spanStart[0], s.spanStart[1]],
      endTime: millisToHrTime(endEpochMs),
      attributes: { ...s.attributes, [sc.ATTR_MIDSTREAM_REASON]: reason },
      resource: target.resource,
      instrumentationScope: { name: s.scope.name, version: s.scope.version },
    },
    target.onEnd,
  );
  const telemetry = telemetryFor(s.scope, target.meterProvider ?? metrics.getMeterProvider());
  const stream: EndedStream = {
    span,
    ownsSpan: true,
    source: s.source,
    protocol: s.protocol,
    genAi: s.genAi,
    recordMetrics: s.recordMetrics,
    metricAttributes: { ...s.metricAttributes },
    startTime: mono(s.startedAt),
    epochMillis: (monotonicSeconds: number) => anchorMs + monotonicSeconds * 1000,
    gaps: gapsOf(s),
    facts: { responseModel: p.responseModel, inputTokens: p.inputTokens, outputTokens: p.outputTokens },
    stalls: [],
    chunkCount: p.chunks,
    bytes: p.bytes,
    // 0 with chunks: bytes the dead process could not see (an SDK stream without a visible transport).
    bodyBytes: p.bytes > 0 || p.chunks === 0 ? p.bytes : undefined,
    outputChars: p.outputChars,
    malformedCount: p.malformedCount,
    stallCount: p.stallCount,
    headersAt: mono(p.headersAt),
    firstChunkAt: mono(p.firstChunkAt),
    lastChunkAt: mono(p.lastChunkAt),
    endedAt: mono(endEpochMs),
    terminalSeen: p.terminalSeen,
    capture: undefined,
    reason,
    // A recovered stream is not known to have been orphaned or retried (the journal does not keep it).
    attempt: 1,
    orphanedAt: -1,
    orphanedAtChunks: 0,
    orphanedAtChars: 0,
    orphanedAtTokens: 0,
  };
  // Writes the span (then ends it: ownsSpan, at the heartbeat, handing it to onEnd) and the metrics.
  telemetry.finished(stream, 'interrupted', undefined);
}
