// `netsim run FILE`: load, converge, play the timeline, evaluate checks, report.
import { ExitCode, UsageError } from '../api/errors.js';
import { loadScenario } from '../scenario/load.js';
import { Simulation } from '../sim/simulation.js';
import type { CommandIO } from './main.js';

export async function runCommand(a: { values: Record<string, unknown>; positionals: string[] }, io: CommandIO): Promise<number> {
  const [file, ...extra] = a.positionals;
  if (!file) throw new UsageError('run needs a scenario file: netsim run FILE');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const scenario = loadScenario(file, { allowUnknown: a.values['allow-unknown'] === true });
  const sim = new Simulation(scenario);
  await sim.bootstrap();
  const converged = await sim.converge();
  const report = { scenario: scenario.name, converged, checks: [] as unknown[], passed: 0, failed: 0 };
  if (a.values.json) {
    io.out(JSON.stringify(report));
  } else {
    const c = scenario.cluster;
    io.out(`scenario ${scenario.name} (${scenario.file})`);
    if (scenario.description) io.out(`  ${scenario.description}`);
    io.out(`cluster: ${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'}, pod CIDR ${c.clusterCIDR.join(',')}, service CIDR ${c.serviceCIDR.join(',')}, cluster DNS ${c.dnsServiceIP} (${c.dnsDomain}), proxy ${c.proxy.mode}, cni ${c.cni}`);
    const byKind = new Map<string, number>();
    for (const { object } of scenario.objects) byKind.set(object.kind, (byKind.get(object.kind) ?? 0) + 1);
    const kinds = [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n} ${k}`);
    io.out(`loaded ${scenario.objects.length} object${scenario.objects.length === 1 ? '' : 's'}${kinds.length ? `: ${kinds.join(', ')}` : ''}`);
    for (const ns of scenario.implicitNamespaces) io.out(`namespace "${ns}" is used but not declared: created`);
    io.out(`converged at ${converged.simulatedTime} simulated, ${converged.objects} objects in the store`);
    io.out(`checks: ${report.passed} passed, ${report.failed} failed`);
  }
  return report.failed > 0 ? ExitCode.CHECK_FAILED : ExitCode.OK;
}
