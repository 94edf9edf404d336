// Exact query sequences of the glibc and musl search-list walks (reference §12).
import assert from 'node:assert/strict';
import { answerQuery, type DnsAnswer } from '../../dns/kubernetes.js';
import { resolveName, type QueryFunction } from '../../dns/resolver.js';
import type { ResolvConf } from '../../dns/resolvconf.js';
import { ClusterZone, clusterDNSConfig } from '../../dns/zone.js';
import { namespace, service } from './fixtures.js';

const zone = new ClusterZone(
  clusterDNSConfig({
    dns: {
      upstream: {
        records: [
          '. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 2026010100 1800 900 604800 86400',
          'example.com. 300 IN A 93.184.215.14',
          'gw.corp.internal. 300 IN A 192.168.0.1',
        ],
      },
    },
  }),
);
for (const o of [
  namespace('default'),
  namespace('kube-system'),
  service('default', 'redis-master', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 6379 }] }),
  service('default', 'svc6', { clusterIP: 'fd00:10:96::20', clusterIPs: ['fd00:10:96::20'], ports: [{ port: 80 }] }),
]) zone.upsert(o);

const query: QueryFunction = (name, type) => answerQuery(zone, { name, type });
const rc = (searches: string[], ndots = 5): ResolvConf => ({ nameservers: ['10.96.0.10'], searches, options: [{ name: 'ndots', value: String(ndots) }] });
const CLUSTER = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];
const WITH_NODE = [...CLUSTER, 'corp.internal'];
const seq = (w: { queries: { name: string; type: string; rcode: string }[] }) => w.queries.map((q) => `${q.name} ${q.type} ${q.rcode}`);

describe('dns/resolver resolveName', () => {
  it('redis-master from its own namespace: one query', () => {
    const w = resolveName(rc(WITH_NODE), 'redis-master', 'A', query);
    assert.deepEqual(seq(w), ['redis-master.default.svc.cluster.local. A NOERROR']);
    assert.equal(w.status, 'NOERROR');
    assert.equal(w.queryCount, 1);
    assert.deepEqual(w.answers, [{ name: 'redis-master.default.svc.cluster.local.', type: 'A', ttl: 30, data: '10.96.0.20' }]);
    assert.deepEqual(w.final, { name: 'redis-master.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: w.answers });
    assert.equal(w.resolvedName, 'redis-master.default.svc.cluster.local.');
  });

  it('redis-master.default: two queries', () => {
    assert.deepEqual(seq(resolveName(rc(WITH_NODE), 'redis-master.default', 'A', query)), [
      'redis-master.default.default.svc.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.cluster.local. A NOERROR',
    ]);
  });

  it('redis-master.default.svc: three queries', () => {
    assert.deepEqual(seq(resolveName(rc(WITH_NODE), 'redis-master.default.svc', 'A', query)), [
      'redis-master.default.svc.default.svc.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.svc.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.cluster.local. A NOERROR',
    ]);
  });

  it('the FQDN without a trailing dot (4 dots < ndots 5): every suffix fails first', () => {
    const w = resolveName(rc(WITH_NODE), 'redis-master.default.svc.cluster.local', 'A', query);
    assert.deepEqual(seq(w), [
      'redis-master.default.svc.cluster.local.default.svc.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.cluster.local.svc.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.cluster.local.cluster.local. A NXDOMAIN',
      'redis-master.default.svc.cluster.local.corp.internal. A NXDOMAIN',
      'redis-master.default.svc.cluster.local. A NOERROR',
    ]);
    assert.equal(resolveName(rc(CLUSTER), 'redis-master.default.svc.cluster.local', 'A', query).queryCount, 4);
  });

  it('a trailing dot: exactly one query, glibc and musl alike', () => {
    for (const resolver of ['glibc', 'musl'] as const) {
      assert.deepEqual(seq(resolveName(rc(WITH_NODE), 'redis-master.default.svc.cluster.local.', 'A', query, { resolver })), ['redis-master.default.svc.cluster.local. A NOERROR']);
    }
    const miss = resolveName(rc(WITH_NODE), 'nope.default.svc.cluster.local.', 'A', query);
    assert.deepEqual(seq(miss), ['nope.default.svc.cluster.local. A NXDOMAIN']);
    assert.equal(miss.status, 'NXDOMAIN');
  });

  it('example.com with ndots 5: four NXDOMAINs before the real query, doubled by A+AAAA', () => {
    const w = resolveName(rc(WITH_NODE), 'example.com', 'A', query);
    assert.deepEqual(seq(w), [
      'example.com.default.svc.cluster.local. A NXDOMAIN',
      'example.com.svc.cluster.local. A NXDOMAIN',
      'example.com.cluster.local. A NXDOMAIN',
      'example.com.corp.internal. A NXDOMAIN',
      'example.com. A NOERROR',
    ]);
    assert.deepEqual(w.answers, [{ name: 'example.com.', type: 'A', ttl: 300, data: '93.184.215.14' }]);
    const both = resolveName(rc(WITH_NODE), 'example.com', 'A+AAAA', query);
    assert.equal(both.queryCount, 10);
    assert.deepEqual(seq(both).slice(0, 2), ['example.com.default.svc.cluster.local. A NXDOMAIN', 'example.com.default.svc.cluster.local. AAAA NXDOMAIN']);
    assert.deepEqual(seq(both).slice(8), ['example.com. A NOERROR', 'example.com. AAAA NOERROR']);
    // the trailing dot or ndots:1 remove the amplification
    assert.equal(resolveName(rc(WITH_NODE), 'example.com.', 'A+AAAA', query).queryCount, 2);
    assert.equal(resolveName(rc(WITH_NODE, 1), 'example.com', 'A+AAAA', query).queryCount, 2);
  });

  it('ndots 1 and redis-master.default: glibc tries it as is first, then searches; musl only tries it as is', () => {
    const g = resolveName(rc(WITH_NODE, 1), 'redis-master.default', 'A', query);
    assert.deepEqual(seq(g), ['redis-master.default. A NXDOMAIN', 'redis-master.default.default.svc.cluster.local. A NXDOMAIN', 'redis-master.default.svc.cluster.local. A NOERROR']);
    assert.equal(g.status, 'NOERROR');
    const m = resolveName(rc(WITH_NODE, 1), 'redis-master.default', 'A', query, { resolver: 'musl' });
    assert.deepEqual(seq(m), ['redis-master.default. A NXDOMAIN']);
    assert.equal(m.status, 'NXDOMAIN');
    // ndots 2: a one-dot name is searched first again
    assert.equal(resolveName(rc(WITH_NODE, 2), 'redis-master.default', 'A', query, { resolver: 'musl' }).queryCount, 2);
  });

  it('an IPv6-only service looked up for A: glibc walks on after NODATA, musl stops', () => {
    const g = resolveName(rc(CLUSTER), 'svc6', 'A', query);
    assert.deepEqual(seq(g), ['svc6.default.svc.cluster.local. A NOERROR', 'svc6.svc.cluster.local. A NXDOMAIN', 'svc6.cluster.local. A NXDOMAIN', 'svc6. A NXDOMAIN']);
    assert.equal(g.status, 'NODATA');
    const m = resolveName(rc(CLUSTER), 'svc6', 'A', query, { resolver: 'musl' });
    assert.deepEqual(seq(m), ['svc6.default.svc.cluster.local. A NOERROR']);
    assert.equal(m.status, 'NODATA');
    // getaddrinfo(AF_UNSPEC) finds it: the AAAA reply has the address
    const both = resolveName(rc(CLUSTER), 'svc6', 'A+AAAA', query, { resolver: 'musl' });
    assert.equal(both.status, 'NOERROR');
    assert.deepEqual(both.answers.map((a) => a.data), ['fd00:10:96::20']);
  });

  it('musl A+AAAA: an A-only name succeeds although its AAAA is NODATA', () => {
    const m = resolveName(rc(WITH_NODE), 'redis-master', 'A+AAAA', query, { resolver: 'musl' });
    assert.deepEqual(seq(m), ['redis-master.default.svc.cluster.local. A NOERROR', 'redis-master.default.svc.cluster.local. AAAA NOERROR']);
    assert.equal(m.status, 'NOERROR');
  });

  it('a node search domain answering NODATA stops musl (k3s#6561) but not glibc', () => {
    // The corporate DNS has a wildcard-ish TXT at example.com.corp.internal: NOERROR, no A.
    const wild = new ClusterZone(clusterDNSConfig({ dns: { upstream: { records: ['. 86400 IN SOA a. b. 1 1 1 1 60', 'example.com.corp.internal. 60 IN TXT "x"', 'example.com. 300 IN A 93.184.215.14'] } } }));
    wild.upsert(namespace('default'));
    const q: QueryFunction = (name, type) => answerQuery(wild, { name, type });
    const m = resolveName(rc(WITH_NODE), 'example.com', 'A', q, { resolver: 'musl' });
    assert.equal(m.queryCount, 4);
    assert.equal(m.status, 'NODATA');
    const g = resolveName(rc(WITH_NODE), 'example.com', 'A', q);
    assert.equal(g.queryCount, 5);
    assert.equal(g.status, 'NOERROR');
  });

  it('SERVFAIL: glibc moves to the next suffix, musl gives up (EAI_AGAIN)', () => {
    const flaky: QueryFunction = (name, type) => {
      if (name === 'redis-master.default.default.svc.cluster.local.') return { rcode: 'SERVFAIL', authoritative: false, answer: [], authority: [], additional: [] } satisfies DnsAnswer;
      return query(name, type);
    };
    assert.equal(resolveName(rc(WITH_NODE), 'redis-master.default', 'A', flaky).status, 'NOERROR');
    const m = resolveName(rc(WITH_NODE), 'redis-master.default', 'A', flaky, { resolver: 'musl' });
    assert.equal(m.status, 'SERVFAIL');
    assert.equal(m.queryCount, 1);
  });

  it('REFUSED ends the glibc walk; musl ignores the reply and times out', () => {
    const refusing = new ClusterZone(clusterDNSConfig());
    refusing.upsert(namespace('default'));
    const q: QueryFunction = (name, type) => answerQuery(refusing, { name, type });
    const g = resolveName(rc(WITH_NODE), 'example.com', 'A', q);
    assert.deepEqual(seq(g).at(-1), 'example.com.corp.internal. A REFUSED');
    assert.equal(g.status, 'REFUSED');
    assert.equal(g.queryCount, 4);
    assert.equal(resolveName(rc(WITH_NODE), 'example.com', 'A', q, { resolver: 'musl' }).status, 'TIMEOUT');
  });

  it('musl ignores a search line longer than its 256-byte line buffer', () => {
    const long = [...CLUSTER, ...Array.from({ length: 12 }, (_, i) => `node-domain-${i}.corp.internal`)];
    const m = resolveName(rc(long), 'redis-master', 'A', query, { resolver: 'musl' });
    assert.deepEqual(seq(m), ['redis-master. A NXDOMAIN']);
    assert.equal(resolveName(rc(long), 'redis-master', 'A', query).queryCount, 1);
  });
});
