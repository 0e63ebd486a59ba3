import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { guarded } from '../core/guard';
import { processState } from '../core/process-state';
import { DEFAULT_EXIT_TIMEOUT_MS } from './exit-bound';
import type { SyncSpanSender } from './sync-span-sender';

interface ExitExportState {
  /** How live streams' spans reach the backend synchronously; undefined: they cannot. */
  sender: SyncSpanSender | undefined;
  timeoutMs: number;
}

const KEY = Symbol.for('midstream.exit-export.v1');

function state(): ExitExportState {
  const g = globalThis as unknown as Record<symbol, ExitExportState | undefined>;
  let s = g[KEY];
  if (s === undefined) {
    s = { sender: undefined, timeoutMs: DEFAULT_EXIT_TIMEOUT_MS };
    Object.defineProperty(globalThis, KEY, { value: s, enumerable: false, configurable: true, writable: false });
  }
  return s;
}

/**
 * Sets how {@link exportLiveSync} delivers spans (`midstream-otel/register` does, for the pipeline it
 * creates): a synchronous sender, or `() => true` when the pipeline already writes synchronously
 * (console) or has nowhere to write (`none`).
 */
export function setSyncSpanSender(sender: SyncSpanSender | undefined, timeoutMs: number): void {
  const s = state();
  s.sender = sender;
  s.timeoutMs = timeoutMs;
}

interface TrackedSpan {
  readonly ownsSpan?: boolean;
  readonly span?: unknown;
}

function endedSampledSpan(stream: TrackedSpan): ReadableSpan | undefined {
  if (stream.ownsSpan !== true) return undefined;
  const span = stream.span as Partial<ReadableSpan> | undefined;
  if (span === undefined || span.ended !== true || typeof span.spanContext !== 'function') return undefined;
  return (span.spanContext().traceFlags & 1) === 1 ? (span as ReadableSpan) : undefined;
}

/**
 * Synchronously ends every live stream as `interrupted` with `midstream.reason` = `reason`, and
 * delivers their spans within the exit bound (no metrics on this path). For the 'exit' event, where
 * nothing asynchronous runs. Returns true when the spans were delivered (or there was nothing to
 * deliver), false when they could not be: no synchronous sender for this pipeline (the app's own
 * TracerProvider), or the receiver failed or did not answer within the bound.
 */
export function exportLiveSync(reason: string): boolean {
  const { live } = processState();
  if (live.size === 0) return true;
  const streams = live.snapshot() as TrackedSpan[];
  live.endAll('shutdown', reason);
  const { sender, timeoutMs } = state();
  if (sender === undefined) return false;
  const spans: ReadableSpan[] = [];
  for (const stream of streams) {
    const span = endedSampledSpan(stream);
    if (span !== undefined) spans.push(span);
  }
  if (spans.length === 0) return true;
  return guarded('exit-export.send', () => sender(spans, timeoutMs)) ?? false;
}
