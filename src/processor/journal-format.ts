import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { StreamProtocol } from '../core/stream-tracker';
import * as sc from '../semconv';

/** Bumped when the file shape changes; a journal of another version is skipped, not guessed at. */
export const JOURNAL_VERSION = 1;

/** One crash journal: the live streams of one process, rewritten on a cadence. */
export interface JournalFile {
  readonly version: number;
  /** Random per process: a journal's owner is identified by this, never by pid alone. */
  readonly instanceId: string;
  readonly pid: number;
  readonly hostname: string;
  /** Linux pid namespace (`/proc/self/ns/pid`): a pid means the same process only inside one namespace. */
  readonly pidNamespace?: string;
  readonly service: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /** The owner's write interval, ms: its heartbeat is late after 3 of them (plus a margin). */
  readonly intervalMs?: number;
  /** Epoch milliseconds of the last write (the file's mtime is refreshed when nothing else changed). */
  readonly heartbeatAt: number;
  /** Set by `writeNow(reason)` on a known exit path (`process_exit`); recovery uses `process_killed` otherwise. */
  readonly reason?: string;
  readonly streams: readonly JournalStream[];
}

/** What is needed to export a live stream's span later. Never content, URLs, headers or keys. */
export interface JournalStream {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly parentSpanId?: string;
  readonly parentRemote?: boolean;
  readonly name: string;
  readonly kind: number;
  readonly scope: { readonly name: string; readonly version?: string };
  /** The span's start, [epoch seconds, nanoseconds], exactly as the SDK recorded it. */
  readonly spanStart: HrTime;
  /** Epoch ms of the tracker's start (the request), for durations; equals spanStart for spans midstream starts. */
  readonly startedAt: number;
  readonly source: string;
  readonly protocol: StreamProtocol;
  readonly genAi: boolean;
  readonly recordMetrics: boolean;
  /** Allow-listed span attributes set at start. */
  readonly attributes: Attributes;
  /** Allow-listed metric attributes (labels of the metrics recorded at recovery). */
  readonly metricAttributes: Attributes;
  readonly progress: JournalProgress;
}

export interface JournalProgress {
  readonly chunks: number;
  readonly bytes: number;
  readonly terminalSeen: boolean;
  readonly outputChars: number;
  readonly stallCount: number;
  readonly malformedCount: number;
  /** Epoch ms; absent when not reached yet. */
  readonly headersAt?: number;
  readonly firstChunkAt?: number;
  readonly lastChunkAt?: number;
  /** Non-empty gap buckets: [bucket index, count, sum of gaps in seconds]. */
  readonly gaps: readonly (readonly [number, number, number])[];
  readonly gapMax: number;
  readonly responseModel?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/**
 * Attributes a journal may hold: low-cardinality facts about the request, never anything that can
 * carry a secret or content (`url.full` keeps query strings such as `?key=`; headers and bodies are
 * never span attributes). A user's own `trackStream` labels are not kept: they are the app's choice,
 * and the recovered span carries only what is known to be safe.
 */
export const JOURNAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
  sc.ATTR_GEN_AI_REQUEST_STREAM,
  sc.ATTR_SERVER_ADDRESS,
  sc.ATTR_SERVER_PORT,
  sc.ATTR_HTTP_REQUEST_METHOD,
  sc.ATTR_HTTP_RESPONSE_STATUS_CODE,
  sc.ATTR_HTTP_ROUTE,
]);

const MAX_STRING = 256;

function keep(value: AttributeValue | undefined): value is string | number | boolean {
  if (typeof value === 'string') return value.length <= MAX_STRING;
  return typeof value === 'number' || typeof value === 'boolean';
}

/** The allow-listed part of `attributes`. */
export function safeAttributes(attributes: Attributes | undefined): Attributes {
  const out: Attributes = {};
  if (attributes === undefined) return out;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (JOURNAL_ATTRIBUTES.has(key) && keep(value)) out[key] = value;
  }
  return out;
}

/** A tracker's monotonic seconds (core/clock) to epoch ms on its own anchor; undefined for "not yet" (-1). */
export function epochOf(t: { epochMillis(monotonicSeconds: number): number }, monotonicSeconds: number): number | undefined {
  return monotonicSeconds >= 0 ? Math.round(t.epochMillis(monotonicSeconds) * 1000) / 1000 : undefined;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function optNum(x: unknown): boolean {
  return x === undefined || isNum(x);
}

function isAttributes(x: unknown): x is Attributes {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  return Object.values(x as Record<string, unknown>).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
}

function isStream(x: unknown): x is JournalStream {
  if (x === null || typeof x !== 'object') return false;
  const s = x as Record<string, unknown>;
  const p = s.progress as Record<string, unknown> | undefined;
  const scope = s.scope as Record<string, unknown> | undefined;
  return (
    typeof s.traceId === 'string' &&
    HEX32.test(s.traceId) &&
    typeof s.spanId === 'string' &&
    HEX16.test(s.spanId) &&
    isNum(s.traceFlags) &&
    (s.parentSpanId === undefined || (typeof s.parentSpanId === 'string' && HEX16.test(s.parentSpanId))) &&
    typeof s.name === 'string' &&
    isNum(s.kind) &&
    typeof scope?.name === 'string' &&
    Array.isArray(s.spanStart) &&
    s.spanStart.length === 2 &&
    s.spanStart.every(isNum) &&
    isNum(s.startedAt) &&
    typeof s.source === 'string' &&
    typeof s.protocol === 'string' &&
    typeof s.genAi === 'boolean' &&
    typeof s.recordMetrics === 'boolean' &&
    isAttributes(s.attributes) &&
    isAttributes(s.metricAttributes) &&
    p !== undefined &&
    p !== null &&
    isNum(p.chunks) &&
    isNum(p.bytes) &&
    typeof p.terminalSeen === 'boolean' &&
    isNum(p.outputChars) &&
    isNum(p.stallCount) &&
    isNum(p.malformedCount) &&
    optNum(p.headersAt) &&
    optNum(p.firstChunkAt) &&
    optNum(p.lastChunkAt) &&
    isNum(p.gapMax) &&
    Array.isArray(p.gaps) &&
    p.gaps.every((g) => Array.isArray(g) && g.length === 3 && g.every(isNum))
  );
}

/** What a journal file's text turned out to be. */
export type ParsedJournal =
  | { readonly kind: 'journal'; readonly journal: JournalFile }
  | { readonly kind: 'foreign'; readonly why: string }
  | { readonly kind: 'corrupt'; readonly why: string };

/** Parses and checks a journal; a file that is not exactly ours is never guessed at. */
export function parseJournal(text: string, service: string): ParsedJournal {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', why: 'not valid JSON' };
  }
  if (data === null || typeof data !== 'object') return { kind: 'corrupt', why: 'not a JSON object' };
  const j = data as Record<string, unknown>;
  if (j.version !== JOURNAL_VERSION)
    return { kind: 'foreign', why: `version ${String(j.version)} (this midstream reads ${JOURNAL_VERSION})` };
  if (typeof j.service !== 'string') return { kind: 'corrupt', why: 'no service name' };
  if (j.service !== service) return { kind: 'foreign', why: `service "${j.service.slice(0, 64)}", not "${service}"` };
  const ok =
    typeof j.instanceId === 'string' &&
    isNum(j.pid) &&
    typeof j.hostname === 'string' &&
    (j.pidNamespace === undefined || typeof j.pidNamespace === 'string') &&
    isNum(j.startedAt) &&
    isNum(j.heartbeatAt) &&
    (j.intervalMs === undefined || (isNum(j.intervalMs) && j.intervalMs > 0)) &&
    (j.reason === undefined || (typeof j.reason === 'string' && /^[a-z_]{1,32}$/.test(j.reason))) &&
    Array.isArray(j.streams) &&
    j.streams.every(isStream);
  return ok ? { kind: 'journal', journal: data as JournalFile } : { kind: 'corrupt', why: 'unexpected shape' };
}
