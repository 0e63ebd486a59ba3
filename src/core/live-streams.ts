import { now } from './clock';
import { guarded } from './guard';
import type { Ending } from './outcome';

/** What the registry needs from a tracker (kept structural to avoid an import cycle). */
export interface LiveStream {
  end(ending: Ending, error?: unknown): void;
  /** Called by the watchdog with the current clock reading. */
  checkIdle(nowSeconds: number): void;
  /** `midstream.reason`, when known (set before `end`). */
  reason?: string | undefined;
}

/**
 * In-flight streams: the processor ends them on shutdown, the one shared watchdog scans them for
 * stalls and idle timeouts, and a FinalizationRegistry ends those whose stream object was dropped.
 */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private tickMs = 1000;
  private readonly abandoned = new FinalizationRegistry<LiveStream>((stream) => {
    guarded('live-streams.abandon', () => stream.end('abandon'));
  });

  get size(): number {
    return this.streams.size;
  }

  add(stream: LiveStream, stallThresholdMs: number, idleTimeoutMs: number): void {
    this.streams.add(stream);
    // A tick of a quarter threshold finds a stall within 1.25x the threshold; bounded to [25 ms, 1 s].
    const wanted = Math.max(25, Math.min(1000, Math.min(stallThresholdMs || 1000, idleTimeoutMs || 1000) / 4));
    if (this.timer === undefined || wanted < this.tickMs) this.startTimer(wanted);
  }

  delete(stream: LiveStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopTimer();
  }

  /** Calls `fn` for every live stream, in start order (the crash journal reads them on its own tick). */
  forEach(fn: (stream: LiveStream) => void): void {
    for (const s of this.streams) fn(s);
  }

  /** When `target` is garbage-collected while `stream` is live, the stream ends as abandoned. */
  watchForAbandonment(target: object, stream: LiveStream): void {
    this.abandoned.register(target, stream, stream);
  }

  forgetAbandonment(stream: LiveStream): void {
    this.abandoned.unregister(stream);
  }

  /**
   * Ends every live stream (used on shutdown with ending `shutdown`), giving those without a reason of
   * their own `reason` (`midstream.reason`). Returns how many were ended.
   */
  endAll(ending: Ending, reason?: string): number {
    const all = [...this.streams];
    for (const s of all)
      guarded('live-streams.endAll', () => {
        if (reason !== undefined && s.reason === undefined) s.reason = reason;
        s.end(ending);
      });
    return all.length;
  }

  /** The live streams now (a copy). */
  snapshot(): LiveStream[] {
    return [...this.streams];
  }

  private startTimer(ms: number): void {
    this.stopTimer();
    this.tickMs = ms;
    this.timer = setInterval(() => this.tick(), ms);
    // Never hold the process open for telemetry.
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.tickMs = 1000;
  }

  private tick(): void {
    const t = now();
    for (const s of this.streams) guarded('live-streams.tick', () => s.checkIdle(t));
  }
}
