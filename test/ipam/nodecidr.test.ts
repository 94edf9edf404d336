import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrContainsCIDR, cidrsOverlap, parseCIDR } from '../../lib/ipam/cidr.js';
import { NodeCIDRAllocator, type NodeCIDRResult } from '../../lib/ipam/nodecidr.js';

const cidrsOf = (r: NodeCIDRResult) => {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.podCIDRs;
};

describe('ipam/nodecidr: NodeCIDRAllocator', () => {
  it('carves /24s from the cluster CIDR in order', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16'] });
    assert.deepEqual(cidrsOf(a.allocate('node-1')), ['10.244.0.0/24']);
    assert.deepEqual(cidrsOf(a.allocate('node-2')), ['10.244.1.0/24']);
    assert.deepEqual(cidrsOf(a.allocate('node-3')), ['10.244.2.0/24']);
    assert.deepEqual(cidrsOf(a.allocate('node-2')), ['10.244.1.0/24'], 'idempotent per node');
    assert.deepEqual(a.freeCount(), [253]);
    assert.deepEqual(a.allocations(), [['node-1', ['10.244.0.0/24']], ['node-2', ['10.244.1.0/24']], ['node-3', ['10.244.2.0/24']]]);
  });

  it('continues round-robin after a release, as cidrset.nextCandidate does, and reuses after wrapping', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/22'] });
    for (const n of ['n1', 'n2', 'n3']) a.allocate(n);
    assert.equal(a.release('n1'), true);
    assert.equal(a.release('n1'), false);
    assert.equal(a.has('10.244.0.0/24'), false);
    assert.deepEqual(cidrsOf(a.allocate('n4')), ['10.244.3.0/24']);
    assert.deepEqual(cidrsOf(a.allocate('n5')), ['10.244.0.0/24']);
  });

  it('reports CIDRNotAvailable when the cluster CIDR is exhausted', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/22'] });
    for (const n of ['n1', 'n2', 'n3', 'n4']) a.allocate(n);
    assert.deepEqual(a.allocate('n5'), {
      ok: false,
      reason: 'CIDRNotAvailable',
      eventType: 'Warning',
      message: 'Node n5 status is now: CIDRNotAvailable',
      error: 'failed to allocate cidr from cluster cidr at idx:0: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range',
    });
    a.release('n2');
    assert.deepEqual(cidrsOf(a.allocate('n5')), ['10.244.1.0/24']);
  });

  it('gives dual-stack nodes one CIDR per family, IPv6 /64 by default', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'] });
    assert.deepEqual(cidrsOf(a.allocate('n1')), ['10.244.0.0/24', 'fd00:10:244::/64']);
    assert.deepEqual(cidrsOf(a.allocate('n2')), ['10.244.1.0/24', 'fd00:10:244:1::/64']);
    assert.deepEqual(a.freeCount(), [254, 254]);
    assert.deepEqual(a.clusterCIDRs, ['10.244.0.0/16', 'fd00:10:244::/56']);
  });

  it('a dual-stack failure on the second family leaves the first one free', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16', 'fd00::/63'] });
    a.allocate('n1');
    a.allocate('n2');
    const r = a.allocate('n3');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, 'failed to allocate cidr from cluster cidr at idx:1: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
    assert.deepEqual(a.freeCount(), [254, 0]);
  });

  it('occupies CIDRs nodes already declare and refuses ones outside the cluster CIDR', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/22'] });
    assert.deepEqual(a.occupy('static', ['10.244.1.0/24']), { ok: true, podCIDRs: ['10.244.1.0/24'] });
    assert.equal(a.has('10.244.1.0/24'), true);
    assert.deepEqual(cidrsOf(a.allocate('n1')), ['10.244.0.0/24']);
    assert.deepEqual(cidrsOf(a.allocate('n2')), ['10.244.2.0/24']);
    assert.deepEqual(a.occupy('bad', ['10.245.0.0/24']), {
      ok: false,
      error: 'failed to mark cidr[10.245.0.0/24] at idx [0] as occupied for node: bad: cidr 10.245.0.0/24 is out the range of cluster cidr 10.244.0.0/22',
    });
    assert.deepEqual(a.occupy('two', ['10.244.3.0/24', 'fd00::/64']), {
      ok: false,
      error: 'node:two has an allocated cidr: fd00::/64 at index:1 that does not exist in cluster cidrs configuration',
    });
    assert.deepEqual(a.occupy('junk', ['nope']), { ok: false, error: 'failed to parse node junk, CIDR nope' });
    assert.equal(a.release('static'), true);
    assert.equal(a.has('10.244.1.0/24'), false);
  });

  it('never hands out subnets overlapping the service CIDR (filterOutServiceRange)', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.0.0.0/16'], serviceCIDRs: ['10.0.0.0/20'] });
    assert.deepEqual(cidrsOf(a.allocate('n1')), ['10.0.16.0/24']);
    assert.deepEqual(a.freeCount(), [239]);
    const b = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/12'] });
    assert.deepEqual(b.freeCount(), [256]);
  });

  it('honours the mask sizes and refuses impossible ones', () => {
    const a = new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16', 'fd00::/48'], nodeCIDRMaskSize: 26, nodeCIDRMaskSizeIPv6: 64 });
    assert.deepEqual(cidrsOf(a.allocate('n1')), ['10.244.0.0/26', 'fd00::/64']);
    assert.deepEqual(cidrsOf(a.allocate('n2')), ['10.244.0.64/26', 'fd00:0:0:1::/64']);
    assert.throws(() => new NodeCIDRAllocator({ clusterCIDRs: ['fd00::/48'], nodeCIDRMaskSizeIPv6: 80 }), /New CIDR set failed; the node CIDR size is too big/);
    assert.throws(() => new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16'], nodeCIDRMaskSize: 8 }), /mask size/);
    assert.throws(() => new NodeCIDRAllocator({ clusterCIDRs: ['10.244.0.0/16', '10.245.0.0/16'] }), /one IPv4 and one IPv6/);
  });

  it('never gives two nodes overlapping CIDRs; exhaustion is exact (property)', () => {
    const op = fc.oneof(fc.record({ kind: fc.constant('add' as const), node: fc.integer({ min: 0, max: 40 }) }), fc.record({ kind: fc.constant('del' as const), node: fc.integer({ min: 0, max: 40 }) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const cluster = parseCIDR('10.244.0.0/20');
        const a = new NodeCIDRAllocator({ clusterCIDRs: [cluster.text] });
        const held = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'del') {
            assert.equal(a.release(`n${o.node}`), held.delete(o.node));
            continue;
          }
          const r = a.allocate(`n${o.node}`);
          if (held.has(o.node)) {
            assert.deepEqual(r, { ok: true, podCIDRs: [held.get(o.node)] });
            continue;
          }
          if (held.size === 16) {
            assert.equal(r.ok, false);
            continue;
          }
          assert.ok(r.ok, 'a subnet is free');
          const c = parseCIDR(r.podCIDRs[0]!);
          assert.equal(c.prefix, 24);
          assert.ok(cidrContainsCIDR(cluster, c));
          for (const other of held.values()) assert.equal(cidrsOverlap(parseCIDR(other), c), false);
          held.set(o.node, c.text);
        }
        assert.deepEqual(a.freeCount(), [16 - held.size]);
      }),
      { seed: 42, numRuns: 150 },
    );
  });
});
