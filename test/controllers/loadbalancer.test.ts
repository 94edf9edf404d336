import assert from 'node:assert/strict';
import type { Service } from '../../lib/api/types.js';
import { LoadBalancerController } from '../../lib/controllers/loadbalancer.js';
import { eventsFor, harnessWith, service } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';

const lb = (name: string, o: Partial<Service['spec']> = {}) =>
  service(name, { app: name }, [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30080 + name.length }], {
    type: 'LoadBalancer', clusterIP: `10.96.0.${20 + name.charCodeAt(0) - 96}`, externalTrafficPolicy: 'Cluster', ...o,
  });

const ingress = async (h: Harness, name: string) => (await h.store.get<Service>('Service', 'default', name)).status?.loadBalancer?.ingress;

describe('LoadBalancer controller (MetalLB-like)', () => {
  // A /30 pool: MetalLB hands out .0, .1, .2, .3 in order (avoidBuggyIPs off).
  const pool = { loadBalancerPool: '172.18.255.0/30' };

  it('assigns the lowest free pool address and records IPAllocated', async () => {
    const h = await harnessWith((h) => [new LoadBalancerController(h.ctx('metallb-controller'))], pool);
    await h.store.create(lb('a'));
    await h.store.create(lb('b'));
    await h.manager.drain();
    assert.deepEqual(await ingress(h, 'a'), [{ ip: '172.18.255.0', ipMode: 'VIP' }]);
    assert.deepEqual(await ingress(h, 'b'), [{ ip: '172.18.255.1', ipMode: 'VIP' }]);
    assert.deepEqual(await eventsFor(h, 'a'), ['IPAllocated: Assigned IP ["172.18.255.0"]']);
  });

  it('honours spec.loadBalancerIP and refuses one outside the pool', async () => {
    const h = await harnessWith((h) => [new LoadBalancerController(h.ctx('metallb-controller'))], pool);
    await h.store.create(lb('a', { loadBalancerIP: '172.18.255.3' }));
    await h.store.create(lb('b', { loadBalancerIP: '10.0.0.1' }));
    await h.store.create(lb('c'));
    await h.manager.drain();
    assert.deepEqual(await ingress(h, 'a'), [{ ip: '172.18.255.3', ipMode: 'VIP' }]);
    assert.equal(await ingress(h, 'b'), undefined);
    assert.deepEqual(await eventsFor(h, 'b'), ['AllocationFailed: Failed to allocate IP for "default/b": "10.0.0.1" is not allowed in config']);
    assert.deepEqual(await ingress(h, 'c'), [{ ip: '172.18.255.0', ipMode: 'VIP' }]);
  });

  it('leaves a Service pending when the pool is exhausted and serves it once an address is freed', async () => {
    const h = await harnessWith((h) => [new LoadBalancerController(h.ctx('metallb-controller'))], pool);
    for (const n of ['a', 'b', 'c', 'd', 'e']) await h.store.create(lb(n));
    await h.manager.drain();
    assert.equal(await ingress(h, 'e'), undefined);
    assert.deepEqual(await eventsFor(h, 'e'), ['AllocationFailed: Failed to allocate IP for "default/e": no available IPs']);
    assert.equal(await h.manager.runUntilQuiescent(600_000), true);
    await h.store.delete('Service', 'default', 'b');
    await h.manager.drain();
    assert.deepEqual(await ingress(h, 'e'), [{ ip: '172.18.255.1', ipMode: 'VIP' }]);
  });

  it('withdraws the address when the Service stops being a LoadBalancer', async () => {
    const h = await harnessWith((h) => [new LoadBalancerController(h.ctx('metallb-controller'))], pool);
    await h.store.create(lb('a'));
    await h.manager.drain();
    const svc = await h.store.get<Service>('Service', 'default', 'a');
    await h.store.update<Service>({ ...svc, spec: { ...svc.spec, type: 'ClusterIP', externalTrafficPolicy: undefined, allocateLoadBalancerNodePorts: undefined, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } });
    await h.manager.drain();
    assert.equal(await ingress(h, 'a'), undefined);
    await h.store.create(lb('b'));
    await h.manager.drain();
    assert.deepEqual(await ingress(h, 'b'), [{ ip: '172.18.255.0', ipMode: 'VIP' }]);
  });

  it('keeps an ingress address set outside the pool and counts one inside it as taken', async () => {
    const h = await harnessWith((h) => [new LoadBalancerController(h.ctx('metallb-controller'))], pool);
    const cloud = await h.store.create(lb('cloud'));
    await h.store.updateStatus<Service>({ ...cloud, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } });
    const kept = await h.store.create(lb('kept'));
    await h.store.updateStatus<Service>({ ...kept, status: { loadBalancer: { ingress: [{ ip: '172.18.255.0', ipMode: 'VIP' }] } } });
    await h.store.create(lb('fresh'));
    await h.manager.drain();
    assert.deepEqual(await ingress(h, 'cloud'), [{ ip: '203.0.113.7' }]);
    assert.deepEqual(await ingress(h, 'kept'), [{ ip: '172.18.255.0', ipMode: 'VIP' }]);
    assert.deepEqual(await ingress(h, 'fresh'), [{ ip: '172.18.255.1', ipMode: 'VIP' }]);
  });
});
