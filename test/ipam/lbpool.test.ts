import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LoadBalancerIPPool, type LoadBalancerIPResult, requestedLoadBalancerIPs } from '../../lib/ipam/lbpool.js';

const ipsOf = (r: LoadBalancerIPResult) => {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.ips;
};

describe('ipam/lbpool: LoadBalancerIPPool', () => {
  it('hands out the lowest free address first, .0 included as MetalLB does for a CIDR', () => {
    const p = new LoadBalancerIPPool('172.18.255.0/24');
    assert.deepEqual(p.allocate('default/a'), { ok: true, ips: ['172.18.255.0'] });
    assert.deepEqual(ipsOf(p.allocate('default/b')), ['172.18.255.1']);
    assert.deepEqual(ipsOf(p.allocate('default/a')), ['172.18.255.0'], 'idempotent per service');
    assert.equal(p.freeCount(), 254);
    assert.deepEqual(p.release('default/a'), ['172.18.255.0']);
    assert.deepEqual(p.release('default/a'), []);
    assert.deepEqual(ipsOf(p.allocate('default/c')), ['172.18.255.0'], 'a released address is reused first');
    assert.equal(p.ownerOf('172.18.255.1'), 'default/b');
    assert.deepEqual(p.ipsOf('default/c'), ['172.18.255.0']);
  });

  it('avoidBuggyIPs skips .0 and .255', () => {
    const p = new LoadBalancerIPPool('172.18.255.0/24', { avoidBuggyIPs: true });
    assert.equal(p.freeCount(), 254);
    assert.deepEqual(ipsOf(p.allocate('default/a')), ['172.18.255.1']);
    assert.equal(p.contains('172.18.255.255'), false);
    const r = p.allocateSpecific('default/b', ['172.18.255.255']);
    assert.ok(!r.ok);
    assert.equal(r.error, '"172.18.255.255" is not allowed in config');
  });

  it('serves ranges in order and reports exhaustion with MetalLB event text', () => {
    const p = new LoadBalancerIPPool(['172.18.255.200-172.18.255.201', '10.0.0.8/31']);
    assert.deepEqual(['s1', 's2', 's3', 's4'].map((s) => ipsOf(p.allocate(`default/${s}`))[0]), ['172.18.255.200', '172.18.255.201', '10.0.0.8', '10.0.0.9']);
    assert.deepEqual(p.allocate('default/s5'), {
      ok: false,
      error: 'no available IPs',
      reason: 'AllocationFailed',
      message: 'Failed to allocate IP for "default/s5": no available IPs',
    });
  });

  it('honours requested addresses and refuses foreign or taken ones', () => {
    const p = new LoadBalancerIPPool('172.18.255.0/24');
    assert.deepEqual(ipsOf(p.allocateSpecific('default/web', ['172.18.255.10'])), ['172.18.255.10']);
    assert.deepEqual(ipsOf(p.allocate('default/other')), ['172.18.255.0']);
    const taken = p.allocateSpecific('default/db', ['172.18.255.10']);
    assert.ok(!taken.ok);
    assert.equal(taken.error, 'can\'t change sharing key for "default/db", address also in use by default/web');
    const foreign = p.allocateSpecific('default/db', ['192.168.1.1']);
    assert.ok(!foreign.ok);
    assert.equal(foreign.message, 'Failed to allocate IP for "default/db": "192.168.1.1" is not allowed in config');
    assert.deepEqual(ipsOf(p.allocateSpecific('default/web', ['172.18.255.11'])), ['172.18.255.11'], 'a new request replaces the old address');
    assert.equal(p.has('172.18.255.10'), false);
  });

  it('serves each family from its own addresses', () => {
    const p = new LoadBalancerIPPool(['172.18.255.0/30', 'fc00:f853:ccd:e793::/124']);
    assert.deepEqual(ipsOf(p.allocate('default/ds', 4)), ['172.18.255.0']);
    assert.deepEqual(ipsOf(p.allocate('default/ds', 6)), ['fc00:f853:ccd:e793::']);
    assert.deepEqual(p.ipsOf('default/ds'), ['172.18.255.0', 'fc00:f853:ccd:e793::']);
    assert.deepEqual(ipsOf(p.allocateSpecific('default/x', ['172.18.255.3', 'fc00:f853:ccd:e793::f'])), ['172.18.255.3', 'fc00:f853:ccd:e793::f']);
    assert.equal(p.freeCount(4), 2);
    assert.equal(p.freeCount(6), 14);
    assert.deepEqual(p.release('default/ds'), ['172.18.255.0', 'fc00:f853:ccd:e793::']);
  });

  it('reads the requested addresses of a Service as MetalLB does', () => {
    assert.deepEqual(requestedLoadBalancerIPs({ spec: {} }), { ips: [] });
    assert.deepEqual(requestedLoadBalancerIPs({ spec: { loadBalancerIP: '172.18.255.7' } }), { ips: ['172.18.255.7'] });
    assert.deepEqual(requestedLoadBalancerIPs({ metadata: { annotations: { 'metallb.universe.tf/loadBalancerIPs': '172.18.255.7, fc00::7' } } }), { ips: ['172.18.255.7', 'fc00::7'] });
    assert.deepEqual(requestedLoadBalancerIPs({ metadata: { annotations: { 'metallb.io/loadBalancerIPs': '1.1.1.1', 'metallb.universe.tf/loadBalancerIPs': '2.2.2.2' } } }), { ips: ['1.1.1.1'] });
    assert.deepEqual(requestedLoadBalancerIPs({ metadata: { annotations: { 'metallb.io/loadBalancerIPs': '1.1.1.1' } }, spec: { loadBalancerIP: '1.1.1.1' } }), {
      error: 'service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP',
    });
    assert.deepEqual(requestedLoadBalancerIPs({ metadata: { annotations: { 'metallb.io/loadBalancerIPs': '1.1.1.1,nope' } } }), { error: 'invalid metallb.io/loadBalancerIPs: "1.1.1.1,nope"' });
    assert.deepEqual(requestedLoadBalancerIPs({ metadata: { annotations: { 'metallb.io/loadBalancerIPs': '1.1.1.1,2.2.2.2' } } }), { error: 'IPFamilyForAddresses: same address family ["1.1.1.1" "2.2.2.2"]' });
    assert.deepEqual(requestedLoadBalancerIPs({ spec: { loadBalancerIP: 'x' } }), { error: 'invalid spec.loadBalancerIP "x"' });
  });

  it('never gives an address to two services; always the lowest free one; exhaustion is exact (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), svc: fc.integer({ min: 0, max: 30 }), host: fc.constant(0) }),
      fc.record({ kind: fc.constant('req' as const), svc: fc.integer({ min: 0, max: 30 }), host: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant('del' as const), svc: fc.integer({ min: 0, max: 30 }), host: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const p = new LoadBalancerIPPool('192.0.2.0/28');
        const held = new Map<number, number>(); // svc -> host
        const hosts = () => new Set(held.values());
        for (const o of ops) {
          const key = `ns/s${o.svc}`;
          if (o.kind === 'del') {
            const had = held.get(o.svc);
            assert.deepEqual(p.release(key), had === undefined ? [] : [`192.0.2.${had}`]);
            held.delete(o.svc);
          } else if (o.kind === 'req') {
            const r = p.allocateSpecific(key, [`192.0.2.${o.host}`]);
            const owner = [...held].find(([, h]) => h === o.host)?.[0];
            assert.equal(r.ok, o.host < 16 && (owner === undefined || owner === o.svc));
            if (r.ok) held.set(o.svc, o.host);
          } else {
            const r = p.allocate(key);
            if (held.has(o.svc)) {
              assert.deepEqual(r, { ok: true, ips: [`192.0.2.${held.get(o.svc)}`] });
              continue;
            }
            const used = hosts();
            const lowest = Array.from({ length: 16 }, (_, i) => i).find((h) => !used.has(h));
            if (lowest === undefined) assert.equal(r.ok, false);
            else {
              assert.deepEqual(r, { ok: true, ips: [`192.0.2.${lowest}`] });
              held.set(o.svc, lowest);
            }
          }
          assert.equal(hosts().size, held.size, 'no address shared');
        }
        assert.equal(p.freeCount(), 16 - held.size);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
