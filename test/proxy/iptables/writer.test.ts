// The writer's caches and incremental refresh must never change what a node's dump says:
// after any sequence of changes, NodeRuleset.refresh() gives the text a fresh writer
// computes from a fresh model, for every node, while nodes share one writer.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../../lib/api/meta.js';
import type { Service } from '../../../lib/api/types.js';
import { proxyConfig } from '../../../proxy/iptables/config.js';
import { IptablesWriter, renderIptables } from '../../../proxy/iptables/writer.js';
import { ServiceProxyModel } from '../../../proxy/model.js';
import type { NodeView } from '../../../proxy/nodeview.js';
import { makeService, makeSlice } from '../fixtures.js';

const nodes: NodeView[] = [
  { nodeName: 'n1', nodeIPs: ['192.168.0.11'], zone: 'a', podCIDR: '10.244.1.0/24' },
  { nodeName: 'n2', nodeIPs: ['192.168.1.12'], zone: 'b', podCIDR: '10.244.2.0/24' },
];

const arbService = fc.record({
  kind: fc.constant('svc' as const),
  name: fc.constantFrom('s1', 's2', 's3', 's4'),
  type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
  etpLocal: fc.boolean(),
  itpLocal: fc.boolean(),
  affinity: fc.boolean(),
  ranges: fc.boolean(),
  extIP: fc.boolean(),
});
const arbSlice = fc.record({
  kind: fc.constant('slice' as const),
  name: fc.constantFrom('s1', 's2', 's3', 's4'),
  eps: fc.array(
    fc.record({
      ip: fc.integer({ min: 1, max: 6 }),
      node: fc.constantFrom('n1', 'n2', ''),
      ready: fc.boolean(),
      terminating: fc.boolean(),
      zone: fc.constantFrom('a', 'b', ''),
    }),
    { maxLength: 5 },
  ),
});
const arbDelete = fc.record({ kind: fc.constant('del' as const), name: fc.constantFrom('s1', 's2', 's3', 's4'), slice: fc.boolean() });
type Ev = { kind: 'svc' | 'slice' | 'del' } & Record<string, unknown>;
type SvcEv = typeof arbService extends fc.Arbitrary<infer T> ? T : never;
type SliceEv = typeof arbSlice extends fc.Arbitrary<infer T> ? T : never;

function toObject(ev: SvcEv | SliceEv): KubeObject {
  const idx = Number(ev.name.slice(1));
  if (ev.kind === 'svc') {
    return makeService('ns', ev.name, (s: Service) => {
      s.spec.type = ev.type as Service['spec']['type'];
      s.spec.clusterIP = `10.96.0.${idx}`;
      s.spec.externalTrafficPolicy = ev.etpLocal ? 'Local' : 'Cluster';
      s.spec.internalTrafficPolicy = ev.itpLocal ? 'Local' : 'Cluster';
      if (ev.affinity) s.spec.sessionAffinity = 'ClientIP';
      if (ev.extIP) s.spec.externalIPs = [`198.51.100.${idx}`];
      if (ev.type !== 'ClusterIP') s.spec.healthCheckNodePort = 32000 + idx;
      s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', nodePort: ev.type === 'ClusterIP' ? undefined : 30000 + idx }];
      if (ev.type === 'LoadBalancer') {
        s.status = { loadBalancer: { ingress: [{ ip: `172.18.255.${idx}` }] } };
        if (ev.ranges) s.spec.loadBalancerSourceRanges = ['192.168.0.0/24'];
      }
    });
  }
  return makeSlice('ns', ev.name, 1, (e) => {
    e.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    e.endpoints = ev.eps.map((x) => ({
      addresses: [`10.244.${idx}.${x.ip}`],
      nodeName: x.node || undefined,
      conditions: { ready: x.ready, serving: true, terminating: x.terminating },
      hints: x.zone ? { forZones: [{ name: x.zone }] } : undefined,
    }));
  });
}

describe('proxy/iptables writer', () => {
  it('incremental refresh on shared caches equals a fresh render (property)', () => {
    const configs = [proxyConfig({ clusterCIDR: '10.244.0.0/16' }), proxyConfig({ detectLocalMode: 'NodeCIDR', masqueradeAll: true })];
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(arbService, arbSlice, arbDelete), { maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.constantFrom(0, 1), fc.boolean(), (batches, useNames, ci, skipSome) => {
        const config = configs[ci]!;
        const model = new ServiceProxyModel();
        const writer = new IptablesWriter(config);
        const sets = nodes.map((n) => writer.forNode(model, n));
        const live = new Map<string, KubeObject>();
        for (const [bi, batch] of batches.entries()) {
          for (const ev of batch as Ev[]) {
            if (ev.kind === 'del') {
              const key = `${ev.slice ? 'EndpointSlice' : 'Service'}/${ev.name}${ev.slice ? '-1' : ''}`;
              const o = live.get(key);
              if (o) model.apply({ type: 'DELETED', object: o });
              live.delete(key);
            } else {
              const o = toObject(ev as never);
              model.apply({ type: 'MODIFIED', object: o });
              live.set(`${o.kind}/${o.metadata.name}`, o);
            }
          }
          const changed = model.sync();
          // Some syncs go unseen: the next refresh must notice its names are not enough.
          if (skipSome && bi % 2 === 0 && bi < batches.length - 1) continue;
          for (const s of sets) s.refresh(useNames ? changed : undefined);
          const fresh = ServiceProxyModel.fromObjects(live.values());
          for (const [i, s] of sets.entries()) {
            const want = renderIptables(fresh, nodes[i]!, config);
            assert.equal(s.text(), want.text);
            assert.equal(s.natRules, want.natRules);
            assert.equal(s.filterRules, want.filterRules);
          }
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('shares one cached rendering between nodes that see the same endpoints', () => {
    const objects = [
      makeService('ns', 'lb', (s) => {
        s.spec.type = 'LoadBalancer';
        s.spec.clusterIP = '10.96.0.1';
        s.spec.externalTrafficPolicy = 'Local';
        s.spec.ports = [{ port: 80, nodePort: 30001 }];
      }),
      makeSlice('ns', 'lb', 1, (e) => {
        e.ports = [{ name: '', port: 80 }];
        e.endpoints = [{ addresses: ['10.244.1.5'], nodeName: 'n1' }];
      }),
    ];
    const model = ServiceProxyModel.fromObjects(objects);
    const writer = new IptablesWriter(proxyConfig({ clusterCIDR: '10.244.0.0/16' }));
    const entry = model.servicePorts()[0]!;
    const view = (name: string): NodeView => ({ nodeName: name, nodeIPs: ['192.168.0.50'], zone: '', podCIDR: '' });
    const rules = (n: string) => writer.servicePortRules(entry, view(n), writer.context(model, view(n)));
    assert.equal(rules('n2'), rules('n3'));
    assert.notEqual(rules('n1'), rules('n2'));
    assert.match(rules('n1').natChains.map((c) => c.name).join(' '), /KUBE-SVL-/);
    assert.doesNotMatch(rules('n2').natChains.map((c) => c.name).join(' '), /KUBE-SVL-/);
  });
});
