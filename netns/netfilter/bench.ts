// Benchmark of the rule evaluator (issue 4, performance (c)): flow decisions per second at
// 10,000 ClusterIP Services through the faithful rule walk and through the compiled fast path,
// and the rules iptables itself would check per flow (its first-packet cost grows with the
// number of Services). A decision is the full outcome list of a new connection's first packet
// in nat PREROUTING: every endpoint with its probability. Flows are drawn uniformly over all
// Services from random pod sources, so each decision touches a cold part of the ruleset.
// This is a measuring harness: it reads real time, unlike the model code it measures.

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Random } from '../../lib/sim/random.js';
import { compileRuleset } from './compile.js';
import { type EvalContext, type Packet, evaluate } from './evaluate.js';
import { compileFastPath } from './fastpath.js';
import { parseIptablesSave } from './parse.js';
import { generateKubeProxyRules } from './testing.js';

export interface NetfilterBenchOptions {
  readonly services?: number;
  readonly endpoints?: number;
  /** Decisions timed through the walk. */
  readonly walkFlows?: number;
  /** Decisions timed through the fast path. */
  readonly fastFlows?: number;
  readonly seed?: number;
}

export interface Throughput {
  readonly decisions: number;
  /** Decisions per second of wall time, and per second of this process's CPU time. */
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

export interface NetfilterBenchResult {
  readonly machine: { readonly loopMs: number; readonly loadAverage: number };
  readonly ruleset: {
    readonly services: number;
    readonly endpoints: number;
    readonly natRules: number;
    readonly generateMs: number;
    readonly parseMs: number;
    readonly compileMs: number;
  };
  readonly walk: Throughput;
  readonly fastPath: Throughput & { readonly learnMs: number; readonly treeNodes: number };
  /** Probability-weighted mean of the rules iptables checks for a flow's first packet. */
  readonly rulesEvaluatedPerFlow: number;
  readonly outcomesPerFlow: number;
  readonly targets: { readonly walkPerSecond: 100_000; readonly fastPathPerSecond: 2_000_000 };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A fixed integer loop (1e8 iterations), to compare machines. */
function calibrationMs(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x = (x + i * 7) | 0;
  if (x === 42) process.stdout.write('');
  return performance.now() - t0;
}

function timed(decisions: number, run: (i: number) => void): Throughput {
  const w0 = performance.now();
  const c0 = cpuMs();
  for (let i = 0; i < decisions; i++) run(i);
  const wall = performance.now() - w0;
  const cpu = cpuMs() - c0;
  return { decisions, perSecond: Math.round((decisions / wall) * 1000), perCpuSecond: Math.round((decisions / cpu) * 1000) };
}

/** Measures the walk and the fast path on a kube-proxy-shaped ruleset; returns the figures. */
export function benchNetfilter(options: NetfilterBenchOptions = {}): NetfilterBenchResult {
  const services = options.services ?? 10_000;
  const endpoints = options.endpoints ?? 10;
  const machine = { loopMs: Math.round(calibrationMs()), loadAverage: loadavg()[0]! };

  let t0 = performance.now();
  const generated = generateKubeProxyRules({ services, endpoints });
  const generateMs = performance.now() - t0;
  t0 = performance.now();
  const rs = parseIptablesSave(generated.text);
  const parseMs = performance.now() - t0;
  t0 = performance.now();
  compileRuleset(rs);
  const compileMs = performance.now() - t0;

  const node = 0xc0a8000b; // 192.168.0.11
  const ctx: EvalContext = { isLocalAddress: (a) => a === node };
  const random = new Random(options.seed ?? 1).child('netfilter-bench');
  const flows: Packet[] = [];
  for (let i = 0; i < 65_536; i++) {
    const s = generated.services[random.int(0, services - 1)]!;
    flows.push({ src: 0x0af40000 + random.int(256, 65_279), dst: s.clusterIP, proto: s.protocol, sport: random.int(1024, 65_535), dport: s.port, inIface: 'cni0' });
  }
  const flow = (i: number): Packet => flows[i & 65_535]!;

  // Rules evaluated and outcomes per flow, over one pass of the flows (also warms the walk).
  let rules = 0;
  let outcomes = 0;
  const sample = 20_000;
  for (let i = 0; i < sample; i++) {
    const out = evaluate(rs, 'PREROUTING', 'nat', flow(i), ctx);
    outcomes += out.length;
    for (const o of out) rules += o.rulesEvaluated * o.probability;
  }
  const walk = timed(options.walkFlows ?? 200_000, (i) => evaluate(rs, 'PREROUTING', 'nat', flow(i + sample), ctx));

  const fast = compileFastPath(rs, 'PREROUTING', 'nat');
  t0 = performance.now();
  // Learn every Service once (the first pod flow to each walks and records it).
  for (const s of generated.services) {
    fast({ src: 0x0af40000 + 300, dst: s.clusterIP, proto: s.protocol, sport: 1234, dport: s.port, inIface: 'cni0' }, ctx);
  }
  const learnMs = performance.now() - t0;
  const fastPath = timed(options.fastFlows ?? 2_000_000, (i) => fast(flow(i), ctx));

  return {
    machine,
    ruleset: {
      services,
      endpoints,
      natRules: generated.natRules,
      generateMs: Math.round(generateMs),
      parseMs: Math.round(parseMs),
      compileMs: Math.round(compileMs),
    },
    walk,
    fastPath: { ...fastPath, learnMs: Math.round(learnMs), treeNodes: fast.stats.nodes },
    rulesEvaluatedPerFlow: Math.round((rules / sample) * 10) / 10,
    outcomesPerFlow: outcomes / sample,
    targets: { walkPerSecond: 100_000, fastPathPerSecond: 2_000_000 },
  };
}
