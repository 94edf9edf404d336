// Adapter: a DNS lookup benchmark end to end. The converged simulation's cluster DNS is served
// by the real server on loopback (port 0, forwarding off), each run is driven against it, and
// the server is closed whatever happens.
import os from 'node:os';
import { answerQuery } from '../../dns/kubernetes.js';
import { startDnsServer } from '../../dns/server.js';
import { clusterZoneOf } from '../sim/dnsview.js';
import type { Simulation } from '../sim/simulation.js';
import type { DnsBenchmark } from './benchmark.js';
import { LoadGenerator, type LoadPlan } from './driver.js';
import { planRuns, resolveClients } from './plan.js';
import { type DnsBenchReport, type RunReport, benchReport, runReport } from './report.js';

export interface DnsBenchOptions {
  /** The scenario file, for error messages. */
  file: string;
  /** Progress lines (run started, run done). */
  progress?: (line: string) => void;
}

/** The only address the benchmark serves and sends to. */
const LOOPBACK = '127.0.0.1';
/** Unmeasured load before each run; before the first, half its length (0.5 to 2 s), while the process settles (JIT, both threads). */
export const WARMUP_MS = 250;

/** The warm-up before run `i` of a benchmark whose first run lasts `firstMs`. */
export function warmupMs(i: number, firstMs: number): number {
  return i === 0 ? Math.min(2000, Math.max(500, firstMs / 2)) : WARMUP_MS;
}

/** Runs every run of `bench` against the simulation's cluster DNS; returns the report (files not yet written). */
export async function runDnsBenchmark(sim: Simulation, bench: DnsBenchmark, options: DnsBenchOptions): Promise<DnsBenchReport> {
  const clients = await resolveClients(sim, bench, options.file);
  const zone = await clusterZoneOf(sim);
  const runs = planRuns(bench, clients, (name, type) => answerQuery(zone, { name, type }));
  const serverErrors: string[] = [];
  // forward: [] keeps every query on loopback even when the scenario names real resolvers.
  const server = await startDnsServer(zone, { host: LOOPBACK, port: 0, forward: [], onError: (e) => serverErrors.length < 10 && serverErrors.push(e.message) });
  const c = sim.scenario.cluster;
  const seed = c.seed;
  const reports: RunReport[] = [];
  const generator = new LoadGenerator();
  const loadStart = os.loadavg()[0]!;
  try {
    for (const [i, run] of runs.entries()) {
      const plan: LoadPlan = {
        host: LOOPBACK,
        port: server.udpPort,
        rate: bench.rate,
        durationMs: run.durationMs,
        concurrency: bench.concurrency,
        timeoutMs: bench.timeoutMs,
        seed,
        // Every run draws the same lookups in the same order: runs differ only in resolv.conf and names.
        stream: 'bench/dns/lookups',
        weights: bench.mix.map((m) => m.weight),
        types: bench.mix.map((m) => m.type),
        clients: run.clients,
      };
      // Unmeasured warm-up: JIT on both threads, and the server's answer cache filled for the run's common questions.
      await generator.run({ ...plan, durationMs: warmupMs(i, runs[0]!.durationMs), stream: 'bench/dns/warmup' });
      options.progress?.(`run ${run.name}: ${run.durationMs / 1000}s at ${bench.rate} lookups/s from ${clients.length} client pod(s) to ${LOOPBACK}:${server.udpPort}`);
      reports.push(runReport(run, bench, await generator.run(plan)));
    }
  } finally {
    await generator.close();
    await server.close();
  }
  for (const e of serverErrors) options.progress?.(`server: ${e}`);
  return benchReport({
    scenario: sim.scenario.name,
    server: { host: LOOPBACK, port: server.udpPort, zone: c.dnsDomain, dnsServiceIP: c.dnsServiceIP },
    host: { cpus: os.cpus().length, node: process.version, loadAverage: { start: round2(loadStart), end: round2(os.loadavg()[0]!) } },
    bench, seed, warmupMs: { first: warmupMs(0, runs[0]!.durationMs), others: WARMUP_MS }, clients, runs: reports,
  });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
