import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { guarded } from '../core/guard';
import { readEnv, type Env } from '../env-contract';
import { processState } from '../core/process-state';
import { recoverJournals, type RecoveryTarget } from './journal-recovery';
import { JournalWriter, type LiveRegistry } from './journal-writer';

/** Options of {@link startCrashJournal}; unset fields come from the environment. */
export interface CrashJournalOptions {
  /** `service.name` of this process: the journal directory is keyed by it. @defaultValue `unknown_service` */
  serviceName?: string;
  /**
   * Where recovered streams are exported. Without it, the journal is written but nothing is recovered
   * (another process of the same service with a target recovers it).
   */
  target?: RecoveryTarget;
  /** Journal directory. @defaultValue env `MIDSTREAM_JOURNAL_DIR`, else `<os.tmpdir()>/midstream-journal/<service>` */
  dir?: string;
  /** Rewrite cadence, milliseconds. @defaultValue env `MIDSTREAM_JOURNAL_INTERVAL_MS`, else 1000 */
  intervalMs?: number;
  /** Turns the journal off. @defaultValue env `MIDSTREAM_JOURNAL` (`off`, `false`, `0`: off) */
  enabled?: boolean;
  /** @defaultValue `process.env` */
  env?: Env;
  /** The live streams to journal. @defaultValue this process's live-stream registry */
  live?: LiveRegistry;
}

/** What {@link startCrashJournal} returns. Every method is synchronous and never throws. */
export interface CrashJournal {
  /** Writes the live streams now; with `reason` (`process_exit`), recovery reports that reason instead of `process_killed`. */
  writeNow(reason?: string): void;
  /** Stops the cadence and removes this process's journal (clean exit, shutdown). */
  close(): void;
  /** Stops the cadence and leaves the journal as it is. */
  stop(): void;
  /** This process's journal file, or undefined when the journal is off. */
  readonly file: string | undefined;
}

/** Resolved journal settings. */
export interface CrashJournalConfig {
  readonly enabled: boolean;
  readonly dir: string;
  readonly intervalMs: number;
}

export const DEFAULT_JOURNAL_INTERVAL_MS = 1000;
/** A heartbeat this much later than 3 intervals means the owner is dead (a busy event loop is not death). */
const DEAD_MARGIN_MS = 2000;
/** Journals older than this are not exported: a day-old `interrupted` span helps nobody. */
const MAX_AGE_MS = 24 * 3600 * 1000;

/** `service.name` as a directory name: `unknown_service:node` (the SDK default) becomes `unknown_service`. */
export function journalDirName(serviceName: string | undefined): string {
  const name = serviceName === undefined || serviceName.startsWith('unknown_service') ? 'unknown_service' : serviceName;
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}

/**
 * Reads `MIDSTREAM_JOURNAL`, `MIDSTREAM_JOURNAL_DIR`, `MIDSTREAM_JOURNAL_INTERVAL_MS` through the
 * configuration contract (src/env-contract.ts): a bad value gets one line and the default.
 */
export function journalConfig(options: CrashJournalOptions = {}): CrashJournalConfig {
  const env = options.env ?? process.env;
  const enabled = options.enabled ?? readEnv('MIDSTREAM_JOURNAL', env);
  const intervalMs = options.intervalMs ?? readEnv('MIDSTREAM_JOURNAL_INTERVAL_MS', env);
  const dir =
    options.dir ??
    readEnv('MIDSTREAM_JOURNAL_DIR', env) ??
    join(tmpdir(), 'midstream-journal', journalDirName(options.serviceName));
  return { enabled, dir, intervalMs };
}

const OFF_JOURNAL: CrashJournal = { writeNow() {}, close() {}, stop() {}, file: undefined };
/** One journal per process, whichever copy of midstream or entry point starts it (it journals the shared registry). */
const JOURNAL_KEY = Symbol.for('midstream.crash-journal.v1');

/**
 * Starts this process's crash journal, and first exports what earlier processes of the same service
 * left behind (DESIGN.md, "Process lifecycle"): every journal whose owner is gone becomes
 * `interrupted` spans with reason `process_killed` and their original ids, sent to `options.target`.
 * A journal that still looks alive is looked at again when its heartbeat would be late (one unref'd
 * timer), so a container restarted within seconds of a kill still exports its predecessor's streams.
 *
 * The journal is `<dir>/<random instance id>.json`, rewritten every `intervalMs` from the live-stream
 * registry (never per chunk), atomically, mode 0600. Never throws; an unusable directory turns the
 * journal off with one diagnostic line.
 */
export function startCrashJournal(options: CrashJournalOptions = {}): CrashJournal {
  const config = journalConfig(options);
  if (!config.enabled) return OFF_JOURNAL;
  const globals = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (globals[JOURNAL_KEY] === true) {
    diag.warn('midstream: a crash journal is already running in this process; a second one is not started');
    return OFF_JOURNAL;
  }
  globals[JOURNAL_KEY] = true;
  const serviceName = journalDirName(options.serviceName);
  const instanceId = randomBytes(8).toString('hex');
  const writer = new JournalWriter({
    dir: config.dir,
    service: serviceName,
    instanceId,
    live: options.live ?? processState().live,
    intervalMs: config.intervalMs,
  });
  let recheck: ReturnType<typeof setTimeout> | undefined;
  const target = options.target;
  const recover = (): void => {
    recheck = undefined;
    if (target === undefined) return;
    const result = guarded('crash-journal.recover', () =>
      recoverJournals({
        dir: config.dir,
        service: serviceName,
        instanceId,
        intervalMs: config.intervalMs,
        marginMs: DEAD_MARGIN_MS,
        maxAgeMs: MAX_AGE_MS,
        target,
      }),
    );
    if (result === undefined || result.pending.length === 0) return;
    const wait = Math.max(50, Math.min(...result.pending) - Date.now() + 50);
    recheck = setTimeout(recover, wait);
    recheck.unref();
  };
  recover();
  writer.start(config.intervalMs);
  const stopRecheck = (): void => {
    if (recheck !== undefined) clearTimeout(recheck);
    recheck = undefined;
  };
  return {
    file: writer.file,
    writeNow: (reason) => void guarded('crash-journal.write', () => writer.writeNow(reason)),
    close: () => {
      stopRecheck();
      guarded('crash-journal.close', () => writer.close());
      globals[JOURNAL_KEY] = false;
    },
    stop: () => {
      stopRecheck();
      writer.stop();
    },
  };
}
