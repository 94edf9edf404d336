import assert from 'node:assert/strict';
import { compile } from 'vega-lite';
import { parseResolvConf } from '../../dns/resolvconf.js';
import { parseBenchmark } from '../../lib/bench/benchmark.js';
import { latencyCdfSpec, queriesPerLookupSpec } from '../../lib/bench/plots.js';
import { benchReport, runReport } from '../../lib/bench/report.js';

const rc = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
const bench = parseBenchmark({ kind: 'dns', clients: ['pod/a', 'pod/b'], mix: ['redis-master', 'missing'] }).benchmark!;
const walk = (queries: number) => ({ name: 'x', queries, status: 'NOERROR', resolvedName: null });
const run = (name: string, q: number) =>
  runReport(
    { name, ndots: null, fqdn: false, durationMs: 1000, clients: [{ rc, resolver: 'glibc', names: ['redis-master', 'missing'] }, { rc, resolver: 'musl', names: ['redis-master', 'missing'] }], expected: [[walk(1), walk(q)], [walk(1), walk(q)]] },
    bench,
    {
      planned: 3, started: 3, elapsedMs: 1000, lookups: 3, statuses: ['NOERROR'],
      // Client 1 never asked for `missing`: it gets no bar there.
      lookupEntry: Uint16Array.from([0, 1, 0]), lookupClient: Uint16Array.from([0, 0, 1]), lookupQueries: Uint16Array.from([1, q, 1]),
      lookupStatus: Uint8Array.from([0, 0, 0]), lookupLatencyMs: Float64Array.from([0.2, 0.8, 0.3]),
      queryLatencyMs: Float64Array.from([0.2, 0.2, 0.2]), queriesSent: 3, queriesAnswered: 3, queriesLost: 0, queriesCancelled: 0,
      queryRcodes: { NOERROR: 3 }, lateStarts: 0, maxStartLagMs: 0, unmatchedReplies: 0,
    },
  );
const clients = [
  { from: 'pod/a', namespace: 'default', pod: 'a', resolver: 'glibc' as const, resolvConf: rc },
  { from: 'pod/b', namespace: 'default', pod: 'b', resolver: 'musl' as const, resolvConf: rc },
];
const report = benchReport({ scenario: 's', server: { host: '127.0.0.1', port: 1, zone: 'cluster.local', dnsServiceIP: '10.96.0.10' }, host: { cpus: 2, node: 'v20.20.2', loadAverage: { start: 0.5, end: 0.7 } }, bench, seed: 1, warmupMs: { first: 0, others: 0 }, clients, runs: [run('baseline', 4), run('fqdn', 1)] });

describe('bench/plots', () => {
  it('queries per lookup: one bar per (client, entry, run) that had lookups', () => {
    const spec = queriesPerLookupSpec(report).spec as unknown as { data: { values: unknown[] } };
    assert.deepEqual(spec.data.values, [
      { client: 'default/a (glibc, ndots:5)', entry: 'redis-master A', run: 'baseline', queriesPerLookup: 1 },
      { client: 'default/b (musl, ndots:5)', entry: 'redis-master A', run: 'baseline', queriesPerLookup: 1 },
      { client: 'default/a (glibc, ndots:5)', entry: 'missing A', run: 'baseline', queriesPerLookup: 4 },
      { client: 'default/a (glibc, ndots:5)', entry: 'redis-master A', run: 'fqdn', queriesPerLookup: 1 },
      { client: 'default/b (musl, ndots:5)', entry: 'redis-master A', run: 'fqdn', queriesPerLookup: 1 },
      { client: 'default/a (glibc, ndots:5)', entry: 'missing A', run: 'fqdn', queriesPerLookup: 1 },
    ]);
  });

  it('latency CDF: per-query and per-lookup series for every run, ending at fraction 1', () => {
    const values = (latencyCdfSpec(report).spec as unknown as { data: { values: { run: string; measure: string; fraction: number }[] } }).data.values;
    for (const run of ['baseline', 'fqdn']) {
      for (const measure of ['per query', 'per lookup (whole search-list walk)']) {
        const series = values.filter((v) => v.run === run && v.measure === measure);
        assert.ok(series.length > 0);
        assert.equal(series.at(-1)!.fraction, 1);
      }
    }
  });

  it('both specs compile to Vega', () => {
    for (const p of [latencyCdfSpec(report), queriesPerLookupSpec(report)]) assert.ok(compile(p.spec).spec.marks);
  });
});
