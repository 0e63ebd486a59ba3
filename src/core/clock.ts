/** Monotonic clock in seconds (OTel durations are seconds). One read per chunk on the hot path. */
export function now(): number {
  return performance.now() / 1000;
}

/** Converts a {@link now} reading to epoch milliseconds, for span event timestamps. */
export function toEpochMillis(monotonicSeconds: number): number {
  return performance.timeOrigin + monotonicSeconds * 1000;
}
