// The report of a DNS lookup benchmark (report.json and `netsim bench --json`), built from the
// runs' samples. Pure: the same samples give the same report.
import { ndotsOf } from '../../dns/resolvconf.js';
import { formatDuration } from '../sim/clock.js';
import type { DnsBenchmark } from './benchmark.js';
import type { LoadSamples } from './driver.js';
import type { BenchClient, RunPlan } from './plan.js';
import { type CdfPoint, type LatencySummary, cdfPoints, roundMs, sortedCopy, sortedCounts, summarize } from './stats.js';

/** One client's lookups of one mix entry in one run, next to the model's prediction. */
export interface ClientEntryReport {
  client: number;
  /** The name this client asked (differs from the entry's in the FQDN run). */
  name: string;
  lookups: number;
  queries: number;
  queriesPerLookup: number;
  /** Queries the resolver model says the walk takes, and its outcome. */
  expectedQueries: number;
  expectedStatus: string;
  status: Record<string, number>;
}

export interface MixEntryReport {
  name: string;
  type: string;
  weight: number;
  lookups: number;
  queries: number;
  queriesPerLookup: number;
  /** The model's queries per lookup, weighted by how often each client asked. */
  expectedQueriesPerLookup: number;
  status: Record<string, number>;
  latencyMs: LatencySummary;
  clients: ClientEntryReport[];
}

export interface RunReport {
  name: string;
  /** The ndots forced on every client, or null (as each pod's resolv.conf says). */
  ndots: number | null;
  fqdn: boolean;
  duration: string;
  elapsedMs: number;
  lookups: { planned: number; started: number; completed: number; perSecond: number; lateStarts: number; maxStartLagMs: number };
  queries: { sent: number; answered: number; lost: number; cancelled: number; lossPercent: number; perSecond: number; perLookup: number; unmatchedReplies: number };
  latencyMs: { query: LatencySummary; lookup: LatencySummary };
  /** Rcodes of the answered queries. */
  rcodes: Record<string, number>;
  /** Outcome of the lookups as the libc reports it (NOERROR, NXDOMAIN, NODATA, ..., LOST when a query went unanswered). */
  status: Record<string, number>;
  /** True when every (client, entry) pair took exactly the queries the resolver model predicts. */
  matchesModel: boolean;
  mix: MixEntryReport[];
  cdf: { query: CdfPoint[]; lookup: CdfPoint[] };
}

export interface BenchHost {
  cpus: number;
  node: string;
  /** 1-minute load average when the runs started and when they ended. */
  loadAverage: { start: number; end: number };
}

export interface DnsBenchReport {
  scenario: string;
  kind: 'dns';
  server: { host: string; port: number; zone: string; dnsServiceIP: string };
  /** The machine the numbers come from: other load on it shows in the tails. */
  host: BenchHost;
  settings: { duration: string; rate: number; concurrency: number; timeout: string; seed: number; warmup: { first: string; others: string }; compare: { ndots: number[]; fqdn: boolean; duration: string } };
  clients: { from: string; pod: string; resolver: string; nameservers: string[]; search: string[]; ndots: number }[];
  runs: RunReport[];
  /** Queries per lookup of every mix entry in every run: the effect of ndots and trailing dots. */
  comparison: { name: string; type: string; queriesPerLookup: Record<string, number>; lookupP50Ms: Record<string, number> }[];
  /** Files written (report and plots), filled in by the command. */
  files: string[];
}

const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : 0);

/** Summarises one run. */
export function runReport(plan: RunPlan, bench: DnsBenchmark, s: LoadSamples): RunReport {
  const entries = bench.mix.length;
  const nClients = plan.clients.length;
  // Per (entry, client): lookups, queries, status counts; per entry: latencies.
  const cell = (e: number, c: number) => e * nClients + c;
  const lookups = new Array<number>(entries * nClients).fill(0);
  const queries = new Array<number>(entries * nClients).fill(0);
  const status = Array.from({ length: entries * nClients }, () => new Map<string, number>());
  const entryLatencies: number[][] = Array.from({ length: entries }, () => []);
  const totalStatus = new Map<string, number>();
  let totalQueries = 0;
  for (let i = 0; i < s.lookups; i++) {
    const e = s.lookupEntry[i]!;
    const k = cell(e, s.lookupClient[i]!);
    const st = s.statuses[s.lookupStatus[i]!]!;
    lookups[k]!++;
    queries[k]! += s.lookupQueries[i]!;
    totalQueries += s.lookupQueries[i]!;
    status[k]!.set(st, (status[k]!.get(st) ?? 0) + 1);
    totalStatus.set(st, (totalStatus.get(st) ?? 0) + 1);
    entryLatencies[e]!.push(s.lookupLatencyMs[i]!);
  }
  let matchesModel = true;
  const mix: MixEntryReport[] = bench.mix.map((m, e) => {
    const clients: ClientEntryReport[] = [];
    let n = 0;
    let q = 0;
    let expectedQ = 0;
    const st = new Map<string, number>();
    for (let c = 0; c < nClients; c++) {
      const k = cell(e, c);
      const exp = plan.expected[c]![e]!;
      n += lookups[k]!;
      q += queries[k]!;
      expectedQ += exp.queries * lookups[k]!;
      for (const [key, v] of status[k]!) st.set(key, (st.get(key) ?? 0) + v);
      // A lost query cuts a walk short; only complete walks are held against the model.
      const complete = (status[k]!.get('LOST') ?? 0) + (status[k]!.get('CANCELLED') ?? 0) + (status[k]!.get('ERROR') ?? 0) === 0;
      if (complete && lookups[k]! > 0 && queries[k]! !== exp.queries * lookups[k]!) matchesModel = false;
      clients.push({
        client: c, name: plan.clients[c]!.names[e]!, lookups: lookups[k]!, queries: queries[k]!, queriesPerLookup: ratio(queries[k]!, lookups[k]!),
        expectedQueries: exp.queries, expectedStatus: exp.status, status: sortedCounts(status[k]!),
      });
    }
    return {
      name: m.name, type: m.type, weight: m.weight, lookups: n, queries: q, queriesPerLookup: ratio(q, n), expectedQueriesPerLookup: ratio(expectedQ, n),
      status: sortedCounts(st), latencyMs: summarize(sortedCopy(entryLatencies[e]!)), clients,
    };
  });
  const querySorted = sortedCopy(s.queryLatencyMs);
  const lookupSorted = sortedCopy(s.lookupLatencyMs);
  const seconds = s.elapsedMs / 1000;
  return {
    name: plan.name,
    ndots: plan.ndots,
    fqdn: plan.fqdn,
    duration: formatDuration(plan.durationMs),
    elapsedMs: roundMs(s.elapsedMs),
    lookups: {
      planned: s.planned, started: s.started, completed: s.lookups, perSecond: seconds > 0 ? round(s.lookups / seconds, 1) : 0,
      lateStarts: s.lateStarts, maxStartLagMs: roundMs(s.maxStartLagMs),
    },
    queries: {
      sent: s.queriesSent, answered: s.queriesAnswered, lost: s.queriesLost, cancelled: s.queriesCancelled,
      lossPercent: s.queriesSent > 0 ? round((100 * s.queriesLost) / s.queriesSent, 4) : 0,
      perSecond: seconds > 0 ? round(s.queriesAnswered / seconds, 1) : 0, perLookup: ratio(totalQueries, s.lookups), unmatchedReplies: s.unmatchedReplies,
    },
    latencyMs: { query: summarize(querySorted), lookup: summarize(lookupSorted) },
    rcodes: sortedCounts(s.queryRcodes),
    status: sortedCounts(totalStatus),
    matchesModel,
    mix,
    cdf: { query: cdfPoints(querySorted), lookup: cdfPoints(lookupSorted) },
  };
}

/** The whole report: settings, clients, every run, and the comparison across runs. */
export function benchReport(input: {
  scenario: string;
  server: DnsBenchReport['server'];
  host: BenchHost;
  bench: DnsBenchmark;
  seed: number;
  warmupMs: { first: number; others: number };
  clients: readonly BenchClient[];
  runs: readonly RunReport[];
}): DnsBenchReport {
  const { scenario, server, bench, seed, clients, runs } = input;
  return {
    scenario,
    kind: 'dns',
    server,
    host: input.host,
    settings: {
      duration: formatDuration(bench.durationMs), rate: bench.rate, concurrency: bench.concurrency, timeout: formatDuration(bench.timeoutMs), seed, warmup: { first: formatDuration(input.warmupMs.first), others: formatDuration(input.warmupMs.others) },
      compare: { ndots: [...bench.compare.ndots], fqdn: bench.compare.fqdn, duration: formatDuration(bench.compare.durationMs) },
    },
    clients: clients.map((c) => ({
      from: c.from, pod: `${c.namespace}/${c.pod}`, resolver: c.resolver,
      nameservers: [...c.resolvConf.nameservers], search: [...c.resolvConf.searches], ndots: ndotsOf(c.resolvConf),
    })),
    runs: [...runs],
    comparison: bench.mix.map((m, e) => ({
      name: m.name,
      type: m.type,
      queriesPerLookup: Object.fromEntries(runs.map((r) => [r.name, r.mix[e]!.queriesPerLookup])),
      lookupP50Ms: Object.fromEntries(runs.map((r) => [r.name, r.mix[e]!.latencyMs.p50])),
    })),
    files: [],
  };
}
