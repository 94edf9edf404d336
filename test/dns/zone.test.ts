import assert from 'node:assert/strict';
import fc from 'fast-check';
import { answerQuery, formatRR } from '../../dns/kubernetes.js';
import { ClusterZone, clusterDNSConfig, endpointHostname } from '../../dns/zone.js';
import type { KubeObject } from '../../lib/api/meta.js';
import { ep, namespace, pod, service, slice } from './fixtures.js';

const A = (zone: ClusterZone, name: string, type = 'A') => {
  const r = answerQuery(zone, { name, type });
  return `${r.rcode} ${r.answer.map(formatRR).join(' | ')}`;
};

describe('dns/zone ClusterZone', () => {
  it('defaults follow spec §1 (cluster.local, 10th address of serviceCIDR, pods insecure, ttl 30)', () => {
    const c = clusterDNSConfig();
    assert.deepEqual(c, {
      zone: 'cluster.local', dnsServiceIP: '10.96.0.10', pods: 'insecure', ttl: 30, endpointPodNames: false,
      namespaces: [], ignoreEmptyService: false, zones: [], upstream: { records: [], forward: [] },
    });
    assert.equal(clusterDNSConfig({ serviceCIDR: ['fd00:10:96::/108', '10.0.0.0/16'] }).dnsServiceIP, 'fd00:10:96::a');
    assert.equal(clusterDNSConfig({ serviceCIDR: '172.20.0.0/16', dnsDomain: 'Corp.Example.' }).dnsServiceIP, '172.20.0.10');
    assert.equal(clusterDNSConfig({ dnsDomain: 'Corp.Example.' }).zone, 'corp.example');
  });

  it('names endpoints as CoreDNS does (hostname, pod name < 64, dashed address)', () => {
    assert.equal(endpointHostname('10.1.2.3', 'web-0', 'pod', true), 'web-0');
    assert.equal(endpointHostname('10.1.2.3', undefined, 'my-pod', true), 'my-pod');
    assert.equal(endpointHostname('10.1.2.3', undefined, 'x'.repeat(64), true), '10-1-2-3');
    assert.equal(endpointHostname('10.1.2.3', undefined, 'my-pod', false), '10-1-2-3');
    assert.equal(endpointHostname('5678:abcd::1', undefined, undefined, false), '5678-abcd--1');
    assert.equal(endpointHostname('2001:db8::', undefined, undefined, false), '2001-db8--0');
  });

  it('answers a Service the moment it is upserted, and forgets it on remove', () => {
    const zone = new ClusterZone(clusterDNSConfig());
    zone.upsert(namespace('default'));
    const r0 = zone.revision;
    assert.equal(A(zone, 'redis-master.default.svc.cluster.local'), 'NXDOMAIN ');
    const svc = service('default', 'redis-master', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'redis', port: 6379 }] });
    zone.upsert(svc);
    assert.ok(zone.revision > r0);
    assert.equal(A(zone, 'redis-master.default.svc.cluster.local'), 'NOERROR redis-master.default.svc.cluster.local. 30 IN A 10.96.0.20');
    assert.equal(A(zone, '20.0.96.10.in-addr.arpa', 'PTR'), 'NOERROR 20.0.96.10.in-addr.arpa. 30 IN PTR redis-master.default.svc.cluster.local.');
    // a changed ClusterIP moves the reverse index too
    zone.upsert(service('default', 'redis-master', { clusterIP: '10.96.0.21', clusterIPs: ['10.96.0.21'] }));
    assert.equal(A(zone, '20.0.96.10.in-addr.arpa', 'PTR'), 'REFUSED ');
    assert.equal(A(zone, '21.0.96.10.in-addr.arpa', 'PTR'), 'NOERROR 21.0.96.10.in-addr.arpa. 30 IN PTR redis-master.default.svc.cluster.local.');
    zone.remove(svc);
    assert.equal(A(zone, 'redis-master.default.svc.cluster.local'), 'NXDOMAIN ');
    assert.equal(A(zone, '21.0.96.10.in-addr.arpa', 'PTR'), 'REFUSED ');
  });

  it('links slices to their Service by kubernetes.io/service-name, in any arrival order', () => {
    const zone = new ClusterZone(clusterDNSConfig());
    zone.upsert(namespace('default'));
    zone.upsert(slice('default', 'db-abc', 'db', 'IPv4', [ep('10.244.1.5'), ep('10.244.2.6', { conditions: { ready: false } })]));
    assert.equal(A(zone, 'db.default.svc.cluster.local'), 'NXDOMAIN ');
    zone.upsert(service('default', 'db', { clusterIP: 'None', clusterIPs: ['None'] }));
    assert.equal(A(zone, 'db.default.svc.cluster.local'), 'NOERROR db.default.svc.cluster.local. 30 IN A 10.244.1.5');
    // the pod becomes ready: the slice is updated in place
    zone.upsert(slice('default', 'db-abc', 'db', 'IPv4', [ep('10.244.1.5'), ep('10.244.2.6')]));
    assert.equal(A(zone, 'db.default.svc.cluster.local'), 'NOERROR db.default.svc.cluster.local. 30 IN A 10.244.1.5 | db.default.svc.cluster.local. 30 IN A 10.244.2.6');
    assert.equal(A(zone, '6.2.244.10.in-addr.arpa', 'PTR'), 'NOERROR 6.2.244.10.in-addr.arpa. 30 IN PTR 10-244-2-6.db.default.svc.cluster.local.');
    // the label moves the slice to another Service
    zone.upsert(slice('default', 'db-abc', 'other', 'IPv4', [ep('10.244.1.5')]));
    assert.equal(A(zone, 'db.default.svc.cluster.local'), 'NXDOMAIN ');
    zone.remove(slice('default', 'db-abc', 'other', 'IPv4', []));
    assert.equal(A(zone, '5.1.244.10.in-addr.arpa', 'PTR'), 'REFUSED ');
  });

  it('ignores pod updates DNS cannot see, and updates of terminating pods', () => {
    const zone = new ClusterZone(clusterDNSConfig({ dns: { pods: 'verified' } }));
    zone.upsert(namespace('default'));
    const p = pod('default', 'a', '10.244.0.7');
    zone.upsert(p);
    const r = zone.revision;
    zone.upsert({ ...p, metadata: { ...p.metadata, labels: { x: 'y' } } });
    assert.equal(zone.revision, r);
    assert.equal(A(zone, '10-244-0-7.default.pod.cluster.local'), 'NOERROR 10-244-0-7.default.pod.cluster.local. 30 IN A 10.244.0.7');
    zone.upsert({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:10Z' }, status: { podIP: '10.244.0.8' } });
    assert.equal(A(zone, '10-244-0-7.default.pod.cluster.local'), 'NOERROR 10-244-0-7.default.pod.cluster.local. 30 IN A 10.244.0.7');
    zone.remove(p);
    assert.equal(A(zone, '10-244-0-7.default.pod.cluster.local'), 'NXDOMAIN ');
  });

  it('namespaces come and go', () => {
    const zone = new ClusterZone(clusterDNSConfig());
    assert.equal(A(zone, 'team-a.svc.cluster.local'), 'NXDOMAIN ');
    zone.upsert(namespace('team-a'));
    assert.equal(A(zone, 'team-a.svc.cluster.local'), 'NOERROR ');
    zone.remove(namespace('team-a'));
    assert.equal(A(zone, 'team-a.svc.cluster.local'), 'NXDOMAIN ');
  });

  it('incremental updates answer exactly as a zone rebuilt from the final objects (property)', () => {
    const names = ['a', 'b', 'c'];
    const ipOf = (i: number) => `10.244.0.${i}`;
    const objArb: fc.Arbitrary<KubeObject> = fc.oneof(
      fc.record({ n: fc.constantFrom(...names), headless: fc.boolean(), ip: fc.integer({ min: 1, max: 4 }) }).map(({ n, headless, ip }) =>
        service('default', n, headless ? { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80 }] } : { clusterIP: `10.96.0.${ip}`, clusterIPs: [`10.96.0.${ip}`], ports: [{ name: 'http', port: 80 }] })),
      fc.record({
        s: fc.constantFrom('s1', 's2', 's3', 's4'),
        n: fc.constantFrom(...names),
        eps: fc.array(fc.record({ ip: fc.integer({ min: 1, max: 6 }), ready: fc.boolean(), host: fc.option(fc.constantFrom('h0', 'h1'), { nil: undefined }) }), { maxLength: 4 }),
      }).map(({ s, n, eps }) => slice('default', s, n, 'IPv4', eps.map((e) => ep(ipOf(e.ip), { conditions: { ready: e.ready }, ...(e.host ? { hostname: e.host } : {}) })))),
    );
    const opArb = fc.record({ remove: fc.boolean(), obj: objArb });
    const questions: [string, string][] = [];
    for (const n of names) {
      questions.push([`${n}.default.svc.cluster.local`, 'A'], [`_http._tcp.${n}.default.svc.cluster.local`, 'SRV'], [`h0.${n}.default.svc.cluster.local`, 'A']);
      for (let i = 1; i <= 6; i++) questions.push([`10-244-0-${i}.${n}.default.svc.cluster.local`, 'A']);
    }
    for (let i = 1; i <= 6; i++) questions.push([`${i}.0.244.10.in-addr.arpa`, 'PTR']);
    for (let i = 1; i <= 4; i++) questions.push([`${i}.0.96.10.in-addr.arpa`, 'PTR']);
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const live = new ClusterZone(clusterDNSConfig());
        live.upsert(namespace('default'));
        const final = new Map<string, KubeObject>();
        for (const { remove, obj } of ops) {
          const key = `${obj.kind}/${obj.metadata.name}`;
          if (remove) { live.remove(obj); final.delete(key); }
          else { live.upsert(obj); final.set(key, obj); }
        }
        const rebuilt = new ClusterZone(clusterDNSConfig());
        rebuilt.upsert(namespace('default'));
        for (const o of final.values()) rebuilt.upsert(o);
        for (const [name, type] of questions) {
          const strip = (z: ClusterZone) => { const r = answerQuery(z, { name, type }); return JSON.stringify({ ...r, authority: r.authority.length }); };
          assert.equal(strip(live), strip(rebuilt), `${name} ${type}`);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
