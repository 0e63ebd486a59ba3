import type { Attributes } from '@opentelemetry/api';
import { GapHistogram } from './gap-histogram';

/** Attribute sets kept per metric before new ones fold into one overflow series (like the OTel SDK). */
export const GAP_AGGREGATE_CARDINALITY_LIMIT = 2000;
const OVERFLOW_KEY = '\u0000overflow';
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** The cumulative gap histogram of one attribute set. */
export interface GapAggregate {
  readonly attributes: Attributes;
  readonly counts: Float64Array;
  sum: number;
  count: number;
  min: number;
  max: number;
  /** Epoch milliseconds of the first merge (the cumulative start time). */
  readonly startTime: number;
}

/**
 * Cumulative inter-chunk gap histograms per metric name and attribute set, merged once per stream
 * from the stream's fixed-bucket {@link GapHistogram}: O(buckets) per stream, one attribute key
 * per stream, nothing per chunk. Read by the MetricProducer (`midstreamMetricProducer()`), which
 * exports them in place of one SDK histogram record per chunk.
 */
export class GapAggregates {
  private readonly byMetric = new Map<string, Map<string, GapAggregate>>();

  merge(metric: string, attributes: Attributes, gaps: GapHistogram, nowMs: number): void {
    if (gaps.total === 0) return;
    let series = this.byMetric.get(metric);
    if (series === undefined) {
      series = new Map();
      this.byMetric.set(metric, series);
    }
    let key = attributeKey(attributes);
    let agg = series.get(key);
    if (agg === undefined) {
      if (series.size >= GAP_AGGREGATE_CARDINALITY_LIMIT - 1) {
        key = OVERFLOW_KEY;
        agg = series.get(key);
      }
      if (agg === undefined) {
        agg = {
          attributes: key === OVERFLOW_KEY ? OVERFLOW_ATTRIBUTES : { ...attributes },
          counts: new Float64Array(GapHistogram.boundaries.length + 1),
          sum: 0,
          count: 0,
          min: Infinity,
          max: -Infinity,
          startTime: nowMs,
        };
        series.set(key, agg);
      }
    }
    for (let i = 0; i < GapHistogram.size; i++) {
      agg.counts[i] = (agg.counts[i] as number) + gaps.count(i);
      agg.sum += gaps.sum(i);
    }
    agg.count += gaps.total;
    if (gaps.min < agg.min) agg.min = gaps.min;
    if (gaps.max > agg.max) agg.max = gaps.max;
  }

  /** Every series of `metric` (live objects: read them synchronously). */
  series(metric: string): Iterable<GapAggregate> {
    return this.byMetric.get(metric)?.values() ?? [];
  }

  metrics(): Iterable<string> {
    return this.byMetric.keys();
  }
}

/** A stable key for an attribute set, independent of key order. */
function attributeKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const k of keys) out += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return out;
}
