import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GapHistogram } from '../../../dist/core/gap-histogram.js';

test('puts each gap in the first bucket whose bound it does not exceed', () => {
  const h = new GapHistogram();
  h.record(0.001); // exactly the first bound
  h.record(0.0011);
  h.record(100); // beyond the last bound: +Inf bucket
  assert.equal(h.count(0), 1);
  assert.equal(h.count(1), 1);
  assert.equal(h.count(GapHistogram.size - 1), 1);
  assert.deepEqual(
    h.counts(),
    Array.from({ length: GapHistogram.size }, (_, i) => (i === 0 || i === 1 || i === GapHistogram.size - 1 ? 1 : 0)),
  );
  assert.equal(h.total, 3);
  assert.equal(h.max, 100);
});

test('bucket means replay the exact count and sum', () => {
  const h = new GapHistogram();
  const gaps = [0.002, 0.003, 0.02, 0.021, 0.4, 7, 7.5];
  for (const g of gaps) h.record(g);
  let count = 0;
  let sum = 0;
  h.forEachBucket((mean, c) => {
    count += c;
    sum += mean * c;
  });
  assert.equal(count, gaps.length);
  assert.ok(Math.abs(sum - gaps.reduce((a, b) => a + b, 0)) < 1e-9);
});

test('memory is fixed whatever the number of gaps', () => {
  const h = new GapHistogram();
  const before = h.counts().length;
  for (let i = 0; i < 100_000; i++) h.record((i % 1000) / 1000);
  assert.equal(h.counts().length, before);
  assert.equal(h.total, 100_000);
});

test('histograms that recorded nothing share one empty slot and never write to it', () => {
  const a = new GapHistogram();
  const b = new GapHistogram();
  a.record(0.5);
  b.setBucket(2, 3, 0.03);
  const fresh = new GapHistogram();
  assert.deepEqual(fresh.counts(), new Array(GapHistogram.size).fill(0));
  assert.equal(a.count(2), 0);
  assert.equal(b.count(2), 3);
  assert.equal(b.sum(2), 0.03);
  let buckets = 0;
  fresh.forEachBucket(() => buckets++);
  assert.equal(buckets, 0);
});
