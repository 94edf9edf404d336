import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntMap, IntPairMap } from '../../../netns/netfilter/intmap.js';

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe('netns/netfilter intmap', () => {
  it('IntMap answers as a Map would (last write wins, -1 when absent)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int32, fc.nat()), { maxLength: 300 }), fc.array(int32, { maxLength: 50 }), (writes, probes) => {
        const m = new IntMap();
        const ref = new Map<number, number>();
        for (const [k, v] of writes) {
          m.set(k, v);
          ref.set(k, v);
        }
        assert.equal(m.size, ref.size);
        for (const k of [...ref.keys(), ...probes]) assert.equal(m.get(k), ref.get(k) ?? -1);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
  it('IntPairMap answers as a Map of pairs would', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int32, fc.integer({ min: 0, max: 300 }), fc.nat()), { maxLength: 300 }), (writes) => {
        const m = new IntPairMap();
        const ref = new Map<string, number>();
        for (const [a, b, v] of writes) {
          m.set(a, b, v);
          ref.set(`${a},${b}`, v);
        }
        assert.equal(m.size, ref.size);
        for (const [a, b] of writes) {
          assert.equal(m.get(a, b), ref.get(`${a},${b}`));
          assert.equal(m.get(a, b + 301), -1);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
