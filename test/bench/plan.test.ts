// The model side of the benchmark: each client's resolv.conf, the names every run asks, and the
// queries per lookup the libc walk takes — expected counts worked out from the glibc/musl rules
// (reference §12), not read from output.
import assert from 'node:assert/strict';
import { answerQuery } from '../../dns/kubernetes.js';
import { podResolvConf } from '../../dns/resolvconf.js';
import type { ResolverKind } from '../../dns/resolver.js';
import { parseBenchmark } from '../../lib/bench/benchmark.js';
import { type BenchClient, planRuns } from '../../lib/bench/plan.js';
import { UPSTREAM_RECORDS, fixtureZone, pod } from '../dns/fixtures.js';

// A root SOA: every outside name the simulated Internet does not know is NXDOMAIN, as behind a real recursive resolver.
const ROOT_SOA = '. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400';

function client(ns: string, resolver: ResolverKind): BenchClient {
  const rc = podResolvConf(pod(ns, 'client', '10.244.1.9'), { clusterDomain: 'cluster.local', clusterDNS: ['10.96.0.10'], hostResolvConf: '' }).resolvConf;
  return { from: `pod/${ns}/client`, namespace: ns, pod: 'client', resolver, resolvConf: rc };
}

describe('bench/plan (queries per lookup from the resolver rules)', () => {
  const zone = fixtureZone({ upstream: { records: [...UPSTREAM_RECORDS, ROOT_SOA] } });
  const model = (name: string, type: string) => answerQuery(zone, { name, type });
  const clients = [client('testns', 'glibc'), client('testns', 'musl'), client('default', 'glibc')];
  const { benchmark } = parseBenchmark({
    kind: 'dns', clients: clients.map((c) => c.from),
    mix: ['svc1', 'svc1.testns', 'ext.interwebs.test', 'nothere', { name: 'svc1', type: 'A+AAAA' }],
    compare: { ndots: [1], fqdn: true },
  });
  const runs = planRuns(benchmark!, clients, model);
  /** [client][entry] -> "queries STATUS". */
  const table = (i: number) => runs[i]!.expected.map((row) => row.map((w) => `${w.queries} ${w.status}`));

  it('kubelet resolv.conf for ClusterFirst: three cluster search domains, ndots:5', () => {
    assert.deepEqual(clients[0]!.resolvConf, { nameservers: ['10.96.0.10'], searches: ['testns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: [{ name: 'ndots', value: '5' }] });
    assert.deepEqual(runs.map((r) => r.name), ['baseline', 'ndots:1', 'fqdn']);
  });

  it('baseline (ndots:5): the first search domain hits in the own namespace; other names walk the whole list', () => {
    assert.deepEqual(table(0), [
      // svc1      svc1.testns  ext.interwebs.test  nothere        svc1 A+AAAA
      ['1 NOERROR', '2 NOERROR', '4 NOERROR', '4 NXDOMAIN', '2 NOERROR'], // testns, glibc
      ['1 NOERROR', '2 NOERROR', '4 NOERROR', '4 NXDOMAIN', '2 NOERROR'], // testns, musl
      ['4 NXDOMAIN', '2 NOERROR', '4 NOERROR', '4 NXDOMAIN', '8 NXDOMAIN'], // default, glibc: svc1 is not in its namespace
    ]);
  });

  it('ndots:1: dotted names go out as they are first; musl then never searches', () => {
    assert.deepEqual(runs[1]!.clients[0]!.rc.options, [{ name: 'ndots', value: '1' }]);
    assert.deepEqual(table(1), [
      ['1 NOERROR', '3 NOERROR', '1 NOERROR', '4 NXDOMAIN', '2 NOERROR'],
      ['1 NOERROR', '1 NXDOMAIN', '1 NOERROR', '4 NXDOMAIN', '2 NOERROR'],
      ['4 NXDOMAIN', '3 NOERROR', '1 NOERROR', '4 NXDOMAIN', '8 NXDOMAIN'],
    ]);
  });

  it('fqdn: the name the baseline resolved, with its trailing dot, costs one query per type', () => {
    assert.deepEqual(runs[2]!.clients.map((c) => c.names), [
      ['svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.', 'ext.interwebs.test.', 'nothere.', 'svc1.testns.svc.cluster.local.'],
      ['svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.', 'ext.interwebs.test.', 'nothere.', 'svc1.testns.svc.cluster.local.'],
      ['svc1.', 'svc1.testns.svc.cluster.local.', 'ext.interwebs.test.', 'nothere.', 'svc1.'],
    ]);
    assert.deepEqual(table(2), [
      ['1 NOERROR', '1 NOERROR', '1 NOERROR', '1 NXDOMAIN', '2 NOERROR'],
      ['1 NOERROR', '1 NOERROR', '1 NOERROR', '1 NXDOMAIN', '2 NOERROR'],
      ['1 NXDOMAIN', '1 NOERROR', '1 NOERROR', '1 NXDOMAIN', '2 NXDOMAIN'],
    ]);
  });
});
