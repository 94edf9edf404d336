// `netsim trace -f FILE --from SRC --to DST [--via NODE] [--proto tcp|udp|sctp] [--at TIME]`:
// one connection followed hop by hop through the simulated data plane.
import { ExitCode, UsageError } from '../api/errors.js';
import { traceStory } from '../../netns/report.js';
import { loadScenario } from '../scenario/load.js';
import { parseDuration } from '../sim/clock.js';
import { traceFlow } from '../sim/flowtrace.js';
import { Simulation } from '../sim/simulation.js';
import type { CommandIO } from './main.js';

type Args = { values: Record<string, unknown>; positionals: string[] };

/** Loads `-f FILE` and runs it to `--at TIME`, or to its steady state. */
export async function simulationFor(a: Args, command: string): Promise<Simulation> {
  const file = a.values.filename as string | undefined;
  if (!file) throw new UsageError(`${command} needs the scenario: -f FILE`);
  const sim = new Simulation(loadScenario(file, { allowUnknown: a.values['allow-unknown'] === true }));
  await sim.bootstrap();
  if (a.values.at !== undefined) {
    const t = parseDuration(a.values.at as string);
    if (t === null) throw new UsageError(`--at: invalid duration ${JSON.stringify(a.values.at)} (use e.g. 90s, 5m)`);
    await sim.runTo(t);
  } else {
    await sim.converge();
  }
  return sim;
}

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
