import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseResolvConf } from '../../dns/resolvconf.js';
import { LookupStream, WeightedChoice, absoluteName, dueAt, lookupCount, withNdots } from '../../lib/bench/workload.js';
import { Random } from '../../lib/sim/random.js';

describe('bench/workload', () => {
  it('maps the unit interval onto weights by cumulative bounds', () => {
    const w = new WeightedChoice([5, 2, 1]);
    assert.equal(w.total, 8);
    assert.deepEqual([0, 4.999, 5, 6.999, 7, 7.999].map((u) => w.indexAt(u)), [0, 0, 1, 1, 2, 2]);
    assert.throws(() => new WeightedChoice([]), /no weights/);
    assert.throws(() => new WeightedChoice([1, 0]), /weight 1 must be a positive number/);
  });

  it('draws entries in proportion to their weights and clients uniformly', () => {
    const s = new LookupStream([5, 2, 2, 1], 3, new Random(1).child('bench/dns/lookups'));
    const entries = [0, 0, 0, 0];
    const clients = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const d = s.next();
      entries[d.entry]!++;
      clients[d.client]!++;
    }
    // Expected 5000/2000/2000/1000 and 3333 per client; 4 standard deviations is well inside ±250 / ±200.
    entries.forEach((n, i) => {
      assert.ok(Math.abs(n - [5000, 2000, 2000, 1000][i]!) < 250, `entry ${i}: ${n}`);
    });
    clients.forEach((n, i) => {
      assert.ok(Math.abs(n - 3333) < 200, `client ${i}: ${n}`);
    });
  });

  it('the same seed and stream name give the same lookups; another name, others', () => {
    const take = (name: string) => {
      const s = new LookupStream([3, 1], 2, new Random(7).child(name));
      return Array.from({ length: 50 }, () => s.next());
    };
    assert.deepEqual(take('bench/dns/lookups'), take('bench/dns/lookups'));
    assert.notDeepEqual(take('bench/dns/lookups'), take('bench/dns/warmup'));
  });

  it('property: every draw is a valid index and a zero-weight-free mix reaches every entry', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (weights, clients, seed) => {
        const s = new LookupStream(weights, clients, new Random(seed));
        const seen = new Set<number>();
        for (let i = 0; i < 2000; i++) {
          const d = s.next();
          assert.ok(d.entry >= 0 && d.entry < weights.length && d.client >= 0 && d.client < clients);
          seen.add(d.entry);
        }
        // Smallest share is 1/(8*20) = 1/160: missing one in 2000 draws has probability < 1e-5.
        assert.equal(seen.size, weights.length);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('paces lookups open-loop: count and due times from the rate', () => {
    assert.equal(lookupCount(5000, 10_000), 50_000);
    assert.equal(lookupCount(3, 500), 1);
    assert.equal(dueAt(0, 5000), 0);
    assert.equal(dueAt(5000, 5000), 1000);
    assert.equal(dueAt(1, 4), 250);
  });

  it('sets ndots as a dnsConfig option would, replacing the kubelet default and keeping other options', () => {
    const rc = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5 timeout:2\n');
    const two = withNdots(rc, 2);
    assert.deepEqual(two.options, [{ name: 'timeout', value: '2' }, { name: 'ndots', value: '2' }]);
    assert.deepEqual(two.searches, rc.searches);
    assert.deepEqual(rc.options, [{ name: 'ndots', value: '5' }, { name: 'timeout', value: '2' }]); // input untouched
    assert.equal(absoluteName('redis-master'), 'redis-master.');
    assert.equal(absoluteName('redis-master.'), 'redis-master.');
  });
});
