// `netsim run FILE`: load, converge, play the timeline, evaluate checks, report.
import { ExitCode, UsageError } from '../api/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { ClusterZone } from '../../dns/zone.js';
import type { Check } from '../scenario/types.js';
import { evaluateDnsCheck } from '../sim/dnscheck.js';
import { evaluateFlowCheck } from '../sim/flowcheck.js';
import { clusterZoneOf } from '../sim/dnsview.js';
import { Simulation } from '../sim/simulation.js';
import type { CommandIO } from './main.js';
import { stateSummary } from './summary.js';

export interface CheckResult {
  name: string;
  kind: 'flow' | 'dns' | 'http';
  passed: boolean;
  expected: Record<string, unknown>;
  actual: Record<string, unknown>;
  /** Set when the check could not be evaluated (counted as neither passed nor failed). */
  skipped?: string;
  /** Why a check failed, in a sentence. */
  error?: string;
}

async function evaluateCheck(sim: Simulation, zone: ClusterZone, c: Check): Promise<CheckResult> {
  const base = { name: c.name, kind: c.kind };
  if (c.kind === 'dns') return { ...base, ...(await evaluateDnsCheck(sim, zone, c)) };
  if (c.kind === 'flow') {
    const r = await evaluateFlowCheck(sim, c);
    const reasons = (r as { reasons?: string[] }).reasons;
    return { ...r, ...(reasons?.length && !r.passed ? { error: reasons.join('; ') } : {}) };
  }
  return { ...base, passed: false, expected: c.expect, actual: {}, skipped: `${c.kind} checks are not evaluated yet by this netsim version` };
}

export async function runCommand(a: { values: Record<string, unknown>; positionals: string[] }, io: CommandIO): Promise<number> {
  const [file, ...extra] = a.positionals;
  if (!file) throw new UsageError('run needs a scenario file: netsim run FILE');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const scenario = loadScenario(file, { allowUnknown: a.values['allow-unknown'] === true });
  const sim = new Simulation(scenario);
  await sim.bootstrap();
  const zone = await clusterZoneOf(sim);
  // Checks with `at` see the cluster at that instant; the others after the whole timeline.
  const results = new Map<Check, CheckResult>();
  const timed = scenario.checks.filter((c) => c.at !== undefined).sort((x, y) => x.at! - y.at!);
  for (const c of timed) {
    await sim.runTo(c.at!);
    results.set(c, await evaluateCheck(sim, zone, c));
  }
  const converged = await sim.converge();
  for (const c of scenario.checks) if (!results.has(c)) results.set(c, await evaluateCheck(sim, zone, c));
  const checks = scenario.checks.map((c) => results.get(c)!);
  const passed = checks.filter((c) => c.passed).length;
  const failed = checks.filter((c) => !c.passed && !c.skipped).length;
  const skipped = checks.length - passed - failed;
  const report = {
    scenario: scenario.name,
    converged,
    checks,
    passed,
    failed,
    ...(skipped ? { skipped } : {}),
    ...(sim.refused.length ? { refused: sim.refused } : {}),
    ...(sim.manager.failures.length ? { errors: sim.manager.failures } : {}),
  };
  if (a.values.json) {
    io.out(JSON.stringify(report));
    return failed > 0 ? ExitCode.CHECK_FAILED : ExitCode.OK;
  }
  const c = scenario.cluster;
  io.out(`scenario ${scenario.name} (${scenario.file})`);
  if (scenario.description) io.out(`  ${scenario.description}`);
  io.out(`cluster: ${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'}, pod CIDR ${c.clusterCIDR.join(',')}, service CIDR ${c.serviceCIDR.join(',')}, cluster DNS ${c.dnsServiceIP} (${c.dnsDomain}), proxy ${c.proxy.mode}, cni ${c.cni}`);
  const byKind = new Map<string, number>();
  for (const { object } of scenario.objects) byKind.set(object.kind, (byKind.get(object.kind) ?? 0) + 1);
  const kinds = [...byKind.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([k, n]) => `${n} ${k}`);
  io.out(`loaded ${scenario.objects.length} object${scenario.objects.length === 1 ? '' : 's'}${kinds.length ? `: ${kinds.join(', ')}` : ''}`);
  for (const ns of scenario.implicitNamespaces) io.out(`namespace "${ns}" is used but not declared: created`);
  for (const r of sim.refused) io.out(`refused at ${r.at}: ${r.object}${r.origin ? ` (${r.origin.file}: document ${r.origin.document}${r.origin.path ? `: ${r.origin.path}` : ''})` : ''}: ${r.message}`);
  const policies = scenario.objects.filter((o) => o.object.kind === 'NetworkPolicy').length;
  if (policies) io.out(`note: ${policies} NetworkPolicy object${policies === 1 ? ' is' : 's are'} stored but not enforced: the simulated CNI (flannel-like) has no policy engine`);
  for (const f of sim.manager.failures) io.out(`controller error: ${f.controller} ${f.key}: ${f.message}`);
  io.out(`converged at ${converged.simulatedTime} simulated, ${converged.objects} objects in the store`);
  for (const line of await stateSummary(sim, file)) io.out(line);
  io.out('');
  for (const ch of checks) {
    io.out(`  ${ch.skipped ? 'SKIP' : ch.passed ? 'PASS' : 'FAIL'}  ${ch.name}${ch.skipped ? ` (${ch.skipped})` : ''}`);
    if (!ch.passed && ch.error) io.out(`        ${ch.error}`);
  }
  io.out(`checks: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 ? ExitCode.CHECK_FAILED : ExitCode.OK;
}
