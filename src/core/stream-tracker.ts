import type { Attributes, Span, SpanContext } from '@opentelemetry/api';
import type { StreamFacts } from '../providers/types';
import { CapturedText } from './captured-text';
import { epochAnchorMs, now } from './clock';
import { GapHistogram } from './gap-histogram';
import { guarded } from './guard';
import type { LiveStream } from './live-streams';
import { decideOutcome, type Ending, type Outcome } from './outcome';
import { DEFAULT_OPTIONS } from '../options';
import { processState } from './process-state';
import type { StreamTelemetry } from './stream-telemetry';
import type { ChildStream, FailedAttempt } from './stream-parents';

/** Wire protocol of a stream, for `midstream.protocol`. */
export type StreamProtocol = 'sse' | 'ndjson' | 'bytes' | 'objects';

export interface StreamTrackerInit {
  /** The span this tracker writes into. */
  readonly span: Span;
  /** Whether the tracker ends the span when the stream ends (false when enriching someone else's span). */
  readonly ownsSpan: boolean;
  /** `midstream.source`: which adapter observed the stream. */
  readonly source: string;
  readonly protocol: StreamProtocol;
  /** Whether a clean end without the protocol's terminal marker is a truncation. */
  readonly requiresTerminal: boolean;
  /** Low-cardinality attributes for metrics (also written to the span). */
  readonly metricAttributes?: Attributes;
  /** Record GenAI metrics and attributes too. */
  readonly genAi?: boolean;
  /** False when another layer already counts this stream in metrics (an SDK stream over fetch). */
  readonly recordMetrics?: boolean;
  /** Monotonic seconds when the request was issued; defaults to now. */
  readonly startTime?: number;
  /** The epoch anchor the span's start time was computed with ({@link epochAnchorMs}); defaults to now. */
  readonly epochAnchorMs?: number;
  /** From the instrumentation's options (stream start): a gap longer than this is a stall; 0 = off. */
  readonly stallThresholdMs?: number;
  /** End a silent stream as `timed_out` after this long; 0 = off. */
  readonly idleTimeoutMs?: number;
  /** Cap of captured output text; 0 (default) = content capture off. */
  readonly captureContentMaxBytes?: number;
}

/** A stall, kept for the span event; at most {@link MAX_STALL_EVENTS} per stream. */
export interface StallRecord {
  readonly startedAt: number;
  gap: number;
  readonly chunkIndex: number;
  ongoing: boolean;
}

const MAX_STALL_EVENTS = 16;
const LIVE = 0;
const DONE = 1;

/**
 * The per-stream state machine: counts chunks and bytes, times headers, first chunk and gaps,
 * detects stalls, and ends exactly once through {@link StreamTracker.finish}. It writes no telemetry
 * itself: {@link StreamTelemetry} does, at the start and the end.
 */
export class StreamTracker implements LiveStream, ChildStream {
  readonly span: Span;
  readonly ownsSpan: boolean;
  readonly source: string;
  readonly protocol: StreamProtocol;
  readonly requiresTerminal: boolean;
  readonly genAi: boolean;
  recordMetrics: boolean;
  readonly metricAttributes: Attributes;
  readonly startTime: number;
  /** Epoch milliseconds of monotonic 0 for this stream: every timestamp it writes uses it. */
  readonly epochAnchorMs: number;
  readonly stallThresholdS: number;
  readonly idleTimeoutS: number;
  readonly gaps = new GapHistogram();
  readonly facts: StreamFacts = {};
  readonly stalls: StallRecord[] = [];

  chunkCount = 0;
  bytes = 0;
  outputChars = 0;
  private malformed = 0;
  stallCount = 0;
  headersAt = -1;
  firstChunkAt = -1;
  lastChunkAt = -1;
  endedAt = -1;
  private terminal = false;
  errorSeen = false;
  stalling = false;
  outcome: Outcome | undefined;
  /** Text kept when content capture is on (at most the configured cap of UTF-8 bytes); created by the first text. */
  capture: CapturedText | undefined;
  /** Reason for a truncation or disconnect, for the span event (`midstream.reason`). */
  reason: string | undefined;
  /** Monotonic seconds when the server request this stream feeds lost its client, or -1. */
  orphanedAt = -1;
  /** Chunks, output characters and reported output tokens when it was orphaned. */
  orphanedAtChunks = 0;
  orphanedAtChars = 0;
  orphanedAtTokens = 0;
  /** 1, or the attempt number when this stream retries a failed one ({@link retries}). */
  attempt = 1;
  /** The failed stream this one retries. */
  retries: FailedAttempt | undefined;

  private state = LIVE;
  private endListeners: ((outcome: Outcome) => void)[] | undefined;
  /** The upper layer's stream this transport stream follows (layering.ts); its outcome is this one's. */
  private leader: { whenEnded(fn: (outcome: Outcome) => void): void } | undefined;
  /** The transport stream this (SDK-level) stream claimed: its bytes are this stream's bytes. */
  private transport: { readonly bytes: number } | undefined;
  private readonly telemetry: StreamTelemetry;
  private readonly captureCap: number;

  constructor(telemetry: StreamTelemetry, init: StreamTrackerInit) {
    const { live } = processState();
    this.telemetry = telemetry;
    this.span = init.span;
    this.ownsSpan = init.ownsSpan;
    this.source = init.source;
    this.protocol = init.protocol;
    this.requiresTerminal = init.requiresTerminal;
    this.genAi = init.genAi === true;
    this.recordMetrics = init.recordMetrics !== false;
    this.metricAttributes = { ...init.metricAttributes };
    this.startTime = init.startTime ?? now();
    this.epochAnchorMs = init.epochAnchorMs ?? epochAnchorMs();
    const stallMs = init.stallThresholdMs ?? DEFAULT_OPTIONS.stallThresholdMs;
    const idleMs = init.idleTimeoutMs ?? DEFAULT_OPTIONS.idleTimeoutMs;
    this.stallThresholdS = stallMs > 0 ? stallMs / 1000 : Infinity;
    this.idleTimeoutS = idleMs > 0 ? idleMs / 1000 : Infinity;
    this.captureCap = init.captureContentMaxBytes ?? 0;
    live.add(this, stallMs, idleMs);
    telemetry.started(this);
  }

  /** Epoch milliseconds of a monotonic reading of this stream (span start/end, event times). */
  epochMillis(monotonicSeconds: number): number {
    return this.epochAnchorMs + monotonicSeconds * 1000;
  }

  get isLive(): boolean {
    return this.state === LIVE;
  }

  /** Another layer counts this stream: record no metrics, and take back the `active` count. */
  stopRecordingMetrics(): void {
    if (!this.recordMetrics || this.state !== LIVE) return;
    guarded('telemetry.retract', () => this.telemetry.retracted(this));
    this.recordMetrics = false;
  }

  /** Response headers arrived (2nd step of a request). */
  markHeaders(): void {
    if (this.headersAt < 0) this.headersAt = now();
  }

  /** Adds a low-cardinality attribute known only after the start (status code, response model). */
  setMetricAttribute(key: string, value: string | number | boolean): void {
    this.metricAttributes[key] = value;
  }

  /** Hot path: one chunk (an SSE event, an NDJSON line, an SDK item or a raw body chunk) arrived. */
  onChunk(): void {
    if (this.state !== LIVE) return;
    const t = now();
    if (this.chunkCount === 0) {
      this.firstChunkAt = t;
    } else {
      const gap = t - this.lastChunkAt;
      this.gaps.record(gap);
      if (this.stalling) this.endStall(gap);
      else if (gap > this.stallThresholdS) this.beginStall(gap, false);
    }
    this.chunkCount++;
    this.lastChunkAt = t;
  }

  /** Hot path: body bytes arrived (or, server side, were written). */
  addBytes(n: number): void {
    this.bytes += n;
  }

  /** Whether the protocol's terminal marker was seen. */
  get terminalSeen(): boolean {
    return this.terminal;
  }

  /** Events the wire reader could not frame or parse. */
  get malformedCount(): number {
    return this.malformed;
  }

  /** The protocol's terminal marker was seen. */
  markTerminal(): void {
    this.terminal = true;
  }

  /**
   * A terminal seen earlier was not the stream's last word after all (another model turn follows,
   * @google/genai automatic function calling): the stream must show its terminal again.
   */
  rearmTerminal(): void {
    this.terminal = false;
    this.facts.finishReasons = undefined;
  }

  /** The wire reader counted `n` malformed events (at the end of the body). */
  addMalformed(n: number): void {
    this.malformed += n;
  }

  /**
   * The SDK reported, as an error, that the body ended cleanly before its terminal (ollama's
   * "no done", Bedrock's partial frame, genai's incomplete JSON): a clean close, for the outcome
   * decision (`truncated` unless the terminal was seen), with `reason` for the event.
   */
  endCleanClose(reason: string, error?: unknown): void {
    if (this.state !== LIVE) return;
    this.reason = reason;
    this.end('eof', error);
  }

  /**
   * This transport stream carries `leader`'s stream (an SDK stream over fetch): it records no
   * metrics, stops parsing (its wire reader only counts bytes), and ends when and as the leader ends,
   * whatever it saw itself (DESIGN.md, "Layers and traces": one stream, one truth). Not for the hot path.
   */
  follow(leader: { whenEnded(fn: (outcome: Outcome) => void): void }): void {
    if (this.state !== LIVE || this.leader !== undefined) return;
    this.stopRecordingMetrics();
    this.leader = leader;
    leader.whenEnded((outcome) => this.finish(outcome));
  }

  /** Whether an upper layer's stream owns this one's outcome ({@link follow}). */
  get isClaimed(): boolean {
    return this.leader !== undefined;
  }

  /** This SDK-level stream reads its items from `transport`'s body: the span reports its bytes. */
  adoptTransport(transport: { readonly bytes: number }): void {
    this.transport = transport;
  }

  /**
   * Body bytes of this stream: its own count, or for an SDK stream the count of the transport it
   * claimed; undefined for an SDK stream with no visible transport (HTTP/2, a custom fetch).
   */
  get bodyBytes(): number | undefined {
    // A transport read through a path that is not counted (tee, pipeTo) says nothing, not 0.
    if (this.transport !== undefined) return this.transport.bytes > 0 || this.chunkCount === 0 ? this.transport.bytes : undefined;
    return this.protocol === 'objects' && this.bytes === 0 ? undefined : this.bytes;
  }

  /** An error arrived inside the stream (provider error event). */
  markError(errorType?: string): void {
    this.errorSeen = true;
    if (errorType !== undefined && this.facts.errorType === undefined) this.facts.errorType = errorType;
  }

  /** Generated text received (LLM streams): counted always, kept only when content capture is on. */
  addOutputText(text: string): void {
    this.outputChars += text.length;
    if (this.captureCap === 0) return;
    (this.capture ??= new CapturedText(this.captureCap)).add(text);
  }

  /**
   * The client of the server request this stream feeds went away at `disconnectedAt` while this
   * stream was live (or before it started): what it produces from now on reaches nobody.
   */
  markOrphaned(disconnectedAt: number, serverSpan: SpanContext | undefined): void {
    if (this.state !== LIVE || this.orphanedAt >= 0) return;
    this.orphanedAt = disconnectedAt;
    this.orphanedAtChunks = this.chunkCount;
    this.orphanedAtChars = this.outputChars;
    this.orphanedAtTokens = this.facts.outputTokens ?? 0;
    guarded('telemetry.orphaned', () => this.telemetry.orphaned(this, serverSpan));
  }

  /** This stream retries `failed` (same parent, operation and model): attempt `failed.attempt + 1`. */
  markRetry(failed: FailedAttempt): void {
    this.retries = failed;
    this.attempt = failed.attempt + 1;
    guarded('telemetry.retried', () => this.telemetry.retried(this));
  }

  /** Ends the stream, deciding the outcome from how it ended and what was seen. Idempotent. */
  end(ending: Ending, error?: unknown): void {
    // A followed stream ends with its leader (follow()), never on its own terms.
    if (this.state !== LIVE || this.leader !== undefined) return;
    this.finish(decideOutcome(ending, this, error), error);
  }

  /** The one finalizer: every exit path comes here; the first call wins, later calls do nothing. */
  finish(outcome: Outcome, error?: unknown): void {
    if (this.state !== LIVE) return;
    this.state = DONE;
    this.endedAt = now();
    this.outcome = outcome;
    const { live } = processState();
    live.delete(this);
    live.forgetAbandonment(this);
    if (this.stalling) {
      const last = this.stalls[this.stalls.length - 1];
      if (last !== undefined && last.ongoing) last.gap = this.endedAt - this.lastChunkAt;
    }
    guarded('telemetry.finish', () => this.telemetry.finished(this, outcome, error));
    const listeners = this.endListeners;
    this.endListeners = undefined;
    if (listeners !== undefined) for (const fn of listeners) guarded('tracker.endListener', () => fn(outcome));
  }

  /**
   * An abort of `signal` ends this stream as `aborted` (then runs `alsoOnAbort`), also while nobody
   * reads: the app may abort and never read again. An already aborted signal ends it now (a listener
   * added to it would never fire). The listener is removed when the stream ends, so a long-lived
   * signal shared by many calls does not collect listeners.
   */
  endOnAbort(signal: AbortSignal, alsoOnAbort?: () => void): void {
    if (signal.aborted) {
      this.end('abort');
      return;
    }
    if (this.state !== LIVE) return;
    const onAbort = (): void => {
      this.end('abort');
      if (alsoOnAbort !== undefined) guarded('tracker.onAbort', alsoOnAbort);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.whenEnded(() => signal.removeEventListener('abort', onAbort));
  }

  /** Calls `fn(outcome)` once when this stream ends (at once if it already has). Not for the hot path. */
  whenEnded(fn: (outcome: Outcome) => void): void {
    if (this.outcome !== undefined) {
      const outcome = this.outcome;
      guarded('tracker.endListener', () => fn(outcome));
      return;
    }
    (this.endListeners ??= []).push(fn);
  }

  /** Watchdog tick: detects a stall in progress and the opt-in idle timeout. */
  checkIdle(t: number): void {
    if (this.state !== LIVE) return;
    const since = t - (this.lastChunkAt >= 0 ? this.lastChunkAt : this.headersAt >= 0 ? this.headersAt : this.startTime);
    if (since > this.idleTimeoutS) {
      this.reason = 'idle_timeout';
      this.end('timeout');
      return;
    }
    if (this.chunkCount > 0 && !this.stalling && since > this.stallThresholdS) this.beginStall(since, true);
  }

  private beginStall(gapSoFar: number, ongoing: boolean): void {
    this.stallCount++;
    this.stalling = ongoing;
    if (this.stalls.length < MAX_STALL_EVENTS) {
      this.stalls.push({ startedAt: this.lastChunkAt, gap: gapSoFar, chunkIndex: this.chunkCount - 1, ongoing });
    }
    guarded('telemetry.stall', () => this.telemetry.stalled(this));
  }

  private endStall(gap: number): void {
    this.stalling = false;
    const last = this.stalls[this.stalls.length - 1];
    if (last !== undefined && last.ongoing) {
      last.gap = gap;
      last.ongoing = false;
    }
  }
}
