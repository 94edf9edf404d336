import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EndpointSlice, Pod, Service } from '../../lib/api/types.js';
import { EndpointSliceController } from '../../lib/controllers/endpointslice.js';
import { harnessWith, node, pod, service } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';

const ZONE = 'topology.kubernetes.io/zone';

async function setup(): Promise<Harness> {
  const h = await harnessWith((h) => [new EndpointSliceController(h.ctx('endpointslice-controller'))]);
  await h.store.create(node('node01', { ip: '192.168.40.129', labels: { [ZONE]: 'zone-a' } }));
  await h.store.create(node('node02', { ip: '192.168.40.130' }));
  return h;
}

interface RunningOpts {
  labels?: Record<string, string>;
  node?: string;
  ready?: boolean;
  phase?: 'Running' | 'Succeeded';
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  spec?: NonNullable<Parameters<typeof pod>[1]>['spec'];
}

/** A pod as the kubelet leaves it: bound, with an IP, Ready as asked. */
async function running(h: Harness, name: string, ip: string, o: RunningOpts = {}): Promise<Pod> {
  const created = await h.store.create(pod(name, { labels: o.labels ?? { app: 'web' }, ports: o.ports ?? [{ name: 'http', containerPort: 8080 }], spec: { nodeName: o.node ?? 'node01', ...(o.spec ?? {}) } }));
  const ready = o.ready ?? true;
  return h.store.updateStatus<Pod>({
    ...created,
    status: {
      phase: o.phase ?? 'Running', podIP: ip, podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
}

const web = (o: Partial<Service['spec']> & { labels?: Record<string, string> } = {}) =>
  service('web', { app: 'web' }, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], { clusterIP: '10.96.0.20', type: 'ClusterIP', labels: { app: 'web' }, ...o });

const slicesOf = async (h: Harness, svc = 'web') =>
  (await h.store.list<EndpointSlice>('EndpointSlice')).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);

const addrs = (s: EndpointSlice) => s.endpoints.map((e) => e.addresses[0]);

describe('EndpointSlice controller', () => {
  it('writes one slice with the ready endpoints, labels, owner and resolved ports', async () => {
    const h = await setup();
    const svc = await h.store.create(web());
    const p0 = await running(h, 'web-0', '10.244.1.2');
    const p1 = await running(h, 'web-1', '10.244.2.2', { node: 'node02' });
    await h.manager.drain();
    const slices = await slicesOf(h);
    assert.equal(slices.length, 1);
    const s = slices[0]!;
    assert.match(s.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(s.metadata.generateName, 'web-');
    assert.deepEqual(s.metadata.labels, { app: 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'web' });
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(s.endpoints, [
      {
        addresses: ['10.244.1.2'], conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: p0.metadata.uid }, nodeName: 'node01', zone: 'zone-a',
      },
      {
        addresses: ['10.244.2.2'], conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: p1.metadata.uid }, nodeName: 'node02',
      },
    ]);
  });

  it('reports not-ready pods as not ready and not serving, unless not-ready addresses are published', async () => {
    const h = await setup();
    await h.store.create(web());
    await h.store.create(service('peers', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }], { clusterIP: 'None', publishNotReadyAddresses: true }));
    await running(h, 'web-0', '10.244.1.2', { ready: false });
    await running(h, 'done', '10.244.1.3', { phase: 'Succeeded' });
    await h.manager.drain();
    assert.deepEqual((await slicesOf(h))[0]!.endpoints.map((e) => [e.addresses[0], e.conditions]), [['10.244.1.2', { ready: false, serving: false, terminating: false }]]);
    const peers = (await slicesOf(h, 'peers'))[0]!;
    assert.deepEqual(peers.endpoints.map((e) => [e.addresses[0], e.conditions]), [['10.244.1.2', { ready: true, serving: false, terminating: false }]]);
    assert.equal(peers.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.deepEqual(peers.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  });

  it('splits more than 100 endpoints over slices and keeps the churn small', async () => {
    const h = await setup();
    await h.store.create(web());
    for (let i = 0; i < 250; i++) await running(h, `web-${String(i).padStart(3, '0')}`, `10.244.${1 + (i >> 8)}.${i & 255}`);
    await h.manager.drain();
    let slices = await slicesOf(h);
    assert.deepEqual(slices.map((s) => s.endpoints.length).sort((a, b) => a - b), [50, 100, 100]);
    assert.equal(new Set(slices.flatMap(addrs)).size, 250);
    const before = new Map(slices.map((s) => [s.metadata.name, s.metadata.resourceVersion]));
    const full = slices.find((s) => s.endpoints.length === 100)!;
    const victim = full.endpoints[10]!.targetRef!.name!;
    await h.store.delete('Pod', 'default', victim);
    await h.manager.drain();
    slices = await slicesOf(h);
    // Only the slice that held the pod changed.
    for (const s of slices) {
      if (s.metadata.name === full.metadata.name) {
        assert.equal(s.endpoints.length, 99);
        assert.notEqual(s.metadata.resourceVersion, before.get(s.metadata.name));
      } else assert.equal(s.metadata.resourceVersion, before.get(s.metadata.name));
    }
    // A new endpoint goes to the unchanged slice that ends up closest to full: the one with 99.
    await running(h, 'web-new', '10.244.9.9');
    await h.manager.drain();
    slices = await slicesOf(h);
    const holder = slices.find((s) => addrs(s).includes('10.244.9.9'))!;
    assert.equal(holder.metadata.name, full.metadata.name);
    assert.deepEqual(slices.map((s) => s.endpoints.length).sort((a, b) => a - b), [50, 100, 100]);
  });

  it('puts pods that disagree on a named port into different slices', async () => {
    const h = await setup();
    await h.store.create(web());
    await running(h, 'a', '10.244.1.2', { ports: [{ name: 'http', containerPort: 8080 }] });
    await running(h, 'b', '10.244.1.3', { ports: [{ name: 'http', containerPort: 9090 }] });
    await running(h, 'c', '10.244.1.4', { ports: [{ name: 'http', containerPort: 8080 }] });
    await running(h, 'd', '10.244.1.5', { ports: [{ name: 'metrics', containerPort: 9100 }] });
    await h.manager.drain();
    const got = (await slicesOf(h)).map((s) => [JSON.stringify(s.ports), addrs(s).join(',')]).sort();
    assert.deepEqual(got, [
      ['[]', '10.244.1.5'],
      ['[{"name":"http","port":8080,"protocol":"TCP"}]', '10.244.1.2,10.244.1.4'],
      ['[{"name":"http","port":9090,"protocol":"TCP"}]', '10.244.1.3'],
    ]);
  });

  it('sets hostname for pods whose subdomain names a headless Service', async () => {
    const h = await setup();
    await h.store.create(service('redis', { app: 'redis' }, [{ port: 6379, protocol: 'TCP', targetPort: 6379 }], { clusterIP: 'None' }));
    await running(h, 'redis-0', '10.244.1.2', { labels: { app: 'redis' }, spec: { hostname: 'redis-0', subdomain: 'redis' } });
    await running(h, 'stray', '10.244.1.3', { labels: { app: 'redis' }, spec: { hostname: 'stray', subdomain: 'other' } });
    await h.manager.drain();
    const s = (await slicesOf(h, 'redis'))[0]!;
    assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.hostname]), [['10.244.1.2', 'redis-0'], ['10.244.1.3', undefined]]);
  });

  it('keeps one placeholder slice for a Service without endpoints', async () => {
    const h = await setup();
    await h.store.create(web());
    await h.manager.drain();
    const slices = await slicesOf(h);
    assert.deepEqual(slices.map((s) => [s.addressType, s.endpoints, s.ports]), [['IPv4', [], []]]);
    const rv = slices[0]!.metadata.resourceVersion;
    // Nothing to do on a second sync: the placeholder is not recreated.
    const svc = await h.store.get<Service>('Service', 'default', 'web');
    await h.store.update({ ...svc, metadata: { ...svc.metadata, annotations: { touched: 'yes' } } });
    await h.manager.drain();
    assert.equal((await slicesOf(h))[0]!.metadata.resourceVersion, rv);
    // The first endpoint reuses the placeholder.
    await running(h, 'web-0', '10.244.1.2');
    await h.manager.drain();
    const after = await slicesOf(h);
    assert.deepEqual(after.map((s) => [s.metadata.name, addrs(s)]), [[slices[0]!.metadata.name, ['10.244.1.2']]]);
  });

  it('follows label changes, and leaves Services without a selector alone', async () => {
    const h = await setup();
    await h.store.create(web());
    await h.store.create(service('manual', undefined, [{ port: 80, protocol: 'TCP' }], { clusterIP: '10.96.0.30' }));
    const p = await running(h, 'web-0', '10.244.1.2');
    await h.manager.drain();
    assert.deepEqual(addrs((await slicesOf(h))[0]!), ['10.244.1.2']);
    await h.store.update({ ...p, metadata: { ...p.metadata, labels: { app: 'other' } } });
    await h.manager.drain();
    assert.deepEqual((await slicesOf(h)).map((s) => s.endpoints.length), [0]);
    assert.deepEqual(await slicesOf(h, 'manual'), []);
  });
});

describe('EndpointSlice controller, dual-stack', () => {
  it('writes one slice per address family', async () => {
    const h = await harnessWith((h) => [new EndpointSliceController(h.ctx('endpointslice-controller'))], {
      clusterCIDR: ['10.244.0.0/16', 'fd00:10:244::/56'], serviceCIDR: ['10.96.0.0/12', 'fd00:10:96::/112'],
    });
    await h.store.create(node('node01', { ip: '192.168.40.129' }));
    await h.store.create(service('web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }], {
      clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00:10:96::20'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', type: 'ClusterIP',
    }));
    const created = await h.store.create(pod('web-0', { labels: { app: 'web' }, spec: { nodeName: 'node01' } }));
    await h.store.updateStatus<Pod>({
      ...created,
      status: { phase: 'Running', podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }, { ip: 'fd00:10:244:1::2' }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await h.manager.drain();
    const slices = (await slicesOf(h)).map((s) => [s.addressType, addrs(s)]).sort();
    assert.deepEqual(slices, [['IPv4', ['10.244.1.2']], ['IPv6', ['fd00:10:244:1::2']]]);
  });
});

describe('EndpointSlice controller, incremental syncs', () => {
  type Op = { t: 'add' | 'delete' | 'ready' | 'relabel'; pod: number };
  const op: fc.Arbitrary<Op> = fc.record({ t: fc.constantFrom('add', 'delete', 'ready', 'relabel'), pod: fc.nat(14) });

  it('always publishes exactly the wanted endpoints, each once, in slices of at most maxEndpointsPerSlice', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }), async (batches) => {
      const h = await harnessWith((h) => [new EndpointSliceController(h.ctx('endpointslice-controller'), { maxEndpointsPerSlice: 4 })]);
      await h.store.create(node('node01', { ip: '192.168.40.129' }));
      await h.store.create(web());
      for (const batch of batches) {
        for (const o of batch) {
          const name = `p${o.pod}`;
          const cur = (await h.store.list<Pod>('Pod')).items.find((p) => p.metadata.name === name);
          if (o.t === 'add' && !cur) await running(h, name, `10.244.1.${o.pod + 2}`, { ready: o.pod % 3 !== 0 });
          else if (o.t === 'delete' && cur) await h.store.delete('Pod', 'default', name);
          else if (o.t === 'ready' && cur) {
            const ready = cur.status?.conditions?.[0]?.status === 'True';
            await h.store.updateStatus<Pod>({ ...cur, status: { ...cur.status, conditions: [{ type: 'Ready', status: ready ? 'False' : 'True' }] } });
          } else if (o.t === 'relabel' && cur) {
            const app = cur.metadata.labels?.app === 'web' ? 'other' : 'web';
            await h.store.update<Pod>({ ...cur, metadata: { ...cur.metadata, labels: { app } } });
          }
        }
        await h.manager.drain();
        const pods = (await h.store.list<Pod>('Pod')).items.filter((p) => p.metadata.labels?.app === 'web');
        const want = pods.map((p) => `${p.status!.podIP} ${p.status!.conditions![0]!.status === 'True'}`).sort();
        const slices = await slicesOf(h);
        const got = slices.flatMap((s) => s.endpoints.map((e) => `${e.addresses[0]} ${e.conditions!.ready}`)).sort();
        assert.deepEqual(got, want);
        for (const s of slices) assert.ok(s.endpoints.length <= 4);
        if (want.length === 0) assert.deepEqual(slices.map((s) => s.endpoints.length), [0]);
        else assert.ok(slices.every((s) => s.endpoints.length > 0));
      }
    }), { seed: 42, numRuns: 40 });
  });
});
