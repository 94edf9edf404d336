import assert from 'node:assert/strict';
import { parseResolvConf } from '../../dns/resolvconf.js';
import { parseBenchmark } from '../../lib/bench/benchmark.js';
import type { LoadSamples } from '../../lib/bench/driver.js';
import type { BenchClient, RunPlan } from '../../lib/bench/plan.js';
import { benchReport, runReport } from '../../lib/bench/report.js';

const rc = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
const bench = parseBenchmark({ kind: 'dns', duration: '2s', rate: 4, clients: ['pod/a', 'pod/b'], mix: [{ name: 'redis-master', weight: 3 }, 'missing'] }).benchmark!;
const walk = (name: string, queries: number, status: string) => ({ name, queries, status, resolvedName: null });
const plan: RunPlan = {
  name: 'baseline', ndots: null, fqdn: false, durationMs: 2000,
  clients: [{ rc, resolver: 'glibc', names: ['redis-master', 'missing'] }, { rc, resolver: 'musl', names: ['redis-master', 'missing'] }],
  expected: [[walk('redis-master', 1, 'NOERROR'), walk('missing', 4, 'NXDOMAIN')], [walk('redis-master', 1, 'NOERROR'), walk('missing', 4, 'NXDOMAIN')]],
};

/** Eight lookups over 2 s: five redis-master (1 query), two missing (4 queries), one missing cut short by a lost query. */
function samples(): LoadSamples {
  return {
    planned: 8, started: 8, elapsedMs: 2000,
    lookupEntry: Uint16Array.from([0, 0, 1, 0, 1, 0, 0, 1]),
    lookupClient: Uint16Array.from([0, 1, 0, 0, 1, 1, 0, 0]),
    lookupQueries: Uint16Array.from([1, 1, 4, 1, 4, 1, 1, 2]),
    lookupStatus: Uint8Array.from([0, 0, 1, 0, 1, 0, 0, 2]),
    lookupLatencyMs: Float64Array.from([0.2, 0.3, 1.1, 0.25, 1.3, 0.2, 0.4, 1000.5]),
    lookups: 8,
    statuses: ['NOERROR', 'NXDOMAIN', 'LOST'],
    queryLatencyMs: Float64Array.from([0.2, 0.3, 0.25, 0.3, 0.3, 0.2, 0.3, 0.25, 0.3, 0.3, 0.2, 0.4, 0.2, 0.2]),
    queriesSent: 15, queriesAnswered: 14, queriesLost: 1, queriesCancelled: 0,
    queryRcodes: { NXDOMAIN: 9, NOERROR: 5 },
    lateStarts: 0, maxStartLagMs: 0.4, unmatchedReplies: 0,
  };
}

describe('bench/report', () => {
  const r = runReport(plan, bench, samples());

  it('rates over the elapsed time, loss over queries sent, amplification over lookups', () => {
    assert.deepEqual(r.lookups, { planned: 8, started: 8, completed: 8, perSecond: 4, lateStarts: 0, maxStartLagMs: 0.4 });
    assert.deepEqual(r.queries, { sent: 15, answered: 14, lost: 1, cancelled: 0, lossPercent: 6.6667, perSecond: 7, perLookup: 1.875, unmatchedReplies: 0 });
    assert.deepEqual(Object.entries(r.rcodes), [['NOERROR', 5], ['NXDOMAIN', 9]]);
    assert.deepEqual(r.status, { LOST: 1, NOERROR: 5, NXDOMAIN: 2 });
    assert.deepEqual(r.latencyMs.lookup, { count: 8, mean: 125.531, p50: 0.3, p90: 1000.5, p99: 1000.5, max: 1000.5 });
  });

  it('per mix entry and client: measured queries per lookup next to the model', () => {
    assert.deepEqual(r.mix.map((m) => [m.name, m.lookups, m.queries, m.queriesPerLookup, m.expectedQueriesPerLookup, m.status]), [
      ['redis-master', 5, 5, 1, 1, { NOERROR: 5 }],
      ['missing', 3, 10, 3.333, 4, { LOST: 1, NXDOMAIN: 2 }],
    ]);
    assert.deepEqual(r.mix[1]!.clients.map((c) => [c.client, c.lookups, c.queries, c.queriesPerLookup, c.expectedQueries, c.expectedStatus]), [
      [0, 2, 6, 3, 4, 'NXDOMAIN'],
      [1, 1, 4, 4, 4, 'NXDOMAIN'],
    ]);
    // The short walk ended in LOST: not held against the model.
    assert.equal(r.matchesModel, true);
  });

  it('flags a complete walk that took other than the predicted queries', () => {
    const s = samples();
    s.lookupQueries[0] = 2; // a redis-master lookup that took 2 queries with no loss
    assert.equal(runReport(plan, bench, s).matchesModel, false);
  });

  it('the whole report: settings, clients, runs and the comparison table', () => {
    const clients: BenchClient[] = [
      { from: 'pod/a', namespace: 'default', pod: 'a', resolver: 'glibc', resolvConf: rc },
      { from: 'pod/b', namespace: 'default', pod: 'b', resolver: 'musl', resolvConf: rc },
    ];
    const rep = benchReport({ scenario: 's', server: { host: '127.0.0.1', port: 5353, zone: 'cluster.local', dnsServiceIP: '10.96.0.10' }, host: { cpus: 2, node: 'v20.20.2', loadAverage: { start: 0.5, end: 0.7 } }, bench, seed: 1, warmupMs: { first: 1000, others: 250 }, clients, runs: [r] });
    assert.deepEqual(Object.keys(rep), ['scenario', 'kind', 'server', 'host', 'settings', 'clients', 'runs', 'comparison', 'files']);
    assert.deepEqual(rep.settings, { duration: '2s', rate: 4, concurrency: 100, timeout: '1s', seed: 1, warmup: { first: '1s', others: '250ms' }, compare: { ndots: [], fqdn: false, duration: '2s' } });
    assert.deepEqual(rep.clients[1], { from: 'pod/b', pod: 'default/b', resolver: 'musl', nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 });
    assert.deepEqual(rep.comparison, [
      { name: 'redis-master', type: 'A', queriesPerLookup: { baseline: 1 }, lookupP50Ms: { baseline: 0.25 } },
      { name: 'missing', type: 'A', queriesPerLookup: { baseline: 3.333 }, lookupP50Ms: { baseline: 1.3 } },
    ]);
    assert.deepEqual(Object.keys(rep.runs[0]!), ['name', 'ndots', 'fqdn', 'duration', 'elapsedMs', 'lookups', 'queries', 'latencyMs', 'rcodes', 'status', 'matchesModel', 'mix', 'cdf']);
    assert.equal(JSON.stringify(rep), JSON.stringify(JSON.parse(JSON.stringify(rep)))); // plain JSON, no typed arrays
  });
});
