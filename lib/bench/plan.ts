// From a parsed benchmark and a converged simulation to the runs to drive: each client pod's
// resolv.conf as the kubelet writes it, and per run (baseline, each ndots, FQDN) the names asked
// and what the resolver model predicts for every (client, entry) pair.
import { field } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import { type ResolvConf, podResolvConf } from '../../dns/resolvconf.js';
import { type QueryFunction, type ResolverKind, resolveName } from '../../dns/resolver.js';
import { ScenarioError } from '../scenario/load.js';
import { findPod, parseAddress } from '../sim/address.js';
import { hostResolvConf } from '../sim/dnsview.js';
import type { Simulation } from '../sim/simulation.js';
import type { DnsBenchmark } from './benchmark.js';
import type { LoadClient } from './driver.js';
import { absoluteName, withNdots } from './workload.js';

/** A client pod as the benchmark uses it. */
export interface BenchClient {
  /** The address as written in the benchmark. */
  from: string;
  namespace: string;
  pod: string;
  resolver: ResolverKind;
  resolvConf: ResolvConf;
}

/** The model's prediction for one lookup: the walk against the pure answer function. */
export interface ExpectedWalk {
  name: string;
  queries: number;
  status: string;
  resolvedName: string | null;
}

/** One run: its label, the resolv.conf tweak, and per client the names it asks and the predicted walks. */
export interface RunPlan {
  name: string;
  ndots: number | null;
  fqdn: boolean;
  durationMs: number;
  clients: LoadClient[];
  /** [client][entry]. */
  expected: ExpectedWalk[][];
}

/** Finds each client pod and builds its resolv.conf; a pod that is missing or not using the cluster DNS is a field error (exit 2). */
export async function resolveClients(sim: Simulation, bench: DnsBenchmark, file: string): Promise<BenchClient[]> {
  const c = sim.scenario.cluster;
  const problems: string[] = [];
  const out: BenchClient[] = [];
  for (const [i, client] of bench.clients.entries()) {
    const at = `benchmark.clients[${i}]`;
    let pod: Pod;
    try {
      pod = await findPod(sim.api, parseAddress(client.from));
    } catch (e) {
      problems.push(`${file}: ${field.invalid(at, client.from, `no such pod in the converged cluster (${(e as Error).message})`).toString()}`);
      continue;
    }
    const node = pod.status?.hostIP ? [pod.status.hostIP] : [];
    const rc = podResolvConf(pod, { clusterDomain: c.dnsDomain, clusterDNS: [c.dnsServiceIP], hostResolvConf: hostResolvConf(c), nodeIPs: node });
    const first = rc.resolvConf.nameservers[0];
    // The benchmark stands in for the cluster DNS only: a pod that asks another server first is not measured here.
    if (first !== c.dnsServiceIP) {
      const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
      problems.push(`${file}: ${field.invalid(at, client.from, `pod ${name} (dnsPolicy ${rc.effectivePolicy}) asks nameserver ${first ?? 'none'} first, not the cluster DNS ${c.dnsServiceIP}`).toString()}`);
      continue;
    }
    out.push({ from: client.from, namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name!, resolver: client.resolver, resolvConf: rc.resolvConf });
  }
  if (problems.length) throw new ScenarioError(problems);
  return out;
}

/** The runs of a benchmark: the baseline, one per compare.ndots value, then the FQDN run; pure given `model`. */
export function planRuns(bench: DnsBenchmark, clients: readonly BenchClient[], model: QueryFunction): RunPlan[] {
  const names = bench.mix.map((m) => m.name);
  const types = bench.mix.map((m) => m.type);
  const predict = (rc: ResolvConf, resolver: ResolverKind, asked: readonly string[]): ExpectedWalk[] =>
    asked.map((name, e) => {
      const w = resolveName(rc, name, types[e]!, model, { resolver });
      return { name, queries: w.queryCount, status: w.status, resolvedName: w.resolvedName };
    });
  const run = (name: string, ndots: number | null, fqdn: boolean, durationMs: number, pick: (c: BenchClient) => { rc: ResolvConf; names: string[] }): RunPlan => {
    const clientsOut: LoadClient[] = [];
    const expected: ExpectedWalk[][] = [];
    for (const c of clients) {
      const { rc, names: asked } = pick(c);
      clientsOut.push({ rc, resolver: c.resolver, names: asked });
      expected.push(predict(rc, c.resolver, asked));
    }
    return { name, ndots, fqdn, durationMs, clients: clientsOut, expected };
  };
  const baseline = run('baseline', null, false, bench.durationMs, (c) => ({ rc: c.resolvConf, names: [...names] }));
  const runs = [baseline];
  for (const n of bench.compare.ndots) runs.push(run(`ndots:${n}`, n, false, bench.compare.durationMs, (c) => ({ rc: withNdots(c.resolvConf, n), names: [...names] })));
  if (bench.compare.fqdn) {
    // The FQDN a user would write: the name the baseline walk resolved, else the name made absolute.
    runs.push(run('fqdn', null, true, bench.compare.durationMs, (c) => {
      const k = clients.indexOf(c);
      return { rc: c.resolvConf, names: baseline.expected[k]!.map((w, e) => w.resolvedName ?? absoluteName(names[e]!)) };
    }));
  }
  return runs;
}

