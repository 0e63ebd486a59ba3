import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { GapAggregates } from '../core/gap-aggregates';
import { GapHistogram } from '../core/gap-histogram';
import { processState } from '../core/process-state';
import * as sc from '../semconv';
import { PACKAGE_NAME, VERSION } from '../version';

const DESCRIPTIONS: Record<string, string> = {
  [sc.METRIC_MIDSTREAM_STREAM_CHUNK_GAP]: 'Gap between consecutive chunks of a stream',
  [sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK]: 'Time between consecutive response chunks of a GenAI stream',
};

/**
 * Exports midstream's per-chunk histograms (`midstream.stream.chunk_gap` and
 * `gen_ai.client.operation.time_per_output_chunk`) pre-aggregated: each stream merges its
 * fixed-bucket gap histogram once when it ends, instead of one SDK `record()` per chunk (the SDK
 * hashes the attribute set on every record: ~1.5 µs each). Same names, attributes, bucket counts,
 * count, sum, min and max as the SDK path; cumulative temporality.
 *
 * Attach it to every metric reader that should receive these two metrics; once it exists, midstream
 * stops recording them through the meter. `startMidstream()` (the register entry) attaches it itself.
 *
 * @example
 * ```ts
 * new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), metricProducers: [midstreamMetricProducer()] })
 * ```
 */
export function midstreamMetricProducer(): MetricProducer {
  const state = processState();
  if (state.gapAggregates === undefined) state.gapAggregates = new GapAggregates();
  return new GapMetricProducer(state.gapAggregates);
}

class GapMetricProducer implements MetricProducer {
  constructor(private readonly aggregates: GapAggregates) {}

  collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const metrics: MetricData[] = [];
    for (const name of this.aggregates.metrics()) {
      const dataPoints: DataPoint<Histogram>[] = [];
      for (const agg of this.aggregates.series(name)) {
        dataPoints.push({
          attributes: agg.attributes,
          startTime: millisToHrTime(agg.startTime),
          endTime,
          value: {
            buckets: { boundaries: [...GapHistogram.boundaries], counts: Array.from(agg.counts) },
            sum: agg.sum,
            count: agg.count,
            min: agg.min,
            max: agg.max,
          },
        });
      }
      if (dataPoints.length === 0) continue;
      metrics.push({
        descriptor: { name, description: DESCRIPTIONS[name] ?? '', unit: 's', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      });
    }
    return Promise.resolve({
      resourceMetrics: {
        // The reader keeps the SDK's resource and only takes the scope metrics of a producer.
        resource: emptyResource(),
        scopeMetrics: metrics.length > 0 ? [{ scope: { name: PACKAGE_NAME, version: VERSION }, metrics }] : [],
      },
      errors: [],
    });
  }
}
