import { GAP_BUCKETS_S } from '../semconv';

const BUCKETS = GAP_BUCKETS_S.length + 1;
/** Shared by every histogram that has recorded nothing yet (never written: {@link GapHistogram.slot} copies first). */
const EMPTY = new Float64Array(2 * BUCKETS);

/**
 * Inter-chunk gaps in fixed buckets: O(1) memory per stream whatever its length. Keeps the sum per
 * bucket too, so the metric replay at the end of the stream reproduces exact bucket counts and sum.
 * Counts and sums share one array, allocated at the first gap: a stream that never has two chunks
 * (a transport stream an SDK stream claimed counts bytes only) holds none (measured: two typed
 * arrays cost ~0.4 KiB per live stream).
 */
export class GapHistogram {
  static readonly boundaries: readonly number[] = GAP_BUCKETS_S;
  /** Number of buckets (boundaries + 1). */
  static readonly size = BUCKETS;
  /** `[count of bucket 0..n, sum of bucket 0..n]`. */
  private data = EMPTY;
  min = Infinity;
  max = 0;
  total = 0;

  record(gapSeconds: number): void {
    const bounds = GAP_BUCKETS_S;
    let i = 0;
    while (i < bounds.length && gapSeconds > (bounds[i] as number)) i++;
    const data = this.data !== EMPTY ? this.data : this.slot();
    data[i] = (data[i] as number) + 1;
    data[BUCKETS + i] = (data[BUCKETS + i] as number) + gapSeconds;
    if (gapSeconds > this.max) this.max = gapSeconds;
    if (gapSeconds < this.min) this.min = gapSeconds;
    this.total++;
  }

  /** Gaps in bucket `i`. */
  count(i: number): number {
    return this.data[i] ?? 0;
  }

  /** Sum of the gaps in bucket `i`, seconds. */
  sum(i: number): number {
    return this.data[BUCKETS + i] ?? 0;
  }

  /** Bucket counts, for the span attribute. */
  counts(): number[] {
    return Array.from(this.data.subarray(0, BUCKETS));
  }

  /** Sets bucket `i` (a journal's recovered stream). */
  setBucket(i: number, count: number, sum: number): void {
    if (i < 0 || i >= BUCKETS) return;
    const data = this.data !== EMPTY ? this.data : this.slot();
    data[i] = count;
    data[BUCKETS + i] = sum;
  }

  /** Calls `fn(meanGapOfBucket, count)` for every non-empty bucket. */
  forEachBucket(fn: (meanSeconds: number, count: number) => void): void {
    const data = this.data;
    for (let i = 0; i < BUCKETS; i++) {
      const c = data[i] as number;
      if (c > 0) fn((data[BUCKETS + i] as number) / c, c);
    }
  }

  private slot(): Float64Array {
    this.data = new Float64Array(2 * BUCKETS);
    return this.data;
  }
}
