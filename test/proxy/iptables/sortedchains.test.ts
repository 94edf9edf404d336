import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedChains } from '../../../proxy/iptables/sortedchains.js';

const base32 = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
// Hashed names with short shared prefixes (to force ties on the numeric key), plus others.
const hashed = fc
  .tuple(fc.constantFrom('KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-', 'KUBE-SVC-', 'KUBE-SVL-'), fc.constantFrom('AAAAAA', 'A2B3C4', '777777', ''), fc.array(base32, { minLength: 16, maxLength: 16 }))
  .map(([p, shared, cs]) => p + (shared + cs.join('')).slice(0, 16));
const names = fc.uniqueArray(fc.oneof({ weight: 9, arbitrary: hashed }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), { maxLength: 300 });

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const list = (s: SortedChains) => [...s].map((c) => c.name);

describe('proxy/iptables/sortedchains', () => {
  it('builds in byte-wise name order (property)', () => {
    fc.assert(
      fc.property(names, (ns) => {
        const s = SortedChains.from(ns.map((name) => ({ name, rules: '' })));
        assert.deepEqual(list(s), [...ns].sort(byName));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('stays sorted through inserts and removes (property)', () => {
    fc.assert(
      fc.property(names, names, (a, b) => {
        const s = SortedChains.from(a.map((name) => ({ name, rules: '' })));
        const want = new Set(a);
        for (const n of b) {
          if (want.has(n)) {
            assert.equal(s.remove(n), true);
            want.delete(n);
          } else {
            s.insert({ name: n, rules: '' });
            want.add(n);
          }
        }
        assert.equal(s.remove('\u0000not-there'), false);
        assert.deepEqual(list(s), [...want].sort(byName));
        assert.equal(s.size, want.size);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('splits and drops chunks as it grows and shrinks', () => {
    const s = new SortedChains();
    const all: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = `KUBE-SEP-${((i * 7919) % 3001).toString(32).toUpperCase().padStart(16, 'A')}`;
      s.insert({ name, rules: '' });
      all.push(name);
    }
    all.sort(byName);
    assert.deepEqual(list(s), all);
    assert.ok(s.chunks().length > 2);
    for (const n of all.slice(0, 2500)) s.remove(n);
    assert.deepEqual(list(s), all.slice(2500));
  });
});
