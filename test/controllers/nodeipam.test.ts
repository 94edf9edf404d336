import assert from 'node:assert/strict';
import type { Node } from '../../lib/api/types.js';
import { NodeIPAMController } from '../../lib/controllers/nodeipam.js';
import { eventsFor, harnessWith, node } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';
import { newHarness, testCluster } from '../reconcile/harness.js';

const cidrs = async (h: Harness) =>
  (await h.store.list<Node>('Node')).items.map((n) => [n.metadata.name, n.spec.podCIDR, ...(n.spec.podCIDRs ?? [])].join(' '));

describe('node IPAM controller', () => {
  it('gives nodes consecutive /24s in the order they register', async () => {
    const h = await harnessWith((h) => [new NodeIPAMController(h.ctx('ipam'))]);
    for (const n of ['master', 'node01', 'node02']) await h.store.create(node(n));
    await h.manager.drain();
    assert.deepEqual(await cidrs(h), [
      'master 10.244.0.0/24 10.244.0.0/24',
      'node01 10.244.1.0/24 10.244.1.0/24',
      'node02 10.244.2.0/24 10.244.2.0/24',
    ]);
  });

  it('honours the CIDRs nodes already have before allocating', async () => {
    const h = newHarness(testCluster());
    // Both exist before the controller starts; b's CIDR is marked used first.
    await h.store.create(node('a'));
    await h.store.create(node('b', { podCIDR: '10.244.0.0/24' }));
    h.manager.add(new NodeIPAMController(h.ctx('ipam')));
    await h.informers.startAll();
    await h.manager.drain();
    assert.deepEqual(await cidrs(h), ['a 10.244.1.0/24 10.244.1.0/24', 'b 10.244.0.0/24 10.244.0.0/24']);
  });

  it('leaves a node without a CIDR when the cluster CIDR is exhausted, and tries again when one is freed', async () => {
    const h = await harnessWith((h) => [new NodeIPAMController(h.ctx('ipam'))], { clusterCIDR: ['10.244.0.0/23'] });
    for (const n of ['n1', 'n2', 'n3']) await h.store.create(node(n));
    await h.manager.drain();
    assert.deepEqual(await cidrs(h), ['n1 10.244.0.0/24 10.244.0.0/24', 'n2 10.244.1.0/24 10.244.1.0/24', 'n3 ']);
    assert.deepEqual(await eventsFor(h, 'n3'), ['CIDRNotAvailable: Node n3 status is now: CIDRNotAvailable']);
    const ev = (await h.store.list<import('../../lib/api/types.js').Event>('Event')).items.find((e) => e.involvedObject.name === 'n3')!;
    assert.deepEqual([ev.type, ev.source], ['Normal', { component: 'cidrAllocator' }]);
    assert.equal(await h.manager.runUntilQuiescent(600_000), true);
    await h.store.delete('Node', undefined, 'n1');
    await h.manager.drain();
    assert.deepEqual(await cidrs(h), ['n2 10.244.1.0/24 10.244.1.0/24', 'n3 10.244.0.0/24 10.244.0.0/24']);
  });

  it('gives dual-stack nodes one CIDR per family', async () => {
    const h = await harnessWith((h) => [new NodeIPAMController(h.ctx('ipam'))], {
      clusterCIDR: ['10.244.0.0/16', 'fd00:10:244::/56'], serviceCIDR: ['10.96.0.0/12', 'fd00:10:96::/112'],
    });
    await h.store.create(node('n1'));
    await h.store.create(node('n2'));
    await h.manager.drain();
    assert.deepEqual(await cidrs(h), [
      'n1 10.244.0.0/24 10.244.0.0/24 fd00:10:244::/64',
      'n2 10.244.1.0/24 10.244.1.0/24 fd00:10:244:1::/64',
    ]);
  });
});
