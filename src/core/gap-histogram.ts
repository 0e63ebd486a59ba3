import { GAP_BUCKETS_S } from '../semconv';

/**
 * Inter-chunk gaps in fixed buckets: O(1) memory per stream whatever its length. Keeps the sum per
 * bucket too, so the metric replay at the end of the stream reproduces exact bucket counts and sum.
 */
export class GapHistogram {
  static readonly boundaries: readonly number[] = GAP_BUCKETS_S;
  readonly counts = new Uint32Array(GAP_BUCKETS_S.length + 1);
  readonly sums = new Float64Array(GAP_BUCKETS_S.length + 1);
  min = Infinity;
  max = 0;
  total = 0;

  record(gapSeconds: number): void {
    const bounds = GAP_BUCKETS_S;
    let i = 0;
    while (i < bounds.length && gapSeconds > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sums[i] = (this.sums[i] as number) + gapSeconds;
    if (gapSeconds > this.max) this.max = gapSeconds;
    if (gapSeconds < this.min) this.min = gapSeconds;
    this.total++;
  }

  /** Calls `fn(meanGapOfBucket, count)` for every non-empty bucket. */
  forEachBucket(fn: (meanSeconds: number, count: number) => void): void {
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i] as number;
      if (c > 0) fn((this.sums[i] as number) / c, c);
    }
  }
}
