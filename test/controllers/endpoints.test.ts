import assert from 'node:assert/strict';
import type { Endpoints, Pod } from '../../lib/api/types.js';
import { EndpointsController } from '../../lib/controllers/endpoints.js';
import { harnessWith, node, pod, service } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';

async function setup(): Promise<Harness> {
  const h = await harnessWith((h) => [new EndpointsController(h.ctx('endpoint-controller'))]);
  await h.store.create(node('node01', { ip: '192.168.40.129' }));
  return h;
}

async function running(h: Harness, name: string, ip: string, o: { ready?: boolean; labels?: Record<string, string>; ports?: { name?: string; containerPort: number }[] } = {}): Promise<Pod> {
  const created = await h.store.create(pod(name, { labels: o.labels ?? { app: 'web' }, ports: o.ports ?? [{ name: 'http', containerPort: 8080 }], spec: { nodeName: 'node01' } }));
  return h.store.updateStatus<Pod>({
    ...created,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  });
}

const getEndpoints = (h: Harness, name = 'web') => h.store.get<Endpoints>('Endpoints', 'default', name);
const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip);

describe('Endpoints controller', () => {
  it('writes addresses sorted by IP text, not-ready ones apart, with the resolved ports', async () => {
    const h = await setup();
    await h.store.create(service('web', { app: 'web' }, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], { clusterIP: '10.96.0.20', labels: { app: 'web' } }));
    const a = await running(h, 'a', '10.244.1.10');
    await running(h, 'b', '10.244.1.9');
    await running(h, 'c', '10.244.1.2', { ready: false });
    await h.manager.drain();
    const ep = await getEndpoints(h);
    assert.deepEqual(ep.metadata.labels, { app: 'web' });
    assert.equal(ep.metadata.annotations, undefined);
    assert.deepEqual(ep.subsets, [{
      addresses: [
        { ip: '10.244.1.10', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata.uid } },
        { ip: '10.244.1.9', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: ep.subsets![0]!.addresses![1]!.targetRef!.uid } },
      ],
      notReadyAddresses: [{ ip: '10.244.1.2', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: ep.subsets![0]!.notReadyAddresses![0]!.targetRef!.uid } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
  });

  it('repacks addresses by the ports they offer', async () => {
    const h = await setup();
    await h.store.create(service('web', { app: 'web' }, [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 'metrics' },
    ], { clusterIP: '10.96.0.20' }));
    await running(h, 'both', '10.244.1.2', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] });
    await running(h, 'http-only', '10.244.1.3', { ports: [{ name: 'http', containerPort: 8080 }] });
    await h.manager.drain();
    const ep = await getEndpoints(h);
    assert.deepEqual(ep.subsets!.map((s) => [ips(s.addresses), s.ports!.map((p) => `${p.name}:${p.port}`)]), [
      [['10.244.1.2', '10.244.1.3'], ['http:8080']],
      [['10.244.1.2'], ['metrics:9100']],
    ]);
  });

  it('truncates to 1000 addresses, ready ones first, and says so', async () => {
    const h = await setup();
    await h.store.create(service('web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }], { clusterIP: '10.96.0.20' }));
    for (let i = 0; i < 900; i++) await running(h, `r${i}`, `10.244.${10 + (i >> 8)}.${i & 255}`);
    for (let i = 0; i < 300; i++) await running(h, `n${i}`, `10.244.${20 + (i >> 8)}.${i & 255}`, { ready: false });
    await h.manager.drain();
    let ep = await getEndpoints(h);
    assert.deepEqual(ep.metadata.annotations, { 'endpoints.kubernetes.io/over-capacity': 'truncated' });
    assert.equal(ep.subsets!.length, 1);
    assert.equal(ep.subsets![0]!.addresses!.length, 900);
    assert.equal(ep.subsets![0]!.notReadyAddresses!.length, 100);
    // Sorted as text: 10.244.20.0, 10.244.20.1, 10.244.20.10, 10.244.20.100, ...
    assert.deepEqual(ips(ep.subsets![0]!.notReadyAddresses).slice(0, 4), ['10.244.20.0', '10.244.20.1', '10.244.20.10', '10.244.20.100']);
    for (let i = 0; i < 250; i++) await running(h, `more${i}`, `10.244.30.${i}`);
    await h.manager.drain();
    ep = await getEndpoints(h);
    assert.equal(ep.subsets![0]!.addresses!.length, 1000);
    assert.equal(ep.subsets![0]!.notReadyAddresses, undefined);
    // Back under capacity: the annotation goes away.
    for (let i = 0; i < 250; i++) await h.store.delete('Pod', 'default', `more${i}`);
    for (let i = 0; i < 300; i++) await h.store.delete('Pod', 'default', `n${i}`);
    await h.manager.drain();
    ep = await getEndpoints(h);
    assert.equal(ep.metadata.annotations, undefined);
    assert.equal(ep.subsets![0]!.addresses!.length, 900);
  });

  it('labels headless Endpoints and removes them with their Service', async () => {
    const h = await setup();
    await h.store.create(service('db', { app: 'db' }, [{ port: 5432, protocol: 'TCP' }], { clusterIP: 'None', labels: { tier: 'data' } }));
    await h.manager.drain();
    const ep = await getEndpoints(h, 'db');
    assert.deepEqual(ep.metadata.labels, { 'service.kubernetes.io/headless': '', tier: 'data' });
    assert.equal(ep.subsets, undefined);
    await h.store.delete('Service', 'default', 'db');
    await h.manager.drain();
    await assert.rejects(getEndpoints(h, 'db'), /not found/);
  });
});
