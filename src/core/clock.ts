/** Monotonic clock in seconds (OTel durations are seconds). One read per chunk on the hot path. */
export function now(): number {
  return performance.now() / 1000;
}

/**
 * The wall-clock epoch, in milliseconds, of monotonic reading 0, taken now. A stream takes one anchor
 * at its start and converts every reading with it (span start and end, event times), so a span's
 * duration is exactly the tracker's, whatever its length. Span start and end from two clocks (the
 * SDK's `Date.now()` end, whole milliseconds, against a `timeOrigin` start) made a sub-millisecond
 * stream end before it started ("Inconsistent start and end time"). Per stream, not per process,
 * because the monotonic clock drifts from the wall clock over days (the SDK anchors each span too).
 */
export function epochAnchorMs(): number {
  return Date.now() - performance.now();
}
