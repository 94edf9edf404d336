import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cdfPoints, percentile, sortedCopy, sortedCounts, summarize } from '../../lib/bench/stats.js';

describe('bench/stats', () => {
  const oneTo100 = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('nearest-rank percentiles: the smallest sample with at least p % at or below it', () => {
    assert.equal(percentile(oneTo100, 50), 50);
    assert.equal(percentile(oneTo100, 90), 90);
    assert.equal(percentile(oneTo100, 99), 99);
    assert.equal(percentile(oneTo100, 99.5), 100);
    assert.equal(percentile(oneTo100, 100), 100);
    assert.equal(percentile(oneTo100, 0), 1);
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // rank ceil(0.99 * 10) = 10: with 10 samples p99 is the maximum, not an interpolation.
    assert.equal(percentile(ten, 99), 10);
    assert.equal(percentile(ten, 50), 5);
    assert.equal(percentile(ten, 51), 6);
    assert.equal(percentile([], 50), 0);
  });

  it('sorts numerically, not as text', () => {
    assert.deepEqual([...sortedCopy([10, 9, 100, 1.5])], [1.5, 9, 10, 100]);
  });

  it('summarises to microseconds', () => {
    const s = summarize(sortedCopy([0.1234567, 0.2, 0.3, 5.0004]));
    assert.deepEqual(s, { count: 4, mean: 1.406, p50: 0.2, p90: 5, p99: 5, max: 5 });
    assert.deepEqual(summarize(new Float64Array(0)), { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('CDF points rise to 1 at the maximum and include the tail ranks', () => {
    const pts = cdfPoints(oneTo100, 10);
    assert.deepEqual(pts.map((p) => p.fraction), [0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1]);
    assert.deepEqual(pts.map((p) => p.latencyMs), [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99, 100]);
    assert.deepEqual(cdfPoints([]), []);
  });

  it('property: a percentile is a sample, monotone in p, with at least p % of samples at or below it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (xs, p, q) => {
        const sorted = sortedCopy(xs);
        const v = percentile(sorted, p);
        assert.ok(xs.includes(v));
        const atOrBelow = xs.filter((x) => x <= v).length;
        assert.ok(atOrBelow >= (p / 100) * xs.length - 1e-9);
        if (p <= q) assert.ok(v <= percentile(sorted, q));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('counts come out with sorted keys and without zeros', () => {
    assert.deepEqual(Object.entries(sortedCounts(new Map([['NXDOMAIN', 2], ['LOST', 0], ['NOERROR', 5]]))), [['NOERROR', 5], ['NXDOMAIN', 2]]);
  });
});
