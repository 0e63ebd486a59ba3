import { createContextKey, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { now } from './clock';
import type { Outcome } from './outcome';

/**
 * What midstream knows about the parent of a client stream: the server request it runs in (orphaned
 * generation) and the failed streams of that parent (retries). Per parent, not per chunk.
 */

/** What a parent needs of a tracker (structural: core/stream-tracker imports this file). */
export interface ChildStream {
  readonly isLive: boolean;
  readonly recordMetrics: boolean;
  markOrphaned(disconnectedAt: number, serverSpan: SpanContext | undefined): void;
  whenEnded(fn: (outcome: Outcome) => void): void;
}

/** A failed stream a later stream of the same parent, operation and model retries. */
export interface FailedAttempt {
  readonly spanContext: SpanContext;
  /** 1 for a first try. */
  readonly attempt: number;
  readonly outputChars: number;
  readonly outputTokens: number | undefined;
}

/** Outcomes that make the next stream of the same operation and model a retry. */
export const RETRIED_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(['truncated', 'errored', 'timed_out', 'abandoned']);

/** Bound per parent: the last failed stream of at most this many (operation, model) pairs. */
const MAX_FAILED_PER_PARENT = 8;

/** The last failed stream per (operation, model) of one parent. */
export class AttemptLedger {
  private failed: Map<string, FailedAttempt> | undefined;

  /** The failed stream `key` retries, removed from the ledger (a retry is counted once). */
  take(key: string): FailedAttempt | undefined {
    const f = this.failed?.get(key);
    if (f !== undefined) this.failed?.delete(key);
    return f;
  }

  record(key: string, attempt: FailedAttempt): void {
    const map = (this.failed ??= new Map());
    map.delete(key);
    if (map.size >= MAX_FAILED_PER_PARENT) map.delete(map.keys().next().value as string);
    map.set(key, attempt);
  }

  clear(): void {
    this.failed = undefined;
  }
}

/**
 * One server request (http-server instrumentation, bound to the request's context at `'request'`):
 * the client streams started in it (its upstreams) and its failed streams.
 */
export class ServerRequestScope {
  private ledger: AttemptLedger | undefined;
  /** Monotonic seconds when the client went away, or -1. */
  disconnectedAt = -1;
  /** The server's own stream span, once the response turned out to be a stream (orphans link to it). */
  serverSpan: SpanContext | undefined;
  private upstreams: Set<ChildStream> | undefined;

  /** The request's failed streams (made on first use: most requests start no GenAI stream). */
  get attempts(): AttemptLedger {
    return (this.ledger ??= new AttemptLedger());
  }

  /** A client stream started in this request. One started after the client left is orphaned at once. */
  adopt(stream: ChildStream): void {
    if (this.disconnectedAt >= 0) {
      stream.markOrphaned(this.disconnectedAt, this.serverSpan);
      return;
    }
    const set = (this.upstreams ??= new Set());
    set.add(stream);
    stream.whenEnded(() => set.delete(stream));
  }

  /** The response ended before the client had it all: every live counted upstream is orphaned now. */
  clientLeft(): void {
    if (this.disconnectedAt >= 0) return;
    this.disconnectedAt = now();
    const set = this.upstreams;
    this.upstreams = undefined;
    if (set !== undefined)
      for (const s of set) if (s.isLive && s.recordMetrics) s.markOrphaned(this.disconnectedAt, this.serverSpan);
  }

  /** The response is over (finished or closed): retries of this request end with it. */
  ended(): void {
    this.ledger?.clear();
    if (this.disconnectedAt < 0) this.upstreams = undefined;
  }
}

const SCOPE_KEY = createContextKey('midstream.server-request');

/**
 * Scopes by the RPC metadata object of @opentelemetry/instrumentation-http's request context: that
 * instrumentation binds the request's listeners to its own context (without our key), and every
 * context derived from it carries the same metadata object.
 */
const scopesByRpc = new WeakMap<object, ServerRequestScope>();
/** Ledgers of parent spans outside a server request (dropped with the span, or once it ended). */
const ledgersBySpan = new WeakMap<object, AttemptLedger>();

export function withServerRequestScope(ctx: Context, scope: ServerRequestScope): Context {
  return ctx.setValue(SCOPE_KEY, scope);
}

/** Ties `scope` to instrumentation-http's request context, when `ctx` is one. */
export function linkScopeToRpc(ctx: Context, scope: ServerRequestScope): boolean {
  const rpc = getRPCMetadata(ctx);
  if (rpc === undefined) return false;
  if (!scopesByRpc.has(rpc)) scopesByRpc.set(rpc, scope);
  return true;
}

export function serverRequestScopeOf(ctx: Context): ServerRequestScope | undefined {
  const scope = ctx.getValue(SCOPE_KEY) as ServerRequestScope | undefined;
  if (scope !== undefined) return scope;
  const rpc = getRPCMetadata(ctx);
  return rpc !== undefined ? scopesByRpc.get(rpc) : undefined;
}

/**
 * The attempt ledger of a stream started in `ctx`: its server request's, else its parent span's
 * (a recording span: an ended span records nothing more, so its ledger is dropped).
 */
export function attemptLedgerOf(ctx: Context, scope: ServerRequestScope | undefined): AttemptLedger | undefined {
  if (scope !== undefined) return scope.attempts;
  const span = trace.getSpan(ctx);
  if (span === undefined) return undefined;
  if (!span.isRecording()) {
    ledgersBySpan.delete(span);
    return undefined;
  }
  let ledger = ledgersBySpan.get(span);
  if (ledger === undefined) {
    ledger = new AttemptLedger();
    ledgersBySpan.set(span, ledger);
  }
  return ledger;
}

/** The retry key of a GenAI stream: operation and requested model. */
export function attemptKeyOf(operation: unknown, model: unknown): string {
  const op = typeof operation === 'string' ? operation : '';
  return typeof model === 'string' ? `${op}\u0000${model}` : op;
}
