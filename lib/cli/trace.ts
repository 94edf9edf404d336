// `netsim trace -f FILE --from SRC --to DST [--via NODE] [--proto tcp|udp|sctp] [--at TIME]`:
// one connection followed hop by hop through the simulated data plane.
import { ExitCode, UsageError } from '../api/errors.js';
import { traceStory } from '../../netns/report.js';
import { traceFlow } from '../sim/flowtrace.js';
import type { Simulation } from '../sim/simulation.js';
import type { CommandIO } from './main.js';
import { type Args, simulationFor } from './simulate.js';

/** Proxy modes whose data plane netsim can walk. */
export function requireIptablesMode(sim: Simulation, what: string): void {
  const mode = sim.scenario.cluster.proxy.mode;
  if (mode !== 'iptables') throw new UsageError(`${what}: cluster.proxy.mode ${mode} is not implemented yet in this version (only iptables)`);
}

export async function traceCommand(a: Args, io: CommandIO): Promise<number> {
  if (a.positionals.length) throw new UsageError(`unexpected arguments: ${a.positionals.join(' ')}`);
  const from = a.values.from as string | undefined;
  const to = a.values.to as string | undefined;
  if (!from || !to) throw new UsageError('trace needs a source and a destination: --from SRC --to DST');
  const sim = await simulationFor(a, 'trace');
  requireIptablesMode(sim, 'trace');
  const t = await traceFlow(sim, {
    from,
    to,
    ...(a.values.via !== undefined ? { via: a.values.via as string } : {}),
    ...(a.values.proto !== undefined ? { proto: a.values.proto as string } : {}),
  });
  io.out(a.values.json ? JSON.stringify(t.json) : traceStory(t.result, t.labels));
  return ExitCode.OK;
}
