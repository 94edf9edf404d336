// `netsim bench FILE`: run a benchmark scenario (its `benchmark:` section), print its table,
// write report.json and the plots. The only kind today is `dns`: lookups from pods through their
// libc's search-list walk against the cluster DNS served on loopback.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../api/errors.js';
import { parseBenchmark } from '../bench/benchmark.js';
import { runDnsBenchmark } from '../bench/dnsbench.js';
import { plotSpecs, renderPlot } from '../bench/plots.js';
import type { DnsBenchReport } from '../bench/report.js';
import { ScenarioError, loadScenario } from '../scenario/load.js';
import { parseDuration } from '../sim/clock.js';
import { Simulation } from '../sim/simulation.js';
import type { CommandIO } from './main.js';
import { renderTable } from './table.js';

type Args = { values: Record<string, unknown>; positionals: string[] };

/** Options of `netsim bench` for the command table in main.ts. */
export const BENCH_OPTIONS = {
  output: { type: 'string', short: 'o', help: 'folder for report.json and the plots (default: benchmark.output, else ./netsim-bench-NAME/, relative to the working directory)' },
  duration: { type: 'string', help: 'override the duration of every run (benchmark.duration and compare.duration), e.g. 1s' },
  rate: { type: 'string', help: 'override benchmark.rate (target lookups per second)' },
  'allow-unknown': { type: 'boolean', help: 'ignore objects of kinds netsim does not model' },
} as const;

/** Runs the benchmark of the scenario FILE; exit 0 when it ran (loss is a result, not a failure), 2 on invalid input. */
export async function benchCommand(a: Args, io: CommandIO): Promise<number> {
  const [file, ...extra] = a.positionals;
  if (!file) throw new UsageError('bench needs a benchmark scenario: netsim bench FILE');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const scenario = loadScenario(file, { allowUnknown: a.values['allow-unknown'] === true });
  const raw = (scenario as { benchmark?: unknown }).benchmark;
  const overlay = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
  if (overlay && typeof overlay === 'object') {
    const o = overlay as Record<string, unknown>;
    if (a.values.duration !== undefined) {
      const d = a.values.duration as string;
      if (parseDuration(d) === null) throw new UsageError(`--duration: invalid duration ${JSON.stringify(d)} (use e.g. 2s, 500ms)`);
      o.duration = d;
      if (typeof o.compare === 'object' && o.compare !== null && !Array.isArray(o.compare)) o.compare = { ...(o.compare as Record<string, unknown>), duration: d };
    }
    if (a.values.rate !== undefined) {
      const r = Number(a.values.rate);
      if (!Number.isFinite(r)) throw new UsageError(`--rate: invalid number ${JSON.stringify(a.values.rate)}`);
      o.rate = r;
    }
  }
  const parsed = parseBenchmark(overlay);
  if (!parsed.benchmark) throw new ScenarioError(parsed.errors.map((e) => `${scenario.file}: ${e.toString()}`));
  const bench = parsed.benchmark;

  const outDir = resolve(process.cwd(), (a.values.output as string | undefined) ?? bench.output ?? `netsim-bench-${scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-')}`);
  const rel = relative(process.cwd(), outDir);
  const shownDir = rel === '' ? '.' : rel.startsWith('..') ? outDir : rel;
  // Fail before the load, not after it, when the report cannot be written.
  try {
    mkdirSync(outDir, { recursive: true });
    if (!statSync(outDir).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    throw new UsageError(`cannot write the report to ${shownDir}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file of that name exists' : (e as Error).message}`);
  }

  const progress = (line: string) => io.err(line);
  const sim = new Simulation(scenario);
  await sim.bootstrap();
  const converged = await sim.converge();
  progress(`${scenario.name}: converged at ${converged.simulatedTime} (${converged.objects} objects)`);
  const report = await runDnsBenchmark(sim, bench, { file: scenario.file, progress });

  const files: string[] = [join(shownDir, 'report.json')];
  const rendered = [];
  for (const plot of plotSpecs(report)) {
    const r = await renderPlot(plot);
    rendered.push(r);
    files.push(join(shownDir, `${r.name}.svg`), join(shownDir, `${r.name}.png`));
  }
  report.files = files;
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const r of rendered) {
    writeFileSync(join(outDir, `${r.name}.svg`), r.svg);
    writeFileSync(join(outDir, `${r.name}.png`), r.png);
  }

  if (a.values.json) io.out(JSON.stringify(report));
  else io.out(formatReport(report));
  return ExitCode.OK;
}

const ms = (x: number) => x.toFixed(3);
const counts = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ') || '-';

/** The human-readable tables: runs, amplification per entry across runs, per client pod, and the files. */
export function formatReport(r: DnsBenchReport): string {
  const out: string[] = [];
  out.push(`DNS lookup benchmark ${r.scenario}: ${r.settings.rate} lookups/s target, ${r.settings.concurrency} in flight at most, timeout ${r.settings.timeout}, server ${r.server.host}:${r.server.port} (zone ${r.server.zone})`);
  out.push(`host: ${r.host.cpus} CPUs, node ${r.host.node}, load average ${r.host.loadAverage.start} at the start, ${r.host.loadAverage.end} at the end`);
  out.push('');
  out.push(renderTable(
    ['RUN', 'DURATION', 'LOOKUPS', 'LOOKUPS/S', 'QUERIES/S', 'Q/LOOKUP', 'LOST', 'QUERY P50', 'P90', 'P99', 'MAX', 'LOOKUP P50', 'P99', 'MODEL', 'RCODES'],
    r.runs.map((run) => [
      run.name, run.duration, String(run.lookups.completed), run.lookups.perSecond.toFixed(1), run.queries.perSecond.toFixed(1), run.queries.perLookup.toFixed(2),
      `${run.queries.lost} (${run.queries.lossPercent}%)`, ms(run.latencyMs.query.p50), ms(run.latencyMs.query.p90), ms(run.latencyMs.query.p99), ms(run.latencyMs.query.max),
      ms(run.latencyMs.lookup.p50), ms(run.latencyMs.lookup.p99), run.matchesModel ? 'match' : 'DIFFERS', counts(run.rcodes),
    ]),
  ));
  out.push('(latencies in ms; Q/LOOKUP = queries per lookup; MODEL = every walk took the queries the resolver model predicts)');
  out.push('');
  out.push('Queries per lookup by run (mean over client pods):');
  out.push(renderTable(
    ['NAME', 'TYPE', 'WEIGHT', ...r.runs.map((x) => x.name.toUpperCase()), 'BASELINE RESULT'],
    r.comparison.map((c, e) => [c.name, c.type, String(r.runs[0]!.mix[e]!.weight), ...r.runs.map((x) => (c.queriesPerLookup[x.name] ?? 0).toFixed(2)), counts(r.runs[0]!.mix[e]!.status)]),
  ));
  out.push('');
  out.push('Client pods:');
  out.push(renderTable(
    ['#', 'POD', 'LIBC', 'NDOTS', 'SEARCH'],
    r.clients.map((c, i) => [String(i + 1), c.pod, c.resolver, String(c.ndots), c.search.join(' ')]),
  ));
  out.push('');
  out.push('Baseline by client pod (queries per lookup, result):');
  out.push(renderTable(
    ['NAME', 'TYPE', ...r.clients.map((_, i) => `#${i + 1}`)],
    r.runs[0]!.mix.map((m) => [m.name, m.type, ...m.clients.map((c) => (c.lookups ? `${c.queriesPerLookup.toFixed(2)} ${Object.keys(c.status).join('/')}` : '-'))]),
  ));
  for (const run of r.runs) {
    const late = run.lookups.lateStarts + (run.lookups.planned - run.lookups.started);
    if (late > run.lookups.planned / 20) {
      out.push('');
      out.push(`note: in run ${run.name} the load generator fell behind the target rate: ${run.lookups.lateStarts} of ${run.lookups.planned} lookups started late (worst ${run.lookups.maxStartLagMs} ms), ${run.lookups.planned - run.lookups.started} not started. Latencies are timed from each lookup's actual start, so they do not show that backlog.`);
    }
  }
  out.push('');
  out.push(`Wrote ${r.files.join(', ')}`);
  return out.join('\n');
}
