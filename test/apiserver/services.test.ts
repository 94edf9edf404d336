import assert from 'node:assert/strict';
import { isStatusError } from '../../lib/api/errors.js';
import type { Service } from '../../lib/api/types.js';
import { APIServer } from '../../lib/apiserver/apiserver.js';
import { ServiceAllocation } from '../../lib/apiserver/services.js';
import { VirtualClock } from '../../lib/sim/clock.js';
import { Random } from '../../lib/sim/random.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { testCluster } from '../reconcile/harness.js';

function svc(name: string, spec: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

function setup(cluster = testCluster()) {
  const alloc = new ServiceAllocation(cluster, new Random(1));
  const api = new APIServer(new MemoryStore({ clock: new VirtualClock() }), { serviceCIDRs: cluster.serviceCIDR, nodePortRange: cluster.nodePortRange }, new Random(2));
  api.use(alloc);
  return { api, alloc };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isStatusError(e)) return e.message;
    throw e;
  }
  assert.fail('expected a refusal');
}

describe('apiserver/services', () => {
  it('allocates a cluster IP from the upper band and node ports from the range', async () => {
    const { api } = setup();
    const s = await api.create(svc('web', { type: 'NodePort' }));
    const ip = s.spec.clusterIP!;
    assert.deepEqual(s.spec.clusterIPs, [ip]);
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    // 10.96.0.0/12: the static band is the first 256 addresses (10.96.0.1–10.96.1.0).
    const n = ip.split('.').map(Number);
    const offset = ((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) - ((10 << 24) | (96 << 16));
    assert.ok(offset > 256 && offset < 1 << 20, ip);
    const np = s.spec.ports![0]!.nodePort!;
    assert.ok(np >= 30086 && np <= 32767, String(np));
  });

  it('honours a requested cluster IP and refuses it twice with the API server error', async () => {
    const { api } = setup();
    const a = await api.create(svc('a', { clusterIP: '10.96.0.20' }));
    assert.equal(a.spec.clusterIP, '10.96.0.20');
    assert.equal(
      await refusal(api.create(svc('b', { clusterIP: '10.96.0.20' }))),
      'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.20"}: failed to allocate IP 10.96.0.20: provided IP is already allocated',
    );
    assert.equal(
      await refusal(api.create(svc('c', { clusterIP: '10.200.0.1' }))),
      'Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"10.200.0.1"}: failed to allocate IP 10.200.0.1: the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
  });

  it('refuses a taken node port and gives a health-check node port to eTP Local LoadBalancers', async () => {
    const { api } = setup();
    await api.create(svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(
      await refusal(api.create(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))),
      'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const lb = await api.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.ok(lb.spec.healthCheckNodePort! >= 30000 && lb.spec.healthCheckNodePort! <= 32767);
    assert.notEqual(lb.spec.healthCheckNodePort, lb.spec.ports![0]!.nodePort);
  });

  it('gives addresses back on delete, on type change and when validation refuses the object', async () => {
    const { api, alloc } = setup();
    const ipFree = () => alloc.ipAllocators.get('IPv4')!.freeCount();
    const portFree = () => alloc.nodePorts.freeCount();
    const ip0 = ipFree();
    const port0 = portFree();
    const s = await api.create(svc('web', { type: 'NodePort' }));
    assert.equal(ipFree(), ip0 - 1);
    assert.equal(portFree(), port0 - 1);
    const cur = await api.get<Service>('Service', 'default', 'web');
    await api.update({ ...cur, spec: { ...cur.spec, type: 'ClusterIP', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] } });
    assert.equal(portFree(), port0);
    assert.equal(ipFree(), ip0 - 1);
    await api.delete('Service', 'default', 'web');
    assert.equal(ipFree(), ip0);
    // Invalid port: refused after allocation, and nothing stays allocated.
    await refusal(api.create(svc('bad', { type: 'NodePort', ports: [{ port: 70000, targetPort: 80 }] })));
    assert.equal(ipFree(), ip0);
    assert.equal(portFree(), port0);
    void s;
  });

  it('allocates both families for PreferDualStack on a dual-stack cluster', async () => {
    const { api } = setup(testCluster({ serviceCIDR: ['10.96.0.0/16', 'fd00:10:96::/112'], clusterCIDR: ['10.244.0.0/16', 'fd00:10:244::/56'] }));
    const s = await api.create(svc('dual', { ipFamilyPolicy: 'PreferDualStack' }));
    assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.equal(s.spec.clusterIPs!.length, 2);
    assert.match(s.spec.clusterIPs![1]!, /^fd00:10:96::[0-9a-f]+$/);
  });
});
