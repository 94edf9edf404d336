import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrContains, parseCIDR, parseIPStrict } from '../../lib/ipam/cidr.js';
import { PodIPAllocator, type PodIPResult } from '../../lib/ipam/hostlocal.js';

const ipOf = (r: PodIPResult) => {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.ip;
};

describe('ipam/hostlocal: PodIPAllocator', () => {
  it('hands out .2 first on a node /24: .1 is the cni0 gateway', () => {
    const a = new PodIPAllocator('10.244.1.0/24');
    assert.equal(a.gateway, '10.244.1.1');
    assert.equal(a.rangeSet, '10.244.1.1-10.244.1.254');
    assert.deepEqual(a.allocate('default/web-1'), { ok: true, ip: '10.244.1.2', gateway: '10.244.1.1', prefix: 24 });
    assert.equal(ipOf(a.allocate('default/web-2')), '10.244.1.3');
    assert.equal(a.capacity(), 253);
    assert.equal(a.freeCount(), 251);
    assert.equal(a.lastReserved, '10.244.1.3');
    assert.equal(a.ownerOf('10.244.1.2'), 'default/web-1');
    assert.equal(a.ipOf('default/web-2'), '10.244.1.3');
    assert.equal(a.has('10.244.1.1'), false, 'the gateway is not a pod IP');
  });

  it('continues after the last reserved address instead of reusing a released one', () => {
    const a = new PodIPAllocator('10.244.1.0/24');
    for (const p of ['a', 'b', 'c']) a.allocate(p); // .2 .3 .4
    assert.equal(a.release('a'), '10.244.1.2');
    assert.equal(a.release('a'), undefined);
    assert.equal(a.has('10.244.1.2'), false);
    assert.equal(ipOf(a.allocate('d')), '10.244.1.5');
  });

  it('wraps to the range start, skips the gateway, and reports exhaustion as host-local does', () => {
    const a = new PodIPAllocator('10.0.0.0/29'); // .1 gateway, .2-.6 pods, .7 broadcast
    assert.deepEqual(['p1', 'p2', 'p3', 'p4', 'p5'].map((p) => ipOf(a.allocate(p))), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    assert.deepEqual(a.allocate('p6'), { ok: false, error: 'failed to allocate for range 0: no IP addresses available in range set: 10.0.0.1-10.0.0.6' });
    assert.equal(a.releaseIP('10.0.0.4'), true);
    assert.equal(a.releaseIP('10.0.0.4'), false);
    assert.equal(ipOf(a.allocate('p6')), '10.0.0.4');
    a.release('p2');
    assert.equal(ipOf(a.allocate('p7')), '10.0.0.3');
  });

  it('honours requested addresses and refuses the gateway, taken and out-of-range ones', () => {
    const a = new PodIPAllocator('10.244.1.0/24');
    assert.equal(ipOf(a.allocateSpecific('x', '10.244.1.50')), '10.244.1.50');
    assert.equal(ipOf(a.allocate('y')), '10.244.1.51', 'round-robin continues after a requested address');
    const refuse = (ip: string) => {
      const r = a.allocateSpecific('z', ip);
      assert.ok(!r.ok);
      return r.error;
    };
    assert.equal(refuse('10.244.1.1'), "failed to allocate for range 0: requested ip 10.244.1.1 is subnet's gateway");
    assert.equal(refuse('10.244.1.50'), 'failed to allocate for range 0: requested IP address 10.244.1.50 is not available in range set 10.244.1.1-10.244.1.254');
    assert.equal(refuse('10.244.1.0'), 'failed to allocate for range 0: 10.244.1.0 not in range set 10.244.1.1-10.244.1.254');
    assert.equal(refuse('10.244.1.255'), 'failed to allocate for range 0: 10.244.1.255 not in range set 10.244.1.1-10.244.1.254');
    assert.equal(refuse('10.244.2.5'), 'failed to allocate for range 0: 10.244.2.5 not in range set 10.244.1.1-10.244.1.254');
    assert.deepEqual(a.allocate('x'), { ok: false, error: 'failed to allocate for range 0: 10.244.1.50 has been allocated to x, duplicate allocation is not allowed' });
  });

  it('IPv6 ranges run to the last address (no broadcast); the second range of dual-stack says so', () => {
    const a = new PodIPAllocator('fd00:10:244:1::/64', { rangeIndex: 1 });
    assert.equal(a.rangeSet, 'fd00:10:244:1::1-fd00:10:244:1:ffff:ffff:ffff:ffff');
    assert.equal(ipOf(a.allocate('p')), 'fd00:10:244:1::2');
    assert.equal(ipOf(a.allocateSpecific('q', 'fd00:10:244:1:ffff:ffff:ffff:ffff')), 'fd00:10:244:1:ffff:ffff:ffff:ffff');
    assert.equal(ipOf(a.allocate('r')), 'fd00:10:244:1::3', 'wraps past the end');
    const small = new PodIPAllocator('fd00::/126', { rangeIndex: 1 });
    assert.deepEqual(['a', 'b'].map((p) => ipOf(small.allocate(p))), ['fd00::2', 'fd00::3']);
    assert.deepEqual(small.allocate('c'), { ok: false, error: 'failed to allocate for range 1: no IP addresses available in range set: fd00::1-fd00::3' });
  });

  it('refuses networks too small to allocate from, and honours custom ranges', () => {
    assert.throws(() => new PodIPAllocator('10.0.0.0/31'), /Network 10.0.0.0\/31 too small to allocate from/);
    assert.throws(() => new PodIPAllocator('fd00::/127'), /Network fd00::\/127 too small to allocate from/);
    const a = new PodIPAllocator('10.0.0.0/24', { rangeStart: '10.0.0.100', rangeEnd: '10.0.0.101' });
    assert.equal(a.gateway, '10.0.0.1');
    assert.equal(a.capacity(), 2);
    assert.deepEqual(['a', 'b'].map((p) => ipOf(a.allocate(p))), ['10.0.0.100', '10.0.0.101']);
    assert.equal(a.allocate('c').ok, false);
  });

  it('never hands out an address twice, nor network, broadcast or gateway; exhaustion is exact (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), pod: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('del' as const), pod: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('req' as const), pod: fc.integer({ min: 0, max: 40 }), host: fc.integer({ min: 0, max: 31 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const subnet = parseCIDR('10.1.2.0/27'); // 29 allocatable: .2 - .30
        const a = new PodIPAllocator(subnet);
        const held = new Map<number, string>();
        for (const o of ops) {
          const owner = `pod-${o.pod}`;
          if (o.kind === 'del') {
            assert.equal(a.release(owner), held.get(o.pod));
            held.delete(o.pod);
            continue;
          }
          const r = o.kind === 'add' ? a.allocate(owner) : a.allocateSpecific(owner, `10.1.2.${o.host}`);
          if (!r.ok) {
            if (o.kind === 'add' && !held.has(o.pod)) assert.equal(held.size, 29, 'only fails when exhausted');
            continue;
          }
          assert.ok(!held.has(o.pod));
          const v = (parseIPStrict(r.ip) as { value: bigint }).value;
          assert.ok(cidrContains(subnet, v));
          assert.ok(!['10.1.2.0', '10.1.2.1', '10.1.2.31'].includes(r.ip), r.ip);
          assert.ok(![...held.values()].includes(r.ip), `${r.ip} handed out twice`);
          held.set(o.pod, r.ip);
        }
        assert.equal(a.freeCount(), 29 - held.size);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
