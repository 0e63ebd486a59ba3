import type { GapAggregates } from './gap-aggregates';
import { LiveStreams } from './live-streams';

/**
 * Process-wide state under a Symbol.for key, so a process has exactly one midstream even when
 * `--require`, `--import` and the app's own import load separate copies (STYLE.md anchor 13).
 */
export interface ProcessState {
  readonly live: LiveStreams;
  /** Set by startMidstream(): a second start is refused with one diagnostic. */
  started: boolean;
  /** Patched objects, so two copies of an instrumentation never patch the same target twice. */
  readonly patched: WeakSet<object>;
  /**
   * Set once a metric producer exists (`midstreamMetricProducer()`): the per-chunk gap histograms are
   * then merged here once per stream instead of recorded through the meter chunk by chunk.
   */
  gapAggregates?: GapAggregates;
}

const STATE_KEY = Symbol.for('midstream.state.v1');

export function processState(): ProcessState {
  const g = globalThis as unknown as Record<symbol, ProcessState | undefined>;
  let state = g[STATE_KEY];
  if (state === undefined) {
    state = { live: new LiveStreams(), started: false, patched: new WeakSet() };
    Object.defineProperty(globalThis, STATE_KEY, { value: state, enumerable: false, configurable: true, writable: false });
  }
  return state;
}
