// Integration: `netsim bench` end to end on a small guestbook-like cluster — the real DNS server
// on 127.0.0.1, the load generator on a worker thread, report.json and the plots on disk.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../lib/api/errors.js';
import type { DnsBenchReport } from '../../lib/bench/report.js';
import { benchCommand } from '../../lib/cli/bench.js';
import { ScenarioError } from '../../lib/scenario/load.js';

const CLUSTER = `apiVersion: netsim/v1alpha1
kind: Scenario
metadata: {name: bench-it}
cluster:
  dns:
    upstream:
      records:
        - "ext.example.test. 300 IN A 203.0.113.10"
        - ". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400"
  nodes: [{name: node-1}, {name: node-2}]
BENCHMARK
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis-master}
spec:
  replicas: 1
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec: {containers: [{name: redis, image: redis:7}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis-master}
spec: {selector: {app: redis}, ports: [{port: 6379}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  replicas: 2
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: php, image: php:8-apache}]}
---
apiVersion: v1
kind: Pod
metadata: {name: alpine-client}
spec: {containers: [{name: sh, image: "alpine:3.20"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: host-agent}
spec: {hostNetwork: true, containers: [{name: agent, image: "debian:12"}]}
`;

const BENCHMARK = `benchmark:
  kind: dns
  duration: 1s
  rate: 100
  clients: [pod:app=frontend, {from: pod/alpine-client, resolver: musl}]
  mix:
    - {name: redis-master, weight: 3}
    - {name: redis-master.default.svc.cluster.local., weight: 1}
    - {name: ext.example.test, weight: 1}
    - {name: missing, weight: 1}
  compare: {ndots: [1], duration: 300ms}`;

describe('netsim bench (DNS workload against the real server)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netsim-bench-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const scenario = (benchmark: string) => {
    const file = join(dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, CLUSTER.replace('BENCHMARK', benchmark));
    return file;
  };
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const [file, ...flags] = argv;
    const values: Record<string, unknown> = {};
    for (let i = 0; i < flags.length; i++) {
      const k = flags[i]!.replace(/^--/, '');
      if (k === 'json') values.json = true;
      else values[k] = flags[++i];
    }
    const code = await benchCommand({ values, positionals: [file!] }, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('measures lookups, amplification and latency per run; writes report.json and the plots; leaves no socket open', async () => {
    const udpBefore = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    const out = join(dir, 'out');
    const r = await run(scenario(BENCHMARK), '--output', out, '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as DnsBenchReport;
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), report);
    assert.deepEqual(report.runs.map((x) => x.name), ['baseline', 'ndots:1']);
    const [baseline, ndots1] = report.runs;
    for (const x of report.runs) {
      assert.ok(x.lookups.completed > 0 && x.lookups.completed <= x.lookups.planned, `${x.name}: ${x.lookups.completed} lookups`);
      assert.equal(x.queries.lost, 0);
      assert.equal(x.queries.lossPercent, 0);
      assert.equal(x.matchesModel, true);
      assert.deepEqual(Object.keys(x.rcodes).sort(), ['NOERROR', 'NXDOMAIN']);
      assert.ok(x.latencyMs.query.p50 > 0 && x.latencyMs.query.p50 <= x.latencyMs.query.p99 && x.latencyMs.query.p99 <= x.latencyMs.query.max);
      assert.ok(x.latencyMs.lookup.p50 >= x.latencyMs.query.p50);
    }
    assert.equal(baseline!.lookups.planned, 100);
    // From the resolver rules, for a ClusterFirst pod in `default` (search default.svc.cluster.local
    // svc.cluster.local cluster.local, ndots:5), glibc and musl alike:
    //   redis-master: the first candidate answers (1); the FQDN with its dot: 1;
    //   ext.example.test (2 dots < 5): three NXDOMAIN candidates, then as is (4); missing: 4 x NXDOMAIN.
    const expectQueriesPerLookup = (x: DnsBenchReport['runs'][number], counts: number[]) =>
      x.mix.forEach((m, e) => {
        for (const c of m.clients) if (c.lookups > 0) assert.equal(c.queriesPerLookup, counts[e], `${x.name}: ${m.name} from client ${c.client}`);
      });
    assert.ok(baseline!.mix.every((m) => m.clients.every((c) => c.lookups > 0)), 'every (entry, client) pair was drawn');
    expectQueriesPerLookup(baseline!, [1, 1, 4, 4]);
    assert.deepEqual(baseline!.mix.map((m) => Object.keys(m.status)), [['NOERROR'], ['NOERROR'], ['NOERROR'], ['NXDOMAIN']]);
    // ndots:1: ext.example.test has dots >= 1 and goes out as is first (1); `missing` has none (4).
    expectQueriesPerLookup(ndots1!, [1, 1, 1, 4]);
    assert.deepEqual(report.clients.map((c) => [c.resolver, c.ndots, c.search]), [
      ['glibc', 5, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']],
      ['musl', 5, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']],
    ]);
    assert.match(report.clients[0]!.pod, /^default\/frontend-/);
    // The plots.
    assert.match(readFileSync(join(out, 'latency-cdf.svg'), 'utf8'), /^<svg[^>]*>/);
    assert.match(readFileSync(join(out, 'queries-per-lookup.svg'), 'utf8'), /redis-master/);
    for (const png of ['latency-cdf.png', 'queries-per-lookup.png']) assert.deepEqual([...readFileSync(join(out, png)).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(report.files.length, 5);
    // The server and the client sockets are closed (handles leave the active list a turn after their close callbacks).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(process.getActiveResourcesInfo().filter((x) => x === 'UDPWrap').length, udpBefore);
  });

  it('prints the tables without --json', async () => {
    const r = await run(scenario(BENCHMARK.replace('compare: {ndots: [1], duration: 300ms}', '')), '--output', join(dir, 'text'), '--duration', '300ms', '--rate', '50');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^DNS lookup benchmark bench-it: 50 lookups\/s target/);
    assert.match(r.out, /\nRUN +DURATION +LOOKUPS +LOOKUPS\/S +QUERIES\/S +Q\/LOOKUP +LOST/);
    assert.match(r.out, /\nbaseline +300ms +\d+ /);
    assert.match(r.out, /\nmissing +A +1 +4\.00 +NXDOMAIN=\d+/);
  });

  it('bad benchmark sections and clients are field-path errors (exit 2 through ScenarioError)', async () => {
    const bad = scenario(BENCHMARK.replace('rate: 100', 'rate: 0').replace('weight: 3', 'weight: -3'));
    await assert.rejects(run(bad, '--output', join(dir, 'bad')), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.deepEqual(e.problems, [
        `${bad}: benchmark.rate: Invalid value: 0: must be between 1 and 50000 lookups per second`,
        `${bad}: benchmark.mix[0].weight: Invalid value: -3: must be a number greater than 0 (at most 1000000)`,
      ]);
      return true;
    });
    const host = scenario(BENCHMARK.replace('{from: pod/alpine-client, resolver: musl}', 'pod/host-agent').replace('pod:app=frontend', 'pod/nobody'));
    await assert.rejects(run(host, '--output', join(dir, 'bad')), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.problems.length, 2);
      assert.equal(e.problems[0], `${host}: benchmark.clients[0]: Invalid value: "pod/nobody": no such pod in the converged cluster (pods "nobody" not found)`);
      // hostNetwork + ClusterFirst is Default: the node's resolver, not the cluster DNS.
      assert.match(e.problems[1]!, /benchmark\.clients\[1\]: Invalid value: "pod\/host-agent": pod default\/host-agent \(dnsPolicy Default\) asks nameserver \S+ first, not the cluster DNS 10\.96\.0\.10$/);
      return true;
    });
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await assert.rejects(run(scenario(BENCHMARK), '--output', file), (e: unknown) => e instanceof UsageError && /^cannot write the report to .*a-file: a file of that name exists$/.test(e.message));
    await assert.rejects(run(scenario(BENCHMARK), '--duration', 'soon'), (e: unknown) => e instanceof UsageError && e.message === '--duration: invalid duration "soon" (use e.g. 2s, 500ms)');
    const plain = scenario('');
    await assert.rejects(run(plain), (e: unknown) => e instanceof ScenarioError && e.problems[0] === `${plain}: benchmark: Required value: this is not a benchmark scenario: add a benchmark: section (kind: dns, clients, mix)`);
  });
});
