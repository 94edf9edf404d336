import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStatusError } from '../../lib/api/errors.js';
import { ipToUint32 } from '../../lib/ipam/cidr.js';
import { ServiceClusterIPAllocator, staticBandSize } from '../../lib/ipam/clusterip.js';
import { Random } from '../../lib/sim/random.js';

function errorOf(fn: () => unknown): { reason: string; message: string; field?: string; badValue?: unknown } {
  try {
    fn();
  } catch (e) {
    assert.ok(isStatusError(e));
    return { reason: e.reason, message: e.message, field: e.causes[0]?.field, badValue: e.causes[0]?.badValue };
  }
  assert.fail('no error');
}

describe('ipam/clusterip: ServiceClusterIPAllocator', () => {
  it('10.96.0.0/12: 1048574 addresses, kubernetes gets 10.96.0.1, a 256-address static band', () => {
    const a = new ServiceClusterIPAllocator('10.96.0.0/12', new Random(1));
    assert.equal(a.size, 1048574);
    assert.equal(a.staticBand, 256);
    assert.equal(a.allocateKubernetesIP(), '10.96.0.1');
    assert.equal(a.allocateKubernetesIP(), '10.96.0.1', 'idempotent');
    assert.equal(a.has('10.96.0.1'), true);
    assert.equal(a.allocate('10.96.0.10'), '10.96.0.10');
    assert.equal(a.freeCount(), 1048572);
    assert.deepEqual(a.allocated(), ['10.96.0.1', '10.96.0.10']);
    assert.equal(a.inRange('10.96.0.0'), false);
    assert.equal(a.inRange('10.111.255.254'), true);
    assert.equal(a.inRange('10.111.255.255'), false);
  });

  it('refuses taken and out-of-range addresses with the API server errors', () => {
    const a = new ServiceClusterIPAllocator('10.96.0.0/12', new Random(1));
    a.allocate('10.96.0.10');
    assert.deepEqual(errorOf(() => a.allocate('10.96.0.10', { name: 'kube-dns', clusterIPs: ['10.96.0.10'] })), {
      reason: 'Invalid',
      message: 'Service "kube-dns" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
      field: 'spec.clusterIPs',
      badValue: ['10.96.0.10'],
    });
    const ds = errorOf(() => a.allocate('10.0.0.1', { name: 'web', clusterIPs: ['10.0.0.1', 'fd00::1'] }));
    assert.equal(ds.message,
      'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1", "fd00::1"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    for (const ip of ['10.96.0.0', '10.111.255.255']) {
      assert.match(errorOf(() => a.allocate(ip)).message, /is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12$/, ip);
    }
    assert.equal(errorOf(() => a.allocate('bogus')).reason, 'InternalError');
  });

  it('dynamic allocation fills the upper band before the lower (static) band, then reports a full range', () => {
    const a = new ServiceClusterIPAllocator('10.0.0.0/24', new Random(7));
    assert.equal(a.size, 254);
    assert.equal(a.staticBand, 16);
    const first = Array.from({ length: 238 }, () => ipToUint32(a.allocateNext()) & 255);
    assert.ok(first.every((h) => h >= 17 && h <= 254), 'upper band is .17-.254');
    assert.equal(new Set(first).size, 238);
    const lower = Array.from({ length: 16 }, () => ipToUint32(a.allocateNext()) & 255);
    assert.deepEqual([...lower].sort((x, y) => x - y), Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual(errorOf(() => a.allocateNext()), {
      reason: 'InternalError',
      message: 'Internal error occurred: failed to allocate a serviceIP: range is full',
      field: undefined,
      badValue: undefined,
    });
    assert.equal(a.release('10.0.0.5'), true);
    assert.equal(a.release('10.0.0.5'), false);
    assert.equal(a.allocateNext(), '10.0.0.5');
  });

  it('starts at a random offset and is deterministic for a seed', () => {
    const seq = (seed: number) => {
      const a = new ServiceClusterIPAllocator('10.96.0.0/12', new Random(seed));
      return Array.from({ length: 5 }, () => a.allocateNext());
    };
    assert.deepEqual(seq(3), seq(3));
    assert.notDeepEqual(seq(3), seq(4));
    // Every dynamic allocation draws a fresh start in the upper band and scans up from it, wrapping.
    const fixed = { int: (min: number) => min + 5 } as unknown as Random;
    const a = new ServiceClusterIPAllocator('10.0.0.0/24', fixed);
    assert.deepEqual([a.allocateNext(), a.allocateNext()], ['10.0.0.22', '10.0.0.23']);
    for (let h = 24; h <= 254; h++) a.allocate(`10.0.0.${h}`);
    assert.equal(a.allocateNext(), '10.0.0.17', 'wraps to the start of the upper band');
    for (let h = 18; h <= 21; h++) a.allocate(`10.0.0.${h}`);
    assert.equal(a.allocateNext(), '10.0.0.6', 'lower band: its own random start (0 + 5 -> .6)');
  });

  it('computes the KEP-3070 static band as min(max(16, size/16), 256)', () => {
    const cases: [number, number][] = [[28, 0], [27, 16], [24, 16], [23, 32], [22, 64], [20, 256], [12, 256]];
    for (const [prefix, band] of cases) assert.equal(staticBandSize(2n ** BigInt(32 - prefix)), BigInt(band), `/${prefix}`);
    assert.equal(new ServiceClusterIPAllocator('10.0.0.0/28', new Random(1)).size, 14);
    assert.equal(new ServiceClusterIPAllocator('10.0.0.0/32', new Random(1)).size, 0);
    assert.equal(errorOf(() => new ServiceClusterIPAllocator('10.0.0.0/31', new Random(1)).allocateNext()).reason, 'InternalError');
  });

  it('IPv6 ranges keep their last address; too large ranges are refused as kube-apiserver does', () => {
    const a = new ServiceClusterIPAllocator('fd00:10:96::/112', new Random(1));
    assert.equal(a.size, 65535);
    assert.equal(a.staticBand, 256);
    assert.equal(a.allocateKubernetesIP(), 'fd00:10:96::1');
    assert.equal(a.allocate('fd00:10:96::ffff'), 'fd00:10:96::ffff');
    assert.equal(a.allocate('FD00:10:96::A'), 'fd00:10:96::a');
    assert.match(errorOf(() => a.allocate('10.96.0.1')).message, /the provided IP \(10\.96\.0\.1\) is not in the valid range\. The range of valid IPs is fd00:10:96::\/112$/);
    assert.throws(() => new ServiceClusterIPAllocator('10.0.0.0/8', new Random(1)), /^StatusError: specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12$/);
    assert.throws(() => new ServiceClusterIPAllocator('fd00::/64', new Random(1)), /for 128-bit addresses, the mask must be >= 108/);
  });

  it('never hands out an address twice or outside the range; exhaustion is exact (property)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'next' as const, host: 0 }),
      fc.record({ kind: fc.constant('req' as const), host: fc.integer({ min: 0, max: 63 }) }),
      fc.record({ kind: fc.constant('del' as const), host: fc.integer({ min: 0, max: 63 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.array(op, { maxLength: 200 }), (seed, ops) => {
        const a = new ServiceClusterIPAllocator('10.96.0.0/26', new Random(seed)); // 62 addresses
        const held = new Set<number>();
        for (const o of ops) {
          const ip = `10.96.0.${o.host}`;
          if (o.kind === 'del') {
            assert.equal(a.release(ip), held.delete(o.host));
            continue;
          }
          if (o.kind === 'req') {
            const ok = o.host >= 1 && o.host <= 62 && !held.has(o.host);
            if (ok) {
              assert.equal(a.allocate(ip), ip);
              held.add(o.host);
            } else assert.equal(errorOf(() => a.allocate(ip)).reason, 'Invalid');
            continue;
          }
          if (held.size === 62) {
            assert.equal(errorOf(() => a.allocateNext()).reason, 'InternalError');
            continue;
          }
          const h = ipToUint32(a.allocateNext()) & 255;
          assert.ok(h >= 1 && h <= 62, `host ${h}`);
          assert.ok(!held.has(h), `10.96.0.${h} handed out twice`);
          // Upper band (.17-.62) first: the lower band only once the upper one is full.
          if (h <= 16) for (let u = 17; u <= 62; u++) assert.ok(held.has(u));
          held.add(h);
        }
        assert.equal(a.freeCount(), 62 - held.size);
      }),
      { seed: 42, numRuns: 150 },
    );
  });
});
