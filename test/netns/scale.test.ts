// A trace on a 1,000-node cluster with 10,000 Services must touch only the nodes the packet
// visits: their namespaces and rules are built on demand, the service model is shared.
import assert from 'node:assert/strict';
import type { KubeObject } from '../../lib/api/meta.js';
import { Dataplane } from '../../lib/sim/dataplane.js';
import type { ProxySettings } from '../../lib/scenario/types.js';
import { parseIPv4 } from '../../netns/netfilter/address.js';
import { tracePacket } from '../../netns/trace.js';

const NODES = 1000;
const SERVICES = 10_000;
const ENDPOINTS = 3;
const PODS_PER_NODE = 10;

const proxy: ProxySettings = {
  mode: 'iptables',
  masqueradeAll: false,
  detectLocalMode: 'ClusterCIDR',
  clusterCIDR: '10.0.0.0/8',
  nodePortAddresses: [],
  iptables: { masqueradeBit: 14, localhostNodePorts: true },
  ipvs: { scheduler: 'rr', strictARP: false },
};

const nodeName = (n: number) => `node-${String(n).padStart(4, '0')}`;
const podIP = (n: number, i: number) => `10.${(n >> 8) + 1}.${n & 255}.${i + 2}`;

function bigCluster(): Dataplane {
  const dp = new Dataplane({ cni: 'host-gw', nodeNetwork: '172.16.0.0/16', clusterCIDR: ['10.0.0.0/8'], serviceCIDR: ['10.96.0.0/12'], proxy });
  const add = (o: unknown) => dp.upsert(o as KubeObject);
  for (let n = 0; n < NODES; n++) {
    add({ kind: 'Node', metadata: { name: nodeName(n) }, spec: { podCIDR: `10.${(n >> 8) + 1}.${n & 255}.0/24` }, status: { addresses: [{ type: 'InternalIP', address: `172.16.${n >> 8}.${(n & 255) + 2}` }] } });
    for (let i = 0; i < PODS_PER_NODE; i++) {
      add({ kind: 'Pod', metadata: { namespace: 'default', name: `p-${n}-${i}` }, spec: { nodeName: nodeName(n), containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP: podIP(n, i) } });
    }
  }
  for (let s = 0; s < SERVICES; s++) {
    add({ kind: 'Service', metadata: { namespace: 'default', name: `svc-${s}` }, spec: { clusterIP: `10.96.${s >> 8}.${s & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    const endpoints = [];
    for (let e = 0; e < ENDPOINTS; e++) {
      const n = (s * 7 + e * 131) % NODES;
      endpoints.push({ addresses: [podIP(n, (s + e) % PODS_PER_NODE)], nodeName: nodeName(n), conditions: { ready: true } });
    }
    add({
      kind: 'EndpointSlice',
      metadata: { namespace: 'default', name: `svc-${s}-x`, labels: { 'kubernetes.io/service-name': `svc-${s}` } },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    });
  }
  dp.sync();
  return dp;
}

describe('netns/trace at scale (1,000 nodes, 10,000 Services)', () => {
  it('builds only the nodes a trace touches', () => {
    const dp = bigCluster();
    assert.equal(dp.topology.nodes.length, NODES);
    assert.equal(dp.model.servicePorts().length, SERVICES);
    assert.equal(dp.kubeRules.usesViews, true);
    const src = dp.topology.pod('default/p-5-1')!;
    const t0 = performance.now();
    const r = tracePacket(dp, { source: { kind: 'pod', pod: src }, dst: parseIPv4('10.96.4.210')!, dport: 80, protocol: 'tcp' });
    const cold = performance.now() - t0;
    // svc-1234's endpoints: nodes (1234·7 + e·131) mod 1000 = 638, 769, 900.
    assert.deepEqual(r.outcomes.map((o) => [o.node, o.verdict]), [['node-0638', 'ACCEPT'], ['node-0769', 'ACCEPT'], ['node-0900', 'ACCEPT']]);
    assert.equal(dp.builtNetworks, 4, 'the source node and the three endpoint nodes');
    const parsed = dp.kubeRules.parsed;
    assert.ok(parsed <= 8, `rulesets parsed: ${parsed}`);
    const t1 = performance.now();
    tracePacket(dp, { source: { kind: 'pod', pod: src }, dst: parseIPv4('10.96.4.211')!, dport: 80, protocol: 'tcp' });
    const warm = performance.now() - t1;
    assert.equal(dp.builtNetworks, 7);
    console.log(`      one trace: ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms on a further Service (${dp.builtNetworks} of ${NODES} nodes built)`);
  });
});
