import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bitmap, newAllocationMap, randomBelow } from '../../lib/ipam/allocationmap.js';
import { Random } from '../../lib/sim/random.js';

/** First free offset scanning from..hi then lo..from-1, the slow way. */
function naiveFind(used: Set<number>, lo: number, hi: number, from: number): number | undefined {
  for (let i = from; i <= hi; i++) if (!used.has(i)) return i;
  for (let i = lo; i < from; i++) if (!used.has(i)) return i;
  return undefined;
}

describe('ipam/allocationmap', () => {
  it('bitmap and sparse maps agree with a naive scan (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 300 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (size, ops, a, b, c) => {
          const dense = newAllocationMap(BigInt(size));
          const sparse = newAllocationMap(2n ** 40n); // same offsets, sparse representation
          const used = new Set<number>();
          for (const [set, n] of ops) {
            const o = n % size;
            const want = set ? !used.has(o) : used.has(o);
            if (set) used.add(o);
            else used.delete(o);
            assert.equal(set ? dense.set(BigInt(o)) : dense.clear(BigInt(o)), want);
            assert.equal(set ? sparse.set(BigInt(o)) : sparse.clear(BigInt(o)), want);
          }
          const lo = a % size;
          const hi = lo + (b % (size - lo));
          const from = lo + (c % (hi - lo + 1));
          const expect = naiveFind(used, lo, hi, from);
          const toNum = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));
          assert.equal(toNum(dense.findClear(BigInt(lo), BigInt(hi), BigInt(from))), expect);
          assert.equal(toNum(sparse.findClear(BigInt(lo), BigInt(hi), BigInt(from))), expect);
          assert.equal(dense.count(), BigInt(used.size));
          assert.deepEqual(dense.offsets(), [...used].sort((x, y) => x - y).map(BigInt));
          assert.deepEqual(sparse.offsets(), dense.offsets());
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('a /12 worth of bits is one 128 KiB word array, scanned a word at a time', () => {
    const bits = new Bitmap(1 << 20);
    for (let i = 0; i < (1 << 20) - 1; i++) bits.set(i);
    assert.equal(bits.count, (1 << 20) - 1);
    assert.equal(bits.findClear(0, (1 << 20) - 1, 12345), (1 << 20) - 1);
    assert.equal(bits.firstClear(0, (1 << 20) - 2), -1);
  });

  it('randomBelow stays in range, also beyond 2^31 (bigint draws)', () => {
    const r = new Random(3);
    for (const n of [1n, 7n, 2n ** 31n, 2n ** 31n + 1n, 2n ** 64n - 1n]) {
      for (let i = 0; i < 50; i++) {
        const v = randomBelow(r, n);
        assert.ok(v >= 0n && v < n, `${v} < ${n}`);
      }
    }
    assert.throws(() => randomBelow(r, 0n), RangeError);
  });
});
