// The state every read-only command works on: `-f FILE` loaded and run to `--at TIME`, or to
// its steady state.
import { UsageError } from '../api/errors.js';
import { loadScenario } from '../scenario/load.js';
import { parseDuration } from '../sim/clock.js';
import { Simulation } from '../sim/simulation.js';

export type Args = { values: Record<string, unknown>; positionals: string[] };

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
