// The metric producer path must export exactly what the SDK path records for the per-chunk
// histograms (same names, attributes, bucket counts, count, sum, min, max), without one SDK record
// per chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { StreamTelemetry } from '../../../dist/core/stream-telemetry.js';
import { testTracker } from '../../support/tracker.mjs';
import { GapAggregates, GAP_AGGREGATE_CARDINALITY_LIMIT } from '../../../dist/core/gap-aggregates.js';
import { GapHistogram } from '../../../dist/core/gap-histogram.js';
import { processState } from '../../../dist/core/process-state.js';
import { midstreamMetricProducer } from '../../../dist/index.js';

const GAPS = [0.0004, 0.002, 0.002, 0.03, 0.03, 0.031, 0.4, 3, 45];
const ATTRS = { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm1' };

function meter(producers = []) {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
    metricProducers: producers,
  });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    telemetry: new StreamTelemetry(provider.getMeter('test')),
    async points(name) {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((sm) =>
        sm.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints),
      );
    },
    shutdown: () => provider.shutdown(),
  };
}

function stream(telemetry, gaps, attrs = ATTRS) {
  const t = testTracker({ requiresTerminal: false, metricAttributes: attrs, genAi: true }, telemetry);
  t.onChunk();
  for (const g of gaps) t.gaps.record(g);
  t.end('eof');
  return t;
}

test.afterEach(() => {
  delete processState().gapAggregates;
});

test('the producer exports the same per-chunk histograms as the SDK path, once per stream', async (t) => {
  const sdk = meter();
  t.after(() => sdk.shutdown());
  stream(sdk.telemetry, GAPS);

  const producer = midstreamMetricProducer();
  const viaProducer = meter([producer]);
  t.after(() => viaProducer.shutdown());
  stream(viaProducer.telemetry, GAPS);

  for (const name of ['midstream.stream.chunk_gap', 'gen_ai.client.operation.time_per_output_chunk']) {
    const [a, ...restA] = await sdk.points(name);
    const [b, ...restB] = await viaProducer.points(name);
    assert.equal(restA.length, 0, `${name}: one SDK series`);
    assert.equal(restB.length, 0, `${name}: one producer series, the meter path recorded nothing`);
    assert.deepEqual(b.attributes, a.attributes, name);
    assert.deepEqual(b.value.buckets, a.value.buckets, name);
    assert.equal(b.value.count, GAPS.length);
    assert.equal(b.value.count, a.value.count);
    assert.ok(Math.abs(b.value.sum - a.value.sum) < 1e-9, `${name}: sum ${b.value.sum} vs ${a.value.sum}`);
    assert.equal(b.value.max, 45);
    assert.equal(b.value.min, 0.0004);
  }
});

test('streams with the same attributes merge into one cumulative series, others stay apart', async (t) => {
  const m = meter([midstreamMetricProducer()]);
  t.after(() => m.shutdown());
  stream(m.telemetry, [0.01, 0.02]);
  stream(m.telemetry, [0.5]);
  stream(m.telemetry, [0.01], { ...ATTRS, 'gen_ai.request.model': 'm2' });
  const points = await m.points('midstream.stream.chunk_gap');
  const byModel = Object.fromEntries(points.map((p) => [p.attributes['gen_ai.request.model'], p.value]));
  assert.equal(points.length, 2);
  assert.equal(byModel.m1.count, 3);
  assert.equal(byModel.m2.count, 1);
  // Collecting again does not reset a cumulative series.
  const again = await m.points('midstream.stream.chunk_gap');
  assert.equal(again.find((p) => p.attributes['gen_ai.request.model'] === 'm1').value.count, 3);
});

test('a stream without gaps adds no series', async (t) => {
  const m = meter([midstreamMetricProducer()]);
  t.after(() => m.shutdown());
  stream(m.telemetry, []);
  assert.equal((await m.points('midstream.stream.chunk_gap')).length, 0);
});

test('attribute sets beyond the cardinality limit fold into one overflow series', () => {
  const aggregates = new GapAggregates();
  const h = new GapHistogram();
  h.record(0.01);
  for (let i = 0; i < GAP_AGGREGATE_CARDINALITY_LIMIT + 10; i++) aggregates.merge('x', { id: i }, h, 0);
  const series = [...aggregates.series('x')];
  assert.equal(series.length, GAP_AGGREGATE_CARDINALITY_LIMIT);
  const overflow = series.find((s) => s.attributes['otel.metric.overflow'] === true);
  assert.equal(overflow.count, 11);
});

test('the key does not depend on attribute order', () => {
  const aggregates = new GapAggregates();
  const h = new GapHistogram();
  h.record(0.01);
  aggregates.merge('x', { a: 1, b: 'two' }, h, 0);
  aggregates.merge('x', { b: 'two', a: 1 }, h, 0);
  assert.equal([...aggregates.series('x')].length, 1);
});
