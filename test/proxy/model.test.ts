import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../lib/api/meta.js';
import type { EndpointSlice, Service } from '../../lib/api/types.js';
import { ServiceProxyModel } from '../../proxy/model.js';
import { clusterIPService, makeService, makeSlice } from './fixtures.js';

/** A plain snapshot of the model: key → info and endpoints as JSON. */
function snapshot(m: ServiceProxyModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of m.servicePorts()) {
    const { loadBalancerSourceRanges, ...info } = e.info;
    const eps = e.endpoints.map((x) => ({ ...x, zoneHints: x.zoneHints && [...x.zoneHints].sort(), nodeHints: x.nodeHints && [...x.nodeHints].sort() }));
    out.set(e.info.key, JSON.stringify({ info, ranges: loadBalancerSourceRanges.map((c) => c.text), eps }));
  }
  return out;
}

function namesOfChanged(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const [k, v] of after) if (before.get(k) !== v) names.add(k.slice(0, k.lastIndexOf('/')));
  for (const k of before.keys()) if (!after.has(k)) names.add(k.slice(0, k.lastIndexOf('/')));
  return [...names].sort();
}

describe('proxy/model ServiceProxyModel', () => {
  it('applies changes only at sync and reports the changed ServicePortNames', () => {
    const m = new ServiceProxyModel();
    const [svc, slice] = clusterIPService('ns1', 'svc1', '172.30.0.41', ['10.180.0.1']);
    m.onServiceAdd(svc);
    m.onEndpointSliceAdd(slice);
    assert.equal(m.servicePorts().length, 0);
    assert.deepEqual(m.sync(), ['ns1/svc1:p80']);
    assert.deepEqual(m.servicePorts().map((e) => [e.info.name, e.endpoints.map((x) => x.endpoint)]), [['ns1/svc1:p80', ['10.180.0.1:80']]]);
    assert.deepEqual(m.sync(), []);
  });

  it('reports nothing for updates that change nothing kube-proxy reads', () => {
    const [svc, slice] = clusterIPService('ns1', 'svc1', '172.30.0.41', ['10.180.0.1']);
    const m = ServiceProxyModel.fromObjects([svc, slice]);
    const before = m.servicePorts()[0];
    m.onServiceUpdate(svc, { ...svc, metadata: { ...svc.metadata, labels: { app: 'x' } } });
    m.onEndpointSliceUpdate(slice, { ...slice, metadata: { ...slice.metadata, resourceVersion: '9' } });
    assert.deepEqual(m.sync(), []);
    assert.equal(m.servicePorts()[0], before);
  });

  it('keeps endpoints of a deleted Service and reattaches them when it comes back', () => {
    const [svc, slice] = clusterIPService('ns1', 'svc1', '172.30.0.41', ['10.180.0.1', '10.180.0.2']);
    const m = ServiceProxyModel.fromObjects([svc, slice]);
    m.onServiceDelete(svc);
    assert.deepEqual(m.sync(), ['ns1/svc1:p80']);
    assert.equal(m.servicePorts().length, 0);
    assert.equal(m.totalEndpoints, 0);
    m.apply({ type: 'ADDED', object: svc });
    assert.deepEqual(m.sync(), ['ns1/svc1:p80']);
    assert.equal(m.totalEndpoints, 2);
  });

  it('only the port whose endpoints changed is reported', () => {
    const svc = makeService('ns', 'dns', (s) => {
      s.spec.clusterIP = '10.96.0.10';
      s.spec.ports = [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ];
    });
    const slice = (ports: { name: string; port: number; protocol: 'UDP' | 'TCP' }[]) =>
      makeSlice('ns', 'dns', 1, (e) => {
        e.endpoints = [{ addresses: ['10.244.1.2'] }];
        e.ports = ports;
      });
    const m = ServiceProxyModel.fromObjects([svc, slice([{ name: 'dns', port: 53, protocol: 'UDP' }])]);
    m.onEndpointSliceUpdate(undefined, slice([{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]));
    assert.deepEqual(m.sync(), ['ns/dns:dns-tcp']);
  });

  it('moves a slice whose service-name label changes', () => {
    const [a, sa] = clusterIPService('ns', 'a', '10.96.0.1', ['10.244.0.1']);
    const [b] = clusterIPService('ns', 'b', '10.96.0.2', []);
    const m = ServiceProxyModel.fromObjects([a, b, sa]);
    const moved: EndpointSlice = { ...sa, metadata: { ...sa.metadata, labels: { 'kubernetes.io/service-name': 'b' } } };
    m.apply({ type: 'MODIFIED', object: moved });
    assert.deepEqual(m.sync(), ['ns/a:p80', 'ns/b:p80']);
    assert.deepEqual(m.servicePorts().map((e) => [e.info.name, e.endpoints.length]), [['ns/a:p80', 0], ['ns/b:p80', 1]]);
  });

  describe('incremental sync equals rebuild (property)', () => {
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.10', '10.0.0.3'];
    const portNames = ['', 'http', 'dns'];
    const arbService = (name: string) =>
      fc.record({
        kind: fc.constant('svc' as const),
        name: fc.constant(name),
        headless: fc.boolean(),
        type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
        etpLocal: fc.boolean(),
        itpLocal: fc.boolean(),
        ports: fc.uniqueArray(fc.constantFrom(...portNames), { minLength: 1, maxLength: 2 }),
        proto: fc.constantFrom('TCP', 'UDP'),
      });
    const arbSlice = (name: string) =>
      fc.record({
        kind: fc.constant('slice' as const),
        name: fc.constant(name),
        idx: fc.integer({ min: 1, max: 2 }),
        ports: fc.uniqueArray(fc.constantFrom(...portNames), { maxLength: 2 }),
        proto: fc.constantFrom('TCP', 'UDP'),
        eps: fc.array(
          fc.record({ ip: fc.constantFrom(...ips), ready: fc.boolean(), terminating: fc.boolean(), node: fc.constantFrom('n1', 'n2', ''), zone: fc.constantFrom('a', 'b', '') }),
          { maxLength: 4 },
        ),
      });
    const arbEvent = fc.oneof(
      fc.constantFrom('s1', 's2', 's3').chain(arbService),
      fc.constantFrom('s1', 's2', 's3').chain(arbSlice),
      fc.record({ kind: fc.constant('delsvc' as const), name: fc.constantFrom('s1', 's2', 's3') }),
      fc.record({ kind: fc.constant('delslice' as const), name: fc.constantFrom('s1', 's2', 's3'), idx: fc.integer({ min: 1, max: 2 }) }),
      fc.constant({ kind: 'sync' as const }),
    );

    type Ev = typeof arbEvent extends fc.Arbitrary<infer T> ? T : never;

    function toObject(ev: Ev): KubeObject | null {
      if (ev.kind === 'svc') {
        return makeService('ns', ev.name, (s: Service) => {
          s.spec.type = ev.type as Service['spec']['type'];
          s.spec.clusterIP = ev.headless ? 'None' : `10.96.0.${ev.name.slice(1)}`;
          s.spec.externalTrafficPolicy = ev.etpLocal ? 'Local' : 'Cluster';
          s.spec.internalTrafficPolicy = ev.itpLocal ? 'Local' : 'Cluster';
          s.spec.ports = ev.ports.map((p, i) => ({ name: p, port: 80 + i, protocol: ev.proto as 'TCP', nodePort: ev.type === 'ClusterIP' ? undefined : 30000 + i }));
        });
      }
      if (ev.kind === 'slice') {
        return makeSlice('ns', ev.name, ev.idx, (e) => {
          e.ports = ev.ports.map((p) => ({ name: p, port: 8080, protocol: ev.proto as 'TCP' }));
          e.endpoints = ev.eps.map((x) => ({
            addresses: [x.ip],
            nodeName: x.node || undefined,
            conditions: { ready: x.ready, serving: true, terminating: x.terminating },
            hints: x.zone ? { forZones: [{ name: x.zone }] } : undefined,
          }));
        });
      }
      return null;
    }

    it('state after any event sequence equals a model built from the final objects, and sync reports exactly the changes', () => {
      fc.assert(
        fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
          const m = new ServiceProxyModel();
          const live = new Map<string, KubeObject>();
          let before = snapshot(m);
          for (const ev of events) {
            if (ev.kind === 'sync') {
              const changed = m.sync();
              const after = snapshot(m);
              assert.deepEqual(changed, namesOfChanged(before, after));
              before = after;
              continue;
            }
            if (ev.kind === 'delsvc') {
              const o = live.get(`Service/${ev.name}`);
              if (o) m.onServiceDelete(o as Service);
              live.delete(`Service/${ev.name}`);
            } else if (ev.kind === 'delslice') {
              const o = live.get(`EndpointSlice/${ev.name}-${ev.idx}`);
              if (o) m.onEndpointSliceDelete(o as EndpointSlice);
              live.delete(`EndpointSlice/${ev.name}-${ev.idx}`);
            } else {
              const o = toObject(ev)!;
              m.apply({ type: 'MODIFIED', object: o });
              live.set(`${o.kind}/${o.metadata.name}`, o);
            }
          }
          const changed = m.sync();
          assert.deepEqual(changed, namesOfChanged(before, snapshot(m)));
          const fresh = ServiceProxyModel.fromObjects(live.values());
          assert.deepEqual(snapshot(m), snapshot(fresh));
          assert.equal(m.totalEndpoints, fresh.totalEndpoints);
        }),
        { seed: 42, numRuns: 200 },
      );
    });
  });
});
